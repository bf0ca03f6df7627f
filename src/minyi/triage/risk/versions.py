"""The lexicon's versions: the file shipped in the package (version 0) and every saved one."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.caches import Memo, Slot
from minyi.core.errors import Invalid, NotFound
from minyi.triage.models import RiskLexicon as RiskLexiconRow
from minyi.triage.risk.lexicon import SHIPPED_VERSION, Lexicon, parse_lexicon

DEFAULT_LEXICON = Path(__file__).with_name("risk_lexicon.yaml")

# --- versions --------------------------------------------------------------------------------

# Parsed lexicons by their text's digest (not the version: version 2 of one database is not
# version 2 of another), per runtime.
LEXICONS: Slot[Memo[str, Lexicon]] = Slot("triage.risk_lexicons", Memo)


@functools.cache
def shipped_text() -> str:
    return DEFAULT_LEXICON.read_text(encoding="utf-8")


@functools.cache
def shipped_lexicon() -> Lexicon:
    """The file shipped in the package: a constant, parsed once."""
    return parse_lexicon(shipped_text())


def lexicon_from_text(text: str, parsed: Memo[str, Lexicon] | None = None) -> Lexicon:
    if parsed is None:
        return parse_lexicon(text)
    return parsed.get(hashlib.sha256(text.encode()).hexdigest(), lambda: parse_lexicon(text))


def lexicon_version(
    session: Session, version: int | None = None
) -> tuple[int, str, RiskLexiconRow | None]:
    """(version, YAML, row) of a version, by default the current one; version 0 is the file."""
    if version == SHIPPED_VERSION:
        return SHIPPED_VERSION, shipped_text(), None
    stmt = select(RiskLexiconRow)
    stmt = (
        stmt.where(RiskLexiconRow.version == version)
        if version is not None
        else stmt.order_by(RiskLexiconRow.version.desc()).limit(1)
    )
    row = session.scalar(stmt)
    if row is None:
        if version is not None:
            raise NotFound("lexicon_not_found", f"no risk lexicon version {version}")
        return SHIPPED_VERSION, shipped_text(), None
    return row.version, row.text, row


def current_lexicon(session: Session) -> tuple[int, Lexicon]:
    version, text, _ = lexicon_version(session)
    return version, lexicon_from_text(text, LEXICONS.of(session))


def save_lexicon(session: Session, text: str, *, by: str, now: datetime) -> int:
    """A new current version; a bad file is refused whole before anything is written."""
    if not text.strip():
        raise Invalid("empty_lexicon", "the lexicon is empty", field="body")
    parse_lexicon(text)
    version = (session.scalar(select(func.max(RiskLexiconRow.version))) or SHIPPED_VERSION) + 1
    session.add(RiskLexiconRow(version=version, text=text, created_at=now, created_by=by[:60]))
    session.flush()
    return version


def lexicon_versions(session: Session) -> list[RiskLexiconRow]:
    return list(session.scalars(select(RiskLexiconRow).order_by(RiskLexiconRow.version.desc())))
