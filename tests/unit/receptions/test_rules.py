"""The pure rules of leaders' receptions: the slot text and its checks, the state table, who
organises, and who reads a booker through the privacy policy."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from minyi.org.rules import Actor, Role
from minyi.privacy.rules import Show, booker_show, booker_view
from minyi.receptions.rules import (
    ReceptionStatus,
    Slot,
    check_slots,
    may_organise,
    next_status,
    parse_slot_text,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)


def actor(role: Role | None, staff_id: int = 1, path: str = "D/S01/") -> Actor:
    return Actor(
        staff_id=staff_id,
        username="x",
        name="x",
        role=role,
        unit_id=1,
        unit_code="U",
        unit_kind="street",
        unit_path=path,
    )


class TestSlots:
    def test_text_with_and_without_places(self) -> None:
        s = parse_slot_text("09:00-10:30x6", DAY, TZ)
        assert (s.starts_at, s.ends_at, s.capacity) == (
            datetime(2026, 11, 23, 9, 0, tzinfo=TZ),
            datetime(2026, 11, 23, 10, 30, tzinfo=TZ),
            6,
        )
        assert parse_slot_text("14：00 至 15：00", DAY, TZ).capacity == 5

    @pytest.mark.parametrize("text", ["九点", "25:00-26:00", "09:00"])
    def test_bad_text(self, text: str) -> None:
        with pytest.raises(ValueError, match="时段"):
            parse_slot_text(text, DAY, TZ)

    def test_checks(self) -> None:
        a = parse_slot_text("09:00-10:00", DAY, TZ)
        b = parse_slot_text("10:00-11:00", DAY, TZ)
        assert check_slots([b, a], TZ) == DAY
        with pytest.raises(ValueError, match="重叠"):
            check_slots([a, parse_slot_text("09:30-10:30", DAY, TZ)], TZ)
        with pytest.raises(ValueError, match="同一天"):
            check_slots([a, parse_slot_text("09:00-10:00", date(2026, 11, 24), TZ)], TZ)
        with pytest.raises(ValueError, match="晚于"):
            check_slots([parse_slot_text("10:00-09:00", DAY, TZ)], TZ)
        with pytest.raises(ValueError, match="人数"):
            check_slots([Slot(a.starts_at, a.ends_at, 0)], TZ)
        with pytest.raises(ValueError, match="至少"):
            check_slots([], TZ)


class TestStates:
    @pytest.mark.parametrize(
        ("status", "step", "to"),
        [
            (ReceptionStatus.SCHEDULED, "publish", ReceptionStatus.PUBLISHED),
            (ReceptionStatus.PUBLISHED, "record", ReceptionStatus.HELD),
            (ReceptionStatus.HELD, "record", ReceptionStatus.HELD),
            (ReceptionStatus.PUBLISHED, "cancel", ReceptionStatus.CANCELLED),
            (ReceptionStatus.HELD, "cancel", None),
            (ReceptionStatus.CANCELLED, "record", None),
            (ReceptionStatus.HELD, "publish", None),
        ],
    )
    def test_table(self, status: ReceptionStatus, step: str, to: ReceptionStatus | None) -> None:
        assert next_status(status, step) == to


class TestWho:
    def test_organisers(self) -> None:
        assert may_organise(actor(Role.ADMIN), leader_id=9, place_path="D/S02/")
        assert may_organise(actor(Role.LEADER, 9), leader_id=9, place_path="D/S02/")
        assert not may_organise(actor(Role.LEADER, 8), leader_id=9, place_path="D/S02/")
        assert may_organise(actor(Role.STREET_STAFF), leader_id=9, place_path="D/S01/S01C01/")
        assert not may_organise(actor(Role.STREET_STAFF), leader_id=9, place_path="D/S02/")
        assert not may_organise(actor(Role.UNIT_HANDLER), leader_id=9, place_path="D/S01/")

    def test_who_reads_a_booker(self) -> None:
        place = "D/S01/S01C01/"
        assert booker_show(actor(Role.LEADER, 9), leader_id=9, place_path=place) is Show.CLEAR
        assert booker_show(actor(Role.LEADER, 8), leader_id=9, place_path=place) is Show.MASKED
        assert booker_show(actor(Role.COMMUNITY_STAFF), leader_id=9, place_path=place) is Show.CLEAR
        assert (
            booker_show(actor(Role.STREET_STAFF, path="D/S02/"), leader_id=9, place_path=place)
            is Show.HIDDEN
        )
        assert booker_show(actor(None), leader_id=9, place_path=place) is Show.HIDDEN
        masked = booker_view(actor(Role.SUPERVISOR), leader_id=9, place_path=place)
        assert masked.name("欧阳娜娜") == "欧阳**"
        assert masked.phone("13812345678") == "138****5678"
        assert "13812345678" not in masked.text("我是欧阳娜娜，电话13812345678", name="欧阳娜娜")
