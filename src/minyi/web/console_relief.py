"""帮扶救助 pages for staff: the applications a reader may open (waiting for their step first),
one application with its reviews, payment and follow-up and the forms of the steps the reader
may take, and the service's figures over the last 30 days."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from minyi.core.errors import Forbidden, Invalid, MinyiError
from minyi.org.rules import Actor, Role
from minyi.relief.queries import (
    describe,
    list_applications,
    may_read_relief,
    pending_counts,
    service_figures,
    visible_application,
)
from minyi.relief.rules import METHOD_LABELS, STATUS_LABELS, ReliefStatus, is_department
from minyi.relief.service import (
    apply,
    record_follow_up,
    record_payment,
    resubmit_application,
    review_application,
)
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of
from minyi.web.portal_relief import relief_entry, relief_form

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HOME = "/console/relief"
# Who registers an application for a person at a window (代为登记).
WINDOW_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.ADMIN, Role.DISPATCHER})


def _reader(request: Request) -> Actor:
    actor = staff(request)
    if not may_read_relief(actor):
        raise Forbidden("role_not_allowed", "您的岗位无权访问帮扶救助")
    return actor


@router.get(HOME)
def relief_list(request: Request, status: str | None = None, view: str | None = None) -> Response:
    actor = _reader(request)
    st = state_of(request)
    mine = view != "all" and status is None
    now = st.clock.now()
    with st.db.reading() as session:
        total, rows = list_applications(
            session,
            actor,
            status=status if status in ReliefStatus.__members__.values() else None,
            mine=mine,
        )
        items = describe(session, actor, rows)
        counts = pending_counts(session, actor)
        figures = service_figures(session, since=now - timedelta(days=30), until=now)
    return render(
        request,
        "console/relief/list.html",
        may_register=actor.role in WINDOW_ROLES,
        items=items,
        total=total,
        mine=mine,
        status=status,
        counts=[(s.value, label, counts.get(s.value, 0)) for s, label in STATUS_LABELS.items()],
        figures=figures["figures"],
    )


@router.get(HOME + "/new")
def relief_new(request: Request) -> Response:
    _window(request)
    return relief_form(request, action=HOME + "/new")


def _window(request: Request) -> Actor:
    actor = staff(request)
    if actor.role not in WINDOW_ROLES:
        raise Forbidden("role_not_allowed", "只有社区、街道工作人员可以代为登记救助申请")
    return actor


@router.post(HOME + "/new")
async def relief_new_post(request: Request, form: PostedForm) -> Response:
    """`async` only to await intake's group-commit writer."""
    actor = await run_in_threadpool(_window, request)
    fields = fields_of(form)
    try:
        application = await apply(state_of(request), relief_entry(fields), actor=actor)
    except MinyiError as exc:
        status = 409 if exc.kind == "conflict" else 422
        return await run_in_threadpool(
            partial(
                relief_form,
                request,
                status_code=status,
                error=exc.message,
                values=fields,
                action=HOME + "/new",
            )
        )
    except ValueError:  # pydantic's ValidationError: a field too long for the form's limits
        return await run_in_threadpool(
            partial(
                relief_form,
                request,
                status_code=422,
                error="填写的内容过长或格式不对，请核对",
                values=fields,
                action=HOME + "/new",
            )
        )
    return redirect(f"{HOME}/{application.id}")


def _detail(
    request: Request,
    actor: Actor,
    application_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        row = visible_application(session, actor, application_id)
        a = describe(session, actor, [row], full=True)[0]
    return render(
        request,
        "console/relief/detail.html",
        status_code=status_code,
        a=a,
        error=error,
        values=values or {},
        at_department=a["status"] == ReliefStatus.DEPARTMENT and is_department(actor),
        methods=list(METHOD_LABELS.items()),
        today=st.clock.now().astimezone(st.tz).date().isoformat(),
    )


@router.get(HOME + "/{application_id}")
def relief_detail(request: Request, application_id: int) -> Response:
    return _detail(request, _reader(request), application_id)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_date", "请填写日期", field=field) from None


def _step(request: Request, application_id: int, form: Any, what: str) -> Response:
    actor = _reader(request)
    st = state_of(request)
    fields = fields_of(form)
    now = st.clock.now()
    try:
        with st.db.unit_of_work() as session:
            visible_application(session, actor, application_id)
            if what == "review":
                review_application(
                    session,
                    application_id,
                    actor=actor,
                    step=fields.get("step", ""),
                    reason=fields.get("reason") or None,
                    amount=fields.get("amount") or None,
                    repeat_reason=fields.get("repeat_reason") or None,
                    now=now,
                )
            elif what == "resubmit":
                resubmit_application(
                    session,
                    application_id,
                    actor=actor,
                    documents=fields.get("documents", "").splitlines(),
                    note=fields.get("note") or None,
                    now=now,
                )
            elif what == "payment":
                record_payment(
                    session,
                    application_id,
                    actor=actor,
                    amount=fields.get("amount", ""),
                    paid_on=_day(fields.get("paid_on", ""), "paid_on"),
                    method=fields.get("method", ""),
                    repeat_reason=fields.get("repeat_reason") or None,
                    now=now,
                    tz=st.tz,
                )
            else:
                record_follow_up(
                    session,
                    application_id,
                    actor=actor,
                    visited_on=_day(fields.get("visited_on", ""), "visited_on"),
                    notes=fields.get("notes", ""),
                    now=now,
                    tz=st.tz,
                )
    except (Invalid, MinyiError) as exc:
        if exc.kind == "not_found":
            raise
        status = {"conflict": 409, "forbidden": 403}.get(exc.kind, 422)
        return _detail(
            request, actor, application_id, status_code=status, error=exc.message, values=fields
        )
    return redirect(f"{HOME}/{application_id}")


@router.post(HOME + "/{application_id}/review")
def relief_review(request: Request, application_id: int, form: PostedForm) -> Response:
    return _step(request, application_id, form, "review")


@router.post(HOME + "/{application_id}/resubmit")
def relief_resubmit(request: Request, application_id: int, form: PostedForm) -> Response:
    return _step(request, application_id, form, "resubmit")


@router.post(HOME + "/{application_id}/payment")
def relief_payment(request: Request, application_id: int, form: PostedForm) -> Response:
    return _step(request, application_id, form, "payment")


@router.post(HOME + "/{application_id}/follow-up")
def relief_follow_up(request: Request, application_id: int, form: PostedForm) -> Response:
    return _step(request, application_id, form, "follow_up")
