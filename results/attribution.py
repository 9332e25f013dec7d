"""The outreach contact a conversion is attributed to: the last one within the window.

A contact is a message the gateway accepted (sent, delivered, or sent and never confirmed) or a
chat interaction of the resident (a reply, a question, an estimate, linking, consent). The last
one at or before the conversion and no older than the window wins; with none, no contact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.events import EventKind
from campaigns.model import EVENTS, MESSAGES, MessageStatus
from core import stored_utc

DEFAULT_WINDOW = timedelta(days=30)

#: Message statuses that mean the gateway took the message (it may have reached the resident).
CONTACT_STATUSES = (
    MessageStatus.SENT.value,
    MessageStatus.DELIVERED.value,
    MessageStatus.EXPIRED.value,
)
#: Events of a resident's own interaction with the service.
CHAT_KINDS = (
    EventKind.REPLY_RECEIVED,
    EventKind.QUESTION_ANSWERED,
    EventKind.QUESTION_ABSTAINED,
    EventKind.QUESTION_HANDED_OFF,
    EventKind.ESTIMATE_GIVEN,
    EventKind.ACCOUNT_LINKED,
    EventKind.CHAT_CONSENTED,
)


@dataclass(frozen=True, slots=True)
class Contact:
    at: datetime
    channel: str | None
    campaign_id: int | None = None
    message_id: int | None = None
    event_id: int | None = None


def _channel(data: str | None) -> str | None:
    if not data:
        return None
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    channel = parsed.get("channel")
    if isinstance(channel, str):
        return channel
    provider = parsed.get("provider")
    if isinstance(provider, str):
        return "telegram" if provider == "telegram" else "sms"
    return None


_CHUNK = 500


async def last_contacts(
    connection: AsyncConnection, wanted: Sequence[tuple[str, datetime]], window: timedelta
) -> dict[tuple[str, datetime], Contact]:
    """The latest contact in [at - window, at] for each (resident, at) that has one.

    Two queries per 500 residents (messages, events), whatever the number of conversions.
    """
    found: dict[tuple[str, datetime], Contact] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        ids = sorted({rid for rid, _ in chunk})
        since = min(at for _, at in chunk) - window
        until = max(at for _, at in chunk)
        messages, events = await _candidates(connection, ids, since, until)
        for rid, at in chunk:
            contact = _pick(messages.get(rid, []), events.get(rid, []), at, at - window)
            if contact is not None:
                found[rid, at] = contact
    return found


async def last_contact(
    connection: AsyncConnection, resident_id: str, at: datetime, window: timedelta
) -> Contact | None:
    """The latest contact with `resident_id` in [at - window, at], or None."""
    return (await last_contacts(connection, [(resident_id, at)], window)).get((resident_id, at))


async def _candidates(
    connection: AsyncConnection, ids: list[str], since: datetime, until: datetime
) -> tuple[dict[str, list[Contact]], dict[str, list[Contact]]]:
    m, e = MESSAGES.c, EVENTS.c
    messages: dict[str, list[Contact]] = {}
    rows = await connection.execute(
        select(m.resident_id, m.id, m.campaign_id, m.channel, m.sent_at).where(
            m.resident_id.in_(ids),
            m.status.in_(CONTACT_STATUSES),
            and_(m.sent_at >= since, m.sent_at <= until),
        )
    )
    for row in rows:
        messages.setdefault(row.resident_id, []).append(
            Contact(
                at=stored_utc(row.sent_at),
                channel=row.channel,
                campaign_id=row.campaign_id,
                message_id=row.id,
            )
        )
    events: dict[str, list[Contact]] = {}
    rows = await connection.execute(
        select(e.resident_id, e.id, e.campaign_id, e.message_id, e.at, e.data).where(
            e.resident_id.in_(ids),
            e.kind.in_(CHAT_KINDS),
            and_(e.at >= since, e.at <= until),
        )
    )
    for row in rows:
        events.setdefault(row.resident_id, []).append(
            Contact(
                at=stored_utc(row.at),
                channel=_channel(row.data),
                campaign_id=row.campaign_id,
                message_id=row.message_id,
                event_id=row.id,
            )
        )
    return messages, events


def _latest(contacts: list[Contact], at: datetime, since: datetime) -> Contact | None:
    inside = [c for c in contacts if since <= c.at <= at]
    return max(inside, key=lambda c: (c.at, c.event_id or 0, c.message_id or 0), default=None)


def _pick(
    messages: list[Contact], events: list[Contact], at: datetime, since: datetime
) -> Contact | None:
    message = _latest(messages, at, since)
    event = _latest(events, at, since)
    if event is not None and event.campaign_id is None and message is not None:
        # A reply or a question carries no campaign; it answers the last message, if any.
        event = replace(event, campaign_id=message.campaign_id, message_id=message.message_id)
    found = [c for c in (message, event) if c is not None]
    return max(found, key=lambda c: c.at, default=None)
