"""Class governance (办结一件、化解一类、治理一片): from one case, find the similar cases across
the district, and start a sweep over every place of the same kind.

The sweep's work is an instruction (批示) written through `supervision.service.write_instruction`
on the source case, so its tasks, clocks, overdue marks and completion are the ones leaders
already track; a `Sweep` row records what the sweep covers. The tasks go to the streets the
places lie in (each street goes through its own estates; at most 20 units per instruction, and
a district has fewer streets than that) plus the source case's lead department.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from minyi.analytics.models import Sweep
from minyi.cases.models import Appeal, Case
from minyi.cases.queries import get_visible_case, shown_titles
from minyi.core.errors import Invalid
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.supervision.rules import MAX_TASK_UNITS
from minyi.supervision.service import write_instruction
from minyi.triage.models import GazetteerEntry

GAZETTEER_KINDS = ("estate", "road", "landmark")
UNIT_PLACE_KINDS = ("community", "grid")
PLACE_KINDS = (*GAZETTEER_KINDS, *UNIT_PLACE_KINDS)
PLACE_KIND_ZH = {
    "estate": "小区",
    "road": "道路",
    "landmark": "地标",
    "community": "社区",
    "grid": "网格",
}
CANDIDATES = 5000
MIN_SIMILARITY = 0.15


@dataclass(frozen=True)
class SimilarCase:
    case_id: int
    tracking_no: str
    title: str
    similarity: float
    same_category: bool
    street: str | None
    community: str | None
    registered_at: datetime


def find_similar_cases(
    session: Session, case_id: int, *, actor: Actor, days: int = 365, limit: int = 50
) -> list[SimilarCase]:
    """Cases of the last `days` days anywhere in the district on the same matter: the same
    dictionary leaf, or the same class with text that shares enough character bigrams
    (TF-IDF cosine ≥ 0.15); best first."""
    if not 1 <= days <= 3660 or not 1 <= limit <= 500:
        raise Invalid("bad_range", "days is 1 to 3660 and limit 1 to 500", field="days")
    source = get_visible_case(session, case_id, actor)
    appeal = session.get(Appeal, source.appeal_id)
    assert appeal is not None
    since = source.registered_at - timedelta(days=days)
    matter = (
        Case.category_id == source.category_id
        if source.category_id is not None
        else Case.class_name == source.class_name
        if source.class_name is not None
        else Case.id.is_not(None)
    )
    street, community = aliased(Unit), aliased(Unit)
    rows = session.execute(
        select(
            Case.id,
            Case.tracking_no,
            Appeal.title,
            func.substr(Appeal.body, 1, 120),
            Case.category_id,
            street.name,
            community.name,
            Case.registered_at,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(street, street.id == Case.street_id)
        .outerjoin(community, community.id == Case.community_id)
        .where(Case.id != source.id, Case.registered_at >= since, matter)
        .order_by(Case.registered_at.desc())
        .limit(CANDIDATES)
    ).all()
    if not rows:
        return []
    texts = [f"{appeal.title} {appeal.body[:120]}", *(f"{r[2]} {r[3] or ''}" for r in rows)]
    # Imported here: scikit-learn costs every process a CPU second at start (hotspots.py).
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).fit_transform(texts)
    sims = np.asarray((x[1:] @ x[0].T).todense()).ravel()
    found = []
    for row, sim in zip(rows, sims.tolist(), strict=True):
        same = source.category_id is not None and row[4] == source.category_id
        if sim < MIN_SIMILARITY and not (same and sim > 0):
            continue
        found.append(
            SimilarCase(
                case_id=row[0],
                tracking_no=row[1],
                title=row[2],
                similarity=round(sim, 3),
                same_category=same,
                street=row[5],
                community=row[6],
                registered_at=row[7],
            )
        )
    found.sort(key=lambda s: (-s.similarity, -s.case_id))
    found = found[:limit]
    # Titles as the reader may read each case (the privacy policy), not as the citizen wrote them.
    titles = shown_titles(session, actor, [s.case_id for s in found])
    return [replace(s, title=titles.get(s.case_id, "")) for s in found]


@dataclass(frozen=True)
class Place:
    name: str
    unit_id: int  # the community or grid it lies in (or is)


def places_of_kind(session: Session, kind: str, name_contains: str | None = None) -> list[Place]:
    """Every place of the kind: gazetteer estates, roads or landmarks, or the communities or
    grids of the registry; `name_contains` narrows them (e.g. 老旧, 新村)."""
    if kind not in PLACE_KINDS:
        raise Invalid(
            "bad_place_kind", f"place kind is one of {', '.join(PLACE_KINDS)}", field="place_kind"
        )
    needle = (name_contains or "").strip()
    if kind in GAZETTEER_KINDS:
        stmt = select(GazetteerEntry.name, GazetteerEntry.unit_id).where(
            GazetteerEntry.kind == kind
        )
        if needle:
            stmt = stmt.where(GazetteerEntry.name.contains(needle, autoescape=True))
        stmt = stmt.order_by(GazetteerEntry.name)
    else:
        stmt = select(Unit.name, Unit.id).where(Unit.kind == kind, Unit.is_active.is_(True))
        if needle:
            stmt = stmt.where(Unit.name.contains(needle, autoescape=True))
        stmt = stmt.order_by(Unit.code)
    return [Place(name, unit_id) for name, unit_id in session.execute(stmt)]


def create_sweep(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    place_kind: str,
    text: str,
    name_contains: str | None = None,
    within_days: int = 30,
    similar_days: int = 365,
    now: datetime,
) -> Sweep:
    """A leader starts a sweep from a case: one instruction with a task per street holding a
    place of the kind (and for the case's lead department), and the sweep's record."""
    if not text or not text.strip():
        raise Invalid("text_required", "say what the sweep must do", field="text")
    if not 1 <= within_days <= 366:
        raise Invalid("bad_deadline", "within_days is 1 to 366", field="within_days")
    source = get_visible_case(session, case_id, actor)
    places = places_of_kind(session, place_kind, name_contains)
    if not places:
        raise Invalid(
            "no_places",
            f"no {place_kind} places{' named *' + name_contains + '*' if name_contains else ''} to sweep",
            field="place_kind",
        )
    similar = find_similar_cases(session, case_id, actor=actor, days=similar_days, limit=200)
    units = {
        u.id: u
        for u in session.scalars(select(Unit).where(Unit.id.in_({p.unit_id for p in places})))
    }
    streets = sorted({u.path.split("/")[1] for u in units.values() if u.path.count("/") >= 2})
    codes = list(streets)
    lead = session.get(Unit, source.lead_unit_id) if source.lead_unit_id is not None else None
    if lead is not None and lead.kind == "department" and lead.code not in codes:
        codes.append(lead.code)
    if not codes:
        raise Invalid(
            "no_units",
            "the places lie in no street that could be given the work",
            field="place_kind",
        )
    if len(codes) > MAX_TASK_UNITS:
        raise Invalid(
            "too_many_units",
            f"the places span more than {MAX_TASK_UNITS} units; narrow them",
            field="name_contains",
        )
    kind_zh = PLACE_KIND_ZH[place_kind]
    listed = "、".join(p.name for p in places[:30]) + ("等" if len(places) > 30 else "")
    body = (
        f"【办结一件、化解一类】{text.strip()}\n"
        f"源案件：{source.tracking_no}；近{similar_days}天同类案件{len(similar)}件。\n"
        f"排查范围：{kind_zh}{'（含“' + name_contains + '”）' if name_contains else ''}共{len(places)}处：{listed}。"
    )
    instruction = write_instruction(
        session,
        actor=actor,
        text=body,
        units=codes,
        within_days=within_days,
        case_id=source.id,
        now=now,
    )
    sweep = Sweep(
        source_case_id=source.id,
        instruction_id=instruction.id,
        place_kind=place_kind,
        place_filter=(name_contains or "").strip() or None,
        similar_case_ids=[s.case_id for s in similar],
        places=[
            {"name": p.name, "unit": units[p.unit_id].code} for p in places if p.unit_id in units
        ],
        created_by_id=actor.staff_id,
        created_at=now,
    )
    session.add(sweep)
    session.flush()
    return sweep
