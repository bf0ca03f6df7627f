"""triage: gazetteer entries and routing history

Revision ID: f2places0001
Revises: f1triage0001
"""

from __future__ import annotations

revision = "f2places0001"
down_revision = "f1triage0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
