"""Redis client factory: a real server by URL, or the in-process stand-in."""

from __future__ import annotations

from functools import cache
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from core.settings import EMBEDDED_REDIS

#: Connections one process opens to Redis at most, and how long a command waits for one.
MAX_CONNECTIONS = 100
POOL_TIMEOUT = 20.0


def create_redis(url: str) -> Redis:
    """Connect to `url`; 'embedded' gives a client of this process's in-memory stand-in."""
    if url == EMBEDDED_REDIS:
        # Imported lazily: a deployment with a real Redis never loads the stand-in.
        from fakeredis import FakeAsyncRedis

        client: Redis = FakeAsyncRedis(server=_embedded_server(), decode_responses=True)
        return client
    # A blocking pool: past MAX_CONNECTIONS a command waits for a free connection (up to
    # POOL_TIMEOUT seconds) instead of failing with "Too many connections", which a bot under
    # a burst of webhook posts turned into errors for residents.
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=POOL_TIMEOUT, decode_responses=True
    )
    return Redis.from_pool(pool)  # the client owns the pool: aclose() closes its connections


@cache
def _embedded_server() -> Any:
    # One server per process, as a real Redis is one per deployment: every client created from
    # 'embedded' (the queue, the bot's state, the rate limiter) must see the same data.
    from fakeredis import FakeServer

    return FakeServer()
