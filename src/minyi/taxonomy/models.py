from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class DictionaryVersion(Base):
    """Each import makes a new version; cases keep pointing at the leaf version they were filed under."""

    __tablename__ = "dictionary_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(200))
    is_current: Mapped[bool] = mapped_column(default=False, index=True)


class DictionaryEntry(Base):
    __tablename__ = "dictionary_entries"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dictionary_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    class_name: Mapped[str] = mapped_column(String(20), index=True)
    level2: Mapped[str] = mapped_column(String(60))
    level3: Mapped[str] = mapped_column(String(60))
    level4: Mapped[str] = mapped_column(String(100))
    lead_unit_kind: Mapped[str] = mapped_column(String(20))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    policy_code: Mapped[str] = mapped_column(String(20))
    # 答复审核 for this leaf: True or False overrides its clock policy's setting; NULL follows it.
    reply_approval: Mapped[bool | None]
