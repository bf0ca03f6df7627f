"""Issue a numbered letter (提醒函 / 建议函 / 通报): check it, take the next number of its kind
and year, render the .docx and store it with its hash, in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.queries import get_visible_case, reader_views, text_view
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.core.ids import reserve_block
from minyi.org.models import Unit
from minyi.org.queries import district_name
from minyi.org.rules import Actor
from minyi.privacy.rules import CaseView
from minyi.supervision.documents import LetterText, render_docx
from minyi.supervision.hooks import Issued, notify_issued
from minyi.supervision.models import Letter, LetterReply, SupervisionOrder
from minyi.supervision.queries import letters_visible_to
from minyi.supervision.rules import (
    ALL_UNITS_ADDRESSEE,
    SUPERVISORS,
    LetterKind,
    SuggestionRight,
    check_letter,
    full_unit_name,
    letter_number,
    letter_prefix,
    letter_title,
    require_role,
    required_text,
)


def issue_letter(
    session: Session,
    *,
    actor: Actor,
    kind: LetterKind,
    subject: str,
    body: str,
    addressee_unit: str | None = None,
    addressee: str | None = None,
    suggestion_right: SuggestionRight | None = None,
    case_id: int | None = None,
    order_id: int | None = None,
    reply_by: date | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> Letter:
    """Number, render and store a letter. The number comes from a `counters` row updated in this
    transaction: concurrent issuers queue on that row (PostgreSQL) or on the write lock (SQLite),
    and a rolled-back issue gives its number back, so the numbers have no gaps."""
    require_role(actor, SUPERVISORS, "supervisors_only", "only a supervisor issues letters")
    check_letter(kind, suggestion_right, bool(addressee_unit))
    subject_text = required_text(subject, "subject", limit=200)
    body_text = required_text(body, "body", limit=20_000)
    unit = None
    if addressee_unit:
        unit = session.scalar(select(Unit).where(Unit.code == addressee_unit))
        if unit is None or not unit.is_active:
            raise Invalid("bad_unit", f"no active unit '{addressee_unit}'", field="addressee_unit")
    addressee_text = (addressee or "").strip() or (unit.name if unit else ALL_UNITS_ADDRESSEE)
    if len(addressee_text) > 200:
        raise Invalid("too_long", "addressee is longer than 200 characters", field="addressee")
    case = get_visible_case(session, case_id, actor) if case_id is not None else None
    if order_id is not None and session.get(SupervisionOrder, order_id) is None:
        raise Invalid("bad_order", f"no supervision order {order_id}", field="order_id")
    local = now.astimezone(tz)
    if reply_by is not None and reply_by <= local.date():
        raise Invalid("bad_deadline", "the reply date must be after today", field="reply_by")
    district = district_name(session)
    issuer_unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
    issuer = full_unit_name(district, issuer_unit.name) if issuer_unit else district
    title = letter_title(kind, subject_text, suggestion_right)

    # Everything is checked: only now take the number, so a refused letter takes none.
    year = local.year
    seq = reserve_block(session, f"letter:{kind.value}:{year}", 1)
    number = letter_number(letter_prefix(district), kind, year, seq)
    document = render_docx(
        LetterText(
            kind=kind,
            number=number,
            masthead_district=district,
            title=title,
            addressee=addressee_text,
            body=body_text,
            issuer=issuer,
            issued_on=local.date(),
            subject=subject_text,
            right=suggestion_right,
            reply_by=reply_by,
        ),
        issued_at=now,
    )
    letter = Letter(
        kind=kind.value,
        year=year,
        seq=seq,
        number=number,
        suggestion_right=suggestion_right.value if suggestion_right else None,
        addressee_unit_id=unit.id if unit else None,
        addressee=addressee_text,
        case_id=case_id,
        order_id=order_id,
        title=title,
        subject=subject_text,
        body=body_text,
        fields={"reply_by": reply_by.isoformat()} if reply_by else {},
        issuer=issuer,
        issued_by_id=actor.staff_id,
        issued_at=now,
        document=document,
        document_sha256=hashlib.sha256(document).hexdigest(),
    )
    session.add(letter)
    session.flush()
    notify_issued(session, Issued("letter", letter.id, letter.addressee_unit_id, case_id, now))
    if case is not None:
        record_case_event(
            session,
            case,
            action="letter",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=title,
            payload={"letter_id": letter.id, "number": number, "kind": kind.value},
        )
    return letter


def document_for(session: Session, letter: Letter, actor: Actor, *, tz: ZoneInfo) -> bytes:
    """The letter's .docx as this reader may read it. The document as issued goes to a reader who
    sees its texts in clear (or when they hold nothing to mask); anyone else gets it rendered again
    from the stored fields with its texts through their privacy view (the number, dates and layout
    unchanged). The letter's `document` must be loaded (`get_letter(..., with_document=True)`)."""
    views = reader_views(session, actor, [letter.case_id] if letter.case_id else [])
    view = text_view(views, letter.case_id)
    shown = _shown_texts(letter, view)
    if shown == (letter.title, letter.subject, letter.addressee, letter.body):
        return letter.document
    title, subject, addressee, body = shown
    reply_by = letter.fields.get("reply_by")
    return render_docx(
        LetterText(
            kind=LetterKind(letter.kind),
            number=letter.number,
            masthead_district=district_name(session),
            title=title,
            addressee=addressee,
            body=body,
            issuer=letter.issuer,
            issued_on=letter.issued_at.astimezone(tz).date(),
            subject=subject,
            right=SuggestionRight(letter.suggestion_right) if letter.suggestion_right else None,
            reply_by=date.fromisoformat(reply_by) if reply_by else None,
        ),
        issued_at=letter.issued_at,
    )


def _shown_texts(letter: Letter, view: CaseView) -> tuple[str, str, str, str]:
    return (
        view.show_text(letter.title) or "",
        view.show_text(letter.subject) or "",
        view.show_text(letter.addressee) or "",
        view.show_text(letter.body) or "",
    )


def reply_to_letter(
    session: Session, letter_id: int, *, actor: Actor, text: str, now: datetime
) -> LetterReply:
    """The addressed unit answers a letter, once (a 通报 to all units is answered by none: it
    asks nothing). The reply goes beside the letter, which stays as issued."""
    letter = session.scalar(select(Letter).where(Letter.id == letter_id, letters_visible_to(actor)))
    if letter is None:
        raise NotFound("letter_not_found", f"no letter {letter_id}")
    if letter.addressee_unit_id is None or actor.unit_id != letter.addressee_unit_id:
        raise Forbidden(
            "not_addressee", "只有来函所致的单位可以回复 (only the addressed unit replies)"
        )
    body = required_text(text, "text")
    done = session.scalar(
        select(LetterReply).where(
            LetterReply.letter_id == letter.id, LetterReply.unit_id == actor.unit_id
        )
    )
    if done is not None:
        raise Conflict("already_replied", "本单位已回复此函 (your unit has replied to this letter)")
    reply = LetterReply(
        letter_id=letter.id,
        unit_id=actor.unit_id,
        text=body,
        replied_by_id=actor.staff_id or 0,
        replied_at=now,
    )
    session.add(reply)
    session.flush()
    if letter.case_id is not None:
        case = get_visible_case(session, letter.case_id, actor, for_update=True)
        record_case_event(
            session,
            case,
            action="letter_reply",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=body,
            payload={"letter_id": letter.id, "number": letter.number},
        )
    return reply
