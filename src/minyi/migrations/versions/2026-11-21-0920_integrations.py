"""integrations: open311 clients and queue, webhook subscribers and deliveries

Revision ID: h1integr0001
Revises: g2analyt0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "h1integr0001"
down_revision = "g2analyt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscribers")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_subscribers_name")),
    )
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("is_queued", sa.Boolean(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_open311_clients_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_clients_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_open311_clients_name")),
    )
    op.create_table(
        "open311_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("appeal", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("received_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("registered_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_open311_queue_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["open311_clients.id"],
            name=op.f("fk_open311_queue_client_id_open311_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_queue")),
        sa.UniqueConstraint("token", name=op.f("uq_open311_queue_token")),
    )
    with op.batch_alter_table("open311_queue", schema=None) as batch_op:
        batch_op.create_index("ix_open311_queue_pending", ["case_id", "id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_webhook_deliveries_message_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["webhook_subscribers.id"],
            name=op.f("fk_webhook_deliveries_subscriber_id_webhook_subscribers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhook_deliveries_message_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_subscriber_id_id", ["subscriber_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_subscriber_id_id")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("open311_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_open311_queue_pending")

    op.drop_table("open311_queue")
    op.drop_table("open311_clients")
    op.drop_table("webhook_subscribers")
