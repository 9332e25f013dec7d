"""One leader among the workers, so that scheduled jobs run once however many workers run.

The lock is a Redis key holding a random token, set with NX and a time to live and renewed well
before it runs out; only the holder of the token may renew or release it (Lua compare-and-
pexpire, compare-and-delete). A worker that cannot renew in time — Redis unreachable, the
process stalled, another worker took the expired key — stops acting as leader before its key
can have expired in Redis, so two workers never both believe they lead.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core import LuaScript, get_logger

# KEYS[1] the lock; ARGV token, milliseconds. 1 when the token still held the lock.
_RENEW: Final = LuaScript(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
)
_RELEASE: Final = LuaScript(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
)

#: What the leader is told when it is elected or deposed; may be a coroutine function.
Callback = Callable[[], Awaitable[None] | None]

log = get_logger(__name__)


class LeaderLock:
    """A named lock with a time to live; at most one holder at a time across all machines.

    `ttl` is how long the lock outlives its holder's last renewal (the longest the others wait
    after a leader dies without releasing); renewals come every `renew_every` (a third of the
    ttl unless given). The holder counts itself leader only until `ttl - margin` after it sent
    its last successful renewal, by its own monotonic clock, so it steps down before the key
    can expire in Redis even if the clocks of the two run at slightly different speeds.
    """

    def __init__(
        self,
        redis: Redis,
        name: str,
        *,
        ttl: float = 15.0,
        renew_every: float | None = None,
        prefix: str = "outreach",
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._redis = redis
        self.name = name
        self.key = f"{prefix}:leader:{name}"
        self.ttl = ttl
        self.renew_every = renew_every if renew_every is not None else ttl / 3
        if not 0 < self.renew_every < ttl:
            raise ValueError("renew_every must be positive and shorter than ttl")
        self._margin = min(ttl * 0.1, 1.0)
        self._token = secrets.token_hex(16)
        self._valid_until = 0.0

    @property
    def is_leader(self) -> bool:
        """Whether this holder may act as leader now."""
        return time.monotonic() < self._valid_until

    @property
    def token(self) -> str:
        """The random value this holder writes into the key."""
        return self._token

    async def acquire(self) -> bool:
        """Take the lock if it is free (or renew it if already ours); whether we hold it."""
        if self._valid_until > 0.0:
            return await self.renew()
        sent = time.monotonic()
        taken = await self._redis.set(self.key, self._token, nx=True, px=self._ttl_ms)
        if taken:
            self._valid_until = sent + self.ttl - self._margin
            return True
        return False

    async def renew(self) -> bool:
        """Extend our hold by a full ttl; False (and no longer leader) if it is not ours."""
        sent = time.monotonic()
        renewed = await _RENEW(self._redis, [self.key], [self._token, self._ttl_ms])
        if int(renewed) == 1:
            self._valid_until = sent + self.ttl - self._margin
            return True
        self._valid_until = 0.0
        return False

    async def release(self) -> bool:
        """Give the lock up if it is ours, so another holder need not wait for it to expire."""
        self._valid_until = 0.0
        released = await _RELEASE(self._redis, [self.key], [self._token])
        return int(released) == 1

    async def run(
        self, on_elected: Callback, on_lost: Callback, *, retry_every: float | None = None
    ) -> None:
        """Campaign for the lock forever: lead while it is held, and try again when lost.

        `on_elected` is called on becoming leader, `on_lost` as soon as leadership ends (a
        renewal refused, or no renewal confirmed in time); both must return quickly (start or
        stop a scheduler), since renewals wait for them. When cancelled, a leader calls
        `on_lost` and releases the lock. Redis errors are logged and retried, never raised.
        """
        retry = retry_every if retry_every is not None else self.renew_every
        try:
            while True:
                if await self._try(self.acquire):
                    if await _call(on_elected, "leader_on_elected_failed", self.name):
                        await self._lead()
                        await _call(on_lost, "leader_on_lost_failed", self.name)
                    else:
                        # A leader that could not start its work must not keep others out.
                        await self._step_down(on_lost)
                await asyncio.sleep(retry)
        finally:
            if self._valid_until > 0.0:
                await asyncio.shield(self._step_down(on_lost))

    @asynccontextmanager
    async def hold(
        self, on_elected: Callback, on_lost: Callback, *, retry_every: float | None = None
    ) -> AsyncIterator[LeaderLock]:
        """Campaign in the background for the body of an `async with`; step down at its end."""
        task = asyncio.create_task(self.run(on_elected, on_lost, retry_every=retry_every))
        try:
            yield self
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _lead(self) -> None:
        """Renew until a renewal is refused or none succeeds in time; then we are not leader."""
        log.info("leader_elected", lock=self.name)
        interval = self.renew_every
        while True:
            await asyncio.sleep(max(min(interval, self._valid_until - time.monotonic()), 0.0))
            if time.monotonic() >= self._valid_until:
                break  # no renewal went through before the end of our term
            try:
                renewed = await asyncio.wait_for(
                    self.renew(), timeout=max(self._valid_until - time.monotonic(), 0.001)
                )
            except (RedisError, OSError, TimeoutError) as error:
                log.warning("leader_renew_failed", lock=self.name, error=type(error).__name__)
                interval = self.renew_every / 4  # try again soon: the term is running out
                continue
            if not renewed:
                break
            interval = self.renew_every
        self._valid_until = 0.0
        log.warning("leader_lost", lock=self.name)

    async def _step_down(self, on_lost: Callback) -> None:
        await _call(on_lost, "leader_on_lost_failed", self.name)
        try:
            await self.release()
        except (RedisError, OSError) as error:
            # The key expires by itself within a ttl.
            log.warning("leader_release_failed", lock=self.name, error=type(error).__name__)

    async def _try(self, step: Callable[[], Awaitable[bool]]) -> bool:
        try:
            return await step()
        except (RedisError, OSError) as error:
            log.warning("leader_acquire_failed", lock=self.name, error=type(error).__name__)
            return False

    @property
    def _ttl_ms(self) -> int:
        return max(int(self.ttl * 1000), 1)


async def _call(callback: Callback, event: str, name: str) -> bool:
    # A failing callback is the caller's bug: log it, keep the lock's bookkeeping right.
    try:
        result = callback()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception(event, lock=name)
        return False
    return True
