"""The ledger stand-in in the test's event loop, and helpers to write and read events."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import event_row, write_events
from channels.sandbox import (
    LEDGER_SANDBOX,
    LedgerSandbox,
    LedgerSandboxConfig,
    SandboxConfig,
    create_ledger_app,
    serve,
)
from outbox import RelaySettings
from outbox.table import EVENTS

SECRET = "test-ledger-secret"
DEPLOYMENT = "test"
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@dataclass(slots=True)
class StandIn:
    url: str  # the webhook
    base: str
    log: Path
    sandbox: LedgerSandbox

    async def faults(self, **changes: Any) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.base}/_sandbox/faults", json=changes) as response,
        ):
            assert response.status == 200

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        with self.log.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]


@asynccontextmanager
async def ledger_standin(
    log: Path, *, push_url: str | None = None, push_token: str | None = None, latency: float = 0.0
) -> AsyncIterator[StandIn]:
    config = LedgerSandboxConfig(
        secret=SECRET,
        sandbox=SandboxConfig(provider="ledger", log_path=log, seed=1),
        push_url=push_url,
        push_token=push_token,
    )
    config.sandbox.faults.latency = latency
    app = create_ledger_app(config)
    runner = await serve(app, "127.0.0.1", 0)
    try:
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        yield StandIn(f"{base}/webhook", base, log, app[LEDGER_SANDBOX])
    finally:
        await runner.cleanup()


def relay_settings(url: str, **overrides: Any) -> RelaySettings:
    values: dict[str, Any] = {
        "webhook_url": url,
        "webhook_secret": SECRET,
        "deployment_id": DEPLOYMENT,
        "batch_size": 100,
        "timeout_seconds": 5.0,
        "lease_seconds": 30.0,
        "idle_seconds": 0.05,
        **overrides,
    }
    return RelaySettings(**values)


def resident_id(n: int) -> str:
    return f"5325011980{n:06d}1X"[:18]


async def add_events(
    engine: AsyncEngine, residents: int, per_resident: int, *, start: datetime = T0
) -> list[int]:
    """Events for `residents` residents, interleaved (resident 0, 1, …, 0, 1, …); their ids."""
    rows = [
        event_row(
            "message_sent" if round_ == 0 else "message_delivered",
            start + timedelta(seconds=round_),
            campaign_id=1,
            message_id=n,
            resident_id=resident_id(n),
            data={"provider": "aliyun", "round": round_},
        )
        for round_ in range(per_resident)
        for n in range(residents)
    ]
    async with engine.begin() as connection:
        before = (await connection.execute(select(func.max(EVENTS.c.id)))).scalar() or 0
        for chunk in range(0, len(rows), 2000):
            await write_events(connection, rows[chunk : chunk + 2000])
        ids: list[int] = list(
            (await connection.execute(select(EVENTS.c.id).where(EVENTS.c.id > before))).scalars()
        )
        return sorted(ids)


async def undelivered(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(select(func.count()).where(EVENTS.c.relayed_at.is_(None)))
            ).scalar_one()
        )


async def wait_for(
    condition: Callable[[], Awaitable[bool]], what: str, seconds: float = 300
) -> None:
    """Poll `condition` until it holds; fail (saying what was awaited) after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def assert_in_resident_order(records: Sequence[dict[str, Any]]) -> None:
    """Each resident's recorded events are in id order (the order they were written)."""
    seen: dict[str | None, list[int]] = defaultdict(list)
    for record in records:
        seen[record["resident_id"]].append(int(record["event_id"]))
    for resident, ids in seen.items():
        if resident is not None:
            assert ids == sorted(ids), f"resident {resident} out of order: {ids[:10]}"


def assert_each_once(records: Sequence[dict[str, Any]], ids: Sequence[int]) -> None:
    keys = [record["key"] for record in records]
    assert len(keys) == len(set(keys)), "an event was recorded twice"
    assert sorted(int(r["event_id"]) for r in records) == sorted(ids)
    assert all(r["key"] == f"{DEPLOYMENT}-{r['event_id']}" for r in records)


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        await response.read()
        return response.status
