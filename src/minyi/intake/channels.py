"""An administrator's edit of one channel from a form, refused when the channel changed since
the form was opened (the `stamp` of what it showed; channels carry no version column)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.intake.models import Channel
from minyi.org.editing import CHANGED, stamp


def channel_stamp(channel: Channel) -> str:
    return stamp(channel.name, channel.allows_anonymous, channel.is_active)


def update_channel(
    session: Session,
    channel_id: int,
    *,
    name: str,
    allows_anonymous: bool,
    is_active: bool,
    expected: str,
) -> Channel:
    channel = session.get(Channel, channel_id, with_for_update=True)
    if channel is None:
        raise NotFound("channel_not_found", "没有这个渠道")
    if channel_stamp(channel) != expected:
        raise Conflict("version_conflict", CHANGED)
    if not name:
        raise Invalid("missing_name", "请填写渠道名称", field="name")
    if len(name) > 100:
        raise Invalid("too_long", "渠道名称不超过100个字", field="name")
    channel.name, channel.allows_anonymous, channel.is_active = name, allows_anonymous, is_active
    session.flush()
    return channel
