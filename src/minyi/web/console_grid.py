"""The grid worker's phone page (网格上报): report an event from the street with photos and the
phone's position, and the grid's open cases. The grid is the signed-in worker's own unit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.cases.queries import CaseFilter, get_visible_case, page_cases
from minyi.cases.rules import OPEN
from minyi.core.errors import Forbidden, Invalid, NotFound
from minyi.intake.attachments import store_attachment
from minyi.intake.desk import desk_channel, reporter_contact
from minyi.intake.schemas import AppealIn
from minyi.org.rules import Actor, Role
from minyi.web.case_view import summaries
from minyi.web.desk_forms import external_id, file_from_desk, new_form_token, number
from minyi.web.pages import PostedForm, WebRoute, fields_of, render, staff, state_of
from minyi.web.uploads import Upload, read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
GRID_KINDS = ("grid",)
PAGE_SIZE = 20
PHOTO_TYPES = "image/jpeg,image/png,image/webp"


def grid_worker(request: Request) -> Actor:
    actor = staff(request, {Role.GRID_STAFF})
    if actor.unit_kind != "grid":
        raise Forbidden("no_grid", "您的账号尚未关联网格，请联系系统管理员")
    return actor


def _page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    done: int | None = None,
    cursor: str | None = None,
    token: str | None = None,
) -> Response:
    state = state_of(request)
    with state.db.reading() as session:
        f = CaseFilter(status=list(OPEN))
        try:
            found = page_cases(session, actor, f, cursor=cursor, size=PAGE_SIZE)
        except Invalid as exc:
            if exc.code != "bad_cursor":
                raise
            # A stale or edited "next" link: the first page, with a word on why.
            error = error or "翻页链接已失效，已显示第一页"
            cursor, status_code = None, 400
            found = page_cases(session, actor, f, cursor=None, size=PAGE_SIZE)
        cases = summaries(session, found.rows, actor, state.clock.now())
        reported = None
        if done is not None:
            try:
                reported = get_visible_case(session, done, actor)
            except NotFound:
                reported = None
        return render(
            request,
            "console/grid.html",
            status_code=status_code,
            error=error,
            values=values or {},
            form_token=token or new_form_token(),
            cases=cases,
            total=found.total,
            next_href=f"/console/grid?cursor={found.next_cursor}#grid-cases"
            if found.next_cursor
            else None,
            first_href="/console/grid#grid-cases" if cursor else None,
            reported=reported,
            photo_types=PHOTO_TYPES,
        )


@router.get("/console/grid")
def grid_page(request: Request, done: int | None = None, cursor: str | None = None) -> Response:
    actor = grid_worker(request)
    return _page(request, actor, done=done, cursor=cursor or None)


def _item(
    state: Any, actor: Actor, fields: dict[str, str], form: FormData
) -> tuple[AppealIn, list[Upload]]:
    uploads = read_uploads(
        [f for f in form.getlist("photos") if isinstance(f, UploadFile)], state.settings
    )
    try:
        lat = number(fields.get("lat", ""), field="lat", as_float=True)
        lng = number(fields.get("lng", ""), field="lng", as_float=True)
    except ValueError:
        raise Invalid("bad_position", "位置信息无效，请重新获取位置", field="lat") from None
    with state.db.reading() as session:
        channel = desk_channel(session, "grid", GRID_KINDS)
        own_phone, own_name = reporter_contact(session, actor)
    # A resident who raised it is the citizen; otherwise the worker who saw it reports it.
    phone = fields.get("phone") or own_phone
    name = fields.get("name") or (None if fields.get("phone") else own_name)
    item = AppealIn(
        channel=channel.code,
        external_id=external_id("grid", fields.get("form_token", "")),
        title=fields.get("title") or None,
        body=fields.get("body", ""),
        phone=phone,
        name=name,
        address=fields.get("address") or None,
        grid=actor.unit_code,
        lat=lat,
        lng=lng,
    )
    return item, uploads


def _store(state: Any, actor: Actor, case_id: int, uploads: list[Upload]) -> None:
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
            now=state.clock.now(),
        )


@router.post("/console/grid/report")
async def report(request: Request, form: PostedForm) -> Response:
    """`async` only to await the group-commit writer; the blocking work runs in the threadpool."""
    actor = await run_in_threadpool(grid_worker, request)
    state = state_of(request)
    fields = fields_of(form)

    def then(receipt: Any, uploads: list[Upload]) -> None:
        if receipt.created:
            _store(state, actor, receipt.id, uploads)

    return await file_from_desk(
        request,
        actor,
        fields,
        build=lambda: _item(state, actor, fields, form),
        then=then,
        done="/console/grid",
        page=_page,
    )
