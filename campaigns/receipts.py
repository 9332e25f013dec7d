"""Delivery receipts and residents' replies, applied to the message rows.

Status only moves forward: a receipt changes a row only from a status of lower rank (a late
"sent" never overwrites "delivered", a duplicate "delivered" changes nothing and writes no event).
A reply that says stop (T, TD, N, R, 退订 ...) puts the sender on the suppression list that every
send checks; any other reply is kept as the resident's question, which the leader's `questions`
job (campaigns.replies) answers by SMS or hands to staff. A reply the gateway pushes twice (it
retries a push it thinks was lost) is stored once: see `inbound_key`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.events import EVENT_OF, STATUS_OF, EventKind, event_row, write_events
from campaigns.model import INBOUND, MESSAGES, RANK, UNRECORDED_SEND, MessageStatus
from campaigns.sending import suppress_many
from campaigns.timing import utc_now
from channels.base import Inbound, Receipt
from core import in_transaction, is_sqlite, run_bound
from ledger import Resident
from ops.instruments import count_receipts

_M = MESSAGES
_R = Resident.__table__

#: Replies that mean "stop sending me messages" (after trimming spaces and punctuation).
STOP_WORDS = frozenset({"T", "TD", "N", "R", "退订", "退定", "取消", "不要再发", "拒收", "STOP"})


@dataclass(slots=True)
class ReceiptCounts:
    applied: int = 0
    ignored: int = 0  # duplicates and late receipts that would move a status backwards
    unmatched: int = 0  # no message found (not ours, or not recorded yet)


def is_stop(text: str) -> bool:
    """Whether a reply asks us to stop ("TD", "td。", " 退订 ", "T" ...)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    cleaned = re.sub(r"[\s\W_]+", "", cleaned)
    return cleaned in STOP_WORDS


async def apply_receipts(
    engine: AsyncEngine, receipts: Sequence[Receipt], *, now: datetime
) -> ReceiptCounts:
    """Move each receipt's message forward; all in one transaction.

    A receipt for a message still `sending` has overtaken the worker's record of the send: it
    counts as unmatched, so the callback asks the gateway to push it again, rather than
    racing the record (which would then lose the provider id, body and send time).
    """

    outcomes: list[tuple[str, str, str]] = []  # (provider, state, outcome), for metrics

    async def work(connection: AsyncConnection) -> ReceiptCounts:
        counts = ReceiptCounts()
        outcomes.clear()  # a retried transaction starts over
        found: list[tuple[Row[Any], Receipt]] = []
        for receipt in receipts:
            row = await _find(connection, receipt)
            if row is None or row.status == MessageStatus.SENDING.value:
                counts.unmatched += 1
                outcomes.append((receipt.provider, receipt.state, "unmatched"))
            else:
                found.append((row, receipt))
        found.sort(key=lambda f: int(f[0].id))  # lock order: see `locked_messages`
        for row, receipt in found:
            applied = await _apply(connection, row, receipt, now)
            if applied:
                counts.applied += 1
            else:
                counts.ignored += 1
            outcomes.append((receipt.provider, receipt.state, "applied" if applied else "ignored"))
        return counts

    counts = await in_transaction(engine, work, what="receipts")
    count_receipts(outcomes)
    return counts


async def _apply(
    connection: AsyncConnection, row: Row[Any], receipt: Receipt, now: datetime
) -> bool:
    target = STATUS_OF[receipt.state]
    lower = [s.value for s, rank in RANK.items() if rank < RANK[target]]
    if target is MessageStatus.SENT:
        lower = [MessageStatus.QUEUED.value, MessageStatus.UNKNOWN.value]
    values: dict[str, object] = {"status": target.value}
    if target is not MessageStatus.SENT:
        values["finished_at"] = receipt.at or now
    if receipt.error_code and target is MessageStatus.FAILED:
        values["error_code"] = receipt.error_code[:64]
        values["reason"] = "运营商回执：未送达 / carrier receipt: undelivered"
    if receipt.provider_id:
        values["provider_id"] = receipt.provider_id
        values["provider"] = receipt.provider  # unknown until now for an unrecorded send
    changed = await connection.execute(
        update(_M)
        .where(
            _M.c.id == row.id, _M.c.status.in_(lower), _M.c.status != MessageStatus.SENDING.value
        )
        .values(**values)
    )
    if changed.rowcount == 0:
        return False
    await write_events(
        connection,
        [
            event_row(
                EVENT_OF[target],
                now,
                campaign_id=row.campaign_id,
                message_id=row.id,
                resident_id=row.resident_id,
                data={"provider": receipt.provider, "code": receipt.error_code},
            )
        ],
    )
    return True


async def _find(connection: AsyncConnection, receipt: Receipt) -> Row[Any] | None:
    columns = (_M.c.id, _M.c.campaign_id, _M.c.resident_id, _M.c.status)
    if receipt.provider_id:
        query = select(*columns).where(
            _M.c.provider == receipt.provider, _M.c.provider_id == receipt.provider_id
        )
        if receipt.to:
            query = query.where(_M.c.address == receipt.to)
        row = (await connection.execute(query.limit(1))).first()
        if row is not None:
            return row
    if receipt.ref and receipt.ref.isdigit():
        query = select(*columns).where(_M.c.id == int(receipt.ref))
        if receipt.to:
            query = query.where(_M.c.address == receipt.to)
        return (await connection.execute(query)).first()
    if receipt.to:
        return await _unrecorded(connection, receipt)
    return None


