"""The unit head's approvals in the browser: replies waiting for 答复审核 and extension
requests (延期申请), on the head's board and on their own page; on the case page, the state of
the reply (待审核, or returned with the head's reason) and the case's extension requests with
the handler's request form. Every action goes through the services the API calls
(`cases.service.act_on_case`, `sla.service.request_extension` / `decide_extension`).

Masking: the reply text, the return reason and the extension reasons are written about the
citizen's matter and may quote them, so each is shown through the reader's privacy view of its
case (`cases.queries.reader_views`), as the case page shows the reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.queries import describe_replies_awaiting, last_reply_return, reader_view
from minyi.cases.rules import ACTORS, Action, CaseStatus
from minyi.cases.service import act_on_case
from minyi.core.errors import Invalid, MinyiError, NotFound
from minyi.core.registry import Registry
from minyi.org.models import Staff
from minyi.org.rules import Actor, Role
from minyi.sla.queries import extension_requests
from minyi.sla.rules import EXTENDERS, REQUESTERS, parse_duration
from minyi.sla.service import (
    OPEN_STATES,
    clock_view,
    clocks_of,
    current_policies,
    decide_extension,
    request_extension,
)
from minyi.web.console_cases import case_page_response
from minyi.web.pages import (
    STATUS,
    PostedForm,
    WebRoute,
    redirect,
    render,
    staff,
    staff_form,
    state_of,
)
from minyi.web.slots import CASE_PANELS, UNIT_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DECIDERS = frozenset({Role.UNIT_HEAD, *EXTENDERS})


def approvals(session: Session, actor: Actor, now: datetime) -> dict[str, Any]:
    """What waits for this reader: replies (unit heads: their lead unit's) and extension requests."""
    replies = describe_replies_awaiting(session, actor)
    clocks = clocks_of(session, "case", [r["case_id"] for r in replies])
    for r in replies:
        r["clocks"] = [
            clock_view(k, now) for k in clocks.get(r["case_id"], []) if k.state in OPEN_STATES
        ]
    extensions = (
        extension_requests(session, actor, pending_only=True) if actor.role in DECIDERS else []
    )
    # 答复审核 is the lead unit head's (cases.rules.ACTORS); the panel shows that part only to them.
    may_approve = actor.role in ACTORS[Action.APPROVE_REPLY]
    return {"replies": replies, "extensions": extensions, "may_approve_replies": may_approve}


def unit_panel(session: Session, actor: Actor, now: datetime) -> Panel | None:
    if actor.role not in DECIDERS:
        return None
    return Panel(
        "panels/approvals_queue.html",
        {"queue": approvals(session, actor, now), "back": "/console/unit"},
    )


def case_panel(session: Session, case: Case, actor: Actor, now: datetime) -> Panel | None:
    """The reply's approval state and the case's extension requests, for the people of the case."""
    view = reader_view(session, case, actor)
    returned = last_reply_return(session, case.id) if case.reply_draft else None
    requests = extension_requests(session, actor, case_id=case.id)
    policy = current_policies(session).policy(case.policy_code)[1]
    limits = {m.code: m.max_extension for m in policy.milestones if m.max_extension}
    pending = {r["milestone"] for r in requests if r["status"] == "pending"}
    extendable = [
        {
            "milestone": k.milestone,
            "name": k.name,
            "max_days": parse_duration(limits[k.milestone]).days,
        }
        for k in clocks_of(session, "case", [case.id]).get(case.id, [])
        if k.milestone in limits
        and k.completed_at is None
        and k.state in (*OPEN_STATES, "breached")
        and not k.extended_seconds
        and k.milestone not in pending
    ]
    lead = actor.unit_id is not None and actor.unit_id == case.lead_unit_id
    may_request = actor.role in REQUESTERS and lead and bool(extendable)
    may_decide = actor.role in EXTENDERS and (
        lead or actor.role not in (Role.UNIT_HANDLER, Role.UNIT_HEAD)
    )
    if not (case.reply_draft or requests or may_request):
        return None
    returner = session.get(Staff, returned.actor_id) if returned and returned.actor_id else None
    return Panel(
        "panels/approvals_case.html",
        {
            "pending": case.status == CaseStatus.REPLY_PENDING,
            "draft": view.show_text(case.reply_draft),
            "returned": {
                "reason": view.show_text(returned.reason),
                "at": returned.at,
                "by": returner.name if returner else "",
            }
            if returned
            else None,
            "requests": requests,
            "extendable": extendable,
            "may_request": may_request,
            "may_decide": may_decide,
            "case_id": case.id,
        },
    )


def register(registry: Registry) -> None:
    registry.add(CASE_PANELS, "approvals", case_panel)
    registry.add(UNIT_PANELS, "approvals", unit_panel)


def _back(fields: dict[str, str], default: str) -> str:
    target = fields.get("next", "")
    return target if target.startswith("/console/") and "//" not in target else default


def _queue_page(
    request: Request, actor: Actor, *, status_code: int = 200, **context: Any
) -> Response:
    state = state_of(request)
    with state.db.reading() as session:
        queue = approvals(session, actor, state.clock.now())
    return render(
        request,
        "console/approvals.html",
        status_code=status_code,
        queue=queue,
        back="/console/approvals",
        **context,
    )


@router.get("/console/approvals")
def approvals_page(request: Request) -> Response:
    return _queue_page(request, staff(request, DECIDERS))


@router.post("/console/approvals/replies/{case_id}/{decision}")
def decide_reply(request: Request, form: PostedForm, case_id: int, decision: str) -> Response:
    actor, state, fields = staff_form(request, form, {Role.UNIT_HEAD})
    action = {"approve": Action.APPROVE_REPLY, "return": Action.RETURN_REPLY}.get(decision)
    if action is None:
        raise NotFound("no_such_action", f"no decision '{decision}'")
    version = int(fields["version"]) if fields.get("version", "").isdigit() else None
    payload = {"reason": fields["reason"]} if fields.get("reason") else {}
    try:
        with state.db.unit_of_work() as session:
            act_on_case(
                session,
                case_id,
                action,
                actor=actor,
                payload=payload,
                now=state.clock.now(),
                expected_version=version,
            )
    except MinyiError as exc:
        # The message on the queue, next to the reply, with what the head typed.
        return _queue_page(
            request,
            actor,
            status_code=STATUS.get(exc.kind, 400),
            error=exc.message,
            error_at=f"reply-{case_id}",
            typed=fields.get("reason", ""),
        )
    return redirect(_back(fields, "/console/unit") + f"?done={action.value}")


@router.post("/console/approvals/extensions/{request_id}/{decision}")
def decide_extension_request(
    request: Request, form: PostedForm, request_id: int, decision: str
) -> Response:
    actor, state, fields = staff_form(request, form, DECIDERS)
    if decision not in ("approve", "refuse"):
        raise NotFound("no_such_action", f"no decision '{decision}'")
    try:
        with state.db.unit_of_work() as session:
            decided = decide_extension(
                session,
                request_id,
                actor,
                approve=decision == "approve",
                note=fields.get("note", ""),
                now=state.clock.now(),
            )
            case_id = decided.case_id
    except MinyiError as exc:
        if fields.get("next", "").startswith("/console/cases/"):
            raise
        return _queue_page(
            request,
            actor,
            status_code=STATUS.get(exc.kind, 400),
            error=exc.message,
            error_at=f"extension-{request_id}",
            typed=fields.get("note", ""),
        )
    done = "extension_approve" if decision == "approve" else "extension_refuse"
    return redirect(_back(fields, f"/console/cases/{case_id}") + f"?done={done}")


@router.post("/console/cases/{case_id}/extension-requests")
def ask_extension(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form, REQUESTERS)
    now = state.clock.now()
    try:
        try:
            days = float(fields.get("days", ""))
        except ValueError:
            raise Invalid("bad_days", "请填写延期天数", field="days") from None
        with state.db.unit_of_work() as session:
            request_extension(
                session,
                case_id,
                actor,
                milestone=fields.get("milestone", ""),
                days=days,
                reason=fields.get("reason", ""),
                now=now,
            )
    except MinyiError as exc:
        if exc.kind == "not_found":
            raise
        # The case page again, the message on the request form and the typed fields kept.
        return case_page_response(
            request,
            case_id,
            status_code=STATUS.get(exc.kind, 400),
            extension_error=exc.message,
            extension_typed=fields,
        )
    return redirect(f"/console/cases/{case_id}?done=extension_request")
