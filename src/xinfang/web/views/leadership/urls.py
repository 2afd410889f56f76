"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

urlpatterns: list = []
