"""The notification centre's public shapes (API and CLI): a notice as its reader may read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from minyi.core.schemas import Page


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(
        description="assigned, reopened, instruction, order, letter, clock_warning or clock_breach"
    )
    label: str = Field(description="the kind in Chinese, as the page shows it (e.g. 新交办)")
    created_at: datetime
    is_read: bool
    tracking_no: str | None = Field(
        description="the case's tracking number; null once the reader can no longer open the case"
    )
    title: str = Field(
        description="the case's title as the case page shows it to this reader (through the privacy policy)"
    )
    letter: str | None = Field(description="a letter's number (kind letter)")
    letter_title: str | None = Field(
        description="a letter's title, through the privacy policy of the case it is about"
    )
    link: str = Field(description="the console page the notice opens")
    clock: str | None = Field(description="which deadline turned yellow or red (clock kinds)")


class NotificationPage(Page[NotificationOut]):
    """A page of the reader's notices (total: those matching the filter)."""

    unread: int = Field(description="the reader's unread notices, whatever the filter")


class ReadAllOut(BaseModel):
    marked: int = Field(description="how many notices were unread and are now read")
    unread: int
