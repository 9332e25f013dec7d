"""Redis client factory: a real server by URL, or the in-process stand-in."""

from __future__ import annotations

from functools import cache
from typing import Any

from redis.asyncio import Redis

from core.settings import EMBEDDED_REDIS


def create_redis(url: str) -> Redis:
    """Connect to `url`; 'embedded' gives a client of this process's in-memory stand-in."""
    if url == EMBEDDED_REDIS:
        # Imported lazily: a deployment with a real Redis never loads the stand-in.
        from fakeredis import FakeAsyncRedis

        client: Redis = FakeAsyncRedis(server=_embedded_server(), decode_responses=True)
        return client
    return Redis.from_url(url, decode_responses=True)


@cache
def _embedded_server() -> Any:
    # One server per process, as a real Redis is one per deployment: every client created from
    # 'embedded' (the queue, the bot's state, the rate limiter) must see the same data.
    from fakeredis import FakeServer

    return FakeServer()
