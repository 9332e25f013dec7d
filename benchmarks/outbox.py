"""Outbox relay throughput: events delivered to the ledger stand-in per second, by one relay.

    python benchmarks/outbox.py [--events 100000] [--residents 20000] [--batch 500]
                                [--lanes 2] [--stores sqlite,postgresql]

Each store gets a fresh, migrated database holding `events` undelivered events (`residents`
residents, their events interleaved); `outreach sandbox ledger` runs as its own process (it
verifies every signature and writes every event to its JSONL log); one relay (`lanes` batches in
flight) delivers them all. Prints one JSON object: per store the seconds, events/s, the CPU
seconds of the relay and of the stand-in meanwhile, and the stand-in's counts (every event
recorded once, no duplicates).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from benchmarks.ports import free_port  # noqa: E402
from campaigns.events import event_row, write_events  # noqa: E402
from core import create_engine, upgrade_to_head  # noqa: E402
from outbox import Relay, RelaySettings  # noqa: E402
from tests.outbox.standin import T0, resident_id  # noqa: E402

PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret"


async def _admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(statement))
    await admin.dispose()


async def _fill(engine: AsyncEngine, events: int, residents: int) -> None:
    rows = [
        event_row(
            "message_delivered",
            T0,
            campaign_id=1,
            message_id=n,
            resident_id=resident_id(n % residents),
            data={"provider": "aliyun", "status": "DELIVRD"},
        )
        for n in range(events)
    ]
    async with engine.begin() as connection:
        for start in range(0, events, 5000):
            await write_events(connection, rows[start : start + 5000])


async def _standin(port: int, log: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        str(ROOT / ".venv" / "bin" / "outreach"),
        *("sandbox", "ledger", "--port", str(port), "--secret", SECRET, "--log", str(log)),
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.DEVNULL,
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/_sandbox/stats") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the ledger stand-in did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a child process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _stats(port: int) -> dict[str, int]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/_sandbox/stats") as response,
    ):
        stats: dict[str, int] = await response.json()
        return stats


async def _store(store: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    if store == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'outbox.db'}"
    else:
        await _admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    port = free_port()
    standin = await _standin(port, workdir / f"{store}.jsonl")
    try:
        await upgrade_to_head(engine)
        await _fill(engine, args.events, args.residents)
        settings = RelaySettings(
            webhook_url=f"http://127.0.0.1:{port}/webhook",
            webhook_secret=SECRET,
            batch_size=args.batch,
            concurrency=args.lanes,
            idle_seconds=0.01,
        )
        relay = Relay(engine, settings)
        stop = asyncio.Event()
        started, cpu = time.perf_counter(), time.process_time()
        running = asyncio.create_task(relay.run(stop))
        while relay.delivered < args.events:
            if running.done():
                running.result()
                raise RuntimeError("the relay stopped")
            await asyncio.sleep(0.01)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        stop.set()
        await running
        stats = await _stats(port)
        standin_cpu = _cpu_seconds(standin.pid)
    finally:
        standin.terminate()
        await standin.wait()
        await engine.dispose()
        if store == "postgresql":
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "events": args.events,
        "seconds": round(seconds, 2),
        "events_per_s": round(args.events / seconds),
        "recorded": stats.get("accepted", 0),
        "duplicates": stats.get("duplicates", 0),
        "standin_cpu_s": round(standin_cpu, 2),
        "relay_cpu_s": round(cpu, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    result: dict[str, object] = {
        "benchmark": "outbox",
        "batch": args.batch,
        "lanes": args.lanes,
        "target_events_per_s": 5000,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.stores.split(","):
            result[store] = await _store(store, Path(tmp), args)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
