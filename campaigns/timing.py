"""When a message may go out: send windows in residents' local time, schedules, relative dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from campaigns.definition import RelativeTo, Schedule, Window
from core import RESIDENT_TZ


def next_open(now: datetime, window: Window) -> datetime | None:
    """None when `now` is inside the window; otherwise the moment it next opens (UTC)."""
    local = now.astimezone(RESIDENT_TZ)
    if window.start <= local.time() < window.end:
        return None
    day = local.date() if local.time() < window.start else local.date() + timedelta(days=1)
    return datetime.combine(day, window.start, tzinfo=RESIDENT_TZ).astimezone(UTC)


def open_hours_per_day(window: Window) -> float:
    """How many hours a day the window is open (for duration estimates)."""
    start = datetime.combine(date(2000, 1, 1), window.start)
    end = datetime.combine(date(2000, 1, 1), window.end)
    return (end - start).total_seconds() / 3600


def first_run(schedule: Schedule, now: datetime) -> datetime:
    """When a campaign launched at `now` starts sending its first round."""
    if schedule.at is not None:
        return max(schedule.at.astimezone(UTC), now)
    if schedule.cron is not None:
        return next_cron(schedule.cron, now)
    return now


def next_cron(expression: str, after: datetime) -> datetime:
    """The next firing of a crontab expression (residents' time zone) strictly after `after`."""
    trigger = CronTrigger.from_crontab(expression, timezone=RESIDENT_TZ)
    fire = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    if fire is None:  # pragma: no cover - a crontab always fires again
        raise ValueError(f"cron expression {expression!r} never fires")
    return fire.astimezone(UTC)  # type: ignore[no-any-return]


def occurrence_key(schedule: Schedule, run_at: datetime) -> str:
    """The round a message belongs to: one round for one-off campaigns, one per cron firing."""
    if schedule.cron is None:
        return "once"
    return run_at.astimezone(RESIDENT_TZ).strftime("%Y-%m-%dT%H:%M")


def relative_moment(
    to: RelativeTo, days: int, *, birth_date: date, today: date, window: Window
) -> datetime:
    """When a relative-scheduled message is due for one resident (window start that day)."""
    if to is RelativeTo.CONTRIBUTION_YEAR_END:
        anchor = date(today.year, 12, 31)
    else:
        try:
            anchor = birth_date.replace(year=birth_date.year + 60)
        except ValueError:  # born on 29 February
            anchor = date(birth_date.year + 60, 3, 1)
    due = anchor + timedelta(days=days)
    return datetime.combine(due, window.start, tzinfo=RESIDENT_TZ).astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
