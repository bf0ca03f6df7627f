"""grassroots: roads, buildings, party branches, coverage assignments and patrols

Revision ID: grid160001
Revises: listsweb0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "grid160001"
down_revision = "listsweb0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"], name=op.f("fk_roads_grid_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
        sa.UniqueConstraint("code", name=op.f("uq_roads_code")),
    )
    op.create_index(op.f("ix_roads_grid_id"), "roads", ["grid_id"], unique=False)
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("road_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_visited_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"], name=op.f("fk_buildings_grid_id_units")),
        sa.ForeignKeyConstraint(["road_id"], ["roads.id"], name=op.f("fk_buildings_road_id_roads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("code", name=op.f("uq_buildings_code")),
    )
    op.create_index(op.f("ix_buildings_grid_id"), "buildings", ["grid_id"], unique=False)
    op.create_index(op.f("ix_buildings_road_id"), "buildings", ["road_id"], unique=False)
    op.create_table(
        "party_branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("secretary_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["units.id"], name=op.f("fk_party_branches_community_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["secretary_id"], ["staff.id"], name=op.f("fk_party_branches_secretary_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_branches")),
    )
    op.create_index(
        op.f("ix_party_branches_community_id"), "party_branches", ["community_id"], unique=False
    )
    op.create_table(
        "coverage_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("road_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("visit_days", sa.Integer(), nullable=False),
        sa.Column("assigned_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(road_id IS NULL) <> (building_id IS NULL)",
            name=op.f("ck_coverage_assignments_road_or_building"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["party_branches.id"],
            name=op.f("fk_coverage_assignments_branch_id_party_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_coverage_assignments_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["road_id"], ["roads.id"], name=op.f("fk_coverage_assignments_road_id_roads")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_coverage_assignments_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_assignments")),
    )
    op.create_index(
        op.f("ix_coverage_assignments_branch_id"),
        "coverage_assignments",
        ["branch_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_coverage_assignments_building_id"),
        "coverage_assignments",
        ["building_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_coverage_assignments_road_id"), "coverage_assignments", ["road_id"], unique=False
    )
    op.create_index(
        "ix_coverage_assignments_staff_id_ended_at",
        "coverage_assignments",
        ["staff_id", "ended_at"],
        unique=False,
    )
    op.create_table(
        "patrols",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_patrols_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_patrols_case_id_cases")),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"], name=op.f("fk_patrols_grid_id_units")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_patrols_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index(
        "ix_patrols_building_id_visited_at", "patrols", ["building_id", "visited_at"], unique=False
    )
    op.create_index(op.f("ix_patrols_case_id"), "patrols", ["case_id"], unique=False)
    op.create_index(op.f("ix_patrols_grid_id"), "patrols", ["grid_id"], unique=False)
    op.create_index(op.f("ix_patrols_staff_id"), "patrols", ["staff_id"], unique=False)
    op.create_index(op.f("ix_patrols_visited_at"), "patrols", ["visited_at"], unique=False)
    op.create_table(
        "patrol_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrols.id"], name=op.f("fk_patrol_photos_patrol_id_patrols")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_photos")),
    )
    op.create_index(
        op.f("ix_patrol_photos_patrol_id"), "patrol_photos", ["patrol_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_patrol_photos_patrol_id"), table_name="patrol_photos")
    op.drop_table("patrol_photos")
    op.drop_index(op.f("ix_patrols_visited_at"), table_name="patrols")
    op.drop_index(op.f("ix_patrols_staff_id"), table_name="patrols")
    op.drop_index(op.f("ix_patrols_grid_id"), table_name="patrols")
    op.drop_index(op.f("ix_patrols_case_id"), table_name="patrols")
    op.drop_index("ix_patrols_building_id_visited_at", table_name="patrols")
    op.drop_table("patrols")
    op.drop_index("ix_coverage_assignments_staff_id_ended_at", table_name="coverage_assignments")
    op.drop_index(op.f("ix_coverage_assignments_road_id"), table_name="coverage_assignments")
    op.drop_index(op.f("ix_coverage_assignments_building_id"), table_name="coverage_assignments")
    op.drop_index(op.f("ix_coverage_assignments_branch_id"), table_name="coverage_assignments")
    op.drop_table("coverage_assignments")
    op.drop_index(op.f("ix_party_branches_community_id"), table_name="party_branches")
    op.drop_table("party_branches")
    op.drop_index(op.f("ix_buildings_road_id"), table_name="buildings")
    op.drop_index(op.f("ix_buildings_grid_id"), table_name="buildings")
    op.drop_table("buildings")
    op.drop_index(op.f("ix_roads_grid_id"), table_name="roads")
    op.drop_table("roads")
