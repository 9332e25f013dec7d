"""The outreach contact a conversion is attributed to: the last one within the window.

A contact is a message the gateway accepted (sent, delivered, or sent and never confirmed) or a
chat interaction of the resident (a reply, a question, an estimate, linking, consent). The last
one at or before the conversion and no older than the window wins; with none, no contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


async def last_contact(
    connection: AsyncConnection, resident_id: str, at: datetime, window: timedelta
) -> Contact | None:
    """The latest contact with `resident_id` in [at - window, at], or None."""
    since = at - window
    m = MESSAGES
    message = (
        await connection.execute(
            select(m.c.id, m.c.campaign_id, m.c.channel, m.c.sent_at)
            .where(
                m.c.resident_id == resident_id,
                m.c.status.in_(CONTACT_STATUSES),
                and_(m.c.sent_at >= since, m.c.sent_at <= at),
            )
            .order_by(m.c.sent_at.desc(), m.c.id.desc())
            .limit(1)
        )
    ).first()
    e = EVENTS
    event = (
        await connection.execute(
            select(e.c.id, e.c.campaign_id, e.c.message_id, e.c.at, e.c.data)
            .where(
                e.c.resident_id == resident_id,
                e.c.kind.in_(CHAT_KINDS),
                and_(e.c.at >= since, e.c.at <= at),
            )
            .order_by(e.c.at.desc(), e.c.id.desc())
            .limit(1)
        )
    ).first()
    found: list[Contact] = []
    if message is not None:
        found.append(
            Contact(
                at=stored_utc(message.sent_at),
                channel=message.channel,
                campaign_id=message.campaign_id,
                message_id=message.id,
            )
        )
    if event is not None:
        # A reply or a question carries no campaign; it answers the last message, if any.
        via = found[0] if found and event.campaign_id is None else None
        found.append(
            Contact(
                at=stored_utc(event.at),
                channel=_channel(event.data),
                campaign_id=via.campaign_id if via else event.campaign_id,
                message_id=via.message_id if via else event.message_id,
                event_id=event.id,
            )
        )
    return max(found, key=lambda c: c.at, default=None)
