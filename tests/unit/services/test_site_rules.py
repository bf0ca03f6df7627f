"""The pure rules of the service sites' pages: a timetable as a citizen reads it, who books at a
site's window, and who reads a citizen's appointment in clear, masked or not at all."""

from __future__ import annotations

import pytest

from minyi.org.rules import Actor, Role
from minyi.privacy.rules import Show, appointment_show, appointment_view
from minyi.services.rules import hours_text, may_book_at_window

SITE_PATH, SITE_UNIT = "D/S01/S01-SITE/", 40


def person(role: Role, *, staff_id: int = 1, unit_id: int = 7, path: str = "D/S02/") -> Actor:
    return Actor(
        staff_id=staff_id,
        username="x",
        name="x",
        role=role,
        unit_id=unit_id,
        unit_code="U",
        unit_kind="street",
        unit_path=path,
    )


def test_a_timetable_reads_in_weekdays() -> None:
    assert hours_text("1-5 09:00-12:00 14:00-17:30; 6 09:00-12:00") == (
        "周一至周五 09:00-12:00 14:00-17:30；周六 09:00-12:00"
    )
    assert hours_text("7 10:00-11:00") == "周日 10:00-11:00"
    assert hours_text("每天") == "每天"  # not a timetable: as typed


def test_the_keepers_and_the_sites_own_professionals_book_at_the_window() -> None:
    assert may_book_at_window(person(Role.ADMIN), SITE_PATH, SITE_UNIT)
    assert may_book_at_window(person(Role.STREET_STAFF, path="D/S01/"), SITE_PATH, SITE_UNIT)
    assert not may_book_at_window(person(Role.STREET_STAFF), SITE_PATH, SITE_UNIT)
    assert may_book_at_window(person(Role.SERVICE_STAFF, unit_id=SITE_UNIT), SITE_PATH, SITE_UNIT)
    assert not may_book_at_window(person(Role.SERVICE_STAFF), SITE_PATH, SITE_UNIT)
    assert not may_book_at_window(person(Role.DISPATCHER), SITE_PATH, SITE_UNIT)


@pytest.mark.parametrize(
    ("reader", "legal", "counselling"),
    [
        (person(Role.SERVICE_STAFF, staff_id=99, unit_id=SITE_UNIT), Show.CLEAR, Show.CLEAR),
        (person(Role.ADMIN), Show.CLEAR, Show.CLEAR),
        (person(Role.COMMUNITY_STAFF, path="D/S01/"), Show.CLEAR, Show.CLEAR),
        (person(Role.SERVICE_STAFF, unit_id=SITE_UNIT), Show.MASKED, Show.HIDDEN),
        (person(Role.DISPATCHER), Show.MASKED, Show.HIDDEN),
        (person(Role.SUPERVISOR), Show.MASKED, Show.HIDDEN),
        (person(Role.STREET_STAFF), Show.HIDDEN, Show.HIDDEN),
        (person(Role.LEADER), Show.HIDDEN, Show.HIDDEN),
        (person(Role.SERVICE_STAFF), Show.HIDDEN, Show.HIDDEN),
        (None, Show.HIDDEN, Show.HIDDEN),
    ],
)
def test_who_reads_an_appointment(reader: Actor | None, legal: Show, counselling: Show) -> None:
    """The professional booked (staff 99) and the site's keepers in clear; the centre and the
    site's other professionals masked, never a counselling one; nobody else."""
    for service, show in (("legal", legal), ("counselling", counselling)):
        got = appointment_show(
            reader, staff_id=99, site_path=SITE_PATH, site_unit_id=SITE_UNIT, service=service
        )
        assert got is show, service


def test_the_view_masks_and_hides() -> None:
    masked = appointment_view(
        person(Role.DISPATCHER), staff_id=99, site_path=SITE_PATH, site_unit_id=SITE_UNIT,
        service="legal",
    )  # fmt: skip
    assert masked.phone("13800001234") == "138****1234"
    assert "王秀英" not in masked.topic("王秀英想咨询押金", name="王秀英")
    hidden = appointment_view(
        None, staff_id=99, site_path=SITE_PATH, site_unit_id=SITE_UNIT, service="legal"
    )
    assert "1234" not in hidden.phone("13800001234") and "押金" not in hidden.topic("押金", name="")
