"""The intake clerk's desk (受理登记): one form for 12345 calls, walk-ins and letters, the
caller's earlier appeals as the number is typed, and accept or decline right there. The same
services as the API: intake registers (through the group-commit writer), cases decides."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.cases.queries import get_visible_case
from minyi.cases.rules import CENTRE
from minyi.core.errors import Invalid, NotFound
from minyi.intake.attachments import store_attachment
from minyi.intake.desk import (
    DESK_KINDS,
    check_desk_form,
    decide_at_desk,
    desk_channel,
    desk_channels,
    earlier_appeals,
)
from minyi.intake.rules import normalise_phone
from minyi.intake.schemas import AppealIn
from minyi.org.rules import Actor
from minyi.privacy.rules import CONTACT_ROLES
from minyi.web.desk_forms import external_id, file_from_desk, new_form_token, number, places
from minyi.web.pages import PostedForm, WebRoute, fields_of, render, staff, state_of
from minyi.web.uploads import Upload, read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# The roles that work the registration desk and may accept or decline (受理/不予受理).
DESK_ROLES = CENTRE
KIND_NAMES = {
    "hotline": ("12345热线", "12345 hotline"),
    "walk_in": ("来访", "Walk-in"),
    "letter": ("来信", "Letter"),
}


def _earlier(session: Any, actor: Actor, phone: str | None) -> dict[str, Any] | None:
    """The caller's earlier appeals for a complete number; None while the number is not one."""
    if not phone:
        return None
    if actor.role not in CONTACT_ROLES:
        # The policy shows this reader complainants masked: the number finds nothing for them,
        # and the box says so rather than calling every caller a first-time one.
        return {"phone": None, "total": 0, "items": [], "open": 0, "masked": True}
    try:
        number_ = normalise_phone(phone)
    except ValueError:
        return None
    total, items = earlier_appeals(session, actor, number_)
    return {
        "phone": number_,
        "total": total,
        "items": items,
        "open": sum(1 for i in items if i.is_open),
    }


def _page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    done: int | None = None,
    token: str | None = None,
) -> Response:
    values = values or {}
    state = state_of(request)
    with state.db.reading() as session:
        channels = desk_channels(session)
        streets, communities = places(session)
        registered = None
        if done is not None:
            try:
                registered = get_visible_case(session, done, actor)
            except NotFound:
                registered = None
        return render(
            request,
            "console/intake.html",
            status_code=status_code,
            error=error,
            values=values,
            kinds=[k for k in DESK_KINDS if k in channels],
            channels=channels,
            kind_names=KIND_NAMES,
            streets=streets,
            communities=communities,
            form_token=token or new_form_token(),
            earlier=_earlier(session, actor, values.get("phone")),
            registered=registered,
        )


@router.get("/console/intake")
def intake_form(request: Request, done: int | None = None) -> Response:
    actor = staff(request, DESK_ROLES)
    return _page(request, actor, done=done)


@router.post("/console/intake/earlier")
def earlier(request: Request, form: PostedForm) -> Response:
    """The fragment the form fetches as the number is typed (an HTML piece, not a page). A POST
    so the number stays out of URLs and access logs, as tracking codes do."""
    actor = staff(request, DESK_ROLES)
    phone = fields_of(form).get("phone", "")[:30]
    state = state_of(request)
    with state.db.reading() as session:
        found = _earlier(session, actor, phone)
    status_code = 200 if found is not None or not phone else 422
    return render(
        request, "console/_earlier.html", status_code=status_code, earlier=found, asked=bool(phone)
    )


def _item(state: Any, fields: dict[str, str], form: FormData) -> tuple[AppealIn, list[Upload], str]:
    """The appeal, its files and the decision, all checked before anything is registered."""
    kind = fields.get("kind", "")
    decision = fields.get("decision") or "register"  # no button named: decide nothing
    uploads = read_uploads(
        [f for f in form.getlist("files") if isinstance(f, UploadFile)], state.settings
    )
    check_desk_form(
        kind=kind, decision=decision, reason=fields.get("reason"), has_scan=bool(uploads)
    )
    with state.db.reading() as session:
        channel = desk_channel(session, kind)
        anonymous = fields.get("anonymous") == "on" and channel.allows_anonymous
    try:
        visitors = (
            number(fields.get("visitors", ""), field="crowd_size") if kind == "walk_in" else None
        )
    except ValueError as exc:
        raise Invalid("bad_number", str(exc), field="visitors") from None
    item = AppealIn(
        channel=channel.code,
        external_id=external_id("desk", fields.get("form_token", "")),
        title=fields.get("title") or None,
        body=fields.get("body", ""),
        phone=fields.get("phone") or None,
        name=fields.get("name") or None,
        id_card=fields.get("id_card") or None,
        anonymous=anonymous,
        confidential=fields.get("confidential") == "on",
        address=fields.get("address") or None,
        street=fields.get("street") or None,
        community=fields.get("community") or None,
        crowd_size=visitors,
    )
    return item, uploads, decision


def _finish(
    state: Any,
    actor: Actor,
    case_id: int,
    created: bool,
    uploads: list[Upload],
    decision: str,
    reason: str | None,
) -> None:
    """The scan or photos (only with the first send of a form), then the decision."""
    now = state.clock.now()
    if created:
        for upload in uploads:
            store_attachment(
                state.db,
                state.settings,
                case_id=case_id,
                filename=upload.filename,
                content_type=upload.content_type,
                data=upload.data,
                actor=actor,
                phone_last4=None,
                now=now,
            )
    with state.db.unit_of_work() as session:
        decide_at_desk(session, case_id, decision=decision, reason=reason, actor=actor, now=now)


@router.post("/console/intake")
async def register(request: Request, form: PostedForm) -> Response:
    """`async` only to await the group-commit writer; everything that blocks runs in the
    threadpool (the session read, the file reads, the page shown again, the decision)."""
    actor = await run_in_threadpool(staff, request, DESK_ROLES)
    state = state_of(request)
    fields = fields_of(form)

    def build() -> tuple[AppealIn, tuple[list[Upload], str]]:
        item, uploads, decision = _item(state, fields, form)
        return item, (uploads, decision)

    def then(receipt: Any, extra: tuple[list[Upload], str]) -> None:
        _finish(state, actor, receipt.id, receipt.created, *extra, fields.get("reason"))

    return await file_from_desk(
        request, actor, fields, build=build, then=then, done="/console/intake", page=_page
    )
