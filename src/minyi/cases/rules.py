"""The lifecycle as one declarative table, and the guards around it: pure code, no I/O.

`decide()` is the only way a case changes state: it checks that the action is legal in the
state (409 naming the allowed actions), that the actor may take it (403), and that the
payload carries what the action needs (422), and returns the new state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from minyi.core.errors import Conflict, Forbidden, IllegalTransition, Invalid
from minyi.org.rules import Actor, Role


class CaseStatus(StrEnum):
    REGISTERED = "registered"  # 登记
    ACCEPTED = "accepted"  # 受理: waiting for dispatch
    DECLINED = "declined"  # 不予受理
    DISPATCHED = "dispatched"  # 分拨: waiting for the lead unit to sign
    SIGNED_FOR = "signed_for"  # 签收
    IN_PROGRESS = "in_progress"  # contact, visit, mediation under way
    # 答复待审核: the handler's reply waits for the lead unit's head (答复审核); the citizen
    # sees neither the text nor this state (the public views show it as in progress).
    REPLY_PENDING = "reply_pending"
    REPLIED = "replied"  # 答复/办结: waiting for the citizen's feedback
    RATED = "rated"  # 回访: the citizen said satisfied or basically satisfied
    ARCHIVED = "archived"  # 归档


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    DISPATCH = "dispatch"
    # 改派: the dispatcher names another lead unit (and co-units) before the lead unit signs.
    REDISPATCH = "redispatch"
    SIGN_FOR = "sign_for"
    RECORD_CONTACT = "record_contact"
    RECORD_VISIT = "record_visit"
    REPLY = "reply"
    SUBMIT_REPLY = "submit_reply"  # a handler's reply, for the unit head's approval
    APPROVE_REPLY = "approve_reply"  # the head approves: from here on it is the reply
    RETURN_REPLY = "return_reply"  # the head sends it back, with a reason, for revision
    FEEDBACK = "feedback"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    BOUNCE = "bounce"
    MARK_KEY = "mark_key"
    APPROVE_BOUNCE = "approve_bounce"
    REFUSE_BOUNCE = "refuse_bounce"


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


S, A = CaseStatus, Action
HANDLING = (S.DISPATCHED, S.SIGNED_FOR, S.IN_PROGRESS)
# What a unit still answers for: handling, or its reply waiting for the head (答复审核). Lists
# of open and overdue work use this; the transition table uses HANDLING.
WORKING = (*HANDLING, S.REPLY_PENDING)

# The status categories: the one definition every query, report, mailbox figure, analytics
# figure and page uses (nothing else lists statuses to mean "open" or "closed").
# Open (在办): the centre or a unit still owes the citizen an answer.
OPEN = (S.REGISTERED, S.ACCEPTED, *WORKING)
# Closed (办结): the citizen has the answer, a reply or the reason it was not accepted. A case
# enters these with `closed_at` set and a reopen clears it, so "closed now" (status) and "closed
# in a period" (closed_at) count the same cases. Report totals, mailbox closure rates, the
# leader's board, unit assessment and Open311 all use this one meaning.
CLOSED = (S.DECLINED, S.REPLIED, S.RATED, S.ARCHIVED)
# Terminal: no further step is expected (only a reopen leads out).
TERMINAL = (S.ARCHIVED,)
# Unsettled: open, or replied and still waiting for the citizen's rating (回访). The console's
# default case list follows these up; it is not a figure of closure.
UNSETTLED = (*OPEN, S.REPLIED)

TRANSITIONS: dict[tuple[CaseStatus, Action], CaseStatus] = {
    (S.REGISTERED, A.ACCEPT): S.ACCEPTED,
    (S.REGISTERED, A.DECLINE): S.DECLINED,
    (S.ACCEPTED, A.DISPATCH): S.DISPATCHED,
    # 改派 only while the lead unit has not signed for the case (after a reopen too, until it
    # signs again); once it has signed, it owns the result and can only ask to bounce (退回).
    (S.DISPATCHED, A.REDISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.SIGN_FOR): S.SIGNED_FOR,
    (S.SIGNED_FOR, A.RECORD_CONTACT): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RECORD_CONTACT): S.IN_PROGRESS,
    (S.SIGNED_FOR, A.RECORD_VISIT): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RECORD_VISIT): S.IN_PROGRESS,
    (S.SIGNED_FOR, A.REPLY): S.REPLIED,
    (S.IN_PROGRESS, A.REPLY): S.REPLIED,
    # 答复审核: where the policy or the leaf asks for it, a handler's reply goes to the head.
    (S.SIGNED_FOR, A.SUBMIT_REPLY): S.REPLY_PENDING,
    (S.IN_PROGRESS, A.SUBMIT_REPLY): S.REPLY_PENDING,
    (S.REPLY_PENDING, A.APPROVE_REPLY): S.REPLIED,
    (S.REPLY_PENDING, A.RETURN_REPLY): S.IN_PROGRESS,
    (S.REPLIED, A.FEEDBACK): S.RATED,
    # 重办: back to the lead unit, which signs again.
    (S.REPLIED, A.REOPEN): S.DISPATCHED,
    (S.RATED, A.REOPEN): S.DISPATCHED,
    (S.ARCHIVED, A.REOPEN): S.DISPATCHED,
    (S.RATED, A.ARCHIVE): S.ARCHIVED,
    (S.REPLIED, A.ARCHIVE): S.ARCHIVED,
    (S.DECLINED, A.ARCHIVE): S.ARCHIVED,
    # A bounce request leaves the case where it is until the dispatcher decides.
    **{(s, A.BOUNCE): s for s in HANDLING},
    **{(s, A.APPROVE_BOUNCE): S.ACCEPTED for s in HANDLING},
    **{(s, A.REFUSE_BOUNCE): s for s in HANDLING},
    # 重点件: flagged while still open; the flag adds the checklist to the reply guard.
    **{(s, A.MARK_KEY): s for s in (S.REGISTERED, S.ACCEPTED, *HANDLING)},
}

# Who may take each action. "unit" roles must also belong to a unit handling the case.
UNIT_ROLES = frozenset(
    {Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF}
)
CENTRE = frozenset({Role.INTAKE_CLERK, Role.DISPATCHER, Role.ADMIN})
ACTORS: dict[Action, frozenset[Role | None]] = {
    A.ACCEPT: CENTRE,
    A.DECLINE: CENTRE,
    A.DISPATCH: frozenset({Role.DISPATCHER, Role.ADMIN}),
    A.REDISPATCH: frozenset({Role.DISPATCHER, Role.ADMIN}),
    A.SIGN_FOR: UNIT_ROLES,
    A.RECORD_CONTACT: UNIT_ROLES,
    A.RECORD_VISIT: UNIT_ROLES | {Role.LEADER},
    A.REPLY: UNIT_ROLES,
    # The head approves, so the head's own reply needs no approval and is never submitted.
    A.SUBMIT_REPLY: UNIT_ROLES - {Role.UNIT_HEAD},
    A.APPROVE_REPLY: frozenset({Role.UNIT_HEAD}),
    A.RETURN_REPLY: frozenset({Role.UNIT_HEAD}),
    # None is the citizen, rating through the tracking page; clerks record phone feedback (回访).
    A.FEEDBACK: frozenset({None, Role.INTAKE_CLERK, Role.DISPATCHER}),
    A.REOPEN: frozenset({None, Role.INTAKE_CLERK, Role.DISPATCHER, Role.SUPERVISOR}),
    A.ARCHIVE: frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}),
    A.BOUNCE: UNIT_ROLES,
    A.MARK_KEY: frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.UNIT_HEAD}),
    A.APPROVE_BOUNCE: frozenset({Role.DISPATCHER}),
    A.REFUSE_BOUNCE: frozenset({Role.DISPATCHER}),
}
# Actions only the lead unit takes; co-units (协办) may record contacts and visits.
LEAD_ONLY = frozenset(
    {A.SIGN_FOR, A.REPLY, A.SUBMIT_REPLY, A.APPROVE_REPLY, A.RETURN_REPLY, A.BOUNCE}
)
# What the rest of the system (clocks, the citizen's SMS) treats an action as: an approved
# reply is the reply, exactly as an unreviewed one is where no approval is asked.
COUNTS_AS: dict[Action, Action] = {A.APPROVE_REPLY: A.REPLY}
REQUIRED_TEXT: dict[Action, str] = {
    A.DECLINE: "reason",
    A.BOUNCE: "reason",
    A.REPLY: "text",
    A.SUBMIT_REPLY: "text",
    A.RETURN_REPLY: "reason",
    A.REOPEN: "reason",
    A.REFUSE_BOUNCE: "reason",
    A.REDISPATCH: "reason",
    A.MARK_KEY: "reason",
    A.RECORD_CONTACT: "note",
    A.RECORD_VISIT: "note",
}
CONTACT_METHODS = ("phone", "wechat", "sms", "in_person")
# 手机号必留、微信号必加、重点人必见: what a key case must show before its reply.
KEY_CHECKLIST = ("phone_kept", "wechat_added", "person_met")
KEY_CHECKLIST_ZH = {
    "phone_kept": "手机号必留",
    "wechat_added": "微信号必加",
    "person_met": "重点人必见",
}


# Illegal pairs people meet in their work, refused with a sentence that says why and what to
# do instead (the table above still decides; this only words the refusal).
EXPLAINED_REFUSALS: dict[tuple[CaseStatus, Action], tuple[str, str]] = {
    **{
        (s, A.REDISPATCH): (
            "already_signed_for",
            "主办单位已签收该案件，不能再改派；如确需更换主办单位，请由其申请退回",
        )
        for s in (S.SIGNED_FOR, S.IN_PROGRESS)
    },
    **{
        (s, A.REDISPATCH): ("not_dispatched", "该案件尚未分拨，请直接分拨")
        for s in (S.REGISTERED, S.ACCEPTED)
    },
    **{
        (s, A.REDISPATCH): ("case_closed", "该案件已答复或已办结，不能改派")
        for s in (S.DECLINED, S.REPLIED, S.RATED, S.ARCHIVED)
    },
}


def checklist_items(action: Action, payload: dict[str, Any]) -> list[str]:
    """Which checklist items an action ticks: a phone call keeps the number, a WeChat contact
    adds the account, a visit meets the person."""
    if action is A.RECORD_VISIT:
        return ["person_met"]
    if action is A.RECORD_CONTACT:
        return {
            "phone": ["phone_kept"],
            "wechat": ["wechat_added"],
            "in_person": ["person_met"],
        }.get(str(payload.get("method", "phone")), [])
    return []


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case."""

    status: CaseStatus
    lead_unit_id: int | None = None
    co_unit_ids: frozenset[int] = field(default_factory=frozenset)
    bounce_pending: bool = False
    rating: Rating | None = None
    is_key_case: bool = False
    checklist_done: frozenset[str] = field(default_factory=frozenset)
    # Whether a reply by anyone but the lead unit's head goes to the head first (答复审核).
    reply_needs_approval: bool = False


