"""The public shapes of leaders' mailboxes (主官在线) and a leader's inbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from minyi.core.schemas import Out, Page
from minyi.sla.schemas import ClockOut


class FiguresOut(Out):
    received: int
    closed: int
    closure_rate: float | None = Field(
        description="办结率 as a fraction (0.9887 is 98.87%); null when nothing came in"
    )


class OwnerOut(Out):
    username: str
    name: str
    title: str | None


class MailboxOut(Out):
    code: str
    name: str
    kind: str
    is_active: bool
    owner: OwnerOut | None
    portal_url: str = Field(
        description="the citizen form for this mailbox (what its QR code opens)"
    )
    figures: FiguresOut | None


class OwnedMailboxOut(Out):
    code: str
    name: str
    is_active: bool
    figures: FiguresOut


class LetterOut(Out):
    id: int
    tracking_no: str
    title: str = Field(description="as the reader's privacy view shows it")
    mailbox: str
    mailbox_name: str
    status: str
    status_label: str
    registered_at: datetime
    closed_at: datetime | None
    lead_unit_name: str | None
    colour: str | None = Field(description="the most urgent running clock's colour")
    next_due_at: datetime | None
    time_left: str | None
    clocks: list[ClockOut]
    instructions: int = Field(description="how many instructions (批示) are written on the letter")


class InboxOut(Page[LetterOut]):
    mailboxes: list[OwnedMailboxOut]
