"""疑难复杂事项: cases escalated on the day, crowd matters (涉众), repeat appeals (重复诉求),
appeals with a high-severity risk flag (敏感) and key cases (重点件) registered on the day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from minyi.cases.models import Appeal, Case
from minyi.escalation.models import CaseEscalation
from minyi.escalation.rules import LEVEL_ZH
from minyi.privacy.rules import mask_text
from minyi.reports.context import ReportContext
from minyi.reports.rules import CROWD_SIZE, one_line
from minyi.reports.sections._common import case_item, merge_near_same
from minyi.triage.models import AppealLink
from minyi.triage.risk.flags import flag_risks
from minyi.triage.risk.versions import current_lexicon

KEY = "difficult"
TITLE = "疑难复杂事项"
# The page lists the heaviest few; the counts above them cover every case.
LIMIT = 12
TAGS = {
    "escalated": "提级",
    "crowd": "涉众",
    "repeat": "重复",
    "sensitive": "敏感",
    "key": "重点件",
}
# The order a leader reads them in: the heaviest tags first.
TAG_WEIGHT = {"escalated": 5, "sensitive": 4, "crowd": 3, "key": 2, "repeat": 1}


def build(ctx: ReportContext) -> dict[str, Any]:
    s, day = ctx.session, (Case.registered_at >= ctx.start) & (Case.registered_at < ctx.end)
    tags: dict[int, dict[str, str]] = {}

    def tag(case_id: int, name: str, note: str) -> None:
        tags.setdefault(case_id, {})[name] = note

    for case_id, level in s.execute(
        select(CaseEscalation.case_id, CaseEscalation.level).where(
            CaseEscalation.lifted_at >= ctx.start, CaseEscalation.lifted_at < ctx.end
        )
    ):
        tag(case_id, "escalated", f"提级至{LEVEL_ZH.get(level, level)}")
    todays = s.execute(
        select(Case.id, Case.is_key_case, Appeal.crowd_size, Appeal.title, Appeal.body)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(day)
    ).all()
    _version, lexicon = current_lexicon(s)
    for case_id, is_key, crowd, title, body in todays:
        if is_key:
            tag(case_id, "key", "列为重点件")
        if crowd is not None and crowd >= CROWD_SIZE:
            tag(case_id, "crowd", f"涉及{crowd}人")
        high = [
            f
            for f in flag_risks(f"{title}\n{body}", lexicon, on=ctx.period.day)
            if f.severity == "high"
        ]
        if high:
            tag(case_id, "sensitive", "、".join(sorted({f"{f.label}“{f.term}”" for f in high})))
    links = s.execute(
        select(Case.id, AppealLink.kind, AppealLink.cluster_id)
        .join(AppealLink, AppealLink.appeal_id == Case.appeal_id)
        .where(day, AppealLink.kind.in_(("repeat", "crowd")))
    )
    for case_id, kind, cluster in links:
        if kind == "repeat":
            tag(case_id, "repeat", "同一诉求人再次反映")
        elif "crowd" not in tags.get(case_id, {}):
            tag(case_id, "crowd", f"多人反映同一事项（群组{cluster}）")

    counts = {name: sum(name in t for t in tags.values()) for name in TAGS}
    ranked = sorted(tags, key=lambda cid: (-sum(TAG_WEIGHT[t] for t in tags[cid]), cid))[:LIMIT]
    rows = []
    if ranked:
        found = s.execute(
            select(
                Case.id,
                Case.tracking_no,
                Case.status,
                Case.street_id,
                Case.lead_unit_id,
                Case.first_unit_id,
                Appeal.title,
                Appeal.body,
                Appeal.citizen_name,
            )
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(Case.id.in_(ranked))
        )
        by_id = {row[0]: row for row in found}
        for cid in ranked:
            _, tracking_no, status, street, lead, first, title, body, name = by_id[cid]
            # The report goes to leaders and subscribers: the policy's "masked" reading of text.
            names = (name,)
            rows.append(
                {
                    "key": f"case:{tracking_no}",
                    "case_id": cid,
                    "tracking_no": tracking_no,
                    "status": status,
                    "street": ctx.unit(street)[1],
                    "unit": ctx.unit(lead or first)[1],
                    "title": mask_text(title, names=names),
                    "summary": mask_text(one_line(title, body), names=names),
                    "tags": [TAGS[t] for t in TAGS if t in tags[cid]],
                    "notes": [tags[cid][t] for t in TAGS if t in tags[cid]],
                }
            )
    rows = merge_near_same(rows)
    return {
        "counts": counts,
        "labels": TAGS,
        "total": len(tags),
        "cases": rows,
        "items": [case_item(r) for r in rows],
    }
