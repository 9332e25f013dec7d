"""A worker's send loop outlives a database that refuses it: nothing is acked, nothing lost."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from campaigns import Dispatcher
from campaigns.render import Rendered
from campaigns.stream import Delivery
from core import create_engine


class OneBatchQueue:
    """Hands out one batch, then nothing; stops the loop on the third read."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.reads = 0
        self.acked: list[Delivery] = []

    async def ensure_groups(self) -> None:
        return None

    async def read(self, *, count: int, block_ms: int) -> list[Delivery]:
        self.reads += 1
        if self.reads >= 3:
            self.stop.set()
        if self.reads == 1:
            return [Delivery("outreach:send:p2", "1-0", "42", 2, 1)]
        return []

    async def ack(self, deliveries: Sequence[Delivery]) -> None:
        self.acked.extend(deliveries)


class NoRenderer:
    def render_message(
        self, template: str, kind: str, provider: str, variables: object
    ) -> Rendered:
        raise AssertionError("nothing may be rendered without a claim")


async def test_send_loop_survives_an_unreachable_database() -> None:
    # Port 1 refuses connections: every claim fails after its retries.
    engine = create_engine("postgresql+asyncpg://outreach:none@127.0.0.1:1/none")
    stop = asyncio.Event()
    queue = OneBatchQueue(stop)
    dispatcher = Dispatcher(engine, queue, {}, NoRenderer())
    try:
        await asyncio.wait_for(dispatcher.run(stop), timeout=60)
    finally:
        await engine.dispose()
    assert queue.reads == 3  # kept reading after the failed batch
    assert queue.acked == []  # the entry stays pending, to be redelivered
    assert dispatcher.stats.claimed == 0
