"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as pure code: formats, w3
datetimes, open/closed, the XML and JSON shapes, errors, service attributes, and turning a POSTed
request into an appeal. No session, no I/O, no clock reads.

The spec fixes element names, so third-party clients parse us unchanged: JSON is an array of
objects; XML is `<services><service>`, `<service_definition>`, `<service_requests><request>`,
`<discovery>`, `<errors><error>`, with nested lists as `<attributes><attribute>`,
`<values><value>`, `<endpoints><endpoint>` and `<formats><format>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from minyi.cases.rules import is_closed
from minyi.core.errors import Invalid

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The spec's limits: one response carries at most 1000 requests, a date range spans at most 90 days.
MAX_REQUESTS = 1000
MAX_RANGE_DAYS = 90
MAX_DESCRIPTION = 4000

_CHILD = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_W3 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP status = code, body [{code, description}]."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def check_format(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise Open311Error(400, f"format '{fmt}' is not supported; use .xml or .json")
    return fmt


def w3(value: datetime | None, tz: ZoneInfo) -> str | None:
    """W3C-DTF with the offset, in the district's own time: 2026-11-20T09:00:00+08:00."""
    if value is None:
        return None
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def parse_w3(name: str, value: str) -> datetime:
    """A datetime argument; the spec requires the offset (or Z), so one without is refused."""
    text = value.strip()
    if not _W3.match(text):
        raise Open311Error(
            400, f"{name} must be a w3 datetime with its UTC offset, e.g. 2026-11-20T09:00:00+08:00"
        )
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid datetime") from None


def open_or_closed(status: str) -> str:
    # GeoReport's two states: closed means cases.rules.CLOSED (answered or refused).
    return "closed" if is_closed(status) else "open"


def split_list(value: str | None) -> list[str]:
    """The spec's comma-delimited lists (service_request_id, service_code, status)."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# --- rendering -------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, key: str, value: Any) -> None:
    element = ET.SubElement(parent, key)
    if isinstance(value, list):
        child = _CHILD.get(key, "item")
        for item in value:
            if isinstance(item, Mapping):
                inner = ET.SubElement(element, child)
                for k, v in item.items():
                    _fill(inner, k, v)
            else:
                ET.SubElement(element, child).text = _text(item)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _fill(element, k, v)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, content: Any) -> bytes:
    """`content` is a list of dicts (each an `item` element) or one dict (the root's children)."""
    top = ET.Element(root)
    if isinstance(content, list):
        for row in content:
            element = ET.SubElement(top, item or "item")
            for key, value in row.items():
                _fill(element, key, value)
    else:
        for key, value in content.items():
            _fill(top, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )


def errors_document(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    code: str
    class_name: str
    level2: str
    level3: str
    level4: str


def service_row(leaf: Leaf) -> dict[str, Any]:
    return {
        "service_code": leaf.code,
        "service_name": leaf.level4,
        "description": f"{leaf.class_name} / {leaf.level2} / {leaf.level3} / {leaf.level4}",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(dict.fromkeys((leaf.level2, leaf.level3))),
        "group": leaf.class_name,
    }


def attribute_definitions(streets: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """What an appeal carries beyond the spec's own arguments, as GeoReport attributes. The same
    for every leaf: each is optional because Minyi's intake needs none of them."""

    def attribute(
        order: int,
        code: str,
        datatype: str,
        description: str,
        values: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        return {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": False,
            "datatype_description": None,
            "order": order,
            "description": description,
            "values": values or [],
        }

    yes_no = [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
    return [
        attribute(1, "title", "string", "诉求标题（不填则取描述的开头）"),
        attribute(
            2,
            "street",
            "singlevaluelist",
            "所在街道",
            [{"key": code, "name": name} for code, name in streets],
        ),
        attribute(3, "community", "string", "所在社区编码"),
        attribute(4, "crowd_size", "number", "涉及人数"),
        attribute(5, "amount", "number", "涉及金额（元）"),
        attribute(6, "anonymous", "singlevaluelist", "匿名反映", yes_no),
        attribute(7, "confidential", "singlevaluelist", "要求保密", yes_no),
    ]


ATTRIBUTE_CODES = frozenset(
    {"title", "street", "community", "crowd_size", "amount", "anonymous", "confidential"}
)
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def parse_attributes(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """`attribute[code]=v` (and `attribute[code][]=v` for multivaluelists) from a form, or an
    `attribute` object from a JSON body."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key == "attribute" and isinstance(value, Mapping):
            found.update({str(k): v for k, v in value.items()})
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        code, many = match.group(1), bool(match.group(2))
        if many:
            found.setdefault(code, []).append(value)
        else:
            found[code] = value
    return found


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "是")


def appeal_from_request(
    fields: Mapping[str, Any], attributes: Mapping[str, Any], *, channel: str
) -> dict[str, Any]:
    """The AppealIn fields for a POSTed request; raises Open311Error(400) naming what is missing."""

    def field(name: str) -> str | None:
        value = fields.get(name)
        return str(value).strip() or None if value is not None else None

    service_code = field("service_code")
    if not service_code:
        raise Open311Error(400, "service_code is required")
    lat, lng = field("lat"), field("long")
    address, address_id = field("address_string"), field("address_id")
    if not ((lat and lng) or address or address_id):
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    description = field("description")
    if not description:
        raise Open311Error(400, "description is required")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    unknown = sorted(set(attributes) - ATTRIBUTE_CODES)
    if unknown:
        raise Open311Error(
            400, f"unknown attribute {', '.join(unknown)} for service {service_code}"
        )
    body = description
    media_url = field("media_url")
    if media_url:
        body += f"\n\n附件链接: {media_url}"
    # Chinese names put the family name first: last_name + first_name.
    name = "".join(part for part in (field("last_name"), field("first_name")) if part) or None
    appeal: dict[str, Any] = {
        "channel": channel,
        "category": service_code,
        "body": body,
        "phone": field("phone"),
        "name": name,
        "address": address or (f"address_id {address_id}" if address_id else None),
        "anonymous": _flag(attributes.get("anonymous", False)) or not field("phone"),
        "confidential": _flag(attributes.get("confidential", False)),
    }
    if lat and lng:
        try:
            appeal["lat"], appeal["lng"] = float(lat), float(lng)
        except ValueError:
            raise Open311Error(400, "lat and long must be decimal degrees") from None
    for code in ("title", "street", "community", "crowd_size", "amount"):
        value = attributes.get(code)
        if value not in (None, ""):
            appeal[code] = value
    return appeal


def validation_message(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's errors as one line naming the Open311 argument (phone, lat...)."""
    rename = {
        "body": "description",
        "lng": "long",
        "category": "service_code",
        "address": "address_string",
    }
    parts = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body",)]
        name = rename.get(loc[-1], loc[-1]) if loc else "request"
        parts.append(f"{name}: {str(error.get('msg', '')).removeprefix('Value error, ')}")
    return "; ".join(parts) or "invalid request"


def invalid_message(error: Invalid) -> str:
    rename = {"category": "service_code", "channel": "api_key"}
    fields = [
        rename.get(str(e.get("field")), str(e.get("field")))
        for e in error.details.get("errors", [])
    ]
    return f"{fields[0]}: {error.message}" if fields else error.message
