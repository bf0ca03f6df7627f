"""The demo district's joint meetings, made through the services at the end of its history: a
district meeting held three days ago that decided its hardest cases (tasks with clocks in the
units' to-do lists), and a street meeting planned for the day after tomorrow."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.meetings.models import Meeting
from minyi.meetings.queries import candidates
from minyi.meetings.service import TaskSpec, add_to_agenda, plan_meeting, record_decision
from minyi.org.models import Unit
from minyi.org.service import actor_for_username

DECISIONS = (
    "由{lead}牵头，{street}配合，一周内约见当事群众，摸清诉求，拿出化解方案并报区信联办。",
    "由{lead}牵头，会同{street}联合调查，十日内依法依规作出处理并答复群众。",
)


def _at(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.astimezone(tz).date(), time(hour), tz)


def load_meetings(db: Database, *, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    held = _at(now - timedelta(days=3), 9, tz)
    made = {"meetings": 0, "meeting_tasks": 0}
    with db.unit_of_work() as session:
        office = actor_for_username(session, "dispatcher")
        probe = Meeting(id=0, level="district", street_id=None)
        hard = candidates(session, office, probe, now=held, limit=3)
        if not hard:
            return made
        cases = {
            c.id: c
            for c in session.scalars(select(Case).where(Case.id.in_([h.case_id for h in hard])))
        }
        unit_ids = {u for c in cases.values() for u in (c.lead_unit_id, c.street_id) if u}
        units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
        members = sorted(
            {u.code for u in units.values() if u.kind in ("department", "street")} | {"DEP11"}
        )
        meeting = plan_meeting(
            session,
            actor=office,
            level="district",
            title="疑难复杂信访事项联席会议（第12次）",
            starts_at=held,
            place="区群众诉求服务中心三楼会议室",
            convener="secretary",
            units=members,
            now=held - timedelta(days=2),
        )
        made["meetings"] += 1
        for n, h in enumerate(hard):
            item = add_to_agenda(
                session,
                meeting.id,
                actor=office,
                case_id=h.case_id,
                reasons=h.reasons,
                now=held - timedelta(days=1),
            )
            if n >= len(DECISIONS):
                continue  # the last one is carried over to the next meeting
            case = cases[h.case_id]
            lead = units.get(case.lead_unit_id or 0)
            street = units.get(case.street_id or 0)
            tasks = []
            if lead is not None and lead.code in members:
                tasks.append(
                    TaskSpec(lead.code, "牵头约见当事群众并拿出化解方案", held + timedelta(days=7))
                )
            if street is not None and street.code in members:
                tasks.append(
                    TaskSpec(street.code, "配合做好群众思想疏导工作", held + timedelta(days=10))
                )
            record_decision(
                session,
                meeting.id,
                item.id,
                actor=office,
                decision=DECISIONS[n].format(
                    lead=lead.name if lead else "主办单位",
                    street=street.name if street else "属地街道",
                ),
                tasks=tasks,
                now=held + timedelta(hours=2),
            )
            made["meeting_tasks"] += len(tasks)

        street_staff = actor_for_username(session, "s01.staff")
        upcoming = plan_meeting(
            session,
            actor=street_staff,
            level="street",
            title="街道信访工作联席会议（十二月）",
            starts_at=_at(now + timedelta(days=2), 15, tz),
            place="街道办事处二楼会议室",
            convener="s01.staff",
            units=["DEP01", "DEP02", "DEP12", "S01C01", "S01C02"],
            now=now,
        )
        made["meetings"] += 1
        for h in candidates(session, street_staff, upcoming, now=now, limit=2):
            add_to_agenda(
                session,
                upcoming.id,
                actor=street_staff,
                case_id=h.case_id,
                reasons=h.reasons,
                now=now,
            )
    return made
