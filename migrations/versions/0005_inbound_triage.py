"""Inbound questions answered by SMS (issue 5): duplicate pushes, triage and who answered.

- `dedupe_key`: the gateway's own id of a reply (Alibaba sequence_id, Twilio MessageSid) or a
  digest of sender, gateway time and text; unique per provider, so a callback pushed twice
  stores one row and gets one answer.
- `triaged_at`, `triage`, `entry_id`: when the knowledge base looked at the question, what it
  decided (answered, abstained, estimate, too_long, unknown_sender, suppressed) and which entry
  it answered with or found nearest.
- `answered_by`: "auto" (the SMS answer) or "staff" (`outreach faq close`).
- `reply_message_id`: the message row that carries the answer or the hand-off notice.

Questions stored before this revision were already in the staff queue: they are marked
triaged so that no automatic answer goes out days after they were asked.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("triage", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("entry_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("answered_by", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("reply_message_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("uq_inbound_dedupe", ["provider", "dedupe_key"], unique=True)
        batch_op.create_index("ix_inbound_triage", ["kind", "triaged_at"])
        batch_op.create_index("ix_inbound_resident", ["resident_id"])
    inbound = sa.table(
        "inbound_messages",
        sa.column("triaged_at", sa.DateTime(timezone=True)),
        sa.column("received_at", sa.DateTime(timezone=True)),
        sa.column("triage", sa.String(length=16)),
    )
    op.execute(
        inbound.update()
        .where(inbound.c.triaged_at.is_(None))
        .values(triaged_at=inbound.c.received_at, triage="before_auto")
    )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_resident")
        batch_op.drop_index("ix_inbound_triage")
        batch_op.drop_index("uq_inbound_dedupe")
        for column in (
            "reply_message_id",
            "answered_by",
            "entry_id",
            "triage",
            "triaged_at",
            "dedupe_key",
        ):
            batch_op.drop_column(column)
