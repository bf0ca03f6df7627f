"""triage: classifier model registry

Revision ID: f1triage0001
Revises: c1superv0001
"""

from __future__ import annotations

revision = "f1triage0001"
down_revision = "c1superv0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
