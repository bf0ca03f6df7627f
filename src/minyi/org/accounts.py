"""Staff accounts: own password change, admin reset, deactivation. Each ends every token the
person holds, so the change takes effect at once on every process (tokens are read per request).

Argon2 is slow on purpose: callers hash and verify outside the write transaction
(`prepare_password`, `check_password`) and pass the hash in."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.core.db import Database
from minyi.core.errors import Invalid, NotFound
from minyi.org.models import ApiToken, Staff
from minyi.org.service import hash_password, password_matches

MIN_LENGTH = 8


def prepare_password(password: str, *, username: str, old: str | None = None) -> str:
    """The strength rule, then the hash: at least 8 characters, letters and digits both, not the
    username, not the `old` one being replaced (a reset's temporary password kept is no change)."""
    if len(password) < MIN_LENGTH:
        raise Invalid("weak_password", "密码至少8位", field="password")
    if not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        raise Invalid("weak_password", "密码须同时包含字母和数字", field="password")
    if password.lower() == username.lower():
        raise Invalid("weak_password", "密码不能与用户名相同", field="password")
    if old is not None and password == old:
        raise Invalid("weak_password", "新密码不能与原密码相同", field="password")
    return hash_password(password)


def temporary_password() -> str:
    return "Tmp" + secrets.token_urlsafe(9) + "7"


def password_hash_of(session: Session, *, username: str) -> str | None:
    return _staff(session, username).password_hash


def check_password(stored_hash: str | None, password: str) -> None:
    """Verifies outside any transaction; a wrong old password is refused."""
    if not password_matches(stored_hash, password):
        raise Invalid("bad_old_password", "原密码错误", field="old_password")


def set_password(
    session: Session,
    *,
    username: str,
    password_hash: str,
    now: datetime,
    expected_hash: str | None = None,
    must_change: bool = False,
) -> None:
    """Stores the new hash and revokes every token of the person. `expected_hash` guards a change
    checked against the old password outside the transaction: a concurrent change wins.
    `must_change` marks a password someone else chose (an administrator's reset): the person
    must replace it at the next sign-in; their own change clears the mark."""
    staff = _staff(session, username)
    if expected_hash is not None and staff.password_hash != expected_hash:
        raise Invalid("bad_old_password", "原密码错误", field="old_password")
    staff.password_hash = password_hash
    staff.must_change_password = must_change
    revoke_all_tokens(session, staff_id=staff.id, now=now)


def set_temporary_password(
    session: Session, *, username: str, password_hash: str, now: datetime
) -> None:
    """An administrator's reset to a temporary password (hashed by the caller, before the
    transaction): the person's tokens end and the next sign-in must choose a new password."""
    set_password(session, username=username, password_hash=password_hash, now=now, must_change=True)


def reset_to_temporary(db: Database, *, username: str, now: datetime) -> str:
    """An administrator's reset, the one way the API, the console and the CLI do it: a temporary
    password, hashed before the write transaction (argon2 is slow), stored with the must-change
    mark, every token of the person ended. Returns the password, to be shown once."""
    password = temporary_password()
    password_hash = prepare_password(password, username=username)
    with db.unit_of_work() as session:
        set_temporary_password(session, username=username, password_hash=password_hash, now=now)
    return password


def set_active(session: Session, *, username: str, active: bool, now: datetime) -> None:
    staff = _staff(session, username)
    staff.is_active = active
    if not active:
        revoke_all_tokens(session, staff_id=staff.id, now=now)


def revoke_all_tokens(session: Session, *, staff_id: int, now: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.staff_id == staff_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()


def _staff(session: Session, username: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound("staff_not_found", f"没有用户 {username}")
    return staff
