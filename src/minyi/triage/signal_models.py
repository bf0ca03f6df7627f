"""Tables of the triage signals: links between appeals (repeat, near-duplicate, crowd) and the
versions of the risk lexicon. Imported by `minyi.triage.models` so Alembic sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class AppealLink(Base):
    """An appeal pointing at an earlier one it repeats, nearly duplicates, or shares a crowd with.

    kind: `repeat` (the same citizen on the same matter, 重复信访), `duplicate` (near-identical
    text, usually the same appeal through another channel), `crowd` (涉众: another citizen on the
    same matter and place within the crowd window; `cluster_id` names the cluster's first appeal).
    """

    __tablename__ = "appeal_links"
    __table_args__ = (
        UniqueConstraint("appeal_id", "other_id", "kind"),
        Index("ix_appeal_links_other_id", "other_id"),
        Index("ix_appeal_links_cluster_id", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"))
    other_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"))
    kind: Mapped[str] = mapped_column(String(10))
    similarity: Mapped[float | None] = mapped_column(Float)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class RiskLexicon(Base):
    """One version of the risk lexicon (YAML); the newest is current. Version 0, the file shipped
    in the package, is used until an administrator saves one."""

    __tablename__ = "risk_lexicons"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(60))
