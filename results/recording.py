"""Writing conversions: attributed, once per resident × kind × month, each with its event."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.events import EventKind, event_row, write_events
from core import RESIDENT_TZ
from results.attribution import last_contacts
from results.changes import ChangeKind
from results.model import CONVERSION_COUNTS, CONVERSIONS


@dataclass(frozen=True, slots=True)
class Found:
    """A conversion to record: who, which change, and when it took effect."""

    resident_id: str
    kind: ChangeKind
    at: datetime  # timezone-aware


def upsert(connection: AsyncConnection, table: Table) -> Any:
    """INSERT with ON CONFLICT support for the database behind `connection`."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def record(
    connection: AsyncConnection,
    found: list[Found],
    *,
    source: str,
    now: datetime,
    window: timedelta,
    batch_key: str | None = None,
) -> int:
    """Record each conversion not yet known (same resident, kind and month); the number new.

    Runs inside the caller's transaction, so the conversion, its `conversion` event and the
    status change that caused it commit together.
    """
    written = 0
    kinds: Counter[str] = Counter()
    events: list[dict[str, Any]] = []
    contacts = await last_contacts(
        connection, [(f.resident_id, f.at.astimezone(UTC)) for f in found], window
    )
    for item in found:
        at = item.at.astimezone(UTC)
        local = at.astimezone(RESIDENT_TZ).date()
        contact = contacts.get((item.resident_id, at))
        values = {
            "resident_id": item.resident_id,
            "kind": item.kind.value,
            "effective_on": local,
            "period": f"{local:%Y-%m}",
            "reported_at": now.astimezone(UTC),
            "source": source,
            "batch_key": batch_key,
            "campaign_id": contact.campaign_id if contact else None,
            "message_id": contact.message_id if contact else None,
            "contact_event_id": contact.event_id if contact else None,
            "contact_at": contact.at if contact else None,
            "channel": contact.channel if contact else None,
        }
        statement = (
            upsert(connection, CONVERSIONS)
            .values(values)
            .on_conflict_do_nothing(index_elements=["resident_id", "kind", "period"])
            .returning(CONVERSIONS.c.id)
        )
        conversion_id = (await connection.execute(statement)).scalar_one_or_none()
        if conversion_id is None:
            continue  # already counted for this month
        written += 1
        kinds[item.kind.value] += 1
        events.append(
            event_row(
                EventKind.CONVERSION,
                now,
                campaign_id=values["campaign_id"],
                message_id=values["message_id"],
                resident_id=item.resident_id,
                data={
                    "conversion_id": conversion_id,
                    "change": item.kind.value,
                    "effective_on": local.isoformat(),
                    "source": source,
                    "attributed": contact is not None,
                    "contact_at": contact.at.isoformat() if contact else None,
                    "channel": values["channel"],
                    "contact_event_id": values["contact_event_id"],
                },
            )
        )
    await write_events(connection, events)
    await _count(connection, kinds)
    return written


async def _count(connection: AsyncConnection, written: Counter[str]) -> None:
    """Add the conversions just written to their kinds' counts, in the same transaction.

    Each kind's row stays locked until the caller commits, so concurrent writers take turns
    here; this is the last statement of `record` (nothing is locked after it) and the rows are
    taken in kind order, so two writers never wait for each other in a circle.
    """
    if not written:
        return
    rows = [{"kind": kind, "n": n} for kind, n in sorted(written.items())]
    statement = upsert(connection, CONVERSION_COUNTS).values(rows)
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=["kind"],
            set_={"n": CONVERSION_COUNTS.c.n + statement.excluded.n},
        )
    )
