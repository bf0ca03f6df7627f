"""A few weeks of the demo district's life, made by the product itself: appeals come in on every
channel and go through the real services (accept, dispatch, sign, contact, reply, rating,
archive, bounces, reopenings, key cases), with the injectable clock moving through the weeks and
the worker's jobs (clocks, triage, complaint-target check, early warnings) run at each tick, so
clocks turn yellow and red and escalate as they would. Leaders hold cases and write
instructions, streets blow the whistle, the supervisor issues orders and letters, and the last
days' daily reports are issued. Nothing is inserted behind the services' back.

The shape is our own: ~`per_day` appeals a day (fewer at weekends) between 07:00 and 21:00,
channels weighted like a district's (12345 first), and a burst of one matter in one community
on the last two days, which the early warnings and the hotspots find."""

from __future__ import annotations

import copy
import heapq
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.analytics.hotspot_passes import compute_hotspots
from minyi.analytics.jobs import scan_today
from minyi.cases.hooks import case_handler_names
from minyi.cases.models import Case
from minyi.cases.rules import Action
from minyi.cases.service import act_on_case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.demo.district import build_district
from minyi.demo.markets import hold_demo_markets
from minyi.demo.meetings import load_meetings
from minyi.demo.receptions import load_receptions
from minyi.demo.services import load_service_days
from minyi.demo.texts import (
    BOUNCE_REASONS,
    CONTACT_NOTES,
    REPLY_TEXTS,
    VISIT_NOTES,
    appeal_text,
    training_set,
)
from minyi.escalation.holdings import take_case, write_plan
from minyi.escalation.models import Holding
from minyi.intake.models import Channel
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.org.service import actor_for_username
from minyi.reports.service import issue_daily_report
from minyi.sla.jobs import fire_due_clocks
from minyi.supervision.letters import issue_letter
from minyi.supervision.models import InstructionTask
from minyi.supervision.rules import LetterKind, SuggestionRight
from minyi.supervision.service import complete_task, issue_order, respond_order, write_instruction
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.triage.classifier.model import Classifier
from minyi.triage.classifier.registry import store_classifier
from minyi.triage.classifier.training import train_classifier
from minyi.triage.jobs import check_accused_job, triage_pending
from minyi.whistle.service import act_on_summons, blow_whistle, report_in

log = logging.getLogger(__name__)

CHANNEL_WEIGHTS = {
    "hotline": 50,
    "mailbox": 8,
    "walk_in": 8,
    "letter": 4,
    "grid": 10,
    "market": 4,
    "miniprogram": 10,
    "api": 3,
    "import": 3,
}
# Local hours at which the worker's jobs run and the day's actions are taken.
TICK_HOURS = (8, 11, 14, 16, 21)
ALERT_HOURS = (14, 21)  # the early-warning scan (the worker's runs every 15 minutes)
REPORT_DAYS = 2  # the last days whose daily report is issued (each renders a PDF: 2-3 s)
BURST_MATTER = "夜间施工噪声"
DEMO_LEAVES = 30  # matters the demo's appeals are about, spread over the dictionary
Step = tuple[str, str, dict[str, Any]]  # (action, username, payload)


