"""Dates as residents live them: the calendar day in the service's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

RESIDENT_TZ = ZoneInfo("Asia/Shanghai")


def today(tz: ZoneInfo = RESIDENT_TZ) -> date:
    """Today's date in the residents' time zone (not the server's)."""
    return datetime.now(tz).date()


def stored_utc(moment: datetime) -> datetime:
    """A time read back from the database, made timezone-aware. SQLite hands back naive
    datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
