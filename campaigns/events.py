"""Event rows, written in the same transaction as the change they describe."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.model import EVENTS as _E
from campaigns.model import MessageStatus
from channels.base import DeliveryState
from core import as_columns, is_postgresql, unnested


class EventKind:
    MESSAGE_SENT = "message_sent"
    MESSAGE_DELIVERED = "message_delivered"
    MESSAGE_FAILED = "message_failed"
    MESSAGE_UNKNOWN = "message_unknown"
    MESSAGE_EXPIRED = "message_expired"
    MESSAGE_SUPPRESSED = "message_suppressed"
    MESSAGE_RETRY = "message_retry"
    MESSAGE_REQUEUED = "message_requeued"  # an unknown outcome resolved as "never sent"
    OPTED_OUT = "opted_out"
    REPLY_RECEIVED = "reply_received"
    QUESTION_FOLLOWED_UP = "question_followed_up"  # staff closed a resident's question
    # Chat (bot and SMS replies): what a resident asked and what the service did about it.
    QUESTION_ANSWERED = "question_answered"  # data: channel, entry, confidence
    QUESTION_ABSTAINED = "question_abstained"  # data: channel, nearest entry or none
    QUESTION_HANDED_OFF = "question_handed_off"  # the question waits for staff (inbound row)
    ESTIMATE_GIVEN = "estimate_given"  # data: channel, linked (prefilled from the ledger)
    ACCOUNT_LINKED = "account_linked"  # a Telegram chat proved it is the resident's
    CHAT_CONSENTED = "chat_consented"  # data: language; also a re-consent after a stop
    CAMPAIGN_STATE = "campaign_state"
    CONVERSION = "conversion"  # data: change, effective_on, source, attributed contact


#: The row status a gateway's word on a message (receipt or status query) moves it to.
STATUS_OF = {
    DeliveryState.SENT: MessageStatus.SENT,
    DeliveryState.DELIVERED: MessageStatus.DELIVERED,
    DeliveryState.FAILED: MessageStatus.FAILED,
}
#: The event written when a message reaches one of those statuses.
EVENT_OF = {
    MessageStatus.SENT: EventKind.MESSAGE_SENT,
    MessageStatus.DELIVERED: EventKind.MESSAGE_DELIVERED,
    MessageStatus.FAILED: EventKind.MESSAGE_FAILED,
}


#: `json.dumps(data, ensure_ascii=False, default=str)`, made once: dumps with options builds an
#: encoder per call.
_DATA = json.JSONEncoder(ensure_ascii=False, default=str)


@lru_cache(maxsize=1024)
def _one_pair(key: str, value: str) -> str:
    return _DATA.encode({key: value})


def _encoded(data: Mapping[str, Any]) -> str:
    """The event's data as JSON. The send loop writes an event per message, nearly all with
    the same one-pair data (`{"provider": "aliyun"}`): those are encoded once."""
    if len(data) == 1:
        ((key, value),) = data.items()
        if type(key) is str and type(value) is str:
            return _one_pair(key, value)
    return _DATA.encode(data)


def event_row(
    kind: str,
    at: datetime,
    *,
    campaign_id: int | None = None,
    message_id: int | None = None,
    resident_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "at": at,
        "campaign_id": campaign_id,
        "message_id": message_id,
        "resident_id": resident_id,
        "data": None if data is None else _encoded(data),
    }


_COLUMNS = ("kind", "at", "campaign_id", "message_id", "resident_id", "data")


async def write_events(connection: AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert event rows (from `event_row`); on PostgreSQL one statement for the batch."""
    batch = list(rows)
    if not batch:
        return
    if is_postgresql(connection) and len(batch) > 1:
        v = unnested("v", {c: _E.c[c].type for c in _COLUMNS})
        await connection.execute(
            insert(_E).from_select(_COLUMNS, select(*(v.c[c] for c in _COLUMNS))),
            as_columns(batch, _COLUMNS),
        )
        return
    await connection.execute(insert(_E), batch)
