"""The `events` table as the relay sees it: the event and its relay state (migration 0006).

A lightweight description (no ORM class, no MetaData of its own): the schema belongs to the
migrations, and the writers of events (campaigns/) keep their own model without these columns,
which default to "not yet delivered".
"""

from __future__ import annotations

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, column, table

EVENTS = table(
    "events",
    column("id", BigInteger),
    column("kind", String),
    column("at", DateTime(timezone=True)),
    column("campaign_id", Integer),
    column("message_id", BigInteger),
    column("resident_id", String),
    column("data", Text),
    column("relayed_at", DateTime(timezone=True)),
    column("relay_dead_at", DateTime(timezone=True)),
    column("relay_attempts", Integer),
    column("relay_since", DateTime(timezone=True)),
    column("relay_next_at", DateTime(timezone=True)),
    column("relay_error", String),
    column("relay_lease", DateTime(timezone=True)),
    column("relay_owner", String),
)
