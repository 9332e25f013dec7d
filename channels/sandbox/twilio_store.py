"""The Twilio stand-in's memory of messages: Message resources as the real API shows them.

Every accepted outbound message and every simulated inbound reply is kept here so that the
status-query API (list and fetch) answers from what the stand-in really accepted, and receipts
move a message to its final status there too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

API_VERSION = "2010-04-01"
#: The number the stand-in sends from when a message names a Messaging Service, and the number
#: residents reply to when they have never been messaged (Twilio's documented test number).
SANDBOX_NUMBER = "+15005550006"


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits (SM…, RQ…, PA…)."""
    return prefix + uuid.uuid4().hex


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format in JSON: 'Thu, 30 Jul 2015 20:12:31 +0000'."""
    return format_datetime(moment.astimezone(UTC)) if moment is not None else None


@dataclass(slots=True)
class StoredMessage:
    """One Message resource."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    direction: str
    status: str
    num_segments: int
    date_created: datetime
    date_sent: datetime | None = None
    date_updated: datetime | None = None
    messaging_service_sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    status_callback: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def resource(self, *, status: str | None = None, sent: bool = True) -> dict[str, Any]:
        """The JSON the API answers; `status`/`sent` override what a create answer shows."""
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent) if sent else None,
            "date_updated": rfc2822(self.date_updated or self.date_created),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": status or self.status,
            "subresource_uris": {
                "media": self.uri().removesuffix(".json") + "/Media.json",
                "feedback": self.uri().removesuffix(".json") + "/Feedback.json",
            },
            "to": self.to,
            "uri": self.uri(),
        }


class MessageStore:
    """Messages by SID, newest first when listed, and who last wrote to each phone."""

    def __init__(self) -> None:
        self._messages: dict[str, StoredMessage] = {}
        self._last_sender: dict[str, tuple[str, str | None]] = {}

    def add(self, message: StoredMessage) -> None:
        self._messages[message.sid] = message
        if message.direction.startswith("outbound"):
            self._last_sender[message.to] = (message.from_, message.messaging_service_sid)

    def get(self, sid: str) -> StoredMessage | None:
        return self._messages.get(sid)

    def newest_first(self) -> Iterator[StoredMessage]:
        """Every message, the most recently created first (ties: the later added first)."""
        ordered = sorted(
            enumerate(self._messages.values()),
            key=lambda pair: (pair[1].date_created, pair[0]),
            reverse=True,
        )
        return (message for _, message in ordered)

    def last_sender(self, to: str) -> tuple[str, str | None]:
        """The From (and Messaging Service) that last wrote to `to`: where a reply goes."""
        return self._last_sender.get(to, (SANDBOX_NUMBER, None))

    def finish(self, sid: str, status: str, error_code: int | None, at: datetime) -> None:
        """Record a message's final status, as its receipt reports it."""
        message = self._messages.get(sid)
        if message is None:
            return
        message.status = status
        message.error_code = error_code
        message.error_message = None if error_code is None else "Unreachable destination handset"
        message.date_updated = at
