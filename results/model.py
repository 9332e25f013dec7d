"""Tables of results: conversions, the statuses last reconciled, applied status-change batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class Conversion(Base):
    """A resident who enrolled, resumed paying or switched scheme, once per kind and month.

    `period` (YYYY-MM of `effective_on` in Asia/Shanghai) is part of the key: the same change
    reported by the API on the 3rd and found again by a re-import on the 5th is one conversion,
    and a resident who lapses and resumes within one month is counted once for that month.
    The contact it is attributed to is a sent message (`message_id`) or a chat event
    (`contact_event_id`), or none.
    """

    __tablename__ = "conversions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # api | import
    batch_key: Mapped[str | None] = mapped_column(String(128))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_event_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("resident_id", "kind", "period", name="uq_conversions_once"),
        Index("ix_conversions_campaign", "campaign_id"),
        Index("ix_conversions_effective", "effective_on"),
    )


class ConversionCount(Base):
    """How many conversions of a kind are recorded: the /metrics gauge's source.

    Kept by `results.recording.record` in the transaction that writes the conversions, so that
    it is exact for every process, and a scrape reads a row per kind instead of counting the
    table (migration 0014).
    """

    __tablename__ = "conversion_counts"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class StatusMark(Base):
    """The insurance statuses of a resident as conversions last saw them.

    A re-import is compared against these marks, so a change is found once whatever wrote it,
    and a crash between an import and its comparison is caught up by the next comparison.
    """

    __tablename__ = "status_marks"

    resident_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    pension_status: Mapped[str | None] = mapped_column(String(16))
    pension_scheme: Mapped[str | None] = mapped_column(String(16))
    medical_status: Mapped[str | None] = mapped_column(String(16))


class StatusBatch(Base):
    """A batch of status changes applied through the API, by its idempotency key."""

    __tablename__ = "status_change_batches"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)  # JSON of the first application


CONVERSIONS = cast(Table, Conversion.__table__)
CONVERSION_COUNTS = cast(Table, ConversionCount.__table__)
MARKS = cast(Table, StatusMark.__table__)
BATCHES = cast(Table, StatusBatch.__table__)
