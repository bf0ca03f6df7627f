"""How other packages react when a message has left, without notify knowing them.

The clocks add a handler here (sla's install) to complete the 10-minute "feedback" milestone
when a case's receipt SMS is sent (payload kind "receipt", case_id set). `deliver_due` calls every handler right after it
marks a message sent, inside the same transaction, each in a SAVEPOINT: a failing handler is
logged and undone, but never un-sends the message (that would send it again on every tick).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, object_session

from minyi.core.registry import Hook, registry_of
from minyi.notify.models import OutboxMessage

log = logging.getLogger(__name__)

SentHandler = Callable[[Session, OutboxMessage, datetime], None]
MESSAGE_SENT: Hook[SentHandler] = Hook("notify.message_sent")
# Webhook subscribers (integrations) sign with secrets of their own, which notify cannot look up.
SecretResolver = Callable[[OutboxMessage], str | None]
WEBHOOK_SECRET: Hook[SecretResolver] = Hook("notify.webhook_secret")


def notify_sent(session: Session, message: OutboxMessage, now: datetime) -> list[str]:
    """Run the handlers; returns the names of those that failed (their writes rolled back)."""
    failed = []
    for name, handler in registry_of(session).named(MESSAGE_SENT):
        try:
            with session.begin_nested():
                handler(session, message, now)
        except Exception:  # a handler's bug must not un-send the message: logged, undone
            log.exception("message-sent handler %s failed on outbox message %s", name, message.id)
            failed.append(name)
    return failed


def webhook_secret(message: OutboxMessage) -> str | None:
    """The first secret a resolver knows for the message; None: sign with the platform's key (as
    for a message no longer in a session: the resolvers read the subscriber through it)."""
    session = object_session(message)
    if session is None:
        return None
    for resolver in registry_of(session).handlers(WEBHOOK_SECRET):
        secret = resolver(message)
        if secret:
            return secret
    return None
