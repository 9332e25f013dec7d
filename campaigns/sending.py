"""The two database steps around every send: claim the messages, then record what happened.

`claim` is what makes sending exactly-once. A stream entry only names a message; a worker may
send it only after moving its row from `queued` to `sending` with a conditional UPDATE, in the
same transaction that checks the suppression list and reserves the resident's frequency cap. A
redelivered or duplicated entry finds the row no longer `queued` and does nothing. A worker that
dies after claiming leaves a `sending` row whose lease lapses; upkeep turns it into `unknown`
and asks the gateway, never sending blindly again.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, case, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import TypeEngine

from campaigns.events import EventKind, event_row, write_events
from campaigns.model import CONTACTS, MESSAGES, SUPPRESSIONS, MessageStatus, locked_messages
from channels.base import Accepted, ChannelKind, Failed, RetryLater, SendResult, Unknown
from core import (
    RowParams,
    as_columns,
    get_logger,
    in_transaction,
    is_postgresql,
    is_sqlite,
    one_of,
    stored_utc,
    unnested,
)
from ops.instruments import count_recorded_sends

_M = MESSAGES
_S = SUPPRESSIONS
_C = CONTACTS
_Q = MessageStatus.QUEUED.value
_SENDING = MessageStatus.SENDING.value
_UNKNOWN = MessageStatus.UNKNOWN.value
_by_id = attrgetter("id")
log = get_logger("campaigns.sending")


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message this worker now owns until it records the outcome."""

    id: int
    campaign_id: int
    resident_id: str
    channel: str
    address: str
    priority: int
    variables: dict[str, str]
    attempts: int


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """What `claim` needs to know of a running campaign."""

    window_opens_at: datetime | None  # None: the window is open now
    cap_days: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of sending one claimed message."""

    message: Claimed
    provider: str
    result: SendResult
    body: str | None = None
    parts: int | None = None


async def claim(
    engine: AsyncEngine,
    ids: Sequence[int],
    rules: Mapping[int, CampaignRules],
    *,
    now: datetime,
    lease: timedelta,
    providers: Mapping[int, str | None] | None = None,
) -> list[Claimed]:
    """Take ownership of the sendable messages among `ids`; hold or drop the others.

    `providers` is the SMS gateway the dispatcher will use for each campaign's messages (its
    choice is made before the claim). It is stored with the claim, so that when the worker dies
    mid-send only that gateway is asked what became of the message (see campaigns.unknown).

    Messages of campaigns not in `rules` (paused, cancelled, unknown) stay queued, marked not
    enqueued: the sweep enqueues them again while their campaign runs, its resume otherwise.
    Messages whose window is closed get `not_before` set to its opening. Suppressed residents'
    messages end as `suppressed`. Residents within their frequency cap are held until it lapses.
    """
    if not ids:
        return []

    async def work(connection: AsyncConnection) -> list[Claimed]:
        return await _claim(connection, ids, rules, now=now, lease=lease, providers=providers)

    return await in_transaction(engine, work, what="claim")


def _in_locked(connection: AsyncConnection, ids: Sequence[int], *conditions: Any) -> Any:
    """The messages among `ids` that meet `conditions`, locked in id order (`locked_messages`).

    The ids are named outside the locking subquery as well: without them PostgreSQL joined the
    subquery's rows to a sequential scan of the whole table (4 of the 12 ms a 500-row claim
    took over 20,000 messages), where with them it fetches each row by its key.
    """
    return and_(
        one_of(connection, _M.c.id, ids),
        locked_messages(one_of(connection, _M.c.id, ids), *conditions),
    )


async def _claim(
    connection: AsyncConnection,
    ids: Sequence[int],
    rules: Mapping[int, CampaignRules],
    *,
    now: datetime,
    lease: timedelta,
    providers: Mapping[int, str | None] | None,
) -> list[Claimed]:
    open_ids = [c for c, r in rules.items() if r.window_opens_at is None]
    claimed_rows: Sequence[Any] = []
    if open_ids:
        claimed_rows = (
            await connection.execute(
                update(_M)
                .where(
                    _in_locked(
                        connection,
                        ids,
                        _M.c.status == _Q,
                        _M.c.campaign_id.in_(open_ids),
                        or_(_M.c.not_before.is_(None), _M.c.not_before <= now),
                    )
                )
                .values(
                    status=_SENDING,
                    attempts=_M.c.attempts + 1,
                    lease_until=now + lease,
                    **_chosen_provider(providers, open_ids),
                )
                .returning(
                    _M.c.id,
                    _M.c.campaign_id,
                    _M.c.resident_id,
                    _M.c.channel,
                    _M.c.address,
                    _M.c.priority,
                    _M.c.variables,
                    _M.c.attempts,
                )
            )
        ).all()
    if len(claimed_rows) < len(ids):
        # Usually every id is claimed, and these statements are skipped.
        claimed_ids = {row[0] for row in claimed_rows}
        await _hold_unclaimed(connection, [i for i in ids if i not in claimed_ids], rules)
    # Rows unpacked as tuples, in the RETURNING order: a Row's attribute access costs about
    # half a microsecond, eight of them per message.
    claimed = sorted(
        (
            Claimed(id_, campaign, resident, channel, to, priority, json.loads(variables), tries)
            for id_, campaign, resident, channel, to, priority, variables, tries in claimed_rows
        ),
        key=_by_id,
    )
    if not claimed:
        return []
    claimed = await _drop_suppressed(connection, claimed, now)
    return await _reserve_caps(connection, claimed, rules, now)


async def _hold_unclaimed(
    connection: AsyncConnection, ids: Sequence[int], rules: Mapping[int, CampaignRules]
) -> None:
    """Leave the queued messages among `ids` that the claim did not take to the sweep.

    Rows of campaigns not in `rules` stay queued. This worker's list of running campaigns may
    be older than the entry (a campaign started, or a reply campaign created, a moment ago):
    the entry is acked all the same, so the row goes back to the sweep, which enqueues it
    again if its campaign is running (a paused campaign's rows wait for its resume). Rows of
    campaigns whose window is closed wait for its opening.
    """
    await connection.execute(
        update(_M)
        .where(_in_locked(connection, ids, _M.c.status == _Q, _M.c.campaign_id.not_in(list(rules))))
        .values(enqueued_at=None)
    )
    for campaign_id, rule in rules.items():
        if rule.window_opens_at is not None:
            await connection.execute(
                update(_M)
                .where(
                    _in_locked(connection, ids, _M.c.campaign_id == campaign_id, _M.c.status == _Q)
                )
                .values(not_before=rule.window_opens_at, enqueued_at=None)
            )


def _chosen_provider(
    providers: Mapping[int, str | None] | None, campaign_ids: Sequence[int]
) -> dict[str, Any]:
    """`provider=` for the claim: Telegram for Telegram rows, else the campaign's chosen SMS
    gateway (NULL when none is usable: the row then goes back without being sent)."""
    if providers is None:
        return {}
    whens = [(_M.c.campaign_id == c, p) for c in campaign_ids if (p := providers.get(c))]
    by_campaign: Any = case(*whens, else_=null()) if whens else null()
    return {"provider": case((_M.c.channel == "telegram", "telegram"), else_=by_campaign)}


async def _drop_suppressed(
    connection: AsyncConnection, claimed: list[Claimed], now: datetime
) -> list[Claimed]:
    addresses = {f"{c.channel}:{c.address}" for c in claimed}
    residents = {c.resident_id for c in claimed}
    rows = (
        await connection.execute(
            select(_S.c.address, _S.c.resident_id).where(
                or_(
                    one_of(connection, _S.c.address, addresses),
                    one_of(connection, _S.c.resident_id, residents),
                )
            )
        )
    ).all()
    if not rows:
        return claimed
    blocked_addresses = {r.address for r in rows}
    blocked_residents = {r.resident_id for r in rows if r.resident_id}
    gone = [
        c
        for c in claimed
        if f"{c.channel}:{c.address}" in blocked_addresses or c.resident_id in blocked_residents
    ]
    await _finish(
        connection,
        gone,
        MessageStatus.SUPPRESSED,
        now,
        reason="退订名单 / on the suppression list",
        event=EventKind.MESSAGE_SUPPRESSED,
    )
    gone_ids = {c.id for c in gone}
    return [c for c in claimed if c.id not in gone_ids]


async def _reserve_caps(
    connection: AsyncConnection,
    claimed: list[Claimed],
    rules: Mapping[int, CampaignRules],
    now: datetime,
) -> list[Claimed]:
    """Reserve each resident's contact; hold messages of residents within their cap."""
    kept: list[Claimed] = []
    held: list[tuple[Claimed, datetime]] = []
    seen: set[str] = set()
    by_cap: dict[int, list[Claimed]] = {}
    for c in claimed:
        if c.resident_id in seen:  # two messages for one resident in one batch
            held.append((c, now + timedelta(days=max(rules[c.campaign_id].cap_days, 0) or 0)))
            continue
        seen.add(c.resident_id)
        by_cap.setdefault(rules[c.campaign_id].cap_days, []).append(c)
    for cap_days, group in by_cap.items():
        cutoff = now - timedelta(days=cap_days)
        granted = await _upsert_contacts(connection, group, now, cutoff if cap_days else None)
        for c in group:
            if c.resident_id in granted:
                kept.append(c)
        capped = [c for c in group if c.resident_id not in granted]
        if capped:
            last: dict[str, datetime] = dict(
                (
                    await connection.execute(
                        select(_C.c.resident_id, _C.c.last_contact_at).where(
                            _C.c.resident_id.in_([c.resident_id for c in capped])
                        )
                    )
                ).all()
            )
            for c in capped:
                held.append((c, stored_utc(last[c.resident_id]) + timedelta(days=cap_days)))
    if held:
        await connection.execute(
            update(_M)
            .where(_M.c.id == bindparam("mid"), _M.c.status == _SENDING)
            .values(
                status=_Q,
                attempts=_M.c.attempts - 1,
                not_before=bindparam("until"),
                lease_until=None,
                enqueued_at=None,
            ),
            sorted(({"mid": c.id, "until": until} for c, until in held), key=_by_mid),
        )
    return kept


async def _upsert_contacts(
    connection: AsyncConnection, group: Sequence[Claimed], now: datetime, cutoff: datetime | None
) -> set[str]:
    """Set last contact to now where the cap allows; the residents granted."""
    ordered = sorted(group, key=lambda c: c.resident_id)  # lock order, as for messages
    if is_postgresql(connection):
        # One statement for the batch, its rows read from array parameters (core.row_batches).
        v = unnested("v", {"rid": _C.c.resident_id.type, "mid": _C.c.message_id.type})
        pg = postgresql.insert(_C).from_select(
            ["resident_id", "last_contact_at", "previous_contact_at", "message_id"],
            select(v.c.rid, bindparam("now", type_=_C.c.last_contact_at.type), null(), v.c.mid),
        )
        stmt: Any = _on_contact_conflict(pg, cutoff)
        params: Any = {
            "rid": [c.resident_id for c in ordered],
            "mid": [c.id for c in ordered],
            "now": now,
            "cutoff": cutoff,
        }
    else:
        # Run per row, compiled once and cached, where a multi-row VALUES literal would be
        # compiled afresh for every batch.
        stmt = _on_contact_conflict(sqlite.insert(_C), cutoff)
        params = [
            {
                "resident_id": c.resident_id,
                "last_contact_at": now,
                "previous_contact_at": None,
                "message_id": c.id,
                "cutoff": cutoff,
            }
            for c in ordered
        ]
    return {r[0] for r in (await connection.execute(stmt, params)).all()}


def _on_contact_conflict(stmt: Any, cutoff: datetime | None) -> Any:
    """A resident already contacted gets the new contact only when the cap allows: the last
    one before `cutoff`, or it is the same message's (a claim run again)."""
    allowed = _C.c.message_id == stmt.excluded.message_id
    if cutoff is not None:
        allowed = or_(_C.c.last_contact_at <= bindparam("cutoff"), allowed)
    return stmt.on_conflict_do_update(
        index_elements=[_C.c.resident_id],
        set_={
            "previous_contact_at": _C.c.last_contact_at,
            "last_contact_at": stmt.excluded.last_contact_at,
            "message_id": stmt.excluded.message_id,
        },
        where=allowed if cutoff is not None else None,
    ).returning(_C.c.resident_id)


async def record(
    engine: AsyncEngine, outcomes: Sequence[Outcome], *, now: datetime, max_attempts: int
) -> dict[str, int]:
    """Write what the gateways answered; answers counts by outcome for metrics and logs."""
    counts: dict[str, int] = {}
    accepted: list[dict[str, Any]] = []
    delivered_now: list[dict[str, Any]] = []
    retry: list[dict[str, Any]] = []
    failed: list[tuple[Outcome, str, str]] = []
    unknown: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    opt_outs: list[Outcome] = []
    release: list[Claimed] = []
    tally: Counter[tuple[str, str]] = Counter()  # (channel, status), for metrics
    for o in outcomes:
        m, r = o.message, o.result
        base = {
            "mid": m.id,
            "tries": m.attempts,
            "provider": o.provider,
            "body": o.body,
            "parts": o.parts,
        }
        if isinstance(r, Accepted):
            # Telegram has no delivery receipts: acceptance by the Bot API is delivery.
            target = delivered_now if m.channel == ChannelKind.TELEGRAM.value else accepted
            target.append({**base, "pid": r.provider_id})
            kind = (
                EventKind.MESSAGE_DELIVERED
                if m.channel == ChannelKind.TELEGRAM.value
                else EventKind.MESSAGE_SENT
            )
            events.append(_event(kind, now, m, {"provider": o.provider}))
            tally[m.channel, "delivered" if target is delivered_now else "accepted"] += 1
        elif isinstance(r, RetryLater):
            if r.counts_attempt and m.attempts >= max_attempts:
                failed.append(
                    (o, "retries_exhausted", f"重试次数已用完 / retries exhausted: {r.reason}")
                )
                release.append(m)
                continue
            delay = max(r.delay, _backoff(m.attempts)) if r.counts_attempt else r.delay
            retry.append(
                {
                    "mid": m.id,
                    "tries": m.attempts,
                    "until": now + timedelta(seconds=delay),
                    "why": r.reason,
                    "back": 0 if r.counts_attempt else 1,
                }
            )
            events.append(_event(EventKind.MESSAGE_RETRY, now, m, {"reason": r.reason}))
            release.append(m)
            tally[m.channel, "retried"] += 1
        elif isinstance(r, Failed):
            failed.append((o, r.code, r.reason))
            release.append(m)
            if r.opt_out:
                opt_outs.append(o)
        elif isinstance(r, Unknown):
            unknown.append({**base, "why": r.reason})
            events.append(_event(EventKind.MESSAGE_UNKNOWN, now, m, {"reason": r.reason}))
            tally[m.channel, "unknown"] += 1
        counts[type(r).__name__.lower()] = counts.get(type(r).__name__.lower(), 0) + 1
    counts["failed"] = len(failed)
    events.extend(
        _event(EventKind.MESSAGE_FAILED, now, o.message, {"code": code}) for o, code, _ in failed
    )
    events.extend(
        _event(EventKind.OPTED_OUT, now, o.message, {"source": "telegram_block"}) for o in opt_outs
    )
    for params in (accepted, delivered_now, retry, unknown):
        params.sort(key=_by_mid)  # lock order: see `locked_messages`
    failed.sort(key=lambda f: f[0].message.id)

    async def write(connection: AsyncConnection) -> None:
        # What a gateway answered settles the row, also when its lease lapsed meanwhile and
        # upkeep marked it `unknown` (the worker was presumed dead, but was only slow): that
        # answer is better than any lookup, and Telegram has none to offer. Unknown rows are
        # claimed by no one, so no other send is in flight for them. A row claimed again since
        # (its attempts moved on) is another worker's: `_settle` leaves it to that worker's
        # answer. (No IN: SQLite runs the statement per row, and an expanding IN cannot be.)
        sending = or_(_M.c.status == _SENDING, _M.c.status == _UNKNOWN)
        settled: set[int] = set()
        settled |= await _settle(
            connection,
            accepted,
            sending,
            lambda p: {
                "status": MessageStatus.SENT.value,
                "provider": p.provider,
                "provider_id": p.pid,
                "body": p.body,
                "parts": p.parts,
                "sent_at": now,
                "lease_until": None,
            },
        )
        settled |= await _settle(
            connection,
            delivered_now,
            sending,
            lambda p: {
                "status": MessageStatus.DELIVERED.value,
                "provider": p.provider,
                "provider_id": p.pid,
                "body": p.body,
                "parts": p.parts,
                "sent_at": now,
                "finished_at": now,
                "lease_until": None,
            },
        )
        settled |= await _settle(
            connection,
            retry,
            sending,
            lambda p: {
                "status": _Q,
                "attempts": _M.c.attempts - p.back,
                "not_before": p.until,
                "reason": p.why,
                "lease_until": None,
                "enqueued_at": None,
            },
        )
        settled |= await _settle(
            connection,
            unknown,
            _M.c.status == _SENDING,
            lambda p: {
                "status": MessageStatus.UNKNOWN.value,
                "provider": p.provider,
                "body": p.body,
                "parts": p.parts,
                "reason": p.why,
                "sent_at": now,
                "lease_until": None,
            },
        )
        settled |= await _settle(
            connection,
            [
                {
                    "mid": o.message.id,
                    "tries": o.message.attempts,
                    "provider": o.provider,
                    "code": code,
                    "why": why,
                }
                for o, code, why in failed
            ],
            sending,
            lambda p: {
                "status": MessageStatus.FAILED.value,
                "provider": p.provider,
                "error_code": p.code,
                "reason": p.why,
                "finished_at": now,
                "lease_until": None,
            },
        )
        if opt_outs:
            await suppress_many(
                connection,
                [
                    (f"{o.message.channel}:{o.message.address}", o.message.resident_id)
                    for o in opt_outs
                ],
                source="telegram_block",
                detail="gateway reported the recipient refused messages",
                now=now,
            )
        stale = {o.message.id for o in outcomes} - settled
        if stale:
            # Answers for rows that moved on (claimed again, resolved or finished meanwhile):
            # what they would have said is not this row's story any more.
            log.warning("record_stale_answers", count=len(stale), first=sorted(stale)[:20])
        await release_contacts(connection, [m for m in release if m.id in settled])
        await write_events(
            connection,
            [e for e in events if e["kind"] == EventKind.OPTED_OUT or e["message_id"] not in stale],
        )

    await in_transaction(engine, write, what="record")
    tally.update((o.message.channel, "failed") for o, _, _ in failed)
    count_recorded_sends(tally, exhausted=sum(c == "retries_exhausted" for _, c, _ in failed))
    return counts


#: The types of `record`'s per-row parameters (array parameters on PostgreSQL).
_PARAM_TYPES: dict[str, TypeEngine[Any]] = {
    "mid": _M.c.id.type,
    "tries": _M.c.attempts.type,
    "provider": _M.c.provider.type,
    "pid": _M.c.provider_id.type,
    "body": _M.c.body.type,
    "parts": _M.c.parts.type,
    "why": _M.c.reason.type,
    "until": _M.c.not_before.type,
    "back": Integer(),
    "code": _M.c.error_code.type,
}


async def _settle(
    connection: AsyncConnection,
    rows: Sequence[Mapping[str, Any]],
    status: ColumnElement[bool],
    values: Callable[[Any], dict[str, Any]],
) -> set[int]:
    """Update each message `rows` name (`mid`) whose row still has `status` and is still the
    claim the answer is for; the ids updated.

    The claim is told by the row's attempts (`tries`, as the claim left them): each claim
    counts one more, and the rare steps that count one back (a cap hold, a hand-back, a retry
    that does not count) end a claim that sent nothing, so no answer is outstanding for it.
    Without this a slow worker's answer, arriving after its lease lapsed and the message was
    claimed again, would settle the second worker's send (a late "retry" would even queue a
    message that is being sent).

    `values(p)` gives the new values, `p.name` being a row's parameter `name`. On PostgreSQL
    the batch is one UPDATE over `unnest` (see core.row_batches), its rows locked in id order
    first (the locking rule of `locked_messages`); elsewhere one UPDATE per row, in the order
    given (sorted by id).
    """
    if not rows:
        return set()
    if is_postgresql(connection):
        names = list(rows[0])
        v = unnested("v", {n: _PARAM_TYPES[n] for n in names})
        ids = [r["mid"] for r in rows]
        done = await connection.execute(
            update(_M)
            .where(
                _M.c.id == v.c.mid,
                _M.c.attempts == v.c.tries,
                locked_messages(one_of(connection, _M.c.id, ids), status),
            )
            .values(**values(v.c))
            .returning(_M.c.id),
            as_columns(rows, names),
        )
        return set(done.scalars())
    statement = (
        update(_M)
        .where(_M.c.id == bindparam("mid"), _M.c.attempts == bindparam("tries"), status)
        .values(**values(RowParams()))
        .returning(_M.c.id)
    )
    settled: set[int] = set()
    for row in rows:  # SQLite returns no rows from an executemany UPDATE
        settled.update((await connection.execute(statement, row)).scalars())
    return settled


async def release_contacts(connection: AsyncConnection, messages: Iterable[Claimed]) -> None:
    """Give back cap reservations of messages that never went out."""
    ordered = sorted(messages, key=lambda m: m.resident_id)  # lock order, as for messages
    params = [{"rid": m.resident_id, "mid": m.id} for m in ordered]
    if not params:
        return
    mine = and_(_C.c.resident_id == bindparam("rid"), _C.c.message_id == bindparam("mid"))
    # A first contact that never happened leaves no row behind; a later one restores the last.
    await connection.execute(_C.delete().where(mine, _C.c.previous_contact_at.is_(None)), params)
    await connection.execute(
        update(_C).where(mine).values(last_contact_at=_C.c.previous_contact_at, message_id=None),
        params,
    )


async def suppress_many(
    connection: AsyncConnection,
    entries: Sequence[tuple[str, str | None]],
    *,
    source: str,
    detail: str,
    now: datetime,
) -> None:
    """Add addresses to the suppression list (an address already there keeps its first record)."""
    dialect = sqlite if is_sqlite(str(connection.engine.url)) else postgresql
    rows = [
        {"address": a, "resident_id": r, "source": source, "detail": detail, "created_at": now}
        for a, r in dict(entries).items()
    ]
    if rows:
        await connection.execute(
            dialect.insert(_S).values(rows).on_conflict_do_nothing(index_elements=[_S.c.address])
        )


async def _finish(
    connection: AsyncConnection,
    messages: Sequence[Claimed],
    status: MessageStatus,
    now: datetime,
    *,
    reason: str,
    event: str,
) -> None:
    if not messages:
        return
    await connection.execute(
        update(_M)
        .where(_M.c.id.in_([m.id for m in messages]), _M.c.status == _SENDING)
        .values(status=status.value, reason=reason, finished_at=now, lease_until=None)
    )
    await write_events(connection, (_event(event, now, m) for m in messages))


def _event(
    kind: str, now: datetime, m: Claimed, data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return event_row(
        kind, now, campaign_id=m.campaign_id, message_id=m.id, resident_id=m.resident_id, data=data
    )


def _by_mid(params: Mapping[str, Any]) -> int:
    return int(params["mid"])


def _backoff(attempt: int) -> float:
    """Seconds before the next try: about 5, 10, 20, ... capped at 10 minutes, with jitter."""
    base = float(min(5 * 2 ** max(attempt - 1, 0), 600))
    return base * (0.5 + random.random())  # noqa: S311 - spreading retries, not security
