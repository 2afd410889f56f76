"""Chinese first: the staff UI speaks zh-hans unless the user chose another language."""

from django.conf import settings
from django.utils import translation

_CODES = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    """Like Django's LocaleMiddleware, but a browser's Accept-Language does not switch the UI away
    from Chinese: only the language cookie (set by the language switch) does. API clients may still
    ask for English with Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in _CODES:
            lang = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                lang = translation.get_language_from_request(request) or lang
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer that passes through Django (pages, exports, API, notices):
    nearly all of them carry personal data, and neither a shared proxy nor the browser's disk cache may
    keep a copy. A response that already sets Cache-Control keeps its own; static files never get here
    (whitenoise answers them before this middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
