"""The triage panels: the suggestion on the case page (with the dispatcher's confirm and correct
forms) and the low-confidence queue on the dispatcher's board. They read and decide through
`minyi.triage.service` and `minyi.triage.queries`, the same functions the API calls.

Masking: every reader reads the suggestion through their privacy view of the case
(`cases.queries.reader_view`), as the case page and the API do: evidence spans quote the appeal
and may quote the complainant's name or phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import reader_view, visible_to
from minyi.cases.schemas import view_of
from minyi.core.errors import Invalid, NotFound
from minyi.core.registry import Registry
from minyi.org.queries import unit_choices
from minyi.org.rules import DISTRICT_WIDE, Actor
from minyi.services.rules import SERVICE_LABELS, service_of
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.taxonomy.queries import leaf_choices
from minyi.triage.queries import board, suggestion_of, suggestion_view, unit_names
from minyi.triage.rules import DECIDERS, PENDING
from minyi.triage.schemas import CorrectIn, read_signals
from minyi.triage.service import confirm, correct
from minyi.web.case_view import DISPATCH_KINDS
from minyi.web.pages import PostedForm, WebRoute, redirect, staff_form
from minyi.web.pickers import leaf_groups, unit_groups
from minyi.web.slots import CASE_PANELS, DISPATCH_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
QUEUE_SIZE = 30


def leaf_names(session: Session, codes: set[str] | None = None) -> dict[str, str]:
    """Leaf code -> "class / level3 / level4" of the current dictionary (all leaves if no codes)."""
    stmt = (
        select(DictionaryEntry)
        .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
        .where(DictionaryVersion.is_current.is_(True))
        .order_by(DictionaryEntry.code)
    )
    if codes is not None:
        codes.discard("")
        if not codes:
            return {}
        stmt = stmt.where(DictionaryEntry.code.in_(codes))
    return {
        e.code: " / ".join(p for p in (e.class_name, e.level3, e.level4) if p)
        for e in session.scalars(stmt)
    }


def _linked_cases(
    session: Session, appeal_ids: set[int], actor: Actor
) -> dict[int, tuple[int, str]]:
    """appeal id -> (case id, tracking number) of the linked appeals the reader may open."""
    if not appeal_ids:
        return {}
    rows = session.execute(
        select(Case.appeal_id, Case.id, Case.tracking_no).where(
            Case.appeal_id.in_(appeal_ids), visible_to(actor)
        )
    )
    return {a: (c, no) for a, c, no in rows}


def triage_view(session: Session, case: Case, actor: Actor) -> dict[str, Any] | None:
    """The suggestion as the panel shows it, masked for the reader; None before the worker ran."""
    try:
        _, s = suggestion_of(session, case.id, actor)
    except NotFound:
        return None
    units = {s.lead_unit or "", *(c["unit"] for c in s.co_units), *(e["unit"] for e in s.excluded)}
    units |= {v for v in s.place.values() if v}
    names = unit_names(session, units)
    view = suggestion_view(s, names)
    leaves = leaf_names(session, {s.leaf_code or "", *(t.get("leaf") or "" for t in s.top_k)})
    view["leaf_name"] = leaves.get(s.leaf_code or "")
    view["top_k"] = [{**t, "leaf_name": leaves.get(t.get("leaf") or "")} for t in s.top_k]
    view["place_names"] = [(k, names.get(v, v)) for k, v in s.place.items() if v]
    signals = read_signals(s.signals)
    crowd = signals.crowd if signals else None
    repeat_of = signals.repeat_of if signals else []
    near = signals.near_duplicates if signals else []
    linked = set(repeat_of) | {d.appeal_id for d in near} | (set(crowd.members) if crowd else set())
    linked.discard(case.appeal_id)
    cases = _linked_cases(session, linked, actor)
    view["repeats"] = [cases.get(i) for i in repeat_of]
    view["near"] = [(cases.get(d.appeal_id), d.similarity) for d in near]
    view["crowd"] = (
        {
            "size": crowd.size,
            "phones": crowd.distinct_phones,
            "cases": [cases.get(i) for i in crowd.members if i != case.appeal_id],
        }
        if crowd
        else None
    )
    view["petition_count"] = signals.petition_count if signals else None
    appeal = session.get(Appeal, case.appeal_id)
    assert appeal is not None
    view["risk_flags"] = [_with_context(f, appeal) for f in s.risk_flags]
    shown = reader_view(session, case, actor).show_any(view)
    assert isinstance(shown, dict)
    return shown


def _with_context(flag: dict[str, Any], appeal: Appeal, chars: int = 14) -> dict[str, Any]:
    """The flag with the words around its span in the text triage read (title, then body)."""
    text = "\n".join(p for p in (appeal.title, appeal.body) if p)
    start, end = flag.get("start"), flag.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return {**flag, "span": flag.get("term"), "before": "", "after": ""}
    return {
        **flag,
        "span": text[start:end],
        "before": text[max(0, start - chars) : start],
        "after": text[end : end + chars],
    }


def triage_panel(session: Session, case: Case, actor: Actor, now: datetime) -> Panel | None:
    # Suggestions are the command centre's (review._may_read): other roles see no panel at all.
    if actor.role not in DISTRICT_WIDE:
        return None
    view = triage_view(session, case, actor)
    may_decide = (
        actor.role in DECIDERS
        and view is not None
        and view["status"] not in ("confirmed", "corrected")
    )
    context: dict[str, Any] = {
        "s": view,
        # 五类服务: the service the suggested class would take (纠纷 → 纠纷调解 ...).
        "service_label": (
            SERVICE_LABELS[service_of(view.get("class_name"))]
            if view is not None and view.get("class_name")
            else None
        ),
        "may_decide": may_decide,
        "pending": case.status in PENDING,
        "version": case.version,
    }
    if may_decide:
        context["unit_groups"] = unit_groups(unit_choices(session, DISPATCH_KINDS))
        context["leaf_groups"] = leaf_groups(leaf_choices(session))
    return Panel("panels/triage.html", context)


def triage_queue_panel(session: Session, actor: Actor, now: datetime) -> Panel | None:
    if actor.role not in DISTRICT_WIDE:
        return None
    # The dashboard's queue: its first rows and the total (exact, or "1,000+").
    found = board(session, actor, page_size=QUEUE_SIZE)
    total, rows = found.total, found.rows
    names = unit_names(session, {s.lead_unit or "" for s, _, _ in rows})
    leaves = leaf_names(session, {s.leaf_code or "" for s, _, _ in rows})
    items = []
    for s, c, a in rows:
        # The queue is the command centre's; a unit handling the case is no reason to unmask here.
        title = view_of(actor, c, a, set()).show_text(a.title)
        items.append(
            {
                "case_id": c.id,
                "tracking_no": c.tracking_no,
                "case_status": c.status,
                "title": title,
                "registered_at": c.registered_at,
                "leaf": s.leaf_code,
                "leaf_name": leaves.get(s.leaf_code or ""),
                "class_name": s.class_name,
                "confidence": s.confidence,
                "threshold": s.threshold,
                "lead_unit": s.lead_unit,
                "lead_unit_name": names.get(s.lead_unit or ""),
                "excluded": [e["unit"] for e in s.excluded],
                # (category, its label from the lexicon): a Chinese page shows the label.
                "risk": sorted({(f["category"], f.get("label") or "") for f in s.risk_flags}),
                "hold_reason": s.hold_reason,
            }
        )
    return Panel("panels/triage_queue.html", {"total": total, "items": items})


def _version(fields: dict[str, str]) -> int | None:
    return int(fields["version"]) if fields.get("version", "").isdigit() else None


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in value.replace("，", ",").split(",") if c.strip())


@router.post("/console/cases/{case_id}/triage/confirm")
def confirm_suggestion(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form, DECIDERS)
    with state.db.unit_of_work() as session:
        confirm(
            session, case_id, actor=actor, now=state.clock.now(), expected_version=_version(fields)
        )
    return redirect(f"/console/cases/{case_id}?done=triage_confirmed")


@router.post("/console/cases/{case_id}/triage/correct")
def correct_suggestion(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, fields = staff_form(request, form, DECIDERS)
    try:
        # The API's body, so the form is checked as the API checks it (CorrectIn).
        fix = CorrectIn(
            # The datalist shows "code name".
            category=fields.get("category", "").split(" ", 1)[0] or None,
            lead_unit=fields.get("lead_unit") or None,
            # The picker posts one value per co-unit; a typed list of codes also works.
            co_units=list(
                _codes(",".join(v for v in form.getlist("co_units") if isinstance(v, str)))
            )
            or None,
            not_accused=[
                v for v in form.getlist("not_accused") if isinstance(v, str) and v.strip()
            ],
            reason=(fields.get("reason") or "")[:4000] or None,
        ).correction()
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        if field == "category":
            raise Invalid(
                "bad_category", "事项编码过长 (leaf code too long)", field="category"
            ) from None
        raise Invalid("invalid_form", "请检查填写的内容", field=field) from None
    with state.db.unit_of_work() as session:
        correct(
            session,
            case_id,
            fix,
            actor=actor,
            now=state.clock.now(),
            expected_version=_version(fields),
        )
    return redirect(f"/console/cases/{case_id}?done=triage_corrected")


def register(registry: Registry) -> None:
    registry.add(CASE_PANELS, "triage", triage_panel)
    registry.add(DISPATCH_PANELS, "triage_queue", triage_queue_panel)
