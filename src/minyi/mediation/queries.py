"""Reads of mediation: a dispute with its parties (through the privacy policy), mediators,
sessions and agreements; the disputes a reader may see; and the service's figures over a period
(received, mediated, success and judicial-confirmation rates, days to outcome; by site and by
mediator)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from minyi.cases.models import Case
from minyi.cases.queries import timeline
from minyi.cases.schemas import event_view
from minyi.core.clock import as_utc
from minyi.core.errors import NotFound
from minyi.mediation.models import (
    Agreement,
    AgreementTerm,
    Dispute,
    DisputeMediator,
    DisputeParty,
    MediationSession,
)
from minyi.mediation.rules import (
    AGREEMENT_LABELS,
    CENTRE_ROLES,
    DISPUTE_LABELS,
    OUTCOME_LABELS,
    REFERRAL_LABELS,
    RULING_LABELS,
    SESSION_LABELS,
    SIDE_LABELS,
    AgreementStatus,
    DisputeStatus,
    Outcome,
    Referral,
    SessionStatus,
    Side,
    may_act,
    may_read,
    rate,
)
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import Show, mediation_text, party_contacts, party_show
from minyi.services.models import ServiceSite, SiteStaff
from minyi.services.rules import StaffKind


def get_dispute(session: Session, dispute_id: int, *, for_update: bool = False) -> Dispute:
    stmt = select(Dispute).where(Dispute.id == dispute_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("dispute_not_found", "没有找到该纠纷")
    return found


def get_agreement(session: Session, agreement_id: int, *, for_update: bool = False) -> Agreement:
    stmt = select(Agreement).where(Agreement.id == agreement_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("agreement_not_found", "没有找到该调解协议")
    return found


def dispute_of_case(session: Session, case_id: int) -> Dispute | None:
    return session.scalar(select(Dispute).where(Dispute.case_id == case_id))


def site_unit(session: Session, site_id: int) -> Unit:
    unit = session.scalar(
        select(Unit)
        .join(ServiceSite, ServiceSite.unit_id == Unit.id)
        .where(ServiceSite.id == site_id)
    )
    if unit is None:
        raise NotFound("site_not_found", "没有找到该服务站点")
    return unit


def mediator_ids(session: Session, dispute_id: int) -> set[int]:
    return set(
        session.scalars(
            select(DisputeMediator.staff_id).where(DisputeMediator.dispute_id == dispute_id)
        )
    )


def area_paths(session: Session, dispute: Dispute) -> list[str]:
    """The dispute's area: the site's place in the tree and the case's street and community."""
    case = session.get(Case, dispute.case_id)
    ids = [i for i in (case.street_id, case.community_id) if i is not None] if case else []
    paths = [site_unit(session, dispute.site_id).path]
    if ids:
        paths += list(session.scalars(select(Unit.path).where(Unit.id.in_(ids))))
    return paths


def readable_dispute(session: Session, actor: Actor, dispute_id: int) -> Dispute:
    """The dispute, if this reader may read it; otherwise 'not found', never 'forbidden'."""
    dispute = get_dispute(session, dispute_id)
    unit = site_unit(session, dispute.site_id)
    if not may_read(
        actor,
        mediator_ids=mediator_ids(session, dispute.id),
        paths=area_paths(session, dispute),
        site_unit_id=unit.id,
    ):
        raise NotFound("dispute_not_found", "没有找到该纠纷")
    return dispute


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())


