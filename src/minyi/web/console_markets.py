"""Service market pages (服务市集 / 赶圩日): the list of markets, planning one, a market with its
stalls and matters, the stall's phone page where its staff register, answer and solve on the
spot, and the printable summary (and its PDF)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from minyi.core.errors import Forbidden, Invalid, MinyiError
from minyi.core.listing import first_href, next_href
from minyi.markets import queries
from minyi.markets.rules import THEME_LABELS, Phase, Theme, percent
from minyi.markets.service import (
    PLANNERS,
    STALL_KINDS,
    MatterEntry,
    StallPlan,
    answer_question,
    cancel_event,
    plan_event,
    raise_matter,
    set_visitors,
    solve_matter,
)
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.reports.render import render_pdf
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import HERE, PostedForm, WebRoute, fields_of, redirect, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
_CJK = re.compile(r"[\u4e00-\u9fff]")
ROLE_ZH = {
    Role.UNIT_HEAD: "负责人",
    Role.UNIT_HANDLER: "承办人",
    Role.STREET_STAFF: "街道工作人员",
    Role.COMMUNITY_STAFF: "社区工作人员",
}


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


THEME_EN = {
    Theme.OPINIONS: "public opinion",
    Theme.PETITIONS: "petitions",
    Theme.POLICY: "policy questions",
    Theme.LEGAL: "legal help",
    Theme.PSYCHOLOGICAL: "psychological help",
    Theme.MEDIATION: "mediation",
    Theme.RELIEF: "relief",
}
_BY_LABEL = {label: theme for theme, label in THEME_LABELS.items()}


def _ctx(request: Request) -> dict[str, Any]:
    zh = Translator(pick_lang(request)).zh

    def theme_name(value: str) -> str:
        """A theme's name in the page's language, from its code or its Chinese label."""
        theme = _BY_LABEL.get(value) or (Theme(value) if value in set(Theme) else None)
        if theme is None:
            return value
        return THEME_LABELS[theme] if zh else THEME_EN[theme]

    return {
        "themes": [(t.value, theme_name(t.value)) for t in Theme],
        "theme_name": theme_name,
        "theme_names": lambda values: ("、" if zh else ", ").join(theme_name(v) for v in values),
        "percent": percent,
    }


# --- list and plan -------------------------------------------------------------------------------
@router.get("/console/markets")
def markets_page(
    request: Request, when: str | None = None, page: int = 1, cursor: str | None = None
) -> Response:
    actor = staff(request)
    st = state_of(request)
    wanted = when if when in ("upcoming", "held") else None
    page = max(page, 1)
    with st.db.reading() as session:
        now = st.clock.now()
        found = queries.list_events(
            session, now=now, when=wanted, page=page, page_size=20, cursor=cursor
        )
        path = "/console/markets"
        return render(
            request,
            "console/markets/list.html",
            rows=found.rows,
            total=found.total,
            next_href=next_href(path, found.next_cursor, when=wanted),
            first_href=first_href(path, cursor or page > 1, when=wanted),
            period=wanted,
            mine=queries.my_stalls(session, actor, now),
            may_plan=actor.role in PLANNERS,
            **_ctx(request),
        )


def _plan_page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    st = state_of(request)
    scope = "" if actor.role in (Role.ADMIN, Role.DISPATCHER) else (actor.unit_path or "\x00")
    with st.db.reading() as session:
        areas = list(
            session.scalars(
                select(Unit)
                .where(
                    Unit.kind.in_(("street", "community")),
                    Unit.is_active.is_(True),
                    Unit.path.startswith(scope, autoescape=True),
                )
                .order_by(Unit.path)
            )
        )
        units = list(
            session.scalars(
                select(Unit)
                .where(
                    Unit.kind.in_([k.value for k in STALL_KINDS]),
                    Unit.is_active.is_(True),
                    Unit.kind != "community",
                )
                .order_by(Unit.kind, Unit.code)
            )
        )
        people = list(
            session.scalars(
                select(Staff)
                .where(
                    Staff.unit_id.in_([u.id for u in units]),
                    Staff.is_active.is_(True),
                    Staff.role.in_([r.value for r in ROLE_ZH]),
                )
                .order_by(Staff.id)
            )
        )
    by_unit: dict[int, list[Staff]] = {}
    for p in people:
        by_unit.setdefault(p.unit_id, []).append(p)
    return render(
        request,
        "console/markets/plan.html",
        status_code=status_code,
        error=error,
        values=values or {},
        areas=areas,
        units=[(u, by_unit[u.id]) for u in units if u.id in by_unit],
        role_zh=lambda r: ROLE_ZH.get(Role(r), ""),
        # The usual name (源城's 党群服务赶圩日), offered in Chinese only: it is the market's title.
        default_title="党群服务赶圩日" if Translator(pick_lang(request)).zh else "",
        **_ctx(request),
    )


@router.get("/console/markets/new")
def plan_page(request: Request) -> Response:
    return _plan_page(request, staff(request, PLANNERS))


def _local(st: Any, day: str, clock: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), st.tz)
    except ValueError:
        raise Invalid("bad_time", "请填写举办日期和起止时间", field="day") from None


@router.post("/console/markets")
def post_plan(request: Request, form: PostedForm) -> Response:
    actor = staff(request, PLANNERS)
    st = state_of(request)
    fields = fields_of(form)
    themes = [str(v) for v in form.getlist("themes")]
    staff_ids = {int(v) for v in form.getlist("staff") if isinstance(v, str) and v.isdigit()}
    values: dict[str, Any] = {**fields, "themes": themes, "staff": staff_ids}
    try:
        with st.db.unit_of_work() as session:
            chosen = session.execute(
                select(Staff.username, Unit.code)
                .join(Unit, Unit.id == Staff.unit_id)
                .where(Staff.id.in_(staff_ids))
                .order_by(Unit.code, Staff.id)
            ).all()
            stalls: dict[str, list[str]] = {}
            for username, code in chosen:
                stalls.setdefault(code, []).append(username)
            event = plan_event(
                session,
                actor=actor,
                title=fields.get("title", ""),
                place=fields.get("place", ""),
                area=fields.get("area", ""),
                starts_at=_local(st, fields.get("day", ""), fields.get("start", "")),
                ends_at=_local(st, fields.get("day", ""), fields.get("end", "")),
                themes=themes,
                stalls=[StallPlan(code, tuple(people)) for code, people in stalls.items()],
                note=fields.get("note"),
                now=st.clock.now(),
            )
            event_id = event.id
    except Forbidden:
        raise
    except MinyiError as exc:
        return _plan_page(request, actor, status_code=422, error=_say(exc), values=values)
    return redirect(f"/console/markets/{event_id}")


# --- one market ----------------------------------------------------------------------------------
def _event_context(session: Any, st: Any, actor: Actor, event_id: int) -> dict[str, Any]:
    event = queries.get_event(session, event_id)
    area = session.get(Unit, event.area_id)
    now = st.clock.now()
    figures = queries.event_figures(session, [event.id]).get(event.id)
    stalls = queries.stall_rows(session, event.id)
    return {
        "event": queries.event_out(event, area, now, figures),
        "stalls": stalls,
        "matters": queries.matter_rows(session, actor, event_id=event.id),
        "my_stall": next(
            (s.id for s in stalls if actor.staff_id in {sid for sid, _ in s.staff}), None
        ),
    }


@router.get("/console/markets/{event_id}")
def event_page(request: Request, event_id: int) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        context = _event_context(session, st, actor, event_id)
    return render(
        request,
        "console/markets/event.html",
        may_cancel=actor.role in PLANNERS and context["event"]["phase"] == Phase.UPCOMING,
        **context,
        **_ctx(request),
    )


@router.post("/console/markets/{event_id}/cancel")
def post_cancel(request: Request, event_id: int, form: PostedForm) -> Response:
    del form  # CSRF-checked by the dependency; the press carries no fields
    actor = staff(request, PLANNERS)
    st = state_of(request)
    with st.db.unit_of_work() as session:
        cancel_event(session, event_id, actor=actor, now=st.clock.now())
    return redirect(f"/console/markets/{event_id}")


def _summary(request: Request, event_id: int, *, pdf: bool) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        context = _event_context(session, st, actor, event_id)
    css = (HERE / "static" / "print.css").read_text(encoding="utf-8") if pdf else ""
    return render(
        request,
        "console/markets/summary.html",
        pdf=pdf,
        css=css,
        printed_at=st.clock.now(),
        **context,
        **_ctx(request),
    )


@router.get("/console/markets/{event_id}/summary")
def summary_page(request: Request, event_id: int) -> Response:
    return _summary(request, event_id, pdf=False)


@router.get("/console/markets/{event_id}/summary.pdf")
async def summary_pdf(request: Request, event_id: int) -> Response:
    page = await run_in_threadpool(_summary, request, event_id, pdf=True)
    data = await run_in_threadpool(render_pdf, bytes(page.body).decode("utf-8"))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="market-{event_id}.pdf"'},
    )


# --- the stall's phone page ----------------------------------------------------------------------
def _stall_page(
    request: Request,
    actor: Actor,
    stall_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        stall, event, unit = queries.stall_of(session, stall_id)
        if not queries.is_stall_staff(session, stall_id, actor):
            raise Forbidden("not_stall_staff", "您不是该摊位的工作人员")
        area = session.get(Unit, event.area_id)
        figures = {s.id: s for s in queries.stall_rows(session, event.id)}[stall_id].figures
        matters = queries.matter_rows(
            session, actor, event_id=event.id, stall_id=stall_id, limit=30
        )
        return render(
            request,
            "console/markets/stall.html",
            status_code=status_code,
            error=error,
            notice=notice,
            values=values or {},
            token=uuid.uuid4().hex,
            stall=stall,
            unit=unit,
            event=queries.event_out(event, area, st.clock.now(), None),
            figures=figures,
            matters=matters,
            **_ctx(request),
        )


@router.get("/console/markets/stalls/{stall_id}")
def stall_page(request: Request, stall_id: int, done: str | None = None) -> Response:
    notice = {
        "matter": "已登记，事项已转交办理",
        "solved": "已登记并现场办结",
        "question": "已记录现场解答",
        "visitors": "接待人次已保存",
        "solve": "该事项已现场办结",
    }.get(done or "")
    return _stall_page(request, staff(request), stall_id, notice=notice)


@router.post("/console/markets/stalls/{stall_id}/matters")
async def post_matter(request: Request, stall_id: int, form: PostedForm) -> Response:
    actor = await run_in_threadpool(staff, request)
    st = state_of(request)
    fields = fields_of(form)
    solved = fields.get("outcome") == "solved"
    entry = MatterEntry(
        token=fields.get("token", ""),
        theme=fields.get("theme", ""),
        body=fields.get("body", ""),
        phone=fields.get("phone") or None,
        name=fields.get("name") or None,
        solved=solved,
        reply=fields.get("reply") or None,
    )
    try:
        await raise_matter(st, actor, stall_id, entry)
    except Forbidden:
        raise
    except MinyiError as exc:
        error, code = _say(exc), 409 if exc.kind == "conflict" else 422
        return await run_in_threadpool(
            lambda: _stall_page(
                request, actor, stall_id, status_code=code, error=error, values=fields
            )
        )
    return redirect(f"/console/markets/stalls/{stall_id}?done={'solved' if solved else 'matter'}")


@router.post("/console/markets/stalls/{stall_id}/questions")
def post_question(request: Request, stall_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            answer_question(
                session,
                stall_id,
                actor=actor,
                token=fields.get("token", ""),
                theme=fields.get("theme") or Theme.POLICY.value,
                question=fields.get("question", ""),
                answer=fields.get("answer", ""),
                now=st.clock.now(),
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        return _stall_page(
            request, actor, stall_id, status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/markets/stalls/{stall_id}?done=question")


@router.post("/console/markets/stalls/{stall_id}/visitors")
def post_visitors(request: Request, stall_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        count = int(fields.get("visitors", ""))
    except ValueError:
        return _stall_page(
            request, actor, stall_id, status_code=422, error="接待人次须为整数", values=fields
        )
    try:
        with st.db.unit_of_work() as session:
            set_visitors(session, stall_id, actor=actor, visitors=count, now=st.clock.now())
    except Forbidden:
        raise
    except MinyiError as exc:
        return _stall_page(
            request, actor, stall_id, status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/markets/stalls/{stall_id}?done=visitors")


@router.post("/console/markets/matters/{matter_id}/solve")
def post_solve(request: Request, matter_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    with st.db.reading() as session:
        stall_id, _event_id = queries.matter_place(session, matter_id)
    try:
        with st.db.unit_of_work() as session:
            solve_matter(
                session, matter_id, actor=actor, reply=fields.get("reply", ""), now=st.clock.now()
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        code = 409 if exc.kind == "conflict" else 422
        return _stall_page(request, actor, stall_id, status_code=code, error=_say(exc))
    return redirect(f"/console/markets/stalls/{stall_id}?done=solve")
