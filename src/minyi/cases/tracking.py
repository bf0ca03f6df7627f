"""The citizen's view: a case found by tracking number and the last four digits of the phone."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import timeline
from minyi.cases.rules import Action
from minyi.cases.schemas import event_view
from minyi.privacy.rules import public_view
from minyi.cases.service import act_on_case
from minyi.core.digits import ascii_digits
from minyi.core.errors import NotFound
from minyi.core.i18n import STATUS_ZH, label
from minyi.org.rules import citizen_actor


def _find(session: Session, tracking_no: str, phone_last4: str) -> tuple[Case, Appeal]:
    row = session.execute(
        select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id).where(Case.tracking_no == tracking_no)
    ).first()
    # Wrong digits and unknown numbers answer alike, so the page cannot be used to probe.
    # compare_digest takes ASCII str only: bytes, after folding '５６７８' to '5678'.
    given = ascii_digits(phone_last4).encode()
    if row is None or not row[1].phone or not hmac.compare_digest(row[1].phone[-4:].encode(), given):
        raise NotFound("case_not_found", "没有找到该编号的诉求，或手机号后四位不符")
    return row[0], row[1]


def track_case(session: Session, tracking_no: str, phone_last4: str) -> dict[str, Any]:
    case, appeal = _find(session, tracking_no, phone_last4)
    public = public_view(appeal.citizen_name)
    return {
        "tracking_no": case.tracking_no,
        # Whoever holds a tracking number and four digits is not proven to be the complainant.
        "title": public.show_text(appeal.title),
        "status": case.status,
        "status_label": label(STATUS_ZH, case.status),
        "submitted_at": appeal.submitted_at,
        "reply": public.show_text(case.reply_text) if case.status in ("replied", "rated", "archived", "declined") else None,
        "rating": case.rating,
        "can_rate": case.status == "replied",
        "timeline": [event_view(e, None, public=True) for e, _ in timeline(session, case.id)],
    }


def rate_case(session: Session, tracking_no: str, phone_last4: str, *, rating: str, comment: str | None, now: datetime) -> dict[str, Any]:
    case, _ = _find(session, tracking_no, phone_last4)
    payload = {"rating": rating} | ({"comment": comment} if comment else {})
    act_on_case(session, case.id, Action.FEEDBACK, actor=citizen_actor(case.id), payload=payload, now=now)
    return track_case(session, tracking_no, phone_last4)
