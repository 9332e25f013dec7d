"""Settling messages whose send outcome is unknown, by asking the gateways.

A row becomes `unknown` when its worker died between claim and record (its lease lapsed), or when
a send request got no clear answer (a timeout). Either way it may be on the resident's phone, so it
is never simply sent again: the gateway is asked first.

What to ask about is rebuilt from the row, because a row that died mid-send has neither provider
nor body stored. The campaign's template is rendered again for every provider the dispatcher could
have chosen (the recorded one, else the campaign's SMS provider and its fallback); rendering is a
pure function of the stored variables, so the text and template code are what was sent. Then:

- any gateway found it → sent / delivered / failed, with that provider;
- every gateway says it never had it → queued again (sending is safe);
- any gateway cannot tell (unreachable, too many records, batch records without our content) →
  left `unknown` and asked again on a later run; `expire` ends it after 72 hours.

Rows are visited in id order from a cursor that wraps around, so rows that stay undecided never
block the ones behind them; lookups run several at a time, and every answer of a page is written
in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.definition import CampaignDefinition
from campaigns.events import EVENT_OF, STATUS_OF, EventKind, event_row, write_events
from campaigns.model import CAMPAIGNS, MESSAGES, MessageStatus, locked_messages
from campaigns.render import Rendered
from channels.base import Found, LookupResult, NotFound, Outbound
from core import BilingualError, get_logger, in_transaction, stored_utc

log = get_logger("campaigns.unknown")

_M = MESSAGES
_UNKNOWN = MessageStatus.UNKNOWN.value


class Lookupable(Protocol):
    """What `resolve_unknown` needs of a channel."""

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult: ...


class MessageRenderer(Protocol):
    """Renders a campaign template for one provider, as the dispatcher does."""

    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered: ...


@dataclass(slots=True)
class Resolution:
    """What one page of unknown rows came to; `last_id` is where the next page starts."""

    found: int = 0
    requeued: int = 0
    undecided: int = 0
    last_id: int = 0
    rows: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    campaign_id: int
    resident_id: str
    channel: str
    provider: str | None
    address: str
    body: str | None
    variables: dict[str, str]
    sent_at: datetime


@dataclass(slots=True)
class _Answer:
    row: _Row
    found: tuple[Found, str, str] | None = None  # the answer, its provider, the text asked
    never_sent: bool = False


async def resolve_unknown(
    engine: AsyncEngine,
    channels: Mapping[str, Lookupable],
    renderer: MessageRenderer,
    *,
    now: datetime,
    grace: timedelta = timedelta(seconds=30),
    after_id: int = 0,
    limit: int = 500,
    concurrency: int = 16,
) -> Resolution:
    """Ask the gateways about up to `limit` unknown rows with ids above `after_id`."""
    rows, definitions = await _page(engine, now=now, grace=grace, after_id=after_id, limit=limit)
    resolution = Resolution(last_id=rows[-1].id if rows else 0, rows=len(rows))
    if not rows:
        return resolution
    slots = asyncio.Semaphore(max(concurrency, 1))

    async def ask(row: _Row) -> _Answer:
        async with slots:
            try:
                return await _ask(row, definitions.get(row.campaign_id), channels, renderer)
            except Exception:
                # A gateway answer we could not read, or a bug: this row waits for the next
                # run; the rest of the page is still settled.
                log.exception("unknown_lookup_failed", message_id=row.id)
                return _Answer(row)

    answers = await asyncio.gather(*(ask(row) for row in rows))
    found = [a for a in answers if a.found is not None]
    requeue = [a for a in answers if a.never_sent]
    resolution.undecided = len(answers) - len(found) - len(requeue)
    if found or requeue:

        async def work(connection: AsyncConnection) -> tuple[int, int]:
            return await _apply(connection, found, requeue, now=now)

        resolution.found, resolution.requeued = await in_transaction(
            engine, work, what="resolve_unknown"
        )
    return resolution


async def _page(
    engine: AsyncEngine, *, now: datetime, grace: timedelta, after_id: int, limit: int
) -> tuple[list[_Row], dict[int, CampaignDefinition]]:
    async with engine.connect() as connection:
        found = (
            await connection.execute(
                select(
                    _M.c.id,
                    _M.c.campaign_id,
                    _M.c.resident_id,
                    _M.c.channel,
                    _M.c.provider,
                    _M.c.address,
                    _M.c.body,
                    _M.c.variables,
                    _M.c.sent_at,
                )
                .where(_M.c.status == _UNKNOWN, _M.c.sent_at <= now - grace, _M.c.id > after_id)
                .order_by(_M.c.id)
                .limit(limit)
            )
        ).all()
        campaign_ids = sorted({r.campaign_id for r in found})
        stored = (
            (
                await connection.execute(
                    select(CAMPAIGNS.c.id, CAMPAIGNS.c.definition).where(
                        CAMPAIGNS.c.id.in_(campaign_ids)
                    )
                )
            ).all()
            if campaign_ids
            else []
        )
    definitions = {
        r.id: CampaignDefinition.model_validate(json.loads(r.definition)) for r in stored
    }
    rows = [
        _Row(
            r.id,
            r.campaign_id,
            r.resident_id,
            r.channel,
            r.provider,
            r.address,
            r.body,
            json.loads(r.variables),
            stored_utc(r.sent_at),
        )
        for r in found
    ]
    return rows, definitions


def _providers(row: _Row, definition: CampaignDefinition | None) -> tuple[str, ...]:
    """Every gateway the dispatcher could have sent `row` through."""
    if row.provider:
        return (row.provider,)
    if row.channel == "telegram":
        return ("telegram",)
    return definition.sms_providers() if definition is not None else ()


async def _ask(
    row: _Row,
    definition: CampaignDefinition | None,
    channels: Mapping[str, Lookupable],
    renderer: MessageRenderer,
) -> _Answer:
    answer = _Answer(row)
    providers = _providers(row, definition)
    if not providers:
        return answer
    not_found = 0
    for provider in providers:
        channel = channels.get(provider)
        if channel is None or definition is None:
            continue  # this worker cannot ask that gateway: the row stays undecided
        try:
            rendered = renderer.render_message(
                definition.template, row.channel, provider, row.variables
            )
        except BilingualError:
            # The dispatcher could not have rendered it either: nothing went out this way.
            not_found += 1
            continue
        text = row.body if row.body and row.provider == provider else rendered.text
        outbound = Outbound(
            ref=str(row.id),
            to=row.address,
            text=text,
            template_code=rendered.template_code,
            sign_name=rendered.sign_name,
            params=rendered.params,
        )
        result = await channel.lookup(outbound, row.sent_at)
        if isinstance(result, Found):
            answer.found = (result, provider, text)
            return answer
        if isinstance(result, NotFound):
            not_found += 1
    answer.never_sent = not_found == len(providers)
    return answer


async def _apply(
    connection: AsyncConnection,
    found: Sequence[_Answer],
    requeue: Sequence[_Answer],
    *,
    now: datetime,
) -> tuple[int, int]:
    """Write every answer in id order (the messages-table lock order); rows settled meanwhile
    (a receipt arrived) are left as they are."""
    events: list[dict[str, Any]] = []
    n_found = 0
    for a in sorted(found, key=lambda a: a.row.id):
        if a.found is None:
            continue
        result, provider, text = a.found
        status = STATUS_OF[result.state]
        values: dict[str, Any] = {
            "status": status.value,
            "provider": provider,
            "provider_id": result.provider_id or None,
            "body": a.row.body or text,
        }
        if status is not MessageStatus.SENT:
            values["finished_at"] = now
        if result.error_code:
            values["error_code"] = result.error_code[:64]
        done = await connection.execute(
            update(_M).where(_M.c.id == a.row.id, _M.c.status == _UNKNOWN).values(**values)
        )
        if done.rowcount:
            n_found += 1
            events.append(_event(EVENT_OF[status], a.row, now, {"resolved_by": "lookup"}))
    requeued: set[int] = set()
    if requeue:
        requeued = set(
            (
                await connection.execute(
                    update(_M)
                    .where(
                        locked_messages(
                            _M.c.id.in_([a.row.id for a in requeue]), _M.c.status == _UNKNOWN
                        )
                    )
                    .values(
                        status=MessageStatus.QUEUED.value,
                        not_before=None,
                        enqueued_at=None,
                        sent_at=None,
                    )
                    .returning(_M.c.id)
                )
            ).scalars()
        )
        events.extend(
            _event(EventKind.MESSAGE_REQUEUED, a.row, now, {"resolved_by": "lookup_not_found"})
            for a in sorted(requeue, key=lambda a: a.row.id)
            if a.row.id in requeued
        )
    await write_events(connection, events)
    return n_found, len(requeued)


def _event(kind: str, row: _Row, now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return event_row(
        kind,
        now,
        campaign_id=row.campaign_id,
        message_id=row.id,
        resident_id=row.resident_id,
        data=data,
    )