def legal_actions(status: CaseStatus) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status]


def allowed_actions(facts: CaseFacts, actor: Actor) -> list[Action]:
    """The actions this actor could take now (payload aside): what a UI offers."""
    allowed = []
    for action in legal_actions(facts.status):
        try:
            _check_actor(facts, action, actor)
            _check_guards(facts, action, actor)
        except (Forbidden, Conflict):
            continue
        allowed.append(action)
    return allowed


def decide(facts: CaseFacts, action: Action, actor: Actor, payload: dict[str, Any]) -> CaseStatus:
    target = TRANSITIONS.get((facts.status, action))
    if target is None:
        explained = EXPLAINED_REFUSALS.get((facts.status, action))
        if explained:
            raise IllegalTransition(
                facts.status,
                action,
                [str(a) for a in allowed_actions(facts, actor)],
                code=explained[0],
                message=explained[1],
            )
        raise IllegalTransition(
            facts.status, action, [str(a) for a in allowed_actions(facts, actor)]
        )
    _check_actor(facts, action, actor)
    _check_guards(facts, action, actor)
    _check_payload(action, payload)
    return target


def _check_actor(facts: CaseFacts, action: Action, actor: Actor) -> None:
    if actor.role not in ACTORS[action]:
        raise Forbidden("role_not_allowed", f"role '{actor.role or 'citizen'}' may not {action}")
    if actor.role in UNIT_ROLES:
        units = (
            {facts.lead_unit_id}
            if action in LEAD_ONLY
            else {facts.lead_unit_id, *facts.co_unit_ids}
        )
        if actor.unit_id not in units:
            raise Forbidden(
                "not_handling_unit",
                f"only the {'lead' if action in LEAD_ONLY else 'handling'} unit may {action}",
            )


