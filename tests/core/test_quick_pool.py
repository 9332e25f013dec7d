"""core.redis.QuickPool: the blocking pool's behaviour, with a short way when nothing waits."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core import create_redis
from core.redis import QuickPool
from tests.conftest import REDIS_TEST_URL


def _client(max_connections: int) -> tuple[Redis, QuickPool]:
    pool = QuickPool.from_url(
        REDIS_TEST_URL, max_connections=max_connections, timeout=5, decode_responses=True
    )
    return Redis.from_pool(pool), pool


async def test_create_redis_uses_it() -> None:
    client = create_redis(REDIS_TEST_URL)
    try:
        assert isinstance(client.connection_pool, QuickPool)
    finally:
        await client.aclose()


async def test_commands_beyond_the_pool_wait_for_a_connection_and_all_succeed() -> None:
    client, pool = _client(max_connections=3)
    try:
        await client.set("outreach:test:quick", "1")
        # Blocking commands hold all three connections; the others must wait, not fail.
        answers = await asyncio.gather(
            *(client.blpop(["outreach:test:quick:none"], timeout=0.2) for _ in range(3)),
            *(client.incr("outreach:test:quick") for _ in range(20)),
        )
        assert answers[:3] == [None, None, None]
        assert sorted(int(str(n)) for n in answers[3:]) == list(range(2, 22))
        assert len(pool._in_use_connections) == 0
        assert len(pool._available_connections) <= 3
    finally:
        await client.delete("outreach:test:quick")
        await client.aclose()


async def test_a_connection_the_server_closed_is_replaced_before_use() -> None:
    client, pool = _client(max_connections=2)
    killer = create_redis(REDIS_TEST_URL)
    try:
        await client.set("outreach:test:quick", "x")
        assert len(pool._available_connections) == 1
        own_id = int(await client.client_id())
        assert await killer.client_kill_filter(_id=str(own_id)) == 1
        await asyncio.sleep(0.05)  # the close reaches our socket
        assert await client.get("outreach:test:quick") == "x"  # on a fresh connection
        assert int(await client.client_id()) != own_id
        assert len(pool._available_connections) == 1
    finally:
        await client.delete("outreach:test:quick")
        await client.aclose()
        await killer.aclose()
