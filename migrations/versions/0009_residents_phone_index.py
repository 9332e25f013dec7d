"""Index residents by phone: each SMS reply finds its resident by the sender's number.

Without it every reply (and every receipt of a send whose record was lost) scanned the whole
ledger: fine at 20,000 residents, not at a prefecture's million.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index("ix_residents_phone", ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_phone")