async def _unrecorded(connection: AsyncConnection, receipt: Receipt) -> Row[Any] | None:
    """The message a receipt is about when its gateway id matches no row.

    Such a receipt is for a send that was never recorded: the worker died after the gateway took
    the message (the row is `unknown`, or `sent` by a status query that could not learn the
    gateway's id). Those rows have no provider id; when the number has exactly one of them for
    this gateway, it is that one. Two or more: it cannot be told which, so no match.
    """
    candidates = (
        await connection.execute(
            select(_M.c.id, _M.c.campaign_id, _M.c.resident_id, _M.c.status)
            .where(
                _M.c.address == receipt.to,
                _M.c.channel == "sms",
                text(UNRECORDED_SEND),  # the partial index's own predicate
                or_(_M.c.provider.is_(None), _M.c.provider == receipt.provider),
            )
            .limit(2)
        )
    ).all()
    return candidates[0] if len(candidates) == 1 else None


@dataclass(frozen=True, slots=True)
class InboundResult:
    kind: str  # "opt_out" | "question"
    resident_id: str | None
    duplicate: bool = False  # the same reply was stored before: nothing was done again


#: Gateway fields that identify one reply (Alibaba Cloud SmsUp, Twilio's messaging webhook).
_REPLY_IDS = ("sequence_id", "message_sid")


def inbound_key(inbound: Inbound) -> str | None:
    """What makes a pushed reply the same reply when the gateway pushes it again.

    A digest of the sender, the gateway's time of the reply, its text and the gateway's own id
    of it (where it gives one): a retried push repeats all of them. Without a gateway time or
    id nothing tells a retry from a resident writing the same words again: no key.
    """
    ids = [f"{name}={inbound.extra[name]}" for name in _REPLY_IDS if inbound.extra.get(name)]
    if inbound.at is None and not ids:
        return None
    at = inbound.at.isoformat() if inbound.at is not None else ""
    material = "\n".join([inbound.sender, at, inbound.text, *ids])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


async def apply_inbound(engine: AsyncEngine, inbound: Inbound, *, now: datetime) -> InboundResult:
    """Record a resident's reply: a stop word suppresses them; anything else is a question.

    A reply already stored (the same `inbound_key`) changes nothing and writes no event.
    """
    channel = "telegram" if inbound.provider == "telegram" else "sms"
    stop = is_stop(inbound.text)
    async with engine.begin() as connection:
        resident_id = await _resident_of(connection, channel, inbound.sender)
        kind = "opt_out" if stop else "question"
        dialect = sqlite if is_sqlite(str(connection.engine.url)) else postgresql
        stored = await connection.execute(
            dialect.insert(INBOUND)
            .values(
                provider=inbound.provider,
                sender=inbound.sender,
                resident_id=resident_id,
                text=inbound.text[:2000],
                kind=kind,
                received_at=inbound.at or now,
                dedupe_key=inbound_key(inbound),
            )
            .on_conflict_do_nothing(index_elements=[INBOUND.c.provider, INBOUND.c.dedupe_key])
        )
        if stored.rowcount == 0:
            return InboundResult(kind, resident_id, duplicate=True)
        events = [
            event_row(
                EventKind.REPLY_RECEIVED,
                now,
                resident_id=resident_id,
                data={"provider": inbound.provider, "kind": kind},
            )
        ]
        if stop:
            await suppress_many(
                connection,
                [(f"{channel}:{inbound.sender}", resident_id)],
                source=f"{channel}_reply",
                detail=f"{inbound.provider}: {inbound.text[:64]}",
                now=now,
            )
            events.append(
                event_row(
                    EventKind.OPTED_OUT,
                    now,
                    resident_id=resident_id,
                    data={"source": f"{channel}_reply", "provider": inbound.provider},
                )
            )
        await write_events(connection, events)
    return InboundResult(kind, resident_id)


async def _resident_of(connection: AsyncConnection, channel: str, sender: str) -> str | None:
    if channel == "sms":
        condition = _R.c.phone == sender
    elif sender.lstrip("-").isdigit():
        condition = _R.c.telegram_chat_id == int(sender)
    else:
        return None
    row = (await connection.execute(select(_R.c.id_number).where(or_(condition)).limit(2))).all()
    return row[0][0] if len(row) == 1 else None


class CampaignCallbacks:
    """The web layer's callback sink: receipts and replies applied to the campaign rows."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    async def receipts(self, receipts: Sequence[Receipt]) -> int:
        work = apply_receipts(self._engine, receipts, now=self._clock())
        counts = await run_bound(work, **_receipts_context(receipts))
        return counts.unmatched

    async def inbound(self, messages: Sequence[Inbound]) -> None:
        for message in messages:
            work = apply_inbound(self._engine, message, now=self._clock())
            await run_bound(work, callback="reply", provider=message.provider)


def _receipts_context(receipts: Sequence[Receipt]) -> dict[str, object]:
    """What the lines logged while applying a push of receipts carry: the gateway(s), and our
    message ids where the gateway echoes them (`ref`); never the phone it reports."""
    providers = sorted({r.provider for r in receipts})
    context: dict[str, object] = {"callback": "receipts", "receipts": len(receipts)}
    context["provider"] = providers[0] if len(providers) == 1 else providers
    ids = [int(r.ref) for r in receipts if r.ref and r.ref.isdigit()]
    if ids:
        context["message_ids"] = ids
    return context
