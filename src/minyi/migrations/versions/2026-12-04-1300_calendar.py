"""sla: the working-day calendar as data (years and their exceptional days)

Seeds 2027 with the holidays the law fixes (全国年节及纪念日放假办法, 2024 revision: 元旦 1,
春节 4 from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3 days), their lunar dates as computed by
the `holidays` package 0.109 and checked against the law. The State Council's 2027 notice (extra
days off and 调休 working weekends) was not in any package on this machine: the year is marked
`statutory` and the admin page warns until an administrator enters the notice.

Revision ID: clocks0001
Revises: throttle0001
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "clocks0001"
down_revision = "throttle0001"
branch_labels = None
depends_on = None

STATUTORY_2027 = (
    ("2027-01-01", "元旦"),
    ("2027-02-05", "春节（除夕）"),
    ("2027-02-06", "春节"),
    ("2027-02-07", "春节"),
    ("2027-02-08", "春节"),
    ("2027-04-05", "清明节"),
    ("2027-05-01", "劳动节"),
    ("2027-05-02", "劳动节"),
    ("2027-06-09", "端午节"),
    ("2027-09-15", "中秋节"),
    ("2027-10-01", "国庆节"),
    ("2027-10-02", "国庆节"),
    ("2027-10-03", "国庆节"),
)


def upgrade() -> None:
    years = op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    days = op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["year"], ["calendar_years.year"], name=op.f("fk_calendar_days_year_calendar_years")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index(op.f("ix_calendar_days_year"), "calendar_days", ["year"], unique=False)
    op.bulk_insert(
        years,
        [
            {
                "year": 2027,
                "source": "statutory",
                "version": 1,
                "updated_by": "migration",
                "updated_at": datetime(2026, 12, 4, tzinfo=UTC),
                "note": "法定节假日（按《全国年节及纪念日放假办法》推算）；国务院办公厅2027年放假安排（调休）尚未录入",
            }
        ],
    )
    op.bulk_insert(
        days,
        [
            {"day": date.fromisoformat(d), "year": 2027, "kind": "holiday", "note": n}
            for d, n in STATUTORY_2027
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_days_year"), table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
