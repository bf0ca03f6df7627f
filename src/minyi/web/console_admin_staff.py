"""工作人员管理: the administrator lists, adds and edits staff, resets a password and disables or
enables an account, through org's services (the API and CLI reset the same way).

Login names show only in this page's form fields, where the administrator manages them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core.errors import Invalid, NotFound
from minyi.core.listing import first_href, next_href
from minyi.org.accounts import reset_to_temporary, set_active
from minyi.org.editing import StaffFields, create_staff, staff_stamp, update_staff
from minyi.org.models import Staff, Unit
from minyi.org.queries import staff_list, unit_by_label, unit_labels
from minyi.org.rules import Role
from minyi.web.admin_forms import ADMIN, Posted, admin_form
from minyi.web.i18n import ROLE_ZH, Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE = 50
FORM = "console/admin/staff_form.html"


@router.get("/console/admin/people")
def people(
    request: Request,
    q: str | None = None,
    page: int = 1,
    done: str | None = None,
    cursor: str | None = None,
) -> Response:
    staff(request, ADMIN)
    needle, page = (q or "").strip()[:40], max(1, min(page, 1000))
    with state_of(request).db.reading() as session:
        listed = staff_list(session, needle, page=page, page_size=PAGE, cursor=cursor)
        total = session.scalar(select(func.count()).select_from(Staff))
    path = "/console/admin/people"
    return render(
        request,
        "console/admin/staff.html",
        rows=listed.rows,
        listed=listed.total,
        next_href=next_href(path, listed.next_cursor, q=needle),
        first_href=first_href(path, cursor or page > 1, q=needle),
        q=needle,
        total=total,
        done=done,
        role_zh=ROLE_ZH,
    )  # a title that only repeats the role is not shown twice


def _roles(request: Request) -> list[tuple[str, str]]:
    t = Translator(pick_lang(request))
    return [(r.value, t.role(r.value)) for r in Role]


def _fields(values: dict[str, str], labels: dict[int, str]) -> StaffFields:
    unit_id = unit_by_label(labels, values.get("unit", ""))
    if unit_id is None:
        raise Invalid("unknown_unit", "请从列表中选择所在单位（可输入名称筛选）", field="unit")
    return StaffFields(
        name=values.get("name", ""),
        role=values.get("role", ""),
        unit_id=unit_id,
        title=values.get("title") or None,
        phone=values.get("phone") or None,
        email=values.get("email") or None,
    )


def _choices(request: Request, labels: dict[int, str], *, person: Staff | None) -> dict[str, Any]:
    """What the staff form shows besides the typed values (`labels`: unit id -> name, to read the
    chosen unit back)."""
    return {
        "person": person,
        "roles": _roles(request),
        "unit_options": sorted(labels.values()),
        "labels": labels,
    }


def _form(
    request: Request,
    *,
    person: Staff | None,
    values: dict[str, str],
    labels: dict[int, str],
    done: str | None = None,
) -> Response:
    return render(
        request, FORM, values=values, **_choices(request, labels, person=person), done=done
    )


@router.get("/console/admin/people/new")
def new_person(request: Request) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        labels = unit_labels(session)
    return _form(request, person=None, values={"role": Role.UNIT_HANDLER.value}, labels=labels)


@router.post("/console/admin/people/new")
def add_person(request: Request, form: PostedForm) -> Response:
    def load(session: Session, _: dict[str, str]) -> dict[str, Any]:
        return _choices(request, unit_labels(session), person=None)

    def save(session: Session, posted: Posted) -> str:
        fields = _fields(posted.values, posted.context["labels"])
        person = create_staff(session, username=posted.values.get("username", ""), fields=fields)
        return f"/console/admin/people/{person.id}?done=created"

    return admin_form(request, form, FORM, load=load, save=save, clear_refs=True)


def _load(session: Session, staff_id: int) -> tuple[Staff, str]:
    person = session.get(Staff, staff_id)
    if person is None:
        raise NotFound("staff_not_found", "没有这位工作人员")
    return person, staff_stamp(person)


@router.get("/console/admin/people/{staff_id}")
def person_page(request: Request, staff_id: int, done: str | None = None) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        person, seen = _load(session, staff_id)
        labels = unit_labels(session, active_only=False)
    values = {
        "username": person.username,
        "name": person.name,
        "role": person.role,
        "title": person.title or "",
        "phone": person.phone or "",
        "email": person.email or "",
        "unit": labels.get(person.unit_id, ""),
        "stamp": seen,
    }
    return _form(request, person=person, values=values, labels=labels, done=done)


@router.post("/console/admin/people/{staff_id}")
def edit_person(request: Request, form: PostedForm, staff_id: int) -> Response:
    def load(session: Session, values: dict[str, str]) -> dict[str, Any]:
        person, _ = _load(session, staff_id)
        values["username"] = person.username  # shown read-only; never changed by this form
        return _choices(request, unit_labels(session, active_only=False), person=person)

    def save(session: Session, posted: Posted) -> str:
        update_staff(
            session,
            staff_id,
            fields=_fields(posted.values, posted.context["labels"]),
            expected=posted.values.get("stamp", ""),
        )
        return f"/console/admin/people/{staff_id}?done=saved"

    return admin_form(request, form, FORM, load=load, save=save, clear_refs=True)


@router.post("/console/admin/people/{staff_id}/reset")
def reset_person(request: Request, form: PostedForm, staff_id: int) -> Response:
    """A temporary password, shown once on the answer page; the person's sessions end."""
    _, state, _ = staff_form(request, form, ADMIN)
    with state.db.reading() as session:
        person, _ = _load(session, staff_id)
        unit = session.scalar(select(Unit.name).where(Unit.id == person.unit_id))
    password = reset_to_temporary(state.db, username=person.username, now=state.clock.now())
    return render(
        request,
        "console/password_reset.html",
        person=person.name,
        unit=unit,
        password=password,
        back_to=f"/console/admin/people/{staff_id}",
    )


@router.post("/console/admin/people/{staff_id}/active")
def toggle_person(request: Request, form: PostedForm, staff_id: int) -> Response:
    actor, state, fields = staff_form(request, form, ADMIN)
    active = fields.get("active") == "1"
    with state.db.unit_of_work() as session:
        person, _ = _load(session, staff_id)
        if not active and person.id == actor.staff_id:
            raise Invalid("self_deactivate", "不能停用自己的账号", field="active")
        set_active(session, username=person.username, active=active, now=state.clock.now())
    return redirect(f"/console/admin/people/{staff_id}?done={'enabled' if active else 'disabled'}")
