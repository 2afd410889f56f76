from django.conf import settings


def demo_mode(request):
    """`demo_mode` on every page: base.html shows the demo banner (XINFANG_DEMO, see settings)."""
    return {"demo_mode": getattr(settings, "DEMO_MODE", False)}