def _check_guards(facts: CaseFacts, action: Action, actor: Actor) -> None:
    if action is A.REDISPATCH and facts.bounce_pending:
        raise Conflict("bounce_pending", "该案件有待审批的退回申请，请先同意或驳回退回，再改派")
    if action in (A.BOUNCE, A.REPLY, A.SUBMIT_REPLY) and facts.bounce_pending:
        # While a bounce waits for the dispatcher, the unit may keep in touch but not close.
        raise IllegalTransition(facts.status, action, [])
    if action in (A.APPROVE_BOUNCE, A.REFUSE_BOUNCE) and not facts.bounce_pending:
        raise IllegalTransition(facts.status, action, [])
    if action is A.REPLY and facts.reply_needs_approval and actor.role is not Role.UNIT_HEAD:
        raise Conflict("reply_needs_approval", "本件答复须经单位负责人审核，请提交审核")
    if action is A.SUBMIT_REPLY and not facts.reply_needs_approval:
        raise IllegalTransition(facts.status, action, [])
    if action in (A.REPLY, A.SUBMIT_REPLY) and facts.is_key_case:
        missing = [item for item in KEY_CHECKLIST if item not in facts.checklist_done]
        if missing:
            raise Conflict(
                "key_case_checklist_incomplete",
                "重点件答复前须完成: " + "、".join(KEY_CHECKLIST_ZH[m] for m in missing),
                missing=missing,
            )
    if action is A.MARK_KEY and facts.is_key_case:
        raise IllegalTransition(facts.status, action, [])
    if action is A.REOPEN and facts.lead_unit_id is None:
        # A declined case never had a unit to go back to; the citizen appeals afresh.
        raise IllegalTransition(facts.status, action, [])
    if action is A.REOPEN and actor.role is not Role.SUPERVISOR:
        # Only a supervisor reopens at will; anyone else only on the citizen's 不满意.
        if not (facts.status is S.RATED and facts.rating is Rating.UNSATISFIED):
            raise IllegalTransition(facts.status, action, [])


