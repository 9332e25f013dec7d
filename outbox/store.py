"""Claims, outcomes and dead letters of the relay, on the `events` table (see outbox/__init__).

Claim: the oldest due undelivered events whose resident has no earlier event waiting for a
retry, leased by another relay, or dead, get a lease and an owner token. On PostgreSQL they are
picked FOR UPDATE SKIP LOCKED, so concurrent relays take disjoint rows; SQLite serialises the
one UPDATE that picks and leases them. In the same transaction every candidate whose resident
still has an earlier undelivered event outside the batch (delivered is final, so this reads only
committed outcomes) is left out: two relays claiming one resident's events at the same moment
each see the other's, and only the earliest is posted.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core import is_sqlite, stored_utc
from outbox.table import EVENTS as E

_COLUMNS = (E.c.id, E.c.kind, E.c.at, E.c.campaign_id, E.c.message_id, E.c.resident_id, E.c.data)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, then a dead letter once `horizon` has passed since the
    first failure."""

    base: timedelta
    cap: timedelta
    horizon: timedelta

    def delay(self, attempts: int, draw: float) -> timedelta:
        """The wait after the `attempts`-th failure: half fixed, half random (draw in [0, 1))."""
        full: timedelta = min(self.base * (2 ** min(attempts - 1, 30)), self.cap)
        return full / 2 + full / 2 * draw


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    kind: str
    at: datetime
    resident_id: str | None
    attempts: int
    since: datetime | None
    dead_at: datetime
    error: str | None


def _earlier_undelivered(alias: Any) -> Any:
    return and_(
        alias.c.resident_id == E.c.resident_id,
        alias.c.relayed_at.is_(None),
        alias.c.id < E.c.id,
    )


async def _held(connection: AsyncConnection, ids: list[int]) -> set[int]:
    """Those of `ids` whose resident has an earlier undelivered event outside `ids` (another
    relay's claim, a retry or a dead letter): posting them now would overtake it."""
    if not ids:
        return set()
    other = E.alias("other")
    found = await connection.execute(
        select(E.c.id).where(
            E.c.id.in_(ids),
            exists(
                select(other.c.id)
                .where(_earlier_undelivered(other), other.c.id.not_in(ids))
                .offset(0)  # see OutboxStore.claim
            ),
        )
    )
    return set(found.scalars())


class OutboxStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(str(engine.url))

    @asynccontextmanager
    async def _relaying(self) -> AsyncIterator[AsyncConnection]:
        """A transaction of the relay's own bookkeeping. On PostgreSQL it commits without
        waiting for the WAL flush: a lease or a delivery mark lost to a database crash only
        means a batch is posted again, with the same idempotency keys."""
        async with self.engine.begin() as connection:
            if not self._sqlite:
                await connection.execute(text("SET LOCAL synchronous_commit = off"))
            yield connection

    async def claim(
        self, limit: int, now: datetime, lease: timedelta
    ) -> tuple[str, list[Row[Any]]]:
        """Claim up to `limit` due events in id order; returns the owner token and the rows
        that may be posted now (per-resident order kept)."""
        owner = uuid.uuid4().hex
        waiting = E.alias("waiting")
        blocked_now = exists(
            select(waiting.c.id)
            .where(
                _earlier_undelivered(waiting),
                or_(
                    waiting.c.relay_dead_at.is_not(None),
                    waiting.c.relay_next_at > now,
                    waiting.c.relay_lease > now,
                ),
            )
            .offset(0)  # PostgreSQL keeps an EXISTS with OFFSET a per-row probe of
            # ix_events_relay_resident instead of a join over every undelivered row
        )
        due = (
            select(E.c.id)
            .where(
                E.c.relayed_at.is_(None),
                E.c.relay_dead_at.is_(None),
                or_(E.c.relay_next_at.is_(None), E.c.relay_next_at <= now),
                or_(E.c.relay_lease.is_(None), E.c.relay_lease <= now),
                ~blocked_now,
            )
            .order_by(E.c.id)
            .limit(limit)
        )
        lease_it = update(E).values(relay_lease=now + lease, relay_owner=owner).returning(*_COLUMNS)
        async with self._relaying() as connection:
            if self._sqlite:  # one statement: SQLite serialises it against other writers
                claimed = (
                    await connection.execute(lease_it.where(E.c.id.in_(due.scalar_subquery())))
                ).all()
                held = await _held(connection, [row.id for row in claimed])
                if held:
                    await connection.execute(
                        update(E).where(E.c.id.in_(held)).values(relay_lease=None, relay_owner=None)
                    )
            else:  # rows locked (others skipped) until commit; the postable ones leased
                # Walk ix_events_relay_pending in id order and stop at `limit`: with statistics
                # from before a burst of events the planner would rather collect and sort every
                # due row (and probe each one's resident), 20 times slower on 30,000 rows.
                await connection.execute(text("SET LOCAL enable_sort = off"))
                locked: list[int] = list(
                    (await connection.execute(due.with_for_update(skip_locked=True))).scalars()
                )
                held = await _held(connection, locked)
                postable = [event_id for event_id in locked if event_id not in held]
                claimed = (
                    (await connection.execute(lease_it.where(E.c.id.in_(postable)))).all()
                    if postable
                    else []
                )
        return owner, sorted((row for row in claimed if row.id not in held), key=lambda r: r.id)

    async def delivered(self, ids: Sequence[int], now: datetime) -> None:
        async with self._relaying() as connection:
            await connection.execute(
                update(E)
                .where(E.c.id.in_(ids))
                .values(relayed_at=now, relay_lease=None, relay_next_at=None, relay_error=None)
            )

    async def failed(
        self,
        rows: Sequence[Row[Any]],
        owner: str,
        now: datetime,
        error: str,
        backoff: Backoff,
        rng: random.Random,
    ) -> int:
        """Record a failed post of claimed rows: retry later, or dead letter past the horizon.
        Returns how many became dead letters."""
        ids = [row.id for row in rows]
        async with self._relaying() as connection:
            state = (
                await connection.execute(
                    select(E.c.id, E.c.relay_attempts, E.c.relay_since).where(
                        E.c.id.in_(ids), E.c.relay_owner == owner
                    )
                )
            ).all()
            params = []
            dead = 0
            for row in state:
                attempts = (row.relay_attempts or 0) + 1
                since = now if row.relay_since is None else stored_utc(row.relay_since)
                is_dead = now - since >= backoff.horizon
                dead += is_dead
                params.append(
                    {
                        "b_id": row.id,
                        "attempts": attempts,
                        "since": since,
                        "next_at": now + backoff.delay(attempts, rng.random()),
                        "dead_at": now if is_dead else None,
                    }
                )
            if params:
                await connection.execute(
                    update(E)
                    .where(E.c.id == bindparam("b_id"))
                    .values(
                        relay_attempts=bindparam("attempts"),
                        relay_since=bindparam("since"),
                        relay_next_at=bindparam("next_at"),
                        relay_dead_at=bindparam("dead_at"),
                        relay_error=error[:200],
                        relay_lease=None,
                        relay_owner=None,
                    ),
                    params,
                )
        return dead

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        E.c.id,
                        E.c.kind,
                        E.c.at,
                        E.c.resident_id,
                        E.c.relay_attempts,
                        E.c.relay_since,
                        E.c.relay_dead_at,
                        E.c.relay_error,
                    )
                    .where(E.c.relayed_at.is_(None), E.c.relay_dead_at.is_not(None))
                    .order_by(E.c.id)
                    .limit(limit)
                )
            ).all()
        return [
            DeadLetter(
                id=row.id,
                kind=row.kind,
                at=stored_utc(row.at),
                resident_id=row.resident_id,
                attempts=row.relay_attempts or 0,
                since=None if row.relay_since is None else stored_utc(row.relay_since),
                dead_at=stored_utc(row.relay_dead_at),
                error=row.relay_error,
            )
            for row in rows
        ]

    async def counts(self) -> dict[str, int]:
        """Undelivered events: `pending` (being retried or due) and `dead`."""
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(E.c.relay_dead_at.is_(None).label("live"), func.count())
                    .where(E.c.relayed_at.is_(None))
                    .group_by(E.c.relay_dead_at.is_(None))
                )
            ).all()
        found = {bool(live): int(count) for live, count in rows}
        return {"pending": found.get(True, 0), "dead": found.get(False, 0)}

    async def replay(self, ids: Sequence[int] | None = None) -> int:
        """Make dead letters (all, or those of `ids`) due again with a fresh retry horizon."""
        where = [E.c.relayed_at.is_(None), E.c.relay_dead_at.is_not(None)]
        if ids is not None:
            where.append(E.c.id.in_(list(ids)))
        async with self.engine.begin() as connection:
            result = await connection.execute(
                update(E)
                .where(*where)
                .values(
                    relay_dead_at=None,
                    relay_attempts=0,
                    relay_since=None,
                    relay_next_at=None,
                    relay_error=None,
                    relay_lease=None,
                    relay_owner=None,
                )
            )
        return int(result.rowcount)
