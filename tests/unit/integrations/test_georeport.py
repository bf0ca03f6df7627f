"""GeoReport v2 shapes and rules as pure code: datetimes, XML element names, errors, attributes,
and the mapping of a POSTed request onto an appeal."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from minyi.integrations import georeport as geo

TZ = ZoneInfo("Asia/Shanghai")


class TestDatetimes:
    def test_w3_keeps_the_offset_in_district_time(self) -> None:
        assert (
            geo.w3(datetime(2026, 11, 20, 1, 0, 5, 123, tzinfo=UTC), TZ)
            == "2026-11-20T09:00:05+08:00"
        )
        assert geo.w3(None, TZ) is None

    @pytest.mark.parametrize(
        "text", ["2026-11-20T09:00:00+08:00", "2026-11-20T01:00:00Z", "2026-11-20T01:00Z"]
    )
    def test_parses_w3_with_an_offset(self, text: str) -> None:
        assert geo.parse_w3("start_date", text) == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        "text", ["2026-11-20", "2026-11-20T09:00:00", "yesterday", "2026-13-40T00:00:00Z"]
    )
    def test_refuses_dates_without_an_offset_or_invalid(self, text: str) -> None:
        with pytest.raises(geo.Open311Error) as error:
            geo.parse_w3("start_date", text)
        assert error.value.code == 400 and "start_date" in error.value.description


class TestShapes:
    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("registered", "open"),
            ("in_progress", "open"),
            ("replied", "closed"),
            ("declined", "closed"),
            ("archived", "closed"),
        ],
    )
    def test_status_folds_into_open_and_closed(self, status: str, expected: str) -> None:
        assert geo.open_or_closed(status) == expected

    def test_xml_lists_use_the_specs_element_names(self) -> None:
        body = geo.to_xml(
            "service_definition",
            None,
            {
                "service_code": "A1",
                "attributes": [
                    {
                        "code": "street",
                        "variable": True,
                        "values": [{"key": "S01", "name": "一街"}],
                        "datatype_description": None,
                    }
                ],
            },
        )
        assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<service_definition>')
        root = ET.fromstring(body)
        assert root.find("attributes/attribute/values/value/name").text == "一街"  # type: ignore[union-attr]
        assert root.find("attributes/attribute/variable").text == "true"  # type: ignore[union-attr]
        assert root.find("attributes/attribute/datatype_description").text is None  # type: ignore[union-attr]

    def test_errors_document(self) -> None:
        root = ET.fromstring(geo.to_xml("errors", "error", geo.errors_document(403, "bad key")))
        assert (root.tag, root.find("error/code").text, root.find("error/description").text) == (
            "errors",
            "403",
            "bad key",
        )  # type: ignore[union-attr]

    def test_split_list(self) -> None:
        assert geo.split_list(" a, b,,c ") == ["a", "b", "c"] and geo.split_list(None) == []


class TestRequestMapping:
    FIELDS = {  # noqa: RUF012 - read by every test, never changed
        "service_code": "A1",
        "description": "路灯坏了",
        "lat": "22.5",
        "long": "114.1",
        "first_name": "先生",
        "last_name": "程",
        "phone": "13800000000",
    }

    def test_maps_the_spec_arguments(self) -> None:
        appeal = geo.appeal_from_request(
            self.FIELDS | {"media_url": "http://x/y.jpg"}, {"street": "S01"}, channel="open311_x"
        )
        assert (
            appeal["category"] == "A1"
            and appeal["name"] == "程先生"
            and appeal["lat"] == 22.5
            and appeal["lng"] == 114.1
        )
        assert (
            appeal["street"] == "S01"
            and "http://x/y.jpg" in appeal["body"]
            and appeal["anonymous"] is False
        )

    def test_no_phone_means_anonymous(self) -> None:
        fields = {k: v for k, v in self.FIELDS.items() if k != "phone"}
        assert geo.appeal_from_request(fields, {}, channel="c")["anonymous"] is True

    @pytest.mark.parametrize(
        ("drop", "words"),
        [("service_code", "service_code"), ("description", "description"), ("lat", "location")],
    )
    def test_missing_arguments_are_400(self, drop: str, words: str) -> None:
        with pytest.raises(geo.Open311Error, match=words):
            geo.appeal_from_request(
                {k: v for k, v in self.FIELDS.items() if k != drop}, {}, channel="c"
            )

    def test_attributes_from_forms_and_json(self) -> None:
        pairs = [
            ("attribute[street]", "S01"),
            ("attribute[tags][]", "a"),
            ("attribute[tags][]", "b"),
            ("other", "x"),
        ]
        assert geo.parse_attributes(pairs) == {"street": "S01", "tags": ["a", "b"]}
        assert geo.parse_attributes([("attribute", {"title": "t"})]) == {"title": "t"}

    def test_unknown_attribute_is_refused(self) -> None:
        with pytest.raises(geo.Open311Error, match="colour"):
            geo.appeal_from_request(self.FIELDS, {"colour": "red"}, channel="c")
