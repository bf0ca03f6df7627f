from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Response, UploadFile
from sqlalchemy import select

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Forbidden, Invalid
from minyi.intake.models import Channel
from minyi.intake.schemas import ChannelOut
from minyi.org.models import Unit
from minyi.org.rules import Actor, Role
from minyi.org.schemas import OrgImportOut, UnitOut
from minyi.org.service import export_org, import_org, org_from_csv, org_to_csv, parse_org_yaml
from minyi.taxonomy.schemas import DictionaryImportOut, DictionaryLeafOut
from minyi.taxonomy.service import export_rows, import_dictionary, read_table

router = APIRouter(prefix="/api/v1", tags=["organisation"], route_class=ApiRoute)


def require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(
            "admin_only", "only an administrator may change the organisation or the dictionary"
        )


@router.get(
    "/units",
    summary="Units, optionally of one kind or under one parent",
    response_model=list[UnitOut],
    responses=refusals(),
)
def units(
    actor: CurrentActor,
    session: ReadSession,
    kind: str | None = None,
    parent: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Unit).order_by(Unit.path)
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if parent:
        parent_unit = session.scalar(select(Unit).where(Unit.code == parent))
        if parent_unit is None:
            raise Invalid("unknown_unit", f"no unit '{parent}'", field="parent")
        stmt = stmt.where(Unit.parent_id == parent_unit.id)
    return [
        {"code": u.code, "name": u.name, "kind": u.kind, "path": u.path}
        for u in session.scalars(stmt)
    ]


@router.get(
    "/channels",
    summary="Intake channels (public: the citizen form lists them)",
    response_model=list[ChannelOut],
    responses=refusals(public=True),
)
def channels(session: ReadSession) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "kind": c.kind, "name": c.name, "allows_anonymous": c.allows_anonymous}
        for c in session.scalars(
            select(Channel).where(Channel.is_active.is_(True)).order_by(Channel.id)
        )
    ]


@router.get(
    "/org/export",
    summary="Units, staff and leaders' areas as YAML, or one CSV table",
    response_class=Response,
    responses={
        200: {
            "content": {"application/yaml": {}, "text/csv": {}},
            "description": "the YAML bundle or one CSV table",
        },
        **refusals(),
    },
)
def org_export(
    actor: CurrentActor,
    session: ReadSession,
    format: Annotated[str, Query(pattern="^(yaml|units.csv|staff.csv)$")] = "yaml",
) -> Response:
    require_admin(actor)
    bundle = export_org(session)
    if format == "yaml":
        return Response(
            yaml.safe_dump(bundle, allow_unicode=True, sort_keys=False),
            media_type="application/yaml",
        )
    return Response(org_to_csv(bundle, format.split(".")[0]), media_type="text/csv; charset=utf-8")


# Plain `def` (threadpool): parsing and the write block; the upload is already spooled.
@router.post(
    "/org/import",
    summary="Create or update units and staff from YAML or CSV",
    response_model=OrgImportOut,
    responses=refusals(),
)
def org_import(file: UploadFile, actor: CurrentActor, state: State) -> dict[str, Any]:
    require_admin(actor)
    text = file.file.read().decode("utf-8-sig", errors="strict")
    name = (file.filename or "").lower()
    bundle = org_from_csv(text) if name.endswith(".csv") else parse_org_yaml(text)
    with state.db.unit_of_work() as session:
        result = import_org(session, bundle, password_hash=None)
    state.refs.clear()
    return result


@router.get(
    "/dictionary",
    summary="The current event dictionary's leaves",
    response_model=list[DictionaryLeafOut],
    responses=refusals(404, public=True),
)
def dictionary(
    session: ReadSession, class_name: Annotated[str | None, Query(alias="class")] = None
) -> list[dict[str, Any]]:
    rows = export_rows(session)
    return [r for r in rows if not class_name or r["class"] == class_name]


@router.post(
    "/dictionary/import",
    summary="Import a new dictionary version from CSV or Excel",
    response_model=DictionaryImportOut,
    responses=refusals(),
)
def dictionary_import(file: UploadFile, actor: CurrentActor, state: State) -> dict[str, Any]:
    require_admin(actor)
    suffix = Path(file.filename or "x.csv").suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(file.file.read())
        tmp.flush()
        rows = read_table(Path(tmp.name))
    with state.db.unit_of_work() as session:
        version = import_dictionary(
            session, rows, source=file.filename or "upload", now=state.clock.now()
        )
        result = {"version": version.number, "leaves": len(rows)}
    state.refs.clear()
    return result
