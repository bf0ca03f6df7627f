"""Ids handed out in blocks (hi/lo) and the human-readable tracking number built from them.

A block comes from one short UPDATE ... RETURNING on the `counters` table, so a process can
number a whole batch of appeals without a round trip each, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from minyi.core.db import Base, Database

BLOCK_SIZE = 500


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def reserve_block(session: Session, name: str, size: int) -> int:
    """Reserve `size` ids; returns the first. Runs in the caller's transaction."""
    session.execute(
        text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
        {"n": name},
    )
    end = session.execute(
        text("UPDATE counters SET value = value + :s WHERE name = :n RETURNING value"),
        {"s": size, "n": name},
    ).scalar_one()
    return int(end) - size + 1


class IdAllocator:
    """Hands out ids from blocks reserved in their own short transactions (gaps are fine)."""

    def __init__(self, db: Database, name: str, block: int = BLOCK_SIZE) -> None:
        self._db = db
        self._name = name
        self._block = block
        self._next = 0
        self._end = 0
        self._lock = threading.Lock()

    def take(self, count: int) -> list[int]:
        with self._lock:
            ids: list[int] = []
            while len(ids) < count:
                if self._next >= self._end:
                    size = max(self._block, count - len(ids))
                    with self._db.unit_of_work() as session:
                        first = reserve_block(session, self._name, size)
                    self._next, self._end = first, first + size
                take = min(count - len(ids), self._end - self._next)
                ids.extend(range(self._next, self._next + take))
                self._next += take
            return ids


def tracking_number(appeal_id: int, submitted_at: datetime, tz: ZoneInfo) -> str:
    """e.g. 20261121-000123: the local date a citizen recognises, then a number read over the phone."""
    return f"{submitted_at.astimezone(tz):%Y%m%d}-{appeal_id:06d}"


# The tracking code: what a citizen with no phone on file (anonymous) proves an appeal is theirs
# with, instead of the last four digits. Twelve characters of Crockford's base32 (no I, L, O, U:
# nothing to misread over the phone) are 60 random bits; with the attempt throttle, guessing is
# out of reach, so a fast digest is enough to keep it out of the database in clear.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_CODE_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})


# Each random byte read as its low five bits (256 is a multiple of 32: still uniform).
_SYMBOL_OF_BYTE = bytes(CODE_ALPHABET.encode()[b & 31] for b in range(256))


def new_tracking_code() -> tuple[str, str]:
    """(code, digest), e.g. K7QM-3XHD-9RTA: the code is shown once, on the receipt; only the
    digest is stored. Intake makes one per appeal inside its group commit, so this stays in C:
    one read of the random source and a translation table."""
    raw = secrets.token_bytes(CODE_LENGTH).translate(_SYMBOL_OF_BYTE).decode()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}", _digest(raw)


def tracking_code_from(seed: bytes) -> tuple[str, str]:
    """(code, digest) made from a secret seed instead of the random source, so the one who holds
    the seed can make the same code again: the portal seeds it with its server-keyed HMAC of
    the form's one-time token, and a double tap whose first answer was lost shows the code too."""
    raw = (
        hashlib.sha256(b"minyi-tracking-code-seed\x00" + seed)
        .digest()[:CODE_LENGTH]
        .translate(_SYMBOL_OF_BYTE)
        .decode()
    )
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}", _digest(raw)


def normalise_tracking_code(text: str) -> str | None:
    """The code as typed (any case, full-width, spaces or dashes, O for 0) in its canonical form,
    or None when it cannot be one."""
    value = unicodedata.normalize("NFKC", text).upper().translate(_CODE_READS)
    value = "".join(c for c in value if c not in " -_\t")
    if len(value) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in value):
        return None
    return value


def _digest(normal: str) -> str:
    return hashlib.sha256(b"minyi-tracking-code\x00" + normal.encode()).hexdigest()


def tracking_code_digest(code: str) -> str | None:
    normal = normalise_tracking_code(code)
    return _digest(normal) if normal else None


def new_public_id() -> str:
    """The id a case shows on public lists (Open311): random, so it leads to no tracking number."""
    return secrets.token_hex(8)
