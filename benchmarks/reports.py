"""Reports over a generated 1,000,000-resident ledger on PostgreSQL; prints one JSON object.

    python benchmarks/reports.py [--rows 1000000] [--changes 10000] [--repeat 3]

A fresh database gets the ledger through the real import, then (in SQL, on the server) one
campaign's messages to every lapsed or never-enrolled resident (90% delivered), replies from 2%
of them, and `--changes` of them start paying: the re-import path (`reconcile_statuses`) turns
those into attributed conversions. Timed: that reconciliation, the monthly progress report
(`--repeat` runs: median and slowest), the funnel (total and by township), the masked export
of the whole ledger and (`--repeat` runs) of its smallest township, and the refresh of the
conversions gauge that every /metrics scrape runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

import campaigns  # noqa: E402
from campaigns import list_questions  # noqa: E402
from core import create_engine, today, upgrade_to_head  # noqa: E402
from ledger import import_ledger  # noqa: E402
from ledger.generator import write_ledger  # noqa: E402
from ops.refreshers import conversions_refresher  # noqa: E402
from results import (  # noqa: E402
    Month,
    export_for_ledger,
    funnel_report,
    progress_report,
    reconcile_statuses,
)

T = TypeVar("T")
PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)

OUTREACH = [
    "INSERT INTO campaigns (name, state, definition, priority) "
    "VALUES ('bench', 'running', '{}', 5)",
    "INSERT INTO messages (campaign_id, occurrence, resident_id, channel, address, priority, "
    "status, variables, sent_at, attempts) "
    "SELECT 1, 'once', id_number, 'sms', coalesce(phone, ''), 5, "
    "CASE WHEN random() < 0.9 THEN 'delivered' ELSE 'sent' END, '{}', "
    "now() - interval '3 days', 0 FROM residents WHERE pension_status IN ('lapsed', 'never')",
    "INSERT INTO events (kind, at, resident_id, data) "
    "SELECT 'reply_received', now() - interval '2 days', resident_id, '{\"provider\": \"aliyun\"}' "
    "FROM messages WHERE random() < 0.02",
    # A second, small campaign: every resident of the smallest township.
    "INSERT INTO campaigns (name, state, definition, priority) "
    "VALUES ('bench-small', 'running', '{}', 5)",
    "INSERT INTO messages (campaign_id, occurrence, resident_id, channel, address, priority, "
    "status, variables, sent_at, attempts) "
    "SELECT 2, 'once', id_number, 'sms', coalesce(phone, ''), 5, 'delivered', '{}', "
    "now() - interval '1 day', 0 FROM residents WHERE township = (SELECT township FROM "
    "residents GROUP BY township ORDER BY count(*) LIMIT 1)",
    # Residents' questions, most of them long answered: the staff's list with closed ones.
    "INSERT INTO inbound_messages (provider, sender, resident_id, text, kind, received_at, "
    "answered_at, answered_by) "
    "SELECT 'aliyun', '13900000000', resident_id, '我断缴了还能补吗', 'question', "
    "now() - interval '60 days' + id * interval '1 second', "
    "CASE WHEN random() < 0.95 THEN now() - interval '1 day' END, 'auto' "
    "FROM messages ORDER BY id LIMIT :questions",
]
CHANGES = (
    "UPDATE residents SET pension_status = 'paying' WHERE id_number IN "
    "(SELECT resident_id FROM messages ORDER BY resident_id LIMIT :n)"
)


async def _admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(statement))
    await admin.dispose()


async def _timed(work: Awaitable[T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work
    return round(time.perf_counter() - started, 3), result


async def _run(
    engine: AsyncEngine, ledger: Path, workdir: Path, args: argparse.Namespace
) -> dict[str, object]:
    figures: dict[str, object] = {}
    await upgrade_to_head(engine)
    seconds, _ = await _timed(
        import_ledger(engine, ledger, today=today(), errors_path=workdir / "e.csv")
    )
    figures["import_s"] = seconds
    seconds, _ = await _timed(reconcile_statuses(engine, now=datetime.now(UTC)))
    figures["first_reconcile_s (marks for every resident)"] = seconds
    async with engine.begin() as connection:
        for statement in OUTREACH:
            await connection.execute(text(statement), {"questions": args.questions})
        await connection.execute(text(CHANGES), {"n": args.changes})
    async with engine.begin() as connection:
        # Committed: statistics taken in a transaction that rolls back are discarded.
        await connection.execute(text("ANALYZE"))
    async with engine.connect() as connection:
        counts: list[Any] = list(
            await connection.execute(
                text("SELECT campaign_id, count(*) FROM messages GROUP BY campaign_id")
            )
        )
        messages_of: dict[int, int] = {int(c): int(n) for c, n in counts}
    figures["messages"] = messages_of
    seconds, converted = await _timed(reconcile_statuses(engine, now=datetime.now(UTC)))
    figures["reconcile"] = {"changes": args.changes, "conversions": converted, "seconds": seconds}
    figures["conversions_gauge_ms"] = await _gauge(engine)
    month = Month(today().year, today().month)
    runs, units = [], 0
    for _ in range(args.repeat):
        seconds, report = await _timed(progress_report(engine, month))
        runs.append(seconds)
        units = len(report.units)
    figures["progress_report"] = {
        "units": units,
        "median_s": statistics.median(runs),
        "max_s": max(runs),
    }
    figures["funnel_total_s"], _ = await _timed(funnel_report(engine))
    figures["funnel_by_township_s"], _ = await _timed(funnel_report(engine, split="township"))
    figures["funnel_campaign_s"] = {
        f"campaign {n} ({messages_of[n]} messages){split_name}": (
            await _timed(funnel_report(engine, campaign_id=n, split=split))
        )[0]
        for n in (1, 2)
        for split, split_name in ((None, ""), ("township", ", by township"))
    }
    figures["questions_with_closed_ms"] = await _questions(engine, args.repeat)
    seconds, rows = await _timed(export_for_ledger(engine, workdir / "export.csv"))
    figures["export_csv"] = {"rows": rows, "seconds": seconds}
    figures["export_township_csv"] = await _township_export(engine, workdir, args.repeat)
    return figures


async def _questions(engine: AsyncEngine, repeat: int) -> dict[str, object]:
    """The first page (100) of the questions list with closed ones, `repeat` times, and where
    the list pages (`after`), a page from the middle of the answered ones."""
    runs, later = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        page = await list_questions(engine, include_closed=True, limit=100)
        runs.append(round((time.perf_counter() - started) * 1000, 2))
    # The code before paging (04f3b69) has no cursor: measured there without it.
    cursor = vars(campaigns).get("QuestionCursor")
    if cursor is not None:
        async with engine.connect() as connection:
            middle = (
                await connection.execute(
                    text(
                        "SELECT id, received_at FROM inbound_messages WHERE answered_at "
                        "IS NOT NULL ORDER BY received_at, id OFFSET "
                        "(SELECT count(*) / 2 FROM inbound_messages) LIMIT 1"
                    )
                )
            ).one()
        after: dict[str, Any] = {"after": cursor(True, middle[1], middle[0])}
        for _ in range(repeat):
            started = time.perf_counter()
            await list_questions(engine, include_closed=True, limit=100, **after)
            later.append(round((time.perf_counter() - started) * 1000, 2))
    return {"shown": len(page), "first_page_runs": runs, "middle_page_runs": later}


async def _gauge(engine: AsyncEngine) -> dict[str, object]:
    """The conversions gauge's refresh, as each /metrics scrape runs it: 21 runs, the first
    apart (a cold cache)."""
    refresh = conversions_refresher(engine)
    runs = []
    for _ in range(21):
        started = time.perf_counter()
        await refresh()
        runs.append(round((time.perf_counter() - started) * 1000, 2))
    return {"first": runs[0], "median": statistics.median(runs[1:]), "max": max(runs[1:])}


async def _township_export(engine: AsyncEngine, workdir: Path, repeat: int) -> dict[str, object]:
    """The export of the smallest township (the audit's case: a township of ~25,000)."""
    async with engine.connect() as connection:
        township: str = (
            await connection.execute(
                text("SELECT township FROM residents GROUP BY township ORDER BY count(*) LIMIT 1")
            )
        ).scalar_one()
    runs, rows = [], 0
    for _ in range(repeat):
        seconds, rows = await _timed(
            export_for_ledger(engine, workdir / "township.csv", township=township)
        )
        runs.append(seconds)
    return {"township": township, "rows": rows, "runs_s": runs}


async def _store(ledger: Path, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        return await _run(engine, ledger, workdir, args)
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--questions", type=int, default=300_000)
    args = parser.parse_args()
    result: dict[str, object] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ledger = workdir / "ledger.csv"
        write_ledger(ledger, args.rows, seed=1, today=today())
        result["postgresql"] = asyncio.run(_store(ledger, workdir, args))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
