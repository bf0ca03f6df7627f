"""The lifecycle table: every (state, action) pair, legal and illegal, and the guards."""

from __future__ import annotations

import pytest

from minyi.cases.rules import (
    ACTORS,
    KEY_CHECKLIST,
    TRANSITIONS,
    Action,
    CaseFacts,
    CaseStatus,
    Rating,
    allowed_actions,
    checklist_items,
    decide,
)
from minyi.core.errors import Conflict, Forbidden, IllegalTransition, Invalid
from minyi.org.rules import Actor, Role, citizen_actor

LEAD, CO, OTHER = 11, 12, 13


def staff(role: Role, unit_id: int = 1) -> Actor:
    return Actor(
        staff_id=1,
        username=role.value,
        name="x",
        role=role,
        unit_id=unit_id,
        unit_code="U",
        unit_kind="department",
        unit_path="D/U/",
    )


def able_actor(action: Action) -> Actor:
    roles = ACTORS[action]
    if Role.SUPERVISOR in roles:
        return staff(Role.SUPERVISOR)
    if Role.DISPATCHER in roles:
        return staff(Role.DISPATCHER)
    if Role.UNIT_HANDLER in roles:
        return staff(Role.UNIT_HANDLER, LEAD)
    if Role.UNIT_HEAD in roles:
        return staff(Role.UNIT_HEAD, LEAD)
    return citizen_actor()


def payload_for(action: Action) -> dict[str, str]:
    return {"reason": "r", "text": "t", "note": "n", "lead_unit": "DEP01", "rating": "satisfied"}


def facts(status: CaseStatus, **kw: object) -> CaseFacts:
    return CaseFacts(status=status, lead_unit_id=LEAD, co_unit_ids=frozenset({CO}), **kw)  # type: ignore[arg-type]


class TestEveryPair:
    @pytest.mark.parametrize("status", list(CaseStatus))
    @pytest.mark.parametrize("action", list(Action))
    def test_pair_is_legal_exactly_when_the_table_says(
        self, status: CaseStatus, action: Action
    ) -> None:
        f = facts(
            status,
            bounce_pending=action in (Action.APPROVE_BOUNCE, Action.REFUSE_BOUNCE),
            rating=Rating.UNSATISFIED if status is CaseStatus.RATED else None,
            reply_needs_approval=action is Action.SUBMIT_REPLY,
        )
        if (status, action) in TRANSITIONS:
            assert (
                decide(f, action, able_actor(action), payload_for(action))
                is TRANSITIONS[(status, action)]
            )
        else:
            with pytest.raises(IllegalTransition) as info:
                decide(f, action, able_actor(action), payload_for(action))
            assert info.value.details["state"] == status


class TestIllegalNamesAllowed:
    def test_409_lists_what_the_actor_may_do(self) -> None:
        with pytest.raises(IllegalTransition) as info:
            decide(
                facts(CaseStatus.REGISTERED), Action.REPLY, staff(Role.INTAKE_CLERK), {"text": "x"}
            )
        assert info.value.details["allowed_actions"] == ["accept", "decline"]


