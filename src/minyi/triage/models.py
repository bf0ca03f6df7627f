"""Triage tables: the registry of trained classifier versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class TriageModel(Base):
    """One trained classifier. The artifact lives on disk under the data directory (`path` is
    relative to it); `sha256` must match before it is loaded. One row at a time is current."""

    __tablename__ = "triage_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    labels: Mapped[list[Any]]
    metrics: Mapped[dict[str, Any]]
    threshold: Mapped[float]
    is_current: Mapped[bool] = mapped_column(default=False, index=True)


# The gazetteer and signal tables live beside the code that uses them; imported here so the
# schema (Alembic, the migration test) sees every triage table through this one module.
from minyi.triage.place_models import GazetteerEntry  # noqa: E402
from minyi.triage.signal_models import AppealLink, RiskLexicon  # noqa: E402
from minyi.triage.suggestion_models import TriageCorrection, TriageSuggestion  # noqa: E402

__all__ = [
    "AppealLink",
    "GazetteerEntry",
    "RiskLexicon",
    "TriageCorrection",
    "TriageModel",
    "TriageSuggestion",
]
