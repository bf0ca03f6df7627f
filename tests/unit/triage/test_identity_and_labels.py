"""Pure parts of the triage wiring: who reads a case with the complainant masked, how free text
is redacted, and which label a correction trains."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from minyi.cases.models import Appeal, Case
from minyi.cases.schemas import identity_hidden_from, redactor
from minyi.org.rules import Actor, Role
from minyi.triage.models import TriageSuggestion
from minyi.triage.rules import training_label


def actor(role: Role | None, code: str | None, path: str | None) -> Actor:
    return Actor(
        staff_id=1,
        username="u",
        name="u",
        role=role,
        unit_id=1,
        unit_code=code,
        unit_kind=None,
        unit_path=path,
    )


CHECKED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_the_accused_unit_and_units_under_it_are_masked_others_not() -> None:
    case = Case(identity_hidden_from=["S01C03"], accused_checked_at=CHECKED)
    assert identity_hidden_from(actor(Role.COMMUNITY_STAFF, "S01C03", "D/S01/S01C03/"), case)
    assert identity_hidden_from(
        actor(Role.GRID_STAFF, "S01C03G01", "D/S01/S01C03/S01C03G01/"), case
    )
    assert not identity_hidden_from(actor(Role.STREET_STAFF, "S01", "D/S01/"), case)
    assert not identity_hidden_from(actor(Role.COMMUNITY_STAFF, "S01C04", "D/S01/S01C04/"), case)
    assert not identity_hidden_from(
        actor(Role.COMMUNITY_STAFF, "S01C03", "D/S01/S01C03/"),
        Case(identity_hidden_from=None, accused_checked_at=CHECKED),
    )


def test_before_the_complaint_target_check_every_unit_reads_it_masked() -> None:
    case = Case(identity_hidden_from=None, accused_checked_at=None)
    for role, code, path in (
        (Role.UNIT_HANDLER, "DEP02", "D/DEP02/"),
        (Role.UNIT_HEAD, "DEP02", "D/DEP02/"),
        (Role.STREET_STAFF, "S01", "D/S01/"),
        (Role.COMMUNITY_STAFF, "S01C04", "D/S01/S01C04/"),
        (Role.GRID_STAFF, "S01C03G01", "D/S01/S01C03/S01C03G01/"),
    ):
        assert identity_hidden_from(actor(role, code, path), case), role
    for role in (Role.INTAKE_CLERK, Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN):
        assert not identity_hidden_from(actor(role, "DISPATCH", "D/DISPATCH/"), case), role


def test_redaction_masks_phone_id_and_name_in_free_text() -> None:
    appeal = Appeal(phone="13912345678", id_card="110101199003071233", citizen_name="程先生")
    text = redactor(appeal)("程先生（13912345678，身份证110101199003071233）再次来电")
    assert text == "某先生（139****5678，身份证1101**********1233）再次来电"
    assert redactor(Appeal(phone=None, id_card=None, citizen_name=None))("原文") == "原文"


def suggestion(label: str | None, leaf: str | None, cls: str | None) -> Any:
    return TriageSuggestion(label=label, leaf_code=leaf, class_name=cls)


def test_a_correction_trains_the_models_own_kind_of_label() -> None:
    leaf_model = suggestion("TS-01-02-07", "TS-01-02-07", "投诉建议")
    assert (
        training_label(leaf_model, leaf_code="TS-01-05-01", leaf_class="投诉建议", label=None)
        == "TS-01-05-01"
    )
    class_model = suggestion("城乡建设", None, "城乡建设")
    assert (
        training_label(class_model, leaf_code="TS-01-05-01", leaf_class="投诉建议", label=None)
        == "投诉建议"
    )
    assert training_label(class_model, leaf_code=None, leaf_class=None, label=None) == "城乡建设"
    assert (
        training_label(class_model, leaf_code=None, leaf_class=None, label="环境保护") == "环境保护"
    )
