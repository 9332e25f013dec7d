"""Conversions counted by kind as they are written: /metrics read the whole table each scrape.

The `outreach_conversions_recorded` gauge counted `conversions` grouped by kind on every scrape
of every process (36 ms at 60,000 rows, growing with the table). `conversion_counts` holds a
row per kind that `results.recording.record` adds to in the transaction that writes the
conversions, so it is exact across processes and a scrape reads a few rows. Seeded here from
the conversions already stored; run it with the writers stopped, as the other migrations.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversion_counts",
        sa.Column("kind", sa.String(length=32), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO conversion_counts (kind, n) "
        "SELECT kind, count(*) FROM conversions GROUP BY kind"
    )


def downgrade() -> None:
    op.drop_table("conversion_counts")
