"""Mediation's pure rules: the dispute's and the agreement's steps, who acts and reads, the
agreement's number, and who reads a party's contacts (a citizen never the other side's)."""

from __future__ import annotations

import pytest

from minyi.mediation.documents import committee_of, numeral
from minyi.mediation.rules import (
    AGREEMENT_STEPS,
    AgreementStatus,
    DisputeStatus,
    agreement_number,
    may_act,
    may_read,
    next_status,
    rate,
)
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import Show, party_contacts, party_show


def actor(role: Role | None, *, staff_id: int = 7, unit_path: str | None = None) -> Actor:
    return Actor(
        staff_id=staff_id,
        username="x",
        name="x",
        role=role,
        unit_id=3,
        unit_code="U",
        unit_kind="street",
        unit_path=unit_path,
    )


class TestSteps:
    @pytest.mark.parametrize(
        ("status", "step", "after"),
        [
            (DisputeStatus.OPEN, "agreement", DisputeStatus.AGREED),
            (DisputeStatus.OPEN, "partial", DisputeStatus.PARTIAL),
            (DisputeStatus.OPEN, "failure", DisputeStatus.FAILED),
            (DisputeStatus.FAILED, "refer", DisputeStatus.REFERRED),
            (DisputeStatus.PARTIAL, "refer", DisputeStatus.REFERRED),
            (DisputeStatus.AGREED, "reopen", DisputeStatus.OPEN),
            (DisputeStatus.AGREED, "refer", None),
            (DisputeStatus.REFERRED, "agreement", None),
            (DisputeStatus.OPEN, "refer", None),
        ],
    )
    def test_dispute_steps(self, status: DisputeStatus, step: str, after: DisputeStatus) -> None:
        assert next_status(status, step) == after

    def test_agreement_steps(self) -> None:
        assert AGREEMENT_STEPS[(AgreementStatus.SIGNED, "file")] is AgreementStatus.FILED
        assert (AgreementStatus.SIGNED, "confirmed") not in AGREEMENT_STEPS
        assert (AgreementStatus.CONFIRMED, "refused") not in AGREEMENT_STEPS


class TestWho:
    def test_mediators_area_staff_and_centre_act(self) -> None:
        paths = ["D/S01/S01-SITE/"]
        assert may_act(actor(Role.SERVICE_STAFF), mediator_ids={7}, paths=paths)
        assert not may_act(actor(Role.SERVICE_STAFF), mediator_ids={8}, paths=paths)
        assert may_act(
            actor(Role.STREET_STAFF, unit_path="D/S01/"), mediator_ids=set(), paths=paths
        )
        assert not may_act(
            actor(Role.STREET_STAFF, unit_path="D/S02/"), mediator_ids=set(), paths=paths
        )
        assert may_act(actor(Role.DISPATCHER), mediator_ids=set(), paths=paths)
        assert not may_act(actor(Role.LEADER), mediator_ids=set(), paths=paths)
        assert may_read(actor(Role.LEADER), mediator_ids=set(), paths=paths, site_unit_id=9)

    def test_party_contacts(self) -> None:
        paths = ["D/S01/S01-SITE/"]
        assert (
            party_show(actor(Role.SERVICE_STAFF), mediator_ids={7}, area_paths=paths) is Show.CLEAR
        )
        assert party_show(actor(Role.LEADER), mediator_ids={1}, area_paths=paths) is Show.MASKED
        assert party_show(None, mediator_ids={1}, area_paths=paths, own_side=True) is Show.CLEAR
        hidden = party_show(actor(None), mediator_ids={1}, area_paths=paths)
        assert hidden is Show.HIDDEN
        other = party_contacts(
            hidden, name="李建国", phone="13900139000", id_number=None, address="3栋602"
        )
        assert other == {"name": "李*", "phone": None, "id_number": None, "address": None} or (
            other["phone"] is None and other["name"] != "李建国"
        )


class TestWords:
    def test_number_and_committee(self) -> None:
        assert agreement_number("青松街道群众诉求服务站", 2026, 12) == "青松街道调〔2026〕12号"
        assert committee_of("青松街道群众诉求服务站") == "青松街道人民调解委员会"
        assert [numeral(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]

    def test_rate(self) -> None:
        assert rate(1, 3) == 0.3333 and rate(0, 0) is None
