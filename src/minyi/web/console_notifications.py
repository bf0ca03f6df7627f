"""The notification centre: the signed-in staff member's notices, the unread count in the
navigation, marking one or all read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.core.errors import Invalid
from minyi.core.listing import first_href, next_href
from minyi.notifications.queries import notification_page, unread_count
from minyi.notifications.rules import KIND_EN, KIND_ZH, PAGE_SIZE, Kind
from minyi.notifications.service import mark_all_read, mark_read
from minyi.web.pages import (
    PostedForm,
    WebRoute,
    current_actor,
    env,
    redirect,
    render,
    staff,
    staff_form,
    state_of,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def unread_for(request: Request) -> int:
    """The count the navigation's bell shows; 0 for a page nobody is signed in to."""
    actor = current_actor(request)
    if actor is None or actor.staff_id is None:
        return 0
    with state_of(request).db.reading() as session:
        return unread_count(session, actor)


def kind_label(code: str, zh: bool) -> str:
    kind = Kind(code)
    return KIND_ZH[kind] if zh else KIND_EN[kind]


env.globals["unread_notifications"] = unread_for
env.globals["notification_kind"] = kind_label


@router.get("/console/notifications")
def notifications(
    request: Request, unread: str | None = None, page: int = 1, cursor: str | None = None
) -> Response:
    actor = staff(request)
    state = state_of(request)
    page = max(page, 1)
    only_unread = "1" if unread == "1" else None
    with state.db.reading() as session:
        # The API's and the CLI's answer too: one wording of a notice, through the privacy policy.
        listed, found = notification_page(
            session,
            actor,
            unread_only=only_unread is not None,
            page=page,
            page_size=PAGE_SIZE,
            cursor=cursor,
        )
    path = "/console/notifications"
    return render(
        request,
        "console/notifications.html",
        items=found["items"],
        total=listed.total,
        unread_total=found["unread"],
        unread=only_unread is not None,
        next_href=next_href(path, listed.next_cursor, unread=only_unread),
        first_href=first_href(path, cursor or page > 1, unread=only_unread),
    )


@router.post("/console/notifications/{notification_id}/read")
def read_one(request: Request, form: PostedForm, notification_id: int) -> Response:
    """Marks the notice read and opens what it is about (the form's `go`), or goes back to the list."""
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        mark_read(session, notification_id, actor=actor, now=state.clock.now())
    target = fields.get("go", "")
    # Only our own console pages: the form field must not become an open redirect.
    if not target.startswith("/console/") or target.startswith("//"):
        target = "/console/notifications"
    return redirect(target)


@router.post("/console/notifications/read-all")
def read_all(request: Request, form: PostedForm) -> Response:
    actor, state, _ = staff_form(request, form)
    if actor.staff_id is None:
        raise Invalid("no_staff", "仅工作人员可以操作")
    with state.db.unit_of_work() as session:
        mark_all_read(session, actor=actor, now=state.clock.now())
    return redirect("/console/notifications")