class TestGuards:
    def test_decline_needs_a_reason(self) -> None:
        with pytest.raises(Invalid) as info:
            decide(
                facts(CaseStatus.REGISTERED),
                Action.DECLINE,
                staff(Role.INTAKE_CLERK),
                {"reason": "  "},
            )
        assert info.value.details["errors"][0]["field"] == "reason"

    def test_reply_needs_text(self) -> None:
        with pytest.raises(Invalid):
            decide(facts(CaseStatus.SIGNED_FOR), Action.REPLY, staff(Role.UNIT_HANDLER, LEAD), {})

    def test_only_the_lead_unit_replies(self) -> None:
        with pytest.raises(Forbidden):
            decide(
                facts(CaseStatus.SIGNED_FOR),
                Action.REPLY,
                staff(Role.UNIT_HANDLER, CO),
                {"text": "x"},
            )

    def test_co_unit_may_record_contact(self) -> None:
        assert (
            decide(
                facts(CaseStatus.SIGNED_FOR),
                Action.RECORD_CONTACT,
                staff(Role.UNIT_HANDLER, CO),
                {"note": "打了电话"},
            )
            is CaseStatus.IN_PROGRESS
        )

    def test_unrelated_unit_is_refused(self) -> None:
        with pytest.raises(Forbidden):
            decide(facts(CaseStatus.DISPATCHED), Action.SIGN_FOR, staff(Role.UNIT_HEAD, OTHER), {})

    def test_clerk_cannot_dispatch(self) -> None:
        with pytest.raises(Forbidden):
            decide(
                facts(CaseStatus.ACCEPTED),
                Action.DISPATCH,
                staff(Role.INTAKE_CLERK),
                {"lead_unit": "DEP01"},
            )

    def test_second_bounce_waits_for_the_first_decision(self) -> None:
        with pytest.raises(IllegalTransition):
            decide(
                facts(CaseStatus.SIGNED_FOR, bounce_pending=True),
                Action.BOUNCE,
                staff(Role.UNIT_HANDLER, LEAD),
                {"reason": "x"},
            )

    def test_no_reply_while_a_bounce_waits(self) -> None:
        # Found by the property test: a reply left a case "replied" with a bounce still pending.
        with pytest.raises(IllegalTransition):
            decide(
                facts(CaseStatus.SIGNED_FOR, bounce_pending=True),
                Action.REPLY,
                staff(Role.UNIT_HANDLER, LEAD),
                {"text": "x"},
            )

    def test_bounce_decision_needs_a_pending_bounce(self) -> None:
        with pytest.raises(IllegalTransition):
            decide(facts(CaseStatus.SIGNED_FOR), Action.APPROVE_BOUNCE, staff(Role.DISPATCHER), {})

    def test_citizen_reopens_only_after_unsatisfied(self) -> None:
        with pytest.raises(IllegalTransition):
            decide(
                facts(CaseStatus.RATED, rating=Rating.SATISFIED),
                Action.REOPEN,
                citizen_actor(),
                {"reason": "x"},
            )
        assert (
            decide(
                facts(CaseStatus.RATED, rating=Rating.UNSATISFIED),
                Action.REOPEN,
                citizen_actor(),
                {"reason": "x"},
            )
            is CaseStatus.DISPATCHED
        )

    def test_supervisor_reopens_an_archived_case(self) -> None:
        assert (
            decide(
                facts(CaseStatus.ARCHIVED),
                Action.REOPEN,
                staff(Role.SUPERVISOR),
                {"reason": "督办发现未解决"},
            )
            is CaseStatus.DISPATCHED
        )

    def test_a_declined_case_cannot_be_reopened(self) -> None:
        # Found by the property test: declined -> archived -> reopen left a case "dispatched" to nobody.
        with pytest.raises(IllegalTransition):
            decide(
                CaseFacts(status=CaseStatus.ARCHIVED),
                Action.REOPEN,
                staff(Role.SUPERVISOR),
                {"reason": "x"},
            )

    def test_rating_must_be_one_of_three(self) -> None:
        with pytest.raises(Invalid):
            decide(facts(CaseStatus.REPLIED), Action.FEEDBACK, citizen_actor(), {"rating": "great"})


class TestAllowedActions:
    def test_lead_handler_after_signing(self) -> None:
        allowed = allowed_actions(facts(CaseStatus.SIGNED_FOR), staff(Role.UNIT_HANDLER, LEAD))
        assert set(allowed) == {
            Action.RECORD_CONTACT,
            Action.RECORD_VISIT,
            Action.REPLY,
            Action.BOUNCE,
        }

    def test_leader_may_only_flag_a_key_case(self) -> None:
        assert allowed_actions(facts(CaseStatus.DISPATCHED), staff(Role.LEADER)) == [
            Action.MARK_KEY
        ]


