"""kill -9 a real worker process while it relays 20,000 events to the ledger stand-in.

The worker (`python worker.py`, with LEDGER_WEBHOOK_URL set and no gateways) is killed twice:
once while the stand-in has recorded a batch but not yet answered (the crash between post and
commit), once at a random point. After a restart the stand-in must hold every event exactly once,
each resident's in order; the batch that was posted twice came with the same keys.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import REDIS_TEST_URL
from tests.outbox.standin import (
    DEPLOYMENT,
    SECRET,
    StandIn,
    add_events,
    assert_each_once,
    assert_in_resident_order,
    ledger_standin,
    undelivered,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]


def relay_env(database_url: str, webhook: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_LEVEL": "WARNING",
        "LEDGER_WEBHOOK_URL": webhook,
        "LEDGER_WEBHOOK_SECRET": SECRET,
        "LEDGER_DEPLOYMENT_ID": DEPLOYMENT,
        "LEDGER_BATCH_SIZE": "200",
        "LEDGER_TIMEOUT_SECONDS": "4",
        "LEDGER_LEASE_SECONDS": "6",
        "LEDGER_IDLE_SECONDS": "0.1",
    }


async def start(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "worker.py"), env=env, cwd=ROOT, stdout=out, stderr=out
        )


async def kill(process: asyncio.subprocess.Process) -> None:
    assert process.returncode is None, "the worker exited by itself"
    process.send_signal(signal.SIGKILL)
    await process.wait()


def accepted_at_least(
    standin: StandIn, count: int, process: asyncio.subprocess.Process
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        assert process.returncode is None, "the worker exited by itself"
        return standin.sandbox.core.stats["accepted"] >= count

    return check


async def test_kill_9_mid_stream_loses_nothing_repeats_with_the_same_key(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    ids = await add_events(engine, residents=4000, per_resident=5)
    log = tmp_path / "worker.log"
    async with ledger_standin(tmp_path / "ledger.jsonl", latency=0.01) as standin:
        env = relay_env(database_url, standin.url)
        stats = standin.sandbox.core.stats

        worker = await start(env, log)
        await wait_for(accepted_at_least(standin, 3000, worker), "3,000 events")
        # every post is now recorded and then left unanswered: kill while one hangs
        await standin.faults(timeout_after_accept=1.0, stall=5.0)
        await wait_for(
            accepted_at_least(standin, stats["accepted"] + 1, worker),
            "a recorded, unanswered batch",
        )
        await kill(worker)
        await standin.faults(reset=True)

        worker = await start(env, log)
        await wait_for(accepted_at_least(standin, 12000, worker), "12,000 events")
        await kill(worker)

        worker = await start(env, log)

        async def done() -> bool:
            assert worker.returncode is None, "the worker exited by itself"
            return await undelivered(engine) == 0

        await wait_for(done, "every event delivered", seconds=600)
        worker.send_signal(signal.SIGTERM)
        assert await worker.wait() == 0
    records = standin.records()
    assert_each_once(records, ids)
    assert_in_resident_order(records)
    assert stats["duplicates"] >= 1, "the unanswered batch was not posted again"
    assert stats["bad_signature"] == 0
