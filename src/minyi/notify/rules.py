"""Pure code of the outbox: channels, statuses, retry schedule, recipient checks, signatures and
the citizen-facing texts. No session, no I/O, no clock reads."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from minyi.core.errors import Invalid
from minyi.core.retry_policy import RetryPolicy


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    # A WeCom (企业微信) group robot: the recipient names its webhook URL, or "" for settings'.
    WECOM = "wecom"
    WEBHOOK = "webhook"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Gave up: too many attempts, or the receiver refused the message for good (HTTP 4xx, SMTP 5xx).
    FAILED = "failed"


BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# 10 attempts with the delays below span about three hours: a gateway outage of an afternoon
# does not lose a receipt, and a message that never goes through stops being retried.
MAX_ATTEMPTS = 10
# A channel nobody configured yet: wait, do not count it as an attempt (the message is not lost).
UNCONFIGURED_DELAY = timedelta(minutes=5)
NO_SENDER = "no sender configured"

MAX_RECIPIENT = 500
MAX_SUBJECT = 200
_MOBILE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

SIGNATURE = "【汀澜区民意速办】"
RECEIPT_TEXT = SIGNATURE + "您的诉求已登记，编号{tracking_no}，可凭编号和手机号后四位查询办理进度。"
REPLIED_TEXT = SIGNATURE + "您的诉求（编号{tracking_no}）已答复，请查看并评价。"


def _refused_for_good(error: BaseException) -> bool:
    # DeliveryError lives with the senders (I/O); duck-typed here to keep this module pure.
    return bool(getattr(error, "permanent", False))


# The outbox's use of the worker's shared retry mechanism (core/retries.py); webhook deliveries
# are outbox messages and share it.
RETRY = RetryPolicy(
    kind="outbox",
    max_attempts=MAX_ATTEMPTS,
    first_delay=BASE_DELAY,
    max_delay=MAX_DELAY,
    is_permanent=_refused_for_good,
)
WEBHOOK_RETRY = RetryPolicy(
    kind="webhook",
    max_attempts=MAX_ATTEMPTS,
    first_delay=BASE_DELAY,
    max_delay=MAX_DELAY,
    is_permanent=_refused_for_good,
)


def retry_policy(channel: str) -> RetryPolicy:
    return WEBHOOK_RETRY if channel == Channel.WEBHOOK.value else RETRY


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, … capped at one hour."""
    if attempts < 1:
        raise ValueError("retry_delay counts failed attempts from 1")
    return RETRY.delay(attempts)


def gives_up(attempts: int) -> bool:
    return RETRY.gives_up(attempts)


def is_mobile(phone: str | None) -> bool:
    """Only mainland mobiles take SMS; appeals may carry a landline instead."""
    return bool(phone) and _MOBILE.fullmatch(phone or "") is not None


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_message(channel: str, recipient: str, subject: str | None) -> Channel:
    """The channel, if the recipient suits it; raises Invalid naming the field otherwise."""
    try:
        kind = Channel(channel)
    except ValueError:
        raise Invalid(
            "unknown_channel", f"no message channel '{channel}'", field="channel"
        ) from None
    if len(recipient) > MAX_RECIPIENT:
        raise Invalid("bad_recipient", "recipient is too long", field="recipient")
    if subject is not None and len(subject) > MAX_SUBJECT:
        raise Invalid(
            "bad_subject", f"subject is longer than {MAX_SUBJECT} characters", field="subject"
        )
    ok = {
        Channel.SMS: is_mobile(recipient),
        Channel.EMAIL: _EMAIL.fullmatch(recipient) is not None,
        Channel.WEBHOOK: is_http_url(recipient),
        # Empty: the robot configured in settings.
        Channel.WECOM: recipient == "" or is_http_url(recipient),
    }[kind]
    if not ok:
        raise Invalid(
            "bad_recipient", f"'{recipient}' is not a {kind} recipient", field="recipient"
        )
    return kind


def signature(secret: str, body: bytes) -> str:
    """The X-Minyi-Signature header: HMAC-SHA256 of the exact request body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def receipt_text(tracking_no: str) -> str:
    return RECEIPT_TEXT.format(tracking_no=tracking_no)


def replied_text(tracking_no: str) -> str:
    return REPLIED_TEXT.format(tracking_no=tracking_no)
