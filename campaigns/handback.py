"""Hand claimed messages back to the queue, unsent, when a worker stops.

A stopping worker finishes the gateway requests it has started and records them; messages it
claimed but has not started to send (waiting for the gateway's rate) go back: the row returns
from `sending` to `queued` (the attempt not counted, the resident's frequency-cap reservation
released) and its id is put on the stream again at once, so another worker sends it within
moments instead of after the lease lapses. Only rows still `sending` go back, and the next
sender claims them conditionally like any other: nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.model import MESSAGES, MessageStatus, locked_messages
from campaigns.sending import Claimed, release_contacts
from campaigns.upkeep import Enqueuer
from core import in_transaction

_M = MESSAGES


async def hand_back(
    engine: AsyncEngine, queue: Enqueuer, messages: Sequence[Claimed], *, now: datetime
) -> int:
    """Return unsent claimed `messages` to `queued` and to the stream; how many went back."""
    if not messages:
        return 0
    by_id = {m.id: m for m in messages}

    async def work(connection: AsyncConnection) -> int:
        returned = (
            await connection.execute(
                update(_M)
                .where(
                    locked_messages(
                        _M.c.id.in_(sorted(by_id)),
                        _M.c.status == MessageStatus.SENDING.value,
                    )
                )
                .values(
                    status=MessageStatus.QUEUED.value,
                    attempts=_M.c.attempts - 1,
                    lease_until=None,
                    enqueued_at=now,
                )
                .returning(_M.c.id)
            )
        ).all()
        back = [by_id[row.id] for row in returned]
        await release_contacts(connection, back)
        # Enqueued before the commit, as the sweep does: a failed commit leaves harmless
        # duplicates (the claim is conditional), never a row without an entry.
        await queue.enqueue([(m.priority, str(m.id)) for m in sorted(back, key=lambda m: m.id)])
        return len(back)

    return await in_transaction(engine, work, what="hand_back")
