"""REST API (issue 6): access tokens and the replies staff record for handed-off questions.

- `api_tokens`: one row per staff member or system; only the SHA-256 of the secret is stored
  (the secret is printed once, by `outreach token create`), so a copy of the database lets no
  one call the API. `role` is staff, ledger or admin; staff carry their `township`.
  `revoked_at` set = the token no longer works.
- `api_question_replies`: the text a staff member answered when closing a question through the
  API (one per question; the question row itself is closed by campaigns.close_question).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("township", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("uq_api_tokens_hash", ["token_hash"], unique=True)
    op.create_table(
        "api_question_replies",
        sa.Column("question_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("question_id"),
    )


def downgrade() -> None:
    op.drop_table("api_question_replies")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("uq_api_tokens_hash")
    op.drop_table("api_tokens")