def describe(
    session: Session, actor: Actor, dispute: Dispute, *, tz: tzinfo, with_timeline: bool = True
) -> dict[str, Any]:
    """Everything of one dispute as this reader may see it: the parties' contacts and the free
    text through privacy's `party_show` (mediators and the area's staff in clear, other staff
    masked)."""
    case = session.get(Case, dispute.case_id)
    unit = site_unit(session, dispute.site_id)
    mediators = list(
        session.execute(
            select(DisputeMediator, Staff)
            .join(Staff, Staff.id == DisputeMediator.staff_id)
            .where(DisputeMediator.dispute_id == dispute.id)
            .order_by(DisputeMediator.is_lead.desc(), DisputeMediator.id)
        ).all()
    )
    m_ids = {m.staff_id for m, _ in mediators}
    paths = area_paths(session, dispute)
    show = party_show(actor, mediator_ids=m_ids, area_paths=paths)
    parties = list(
        session.scalars(
            select(DisputeParty)
            .where(DisputeParty.dispute_id == dispute.id)
            .order_by(DisputeParty.side, DisputeParty.position)
        )
    )
    parties.sort(key=lambda p: (p.side != Side.APPLICANT.value, p.position))
    names = [p.name for p in parties]

    def text(value: str | None) -> str | None:
        return mediation_text(show, value, names=names)

    party_rows = [
        {
            "id": p.id,
            "side": p.side,
            "side_label": SIDE_LABELS[Side(p.side)],
            "position": p.position,
            **party_contacts(
                show, name=p.name, phone=p.phone, id_number=p.id_number, address=p.address
            ),
        }
        for p in parties
    ]
    by_id = {p["id"]: p for p in party_rows}
    sessions = []
    for s in session.scalars(
        select(MediationSession)
        .where(MediationSession.dispute_id == dispute.id)
        .order_by(MediationSession.starts_at, MediationSession.id)
    ):
        came = (s.attendance or {}).get("parties", [])
        sessions.append(
            {
                "id": s.id,
                "starts_at": as_utc(s.starts_at),
                "local_time": as_utc(s.starts_at).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "place": s.place,
                "room_id": s.room_id,
                "is_online": s.is_online,
                "mode_label": "线上" if s.is_online else "现场",
                "status": s.status,
                "status_label": SESSION_LABELS[SessionStatus(s.status)],
                "held_at": as_utc(s.held_at) if s.held_at else None,
                "minutes": text(s.minutes),
                "attended": [
                    f"{by_id[i]['side_label']}{by_id[i]['name']}" for i in came if i in by_id
                ],
                "others": text((s.attendance or {}).get("others")),
                "cancel_reason": s.cancel_reason,
            }
        )
    agreements = []
    for a in session.scalars(
        select(Agreement).where(Agreement.dispute_id == dispute.id).order_by(Agreement.id)
    ):
        terms = list(
            session.scalars(
                select(AgreementTerm)
                .where(AgreementTerm.agreement_id == a.id)
                .order_by(AgreementTerm.position)
            )
        )
        agreements.append(
            {
                "id": a.id,
                "number": a.number,
                "is_partial": a.is_partial,
                "kind_label": "部分达成协议" if a.is_partial else "调解协议",
                "status": a.status,
                "status_label": AGREEMENT_LABELS[AgreementStatus(a.status)],
                "is_enforceable": a.status == AgreementStatus.CONFIRMED,
                "signed_on": a.signed_on,
                "performance": text(a.performance),
                "court": a.court,
                "filed_on": a.filed_on,
                "ruling": a.ruling,
                "ruling_label": RULING_LABELS.get(a.ruling or "", ""),
                "ruled_on": a.ruled_on,
                "ruling_number": a.ruling_number,
                "terms": [
                    {
                        "id": t.id,
                        "position": t.position,
                        "text": text(t.text),
                        "due_on": t.due_on,
                        "amount": str(t.amount) if t.amount is not None else None,
                        "is_done": t.done_at is not None,
                        "done_at": as_utc(t.done_at) if t.done_at else None,
                        "done_note": text(t.done_note),
                    }
                    for t in terms
                ],
            }
        )
    out: dict[str, Any] = {
        "id": dispute.id,
        "case_id": dispute.case_id,
        "tracking_no": case.tracking_no if case else "",
        "case_status": case.status if case else "",
        "status": dispute.status,
        "status_label": DISPUTE_LABELS[DisputeStatus(dispute.status)],
        "site_id": dispute.site_id,
        "site": unit.name,
        "facts": text(dispute.facts),
        "matters": text(dispute.matters),
        "opened_at": as_utc(dispute.opened_at),
        "outcome": dispute.outcome,
        "outcome_label": OUTCOME_LABELS[Outcome(dispute.outcome)] if dispute.outcome else None,
        "outcome_at": as_utc(dispute.outcome_at) if dispute.outcome_at else None,
        "outcome_note": text(dispute.outcome_note),
        "referral": dispute.referral,
        "referral_label": REFERRAL_LABELS[Referral(dispute.referral)] if dispute.referral else None,
        "referral_reason": text(dispute.referral_reason),
        "parties": party_rows,
        "contacts_in_clear": show is Show.CLEAR,
        "mediators": [
            {"staff_id": m.staff_id, "name": s.name, "is_lead": m.is_lead} for m, s in mediators
        ],
        "sessions": sessions,
        "agreements": agreements,
        "may_act": may_act(actor, mediator_ids=m_ids, paths=paths),
    }
    if with_timeline:
        out["timeline"] = [
            {
                "at": as_utc(e.at),
                "local_time": as_utc(e.at).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "action": e.action,
                "action_label": view["action_label"],
                "actor_name": s.name if s else ("群众" if e.actor_label == "citizen" else "系统"),
                "reason": text(e.reason),
            }
            for e, s in timeline(session, dispute.case_id)
            for view in [event_view(e, s, public=True)]
        ]
    return out


