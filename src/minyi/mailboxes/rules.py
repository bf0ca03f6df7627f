"""What a mailbox's QR code points to and how its figures are counted: pure code."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from minyi.core.errors import Conflict

MAILBOX_KIND = "mailbox"
QR_FORMATS = ("svg", "png")


def portal_url(public_base_url: str, channel_code: str) -> str:
    """The citizen form, preset to this mailbox."""
    return f"{public_base_url.rstrip('/')}/portal/submit?channel={quote(channel_code, safe='')}"


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})  # noqa: S104 - names compared, not bound


def qr_target(public_base_url: str, channel_code: str, *, production: bool) -> str:
    """What a printed QR code opens. In production it must be an address citizens' phones reach:
    a code pointing at this machine (127.0.0.1, localhost) is refused rather than printed."""
    host = (urlsplit(public_base_url).hostname or "").lower()
    if production and (host in LOCAL_HOSTS or host.startswith("127.")):
        raise Conflict(
            "qr_local_address",
            f"二维码不能指向本机地址 {host}，请设置 MINYI_PUBLIC_BASE_URL 为群众可访问的网址 (set MINYI_PUBLIC_BASE_URL to the public address)",
        )
    return portal_url(public_base_url, channel_code)


def addressee(mailbox_name: str, owner_title: str | None) -> str:
    """Whom a citizen writes to, in full: "区长信箱" is written to 区长, "区住房和建设局局长信箱"
    to 区住房和建设局局长, "书记在线" to its owner's title (区委书记)."""
    if mailbox_name.endswith("信箱") and len(mailbox_name) > 2:
        return mailbox_name.removesuffix("信箱")
    return owner_title or mailbox_name


def closure_rate(received: int, closed: int) -> float | None:
    """办结率 as a fraction with four decimals (0.9887 is 98.87%); None when nothing came in."""
    return round(closed / received, 4) if received else None