def _check_payload(action: Action, payload: dict[str, Any]) -> None:
    required = REQUIRED_TEXT.get(action)
    if required and not str(payload.get(required) or "").strip():
        raise Invalid("missing_field", f"'{required}' is required to {action}", field=required)
    if action in (A.DISPATCH, A.REDISPATCH) and not payload.get("lead_unit"):
        raise Invalid("missing_field", f"'lead_unit' is required to {action}", field="lead_unit")
    if action is A.FEEDBACK and payload.get("rating") not in Rating.__members__.values():
        raise Invalid(
            "bad_rating",
            "rating must be satisfied, basically_satisfied or unsatisfied",
            field="rating",
        )
    if action is A.RECORD_CONTACT and payload.get("method", "phone") not in CONTACT_METHODS:
        raise Invalid(
            "bad_method", f"method must be one of {', '.join(CONTACT_METHODS)}", field="method"
        )


# What the citizen and public lists (tracking page, Open311) are told: a reply waiting for the
# head's approval has not been given, so to them the case is still in progress; the internal
# steps of 答复审核 are not theirs to see (the one list of steps they see: privacy.rules.CITIZEN_STEPS).
PUBLIC_STATUS = {S.REPLY_PENDING.value: S.IN_PROGRESS.value}


def public_status(status: str) -> str:
    return PUBLIC_STATUS.get(status, status)


def is_open(status: str) -> bool:
    return status in OPEN


def is_closed(status: str) -> bool:
    return status in CLOSED
