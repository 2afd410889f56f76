"""Swagger UI served by xinfang itself (DESIGN §2: nothing loads from a CDN).

django-ninja ships the Swagger UI files in its wheel (ninja/static/ninja/), but its docs page uses
them only when "ninja" is in INSTALLED_APPS; otherwise it points the browser at cdn.jsdelivr.net.
This page always uses the packaged files, served by the API under /api/v1/docs/assets/.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import Swagger

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"})


class OfflineSwagger(Swagger):
    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        assets = reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": "x"})[:-1]
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "assets": assets,
                   "add_csrf": True}
        return render(request, self.template, context)


def asset_response(name: str) -> HttpResponse | None:
    """One of the packaged Swagger UI files, or None."""
    if name not in ASSETS or not (ASSET_DIR / name).is_file():
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