class TestKeyCase:
    def test_reply_waits_for_the_whole_checklist(self) -> None:
        f = facts(
            CaseStatus.IN_PROGRESS,
            is_key_case=True,
            checklist_done=frozenset({"phone_kept", "person_met"}),
        )
        with pytest.raises(Conflict) as info:
            decide(f, Action.REPLY, staff(Role.UNIT_HANDLER, LEAD), {"text": "x"})
        assert info.value.details["missing"] == ["wechat_added"]
        assert "微信号必加" in info.value.message

    def test_complete_checklist_lets_the_reply_through(self) -> None:
        f = facts(CaseStatus.IN_PROGRESS, is_key_case=True, checklist_done=frozenset(KEY_CHECKLIST))
        assert (
            decide(f, Action.REPLY, staff(Role.UNIT_HANDLER, LEAD), {"text": "x"})
            is CaseStatus.REPLIED
        )

    def test_actions_tick_items(self) -> None:
        assert checklist_items(Action.RECORD_CONTACT, {"method": "wechat"}) == ["wechat_added"]
        assert checklist_items(Action.RECORD_CONTACT, {}) == ["phone_kept"]
        assert checklist_items(Action.RECORD_VISIT, {"note": "x"}) == ["person_met"]


class TestReplyApproval:
    """答复审核: where the case needs it, the handler submits and the lead unit's head decides."""

    def test_a_handler_cannot_reply_directly(self) -> None:
        with pytest.raises(Conflict) as info:
            decide(
                facts(CaseStatus.IN_PROGRESS, reply_needs_approval=True),
                Action.REPLY,
                staff(Role.UNIT_HANDLER, LEAD),
                {"text": "x"},
            )
        assert info.value.code == "reply_needs_approval"

    def test_the_handler_is_offered_submit_not_reply(self) -> None:
        offered = allowed_actions(
            facts(CaseStatus.IN_PROGRESS, reply_needs_approval=True), staff(Role.UNIT_HANDLER, LEAD)
        )
        assert Action.SUBMIT_REPLY in offered
        assert Action.REPLY not in offered

    def test_without_approval_submit_is_not_offered(self) -> None:
        offered = allowed_actions(facts(CaseStatus.IN_PROGRESS), staff(Role.UNIT_HANDLER, LEAD))
        assert Action.REPLY in offered
        assert Action.SUBMIT_REPLY not in offered

    def test_the_head_replies_directly(self) -> None:
        f = facts(CaseStatus.IN_PROGRESS, reply_needs_approval=True)
        assert (
            decide(f, Action.REPLY, staff(Role.UNIT_HEAD, LEAD), {"text": "x"})
            is CaseStatus.REPLIED
        )

    def test_only_the_lead_units_head_approves(self) -> None:
        f = facts(CaseStatus.REPLY_PENDING)
        with pytest.raises(Forbidden):
            decide(f, Action.APPROVE_REPLY, staff(Role.UNIT_HEAD, CO), {})
        with pytest.raises(Forbidden):
            decide(f, Action.APPROVE_REPLY, staff(Role.UNIT_HANDLER, LEAD), {})
        assert (
            decide(f, Action.APPROVE_REPLY, staff(Role.UNIT_HEAD, LEAD), {}) is CaseStatus.REPLIED
        )

    def test_a_return_needs_a_reason(self) -> None:
        with pytest.raises(Invalid):
            decide(
                facts(CaseStatus.REPLY_PENDING),
                Action.RETURN_REPLY,
                staff(Role.UNIT_HEAD, LEAD),
                {"reason": " "},
            )

    def test_a_key_case_submits_only_with_its_checklist_done(self) -> None:
        f = facts(CaseStatus.IN_PROGRESS, reply_needs_approval=True, is_key_case=True)
        with pytest.raises(Conflict) as info:
            decide(f, Action.SUBMIT_REPLY, staff(Role.UNIT_HANDLER, LEAD), {"text": "x"})
        assert info.value.code == "key_case_checklist_incomplete"
