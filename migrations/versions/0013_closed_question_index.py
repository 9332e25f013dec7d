"""Index residents' answered questions: the question list with closed ones read them all.

Staff's list with closed questions (`?all=true`, `outreach faq questions --all`) sorted every
question ever received to show the first page; the answered ones are most of them and grow
without end. A partial index of answered questions in (received_at, id) order lets the list read
the open questions from 0012's index and then only as many answered ones as the page shows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of campaigns.model's predicate: a migration keeps the text it was written with.
_ANSWERED = "inbound_messages.kind = 'question' AND inbound_messages.answered_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_closed_questions",
            ["received_at", "id"],
            sqlite_where=sa.text(_ANSWERED),
            postgresql_where=sa.text(_ANSWERED),
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_closed_questions")
