"""事项目录: the administrator finds a dictionary leaf by text and edits its name, default
lead unit and clock policy; each save is a new dictionary version (taxonomy.edit_leaf)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core.errors import NotFound
from minyi.org.models import Unit
from minyi.org.queries import unit_labels
from minyi.sla.service import current_policies
from minyi.taxonomy.rules import LEAD_UNIT_KINDS, POLICY_CODES
from minyi.taxonomy.service import current_version, edit_leaf, export_rows
from minyi.web.admin_forms import ADMIN, Posted, admin_form, typed_unit
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE = 50
FORM = "console/admin/leaf_form.html"


def _choices(session: Session, request: Request) -> dict[str, Any]:
    t = Translator(pick_lang(request))
    policies = current_policies(session).policies
    departments = unit_labels(session, kinds=("department",))
    return {
        "policy_options": [
            (code, policies[code].name if code in policies else code) for code in POLICY_CODES
        ],
        "kind_options": [(k, t(f"adm_lead_{k}")) for k in LEAD_UNIT_KINDS],
        "department_options": sorted(departments.values()),
    }


def _path(row: dict[str, Any]) -> str:
    return " › ".join(str(row[k]) for k in ("class", "level2", "level3", "level4"))


def _department_names(session: Session) -> dict[str, str]:
    return dict(
        session.execute(select(Unit.code, Unit.name).where(Unit.kind == "department")).all()
    )


@router.get("/console/admin/dictionary")
def leaves(
    request: Request, q: str | None = None, page: int = 1, done: str | None = None
) -> Response:
    staff(request, ADMIN)
    needle, page = (q or "").strip()[:40], max(1, min(page, 1000))
    with state_of(request).db.reading() as session:
        version = current_version(session).number
        choices = _choices(session, request)
        names = _department_names(session)
        rows = [
            r
            for r in export_rows(session)
            if not needle or needle in _path(r) or needle in names.get(r["lead_unit"], "")
        ]
    return render(
        request,
        "console/admin/leaves.html",
        rows=rows[(page - 1) * PAGE : page * PAGE],
        total=len(rows),
        page=page,
        more=len(rows) > page * PAGE,
        q=needle,
        version=version,
        policies=dict(choices["policy_options"]),
        kinds=dict(choices["kind_options"]),
        departments=names,
        path_of=_path,
        done=done,
    )


def _leaf(session: Session, code: str) -> dict[str, Any]:
    row = next((r for r in export_rows(session) if r["code"] == code), None)
    if row is None:
        raise NotFound("unknown_category", "事项目录中没有这一项")
    return row


@router.get("/console/admin/dictionary/{code}")
def leaf_page(request: Request, code: str) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        row = _leaf(session, code)
        names = _department_names(session)
        values = {
            "level4": row["level4"],
            "lead_unit_kind": row["lead_unit_kind"],
            "policy": row["policy"],
            "lead_unit": names.get(row["lead_unit"], ""),
            "version": str(current_version(session).number),
        }
        return render(
            request,
            FORM,
            leaf=row,
            leaf_path=_path(row),
            values=values,
            **_choices(session, request),
        )


@router.post("/console/admin/dictionary/{code}")
def save_leaf(request: Request, form: PostedForm, code: str) -> Response:
    def load(session: Session, _: dict[str, str]) -> dict[str, Any]:
        row = _leaf(session, code)
        return {
            "leaf": row,
            "leaf_path": _path(row),
            **_choices(session, request),
            "departments": unit_labels(session, kinds=("department",)),
        }

    def save(session: Session, posted: Posted) -> str:
        values = posted.values
        lead_unit_id = typed_unit(
            posted.context["departments"],
            values.get("lead_unit", ""),
            code="bad_lead_unit",
            message="请从列表中选择默认承办部门（可输入名称筛选）",
            field="lead_unit",
        )
        expected = int(values["version"]) if values.get("version", "").isdigit() else 0
        version = edit_leaf(
            session,
            code,
            level4=values.get("level4", ""),
            lead_unit_kind=values.get("lead_unit_kind", ""),
            lead_unit_id=lead_unit_id,
            policy=values.get("policy", ""),
            expected_version=expected,
            by=posted.actor.username,
            now=posted.now,
        )
        return f"/console/admin/dictionary?done={version.number}&q={quote(values.get('level4', '')[:20])}"

    return admin_form(request, form, FORM, load=load, save=save, clear_refs=True)
