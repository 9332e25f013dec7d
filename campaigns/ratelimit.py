"""Per-gateway send limits shared by every worker of every machine, kept in Redis.

`TokenBucket` holds a gateway's budget (so many messages a second, with a burst) in one Redis
hash, updated by one Lua script: taking tokens is atomic however many workers ask at once, and
the refill is measured with the Redis server's clock (`TIME` inside the script), so the workers'
own clocks do not matter. `Pause` is a gateway-wide "send nothing until then", set when a
gateway answers that it is throttling us or is down, and respected by every worker.

The bucket lends: a request for more tokens than it holds is granted at once, with the time
from which they may be used, and leaves the bucket in debt until the refill has paid for them
(the "virtual scheduling" form of a token bucket, as in GCRA). The grants so form a timetable
in server time that does not drift when a worker wakes up late, which a bucket that makes
latecomers ask again cannot do: with a small burst, every millisecond of lateness would be a
millisecond of rate lost. A request that would have to wait longer than `max_wait` behind
earlier ones is refused instead, so that no worker books the gateway far ahead.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

from core import LuaScript
from ops.instruments import observe_rate_wait

# KEYS[1] the bucket; ARGV rate (tokens a second), burst, wanted, longest wait in seconds.
# 'tokens' may fall below 0: the debt of grants not yet paid for by the refill. Answers
# strings, because a Lua number returned to Redis loses its fraction: granted (all or 0),
# seconds until the grant may be used (or, refused, until asking again makes sense), time.
_TAKE: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
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
local wait = (wanted - tokens) / rate
local granted = wanted
if wait <= 0 then
  wait = 0
elseif tokens < 0 and wait > max_wait then
  -- Earlier grants are still being paid for, and this one would wait too long behind them.
  granted = 0
  wait = wait - max_wait
end
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'at', string.format('%.17g', at))
redis.call('PEXPIRE', KEYS[1], math.ceil(((burst - tokens) / rate + 1) * 1000))
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


_take = LuaScript(_TAKE)
_hold = LuaScript(_HOLD)


@dataclass(frozen=True, slots=True)
class Grant:
    """The answer of `TokenBucket.take`.

    `granted` is all the tokens asked for, or 0 when refused. Granted tokens may be used after
    `wait` seconds (0: now); after a refusal, `wait` is when asking again can succeed. `at` is
    the Redis server's time of the answer, in seconds since the epoch, so the grant is usable
    from server time `at + wait` (`at` is 0 for an unlimited bucket, which asks no server).
    """

    granted: int
    wait: float
    at: float

    @property
    def usable_at(self) -> float:
        """Server time from which the granted tokens may be used."""
        return self.at + self.wait


class TokenBucket:
    """A rate limit of `rate` sends a second with bursts of up to `burst`, shared through Redis.

    A rate of 0 or None means unlimited: every take is granted at once without a round trip.
    The bucket starts full. Tokens usable by any moment never exceed `burst + rate × elapsed`,
    elapsed counted in Redis server time from the bucket's first use (or its last time full).
    A request waits at most `max_wait` seconds behind earlier grants, or is refused; a request
    larger than the burst is granted when no earlier grant is outstanding, however long it
    must wait — it is one batch, and the rate is kept by delaying it.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        *,
        rate: float | None,
        burst: int = 1,
        max_wait: float = 10.0,
    ) -> None:
        if rate is not None and (rate < 0 or not math.isfinite(rate)):
            raise ValueError("rate must be a finite number of tokens a second, or 0 / None")
        if burst < 1:
            raise ValueError("burst must be at least 1 token")
        if not max_wait > 0:
            raise ValueError("max_wait must be positive")
        self._redis = redis
        self.key = key
        self.rate = float(rate) if rate else 0.0
        self.burst = burst
        self.max_wait = max_wait

    @property
    def gateway(self) -> str:
        """The gateway the bucket limits: the last part of its key (`outreach:rate:aliyun`)."""
        return self.key.rsplit(":", 1)[-1]

    @property
    def unlimited(self) -> bool:
        """Whether this bucket grants everything (rate 0 or None)."""
        return self.rate == 0.0

    async def take(self, n: int = 1) -> Grant:
        """Book `n` tokens: granted all at once with the wait before use, or refused (0)."""
        if n < 0:
            raise ValueError("cannot take a negative number of tokens")
        if n == 0 or self.unlimited:
            return Grant(n, 0.0, 0.0)
        granted, wait, at = await _take(
            self._redis, [self.key], [repr(self.rate), self.burst, n, repr(self.max_wait)]
        )
        return Grant(int(granted), max(float(wait), 0.0), float(at))

    async def wait_for(self, n: int = 1) -> float:
        """Take `n` tokens and sleep until they may be used; the seconds slept.

        A refused request sleeps as told and asks again, until granted.
        """
        slept = 0.0
        while True:
            grant = await self.take(n)
            if grant.wait > 0:
                await asyncio.sleep(grant.wait)
                slept += grant.wait
            if grant.granted == n:
                observe_rate_wait(self.gateway, slept)
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