@dataclass
class _Refs:
    channels: dict[str, list[str]]  # kind -> channel codes
    leaves: list[DictionaryEntry]
    unit_code: dict[int, str]
    communities: list[tuple[str, str, str]]  # (code, name, street code)
    departments: list[str]
    leader_of_street: dict[str, str]

    @property
    def matters(self) -> list[DictionaryEntry]:
        step = max(1, len(self.leaves) // DEMO_LEAVES)
        chosen = self.leaves[::step][:DEMO_LEAVES]
        return chosen + [e for e in self.leaves if e.level4 == BURST_MATTER and e not in chosen]


@dataclass(frozen=True)
class _Item:
    at: datetime
    appeal: AppealIn
    who: str | None  # the registering staff member; None: the citizen on a public channel
    lead: str
    street: str


@dataclass
class _Plan:
    """What happens to one case: steps with the delay (hours) after the previous step."""

    steps: list[tuple[float, Step]] = field(default_factory=list)

    def then(self, hours: float, action: str, who: str, **payload: Any) -> _Plan:
        self.steps.append((hours, (action, who, payload)))
        return self


def _handler(code: str) -> str:
    """The account that works a case for a unit: a department's handler, a street's or a
    community's staff member."""
    return f"{code.lower()}.handler" if code.startswith("DEP") else f"{code.lower()}.staff"


def _refs(session: Session) -> _Refs:
    channels: dict[str, list[str]] = {}
    for c in session.scalars(
        select(Channel).where(Channel.is_active.is_(True)).order_by(Channel.code)
    ):
        channels.setdefault(c.kind, []).append(c.code)
    version = session.scalar(
        select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
    )
    leaves = list(
        session.scalars(
            select(DictionaryEntry)
            .where(DictionaryEntry.version_id == version)
            .order_by(DictionaryEntry.code)
        )
    )
    units = list(session.scalars(select(Unit)))
    code = {u.id: u.code for u in units}
    communities = [(u.code, u.name, code[u.parent_id or 0]) for u in units if u.kind == "community"]
    departments = sorted(
        u.code for u in units if u.kind == "department" and u.code.startswith("DEP0")
    )
    leader_of_street: dict[str, str] = {}
    for person in build_district()["staff"]:
        if person["role"] == "leader":
            for area in person["areas"]:
                leader_of_street.setdefault(area, person["username"])
    return _Refs(channels, leaves, code, sorted(communities), departments, leader_of_street)


def _lead_of(refs: _Refs, leaf: DictionaryEntry, community: str, street: str) -> str:
    if leaf.lead_unit_id is not None:
        return refs.unit_code[leaf.lead_unit_id]
    return community if leaf.lead_unit_kind == "community" else street


def _plan_case(rng: random.Random, lead: str, street: str) -> _Plan:
    """A case's course, drawn once at registration; later steps simply have not happened yet
    when the history ends, which leaves recent cases in every state."""
    p = _Plan().then(rng.uniform(0.2, 2), "accept", "clerk")
    if rng.random() < 0.03:
        return (
            _Plan()
            .then(
                rng.uniform(0.2, 2),
                "decline",
                "clerk",
                reason="诉求人反映的事项已通过司法途径处理，不予受理。",
            )
            .then(rng.uniform(12, 48), "archive", "dispatcher")
        )
    key = rng.random() < 0.04
    p.then(
        rng.uniform(0.3, 3),
        "dispatch",
        "dispatcher",
        lead_unit=lead,
        co_units=[street] if lead != street and rng.random() < 0.15 else [],
    )
    if key:
        p.then(0.5, "mark_key", "dispatcher", reason="涉及群众切身利益，列为重点件跟踪办理。")
    if rng.random() < 0.07:  # the unit does nothing: the clocks turn red and escalate
        return p
    p.then(rng.uniform(0.5, 16), "sign_for", _handler(lead))
    if rng.random() < 0.06 and lead != street:
        p.then(rng.uniform(1, 8), "bounce", _handler(lead), reason=rng.choice(BOUNCE_REASONS))
        p.then(rng.uniform(0.5, 4), "approve_bounce", "dispatcher")
        lead = street
        p.then(rng.uniform(0.2, 2), "dispatch", "dispatcher", lead_unit=lead, co_units=[])
        p.then(rng.uniform(0.5, 8), "sign_for", _handler(lead))
    if rng.random() < 0.05:
        return p  # signed for, then stalled
    p.then(
        rng.uniform(1, 24),
        "record_contact",
        _handler(lead),
        note=rng.choice(CONTACT_NOTES),
        method="phone",
    )
    if key:
        p.then(
            1,
            "record_contact",
            _handler(lead),
            note="已添加诉求人微信，便于随时沟通。",
            method="wechat",
        )
        p.then(rng.uniform(2, 24), "record_visit", _handler(lead), note=rng.choice(VISIT_NOTES))
    p.then(rng.uniform(12, 96), "reply", _handler(lead), text=rng.choice(REPLY_TEXTS))
    if rng.random() < 0.06:  # 不满意: the case reopens at once and goes round again
        p.then(
            rng.uniform(6, 48),
            "feedback",
            "clerk",
            rating="unsatisfied",
            comment="问题没有真正解决。",
        )
        p.then(rng.uniform(1, 12), "sign_for", _handler(lead))
        p.then(
            rng.uniform(6, 48), "reply", _handler(lead), text="重新办理：" + rng.choice(REPLY_TEXTS)
        )
    rating = rng.choices(("satisfied", "basically_satisfied"), (85, 15))[0]
    p.then(rng.uniform(6, 48), "feedback", "clerk", rating=rating)
    p.then(rng.uniform(24, 96), "archive", "dispatcher")
    return p


class _Actors:
    def __init__(self) -> None:
        self._cache: dict[str, Actor] = {}

    def __call__(self, session: Session, username: str) -> Actor:
        if username not in self._cache:
            self._cache[username] = actor_for_username(session, username)
        return self._cache[username]


@dataclass
class _History:
    db: Database
    clock: ManualClock
    tz: ZoneInfo
    data_dir: Path
    rng: random.Random
    refs: _Refs
    actors: _Actors = field(default_factory=_Actors)
    queue: list[tuple[datetime, int, int, int]] = field(
        default_factory=list
    )  # (at, seq, case, step)
    plans: dict[int, list[tuple[float, Step]]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    seq: int = 0
    end: datetime = datetime.max.replace(tzinfo=ZoneInfo("UTC"))  # noqa: RUF009 - a constant, computed once
    ref_cache: RefCache = field(default_factory=RefCache)
    taken_up: set[int] = field(default_factory=set)

    @property
    def end_day(self) -> date:
        return self.end.astimezone(self.tz).date()

    def at(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time(), self.tz) + timedelta(hours=hour)

    def schedule(self, case_id: int, step: int, after: datetime) -> None:
        plan = self.plans[case_id]
        if step < len(plan):
            self.seq += 1
            heapq.heappush(
                self.queue, (after + timedelta(hours=plan[step][0]), self.seq, case_id, step)
            )

    # --- intake -------------------------------------------------------------------------
    def day_items(self, day: date, count: int, burst: bool) -> list[_Item]:
        """The day's appeals, in the order they arrive: the burst (when asked) is a dozen
        calls about one matter in one community."""
        rng, refs = self.rng, self.refs
        items: list[_Item] = []
        burst_leaf = next(e for e in refs.leaves if e.level4 == BURST_MATTER)
        burst_place = refs.communities[7]
        kinds = [k for k in CHANNEL_WEIGHTS if k in refs.channels]
        for n in range(count + (12 if burst else 0)):
            in_burst = n >= count
            community, name, street = burst_place if in_burst else rng.choice(refs.communities)
            leaf = burst_leaf if in_burst else rng.choice(refs.matters)
            kind = (
                "hotline"
                if in_burst
                else rng.choices(kinds, [CHANNEL_WEIGHTS[k] for k in kinds])[0]
            )
            title, body = appeal_text(rng, matter=leaf.level4, group=leaf.level3, community=name)
            who = {
                "mailbox": None,
                "miniprogram": None,
                "grid": f"{community.lower()}g01.staff",
                "market": f"{street.lower()}.staff",
            }.get(kind, "clerk")
            fields: dict[str, Any] = {
                "channel": rng.choice(refs.channels[kind]),
                "title": title,
                "body": body,
                "phone": f"139{rng.randrange(10**8):08d}",
                "community": community,
                "external_id": f"demo-{day:%Y%m%d}-{n}" if kind in ("api", "import") else None,
            }
            if kind == "walk_in" and rng.random() < 0.2:
                fields["crowd_size"] = rng.randint(5, 30)
            if who is not None or rng.random() < 0.5:
                fields["category"] = leaf.code  # the clerk files it; the rest wait for triage
            at = self.at(day, rng.uniform(7, 21))
            if day == self.end_day:  # today's appeals all came in before now, some just now
                at = self.end - timedelta(hours=rng.uniform(0.05, 8))
            items.append(
                _Item(
                    at,
                    AppealIn.model_validate(fields),
                    who,
                    _lead_of(refs, leaf, community, street),
                    street,
                )
            )
        return sorted(items, key=lambda i: i.at)

    def register(self, items: list[_Item]) -> None:
        if not items:
            return
        ids = IdAllocator(self.db, "appeals", block=len(items)).take(len(items))
        with self.db.unit_of_work() as session:
            for item, appeal_id in zip(items, ids, strict=True):
                self.move_to(item.at)
                actor = self.actors(session, item.who) if item.who else None
                [result] = register_appeals(
                    session,
                    [item.appeal],
                    actors=[actor],
                    ids=[appeal_id],
                    refs=self.ref_cache,
                    now=self.clock.now(),
                    tz=self.tz,
                )
                if isinstance(result, MinyiError):
                    self.refused.append(f"register: {result.message}")
                    continue
                self.counts["appeals"] += 1
                self.plans[result.id] = _plan_case(self.rng, item.lead, item.street).steps
                self.schedule(result.id, 0, item.at)

    def move_to(self, at: datetime) -> None:
        """The one clock moves forward only."""
        if at > self.clock.now():
            self.clock.advance(at - self.clock.now())

    # --- the day's work -----------------------------------------------------------------
    def act_until(self, until: datetime) -> None:
        with self.db.unit_of_work() as session:
            while self.queue and self.queue[0][0] <= until:
                at, _, case_id, step = heapq.heappop(self.queue)
                action, who, payload = self.plans[case_id][step][1]
                self.move_to(at)
                try:
                    with session.begin_nested():
                        self._act(session, case_id, action, who, payload)
                except MinyiError as error:
                    self.refused.append(f"{action} on {case_id}: {error.message}")
                    continue
                self.counts[action] += 1
                self.schedule(case_id, step + 1, at)

    def _act(
        self, session: Session, case_id: int, action: str, who: str, payload: dict[str, Any]
    ) -> None:
        """One planned step. A reply where 答复审核 applies (the statutory policy) goes as the
        unit does it: the handler submits it and the unit's head approves it."""
        now = self.clock.now()
        try:
            with session.begin_nested():
                act_on_case(
                    session,
                    case_id,
                    Action(action),
                    actor=self.actors(session, who),
                    payload=dict(payload),
                    now=now,
                )
        except MinyiError as error:
            if action != "reply" or error.code != "reply_needs_approval":
                raise
            act_on_case(
                session,
                case_id,
                Action.SUBMIT_REPLY,
                actor=self.actors(session, who),
                payload=dict(payload),
                now=now,
            )
            head = f"{who.split('.')[0]}.head"
            act_on_case(
                session,
                case_id,
                Action.APPROVE_REPLY,
                actor=self.actors(session, head),
                payload={},
                now=now,
            )

    def run_jobs(self, *, alerts: bool) -> None:
        now = self.clock.now()
        for job in (check_accused_job, fire_due_clocks):
            with self.db.unit_of_work() as session:
                job(session, now=now)
        with self.db.unit_of_work() as session:
            triage_pending(session, now=now, data_dir=self.data_dir, auto_dispatch=False)
        if alerts:
            with self.db.unit_of_work() as session:
                self.counts["alerts"] += scan_today(session, now=now)

    # --- leaders, streets and the supervisor ----------------------------------------------
    def open_cases(self, session: Session, statuses: tuple[str, ...], limit: int) -> list[Case]:
        """The oldest open cases no leader or supervisor has taken up in this history yet."""
        found = list(
            session.scalars(
                select(Case)
                .where(
                    Case.status.in_(statuses),
                    Case.lead_unit_id.is_not(None),
                    Case.id.not_in(self.taken_up),
                )
                .order_by(Case.registered_at)
                .limit(limit)
            )
        )
        self.taken_up.update(c.id for c in found)
        return found

    def leaders_and_supervisor(self, now: datetime) -> None:
        """Once a week: leaders hold stalled cases and write instructions; streets blow the
        whistle; the supervisor orders and writes letters; units answer some of it."""
        rng, refs = self.rng, self.refs
        code = refs.unit_code
        with self.db.unit_of_work() as session:
            stalled = self.open_cases(session, ("dispatched", "signed_for"), 12)
            for case in stalled[:2]:
                self._try(session, "holding", partial(self._hold, session, case, now))
            for case in stalled[2:5]:
                self._try(session, "instruction", partial(self._instruct, session, case, now))
            for case in stalled[5:7]:
                self._try(session, "whistle", partial(self._whistle, session, case, now))
            for case in stalled[7:9]:
                self._try(session, "order", partial(self._order, session, case, now))
            if stalled[9:10]:
                case = stalled[9]
                kind = rng.choice((LetterKind.REMINDER, LetterKind.SUGGESTION))
                supervisor = self.actors(session, "supervisor")
                self._try(
                    session,
                    "letter",
                    lambda: issue_letter(
                        session,
                        actor=supervisor,
                        kind=kind,
                        subject=f"关于{case.tracking_no}号诉求办理进度的{'提醒' if kind is LetterKind.REMINDER else '建议'}",
                        body="该诉求已超过办理时限仍未办结，请抓紧办理并于三个工作日内书面反馈办理情况。",
                        addressee_unit=code[case.lead_unit_id or 0],
                        case_id=case.id,
                        suggestion_right=SuggestionRight.IMPROVE_WORK
                        if kind is LetterKind.SUGGESTION
                        else None,
                        reply_by=(now + timedelta(days=3)).astimezone(self.tz).date(),
                        now=now,
                        tz=self.tz,
                    ),
                )

    def _try(self, session: Session, what: str, fn: Callable[[], object]) -> None:
        try:
            with session.begin_nested():
                fn()
        except MinyiError as error:
            self.refused.append(f"{what}: {error.message}")
            return
        self.counts[what] += 1

    def _leader_for(self, case: Case) -> str:
        return self.refs.leader_of_street.get(self.refs.unit_code[case.street_id or 0], "secretary")

    def _hold(self, session: Session, case: Case, now: datetime) -> None:
        # The secretary holds one case a week, so the account a visitor tries first has one too.
        holders = {
            h.leader_id
            for h in session.scalars(
                select(Holding).where(Holding.taken_at >= now - timedelta(days=6))
            )
        }
        secretary = self.actors(session, "secretary")
        leader = (
            secretary
            if secretary.staff_id not in holders
            else self.actors(session, self._leader_for(case))
        )
        holding = take_case(session, case.id, actor=leader, plan=None, now=now)
        write_plan(
            session,
            holding.id,
            actor=leader,
            plan="一周内约见诉求人，协调责任单位现场办公，两周内化解。",
            now=now + timedelta(minutes=5),
        )

    def _instruct(self, session: Session, case: Case, now: datetime) -> None:
        leader = self.actors(session, self._leader_for(case))
        lead = self.refs.unit_code[case.lead_unit_id or 0]
        instruction = write_instruction(
            session,
            actor=leader,
            text="请责任单位高度重视，三日内办结并报结果。",
            units=[lead],
            within_days=3,
            case_id=case.id,
            now=now,
        )
        if self.rng.random() < 0.5:
            session.flush()
            task_id = session.scalar(
                select(InstructionTask.id).where(InstructionTask.instruction_id == instruction.id)
            )
            if task_id is not None:
                complete_task(
                    session,
                    task_id,
                    actor=self.actors(session, _handler(lead)),
                    result="已按批示要求安排专人办理，正在推进。",
                    now=now + timedelta(hours=6),
                )

    def _whistle(self, session: Session, case: Case, now: datetime) -> None:
        street = self.refs.unit_code[case.street_id or 0]
        depts = self.rng.sample(self.refs.departments[:9], 2)
        whistle = blow_whistle(
            session,
            actor=self.actors(session, f"{street.lower()}.staff"),
            description="多部门职责交叉，群众反映强烈，请相关部门到场会商处置。",
            units=depts,
            case_id=case.id,
            now=now,
            report_within_minutes=120,
        )
        responder = self.actors(session, _handler(depts[0]))
        report_in(session, whistle.id, actor=responder, now=now + timedelta(minutes=40))
        act_on_summons(
            session,
            whistle.id,
            actor=responder,
            text="已到现场会商，明确由本单位牵头整改。",
            now=now + timedelta(hours=2),
        )

    def _order(self, session: Session, case: Case, now: datetime) -> None:
        order = issue_order(
            session,
            actor=self.actors(session, "supervisor"),
            reason="超期未办结，请于两日内办结并反馈。",
            case_id=case.id,
            within_days=2,
            now=now,
        )
        if self.rng.random() < 0.5:
            lead = self.refs.unit_code[case.lead_unit_id or 0]
            respond_order(
                session,
                order.id,
                actor=self.actors(session, _handler(lead)),
                response="已加派人手，正在加紧办理。",
                now=now + timedelta(hours=4),
            )


@lru_cache(maxsize=2)
def _trained(texts: tuple[str, ...], labels: tuple[str, ...]) -> Classifier:
    """The demo's model of these texts, trained once per process: training is a pure function
    of its texts and seed (some CPU seconds), and a process that lives the demo on a second
    database (the test suite, one history per backend) gets the same model again."""
    return train_classifier(list(texts), list(labels), seed=0)


def train_demo_model(db: Database, *, data_dir: Path, now: datetime, seed: int = 2026) -> int:
    """A triage model trained on generated texts of the leaves the demo history uses."""
    with db.reading() as session:
        refs = _refs(session)
    leaves = [(e.code, e.level4, e.level3) for e in refs.matters]
    texts, labels = training_set(
        leaves, [name for _, name, _ in refs.communities], per_leaf=10, seed=seed
    )
    # A copy: storing it adds to its `info`, and the trained original is kept for the next.
    classifier = copy.deepcopy(_trained(tuple(texts), tuple(labels)))
    with db.unit_of_work() as session:
        return store_classifier(
            session, classifier, data_dir=data_dir, now=now, training={"source": "demo texts"}
        ).version


def load_history(
    db: Database,
    *,
    now: datetime,
    tz: ZoneInfo,
    data_dir: Path,
    days: int = 28,
    per_day: int = 9,
    seed: int = 2026,
) -> dict[str, int]:
    """Live `days` days up to `now` in the demo district (loaded already); returns what was done.
    The clock ends at `now`: nothing is dated in the future, and what would happen later has
    not happened yet."""
    with db.reading() as session:
        wired = case_handler_names(session)
    if not wired:
        # Unwired, actions would start no clock and escalate nothing: a history without its life.
        raise RuntimeError(
            "the database runs no handlers: give it a registry (wiring.build_registry)"
        )
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    end_day = now.astimezone(tz).date()
    start_day = end_day - timedelta(days=days)
    clock = ManualClock(datetime.combine(start_day, time(6), tz))
    with db.reading() as session:
        refs = _refs(session)
    h = _History(db, clock, tz, data_dir, rng, refs, end=now)
    h.counts["triage_model"] = train_demo_model(db, data_dir=data_dir, now=clock.now(), seed=seed)
    for offset in range(days + 1):
        day = start_day + timedelta(days=offset)
        weekend = day.weekday() >= 5
        count = max(3, int(rng.gauss(per_day * (0.6 if weekend else 1.0), 2)))
        items = h.day_items(day, count, burst=offset >= days - 1)
        for hour in TICK_HOURS:
            tick = min(h.at(day, hour), now)
            h.register([i for i in items if i.at <= tick])
            items = [i for i in items if i.at > tick]
            h.act_until(tick)
            h.move_to(tick)
            h.run_jobs(alerts=hour in ALERT_HOURS or tick >= now)
            if hour == TICK_HOURS[0] and day - timedelta(days=1) >= end_day - timedelta(
                days=REPORT_DAYS
            ):
                with db.unit_of_work() as session:
                    issue_daily_report(
                        session,
                        day=day - timedelta(days=1),
                        now=h.clock.now(),
                        tz=tz,
                        issued_by="worker",
                    )
                h.counts["daily_reports"] += 1
            if hour == 16 and (day.weekday() == 2 or offset == days - 1):
                h.leaders_and_supervisor(h.clock.now())
            if tick >= now:
                break
    # Today's hotspot pass, as the worker's compute_hotspots job stores it (the pages read it).
    with db.unit_of_work() as session:
        compute_hotspots(session, now=now)
    h.counts["market_matters"] = hold_demo_markets(db, now=now, tz=tz)
    h.counts |= load_meetings(db, now=now, tz=tz)
    h.counts.update(load_receptions(db, now=now, tz=tz))
    h.counts.update(load_service_days(db, now=now, tz=tz))
    if h.refused:
        log.warning("demo history: %d step(s) refused, e.g. %s", len(h.refused), h.refused[:3])
    return dict(h.counts) | {"refused": len(h.refused)}
