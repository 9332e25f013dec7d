"""Residents table: the ledger, keyed by ID number.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("household_address", sa.Text(), nullable=True),
        sa.Column("current_address", sa.Text(), nullable=True),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("village", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=11), nullable=True),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("employment_status", sa.String(length=16), nullable=True),
        sa.Column("employer", sa.String(length=128), nullable=True),
        sa.Column("identity_group", sa.String(length=32), nullable=True),
        sa.Column("special_category", sa.String(length=32), nullable=True),
        sa.Column("pension_scheme", sa.String(length=16), nullable=True),
        sa.Column("pension_status", sa.String(length=16), nullable=True),
        sa.Column("pension_last_paid", sa.Date(), nullable=True),
        sa.Column("pension_region", sa.String(length=64), nullable=True),
        sa.Column("medical_scheme", sa.String(length=16), nullable=True),
        sa.Column("medical_status", sa.String(length=16), nullable=True),
        sa.Column("medical_last_paid", sa.Date(), nullable=True),
        sa.Column("uninsured_reason", sa.String(length=32), nullable=True),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id_number"),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_residents_township_village", ["township", "village"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_township_village")

    op.drop_table("residents")
