"""Shared pieces of the report queries: the month's bounds, contacts and engagement as SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, select

from campaigns.events import EventKind
from campaigns.model import EVENTS, MESSAGES, MessageStatus
from core import RESIDENT_TZ

#: What a resident does that counts as engaging: replying, asking, getting an estimate.
ENGAGED_KINDS = (
    EventKind.REPLY_RECEIVED,
    EventKind.QUESTION_ANSWERED,
    EventKind.QUESTION_ABSTAINED,
    EventKind.QUESTION_HANDED_OFF,
    EventKind.ESTIMATE_GIVEN,
)


@dataclass(frozen=True, slots=True)
class Month:
    """A calendar month in the residents' time zone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-10' → Month(2026, 10); ValueError otherwise."""
        year, _, month = text.strip().partition("-")
        value = cls(int(year), int(month))
        if not 1 <= value.month <= 12:
            raise ValueError(text)
        return value

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def end(self) -> datetime:
        """The first instant after the month (UTC), for `< end` comparisons."""
        local = datetime.combine(self.next_first_day, datetime.min.time(), RESIDENT_TZ)
        return local.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def sent_residents(until: datetime) -> Select[tuple[str]]:
    """Residents with a message the gateway took before `until`."""
    m = MESSAGES.c
    return select(m.resident_id).where(m.sent_at.is_not(None), m.sent_at < until)


def delivered_residents(until: datetime) -> Select[tuple[str]]:
    m = MESSAGES.c
    return select(m.resident_id).where(m.status == MessageStatus.DELIVERED.value, m.sent_at < until)


def engaged_residents(until: datetime) -> Select[tuple[str | None]]:
    e = EVENTS.c
    return select(e.resident_id).where(e.kind.in_(ENGAGED_KINDS), e.at < until)
