"""A stopping worker hands back the messages it claimed and has not sent, on both stores."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import Dispatcher, Gateway
from campaigns.handback import hand_back
from campaigns.model import CONTACTS, MESSAGES
from campaigns.render import Rendered
from campaigns.sending import Outcome, claim, record
from campaigns.stream import Delivery
from channels.base import (
    Accepted,
    ChannelKind,
    LookupResult,
    Outbound,
    SendResult,
)
from tests.campaigns.residents import add_residents, resident
from tests.campaigns.test_sending_rows import NOW, OPEN, launched, message_ids, statuses


class Stream:
    """The send queue's surface the dispatcher and the hand-back use: one batch, then none."""

    def __init__(self, batch: Sequence[Delivery] = ()) -> None:
        self.batch = list(batch)
        self.acked: list[Delivery] = []
        self.enqueued: list[tuple[int, str]] = []

    async def ensure_groups(self) -> None:
        return None

    async def read(self, *, count: int, block_ms: int) -> list[Delivery]:
        batch, self.batch = self.batch, []
        if not batch:
            await asyncio.sleep(0.01)
        return batch

    async def ack(self, deliveries: Sequence[Delivery]) -> None:
        self.acked.extend(deliveries)

    async def enqueue(self, entries: Sequence[tuple[int, str]]) -> list[str]:
        self.enqueued.extend(entries)
        return [f"{n}-0" for n, _ in enumerate(entries, 1)]


async def attempts(engine: AsyncEngine) -> dict[int, tuple[str, int]]:
    async with engine.connect() as c:
        rows = await c.execute(select(MESSAGES.c.id, MESSAGES.c.status, MESSAGES.c.attempts))
        return {r.id: (r.status, r.attempts) for r in rows}


async def contacted(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as c:
        return set((await c.execute(select(CONTACTS.c.resident_id))).scalars())


async def test_hand_back_requeues_unsent_claims_and_skips_recorded_ones(
    engine: AsyncEngine,
) -> None:
    residents = await add_residents(engine, [resident(1), resident(2), resident(3)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    claimed = await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=2))
    assert len(claimed) == 3
    # The first went out before the stop: recorded, so not handed back.
    sent = claimed[0]
    await record(engine, [Outcome(sent, "aliyun", Accepted("p1"))], now=NOW, max_attempts=6)

    stream = Stream()
    returned = await hand_back(engine, stream, claimed, now=NOW)

    assert returned == 2
    assert await statuses(engine) == {"sent": 1, "queued": 2}
    rows = await attempts(engine)
    assert [rows[m.id] for m in claimed[1:]] == [("queued", 0), ("queued", 0)]  # not counted
    assert stream.enqueued == [(m.priority, str(m.id)) for m in claimed[1:]]
    sent_to = {m.resident_id for m in claimed if m.id == sent.id}
    assert await contacted(engine) == sent_to  # the others' cap reservations released
    assert sent_to < set(residents)
    # Due again at once: the next worker claims them.
    again = await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=2))
    assert sorted(m.id for m in again) == sorted(m.id for m in claimed[1:])


class StoppingGate:
    """A rate gate that never grants: the worker is told to stop while it waits."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop

    async def wait_for(self, n: int = 1) -> float:
        self.stop.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Open:
    async def hold(self, seconds: float, reason: str = "") -> float:
        return seconds

    async def remaining(self) -> float:
        return 0.0


class MustNotSend:
    name = "aliyun"
    kind = ChannelKind.SMS
    max_batch = 2

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        raise AssertionError("a stopping worker sent a message it had not started")

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        raise AssertionError("no lookup expected")

    async def close(self) -> None:
        return None


class PlainRenderer:
    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered:
        return Rendered("您好", (), "测试", "SMS_1", 2, 1)


async def test_a_stopping_dispatcher_hands_back_what_waits_for_the_rate(
    engine: AsyncEngine,
) -> None:
    await add_residents(engine, [resident(1), resident(2), resident(3)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    stop = asyncio.Event()
    stream = Stream([Delivery("outreach:send:p2", f"{i}-0", str(i), 2, 1) for i in ids])
    gateway = Gateway(MustNotSend(), StoppingGate(stop), Open())
    dispatcher = Dispatcher(engine, stream, {"aliyun": gateway}, PlainRenderer(), clock=lambda: NOW)

    async with asyncio.timeout(60):  # a hang guard only
        await dispatcher.run(stop)

    assert dispatcher.stats.claimed == 3
    assert dispatcher.stats.handed_back == 3
    assert await statuses(engine) == {"queued": 3}
    assert await attempts(engine) == dict.fromkeys(ids, ("queued", 0))
    assert sorted(int(mid) for _, mid in stream.enqueued) == ids
    assert await contacted(engine) == set()
    assert len(stream.acked) == 3  # the old entries are done with; the new ones carry them


class SlowGate:
    """A rate gate shared by too many claims: the wait outlasts most of the lease."""

    def __init__(self, clock: list[datetime], wait: timedelta) -> None:
        self.clock = clock
        self.wait = wait

    async def wait_for(self, n: int = 1) -> float:
        self.clock[0] += self.wait
        return self.wait.total_seconds()


class Counting(MustNotSend):
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        self.sent.extend(o.ref for o in batch)
        return [Accepted(f"p-{o.ref}") for o in batch]


async def test_a_claim_whose_lease_runs_out_while_waiting_for_the_rate_is_handed_back_unsent(
    engine: AsyncEngine,
) -> None:
    """Sent that late, upkeep could already have taken the rows for a dead worker's, asked the
    gateway before the send arrived and queued them again: a second message to the resident."""
    await add_residents(engine, [resident(1), resident(2)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    clock = [NOW]
    channel = Counting()
    # The default lease is 2 minutes and a send needs 30 s of it left: a 100 s wait is too long.
    gateway = Gateway(channel, SlowGate(clock, timedelta(seconds=100)), Open())
    stream = Stream()
    dispatcher = Dispatcher(
        engine, stream, {"aliyun": gateway}, PlainRenderer(), clock=lambda: clock[0]
    )
    batch = [Delivery("outreach:send:p2", f"{i}-0", str(i), 2, 1) for i in ids]
    await dispatcher.handle(batch)
    assert channel.sent == []
    assert dispatcher.stats.handed_back == 2
    assert await statuses(engine) == {"queued": 2}
    assert sorted(int(mid) for _, mid in stream.enqueued) == ids
    # A wait that leaves enough of the lease sends them.
    gateway.gate = SlowGate(clock, timedelta(seconds=80))
    await dispatcher.handle(batch)
    assert sorted(channel.sent) == sorted(str(i) for i in ids)
    assert await statuses(engine) == {"sent": 2}
