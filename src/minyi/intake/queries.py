"""Read side of intake: channel labels for lists and pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.intake.models import Channel


def channel_names(session: Session) -> dict[int, tuple[str, str]]:
    return {
        cid: (code, name)
        for cid, code, name in session.execute(select(Channel.id, Channel.code, Channel.name))
    }
