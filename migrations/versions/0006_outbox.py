"""The outbox of results for the ledger system (issue 6): relay state on every event row.

The outbox is the `events` table itself. Every event is written in the same transaction as the
change it describes (campaigns/events.py and the chat store), and a row whose `relayed_at` is
NULL is one the ledger system has not acknowledged yet. So no writer has to know the relay, a
crash between commit and post loses nothing, and no cursor can skip an event whose transaction
committed after a later id's (PostgreSQL sequences hand out ids in insert order, not commit
order). The columns:

- `relayed_at`: when the ledger's webhook acknowledged the event (NULL: not yet).
- `relay_dead_at`: when it gave up (retried past the horizon, 24 h by default); staff replay it.
- `relay_attempts`, `relay_since`, `relay_next_at`, `relay_error`: failed posts so far, the first
  failure, when the next try is due (exponential backoff with jitter) and the last error.
- `relay_lease`, `relay_owner`: a relay's claim on the row until `relay_lease`, so that any number
  of relays post no event twice at once.

Two partial indexes cover only undelivered rows: the relay's scan in id order, and the
per-resident order check ("is an earlier event of this resident still undelivered?").

Events stored before this revision are undelivered: the first relay posts the history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNDELIVERED = sa.text("relayed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relay_dead_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("relay_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("relay_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relay_next_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relay_error", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("relay_lease", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relay_owner", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_events_relay_pending",
        "events",
        ["id"],
        sqlite_where=_UNDELIVERED,
        postgresql_where=_UNDELIVERED,
    )
    op.create_index(
        "ix_events_relay_resident",
        "events",
        ["resident_id", "id"],
        sqlite_where=_UNDELIVERED,
        postgresql_where=_UNDELIVERED,
    )


def downgrade() -> None:
    op.drop_index("ix_events_relay_resident", table_name="events")
    op.drop_index("ix_events_relay_pending", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column in (
            "relay_owner",
            "relay_lease",
            "relay_error",
            "relay_next_at",
            "relay_since",
            "relay_attempts",
            "relay_dead_at",
            "relayed_at",
        ):
            batch_op.drop_column(column)
