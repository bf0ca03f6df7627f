"""典型案例: the day's cases most worth a leader's eye, each in one line: key and escalated cases,
crowd matters and repeats, and the ones closed on the day that the citizen was unhappy with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, select

from minyi.cases.models import Appeal, Case
from minyi.escalation.models import CaseEscalation
from minyi.privacy.rules import mask_text
from minyi.reports.context import ReportContext
from minyi.reports.rules import CROWD_SIZE, NOTABLE_LIMIT, one_line
from minyi.reports.sections._common import case_item, merge_near_same

KEY = "notable"
TITLE = "典型案例摘要"


def _score(is_key: bool, crowd: int | None, escalated: bool, bounces: int, unhappy: bool) -> int:
    return (
        3 * is_key
        + 3 * escalated
        + 2 * (crowd is not None and crowd >= CROWD_SIZE)
        + min(bounces, 2)
        + 3 * unhappy
    )


def build(ctx: ReportContext) -> dict[str, Any]:
    s = ctx.session
    registered = (Case.registered_at >= ctx.start) & (Case.registered_at < ctx.end)
    closed_unhappy = (
        (Case.closed_at >= ctx.start) & (Case.closed_at < ctx.end) & (Case.rating == "unsatisfied")
    )
    columns = (
        Case.id,
        Case.tracking_no,
        Case.status,
        Case.class_name,
        Case.street_id,
        Case.lead_unit_id,
        Case.first_unit_id,
        Case.is_key_case,
        Case.bounce_count,
        Case.rating,
        Case.closed_at,
        Appeal.crowd_size,
        Appeal.title,
        Appeal.body,
        CaseEscalation.level,
        Appeal.citizen_name,
    )

    def read(where: ColumnElement[bool]) -> list[Row[*tuple[Any, ...]]]:
        return list(
            s.execute(
                select(*columns)
                .join(Appeal, Appeal.id == Case.appeal_id)
                .outerjoin(CaseEscalation, CaseEscalation.case_id == Case.id)
                .where(where)
            )
        )

    # Two range reads rather than one OR, which SQLite would answer with a full scan.
    found = {r[0]: r for r in read(registered)} | {r[0]: r for r in read(closed_unhappy)}
    rows = list(found.values())
    scored = []
    for (
        cid,
        tracking_no,
        status,
        class_name,
        street,
        lead,
        first,
        is_key,
        bounces,
        rating,
        closed_at,
        crowd,
        title,
        body,
        level,
        name,
    ) in rows:
        unhappy = (
            rating == "unsatisfied" and closed_at is not None and ctx.start <= closed_at < ctx.end
        )
        score = _score(is_key, crowd, level is not None, bounces, unhappy)
        if score == 0:
            continue
        reasons = [
            text
            for cond, text in (
                (is_key, "重点件"),
                (level is not None, "已提级"),
                (crowd is not None and crowd >= CROWD_SIZE, f"涉及{crowd}人"),
                (bounces > 0, f"退回{bounces}次"),
                (unhappy, "群众不满意"),
            )
            if cond
        ]
        scored.append(
            (
                -score,
                cid,
                {
                    "key": f"case:{tracking_no}",
                    "case_id": cid,
                    "tracking_no": tracking_no,
                    "status": status,
                    "class_name": class_name or "",
                    "street": ctx.unit(street)[1],
                    "unit": ctx.unit(lead or first)[1],
                    # The report goes to leaders and subscribers: the policy's "masked" reading.
                    "title": mask_text(title, names=(name,)),
                    "summary": mask_text(one_line(title, body), names=(name,)),
                    "reasons": reasons,
                },
            )
        )
    scored.sort(key=lambda t: (t[0], t[1]))
    cases = merge_near_same([row for _, _, row in scored])[:NOTABLE_LIMIT]
    return {
        "cases": cases,
        "items": [case_item(c) for c in cases],
    }
