"""心理服务 pages (/console/counselling): a counsellor's walk-in form, appointments and records; a
supervisor's counsellors' records; the district's readers' list and figures; one record with its
sessions and follow-ups; one 话聊 with its plan and record; and the case page's panel (sessions
held and their dates, 话聊 and a request button for leaders and the dispatcher). Notes are shown
only to their author and the author's supervisor: the queries return None for everyone else."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.core.errors import Forbidden, Invalid, MinyiError, NotFound
from minyi.core.registry import Registry
from minyi.counselling.queries import (
    case_counselling,
    counsellor_sites,
    describe_records,
    describe_talks,
    get_record,
    get_talk,
    is_counsellor,
    list_records,
    list_talks,
    may_use,
    my_appointments,
    record_detail,
    service_figures,
    site_rooms,
)
from minyi.counselling.rules import RISK_LABELS, RISK_ORDER, TALK_REQUESTERS, TalkStatus
from minyi.counselling.service import (
    cancel_talk,
    close_record,
    complete_follow_up,
    hold_session,
    hold_talk,
    open_record,
    plan_follow_up,
    plan_talk,
    request_talk,
    set_risk,
    take_appointment,
)
from minyi.org.models import Staff
from minyi.org.rules import Actor
from minyi.services.models import SiteRoom, SiteStaff
from minyi.services.rules import RoomKind, StaffKind
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of
from minyi.web.slots import CASE_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
BASE = "/console/counselling"
RISKS = [(lv.value, RISK_LABELS[lv]) for lv in RISK_ORDER]
# The English switch's words for the domain's Chinese labels.
RISK_EN = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}
RECORD_EN = {"open": "open", "closed": "closed"}
TALK_EN = {
    "requested": "requested",
    "planned": "planned",
    "held": "held",
    "cancelled": "cancelled",
}
FIGURES_EN = {
    "服务对象": "Clients",
    "新建档案": "Records opened",
    "咨询次数": "Sessions held",
    "话聊次数": "Talks held",
    "回访已完成": "Follow-ups done",
    "回访已逾期": "Follow-ups overdue",
    "按风险等级": "By risk level",
    **{RISK_LABELS[lv]: RISK_EN[lv.value] for lv in RISK_ORDER},
}
EN_LABELS = {"risk_en": RISK_EN, "record_en": RECORD_EN, "talk_en": TALK_EN}


def _en(request: Request) -> dict[str, Any]:
    """Label look-ups for the templates: Chinese from the rows, English from these tables."""
    zh = Translator(pick_lang(request)).zh
    return {**EN_LABELS, "figure_name": lambda k: k if zh else FIGURES_EN.get(k, k)}


def _reader(request: Request) -> Actor:
    actor = staff(request)
    with state_of(request).db.reading() as session:
        if not may_use(session, actor):
            raise Forbidden(
                "not_counselling_reader", "心理服务仅对心理咨询师、督导和区级工作人员开放"
            )
    return actor


def _number(text: str | None, field: str, label: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", f"{label}不正确", field=field) from None


def _local(text: str | None, tz: Any, field: str, label: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_time", f"请填写{label}", field=field) from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def _case_by_number(session: Session, text: str | None) -> int | None:
    number = (text or "").strip()
    if not number:
        return None
    found = session.scalar(select(Case.id).where(Case.tracking_no == number))
    if found is None:
        raise Invalid("case_not_found", "没有找到该诉求编号", field="tracking_no")
    return int(found)


def _professionals(session: Session, kind: StaffKind) -> list[tuple[str, str]]:
    return [
        (u, n)
        for u, n in session.execute(
            select(Staff.username, Staff.name)
            .join(SiteStaff, SiteStaff.staff_id == Staff.id)
            .where(SiteStaff.kind == kind.value, SiteStaff.is_active.is_(True))
            .distinct()
            .order_by(Staff.username)
        ).all()
    ]


# --- the home page ----------------------------------------------------------------------------
def _home(
    request: Request, *, status_code: int = 200, error: str | None = None, values: Any = None
) -> Response:
    actor = _reader(request)
    st = state_of(request)
    now = st.clock.now()
    today = now.astimezone(st.tz).date()
    with st.db.reading() as session:
        counsellor = is_counsellor(session, actor)
        sites = counsellor_sites(session, actor)
        records = describe_records(session, actor, list_records(session, actor), today=today)
        talks = describe_talks(session, actor, list_talks(session, actor))
        since = datetime.combine(today.replace(day=1), time(0), st.tz)
        figures = service_figures(
            session, since=since, until=datetime.combine(today + timedelta(days=1), time(0), st.tz)
        )
        appointments = (
            my_appointments(session, actor, since=now - timedelta(hours=12)) if counsellor else []
        )
        return render(
            request,
            "console/counselling/home.html",
            status_code=status_code,
            counsellor=counsellor,
            sites=sites,
            records=records,
            talks=talks,
            figures=figures,
            since=today.replace(day=1).isoformat(),
            today=today.isoformat(),
            **_en(request),
            appointments=appointments,
            error=error,
            values=values or {},
        )


@router.get(BASE)
def home(request: Request) -> Response:
    return _home(request)


@router.post(BASE + "/walk-in")
def walk_in(request: Request, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)
    try:
        with st.db.unit_of_work() as session:
            record = open_record(
                session,
                actor,
                site_id=_number(fields.get("site_id"), "site_id", "站点") or 0,
                name=fields.get("name", ""),
                phone=fields.get("phone", ""),
                case_id=_case_by_number(session, fields.get("tracking_no")),
                now=st.clock.now(),
            )
            record_id, high = record.id, record.risk_from == "triage"
    except MinyiError as exc:
        return _home(request, status_code=422, error=exc.message, values=fields)
    return redirect(f"{BASE}/records/{record_id}?done={'taken_high' if high else 'taken'}")


@router.post(BASE + "/appointments/{appointment_id}/take")
def take(request: Request, appointment_id: int, form: PostedForm) -> Response:
    actor, st, _ = staff_form(request, form)
    try:
        with st.db.unit_of_work() as session:
            record = take_appointment(session, actor, appointment_id, now=st.clock.now())
            record_id, high = record.id, record.risk_from == "triage"
    except MinyiError as exc:
        return _home(request, status_code=422, error=exc.message)
    return redirect(f"{BASE}/records/{record_id}?done={'taken_high' if high else 'taken'}")


# --- one record -------------------------------------------------------------------------------
DONE = {
    "taken": "已建立心理服务档案",
    "taken_high": "已建立心理服务档案。该诉求有轻生倾向提示，风险等级已定为“高”，请优先关注",
    "session": "咨询记录已保存",
    "risk": "风险等级已更新",
    "follow_up": "回访计划已保存",
    "follow_up_done": "回访已登记",
    "closed": "档案已结案",
}


def _record_page(
    request: Request, record_id: int, *, status_code: int = 200, error: str | None = None
) -> Response:
    actor = _reader(request)
    st = state_of(request)
    now = st.clock.now()
    today = now.astimezone(st.tz).date()
    with st.db.reading() as session:
        record = get_record(session, actor, record_id)
        detail = record_detail(session, actor, record, today=today)
        rooms = site_rooms(session, [record.site_id])
        default_room = session.scalar(
            select(SiteRoom.id).where(
                SiteRoom.site_id == record.site_id,
                SiteRoom.kind == RoomKind.COUNSELLING_ROOM.value,
            )
        )
        return render(
            request,
            "console/counselling/record.html",
            status_code=status_code,
            r=detail,
            rooms=rooms,
            default_room=default_room,
            risks=RISKS,
            now_local=now.astimezone(st.tz).strftime("%Y-%m-%dT%H:%M"),
            today=today.isoformat(),
            done=DONE.get(request.query_params.get("done", "")),
            error=error,
            **_en(request),
        )


@router.get(BASE + "/records/{record_id}")
def record_page(request: Request, record_id: int) -> Response:
    return _record_page(request, record_id)


def _on_record(request: Request, record_id: int, done: str, work: Any) -> Response:
    try:
        work()
    except MinyiError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        return _record_page(request, record_id, status_code=422, error=exc.message)
    return redirect(f"{BASE}/records/{record_id}?done={done}")


@router.post(BASE + "/records/{record_id}/session")
def post_session(request: Request, record_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)

    def work() -> None:
        now = st.clock.now()
        with st.db.unit_of_work() as session:
            hold_session(
                session,
                actor,
                record_id,
                held_at=_local(fields.get("held_at"), st.tz, "held_at", "咨询时间") or now,
                minutes=_number(fields.get("minutes"), "minutes", "时长") or 0,
                notes=fields.get("notes"),
                room_id=_number(fields.get("room_id"), "room_id", "功能室"),
                now=now,
            )

    return _on_record(request, record_id, "session", work)


@router.post(BASE + "/records/{record_id}/risk")
def post_risk(request: Request, record_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)

    def work() -> None:
        with st.db.unit_of_work() as session:
            set_risk(session, actor, record_id, fields.get("risk_level", ""), now=st.clock.now())

    return _on_record(request, record_id, "risk", work)


@router.post(BASE + "/records/{record_id}/follow-up")
def post_follow_up(request: Request, record_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)

    def work() -> None:
        try:
            due = date.fromisoformat(fields.get("due_on", ""))
        except ValueError:
            raise Invalid("bad_day", "请选择回访日期", field="due_on") from None
        now = st.clock.now()
        with st.db.unit_of_work() as session:
            plan_follow_up(
                session, actor, record_id, due_on=due, today=now.astimezone(st.tz).date(), now=now
            )

    return _on_record(request, record_id, "follow_up", work)


@router.post(BASE + "/follow-ups/{follow_up_id}/done")
def post_follow_up_done(request: Request, follow_up_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)
    record_id = _number(fields.get("record_id"), "record_id", "档案") or 0

    def work() -> None:
        with st.db.unit_of_work() as session:
            complete_follow_up(
                session, actor, follow_up_id, notes=fields.get("notes"), now=st.clock.now()
            )

    return _on_record(request, record_id, "follow_up_done", work)


@router.post(BASE + "/records/{record_id}/close")
def post_close(request: Request, record_id: int, form: PostedForm) -> Response:
    actor, st, _ = staff_form(request, form)

    def work() -> None:
        with st.db.unit_of_work() as session:
            close_record(session, actor, record_id, now=st.clock.now())

    return _on_record(request, record_id, "closed", work)


# --- 话聊 ----------------------------------------------------------------------------------------
TALK_DONE = {
    "requested": "已申请话聊",
    "planned": "话聊已安排",
    "held": "话聊情况已登记",
    "cancelled": "话聊已取消",
}


def _talk_page(
    request: Request, talk_id: int, *, status_code: int = 200, error: str | None = None
) -> Response:
    actor = staff(request)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        talk = get_talk(session, actor, talk_id)
        [out] = describe_talks(session, actor, [talk])
        counsellor = is_counsellor(session, actor)
        sites = counsellor_sites(session, actor)
        open_ = talk.status in (TalkStatus.REQUESTED.value, TalkStatus.PLANNED.value)
        return render(
            request,
            "console/counselling/talk.html",
            status_code=status_code,
            talk=out,
            may_plan=counsellor
            and open_
            and bool(sites)
            and talk.counsellor_id in (None, actor.staff_id),
            may_hold=talk.status == TalkStatus.PLANNED.value
            and talk.counsellor_id == actor.staff_id,
            may_cancel=open_ and actor.staff_id in (talk.requested_by_id, talk.counsellor_id),
            sites=sites,
            rooms=site_rooms(session, [s for s, _ in sites]),
            lawyers=_professionals(session, StaffKind.LAWYER),
            mediators=_professionals(session, StaffKind.MEDIATOR),
            default_at=(now.astimezone(st.tz) + timedelta(days=1))
            .replace(hour=10, minute=0)
            .strftime("%Y-%m-%dT%H:%M"),
            done=TALK_DONE.get(request.query_params.get("done", "")),
            error=error,
            **_en(request),
        )


@router.get(BASE + "/talks/{talk_id}")
def talk_page(request: Request, talk_id: int) -> Response:
    return _talk_page(request, talk_id)


@router.post(BASE + "/talks")
def post_talk(request: Request, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)
    case_id = _number(fields.get("case_id"), "case_id", "诉求") or 0
    with st.db.unit_of_work() as session:
        talk = request_talk(session, actor, case_id, now=st.clock.now())
        talk_id = talk.id
    return redirect(f"{BASE}/talks/{talk_id}?done=requested")


def _on_talk(request: Request, talk_id: int, done: str, work: Any) -> Response:
    try:
        work()
    except MinyiError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        return _talk_page(request, talk_id, status_code=422, error=exc.message)
    return redirect(f"{BASE}/talks/{talk_id}?done={done}")


@router.post(BASE + "/talks/{talk_id}/plan")
def post_talk_plan(request: Request, talk_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)

    def work() -> None:
        with st.db.unit_of_work() as session:
            plan_talk(
                session,
                actor,
                talk_id,
                site_id=_number(fields.get("site_id"), "site_id", "站点") or 0,
                starts_at=_local(fields.get("starts_at"), st.tz, "starts_at", "话聊时间")
                or st.clock.now(),
                lawyer=fields.get("lawyer", ""),
                mediator=fields.get("mediator", ""),
                room_id=_number(fields.get("room_id"), "room_id", "功能室"),
                now=st.clock.now(),
            )

    return _on_talk(request, talk_id, "planned", work)


@router.post(BASE + "/talks/{talk_id}/hold")
def post_talk_hold(request: Request, talk_id: int, form: PostedForm) -> Response:
    actor, st, fields = staff_form(request, form)

    def work() -> None:
        with st.db.unit_of_work() as session:
            hold_talk(
                session,
                actor,
                talk_id,
                minutes=_number(fields.get("minutes"), "minutes", "时长") or 0,
                summary=fields.get("summary", ""),
                notes=fields.get("notes"),
                now=st.clock.now(),
            )

    return _on_talk(request, talk_id, "held", work)


@router.post(BASE + "/talks/{talk_id}/cancel")
def post_talk_cancel(request: Request, talk_id: int, form: PostedForm) -> Response:
    actor, st, _ = staff_form(request, form)

    def work() -> None:
        with st.db.unit_of_work() as session:
            cancel_talk(session, actor, talk_id, now=st.clock.now())

    return _on_talk(request, talk_id, "cancelled", work)


# --- the case page's panel --------------------------------------------------------------------
def counselling_panel(session: Session, case: Case, actor: Actor, now: datetime) -> Panel | None:
    """Sessions held on the case and when, follow-ups done, the risk level, its 话聊 (the shared
    summary through the reader's view of the case); never a note. Shown when there is something
    to show, or to those who may ask for a 话聊."""
    info = case_counselling(session, actor, case.id)
    may_request = actor.role in TALK_REQUESTERS and not any(
        t["status"] in ("requested", "planned") for t in info["talks"]
    )
    if not info["records"] and not info["talks"] and not may_request:
        return None
    return Panel(
        "panels/counselling.html",
        {"info": info, "may_request": may_request, "case_id": case.id, **EN_LABELS},
    )


def register(registry: Registry) -> None:
    registry.add(CASE_PANELS, "counselling", counselling_panel)
