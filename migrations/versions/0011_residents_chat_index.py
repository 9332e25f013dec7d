"""Index residents by linked Telegram chat: every bot update looks its chat's resident up.

A chat's event row takes its resident from `residents.telegram_chat_id`, and so do the bot's read
of a chat it has not cached, linking, unlinking and Telegram replies. Without an index each of
these scanned the whole ledger: with 100,000 residents one bot process took 101 updates a second
instead of 500, p99 62 s. Partial: only linked residents (few) have an entry.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of ledger.model's predicate: a migration keeps the text it was written with.
_LINKED = "telegram_chat_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_residents_telegram_chat",
            ["telegram_chat_id"],
            sqlite_where=sa.text(_LINKED),
            postgresql_where=sa.text(_LINKED),
        )


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_telegram_chat")
