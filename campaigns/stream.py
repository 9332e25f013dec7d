"""The send queue: message ids on Redis Streams, shared by every send worker of every machine.

Three streams, one per priority — 0 replies to residents, 1 notices, 2 promotional — read through
one consumer group, so that any number of workers split the load and an entry a dead worker took
is taken over by another once it has been idle for `claim_idle_ms`.

Contract with the rest of the system:

- An entry carries only a message id (field "m"). The database row is the truth: its status,
  its text and its recipient are read from there when the entry is consumed.
- Delivery is at least once. A message id may be enqueued twice (a planner re-run, a retry after
  a crash between the commit and the enqueue), and an entry may be delivered again after its
  consumer died. The consumer must claim the row conditionally in the database (for example
  `UPDATE … SET status='sending' WHERE id=… AND status='queued'`) and treat a claim that updates
  no row as already handled: ack it and move on.
- An entry is acked and deleted in one step once the database says what became of the message,
  so the length of a stream is the work not yet finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.typing import KeyT, StreamIdT

from core import LuaScript, get_logger
from ops.instruments import count_dead_letters

#: Replies to residents, notices, promotional messages: lower is served first.
PRIORITIES: Final = (0, 1, 2)
#: The entry field that holds the message id.
FIELD: Final = "m"
#: XAUTOCLAIM scans at most ten times `count` pending entries a call: enough rounds for a
#: large backlog of live entries in front of a dead consumer's, without an unbounded loop.
_CLAIM_ROUNDS: Final = 8
#: How often a read polls when the store answers a blocking read at once (the embedded
#: store does not block).
_POLL_S: Final = 0.02
#: Entries one enqueue script adds at most (Redis serves nothing else while a script runs:
#: a few milliseconds).
_ENQUEUE_CHUNK: Final = 5000

# KEYS the streams in priority order; ARGV[1] the entry field, then pairs of (stream number,
# message id). One XADD per pair, in order; answers the entry ids. One command for a whole
# sweep round, where a pipeline of XADDs cost the worker a command packed and a reply parsed
# per message.
_ENQUEUE: Final = """
local ids = {}
for i = 2, #ARGV, 2 do
  ids[#ids + 1] = redis.call('XADD', KEYS[tonumber(ARGV[i])], '*', ARGV[1], ARGV[i + 1])
end
return ids
"""
_enqueue = LuaScript(_ENQUEUE)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One entry handed to this consumer: ack it, or dead-letter it, when the row is settled.

    `deliveries` counts how many times the group has handed the entry out, this time included:
    1 for a fresh entry, more for one taken over from a consumer that died or gave up.
    """

    stream: str
    entry_id: str
    message_id: str
    priority: int
    deliveries: int


@dataclass(frozen=True, slots=True)
class StreamDepth:
    """The size of one priority's stream.

    `length` is every entry not yet acked; `pending` those handed to a consumer and not acked.
    """

    priority: int
    stream: str
    length: int
    pending: int

    @property
    def waiting(self) -> int:
        """Entries not yet handed to any consumer."""
        return max(self.length - self.pending, 0)


class SendQueue:
    """Enqueue message ids by priority and hand them to this worker, highest priority first."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "outreach",
        group: str = "senders",
        consumer: str,
        claim_idle_ms: int = 60_000,
        dead_maxlen: int = 100_000,
    ) -> None:
        if claim_idle_ms <= 0:
            raise ValueError("claim_idle_ms must be positive")
        self._redis = redis
        self._group = group
        self._consumer = consumer
        self._claim_idle_ms = claim_idle_ms
        self._dead_maxlen = dead_maxlen
        self._streams = {p: f"{prefix}:send:p{p}" for p in PRIORITIES}
        self.dead_stream = f"{prefix}:send:dead"
        # Where the next reclaim scan of each stream starts, and when it is due (monotonic).
        self._claim_cursor = dict.fromkeys(PRIORITIES, "0-0")
        self._claim_due = dict.fromkeys(PRIORITIES, 0.0)

    def stream(self, priority: int) -> str:
        """The key of the stream of `priority`."""
        return self._streams[_checked(priority)]

    async def ensure_groups(self) -> None:
        """Create the consumer group on every stream (and the streams), if not there yet.

        The group starts at the beginning, so entries enqueued before it existed are served.
        """
        for key in self._streams.values():
            try:
                await self._redis.xgroup_create(key, self._group, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def enqueue(self, entries: Sequence[tuple[int, str]]) -> list[str]:
        """Append (priority, message id) pairs, in order, in one round trip per 5,000 (a
        server-side script); the entry ids, in order."""
        if not entries:
            return []
        keys = list(self._streams.values())
        number = {p: str(i) for i, p in enumerate(self._streams, start=1)}
        args: list[str] = []
        for priority, message_id in entries:
            _checked(priority)
            if not message_id:
                raise ValueError("empty message id")
            args += (number[priority], message_id)
        ids: list[str] = []
        step = 2 * _ENQUEUE_CHUNK
        for start in range(0, len(args), step):
            added = await _enqueue(self._redis, keys, [FIELD, *args[start : start + step]])
            ids.extend(_text(entry_id) for entry_id in added)
        return ids

    async def read(self, count: int = 10, block_ms: int = 1000) -> list[Delivery]:
        """Up to `count` entries for this consumer, all of one priority, the highest available.

        For each priority in turn: first entries a dead consumer left idle longer than
        `claim_idle_ms`, then new ones; a lower priority is read only when the higher ones
        have nothing. When no stream has anything, waits up to `block_ms` for new entries on
        all three; if several arrive at once they are all returned, highest priority first.
        """
        if count <= 0:
            raise ValueError("count must be positive")
        try:
            return await self._read(count, block_ms)
        except ResponseError as error:
            if not _missing_group(error):
                raise
            # The streams were deleted under us (a purge, a flushed store): recreate, go on.
            await self.ensure_groups()
            return await self._read(count, block_ms)

    async def _read(self, count: int, block_ms: int) -> list[Delivery]:
        for priority in PRIORITIES:
            if time.monotonic() >= self._claim_due[priority]:
                reclaimed = await self._reclaim(priority, count)
                if reclaimed:
                    return reclaimed
                if self._claim_cursor[priority] == "0-0":
                    # Nothing was idle long enough: look again after a quarter of the idle
                    # time, not before every read.
                    self._claim_due[priority] = time.monotonic() + self._claim_idle_ms / 4000
            fresh = await self._read_new({self._streams[priority]: ">"}, count, None)
            if fresh:
                return fresh
        if block_ms <= 0:
            return []
        deadline = time.monotonic() + block_ms / 1000
        streams: dict[KeyT, StreamIdT] = dict.fromkeys(self._streams.values(), ">")
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return []
            fresh = await self._read_new(streams, count, remaining_ms)
            if fresh:
                return sorted(fresh, key=lambda d: d.priority)
            if deadline - time.monotonic() > _POLL_S:
                # Only a store that does not block (the embedded one) answers empty early.
                await asyncio.sleep(_POLL_S)

    async def _read_new(
        self, streams: dict[KeyT, StreamIdT], count: int, block_ms: int | None
    ) -> list[Delivery]:
        answer = await self._redis.xreadgroup(
            self._group, self._consumer, streams, count=count, block=block_ms
        )
        deliveries: list[Delivery] = []
        malformed: list[tuple[str, str]] = []
        for key, entries in _stream_items(answer):
            priority = self._priority_of(key)
            for entry_id, fields in entries:
                message_id = _field(fields)
                if message_id is None:
                    malformed.append((key, _text(entry_id)))
                    continue
                deliveries.append(Delivery(key, _text(entry_id), message_id, priority, 1))
        await self._drop_malformed(malformed)
        return deliveries

    async def _reclaim(self, priority: int, count: int) -> list[Delivery]:
        key = self._streams[priority]
        found: list[tuple[str, str]] = []
        malformed: list[tuple[str, str]] = []
        for _ in range(_CLAIM_ROUNDS):
            answer = await self._redis.xautoclaim(
                key,
                self._group,
                self._consumer,
                self._claim_idle_ms,
                start_id=self._claim_cursor[priority],
                count=count - len(found),
            )
            self._claim_cursor[priority] = _text(answer[0])
            for entry_id, fields in answer[1]:
                if entry_id is None:
                    continue  # Redis 6.2 names a deleted entry this way; 7 drops it itself
                message_id = _field(fields)
                if message_id is None:
                    malformed.append((key, _text(entry_id)))
                else:
                    found.append((_text(entry_id), message_id))
            if len(found) >= count or self._claim_cursor[priority] == "0-0":
                break
        await self._drop_malformed(malformed)
        if not found:
            return []
        # XAUTOCLAIM does not say how often an entry was handed out; XPENDING does.
        pipe = self._redis.pipeline(transaction=False)
        for entry_id, _ in found:
            pipe.xpending_range(key, self._group, min=entry_id, max=entry_id, count=1)
        counts: list[list[dict[str, Any]]] = await pipe.execute()
        deliveries = [
            Delivery(key, entry_id, message_id, priority, _delivered(rows))
            for (entry_id, message_id), rows in zip(found, counts, strict=True)
        ]
        log.info("send_queue_reclaimed", stream=key, entries=len(deliveries))
        return deliveries

    async def ack(self, deliveries: Iterable[Delivery]) -> int:
        """Acknowledge and delete entries whose message the database has settled.

        Returns how many were still pending for the group (an entry another consumer has
        since taken over and acked is not counted twice).
        """
        by_stream: dict[str, list[str]] = {}
        for delivery in deliveries:
            by_stream.setdefault(delivery.stream, []).append(delivery.entry_id)
        if not by_stream:
            return 0
        pipe = self._redis.pipeline(transaction=False)
        for key, ids in by_stream.items():
            pipe.xack(key, self._group, *ids)
            pipe.xdel(key, *ids)
        results = await pipe.execute()
        return sum(int(acked) for acked in results[0::2])

    async def dead_letter(self, delivery: Delivery, reason: str) -> None:
        """Set an entry aside for staff to look at (with why and when), then ack it."""
        await self._redis.xadd(
            self.dead_stream,
            {
                FIELD: delivery.message_id,
                "reason": reason,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "priority": str(delivery.priority),
                "deliveries": str(delivery.deliveries),
                "entry": delivery.entry_id,
            },
            maxlen=self._dead_maxlen,
            approximate=True,
        )
        await self.ack([delivery])

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The most recent dead letters, newest first, each with its fields and entry id."""
        entries = await self._redis.xrevrange(self.dead_stream, count=count)
        return [
            {"id": _text(entry_id), **{_text(k): _text(v) for k, v in (fields or {}).items()}}
            for entry_id, fields in entries or []
        ]

    async def depth(self) -> list[StreamDepth]:
        """Length and pending count of each priority's stream, priority 0 first."""
        pipe = self._redis.pipeline(transaction=False)
        for key in self._streams.values():
            pipe.xlen(key)
            pipe.xinfo_groups(key)
        # A stream not created yet has no groups: XINFO answers an error, read as none pending.
        results = await pipe.execute(raise_on_error=False)
        depths: list[StreamDepth] = []
        for index, (priority, key) in enumerate(self._streams.items()):
            length, groups = results[2 * index], results[2 * index + 1]
            if isinstance(length, Exception):
                raise length
            pending = 0
            if not isinstance(groups, Exception):
                for group in groups:
                    if _text(group["name"]) == self._group:
                        pending = int(group["pending"])
            depths.append(StreamDepth(priority, key, int(length), pending))
        return depths

    async def lag(self) -> int:
        """Entries of every priority not yet handed to any consumer."""
        return sum(d.waiting for d in await self.depth())

    async def purge(self) -> None:
        """Delete every stream of this queue, dead letters included (tests and demos)."""
        await self._redis.delete(*self._streams.values(), self.dead_stream)
        self._claim_cursor = dict.fromkeys(PRIORITIES, "0-0")
        self._claim_due = dict.fromkeys(PRIORITIES, 0.0)

    async def _drop_malformed(self, entries: list[tuple[str, str]]) -> None:
        # An entry without a message id cannot be served; keep it visible, not in the way.
        for key, entry_id in entries:
            await self.dead_letter(
                Delivery(key, entry_id, "", self._priority_of(key), 1), "entry has no message id"
            )
        count_dead_letters("send", "malformed_entry", len(entries))

    def _priority_of(self, key: str) -> int:
        for priority, name in self._streams.items():
            if name == key:
                return priority
        raise KeyError(key)


def _checked(priority: int) -> int:
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}, not {priority!r}")
    return priority


def _text(value: Any) -> str:
    # The project's clients decode responses; a client that does not is served too.
    return value.decode() if isinstance(value, bytes) else str(value)


def _field(fields: Any) -> str | None:
    if not fields:
        return None
    for key, value in fields.items():
        if _text(key) == FIELD and value:
            return _text(value)
    return None


def _stream_items(answer: Any) -> list[tuple[str, list[Any]]]:
    # The RESP2 answer (the project's clients speak RESP2): a list of [stream, entries].
    return [(_text(key), entries) for key, entries in answer or []]


def _delivered(rows: list[dict[str, Any]]) -> int:
    # The entry was claimed just before; if it has vanished since (acked by its old owner
    # between the two calls), count it as handed out twice, the least it can have been.
    return int(rows[0]["times_delivered"]) if rows else 2


def _missing_group(error: ResponseError) -> bool:
    text = str(error)
    # Redis says NOGROUP (or UNBLOCKED when the stream vanishes under a blocking read); the
    # embedded store says the key must exist.
    return "NOGROUP" in text or "UNBLOCKED" in text or "requires the key to exist" in text
