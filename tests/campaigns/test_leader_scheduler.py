"""LeaderScheduler: the leader's jobs run while it leads, and a job still running when it is
deposed is cancelled, so that it never overlaps the same job on the next leader."""

from __future__ import annotations

import asyncio
from typing import cast

from campaigns.scheduling import JOBS, LeaderScheduler, Upkeep


class Jobs:
    """Every job returns at once but `sweep`, which runs until cancelled."""

    def __init__(self) -> None:
        self.sweep_started = asyncio.Event()
        self.sweep_cancelled = asyncio.Event()
        self.sweep_finished = False

    async def sweep(self) -> int:
        self.sweep_started.set()
        try:
            await asyncio.Event().wait()  # a long round of enqueueing
        except asyncio.CancelledError:
            self.sweep_cancelled.set()
            raise
        self.sweep_finished = True
        return 0

    def __getattr__(self, name: str) -> object:
        async def done() -> int:
            return 0

        return done


async def test_a_job_running_when_leadership_is_lost_is_cancelled() -> None:
    jobs = Jobs()
    leader = LeaderScheduler(cast(Upkeep, jobs), intervals={name: 3600 for name, _ in JOBS})
    leader.on_elected()  # every job runs once at once, then hourly
    async with asyncio.timeout(30):
        await jobs.sweep_started.wait()
    leader.on_lost()  # deposed: must return at once, and stop what the leader was doing
    assert leader.scheduler is None
    async with asyncio.timeout(30):
        await jobs.sweep_cancelled.wait()
    assert not jobs.sweep_finished
