"""The send queue's dead letters: what staff see of them, and putting them back to be sent.

A dead letter is a stream entry the dispatch set aside (campaigns.SendQueue.dead_letter) with
why and when. Replay puts its message id back on the stream of the message's priority, only
when the message row is still `queued`: a row that is final, or that a gateway may already have
(`sent`, `unknown`), or that a worker holds (`sending`) is skipped and stays listed, so a replay
never sends a message twice. (The send itself claims the row only while it is `queued`, so even
a row that changes between this check and the send goes out once.)

The outbox's dead letters (events for the ledger system) are another thing: see
`outreach outbox deadletters|replay`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import MessageStatus, SendQueue
from core import mask_phone, mask_text

_OBSERVER = "outreach-ops"
#: Entries read from the dead-letter stream per round trip when replaying them all.
_PAGE = 500

_FINAL = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
        MessageStatus.SUPPRESSED,
        MessageStatus.CANCELLED,
        MessageStatus.EXPIRED,
    }
)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead letter, with what the database says of its message (address masked)."""

    id: str
    message_id: str
    reason: str
    at: str
    priority: int | None
    deliveries: int | None
    campaign_id: int | None = None
    campaign: str | None = None
    status: str | None = None
    channel: str | None = None
    address: str | None = None  # masked

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Skipped:
    id: str
    message_id: str
    reason: str  # "中文 / English"


@dataclass(slots=True)
class ReplayReport:
    replayed: list[str] = field(default_factory=list)  # dead-letter entry ids
    skipped: list[Skipped] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "replayed": len(self.replayed),
            "replayed_ids": self.replayed,
            "skipped": [asdict(s) for s in self.skipped],
        }


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    campaign_id: int
    campaign: str | None
    status: str
    channel: str
    address: str
    priority: int


def masked_address(address: str) -> str:
    """A phone or chat id alike with its middle hidden (first three, last four shown)."""
    return mask_phone(address)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _message_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


async def _rows(engine: AsyncEngine, ids: Sequence[int]) -> dict[int, _Row]:
    if not ids:
        return {}
    query = text(
        "SELECT m.id, m.campaign_id, c.name, m.status, m.channel, m.address, m.priority "
        "FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id WHERE m.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    async with engine.connect() as connection:
        result = await connection.execute(query, {"ids": sorted(set(ids))})
        return {
            int(r[0]): _Row(int(r[0]), int(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]), int(r[6]))
            for r in result
        }


def _entries(raw: Any) -> list[dict[str, str]]:
    def t(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    return [
        {"id": t(entry_id), **{t(k): t(v) for k, v in (fields or {}).items()}}
        for entry_id, fields in raw or []
    ]


async def list_dead_letters(
    redis: Redis, engine: AsyncEngine, limit: int = 100
) -> list[DeadLetter]:
    """The newest `limit` dead letters, newest first, each with its message's campaign, status
    and masked address."""
    queue = SendQueue(redis, consumer=_OBSERVER)
    entries = await queue.dead_letters(limit)
    ids = [i for i in (_message_id(e.get("m", "")) for e in entries) if i is not None]
    rows = await _rows(engine, ids)
    letters = []
    for entry in entries:
        message_id = entry.get("m", "")
        row = rows.get(_message_id(message_id) or -1)
        letters.append(
            DeadLetter(
                id=entry["id"],
                message_id=message_id,
                reason=mask_text(entry.get("reason", "")),
                at=entry.get("at", ""),
                priority=_int(entry.get("priority")),
                deliveries=_int(entry.get("deliveries")),
                campaign_id=row.campaign_id if row else None,
                campaign=row.campaign if row else None,
                status=row.status if row else None,
                channel=row.channel if row else None,
                address=masked_address(row.address) if row else None,
            )
        )
    return letters


def _why_not(row: _Row | None) -> str | None:
    """Why a dead letter's message must not be sent again (None: it may)."""
    if row is None:
        return "数据库中没有这条消息 / the message is not in the database"
    status = row.status
    if status == MessageStatus.QUEUED:
        return None
    if status in _FINAL:
        return f"消息已是最终状态（{status}），不再发送 / the message is already final ({status})"
    if status == MessageStatus.SENDING:
        return "发送进程正在处理这条消息（sending） / a worker is sending it now (sending)"
    return (
        f"网关可能已收到这条消息（{status}），重放可能重复发送 / "
        f"the gateway may already have it ({status}); a replay could send it twice"
    )


async def _select(
    redis: Redis, queue: SendQueue, ids: Sequence[str] | None
) -> tuple[list[dict[str, str]], list[Skipped]]:
    if ids is None:
        found: list[dict[str, str]] = []
        start = "-"
        while True:
            page = _entries(await redis.xrange(queue.dead_stream, min=start, count=_PAGE))
            found.extend(page)
            if len(page) < _PAGE:
                return found, []
            start = f"({page[-1]['id']}"
    entries, missing = [], []
    for entry_id in dict.fromkeys(ids):
        try:
            raw = await redis.xrange(queue.dead_stream, min=entry_id, max=entry_id, count=1)
        except ResponseError:  # not an entry id at all
            raw = []
        if raw:
            entries.extend(_entries(raw))
        else:
            missing.append(Skipped(entry_id, "", "没有这条死信 / no such dead letter"))
    return entries, missing


async def replay_dead_letters(
    redis: Redis, engine: AsyncEngine, ids: Sequence[str] | None = None
) -> ReplayReport:
    """Put dead letters back on the send stream (`ids`, or every one when None): only those
    whose message is still `queued`; the others are skipped, with why, and stay listed."""
    queue = SendQueue(redis, consumer=_OBSERVER)
    entries, skipped = await _select(redis, queue, ids)
    report = ReplayReport(skipped=skipped)
    rows = await _rows(
        engine, [i for i in (_message_id(e.get("m", "")) for e in entries) if i is not None]
    )
    for entry in entries:
        message_id = entry.get("m", "")
        number = _message_id(message_id)
        if number is None:
            report.skipped.append(
                Skipped(entry["id"], message_id, "死信没有消息编号 / the entry has no message id")
            )
            continue
        row = rows.get(number)
        why = _why_not(row)
        if why is not None or row is None:
            report.skipped.append(Skipped(entry["id"], message_id, why or ""))
            continue
        await queue.enqueue([(row.priority, str(row.id))])
        await redis.xdel(queue.dead_stream, entry["id"])
        report.replayed.append(entry["id"])
    return report
