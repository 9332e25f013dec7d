"""Redis client factory: a real server by URL, or the in-process stand-in."""

from __future__ import annotations

from redis.asyncio import Redis

from core.settings import EMBEDDED_REDIS


def create_redis(url: str) -> Redis:
    """Connect to `url`; 'embedded' gives a fakeredis server private to this process."""
    if url == EMBEDDED_REDIS:
        # Imported lazily: a deployment with a real Redis never loads the stand-in.
        from fakeredis import FakeAsyncRedis

        client: Redis = FakeAsyncRedis(decode_responses=True)
        return client
    return Redis.from_url(url, decode_responses=True)
