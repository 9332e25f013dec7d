"""SIGTERM a real process mid-work: nothing lost, nothing twice, a clean exit within the grace.

The gateways' stand-ins and the callback app run in this test's event loop (cli.local_stack);
the workers and the relay are separate processes (`python worker.py`, `python -m outbox`) on
the real PostgreSQL and Redis. The stand-in's log of accepted messages is the residents'
phones. Waits are hang guards only, never measurements.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import MESSAGES
from cli.local_stack import LocalStack, local_stack
from tests.conftest import REDIS_TEST_URL
from tests.e2e.test_bot_processes import free_port
from tests.e2e.test_campaign_loop import logged
from tests.e2e.test_worker_crash import diagnosis, sms_campaign
from tests.e2e.test_worker_crash import worker_env as gateway_env
from tests.outbox.standin import (
    DEPLOYMENT,
    SECRET,
    add_events,
    assert_each_once,
    ledger_standin,
    undelivered,
)

ROOT = Path(__file__).resolve().parents[2]
RESIDENTS = 300
#: Long enough that a message the stopped worker kept would not be sent again within the
#: test's hang guards: only the hand-back can get it to the other worker in time.
NEVER = "900"


def process_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "SHUTDOWN_GRACE_SECONDS": "120",
        **extra,
    }


def worker_env(stack: LocalStack, database_url: str, **extra: str) -> dict[str, str]:
    settings = {
        # A slow shared rate and small requests: each worker always holds claimed messages
        # waiting for their turn, the ones a stopping worker must hand back.
        "ALIYUN_RATE": "40",
        "ALIYUN_BATCH": "5",
        "WORKER_BATCH_SIZE": "10",
        "WORKER_LEASE_SECONDS": NEVER,
        "WORKER_CLAIM_IDLE_SECONDS": NEVER,
        "WORKER_REQUEUE_AFTER_SECONDS": NEVER,
        "GATEWAY_TIMEOUT": "300",
    }
    return gateway_env(stack, database_url) | process_env(database_url) | settings | extra


async def start(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *args, env=env, cwd=ROOT, stdout=out, stderr=out
        )


def events(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines of a process (anything else it printed is skipped)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found


def tail(log: Path) -> str:
    """The end of what a process printed: the reason a failed assertion gives."""
    return log.read_text(errors="replace")[-3000:]


def named(log: Path, event: str) -> list[dict[str, Any]]:
    return [e for e in events(log) if e.get("event") == event]


async def until(condition: Callable[[], Awaitable[bool]], what: str, seconds: float) -> None:
    """Poll `condition`; fail saying what was awaited if it never holds (a hang guard)."""
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def reap(*processes: asyncio.subprocess.Process) -> None:
    """Kill what a failed test left running."""
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def exit_code(process: asyncio.subprocess.Process, log: Path, seconds: float = 150) -> int:
    try:
        async with asyncio.timeout(seconds):
            return await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError("the process did not exit:\n" + tail(log)) from None


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as c:
        counts: dict[str, int] = dict(
            (
                await c.execute(select(MESSAGES.c.status, func.count()).group_by(MESSAGES.c.status))
            ).all()
        )
    return counts


async def get_status(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status


async def test_sigterm_one_of_two_workers_mid_campaign_loses_nothing_sends_nothing_twice(
    pg_engine: AsyncEngine, postgres_url: str, redis: Redis, tmp_path: Path
) -> None:
    engine = pg_engine
    await sms_campaign(engine, RESIDENTS)
    async with local_stack(engine, tmp_path) as stack:
        ops_port = free_port()
        first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
        worker = [sys.executable, str(ROOT / "worker.py")]
        first = await start(worker, worker_env(stack, postgres_url), first_log)
        second = await start(
            worker, worker_env(stack, postgres_url, OPS_PORT=str(ops_port)), second_log
        )
        try:
            # The survivor serves its ops endpoint, ready.
            ops = f"http://127.0.0.1:{ops_port}"

            async def ops_ready() -> bool:
                try:
                    return await get_status(f"{ops}/readyz") == 200
                except aiohttp.ClientConnectionError:
                    return False

            await until(ops_ready, "the second worker's /readyz", 60)
            assert await get_status(f"{ops}/healthz") == 200

            # Mid-campaign, while both are sending:
            async def a_quarter_out() -> bool:
                assert first.returncode is None, tail(first_log)
                return len(logged(stack)) >= RESIDENTS // 4

            await until(a_quarter_out, "a quarter of the campaign to go out", 120)
            first.send_signal(signal.SIGTERM)
            code = await exit_code(first, first_log)

            async def all_delivered() -> bool:
                assert second.returncode is None, tail(second_log)
                return (await statuses(engine)).get("delivered", 0) == RESIDENTS

            try:
                await until(all_delivered, "every message delivered", 180)
            except AssertionError as error:
                raise AssertionError(f"{error}\n{await diagnosis(engine, second_log)}") from None
            second.send_signal(signal.SIGTERM)
            second_code = await exit_code(second, second_log)
        finally:
            await reap(first, second)
        per_phone = Counter(m["to"] for m in logged(stack))

    assert code == 0, tail(first_log)
    assert second_code == 0, tail(second_log)
    duplicates = sum(n - 1 for n in per_phone.values() if n > 1)
    assert (duplicates, RESIDENTS - len(per_phone)) == (0, 0)
    assert await statuses(engine) == {"delivered": RESIDENTS}
    # The stopped worker held claimed messages when it was told to stop, and handed them back.
    [stopped] = named(first_log, "dispatcher_stopped")
    assert stopped["handed_back"] > 0
    assert named(first_log, "shutdown_started")[0]["signal"] == "SIGTERM"
    assert named(first_log, "shutdown_complete")
    assert not named(first_log, "shutdown_forced")


@asynccontextmanager
async def black_hole() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A gateway that takes requests and never answers: its URL, and an event set once the
    first request has arrived."""
    arrived = asyncio.Event()
    held: set[asyncio.Task[Any]] = set()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        held.add(task)
        try:
            await reader.read(1)
            arrived.set()
            await asyncio.Event().wait()
        finally:
            writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        host, port = server.sockets[0].getsockname()[:2]
        yield f"http://{host}:{port}", arrived
    finally:
        server.close()
        for task in held:
            task.cancel()
        await asyncio.gather(*held, return_exceptions=True)
        await server.wait_closed()


