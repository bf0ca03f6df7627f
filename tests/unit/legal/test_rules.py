"""Legal help's pure rules: the documents list, who decides legal aid and who advises before
acceptance, the average days, and the privacy rule for a consultation's text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minyi.legal.rules import (
    AID_UNIT,
    AREA_LABELS,
    LawArea,
    average,
    clean_documents,
    days_to_decide,
    may_advise,
    may_decide_aid,
)
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import LEGAL_HIDDEN, Show, legal_show, legal_view


def actor(role: Role, *, staff_id: int = 1, unit_code: str | None = None) -> Actor:
    return Actor(
        staff_id=staff_id,
        username="u",
        name="n",
        role=role,
        unit_id=None,
        unit_code=unit_code,
        unit_kind=None,
        unit_path=None,
    )


class TestRules:
    def test_the_seven_areas_of_law(self) -> None:
        assert list(AREA_LABELS.values()) == [
            "婚姻家庭", "劳动争议", "房产物业", "合同债务", "侵权赔偿", "行政事务", "其他"
        ]  # fmt: skip
        assert set(AREA_LABELS) == set(LawArea)

    def test_documents_trimmed_and_bounded(self) -> None:
        assert clean_documents([" 起诉状 ", "", "起诉状", "证据清单"]) == ["起诉状", "证据清单"]
        with pytest.raises(ValueError, match="100"):
            clean_documents(["长" * 101])
        with pytest.raises(ValueError, match="20"):
            clean_documents([f"文书{i}" for i in range(21)])

    def test_who_decides_and_who_advises(self) -> None:
        assert may_decide_aid(actor(Role.UNIT_HEAD, unit_code=AID_UNIT), AID_UNIT)
        assert may_decide_aid(actor(Role.ADMIN), None)
        assert not may_decide_aid(actor(Role.UNIT_HEAD, unit_code="DEP01"), "DEP01")
        assert may_advise(actor(Role.INTAKE_CLERK), is_lawyer=False)
        assert may_advise(actor(Role.SERVICE_STAFF), is_lawyer=True)
        assert not may_advise(actor(Role.SERVICE_STAFF), is_lawyer=False)

    def test_days_to_decide(self) -> None:
        at = datetime(2026, 11, 20, tzinfo=UTC)
        assert days_to_decide(at, at + timedelta(hours=36)) == 1.5
        assert average([1.5, 2.5]) == 2.0 and average([]) is None


class TestPrivacy:
    def test_the_lawyer_supervisors_and_the_aid_unit_once_referred(self) -> None:
        lawyer = actor(Role.SERVICE_STAFF, staff_id=7)
        assert legal_show(lawyer, author_ids={7}, aid_unit=None) is Show.CLEAR
        assert legal_show(actor(Role.SUPERVISOR), author_ids={7}, aid_unit=None) is Show.CLEAR
        head = actor(Role.UNIT_HEAD, staff_id=9, unit_code=AID_UNIT)
        assert legal_show(head, author_ids={7}, aid_unit=None) is Show.HIDDEN
        assert legal_show(head, author_ids={7}, aid_unit=AID_UNIT) is Show.CLEAR
        for other in (Role.LEADER, Role.INTAKE_CLERK, Role.ADMIN, Role.SERVICE_STAFF):
            view = legal_view(actor(other, staff_id=3), author_ids={7}, aid_unit=None)
            assert (
                view.text("王某的问题") == LEGAL_HIDDEN
                and view.phone("13800001111") != "13800001111"
            )
