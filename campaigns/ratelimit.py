"""Per-gateway send limits shared by every worker of every machine, kept in Redis.

`TokenBucket` holds a gateway's budget (so many messages a second, with a burst) in one Redis
hash, updated by one Lua script: taking tokens is atomic however many workers ask at once, and
the refill is measured with the Redis server's clock (`TIME` inside the script), so the workers'
own clocks do not matter. `Pause` is a gateway-wide "send nothing until then", set when a
gateway answers that it is throttling us or is down, and respected by every worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

# KEYS[1] the bucket; ARGV rate (tokens a second), burst, wanted. Answers strings, because a
# Lua number returned to Redis loses its fraction: granted, seconds to wait, server time.
_TAKE: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local granted = math.min(wanted, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
local wait = 0
local rest = wanted - granted
if rest > 0 then
  wait = (math.min(rest, burst) - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'at', string.format('%.17g', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst / rate + 1) * 1000))
return {tostring(granted), string.format('%.17g', wait), string.format('%.17g', now)}
"""

# KEYS[1] the pause; ARGV milliseconds, reason. Extends a pause, never shortens one; answers
# the milliseconds left.
_HOLD: Final = """
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < ms then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
  return ms
end
return left
"""


class LuaScript:
    """A Lua script run by its SHA1 (EVALSHA), sent in full (EVAL) when the server lacks it.

    EVAL also loads the script, so the next call finds it by SHA again; a server restart or a
    SCRIPT FLUSH costs one EVAL, never an error.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, redis: Redis, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run the script on `redis` with `keys` and `args`; its answer."""
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await redis.eval(self.source, len(keys), *keys, *args)


_take = LuaScript(_TAKE)
_hold = LuaScript(_HOLD)


@dataclass(frozen=True, slots=True)
class Grant:
    """The answer of `TokenBucket.take`.

    `granted` tokens were taken (0 to the number asked); the rest will be there in `wait`
    seconds (0 when all were granted). `at` is the Redis server's time of the grant, in
    seconds since the epoch (0 for an unlimited bucket, which asks no server).
    """

    granted: int
    wait: float
    at: float


class TokenBucket:
    """A rate limit of `rate` sends a second with bursts of up to `burst`, shared through Redis.

    A rate of 0 or None means unlimited: every take is granted at once without a round trip.
    The bucket starts full. Over any interval of Redis server time, the tokens granted never
    exceed `burst + rate × interval`.
    """

    def __init__(self, redis: Redis, key: str, *, rate: float | None, burst: int = 1) -> None:
        if rate is not None and (rate < 0 or not math.isfinite(rate)):
            raise ValueError("rate must be a finite number of tokens a second, or 0 / None")
        if burst < 1:
            raise ValueError("burst must be at least 1 token")
        self._redis = redis
        self.key = key
        self.rate = float(rate) if rate else 0.0
        self.burst = burst

    @property
    def unlimited(self) -> bool:
        """Whether this bucket grants everything (rate 0 or None)."""
        return self.rate == 0.0

    async def take(self, n: int = 1) -> Grant:
        """Take up to `n` tokens at once; say how many, and how long until the rest are there.

        The wait is for `min(rest, burst)` tokens: more never fit in the bucket at once.
        """
        if n < 0:
            raise ValueError("cannot take a negative number of tokens")
        if n == 0 or self.unlimited:
            return Grant(n, 0.0, 0.0)
        granted, wait, at = await _take(self._redis, [self.key], [repr(self.rate), self.burst, n])
        return Grant(int(granted), max(float(wait), 0.0), float(at))

    async def wait_for(self, n: int = 1) -> float:
        """Take `n` tokens, sleeping as long as it takes; the seconds slept.

        Tokens are taken as they come (a part now, the rest after a sleep), so `n` larger than
        the burst is served too, and several waiters share the rate rather than starve.
        """
        slept = 0.0
        remaining = n
        while remaining > 0:
            grant = await self.take(remaining)
            remaining -= grant.granted
            if remaining > 0:
                await asyncio.sleep(grant.wait)
                slept += grant.wait
        return slept

    async def reset(self) -> None:
        """Forget the bucket's state: the next take finds it full."""
        await self._redis.delete(self.key)


class Pause:
    """A gateway-wide hold on sending, in Redis, that every worker checks before sending.

    Set it when a gateway answers that it is throttling the account (HTTP 429, Telegram's
    retry_after) or is down (5xx, refused connections) — not for a per-number limit, which holds
    back one resident, not the gateway. It ends by itself when its time is up; a later hold
    extends it, a shorter one never cuts it short. The time left is Redis's own (PTTL), so the
    workers' clocks do not matter.
    """

    def __init__(self, redis: Redis, gateway: str, *, prefix: str = "outreach") -> None:
        self._redis = redis
        self.gateway = gateway
        self.key = f"{prefix}:pause:{gateway}"

    async def hold(self, seconds: float, reason: str = "") -> float:
        """Hold all sends for at least `seconds` from now; the seconds the hold now lasts."""
        if seconds <= 0:
            return await self.remaining()
        ms = max(math.ceil(seconds * 1000), 1)
        left = await _hold(self._redis, [self.key], [ms, reason or "paused"])
        return int(left) / 1000

    async def remaining(self) -> float:
        """Seconds until sends may resume; 0 when not paused."""
        left = int(await self._redis.pttl(self.key))
        return left / 1000 if left > 0 else 0.0

    async def reason(self) -> str | None:
        """Why sends are held, as given to `hold`; None when not paused."""
        value = await self._redis.get(self.key)
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def release(self) -> None:
        """End the hold now (the gateway answered normally again)."""
        await self._redis.delete(self.key)

    async def wait(self) -> float:
        """Sleep until no hold is in force (one set meanwhile is waited out too); seconds slept."""
        slept = 0.0
        while (left := await self.remaining()) > 0:
            await asyncio.sleep(left)
            slept += left
        return slept
