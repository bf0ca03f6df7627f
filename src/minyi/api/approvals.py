"""答复审核 and 延期申请: the unit head's queue of replies to approve (approving and returning
are the case actions approve_reply and return_reply), and extension requests asked by the
lead unit's handler and decided by its head (or the centre)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.queries import describe_replies_awaiting, get_visible_case
from minyi.cases.schemas import ReplyAwaitingOut
from minyi.core.errors import Forbidden, NotFound
from minyi.org.rules import Role
from minyi.sla.queries import extension_requests
from minyi.sla.schemas import ExtensionDecisionIn, ExtensionRequestIn, ExtensionRequestOut
from minyi.sla.service import decide_extension, request_extension
from minyi.taxonomy.schemas import LeafReplyApprovalIn, LeafReplyApprovalOut
from minyi.taxonomy.service import set_leaf_reply_approval

router = APIRouter(prefix="/api/v1", tags=["approvals"], route_class=ApiRoute)


@router.get(
    "/approvals/replies",
    response_model=list[ReplyAwaitingOut],
    responses=refusals(),
    summary="Replies waiting for your approval (unit head: the cases your unit leads), oldest first",
)
def replies_to_approve(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return describe_replies_awaiting(session, actor)


@router.get(
    "/approvals/extensions",
    response_model=list[ExtensionRequestOut],
    responses=refusals(),
    summary="Extension requests waiting for a decision (unit head: the cases your unit leads)",
)
def extensions_to_decide(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return extension_requests(session, actor, pending_only=True)


@router.get(
    "/appeals/{case_id}/extension-requests",
    response_model=list[ExtensionRequestOut],
    responses=refusals(404),
    summary="A case's extension requests and their decisions",
)
def case_extension_requests(
    case_id: int, actor: CurrentActor, session: ReadSession
) -> list[dict[str, Any]]:
    get_visible_case(session, case_id, actor)
    return extension_requests(session, actor, case_id=case_id)


@router.post(
    "/appeals/{case_id}/extension-requests",
    status_code=201,
    response_model=ExtensionRequestOut,
    responses=refusals(
        404,
        409,
        described={409: "the milestone cannot be extended, was extended, or has a request waiting"},
    ),
    summary="Ask the unit head for an extension of a milestone (延期申请)",
)
def ask_extension(
    case_id: int, body: ExtensionRequestIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        made = request_extension(
            session,
            case_id,
            actor,
            milestone=body.milestone,
            days=body.days,
            reason=body.reason,
            now=state.clock.now(),
        )
        return next(
            r for r in extension_requests(session, actor, case_id=case_id) if r["id"] == made.id
        )


@router.post(
    "/extension-requests/{request_id}/{decision}",
    response_model=ExtensionRequestOut,
    responses=refusals(
        404,
        409,
        described={409: "the request was already decided, or the clock can no longer be extended"},
    ),
    summary="Approve (the clock is extended) or refuse (a note is required) an extension request",
)
def decide(
    request_id: int, decision: str, body: ExtensionDecisionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    if decision not in ("approve", "refuse"):
        raise NotFound("no_such_decision", f"no decision '{decision}': approve or refuse")
    with state.db.unit_of_work() as session:
        decided = decide_extension(
            session,
            request_id,
            actor,
            approve=decision == "approve",
            note=body.note,
            now=state.clock.now(),
        )
        return next(
            r
            for r in extension_requests(session, actor, case_id=decided.case_id)
            if r["id"] == decided.id
        )


@router.put(
    "/dictionary/{code}/reply-approval",
    response_model=LeafReplyApprovalOut,
    responses=refusals(),
    summary="答复审核 for one dictionary leaf: on, off, or (null) as its clock policy says (admin)",
)
def put_leaf_reply_approval(
    code: str, body: LeafReplyApprovalIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may change the dictionary")
    with state.db.unit_of_work() as session:
        leaf = set_leaf_reply_approval(session, code, body.reply_approval)
        return {
            "code": leaf.code,
            "policy": leaf.policy_code,
            "reply_approval": leaf.reply_approval,
        }
