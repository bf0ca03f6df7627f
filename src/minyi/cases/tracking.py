"""The citizen's view: a case found by tracking number and a citizen secret, the last four
digits of the phone or the tracking code of the receipt (the only one an anonymous citizen has)."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import timeline
from minyi.cases.rules import Action, CaseStatus, is_closed, public_status
from minyi.cases.schemas import event_view
from minyi.cases.service import act_on_case
from minyi.core.db import Database
from minyi.core.digits import ascii_digits
from minyi.core.errors import NotFound
from minyi.core.i18n import ACTION_ZH, STATUS_ZH, label
from minyi.core.ids import tracking_code_digest
from minyi.org.rules import citizen_actor
from minyi.privacy.rules import citizen_sees, public_view


def last4_matches(phone: str | None, phone_last4: str | None) -> bool:
    if not phone or not phone_last4:
        return False
    given = ascii_digits(phone_last4)
    # compare_digest refuses non-ASCII str: compare bytes so any input is a plain mismatch.
    return hmac.compare_digest(ascii_digits(phone)[-4:].encode(), given.encode())


def is_last4(secret: str) -> bool:
    digits = ascii_digits(secret.strip())
    return len(digits) == 4 and digits.isascii() and digits.isdigit()


def secret_matches(appeal: Appeal, secret: str | None) -> bool:
    """One citizen secret, whichever the citizen has: four digits are the phone's last four,
    anything else is read as the receipt's tracking code (compared by digest, in constant time)."""
    if not secret:
        return False
    if is_last4(secret):
        return last4_matches(appeal.phone, secret)
    given = tracking_code_digest(secret)
    if given is None or appeal.tracking_code_hash is None:
        return False
    return hmac.compare_digest(appeal.tracking_code_hash.encode(), given.encode())


def case_key(db: Database, *, tracking_no: str | None = None, case_id: int | None = None) -> str:
    """The throttle's key for one case, the same whether it is reached by tracking number
    (track, feedback) or by id (attachments); an unknown number is its own key."""
    if case_id is None:
        with db.reading() as session:
            case_id = session.scalar(select(Case.id).where(Case.tracking_no == tracking_no))
        if case_id is None:
            return f"no:{tracking_no}"
    return f"case:{case_id}"


def _find(session: Session, tracking_no: str, secret: str) -> tuple[Case, Appeal]:
    row = session.execute(
        select(Case, Appeal)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.tracking_no == tracking_no)
    ).first()
    # Wrong secrets and unknown numbers answer alike, so the page cannot be used to probe.
    if row is None or not secret_matches(row[1], secret):
        raise NotFound("case_not_found", "没有找到该编号的诉求，或手机号后四位、查询码不符")
    return row[0], row[1]


def track_case(session: Session, tracking_no: str, secret: str) -> dict[str, Any]:
    """`secret`: the phone's last four digits or the receipt's tracking code."""
    case, appeal = _find(session, tracking_no, secret)
    public = public_view(appeal.citizen_name)
    return {
        "tracking_no": case.tracking_no,
        # Whoever holds a tracking number and four digits is not proven to be the complainant.
        "title": public.show_text(appeal.title),
        "status": public_status(case.status),
        "status_label": label(STATUS_ZH, public_status(case.status)),
        "submitted_at": appeal.submitted_at,
        "reply": public.show_text(case.reply_text) if is_closed(case.status) else None,
        "rating": case.rating,
        "can_rate": case.status == CaseStatus.REPLIED,
        "timeline": [
            _public_event(e) for e, _ in timeline(session, case.id) if citizen_sees(e.action)
        ],
    }


def _public_event(event: Any) -> dict[str, Any]:
    out = event_view(event, None, public=True)
    if event.action == Action.APPROVE_REPLY:
        # To the citizen the approval is the reply itself.
        out["action"], out["action_label"] = (
            Action.REPLY.value,
            label(ACTION_ZH, Action.REPLY.value),
        )
    for key in ("from_status", "to_status"):
        if out[key]:
            out[key] = public_status(out[key])
    out["to_status_label"] = label(STATUS_ZH, out["to_status"])
    return out


def rate_case(
    session: Session,
    tracking_no: str,
    secret: str,
    *,
    rating: str,
    comment: str | None,
    now: datetime,
) -> dict[str, Any]:
    case, _ = _find(session, tracking_no, secret)
    payload = {"rating": rating} | ({"comment": comment} if comment else {})
    act_on_case(
        session, case.id, Action.FEEDBACK, actor=citizen_actor(case.id), payload=payload, now=now
    )
    return track_case(session, tracking_no, secret)
