"""grassroots: households under buildings; a patrol's household and how its grid event is handled

Revision ID: gridrest0001
Revises: volunteers0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "gridrest0001"
down_revision = "volunteers0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=60), nullable=False),
        sa.Column("head_name", sa.String(length=60), nullable=True),
        sa.Column("head_phone", sa.String(length=20), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_visited_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_households_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("code", name=op.f("uq_households_code")),
    )
    op.create_index(op.f("ix_households_building_id"), "households", ["building_id"], unique=False)
    with op.batch_alter_table("patrols") as batch:
        batch.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("handling", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("handled_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("whistle_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_patrols_household_id_households"), "households", ["household_id"], ["id"]
        )
        batch.create_foreign_key(
            batch.f("fk_patrols_whistle_id_whistles"), "whistles", ["whistle_id"], ["id"]
        )
        batch.create_index(batch.f("ix_patrols_household_id"), ["household_id"], unique=False)
        batch.create_index(batch.f("ix_patrols_whistle_id"), ["whistle_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patrols") as batch:
        batch.drop_index(batch.f("ix_patrols_whistle_id"))
        batch.drop_index(batch.f("ix_patrols_household_id"))
        batch.drop_constraint(batch.f("fk_patrols_whistle_id_whistles"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_patrols_household_id_households"), type_="foreignkey")
        batch.drop_column("whistle_id")
        batch.drop_column("handled_at")
        batch.drop_column("handling")
        batch.drop_column("household_id")
    op.drop_index(op.f("ix_households_building_id"), table_name="households")
    op.drop_table("households")
