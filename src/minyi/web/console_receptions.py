"""Leaders' receptions pages (下沉接访 / 领导接访日): the list with the schedule form and the
per-leader figures, one reception (slots, who booked or walked in, the record, each matter raised
as a case, home visits), and a leader's linked areas (分片包联) with their figures."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from minyi.analytics.hotspot_passes import stored_hotspots
from minyi.analytics.rollups import area_figures
from minyi.cases.models import Case
from minyi.core.errors import Forbidden, Invalid, MinyiError, NotFound
from minyi.grassroots import queries as grassroots
from minyi.grassroots.rules import percent
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.receptions.queries import (
    area_receptions,
    citizens,
    describe,
    home_visits,
    leader_figures,
    leaders,
    linked_areas,
    list_receptions,
    place_path,
    visible_reception,
)
from minyi.receptions.rules import (
    AREA_ORGANISERS,
    BOOKING_LABELS,
    CENTRE_ROLES,
    KIND_LABELS,
    STATUS_LABELS,
    BookingKind,
    BookingStatus,
    ReceptionStatus,
    check_slots,
    may_organise,
    parse_slot_text,
)
from minyi.receptions.service import (
    add_walk_in,
    cancel_reception,
    mark_came,
    publish_reception,
    raise_matter,
    record_home_visit,
    record_reception,
    schedule_reception,
)
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
READERS = frozenset(
    {
        Role.ADMIN,
        Role.INTAKE_CLERK,
        Role.STREET_STAFF,
        Role.COMMUNITY_STAFF,
        Role.LEADER,
        Role.SUPERVISOR,
        Role.DISPATCHER,
    }
)
ORGANISERS = CENTRE_ROLES | AREA_ORGANISERS | {Role.LEADER}
_CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_SLOTS = "09:00-10:00x5\n10:00-11:00x5\n11:00-12:00x5"


# The English switch's words for the domain's Chinese labels.
STATUS_EN = {
    ReceptionStatus.SCHEDULED: "not published",
    ReceptionStatus.PUBLISHED: "published",
    ReceptionStatus.HELD: "held",
    ReceptionStatus.CANCELLED: "cancelled",
}
KIND_EN = {BookingKind.BOOKED: "booked", BookingKind.WALK_IN: "walked in"}
BOOKING_EN = {
    BookingStatus.BOOKED: "booked",
    BookingStatus.CAME: "received",
    BookingStatus.CANCELLED: "cancelled",
}


def _labels(request: Request) -> dict[str, Any]:
    zh = Translator(pick_lang(request)).zh
    return {
        "status_label": lambda c: (STATUS_LABELS if zh else STATUS_EN)[ReceptionStatus(c)],
        "kind_label": lambda c: (KIND_LABELS if zh else KIND_EN)[BookingKind(c)],
        "booking_label": lambda c: (BOOKING_LABELS if zh else BOOKING_EN)[BookingStatus(c)],
    }


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


def _number(text: str | None, field: str, label: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", f"{label}须为整数", field=field) from None


# --- the list and the schedule form --------------------------------------------------------------
def _places(session: Session, actor: Actor) -> list[Unit]:
    path = actor.unit_path if actor.role in AREA_ORGANISERS and actor.unit_path else ""
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.kind.in_(("district", "street", "community")),
                Unit.is_active.is_(True),
                Unit.path.startswith(path, autoescape=True),
            )
            .order_by(Unit.path)
        )
    )


def _list_page(
    request: Request, *, status_code: int = 200, error: str | None = None, values: Any = None
) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        mine = actor.staff_id if actor.role is Role.LEADER else None
        total, rows = list_receptions(session, actor, page_size=100)
        listed = describe(session, rows, now=now)
        people = leaders(session)
        if actor.role is Role.LEADER:
            people = [p for p in people if p.id == actor.staff_id]
        return render(
            request,
            "console/receptions/list.html",
            status_code=status_code,
            rows=listed,
            total=total,
            mine=mine,
            may_schedule=actor.role in ORGANISERS,
            leaders=people,
            places=_places(session, actor) if actor.role in ORGANISERS else [],
            figures=leader_figures(session),
            percent=percent,
            error=error,
            values=values or {},
            default_day=(now.astimezone(st.tz).date() + timedelta(days=7)).isoformat(),
            default_slots=DEFAULT_SLOTS,
            **_labels(request),
        )


@router.get("/console/receptions")
def list_page(request: Request) -> Response:
    return _list_page(request)


@router.post("/console/receptions")
def schedule(request: Request, form: PostedForm) -> Response:
    actor = staff(request, ORGANISERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        try:
            day = date.fromisoformat(fields.get("day", ""))
        except ValueError:
            raise Invalid("bad_day", "请选择接访日期", field="day") from None
        try:
            slots = [
                parse_slot_text(line, day, st.tz)
                for line in fields.get("slots", "").splitlines()
                if line.strip()
            ]
            check_slots(slots, st.tz)
        except ValueError as error:
            raise Invalid("bad_slots", str(error), field="slots") from None
        with st.db.unit_of_work() as session:
            r = schedule_reception(
                session,
                actor=actor,
                leader=fields.get("leader", ""),
                area=fields.get("area", ""),
                place=fields.get("place"),
                topic=fields.get("topic"),
                slots=slots,
                publish=fields.get("publish") == "1",
                now=st.clock.now(),
                tz=st.tz,
            )
            reception_id = r.id
    except MinyiError as exc:
        return _list_page(request, status_code=422, error=_say(exc), values=fields)
    return redirect(f"/console/receptions/{reception_id}?done=scheduled")


# --- 分片包联: a leader's linked areas ---------------------------------------------------------
def _hotspots_by_area(
    session: Session, units: list[Unit], now: datetime, tz: Any
) -> dict[int, list[str]]:
    stored = stored_hotspots(session, now.astimezone(tz).date(), limit=8)
    spots = stored.hotspots if stored else []
    members = {int(i) for h in spots for i in h.member_ids if str(i).isdigit()}
    where: dict[int, tuple[int | None, int | None]] = {}
    if members:
        where = {
            cid: (street, community)
            for cid, street, community in session.execute(
                select(Case.id, Case.street_id, Case.community_id).where(Case.id.in_(members))
            )
        }
    out: dict[int, list[str]] = {u.id: [] for u in units}
    for h in spots:
        places = {where.get(int(i), (None, None)) for i in h.member_ids if str(i).isdigit()}
        for u in units:
            if any(u.id in p for p in places):
                out[u.id].append(h.description)
    return out


@router.get("/console/receptions/areas/{username}")
def areas(request: Request, username: str) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        leader = session.scalar(
            select(Staff).where(Staff.username == username, Staff.role == Role.LEADER.value)
        )
        if leader is None:
            raise NotFound("leader_not_found", "没有找到该领导")
        units = linked_areas(session, leader.id)
        cases = {a["code"]: a for a in area_figures(session, leader.id)}
        hot = _hotspots_by_area(session, units, now, st.tz)
        local = now.astimezone(st.tz).date()
        since = datetime.combine(local - timedelta(days=30), time(0), st.tz)
        received = area_receptions(session, since=since, until=now + timedelta(seconds=1))
        rows = []
        for u in units:
            counts = grassroots.area_tree(
                session, u, grassroots.coverage(session, u.path, now, details=False)
            ).counts
            rows.append(
                {
                    "unit": u,
                    "cases": cases.get(u.code, {}),
                    "coverage": counts,
                    "hotspots": hot.get(u.id, []),
                    "receptions": received.get(u.id, (0, 0)),
                }
            )
        mine = leader_figures(session, leader_ids=[leader.id])
        _total, recent = list_receptions(session, actor, leader_id=leader.id, page_size=10)
        return render(
            request,
            "console/receptions/areas.html",
            leader=leader,
            rows=rows,
            figures=mine[0] if mine else None,
            recent=describe(session, recent, now=now),
            percent=percent,
            others=leaders(session) if actor.role is not Role.LEADER else [],
            **_labels(request),
        )


@router.get("/console/receptions/areas")
def my_areas(request: Request) -> Response:
    actor = staff(request, READERS)
    if actor.role is Role.LEADER:
        return redirect(f"/console/receptions/areas/{actor.username}")
    with state_of(request).db.reading() as session:
        first = leaders(session)
    if not first:
        raise NotFound("leader_not_found", "还没有领导账号")
    return redirect(f"/console/receptions/areas/{first[0].username}")


# --- one reception ---------------------------------------------------------------------------
DONE = {
    "scheduled": ("接访安排已保存", "The reception is saved"),
    "published": ("已在群众端发布", "Published on the portal"),
    "cancelled": ("接访安排已取消", "The reception is cancelled"),
    "walk_in": ("已登记现场来访群众", "The walk-in is recorded"),
    "recorded": ("接访情况已登记", "The reception is recorded"),
    "raised": ("群众反映的问题已转为案件", "The matter is raised as a case"),
    "visited": ("家访已记录", "The home visit is recorded"),
}


def _detail_page(
    request: Request,
    reception_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: Any = None,
) -> Response:
    actor = staff(request, READERS)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        r = visible_reception(session, actor, reception_id)
        d = describe(session, [r], now=now)[0]
        organiser = may_organise(actor, leader_id=r.leader_id, place_path=place_path(session, r))
        done = request.query_params.get("done")
        return render(
            request,
            "console/receptions/detail.html",
            status_code=status_code,
            r=d,
            citizens=citizens(session, actor, r),
            visits=home_visits(session, actor, r),
            organiser=organiser,
            done=DONE.get(done or "", ("", ""))[0 if Translator(pick_lang(request)).zh else 1],
            error=error,
            values=values or {},
            now_local=now.astimezone(st.tz).strftime("%Y-%m-%dT%H:%M"),
            **_labels(request),
        )


@router.get("/console/receptions/{reception_id}")
def detail(request: Request, reception_id: int) -> Response:
    return _detail_page(request, reception_id)


def _step(request: Request, reception_id: int, form: Any, step: str) -> Response:
    actor = staff(request, ORGANISERS)
    st = state_of(request)
    fields = fields_of(form)
    now = st.clock.now()
    try:
        with st.db.unit_of_work() as session:
            if step == "publish":
                publish_reception(session, reception_id, actor=actor, now=now)
                done = "published"
            elif step == "cancel":
                cancel_reception(session, reception_id, actor=actor, now=now)
                done = "cancelled"
            elif step == "walk_in":
                add_walk_in(
                    session,
                    reception_id,
                    actor=actor,
                    name=fields.get("name", ""),
                    phone=fields.get("phone", ""),
                    matter=fields.get("matter", ""),
                    people=_number(fields.get("people"), "people", "来访人数") or 1,
                    now=now,
                )
                done = "walk_in"
            elif step == "record":
                for raw in form.getlist("came"):
                    b = mark_came(session, int(raw), actor=actor, now=now)
                    if b.reception_id != reception_id:
                        raise NotFound("booking_not_found", "该预约不属于本次接访")
                record_reception(
                    session,
                    reception_id,
                    actor=actor,
                    people=_number(fields.get("people"), "people", "接待人数"),
                    summary=fields.get("summary"),
                    now=now,
                )
                done = "recorded"
            else:
                try:
                    at = datetime.fromisoformat(fields.get("visited_at", "")).replace(tzinfo=st.tz)
                except ValueError:
                    raise Invalid("bad_time", "请填写家访时间", field="visited_at") from None
                record_home_visit(
                    session,
                    reception_id,
                    actor=actor,
                    booking_id=_number(fields.get("booking_id"), "booking_id", "家访对象"),
                    visited_at=at,
                    place=fields.get("place", ""),
                    people=_number(fields.get("people"), "people", "见到的群众人数") or 1,
                    notes=fields.get("notes", ""),
                    now=now,
                )
                done = "visited"
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        return _detail_page(
            request, reception_id, status_code=422, error=_say(exc), values=fields | {"form": step}
        )
    except ValueError:
        return _detail_page(request, reception_id, status_code=422, error="请核对勾选的群众")
    return redirect(f"/console/receptions/{reception_id}?done={done}")


@router.post("/console/receptions/{reception_id}/publish")
def publish(request: Request, reception_id: int, form: PostedForm) -> Response:
    return _step(request, reception_id, form, "publish")


@router.post("/console/receptions/{reception_id}/cancel")
def cancel(request: Request, reception_id: int, form: PostedForm) -> Response:
    return _step(request, reception_id, form, "cancel")


@router.post("/console/receptions/{reception_id}/walk-in")
def walk_in(request: Request, reception_id: int, form: PostedForm) -> Response:
    return _step(request, reception_id, form, "walk_in")


@router.post("/console/receptions/{reception_id}/record")
def record(request: Request, reception_id: int, form: PostedForm) -> Response:
    return _step(request, reception_id, form, "record")


@router.post("/console/receptions/{reception_id}/visit")
def visit(request: Request, reception_id: int, form: PostedForm) -> Response:
    return _step(request, reception_id, form, "visit")


@router.post("/console/receptions/{reception_id}/citizens/{booking_id}/case")
async def raise_case(
    request: Request, reception_id: int, booking_id: int, form: PostedForm
) -> Response:
    """`async` only to await intake's group-commit writer; the sign-in check and the page run
    in the threadpool."""
    actor = await run_in_threadpool(staff, request, ORGANISERS)
    st = state_of(request)
    try:
        await raise_matter(st, actor, booking_id, hold=form.get("hold") == "1")
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        message = _say(exc)
        return await run_in_threadpool(
            partial(_detail_page, request, reception_id, status_code=409, error=message)
        )
    return redirect(f"/console/receptions/{reception_id}?done=raised#citizen-{booking_id}")
