"""Ledger import throughput and peak memory, on SQLite and PostgreSQL; prints one JSON object.

    python benchmarks/ledger_import.py [--rows 1000000] [--xlsx-rows 100000]
        [--stores sqlite,postgresql]

Each import runs in a fresh child process, so that its peak RSS is the import's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from core import create_engine, today, upgrade_to_head  # noqa: E402
from ledger import import_ledger  # noqa: E402
from ledger.generator import write_ledger  # noqa: E402

PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def _pg_database() -> tuple[str, str]:
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return name, make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


async def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def _import_once(url: str, path: Path) -> dict[str, float]:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    started = time.perf_counter()
    errors = path.with_suffix(".err.csv")
    result = await import_ledger(engine, path, today=today(), errors_path=errors)
    seconds = time.perf_counter() - started
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": result.rows,
        "inserted": result.inserted,
        "seconds": round(seconds, 2),
        "rows_per_second": round(result.rows / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }


def _child(url: str, path: Path) -> dict[str, float]:
    """Run one import in a fresh interpreter and read back its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _measure(store: str, path: Path, workdir: Path) -> dict[str, float]:
    if store == "sqlite":
        return _child(f"sqlite+aiosqlite:///{workdir / f'{path.name}.db'}", path)
    name, url = asyncio.run(_pg_database())
    try:
        return _child(url, path)
    finally:
        asyncio.run(_drop(name))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--child", nargs=2, metavar=("URL", "PATH"))
    args = parser.parse_args()
    if args.child:
        url, path = args.child
        print(json.dumps(asyncio.run(_import_once(url, Path(path)))))
        return
    stores = args.stores.split(",")
    figures: dict[str, object] = {"machine_cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "ledger.csv"
        started = time.perf_counter()
        write_ledger(csv_path, args.rows, seed=1, today=today())
        figures["generate_csv_seconds"] = round(time.perf_counter() - started, 2)
        figures["csv_mb"] = round(csv_path.stat().st_size / 2**20, 1)
        for store in stores:
            figures[f"csv_{store}"] = _measure(store, csv_path, workdir)
        if args.xlsx_rows:
            xlsx_path = workdir / "ledger.xlsx"
            write_ledger(xlsx_path, args.xlsx_rows, seed=2, today=today())
            for store in stores:
                figures[f"xlsx_{store}"] = _measure(store, xlsx_path, workdir)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