@pytest.mark.parametrize(
    ("how", "grace"), [("second_signal", "120"), ("deadline", "1")], ids=["second", "deadline"]
)
async def test_a_stuck_drain_is_cut_short_by_a_second_sigterm_or_the_deadline(
    pg_engine: AsyncEngine, postgres_url: str, redis: Redis, tmp_path: Path, how: str, grace: str
) -> None:
    engine = pg_engine
    await sms_campaign(engine, 20)
    # The gateway never answers: the worker's request stays in flight, so its graceful stop
    # cannot finish by itself.
    async with black_hole() as (url, arrived):
        log = tmp_path / "worker.log"
        env = process_env(
            postgres_url,
            ALIYUN_ACCESS_KEY_ID="key",
            ALIYUN_ACCESS_KEY_SECRET="secret",
            ALIYUN_ENDPOINT=url,
            GATEWAY_TIMEOUT="600",
            SHUTDOWN_GRACE_SECONDS=grace,
        )
        process = await start([sys.executable, str(ROOT / "worker.py")], env, log)
        try:

            async def in_flight() -> bool:
                assert process.returncode is None, tail(log)
                return arrived.is_set()

            await until(in_flight, "a request in flight", 60)
            process.send_signal(signal.SIGTERM)
            if how == "second_signal":

                async def draining() -> bool:
                    return bool(named(log, "shutdown_started"))

                await until(draining, "the first signal to be taken", 60)
                process.send_signal(signal.SIGTERM)
            code = await exit_code(process, log, seconds=60)
        finally:
            await reap(process)
    assert code != 0, tail(log)
    [forced] = named(log, "shutdown_forced")
    assert forced["reason"] == how
    # Cut short mid-request: the rows stay claimed (their lease lapses into `unknown`, which
    # asks the gateway), none recorded as anything it is not.
    assert set(await statuses(engine)) <= {"queued", "sending"}


async def test_python_m_outbox_flushes_due_events_on_sigterm(
    pg_engine: AsyncEngine, postgres_url: str, tmp_path: Path
) -> None:
    engine = pg_engine
    ids = await add_events(engine, residents=200, per_resident=3)
    log = tmp_path / "outbox.log"
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        await standin.faults(down=True)
        env = process_env(
            postgres_url,
            LEDGER_WEBHOOK_URL=standin.url,
            LEDGER_WEBHOOK_SECRET=SECRET,
            LEDGER_DEPLOYMENT_ID=DEPLOYMENT,
            LEDGER_CONCURRENCY="1",
            LEDGER_BATCH_SIZE="100",
            LEDGER_BACKOFF_BASE_SECONDS="0.001",
            # After a round that delivers nothing the lane waits this long: every event is
            # still due when SIGTERM comes, and only the flush can deliver it.
            LEDGER_IDLE_SECONDS=NEVER,
        )
        process = await start([sys.executable, "-m", "outbox"], env, log)
        try:

            async def tried_once() -> bool:
                assert process.returncode is None, tail(log)
                return bool(named(log, "outbox_post_failed"))

            await until(tried_once, "the relay's first (refused) post", 60)
            await standin.faults(down=False)
            process.send_signal(signal.SIGTERM)
            code = await exit_code(process, log)
        finally:
            await reap(process)
        records = standin.records()
    assert code == 0, tail(log)
    assert_each_once(records, ids)
    assert await undelivered(engine) == 0
    [stopped] = named(log, "outbox_relay_stopped")
    assert stopped["flushed"] == len(ids)
