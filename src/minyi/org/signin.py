"""Staff sign-in for the API and the web console: throttled, with the password hash checked
outside any write transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from minyi.core.db import Database
from minyi.core.errors import Unauthorized
from minyi.core.settings import Settings
from minyi.core.throttle import clear, guarded, sign_in_limits
from minyi.org.models import Staff
from minyi.org.service import issue_token, password_matches


def sign_in(
    db: Database, settings: Settings, *, username: str, password: str, client: str, now: datetime
) -> tuple[str, datetime]:
    """A bearer token, or Unauthorized (counted), or TooManyAttempts once a limit is used up:
    per (username, address), per username, and per address over every username (spraying).
    Over a limit even the right password is refused until the window ends."""
    username = username[:60]
    account, user, address = sign_in_limits(settings)
    account_key = f"{username}\x00{client}"
    with guarded(
        db,
        [(account, account_key), (user, username), (address, client)],
        now=now,
        failure=(Unauthorized,),
    ):
        with db.reading() as session:
            row = session.execute(
                select(Staff.id, Staff.password_hash).where(
                    Staff.username == username, Staff.is_active.is_(True)
                )
            ).first()
        # No transaction is open here: the hash's deliberate slowness holds no lock.
        if not password_matches(row.password_hash if row else None, password) or row is None:
            raise Unauthorized("bad_credentials", "用户名或密码错误")
        with db.unit_of_work() as session:
            token = issue_token(
                session, staff_id=row.id, now=now, ttl=timedelta(hours=settings.token_ttl_hours)
            )
            # The owner got in: their own earlier typos from here stop counting against them.
            clear(session, account, account_key)
    return token
