"""Conversions (issue 6): status changes reported by the ledger system, attributed to outreach.

- `conversions`: one row per resident × kind of change × month (`uq_conversions_once`), with the
  contact it is attributed to (message or chat event) or none.
- `status_marks`: each resident's pension/medical status and pension scheme as conversions last
  saw them; a re-import is compared against them. Seeded here from the residents already stored,
  so that the residents of earlier imports are not counted as conversions.
- `status_change_batches`: API batches applied, by idempotency key, with their result.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("resident_id", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch_key", sa.String(length=128), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_event_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.UniqueConstraint("resident_id", "kind", "period", name="uq_conversions_once"),
    )
    op.create_index("ix_conversions_campaign", "conversions", ["campaign_id"])
    op.create_index("ix_conversions_effective", "conversions", ["effective_on"])
    op.create_table(
        "status_marks",
        sa.Column("resident_id", sa.String(length=18), primary_key=True),
        sa.Column("pension_status", sa.String(length=16), nullable=True),
        sa.Column("pension_scheme", sa.String(length=16), nullable=True),
        sa.Column("medical_status", sa.String(length=16), nullable=True),
    )
    op.create_table(
        "status_change_batches",
        sa.Column("key", sa.String(length=128), primary_key=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
    )
    op.execute(
        "INSERT INTO status_marks (resident_id, pension_status, pension_scheme, medical_status) "
        "SELECT id_number, pension_status, pension_scheme, medical_status FROM residents"
    )


def downgrade() -> None:
    op.drop_table("status_change_batches")
    op.drop_table("status_marks")
    op.drop_index("ix_conversions_effective", table_name="conversions")
    op.drop_index("ix_conversions_campaign", table_name="conversions")
    op.drop_table("conversions")