def list_disputes(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The disputes this reader may see, newest first: the centre and leaders all, street and
    community staff their area's, a mediator theirs and their site's."""
    stmt = (
        select(Dispute, Case.tracking_no, Unit.name, Unit.path)
        .join(Case, Case.id == Dispute.case_id)
        .join(ServiceSite, ServiceSite.id == Dispute.site_id)
        .join(Unit, Unit.id == ServiceSite.unit_id)
        .order_by(Dispute.opened_at.desc(), Dispute.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(Dispute.status == status)
    if actor.role not in CENTRE_ROLES and actor.role is not Role.LEADER:
        mine = select(DisputeMediator.id).where(
            DisputeMediator.dispute_id == Dispute.id,
            DisputeMediator.staff_id == (actor.staff_id or 0),
        )
        clauses = [mine.exists(), ServiceSite.unit_id == (actor.unit_id or 0)]
        if actor.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF) and actor.unit_path:
            area = aliased(Unit)
            place = (
                select(area.id)
                .where(
                    area.id.in_([Case.street_id, Case.community_id]),
                    area.path.startswith(actor.unit_path, autoescape=True),
                )
                .correlate(Case)
            )
            clauses += [Unit.path.startswith(actor.unit_path, autoescape=True), place.exists()]
        stmt = stmt.where(or_(*clauses))
    rows = session.execute(stmt).all()
    lead = dict(
        session.execute(
            select(DisputeMediator.dispute_id, Staff.name)
            .join(Staff, Staff.id == DisputeMediator.staff_id)
            .where(
                DisputeMediator.dispute_id.in_([d.id for d, *_ in rows]),
                DisputeMediator.is_lead.is_(True),
            )
        ).all()
    )
    ids = [d.id for d, *_ in rows]
    mediating: dict[int, set[int]] = defaultdict(set)
    for dispute_id, staff_id in session.execute(
        select(DisputeMediator.dispute_id, DisputeMediator.staff_id).where(
            DisputeMediator.dispute_id.in_(ids)
        )
    ):
        mediating[dispute_id].add(staff_id)
    names: dict[int, list[str]] = defaultdict(list)
    for dispute_id, name in session.execute(
        select(DisputeParty.dispute_id, DisputeParty.name).where(DisputeParty.dispute_id.in_(ids))
    ):
        names[dispute_id].append(name)
    out = []
    for d, no, site, path in rows:
        # The list reads the matters as the dispute's page would (the site's area decides).
        show = party_show(actor, mediator_ids=mediating[d.id], area_paths=[path])
        matters = mediation_text(show, d.matters, names=names[d.id]) or ""
        out.append(
            {
                "id": d.id,
                "case_id": d.case_id,
                "tracking_no": no,
                "site": site,
                "status": d.status,
                "status_label": DISPUTE_LABELS[DisputeStatus(d.status)],
                "mediator": lead.get(d.id, ""),
                "matters": matters if len(matters) <= 60 else matters[:60] + "…",
                "opened_at": as_utc(d.opened_at),
            }
        )
    return out


def _blank() -> dict[str, Any]:
    return {"received": 0, "mediated": 0, "agreed": 0, "partial": 0, "failed": 0, "days": []}


def service_figures(session: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """纠纷调解 over [since, until): disputes received; disputes mediated (a session held) and
    sessions held; success rate (agreement + partial over the outcomes decided); judicial
    confirmation rate (agreements confirmed over agreements made); average days from receipt to
    outcome; and the same by site and by mediator. JSON-ready, labelled in Chinese."""
    disputes = {
        d.id: d
        for d in session.scalars(
            select(Dispute).where(
                or_(
                    Dispute.opened_at.between(since, until),
                    Dispute.outcome_at.between(since, until),
                    Dispute.id.in_(
                        select(MediationSession.dispute_id).where(
                            MediationSession.held_at >= since, MediationSession.held_at < until
                        )
                    ),
                )
            )
        )
    }
    ids = list(disputes)
    held_rows = session.execute(
        select(MediationSession.dispute_id, func.count())
        .where(
            MediationSession.dispute_id.in_(ids),
            MediationSession.held_at >= since,
            MediationSession.held_at < until,
        )
        .group_by(MediationSession.dispute_id)
    ).all()
    held = dict(held_rows)
    mediators: dict[int, list[int]] = defaultdict(list)
    for dispute_id, staff_id in session.execute(
        select(DisputeMediator.dispute_id, DisputeMediator.staff_id).where(
            DisputeMediator.dispute_id.in_(ids)
        )
    ):
        mediators[dispute_id].append(staff_id)
    agreements = list(
        session.execute(
            select(Agreement.dispute_id, Agreement.status).where(
                Agreement.made_at >= since, Agreement.made_at < until
            )
        ).all()
    )
    site_names = dict(
        session.execute(
            select(ServiceSite.id, Unit.name).join(Unit, Unit.id == ServiceSite.unit_id)
        ).all()
    )
    staff_names = _names(session, {s for v in mediators.values() for s in v})
    total = _blank()
    by_site: dict[int, dict[str, Any]] = defaultdict(_blank)
    by_mediator: dict[int, dict[str, Any]] = defaultdict(_blank)
    since_u, until_u = as_utc(since), as_utc(until)
    for d in disputes.values():
        groups = [total, by_site[d.site_id], *(by_mediator[m] for m in mediators[d.id])]
        received = since_u <= as_utc(d.opened_at) < until_u
        outcome_at = as_utc(d.outcome_at) if d.outcome_at is not None else None
        decided = outcome_at is not None and since_u <= outcome_at < until_u
        for g in groups:
            g["received"] += received
            g["mediated"] += d.id in held
            if outcome_at is not None and decided and d.outcome:
                g[
                    {"agreement": "agreed", "partial": "partial", "failure": "failed"}[d.outcome]
                ] += 1
                g["days"].append((outcome_at - as_utc(d.opened_at)).total_seconds() / 86400)
    confirmed = {"made": 0, "confirmed": 0}
    per_site_agreements: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for dispute_id, status in agreements:
        confirmed["made"] += 1
        confirmed["confirmed"] += status == AgreementStatus.CONFIRMED
        owner = disputes.get(dispute_id) or session.get(Dispute, dispute_id)
        if owner is not None:
            per_site_agreements[owner.site_id][0] += 1
            per_site_agreements[owner.site_id][1] += status == AgreementStatus.CONFIRMED

    def shaped(g: dict[str, Any]) -> dict[str, Any]:
        decided = g["agreed"] + g["partial"] + g["failed"]
        days = g["days"]
        return {
            "受理纠纷": g["received"],
            "开展调解": g["mediated"],
            "达成协议": g["agreed"],
            "部分达成": g["partial"],
            "调解不成": g["failed"],
            "调解成功率": rate(g["agreed"] + g["partial"], decided),
            "平均办结天数": round(sum(days) / len(days), 1) if days else None,
        }

    out = shaped(total)
    out["调解会议"] = sum(held.values())
    out["调解协议"] = confirmed["made"]
    out["司法确认"] = confirmed["confirmed"]
    out["司法确认率"] = rate(confirmed["confirmed"], confirmed["made"])
    out["按站点"] = [
        {
            "站点": site_names.get(site_id, ""),
            **shaped(g),
            "司法确认率": rate(per_site_agreements[site_id][1], per_site_agreements[site_id][0]),
        }
        for site_id, g in sorted(by_site.items(), key=lambda kv: site_names.get(kv[0], ""))
    ]
    out["按调解员"] = [
        {"调解员": staff_names.get(staff_id, ""), **shaped(g)}
        for staff_id, g in sorted(by_mediator.items(), key=lambda kv: staff_names.get(kv[0], ""))
    ]
    return out


def mediators_by_site(
    session: Session, site_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """(username, name) of the active mediators serving at each of `site_ids` (active staff,
    by name; [] for a site with none), for the forms: one statement for all the listed sites
    (the list page asked twice per site before, ~25 statements for a dozen sites)."""
    out: dict[int, list[tuple[str, str]]] = {site_id: [] for site_id in site_ids}
    if not out:
        return out
    rows = session.execute(
        select(SiteStaff.site_id, Staff.username, Staff.name)
        .join(Staff, Staff.id == SiteStaff.staff_id)
        .where(
            SiteStaff.site_id.in_(list(out)),
            SiteStaff.kind == StaffKind.MEDIATOR.value,
            SiteStaff.is_active.is_(True),
            Staff.is_active.is_(True),
        )
        .distinct()
        .order_by(SiteStaff.site_id, Staff.name, Staff.username)
    )
    for site_id, username, name in rows:
        out[site_id].append((username, name))
    return out
