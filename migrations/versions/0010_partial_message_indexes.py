"""Fewer message indexes, and partial ones, so that sending writes fewer index entries.

A message row is updated three times on its way out (enqueued, claimed, recorded); its status
is indexed, so none of these is a HOT update and each adds an entry to every index of the
table. The gateway-id index now holds only rows that have a gateway id (one entry, at record,
instead of three), and the by-number index only the unrecorded sends it exists for (`unknown`,
or `sent` without a gateway id: normally no entry at all). The once-per-resident key leads
with the resident, so it also finds a resident's messages and their own index goes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies of campaigns.model's predicates: a migration keeps the text it was written with.
_HAS_PROVIDER_ID = "provider_id IS NOT NULL"
_UNRECORDED_SEND = "status IN ('unknown', 'sent') AND provider_id IS NULL"


def _where(predicate: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(predicate), "postgresql_where": sa.text(predicate)}


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_messages_once", type_="unique")
        batch_op.create_unique_constraint(
            "uq_messages_once", ["resident_id", "campaign_id", "occurrence"]
        )
        batch_op.drop_index("ix_messages_resident")
        batch_op.drop_index("ix_messages_provider_id")
        batch_op.drop_index("ix_messages_address")
        batch_op.create_index(
            "ix_messages_provider_id", ["provider", "provider_id"], **_where(_HAS_PROVIDER_ID)
        )
        batch_op.create_index("ix_messages_address", ["address"], **_where(_UNRECORDED_SEND))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_messages_once", type_="unique")
        batch_op.create_unique_constraint(
            "uq_messages_once", ["campaign_id", "resident_id", "occurrence"]
        )
        batch_op.create_index("ix_messages_resident", ["resident_id"])
        batch_op.drop_index("ix_messages_provider_id")
        batch_op.drop_index("ix_messages_address")
        batch_op.create_index("ix_messages_provider_id", ["provider", "provider_id"])
        batch_op.create_index("ix_messages_address", ["address", "status"])
