"""Periodic jobs that keep the rows and the queue in step (run by the leader worker).

- `enqueue_due`: puts sendable `queued` rows on the stream. This is also the reconciler: rows are
  the truth, so a row enqueued long ago and still `queued` (its entry was lost: Redis flushed,
  stream trimmed) is enqueued again, and after a detected flush everything due is, at once.
- `reclaim_leases`: a `sending` row whose worker died becomes `unknown` (it may have gone out).
- `resolve_unknown` (campaigns.unknown) asks the gateways about `unknown` rows.
- `expire`: no receipt within 72 hours → `expired`.
- `finish_campaigns`: a running campaign with nothing left to send is completed (not the
  standing reply campaigns, which wait for the next question).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.events import EventKind, event_row, write_events
from campaigns.model import (
    CAMPAIGNS,
    MESSAGES,
    SYSTEM_REPLIES,
    CampaignState,
    MessageStatus,
    locked_messages,
)
from core import in_transaction, one_of

_M = MESSAGES
_K = CAMPAIGNS
_Q = MessageStatus.QUEUED.value
RECEIPT_LIMIT = timedelta(hours=72)


class Enqueuer(Protocol):
    async def enqueue(self, entries: Sequence[tuple[int, str]]) -> Any: ...


async def enqueue_due(
    engine: AsyncEngine,
    queue: Enqueuer,
    *,
    now: datetime,
    enqueued_before: datetime,
    limit: int = 5000,
) -> int:
    """Enqueue up to `limit` due rows not enqueued since `enqueued_before`.

    The reconciler passes `now - requeue_after` (an entry that old was lost or its worker
    died); after a detected flush it passes the sweep's start, so every due row goes on the
    stream once and the rounds of one sweep never pick the same rows again. Rows a sender is
    claiming right now are skipped, not waited for.
    """
    running = select(_K.c.id).where(_K.c.state == CampaignState.RUNNING.value)
    due = and_(
        _M.c.status == _Q,
        _M.c.campaign_id.in_(running.scalar_subquery()),
        or_(_M.c.not_before.is_(None), _M.c.not_before <= now),
        or_(_M.c.enqueued_at.is_(None), _M.c.enqueued_at < enqueued_before),
    )

    async def work(connection: AsyncConnection) -> list[tuple[int, str]]:
        rows: Sequence[Any] = (
            await connection.execute(
                select(_M.c.id, _M.c.priority)
                .where(due)
                .order_by(_M.c.priority, _M.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=_M)
            )
        ).all()
        if not rows:
            return []
        await connection.execute(
            update(_M)
            .where(one_of(connection, _M.c.id, [id_ for id_, _ in rows]))
            .values(enqueued_at=now)
        )
        entries = [(int(priority), str(id_)) for id_, priority in rows]
        # Enqueued before commit: if the commit fails the entries are harmless duplicates,
        # whereas committing first could lose them on a crash in between.
        await queue.enqueue(entries)
        return entries

    return len(await in_transaction(engine, work, what="enqueue_due"))


async def reclaim_leases(engine: AsyncEngine, *, now: datetime) -> int:
    """`sending` rows whose lease lapsed become `unknown`: the worker died mid-send."""
    lapsed = locked_messages(
        _M.c.status == MessageStatus.SENDING.value, _M.c.lease_until < now, skip_locked=True
    )
    async with engine.begin() as connection:
        rows = (
            await connection.execute(
                update(_M)
                .where(lapsed)
                .values(
                    status=MessageStatus.UNKNOWN.value,
                    reason="发送中断，结果待核实 / worker stopped mid-send; outcome to be checked",
                    sent_at=func.coalesce(_M.c.sent_at, now),
                    lease_until=None,
                )
                .returning(_M.c.id, _M.c.campaign_id, _M.c.resident_id)
            )
        ).all()
        await write_events(
            connection,
            (
                event_row(
                    EventKind.MESSAGE_UNKNOWN,
                    now,
                    campaign_id=r.campaign_id,
                    message_id=r.id,
                    resident_id=r.resident_id,
                    data={"reason": "lease_expired"},
                )
                for r in rows
            ),
        )
    return len(rows)


async def expire(engine: AsyncEngine, *, now: datetime, after: timedelta = RECEIPT_LIMIT) -> int:
    """Messages with no receipt `after` their send become `expired` (not "delivered")."""
    async with engine.begin() as connection:
        rows = (
            await connection.execute(
                update(_M)
                .where(
                    locked_messages(
                        _M.c.status.in_([MessageStatus.SENT.value, MessageStatus.UNKNOWN.value]),
                        _M.c.sent_at <= now - after,
                        skip_locked=True,
                    )
                )
                .values(status=MessageStatus.EXPIRED.value, finished_at=now)
                .returning(_M.c.id, _M.c.campaign_id, _M.c.resident_id)
            )
        ).all()
        await write_events(
            connection,
            (
                event_row(
                    EventKind.MESSAGE_EXPIRED,
                    now,
                    campaign_id=r.campaign_id,
                    message_id=r.id,
                    resident_id=r.resident_id,
                )
                for r in rows
            ),
        )
    return len(rows)


_OPEN = (MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.UNKNOWN.value)


async def finish_campaigns(
    engine: AsyncEngine,
    *,
    now: datetime,
    next_run: Callable[[int], Awaitable[datetime | None]] | None = None,
) -> list[int]:
    """Running campaigns with nothing left to send: completed (or rescheduled if recurring)."""
    pending = exists().where(_M.c.campaign_id == _K.c.id, _M.c.status.in_(_OPEN))
    finite = or_(_K.c.created_by.is_(None), _K.c.created_by != SYSTEM_REPLIES)
    async with engine.begin() as connection:
        done = [
            r.id
            for r in await connection.execute(
                select(_K.c.id).where(_K.c.state == CampaignState.RUNNING.value, ~pending, finite)
            )
        ]
        for campaign_id in done:
            later = await next_run(campaign_id) if next_run is not None else None
            state = CampaignState.SCHEDULED if later else CampaignState.COMPLETED
            await connection.execute(
                update(_K)
                .where(_K.c.id == campaign_id, _K.c.state == CampaignState.RUNNING.value)
                .values(
                    state=state.value,
                    next_run_at=later,
                    finished_at=None if later else now,
                    updated_at=now,
                )
            )
            await write_events(
                connection,
                [
                    event_row(
                        EventKind.CAMPAIGN_STATE,
                        now,
                        campaign_id=campaign_id,
                        data={"state": state.value},
                    )
                ],
            )
    return done


def counts_by_status(rows: Mapping[str, int]) -> dict[str, int]:
    """Every status with its count (zeros included), in a stable order."""
    return {s.value: int(rows.get(s.value, 0)) for s in MessageStatus}
