"""The registration desk: what a clerk (热线, 来访, 来信) and a grid worker (网格上报) need around
`register_appeals` — the channel of each kind, the accept/decline decision taken at the desk,
the reporter's contact for a grid report, and a caller's earlier appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import reads_clear, shown_titles, unit_names, visible_to
from minyi.cases.rules import Action, CaseStatus, is_open
from minyi.cases.service import act_on_case
from minyi.core.errors import IllegalTransition, Invalid, NotFound
from minyi.intake.models import Channel
from minyi.org.models import Staff
from minyi.org.rules import Actor

# The kinds a clerk registers at the desk, in the order the form offers them.
DESK_KINDS = ("hotline", "walk_in", "letter")
# A letter is registered with its scan: the original stays on the case for every handler.
SCAN_REQUIRED_KINDS = frozenset({"letter"})
DECISIONS = ("accept", "decline", "register")
EARLIER_LIMIT = 10


def desk_channels(session: Session, kinds: tuple[str, ...] = DESK_KINDS) -> dict[str, Channel]:
    """Kind -> the active channel of that kind (the first by code when a district has several)."""
    found: dict[str, Channel] = {}
    for channel in session.scalars(
        select(Channel)
        .where(Channel.kind.in_(kinds), Channel.is_active.is_(True))
        .order_by(Channel.code)
    ):
        found.setdefault(channel.kind, channel)
    return found


def desk_channel(session: Session, kind: str, kinds: tuple[str, ...] = DESK_KINDS) -> Channel:
    if kind not in kinds:
        raise Invalid("bad_channel_kind", "请选择登记方式（热线、来访或来信）", field="kind")
    channel = desk_channels(session, (kind,)).get(kind)
    if channel is None:
        raise NotFound("channel_not_found", "该登记渠道尚未开通，请联系系统管理员")
    return channel


def check_desk_form(*, kind: str, decision: str, reason: str | None, has_scan: bool) -> None:
    """What the desk refuses before anything is registered."""
    if decision not in DECISIONS:
        raise Invalid("bad_decision", "请选择受理、不予受理或仅登记", field="decision")
    if decision == "decline" and not (reason or "").strip():
        raise Invalid("missing_field", "不予受理须填写理由", field="reason")
    if kind in SCAN_REQUIRED_KINDS and not has_scan:
        raise Invalid("missing_file", "来信登记须上传来信扫描件", field="files")


def decide_at_desk(
    session: Session,
    case_id: int,
    *,
    decision: str,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> str:
    """Accept or decline the case just registered, and return its status. A form sent twice
    answers with the first one's case: if that case was decided already (by the first send or by
    a colleague), it is left as it is rather than decided again."""
    if decision != "register":
        action = Action.ACCEPT if decision == "accept" else Action.DECLINE
        try:
            with session.begin_nested():
                act_on_case(
                    session,
                    case_id,
                    action,
                    actor=actor,
                    payload={"reason": reason} if action is Action.DECLINE else {},
                    now=now,
                )
        except IllegalTransition:
            pass  # decided already, by the first send or by a colleague: that decision stands
    status = session.scalar(select(Case.status).where(Case.id == case_id))
    if status is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    return status


def reporter_contact(session: Session, actor: Actor) -> tuple[str | None, str]:
    """A grid worker reporting what they saw is the reporter: their own phone and name."""
    row = session.execute(select(Staff.phone, Staff.name).where(Staff.id == actor.staff_id)).first()
    return (row[0], row[1]) if row else (None, actor.name)


@dataclass(frozen=True)
class EarlierAppeal:
    case_id: int
    tracking_no: str
    title: str
    status: str
    is_open: bool
    registered_at: datetime
    channel_name: str
    lead_unit_name: str | None


def earlier_appeals(
    session: Session, actor: Actor, phone: str, *, limit: int = EARLIER_LIMIT
) -> tuple[int, list[EarlierAppeal]]:
    """The caller's earlier appeals (重复件 at a glance), newest first, with their total.

    Found by the full number only, and only among the cases this reader may open and reads in
    clear (the privacy policy's contact reader): a reader who sees a complainant's number masked
    cannot find the complainant's cases by typing the number."""
    where = and_(Appeal.phone == phone, visible_to(actor), reads_clear(actor))
    base = select(Case).join(Appeal, Appeal.id == Case.appeal_id).where(where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    cases = list(
        session.scalars(base.order_by(Case.registered_at.desc(), Case.id.desc()).limit(limit))
    )
    titles = shown_titles(session, actor, [c.id for c in cases])
    names = unit_names(session, {c.lead_unit_id for c in cases if c.lead_unit_id})
    channels = {
        cid: name
        for cid, name in session.execute(
            select(Channel.id, Channel.name).where(Channel.id.in_({c.channel_id for c in cases}))
        )
    }
    return total, [
        EarlierAppeal(
            case_id=c.id,
            tracking_no=c.tracking_no,
            title=titles.get(c.id, ""),
            status=c.status,
            is_open=is_open(CaseStatus(c.status)),
            registered_at=c.registered_at,
            channel_name=channels.get(c.channel_id, ""),
            lead_unit_name=names[c.lead_unit_id][1] if c.lead_unit_id in names else None,
        )
        for c in cases
    ]
