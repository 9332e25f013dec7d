"""The leader's periodic jobs, on APScheduler's AsyncIOScheduler.

Every worker campaigns for one Redis lock; only the holder runs a scheduler, so each job runs
once across the fleet. The jobs move rows forward and put ids on the stream; the sending itself
is the dispatchers' work on every worker. A job that overruns is never run twice at once
(max_instances=1) and missed runs collapse into one (coalesce).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.definition import CampaignDefinition
from campaigns.planner import Composer
from campaigns.service import due_campaigns, load_campaign, next_run_of, start_round
from campaigns.stream import SendQueue
from campaigns.timing import utc_now
from campaigns.unknown import Lookupable, MessageRenderer, resolve_unknown
from campaigns.upkeep import enqueue_due, expire, finish_campaigns, reclaim_leases
from core import RESIDENT_TZ, get_logger, run_bound

log = get_logger("campaigns.scheduling")


class QuestionDesk(Protocol):
    """Answers residents' SMS questions or hands them to staff (campaigns.replies.ReplyDesk)."""

    async def triage(self) -> int: ...


class Upkeep:
    """The jobs themselves (callable directly in tests and the demo, or by the scheduler)."""

    def __init__(
        self,
        engine: AsyncEngine,
        redis: Redis,
        queue: SendQueue,
        composer_for: Callable[[CampaignDefinition], Composer],
        channels: Mapping[str, Lookupable],
        renderer: MessageRenderer,
        *,
        today: Callable[[], Any],
        clock: Callable[[], datetime] = utc_now,
        requeue_after: timedelta = timedelta(minutes=5),
        unknown_grace: timedelta = timedelta(seconds=30),
        marker: str = "outreach:send:epoch",
        desk: QuestionDesk | None = None,
    ) -> None:
        self.engine = engine
        self.redis = redis
        self.queue = queue
        self.composer_for = composer_for
        self.channels = channels
        self.renderer = renderer
        self._unknown_after = 0  # resolve_unknown's cursor: the last id asked about
        self.today = today
        self.clock = clock
        self.requeue_after = requeue_after
        self.unknown_grace = unknown_grace
        self.marker = marker
        self.desk = desk

    async def sweep(self, max_rounds: int = 50) -> int:
        """Enqueue due rows; after a detected Redis flush, every due row at once."""
        force = not await self.redis.exists(self.marker)
        if force:
            await self.queue.ensure_groups()
            await self.redis.set(self.marker, self.clock().isoformat())
            # First start, or the store was flushed: rows are the truth, so enqueue them all.
            log.info("send_queue_rebuilt_from_database")
        started = self.clock()
        total = 0
        for _ in range(max_rounds):
            now = self.clock()
            n = await enqueue_due(
                self.engine,
                self.queue,
                now=now,
                enqueued_before=started if force else now - self.requeue_after,
            )
            total += n
            if n < 5000:
                break
        return total

    async def start_due(self) -> int:
        now = self.clock()
        started = 0
        for campaign_id in await due_campaigns(self.engine, now):
            campaign = await load_campaign(self.engine, campaign_id)
            run_at = campaign.next_run_at or now
            composer = self.composer_for(campaign.definition)
            await start_round(
                self.engine, campaign, composer, now=now, today=self.today(), run_at=run_at
            )
            started += 1
        return started

    async def finish(self) -> list[int]:
        now = self.clock()

        async def next_run(campaign_id: int) -> datetime | None:
            return await next_run_of(self.engine, campaign_id, now)

        return await finish_campaigns(self.engine, now=now, next_run=next_run)

    async def leases(self) -> int:
        return await reclaim_leases(self.engine, now=self.clock())

    async def unknown(self, max_pages: int = 20) -> int:
        """Ask the gateways about unknown rows, a page at a time, resuming where the last run
        stopped so rows that stay undecided never hold up the rest."""
        settled = 0
        for _ in range(max_pages):
            resolution = await resolve_unknown(
                self.engine,
                self.channels,
                self.renderer,
                now=self.clock(),
                grace=self.unknown_grace,
                after_id=self._unknown_after,
            )
            settled += resolution.found + resolution.requeued
            if resolution.rows == 0:
                self._unknown_after = 0  # the end: start from the first row next time
                break
            self._unknown_after = resolution.last_id
        return settled

    async def expire(self) -> int:
        return await expire(self.engine, now=self.clock())

    async def questions(self) -> int:
        """Triage residents' new SMS questions (their replies are queued like any message)."""
        return await self.desk.triage() if self.desk is not None else 0

    async def run_all_once(self) -> None:
        """Every job once, in a sensible order (the demo and tests drive time this way)."""
        await self.start_due()
        await self.questions()
        await self.leases()
        await self.unknown()
        await self.sweep()
        await self.expire()
        await self.finish()


#: (job, seconds between runs)
JOBS: tuple[tuple[str, float], ...] = (
    ("sweep", 1.0),
    ("questions", 1.0),
    ("start_due", 5.0),
    ("finish", 5.0),
    ("leases", 10.0),
    ("unknown", 15.0),
    ("expire", 300.0),
)


class LeaderScheduler:
    """Starts the scheduler when elected and stops it when leadership is lost."""

    def __init__(self, upkeep: Upkeep, *, intervals: dict[str, float] | None = None) -> None:
        self.upkeep = upkeep
        self.intervals = dict(JOBS) | (intervals or {})
        self.scheduler: AsyncIOScheduler | None = None

    def on_elected(self) -> None:
        scheduler = AsyncIOScheduler(timezone=RESIDENT_TZ)
        for name, seconds in self.intervals.items():
            scheduler.add_job(
                _logged(name, getattr(self.upkeep, name)),
                "interval",
                seconds=seconds,
                id=name,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(RESIDENT_TZ),
            )
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler_started")

    def on_lost(self) -> None:
        """Stop the scheduler; a job still running is cancelled (APScheduler's asyncio executor
        cancels its tasks at shutdown, wait or not), so it cannot overlap the next leader's run
        of the same job. The jobs are written to be stopped anywhere, as by a crash."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            log.info("scheduler_stopped")


def _logged(name: str, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await run_bound(job(), job=name)  # its lines say which job logged them
        except Exception:  # a failing run is logged; the next run tries again
            log.exception("scheduled_job_failed", job=name)

    run.__name__ = name
    return run
