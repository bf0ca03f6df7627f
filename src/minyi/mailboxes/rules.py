"""What a mailbox's QR code points to and how its figures are counted: pure code."""

from __future__ import annotations

from urllib.parse import quote

MAILBOX_KIND = "mailbox"
# A letter counts as closed (办结) once the unit replied, whatever the citizen's rating after.
CLOSED_STATUSES = ("replied", "rated", "archived")
QR_FORMATS = ("svg", "png")


def portal_url(public_base_url: str, channel_code: str) -> str:
    """The citizen form, preset to this mailbox."""
    return f"{public_base_url.rstrip('/')}/portal/submit?channel={quote(channel_code, safe='')}"


def closure_rate(received: int, closed: int) -> float | None:
    """办结率 as a fraction with four decimals (0.9887 is 98.87%); None when nothing came in."""
    return round(closed / received, 4) if received else None
