"""initial schema

Revision ID: 2383a2bbb188
Revises:
Create Date: 2026-11-21 06:04:57.976583
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "2383a2bbb188"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "dictionary_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dictionary_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_dictionary_versions_number")),
    )
    with op.batch_alter_table("dictionary_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dictionary_versions_is_current"), ["is_current"], unique=False
        )

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name=op.f("fk_units_parent_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_units_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_units_path"), ["path"], unique=False)

    op.create_table(
        "dictionary_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("class_name", sa.String(length=20), nullable=False),
        sa.Column("level2", sa.String(length=60), nullable=False),
        sa.Column("level3", sa.String(length=60), nullable=False),
        sa.Column("level4", sa.String(length=100), nullable=False),
        sa.Column("lead_unit_kind", sa.String(length=20), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("policy_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["units.id"], name=op.f("fk_dictionary_entries_lead_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dictionary_versions.id"],
            name=op.f("fk_dictionary_entries_version_id_dictionary_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dictionary_entries")),
        sa.UniqueConstraint(
            "version_id", "code", name=op.f("uq_dictionary_entries_version_id_code")
        ),
    )
    with op.batch_alter_table("dictionary_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dictionary_entries_class_name"), ["class_name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dictionary_entries_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dictionary_entries_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_staff_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_username")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_api_tokens_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_tokens_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("allows_anonymous", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_channels_owner_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("code", name=op.f("uq_channels_code")),
    )
    op.create_table(
        "leader_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_leader_areas_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_leader_areas_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_areas")),
        sa.UniqueConstraint("staff_id", "unit_id", name=op.f("uq_leader_areas_staff_id_unit_id")),
    )
    with op.batch_alter_table("leader_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leader_areas_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leader_areas_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "appeals",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("citizen_name", sa.String(length=60), nullable=True),
        sa.Column("id_card", sa.String(length=18), nullable=True),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("is_confidential", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lng", sa.Double(), nullable=True),
        sa.Column("crowd_size", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("category_hint_id", sa.Integer(), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_hint_id"],
            ["dictionary_entries.id"],
            name=op.f("fk_appeals_category_hint_id_dictionary_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_appeals_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["staff.id"], name=op.f("fk_appeals_registered_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint(
            "channel_id", "external_id", name=op.f("uq_appeals_channel_id_external_id")
        ),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_appeals_tracking_no")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_phone", ["phone"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_attachments_appeal_id_appeals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_appeal_id"), ["appeal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("class_name", sa.String(length=20), nullable=True),
        sa.Column("policy_code", sa.String(length=20), nullable=False),
        sa.Column("first_unit_id", sa.Integer(), nullable=True),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_overdue", sa.Boolean(), nullable=False),
        sa.Column("bounce_pending", sa.Boolean(), nullable=False),
        sa.Column("bounce_count", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=30), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_cases_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["dictionary_entries.id"],
            name=op.f("fk_cases_category_id_dictionary_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_cases_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["units.id"], name=op.f("fk_cases_community_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["first_unit_id"], ["units.id"], name=op.f("fk_cases_first_unit_id_units")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"], name=op.f("fk_cases_grid_id_units")),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["units.id"], name=op.f("fk_cases_lead_unit_id_units")
        ),
        sa.ForeignKeyConstraint(["street_id"], ["units.id"], name=op.f("fk_cases_street_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_cases_appeal_id")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_cases_tracking_no")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_class_name"), ["class_name"], unique=False)
        batch_op.create_index("ix_cases_community_status", ["community_id", "status"], unique=False)
        batch_op.create_index("ix_cases_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_cases_lead_unit_status", ["lead_unit_id", "status"], unique=False)
        batch_op.create_index(
            "ix_cases_status_registered_at", ["status", "registered_at"], unique=False
        )
        batch_op.create_index("ix_cases_street_status", ["street_id", "status"], unique=False)

    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_bounces_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_bounces_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["staff.id"], name=op.f("fk_bounces_requested_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_bounces_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounces")),
    )
    with op.batch_alter_table("bounces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bounces_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bounces_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_bounces_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=60), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_case_events_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case_id_id", ["case_id", "id"], unique=False)

    op.create_table(
        "case_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("assigned_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_units_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_case_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_units")),
        sa.UniqueConstraint("case_id", "unit_id", name=op.f("uq_case_units_case_id_unit_id")),
    )
    with op.batch_alter_table("case_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_units_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_units_unit_active", ["unit_id", "is_active"], unique=False)

    _make_event_log_append_only()


def _make_event_log_append_only() -> None:
    """责任倒查 rests on the event log: the database itself refuses to rewrite history."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION minyi_refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'case_events is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION minyi_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_events_no_{verb.lower()} BEFORE {verb} ON case_events "
                "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_events_append_only ON case_events")
        op.execute("DROP FUNCTION minyi_refuse_change()")
    else:
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute("DROP TRIGGER case_events_no_delete")
    with op.batch_alter_table("case_units", schema=None) as batch_op:
        batch_op.drop_index("ix_case_units_unit_active")
        batch_op.drop_index(batch_op.f("ix_case_units_case_id"))

    op.drop_table("case_units")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case_id_id")

    op.drop_table("case_events")
    with op.batch_alter_table("bounces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bounces_unit_id"))
        batch_op.drop_index(batch_op.f("ix_bounces_status"))
        batch_op.drop_index(batch_op.f("ix_bounces_case_id"))

    op.drop_table("bounces")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_street_status")
        batch_op.drop_index("ix_cases_status_registered_at")
        batch_op.drop_index("ix_cases_lead_unit_status")
        batch_op.drop_index("ix_cases_due_at")
        batch_op.drop_index("ix_cases_community_status")
        batch_op.drop_index(batch_op.f("ix_cases_class_name"))
        batch_op.drop_index(batch_op.f("ix_cases_channel_id"))
        batch_op.drop_index(batch_op.f("ix_cases_category_id"))

    op.drop_table("cases")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_appeal_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("ix_appeals_phone")

    op.drop_table("appeals")
    with op.batch_alter_table("leader_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leader_areas_unit_id"))
        batch_op.drop_index(batch_op.f("ix_leader_areas_staff_id"))

    op.drop_table("leader_areas")
    op.drop_table("channels")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_staff_id"))
        batch_op.drop_index("ix_api_tokens_expires_at")

    op.drop_table("api_tokens")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_unit_id"))
        batch_op.drop_index(batch_op.f("ix_staff_role"))

    op.drop_table("staff")
    with op.batch_alter_table("dictionary_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dictionary_entries_version_id"))
        batch_op.drop_index(batch_op.f("ix_dictionary_entries_code"))
        batch_op.drop_index(batch_op.f("ix_dictionary_entries_class_name"))

    op.drop_table("dictionary_entries")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_path"))
        batch_op.drop_index(batch_op.f("ix_units_parent_id"))
        batch_op.drop_index(batch_op.f("ix_units_kind"))

    op.drop_table("units")
    with op.batch_alter_table("dictionary_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dictionary_versions_is_current"))

    op.drop_table("dictionary_versions")
    op.drop_table("counters")
