"""时限标准 and 提级规则 in forms: each milestone's limit and calendar, each rule's threshold and
level, saved as a new version the way an import is (sla.policy_edits, escalation.rule_edits)."""

from __future__ import annotations

import re
from typing import Any, TypedDict

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core import safe_yaml
from minyi.escalation.rule_edits import RuleChange, edit_rules, simple_threshold
from minyi.escalation.rules import Level
from minyi.escalation.service import current_rules, rules_text
from minyi.sla.policy_edits import Limit, edit_limits, policies_version
from minyi.sla.service import policies_text
from minyi.web.admin_forms import ADMIN, Posted, admin_form
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
POLICIES = "console/admin/policies.html"
RULES = "console/admin/escalation.html"
CALENDARS = ("natural", "workdays", "workhours")
UNITS = ("m", "h", "d")
DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|h|d)$")
OP_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def _policy_rows(session: Session) -> list[dict[str, Any]]:
    doc: Any = safe_yaml.load(policies_text(session))
    rows = []
    for code, policy in doc["policies"].items():
        for m in policy["milestones"]:
            found = DURATION.match(str(m["duration"]).strip())
            amount, unit = (str(int(float(found.group(1)))), found.group(2)) if found else ("", "d")
            rows.append(
                {
                    "key": f"{code}:{m['code']}",
                    "policy": policy["name"],
                    "name": m["name"],
                    "amount": amount,
                    "unit": unit,
                    "calendar": m.get("calendar", "natural"),
                    "warn": str(round(float(m.get("warn_at", 0.8)) * 100)),
                }
            )
    return rows


def _policy_values(rows: list[dict[str, Any]], version: int) -> dict[str, str]:
    values = {"version": str(version)}
    for r in rows:
        for part in ("amount", "unit", "calendar", "warn"):
            values[f"{part}:{r['key']}"] = r[part]
    return values


@router.get("/console/admin/policies")
def policies(request: Request, done: str | None = None) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        rows, version = _policy_rows(session), policies_version(session)
    return render(
        request,
        POLICIES,
        rows=rows,
        values=_policy_values(rows, version),
        **_words(request),
        done=done,
    )


@router.get("/console/admin/policies/file")
def policies_file(request: Request) -> Response:
    """The policies file in force, to download, edit and import back (the import on the index)."""
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        text = policies_text(session)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="clock-policies.yaml"'},
    )


@router.post("/console/admin/policies")
def save_policies(request: Request, form: PostedForm) -> Response:
    def load(session: Session, _: dict[str, str]) -> dict[str, Any]:
        return {"rows": _policy_rows(session), **_words(request)}

    def save(session: Session, posted: Posted) -> str:
        values, limits = posted.values, {}
        for r in posted.context["rows"]:
            key = r["key"]
            policy, milestone = key.split(":", 1)
            limits[(policy, milestone)] = Limit(
                values.get(f"amount:{key}", ""),
                values.get(f"unit:{key}", ""),
                values.get(f"calendar:{key}", ""),
                values.get(f"warn:{key}", ""),
            )
        expected = int(values["version"]) if values.get("version", "").isdigit() else -1
        number = edit_limits(
            session, limits, expected_version=expected, by=posted.actor.username, now=posted.now
        )
        return f"/console/admin/policies?done={number}"

    return admin_form(request, form, POLICIES, load=load, save=save)


def _rule_rows(session: Session) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    doc: Any = safe_yaml.load(rules_text(session))
    rows = []
    for rule in doc["rules"]:
        simple = simple_threshold(rule["when"])
        rows.append(
            {
                "code": rule["code"],
                "name": rule["name"],
                "level": rule["level"],
                "fact": simple[0] if simple else "",
                "op": OP_ZH.get(simple[1], "") if simple else "",
                "threshold": str(simple[2]) if simple else None,
            }
        )
    return rows, doc


def _rule_values(rows: list[dict[str, Any]], doc: dict[str, Any], version: int) -> dict[str, str]:
    windows = doc.get("windows") or {}
    values = {
        "version": str(version),
        "petition_days": str(windows.get("petition_days", 180)),
        "cluster_days": str(windows.get("cluster_days", 30)),
        "words": "\n".join(doc.get("sensitive_words") or []),
    }
    for r in rows:
        values[f"level:{r['code']}"] = r["level"]
        if r["threshold"] is not None:
            values[f"threshold:{r['code']}"] = r["threshold"]
    return values


def _levels(request: Request) -> list[tuple[str, str]]:
    t = Translator(pick_lang(request))
    return [(lv.value, t.level(lv.value)) for lv in Level]


class _Words(TypedDict):
    """The policies page's names of calendars and duration units in the reader's language."""

    calendars: dict[str, str]
    units: dict[str, str]


def _words(request: Request) -> _Words:
    t = Translator(pick_lang(request))
    return {
        "calendars": {c: t(f"adm_cal_{c}") for c in CALENDARS},
        "units": {u: t(f"adm_du_{u}") for u in UNITS},
    }


@router.get("/console/admin/escalation")
def escalation(request: Request, done: str | None = None) -> Response:
    staff(request, ADMIN)
    with state_of(request).db.reading() as session:
        rows, doc = _rule_rows(session)
        version, _ = current_rules(session)
    return render(
        request,
        RULES,
        rows=rows,
        values=_rule_values(rows, doc, version),
        levels=_levels(request),
        done=done,
    )


@router.post("/console/admin/escalation")
def save_escalation(request: Request, form: PostedForm) -> Response:
    def load(session: Session, values: dict[str, str]) -> dict[str, Any]:
        words_typed = form.get("words")  # as typed, line breaks and all
        values["words"] = words_typed if isinstance(words_typed, str) else ""
        return {"rows": _rule_rows(session)[0], "levels": _levels(request)}

    def save(session: Session, posted: Posted) -> str:
        values = posted.values
        changes = {
            r["code"]: RuleChange(
                values.get(f"threshold:{r['code']}") if r["threshold"] is not None else None,
                values.get(f"level:{r['code']}", ""),
            )
            for r in posted.context["rows"]
        }
        expected = int(values["version"]) if values.get("version", "").isdigit() else -1
        number = edit_rules(
            session,
            changes,
            petition_days=values.get("petition_days", ""),
            cluster_days=values.get("cluster_days", ""),
            words=values["words"].splitlines(),
            expected_version=expected,
            actor=posted.actor,
            now=posted.now,
        )
        return f"/console/admin/escalation?done={number}"

    return admin_form(request, form, RULES, load=load, save=save)
