"""领导批示办理: the instructions leaders wrote on earlier reports' items and the state of each
task (open, overdue, done, done late), and the district's instruction figures for the day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, or_, select

from minyi.reports.context import ReportContext
from minyi.reports.models import ReportIssue
from minyi.reports.rules import REF_PREFIX, parse_item_ref
from minyi.supervision.models import Instruction, InstructionTask
from minyi.supervision.queries import describe_instructions

KEY = "instructions"
TITLE = "领导批示办理情况"
LIMIT = 20
RECENT = timedelta(days=30)


def build(ctx: ReportContext) -> dict[str, Any]:
    s, now = ctx.session, ctx.now
    open_task = (
        select(InstructionTask.id)
        .where(InstructionTask.instruction_id == Instruction.id, InstructionTask.status == "open")
        .exists()
    )
    on_items = list(
        s.scalars(
            select(Instruction)
            .where(Instruction.subject_ref.like(f"{REF_PREFIX}%"), Instruction.created_at <= now)
            .where(or_(open_task, Instruction.created_at >= ctx.end - RECENT))
            .order_by(Instruction.created_at.desc(), Instruction.id.desc())
            .limit(LIMIT)
        )
    )
    views = describe_instructions(s, on_items, now, actor=None)
    refs = {i.id: parse_item_ref(i.subject_ref) for i in on_items}
    issue_ids = {r[0] for r in refs.values() if r}
    issues = (
        {
            iid: (number, snapshot.get("items", {}))
            for iid, number, snapshot in s.execute(
                select(ReportIssue.id, ReportIssue.number, ReportIssue.snapshot).where(
                    ReportIssue.id.in_(issue_ids)
                )
            )
        }
        if issue_ids
        else {}
    )
    rows: list[dict[str, Any]] = []
    for instruction, view in zip(on_items, views, strict=True):
        ref = refs[instruction.id]
        number, items = issues.get(ref[0], (None, {})) if ref else (None, {})
        author = view["author"] or {}
        rows.append(
            {
                "key": f"instruction:{instruction.id}",
                "id": instruction.id,
                "issue_number": number,
                "item_key": ref[1] if ref else None,
                "item_label": items.get(ref[1], ref[1]) if ref else instruction.subject_ref,
                "author": author.get("name") or author.get("username") or "",
                "author_title": author.get("title") or "",
                "text": instruction.text,
                "created_at": instruction.created_at.isoformat(),
                "tasks": [
                    {
                        "unit": t["unit_name"],
                        "state": t["state"],
                        "state_label": t["state_label"],
                        "deadline": t["deadline"].isoformat(),
                        "result": t["result"],
                    }
                    for t in view["tasks"]
                ],
            }
        )
    written = s.scalar(
        select(func.count()).where(
            Instruction.created_at >= ctx.start, Instruction.created_at < ctx.end
        )
    )
    done_day = s.scalar(
        select(func.count()).where(
            InstructionTask.done_at >= ctx.start, InstructionTask.done_at < ctx.end
        )
    )
    open_tasks, overdue_tasks = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((InstructionTask.is_overdue.is_(True), 1), else_=0)), 0),
        ).where(InstructionTask.status == "open")
    ).one()
    return {
        "figures": {
            "written_day": int(written or 0),
            "done_day": int(done_day or 0),
            "open": int(open_tasks or 0),
            "overdue": int(overdue_tasks or 0),
        },
        "instructions": rows,
        "items": [{"key": r["key"], "label": f"批示：{r['text'][:30]}"} for r in rows],
    }
