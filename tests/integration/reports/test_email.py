"""Subscribers get each issue by email: a real aiosmtpd server receives the HTML body and the
PDF attachment through notify's outbox and SMTP sender."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from minyi.core.errors import Conflict, Invalid
from minyi.notify.jobs import deliver_due
from minyi.notify.models import OutboxMessage
from minyi.notify.senders import Senders, SmtpSender
from minyi.reports.service import add_subscriber, issue_daily_report, remove_subscriber

from .conftest import TZ, District


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: object, _session: object, envelope: object) -> str:
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)  # type: ignore[attr-defined]
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_subscribers_receive_the_page_and_the_pdf(
    district: District, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    now = district.clock.now()
    with district.db.unit_of_work() as session:
        add_subscriber(session, email="Secretary@Tinglan.gov.cn", name="区委书记", now=now)
        add_subscriber(session, email="mayor@tinglan.gov.cn", now=now)
        add_subscriber(session, email="gone@tinglan.gov.cn", now=now)
        remove_subscriber(session, email="gone@tinglan.gov.cn")
    with pytest.raises(Conflict), district.db.unit_of_work() as session:
        add_subscriber(session, email="mayor@tinglan.gov.cn", now=now)
    with pytest.raises(Invalid), district.db.unit_of_work() as session:
        add_subscriber(session, email="not-an-address", now=now)

    with district.db.unit_of_work() as session:
        issue = issue_daily_report(
            session, day=date(2026, 11, 25), now=now, tz=TZ, issued_by="test"
        )
        title, pdf = issue.title, issue.pdf
    with district.db.reading() as session:
        queued = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"report:{issue.id}:%"))
        ).all()
    assert sorted(m.recipient for m in queued) == [
        "mayor@tinglan.gov.cn",
        "secretary@tinglan.gov.cn",
    ]

    senders = Senders(
        {"email": SmtpSender("127.0.0.1", port, None, None, False, "minyi@tinglan.gov.cn")}
    )
    with district.db.unit_of_work() as session:
        deliver_due(session, now=now, limit=500, senders=senders)
    got = {rcpt[0]: message for rcpt, message in box.messages if message["Subject"] == title}
    assert set(got) == {"mayor@tinglan.gov.cn", "secretary@tinglan.gov.cn"}
    mail = got["secretary@tinglan.gov.cn"]
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and "民情日报" in html.get_content()
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None and "导读" in plain.get_content()
    attachments = list(mail.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert attachments[0].get_filename() == f"民情日报-第{issue.number}期-2026-11-25.pdf"
    assert attachments[0].get_content() == pdf
    with district.db.reading() as session:
        statuses = {
            m.status
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"report:{issue.id}:%"))
            )
        }
    assert statuses == {"sent"}
