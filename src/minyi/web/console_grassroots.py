"""Grid and party coverage pages (党建覆盖): the coverage of an area (figures, map, gaps), the
phone page where staff record a visit and raise a finding as a grid event, who covers what
(包路进楼联户, party branches), and the places below the grid (import, edit)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from minyi.core.errors import Forbidden, Invalid, MinyiError
from minyi.grassroots.drawing import DETAILED, ENGLISH, render_svg
from minyi.grassroots.queries import (
    branches,
    building_view,
    communities,
    coverage,
    coverage_report,
    coverage_tree,
    coverers,
    departments,
    get_area,
    get_building,
    grid_roads,
    households_of,
    my_buildings,
    parent_area,
    patrol_figures,
    patrol_rows,
    road_names,
    unit_names,
    visible_building,
)
from minyi.grassroots.rules import (
    COVERAGE_LABELS,
    HANDLING_LABELS,
    KIND_LABELS,
    AssignmentKind,
    Coverage,
    Handling,
    percent,
)
from minyi.grassroots.service import (
    Photo,
    add_branch,
    assign,
    edit_building,
    end_assignment,
    handle_event,
    import_places,
    raise_finding,
    read_place_file,
    record_patrol,
    save_household,
    stage_photo,
)
from minyi.org.rules import AREA_ROLES, DISTRICT_WIDE, Actor, Role
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of
from minyi.web.pickers import form_message
from minyi.web.uploads import read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
OVERSEERS = AREA_ROLES | DISTRICT_WIDE
PAGE_SIZE = 50
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_FILE = 20 * 1024 * 1024


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


def _overseer(request: Request) -> Actor:
    return staff(request, OVERSEERS)


# The English switch's words for the domain's Chinese labels (the map drawn into the page speaks
# the page's language too: drawing.ENGLISH).
COVERAGE_EN = {state: label.lower() for state, label in ENGLISH.states.items()}
KIND_EN = {
    AssignmentKind.GRID_WORKER: "grid worker",
    AssignmentKind.PARTY_MEMBER: "party member",
    AssignmentKind.CADRE: "cadre sent down",
}

HANDLING_EN = {
    Handling.GRID: "solved in the grid",
    Handling.WHISTLE: "whistle: departments summoned",
    Handling.DISPATCH: "passed to the dispatcher",
}


def _ctx(request: Request) -> dict[str, Any]:
    zh = Translator(pick_lang(request)).zh
    return {
        "label": lambda s: (COVERAGE_LABELS if zh else COVERAGE_EN)[Coverage(s)],
        "kind_label": lambda k: (KIND_LABELS if zh else KIND_EN)[AssignmentKind(k)],
        "handling_label": lambda h: (HANDLING_LABELS if zh else HANDLING_EN)[Handling(h)],
        "percent": percent,
    }


# --- coverage ----------------------------------------------------------------------------------
@router.get("/console/grassroots")
def coverage_page(
    request: Request, area: str | None = None, state: str | None = None, page: int = 1
) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    wanted = Coverage(state) if state in {c.value for c in Coverage} else None
    page = max(page, 1)
    with st.db.reading() as session:
        tree, rows, total, grids, roads = coverage_report(
            session,
            actor,
            area=area,
            now=st.clock.now(),
            state=wanted,
            gaps_only=wanted is None,
            page=page,
            page_size=PAGE_SIZE,
        )
        root = get_area(session, actor, area)
        now = st.clock.now()
        figures = patrol_figures(session, root, now=now)
        up = parent_area(session, actor, root)
        # Drawn into the page (not an <img>), so each area on it is a link to its own page.
        # render_svg escapes every name it draws (the unit tests check a name with markup).
        drawing = Markup(  # noqa: S704 - the drawing escapes its text itself
            render_svg(
                coverage_tree(session, root, now, detailed_up_to=DETAILED),
                link="/console/grassroots?area=",
                words=None if Translator(pick_lang(request)).zh else ENGLISH,
            )
        )
        return render(
            request,
            "console/grassroots/coverage.html",
            tree=tree,
            rows=rows,
            total=total,
            grids=grids,
            roads=roads,
            page=page,
            pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            state=wanted,
            figures=figures,
            up=up,
            area=tree.code,
            drawing=drawing,
            **_ctx(request),
        )


@router.get("/console/grassroots/map.svg")
def map_svg(request: Request, area: str | None = None) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    with st.db.reading() as session:
        root = get_area(session, actor, area)
        tree = coverage_tree(session, root, st.clock.now(), detailed_up_to=DETAILED)
    # The SVG is shown in an <img>: links inside it do nothing there, so it carries none.
    return Response(
        render_svg(tree), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


# --- patrols (the phone page) ------------------------------------------------------------------
def _patrol_page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    done: int | None = None,
) -> Response:
    st = state_of(request)
    values = values or {}
    with st.db.reading() as session:
        buildings = my_buildings(session, actor, st.clock.now())
        mine = patrol_rows(session, actor, area=None, mine=True, limit=15)
        grids = unit_names(session, {b.grid_id for b in buildings})
        done_row = next((p for p in mine if p["id"] == done), None) if done else None
        chosen = next((b for b in buildings if str(b.id) == values.get("building_id")), None)
        households = (
            households_of(session, actor, get_building(session, chosen.id), active_only=True)
            if chosen
            else []
        )
        may_raise = actor.role in AREA_ROLES
        return render(
            request,
            "console/grassroots/patrol.html",
            status_code=status_code,
            error=error,
            values=values or {},
            buildings=buildings,
            mine=mine,
            grids=grids,
            done=done_row,
            photo_types=PHOTO_TYPES,
            may_raise=may_raise,
            chosen=chosen,
            households=households,
            handlings=list(Handling),
            departments=departments(session) if may_raise else [],
            **_ctx(request),
        )


@router.get("/console/grassroots/patrol")
def patrol_page(request: Request, done: int | None = None, building: int | None = None) -> Response:
    actor = staff(request)
    return _patrol_page(
        request, actor, done=done, values={"building_id": str(building)} if building else None
    )


def _record(st: Any, actor: Actor, fields: dict[str, str], form: Any) -> int:
    uploads = read_uploads(
        [f for f in form.getlist("photos") if isinstance(f, UploadFile)], st.settings
    )
    photos: list[Photo] = [
        stage_photo(st.settings, filename=u.filename, content_type=u.content_type, data=u.data)
        for u in uploads
    ]
    try:
        building_id = int(fields.get("building_id", ""))
        household_id = int(fields["household_id"]) if fields.get("household_id") else None
    except ValueError:
        raise Invalid("pick_building", "请选择走访的楼栋", field="building_id") from None
    with st.db.unit_of_work() as session:
        return record_patrol(
            session,
            actor=actor,
            building_id=building_id,
            household_id=household_id,
            finding=fields.get("finding"),
            photos=photos,
            now=st.clock.now(),
        ).id


@router.post("/console/grassroots/patrol")
async def post_patrol(request: Request, form: PostedForm) -> Response:
    actor = await run_in_threadpool(staff, request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        patrol_id = await run_in_threadpool(_record, st, actor, fields, form)
    except Forbidden:
        raise
    except MinyiError as exc:
        error = _say(exc)
        return await run_in_threadpool(
            lambda: _patrol_page(request, actor, status_code=422, error=error, values=fields)
        )
    if fields.get("raise_event") and fields.get("finding"):
        try:
            await raise_finding(st, actor, patrol_id)
            if fields.get("handling"):
                await run_in_threadpool(_handle, st, actor, patrol_id, fields, form)
        except MinyiError as exc:
            # The visit stands (it happened); only the event (or the choice of its handling)
            # failed, and can be raised or chosen again below.
            error, code = (
                "走访已记录，但上报或处置网格事件未成功：" + _message(request, exc),
                409 if exc.kind == "conflict" else 422,
            )
            return await run_in_threadpool(
                lambda: _patrol_page(request, actor, status_code=code, done=patrol_id, error=error)
            )
    return redirect(f"/console/grassroots/patrol?done={patrol_id}")


@router.post("/console/grassroots/patrols/{patrol_id}/event")
async def post_event(request: Request, patrol_id: int, form: PostedForm) -> Response:
    del form  # CSRF-checked by the dependency; the press carries no fields
    actor = await run_in_threadpool(staff, request, AREA_ROLES)
    try:
        await raise_finding(state_of(request), actor, patrol_id)
    except Forbidden:
        raise
    except MinyiError as exc:
        error = _say(exc)
        return await run_in_threadpool(
            lambda: _patrol_page(request, actor, status_code=422, error=error)
        )
    return redirect(f"/console/grassroots/patrol?done={patrol_id}")


def _message(request: Request, exc: MinyiError) -> str:
    return form_message(exc, Translator(pick_lang(request)))


def _handle(st: Any, actor: Actor, patrol_id: int, fields: dict[str, str], form: Any) -> None:
    try:
        handling = Handling(fields.get("handling", ""))
        minutes = (
            int(fields["report_within_minutes"]) if fields.get("report_within_minutes") else None
        )
    except ValueError:
        raise Invalid(
            "bad_handling", "请选择处置方式，报到时限填写分钟数", field="handling"
        ) from None
    with st.db.unit_of_work() as session:
        handle_event(
            session,
            patrol_id,
            actor=actor,
            handling=handling,
            units=[str(u) for u in form.getlist("units") if isinstance(u, str)],
            report_within_minutes=minutes,
            solved=fields.get("solved"),
            now=st.clock.now(),
        )


@router.post("/console/grassroots/patrols/{patrol_id}/handling")
def post_handling(request: Request, patrol_id: int, form: PostedForm) -> Response:
    actor = staff(request, AREA_ROLES)
    st = state_of(request)
    try:
        _handle(st, actor, patrol_id, fields_of(form), form)
    except Forbidden:
        raise
    except MinyiError as exc:
        return _patrol_page(
            request,
            actor,
            status_code=409 if exc.kind == "conflict" else 422,
            error=_message(request, exc),
            done=patrol_id,
        )
    return redirect(f"/console/grassroots/patrol?done={patrol_id}")


# --- who covers what ---------------------------------------------------------------------------
def _people_page(
    request: Request,
    actor: Actor,
    area: str | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        root = get_area(session, actor, area)
        return render(
            request,
            "console/grassroots/people.html",
            status_code=status_code,
            error=error,
            notice=notice,
            values=values or {},
            root=root,
            rows=coverers(session, root),
            branches=branches(session, root),
            communities=communities(session, root),
            kinds=list(AssignmentKind),
            may_edit=actor.role in (Role.ADMIN, *AREA_ROLES),
            may_branch=actor.role in (Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF),
            **_ctx(request),
        )


@router.get("/console/grassroots/people")
def people_page(request: Request, area: str | None = None) -> Response:
    return _people_page(request, _overseer(request), area)


@router.post("/console/grassroots/people/assign")
def post_assign(request: Request, form: PostedForm) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    fields = fields_of(form)
    place = fields.get("place", "")
    try:
        kind = AssignmentKind(fields.get("kind", ""))
        days = int(fields.get("visit_days") or 30)
        with st.db.unit_of_work() as session:
            assign(
                session,
                actor=actor,
                username=fields.get("username", ""),
                kind=kind,
                road_code=place if fields.get("place_kind") == "road" else None,
                building_code=place if fields.get("place_kind") != "road" else None,
                branch_id=int(fields["branch_id"]) if fields.get("branch_id") else None,
                visit_days=days,
                now=st.clock.now(),
            )
    except ValueError:
        return _people_page(
            request,
            actor,
            fields.get("area"),
            status_code=422,
            error="请选择包联身份并填写走访周期（天）",
            values=fields,
        )
    except Forbidden:
        raise
    except MinyiError as exc:
        return _people_page(
            request, actor, fields.get("area"), status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/grassroots/people?area={fields.get('area', '')}")


@router.post("/console/grassroots/people/{assignment_id}/end")
def post_end(request: Request, assignment_id: int, form: PostedForm) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    fields = fields_of(form)
    with st.db.unit_of_work() as session:
        end_assignment(session, assignment_id, actor=actor, now=st.clock.now())
    return redirect(f"/console/grassroots/people?area={fields.get('area', '')}")


@router.post("/console/grassroots/branches")
def post_branch(request: Request, form: PostedForm) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            add_branch(
                session,
                actor=actor,
                community_code=fields.get("community", ""),
                name=fields.get("name", ""),
                place=fields.get("place"),
                secretary=fields.get("secretary") or None,
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        return _people_page(
            request, actor, fields.get("area"), status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/grassroots/people?area={fields.get('area', '')}")


# --- places ------------------------------------------------------------------------------------
def _places_page(
    request: Request,
    actor: Actor,
    area: str | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    result: Any = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        root = get_area(session, actor, area)
        rows = (
            coverage(session, root.path, st.clock.now())
            if root.kind in ("community", "grid")
            else []
        )
        return render(
            request,
            "console/grassroots/places.html",
            status_code=status_code,
            error=error,
            result=result,
            root=root,
            rows=rows,
            grids=unit_names(session, {b.grid_id for b in rows}),
            roads=road_names(session, {b.road_id for b in rows if b.road_id}),
            **_ctx(request),
        )


@router.get("/console/grassroots/places")
def places_page(request: Request, area: str | None = None) -> Response:
    return _places_page(request, _overseer(request), area)


@router.post("/console/grassroots/places/import")
def post_import(request: Request, form: PostedForm) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    upload = form.get("file")
    area = fields_of(form).get("area")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _places_page(
            request, actor, area, status_code=422, error="请选择要导入的CSV或Excel文件"
        )
    data = upload.file.read(MAX_FILE + 1)
    try:
        if len(data) > MAX_FILE:
            raise Invalid("file_too_large", "文件不超过20MB", field="file")
        rows = read_place_file(upload.filename, data)
        with st.db.unit_of_work() as session:
            result = import_places(session, rows, actor=actor)
    except Forbidden:
        raise
    except MinyiError as exc:
        return _places_page(request, actor, area, status_code=422, error=_say(exc))
    return _places_page(request, actor, area, result=result)


@router.get("/console/grassroots/buildings/{building_id}")
def building_page(
    request: Request,
    building_id: int,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    with st.db.reading() as session:
        b = visible_building(session, actor, building_id)
        view = building_view(session, b, st.clock.now())
        return render(
            request,
            "console/grassroots/building.html",
            b=b,
            view=view,
            grid_roads=grid_roads(session, b.grid_id),
            grid=unit_names(session, {b.grid_id}).get(b.grid_id),
            households=households_of(session, actor, b),
            may_edit=actor.role in (Role.ADMIN, *AREA_ROLES),
            error=error,
            values=values or {},
            **_ctx(request),
        )


@router.post("/console/grassroots/buildings/{building_id}")
def post_building(request: Request, building_id: int, form: PostedForm) -> Response:
    actor = _overseer(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            edit_building(
                session,
                building_id,
                actor=actor,
                name=fields.get("name", ""),
                address=fields.get("address"),
                households=int(fields.get("households") or 0),
                road_code=fields.get("road") or None,
                is_active=fields.get("is_active") == "1",
            )
    except ValueError:
        return building_page(request, building_id, error="户数须为整数")
    except Forbidden:
        raise
    except MinyiError as exc:
        return building_page(request, building_id, error=_say(exc))
    return redirect(f"/console/grassroots/buildings/{building_id}?saved=1")


@router.post("/console/grassroots/buildings/{building_id}/households")
def post_household(request: Request, building_id: int, form: PostedForm) -> Response:
    """Add a household (no `household_id`) or edit one."""
    actor = _overseer(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        household_id = int(fields["household_id"]) if fields.get("household_id") else None
        members = int(fields.get("members") or 0)
    except ValueError:
        return building_page(request, building_id, error="人口须为整数", values=fields)
    try:
        with st.db.unit_of_work() as session:
            save_household(
                session,
                actor=actor,
                building_id=building_id,
                household_id=household_id,
                room=fields.get("room", ""),
                head_name=fields.get("head_name"),
                head_phone=fields.get("head_phone"),
                members=members,
                is_active=fields.get("is_active", "1") == "1",
            )
    except Forbidden:
        raise
    except MinyiError as exc:
        return building_page(request, building_id, error=_say(exc), values=fields)
    return redirect(f"/console/grassroots/buildings/{building_id}?saved=1#households")
