"""HTTP helpers shared by the web views and the API."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """`content` as a download named `filename` (RFC 6266/5987: a non-ASCII name is encoded)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
