"""The two formats of GeoReport v2: XML (the specification's element names) and JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# XML: the element of each list's items
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, name: str, value) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _fill(el, ITEM.get(name, "item"), item)
    else:
        el.text = _text(value)


def xml_bytes(root: str, value) -> bytes:
    el = ET.Element(root)
    if isinstance(value, list):
        for item in value:
            _fill(el, ITEM[root], item)
    else:
        for k, v in value.items():
            _fill(el, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8", xml_declaration=False)


def answer(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    """`value` (a list or a dict) as `fmt`; `root` names the XML document element."""
    if fmt == "xml":
        return HttpResponse(xml_bytes(root, value), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(value, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    return answer(fmt, "errors", [{"code": status, "description": description}], status=status)
