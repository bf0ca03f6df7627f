"""单位与渠道: the administrator renames, re-kinds and moves a unit, and edits a channel's name,
anonymity and use, in forms (org.editing, intake.channels); intake's cache is cleared at once."""

from __future__ import annotations

from typing import Any, TypedDict
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core.errors import NotFound
from minyi.intake.channels import channel_stamp, update_channel
from minyi.intake.models import Channel
from minyi.org.editing import unit_stamp, update_unit
from minyi.org.models import Unit
from minyi.org.queries import unit_labels
from minyi.org.rules import UnitKind
from minyi.web.admin_forms import ADMIN, Posted, admin_form, typed_unit
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE = 50
UNIT_FORM = "console/admin/unit_form.html"
CHANNEL_FORM = "console/admin/channel_form.html"


@router.get("/console/admin/units")
def units(
    request: Request, q: str | None = None, page: int = 1, done: str | None = None
) -> Response:
    staff(request, ADMIN)
    needle, page = (q or "").strip()[:40], max(1, min(page, 1000))
    with state_of(request).db.reading() as session:
        stmt = select(Unit).order_by(Unit.path)
        if needle:
            stmt = stmt.where(Unit.name.contains(needle, autoescape=True))
        rows = list(session.scalars(stmt.limit(PAGE + 1).offset((page - 1) * PAGE)))
        labels = unit_labels(session, active_only=False)
        total = session.scalar(select(func.count()).select_from(Unit))
    return render(
        request,
        "console/admin/units.html",
        rows=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        q=needle,
        labels=labels,
        total=total,
        done=done,
    )


class _UnitChoices(TypedDict):
    """What the unit form offers: (kind, its name) pairs and the labels of possible parents."""

    kind_options: list[tuple[str, str]]
    parent_options: list[str]


def _unit_choices(session: Session, unit: Unit, request: Request) -> _UnitChoices:
    t = Translator(pick_lang(request))
    labels = unit_labels(session)
    # Not itself nor anything under it: a unit cannot move below its own subtree.
    below = set(
        session.scalars(select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True)))
    )
    return {
        "kind_options": [(k.value, t.kind(k.value)) for k in UnitKind],
        "parent_options": sorted(label for uid, label in labels.items() if uid not in below),
    }


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", "没有这个单位")
    return unit


@router.get("/console/admin/units/{unit_id}")
def unit_page(request: Request, unit_id: int) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        unit = _unit(session, unit_id)
        labels = unit_labels(session, active_only=False)
        values = {
            "name": unit.name,
            "kind": unit.kind,
            "parent": labels.get(unit.parent_id or 0, ""),
            "stamp": unit_stamp(unit),
        }
        return render(
            request, UNIT_FORM, unit=unit, values=values, **_unit_choices(session, unit, request)
        )


@router.post("/console/admin/units/{unit_id}")
def save_unit(request: Request, form: PostedForm, unit_id: int) -> Response:
    def load(session: Session, _: dict[str, str]) -> dict[str, Any]:
        unit = _unit(session, unit_id)
        return {
            "unit": unit,
            **_unit_choices(session, unit, request),
            "labels": unit_labels(session),
        }

    def save(session: Session, posted: Posted) -> str:
        values = posted.values
        parent_id = typed_unit(
            posted.context["labels"],
            values.get("parent", ""),
            code="unknown_unit",
            message="请从列表中选择上级单位（可输入名称筛选）",
            field="parent",
        )
        update_unit(
            session,
            unit_id,
            name=values.get("name", ""),
            kind=values.get("kind", ""),
            parent_id=parent_id,
            expected=values.get("stamp", ""),
        )
        return f"/console/admin/units?done=1&q={quote(values.get('name', '')[:20])}"

    return admin_form(request, form, UNIT_FORM, load=load, save=save, clear_refs=True)


@router.get("/console/admin/channels")
def channels(request: Request, done: str | None = None) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        rows = list(session.scalars(select(Channel).order_by(Channel.kind, Channel.id)))
    return render(request, "console/admin/channels.html", rows=rows, done=done)


def _channel(session: Session, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("channel_not_found", "没有这个渠道")
    return channel


@router.get("/console/admin/channels/{channel_id}")
def channel_page(request: Request, channel_id: int) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        channel = _channel(session, channel_id)
        values = {
            "name": channel.name,
            "allows_anonymous": "1" if channel.allows_anonymous else "",
            "is_active": "1" if channel.is_active else "",
            "stamp": channel_stamp(channel),
        }
        return render(
            request,
            CHANNEL_FORM,
            channel=channel,
            kind=Translator(pick_lang(request))(f"adm_ch_{channel.kind}"),
            values=values,
        )


@router.post("/console/admin/channels/{channel_id}")
def save_channel(request: Request, form: PostedForm, channel_id: int) -> Response:
    def load(session: Session, _: dict[str, str]) -> dict[str, Any]:
        channel = _channel(session, channel_id)
        return {
            "channel": channel,
            "kind": Translator(pick_lang(request))(f"adm_ch_{channel.kind}"),
        }

    def save(session: Session, posted: Posted) -> str:
        values = posted.values
        update_channel(
            session,
            channel_id,
            name=values.get("name", ""),
            allows_anonymous=values.get("allows_anonymous") == "1",
            is_active=values.get("is_active") == "1",
            expected=values.get("stamp", ""),
        )
        return "/console/admin/channels?done=1"

    return admin_form(request, form, CHANNEL_FORM, load=load, save=save, clear_refs=True)
