"""Reading Twilio's message list: which record is our message, and what its status means.

`lookup` cannot match on our ref (Twilio keeps the StatusCallback URL out of the Message
resource), so a record is ours when it is outbound to the same E.164 number with the same Body,
created no earlier than shortly before we sent; of several, the one created closest to our send.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from channels.base import Found, LookupResult, LookupUnavailable
from channels.twilio.codes import delivery_state


class QueryError(Exception):
    """The status query could not be answered; the message is the bilingual reason."""


def message_records(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The Message records of one list page (QueryError when the page has none)."""
    records = page.get("messages")
    if not isinstance(records, list):
        raise QueryError("平台应答格式错误 / malformed message list")
    return [record for record in records if isinstance(record, dict)]


def is_ours(record: dict[str, Any], to: str, body: str) -> bool:
    """True when `record` is an outbound message to `to` with exactly `body`."""
    outbound = str(record.get("direction") or "").startswith("outbound")
    return outbound and record.get("to") == to and record.get("body") == body


def closest(records: list[dict[str, Any]], sent_at: datetime) -> dict[str, Any]:
    """The record created nearest to `sent_at` (records without a date come last)."""

    def distance(record: dict[str, Any]) -> float:
        created = rfc2822(record.get("date_created"))
        return abs((created - sent_at).total_seconds()) if created else float("inf")

    return min(records, key=distance)


def found(record: dict[str, Any]) -> LookupResult:
    """A Message record as a lookup answer: its SID, delivery state and error code."""
    state = delivery_state(str(record.get("status") or ""))
    sid = record.get("sid")
    if state is None or not isinstance(sid, str):
        return LookupUnavailable("平台返回未知状态 / unknown message status in the answer")
    error = record.get("error_code")
    return Found(sid, state, str(error) if error not in (None, "", 0) else None)


def rfc2822(value: object) -> datetime | None:
    """A Twilio date ('Thu, 30 Jul 2015 20:12:31 +0000') as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
