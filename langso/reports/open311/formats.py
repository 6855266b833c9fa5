"""Open311 output: the same data as JSON or XML (the URL's suffix chooses), the
specification's error array, and W3C dates that always carry their timezone."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from langso.core.clock import TZ
from langso.core.errors import DomainError

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8",
                 "xml": "text/xml; charset=utf-8"}
# XML names the members of a list; JSON (the specification's "Spark convention") only
# lists them.
ITEM_NAMES = {
    "services": "service", "service_requests": "request", "attributes": "attribute",
    "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error",
    "service_request_updates": "request_update",
}
# Characters XML 1.0 cannot carry at all, even escaped: dropped from the output.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# "2010-01-01T00:00:00Z", "…T07:00:00+07:00", "…T07:00+07:00", "…T07:00:00.5Z" (W3C note).
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


class FormatConverter:
    """``<open311fmt:fmt>``: the format suffix of every Open311 resource."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: Any, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def w3c(value: dt.datetime) -> str:
    """A moment as the specification writes it, in the commune's time: 2026-11-23T09:30:00+07:00."""
    return value.astimezone(TZ).replace(microsecond=0).isoformat()


def parse_w3c(text: str, *, name: str) -> dt.datetime:
    """A W3C date-time with its timezone; a "+07:00" whose "+" became a space in an
    unencoded query string is read as meant."""
    value = (text or "").strip()
    if len(value) > 40:
        value = ""
    if re.search(r" \d{2}:\d{2}$", value):
        value = value[:-6] + "+" + value[-5:]
    if _W3C.match(value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise DomainError(_("%(name)s phải là ngày giờ theo W3C kèm múi giờ, ví dụ "
                        "2026-01-01T00:00:00+07:00.") % {"name": name}, code="bad_date")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        child = ITEM_NAMES[name]
        for item in value:
            _fill(ET.SubElement(element, child), child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """ElementTree escapes every text; nothing is concatenated by hand."""
    element = ET.Element(root)
    _fill(element, root, data)
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(element, encoding="unicode").encode())


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_value).encode()


def respond(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The specification's error array: 404 unknown resource or jurisdiction, 403 missing or
    wrong api_key, 400 anything else (429 when a client sends too much, see the docs)."""
    errors = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, "errors", errors, status=status)


# Our services name their fields; a client knows the specification's parameters.
PARAMETERS = {"category": "service_code", "location": "lat/long", "address": "address_string",
              "village": "attribute[village]", "reporter_name": "first_name/last_name",
              "reporter_phone": "phone", "reporter_email": "email"}


def domain_error_response(fmt: str, error: DomainError) -> HttpResponse:
    status = error.status if error.status in (403, 404, 429) else 400
    descriptions = [error.message]
    for field, messages in error.field_errors.items():
        descriptions.extend(f"{PARAMETERS.get(field, field)}: {m}" for m in messages)
    response = error_response(fmt, status, descriptions)
    if isinstance(error, TooManyRequests):
        response["Retry-After"] = str(error.retry_after)
    return response
