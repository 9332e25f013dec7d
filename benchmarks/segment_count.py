"""Segment counts over a generated ledger, on SQLite and PostgreSQL; prints one JSON object.

    python benchmarks/segment_count.py [--rows 1000000] [--repeat 5] [--stores sqlite,postgresql]

Each store gets the ledger through the real import, then every built-in segment and the
issue's example are counted `repeat` times; the figures are the median and the slowest run.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from core import create_engine, today, upgrade_to_head  # noqa: E402
from ledger import import_ledger  # noqa: E402
from ledger.generator import write_ledger  # noqa: E402
from ledger.segments import Segment, builtin_segments, count_segment, load_segment  # noqa: E402

PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
EXAMPLE = """
name: lapsed-men-50
where:
  all:
    - {field: sex, eq: male}
    - {field: age, gte: 50}
    - {field: pension_status, in: [lapsed]}
"""


async def _admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(statement))
    await admin.dispose()


async def _time_counts(
    engine: AsyncEngine, segments: list[Segment], repeat: int
) -> dict[str, object]:
    day = today()
    figures: dict[str, object] = {}
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE residents"))
        for segment in segments:
            runs, count = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                count = await count_segment(connection, segment, day)
                runs.append(time.perf_counter() - started)
            figures[segment.name] = {
                "count": count,
                "median_s": round(statistics.median(runs), 3),
                "max_s": round(max(runs), 3),
            }
    return figures


async def _store(store: str, ledger: Path, workdir: Path, repeat: int) -> dict[str, object]:
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    if store == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'segments.db'}"
    else:
        await _admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        await import_ledger(engine, ledger, today=today(), errors_path=workdir / "errors.csv")
        segments = [load_segment(EXAMPLE), *builtin_segments().values()]
        figures = await _time_counts(engine, segments, repeat)
    finally:
        await engine.dispose()
        if store == "postgresql":
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    slowest = max(f["median_s"] for f in figures.values())  # type: ignore[index]
    return {"slowest_median_s": slowest, "segments": figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    result: dict[str, object] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ledger = workdir / "ledger.csv"
        write_ledger(ledger, args.rows, seed=1, today=today())
        for store in args.stores.split(","):
            result[store] = asyncio.run(_store(store, ledger, workdir, args.repeat))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
