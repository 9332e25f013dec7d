"""kill -9 a real `python worker.py` three times during a 20,000-message campaign.

The stand-ins and the callback app run in this test's event loop; the worker is a separate
process on the real PostgreSQL and Redis, started again after every kill. The stand-in's log of
accepted messages is the residents' phones: it must show every resident exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import EVENTS, MESSAGES
from cli.local_stack import LocalStack, local_stack
from tests.campaigns.residents import add_residents, resident
from tests.conftest import REDIS_TEST_URL
from tests.e2e.test_campaign_loop import launch, logged

ROOT = Path(__file__).resolve().parents[2]
RESIDENTS = 20_000


def worker_env(stack: LocalStack, database_url: str) -> dict[str, str]:
    g = stack.gateways
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": g.public_base_url,
        "ALIYUN_ACCESS_KEY_ID": g.aliyun_access_key_id or "",
        "ALIYUN_ACCESS_KEY_SECRET": g.aliyun_access_key_secret or "",
        "ALIYUN_ENDPOINT": g.aliyun_endpoint,
        "ALIYUN_RATE": "2500",
        "TENCENT_SECRET_ID": g.tencent_secret_id or "",
        "TENCENT_SECRET_KEY": g.tencent_secret_key or "",
        "TENCENT_SDK_APP_ID": g.tencent_sdk_app_id or "",
        "TENCENT_ENDPOINT": g.tencent_endpoint,
        "WORKER_LEASE_SECONDS": "5",
        "WORKER_CLAIM_IDLE_SECONDS": "3",
        "WORKER_REQUEUE_AFTER_SECONDS": "10",
        "WORKER_UNKNOWN_GRACE_SECONDS": "2",
    }


async def start_worker(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """A worker process whose output is appended to `log` (read back when the test fails)."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "worker.py"), env=env, cwd=ROOT, stdout=out, stderr=out
        )


def complaints_in(log: Path) -> list[str]:
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if '"level": "error"' in line or "Traceback" in line or "_failed" in line
    ]


async def diagnosis(engine: AsyncEngine, log: Path) -> str:
    """Where the rows stand (status, provider and body stored or not) and what the workers
    complained about: enough to tell from a CI log why residents were missed or doubled."""
    async with engine.connect() as c:
        rows = (
            await c.execute(
                select(
                    MESSAGES.c.status,
                    MESSAGES.c.provider,
                    MESSAGES.c.body.is_(None),
                    func.count(),
                ).group_by(MESSAGES.c.status, MESSAGES.c.provider, MESSAGES.c.body.is_(None))
            )
        ).all()
        events = (
            await c.execute(select(EVENTS.c.kind, func.count()).group_by(EVENTS.c.kind))
        ).all()
    complaints = await asyncio.to_thread(complaints_in, log)
    return "\n".join(
        [
            "rows (status, provider, body missing, count): " + repr(rows),
            "events: " + repr(events),
            f"worker complaints ({len(complaints)}, last 20):",
            *complaints[-20:],
        ]
    )


def alive(process: asyncio.subprocess.Process) -> None:
    """A worker must only ever stop because the test killed it."""
    assert process.returncode is None, f"the worker exited by itself ({process.returncode})"


async def sent_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as c:
        return int(
            (
                await c.execute(
                    select(func.count()).where(MESSAGES.c.status.not_in(["queued", "sending"]))
                )
            ).scalar_one()
        )


async def sms_campaign(engine: AsyncEngine, residents: int) -> None:
    """A running SMS campaign (open all day) to `residents` new residents, one message each."""
    rows = [
        resident(
            i % 400,
            birth=(date(1970, 1, 1) + timedelta(days=i // 400)).strftime("%Y%m%d"),
            name="王建国",
            phone=f"13{i:09d}",
        )
        for i in range(residents)
    ]
    for start in range(0, residents, 5000):
        await add_residents(engine, rows[start : start + 5000])
    await launch(
        engine,
        "lapsed_priority",
        "lapsed-priority",
        channels=["sms"],
        window={"start": "00:00", "end": "23:59:59"},
    )
    async with engine.connect() as c:
        planned = (await c.execute(select(func.count()).select_from(MESSAGES))).scalar_one()
    assert planned == residents


async def test_kill_9_three_times_no_duplicates_nobody_missed(
    pg_engine: AsyncEngine, postgres_url: str, tmp_path: Path
) -> None:
    engine = pg_engine
    await sms_campaign(engine, RESIDENTS)
    async with local_stack(engine, tmp_path) as stack:
        env = worker_env(stack, postgres_url)
        log = tmp_path / "workers.log"
        kills = 0
        process = await start_worker(env, log)
        try:
            # Kill whenever another tenth of the campaign has gone out, three times.
            for target in (0.15, 0.35, 0.55):
                for _ in range(1200):
                    alive(process)
                    if await sent_rows(engine) >= target * RESIDENTS:
                        break
                    await asyncio.sleep(0.05)
                alive(process)
                process.send_signal(signal.SIGKILL)
                await process.wait()
                kills += 1
                process = await start_worker(env, log)
            for _ in range(1800):  # at most 3 minutes
                alive(process)
                async with engine.connect() as c:
                    counts: dict[str, int] = dict(
                        (
                            await c.execute(
                                select(MESSAGES.c.status, func.count()).group_by(MESSAGES.c.status)
                            )
                        ).all()
                    )
                if counts.get("delivered", 0) + counts.get("failed", 0) == RESIDENTS:
                    break
                await asyncio.sleep(0.1)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
            await process.wait()
        per_phone = Counter(m["to"] for m in logged(stack))
    assert kills == 3
    duplicates = sum(n - 1 for n in per_phone.values() if n > 1)
    never = RESIDENTS - len(per_phone)
    assert (duplicates, never, counts) == (0, 0, {"delivered": RESIDENTS}), await diagnosis(
        engine, log
    )
