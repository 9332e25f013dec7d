"""Dates as residents live them: the calendar day in the service's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

RESIDENT_TZ = ZoneInfo("Asia/Shanghai")


def today(tz: ZoneInfo = RESIDENT_TZ) -> date:
    """Today's date in the residents' time zone (not the server's)."""
    return datetime.now(tz).date()
