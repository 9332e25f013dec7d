"""`outreach demo`: the main job end to end on the embedded defaults."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from campaigns import utc_now
from cli.context import console, database, run
from cli.demo_campaigns import run_campaigns
from cli.demo_results import close_the_loop
from cli.local_stack import local_stack
from core import RESIDENT_TZ, create_redis, load_settings
from ledger import import_ledger
from ledger.segments import builtin_segments, count_segment
from web.api import Role, create_token, revoke_token

#: The demo sends at 10:00 of the demo day (cli/demo_campaigns.py); the ledger system's status
#: changes go through the real API, which refuses times in the future, so the demo day is the
#: latest one whose sending time has passed.
_SENDING = time(10, 5)


def demo_day(now: datetime) -> date:
    """Today in the residents' time zone once its sending time is past, else yesterday."""
    local = now.astimezone(RESIDENT_TZ)
    return local.date() if local.time() >= _SENDING else local.date() - timedelta(days=1)


def demo(
    residents: Annotated[int, typer.Option(min=100, max=2_000_000, help="人数 / Rows.")] = 20_000,
    seed: Annotated[int, typer.Option(help="随机种子 / Seed.")] = 2026,
    workdir: Annotated[Path, typer.Option(help="演示文件目录 / Demo folder.")] = Path("var/demo"),
) -> None:
    """演示：生成台账、导入、分组、按种子人群发起活动并发送 / Demo: the whole outreach loop."""
    from ledger.generator import write_ledger  # the generator is a tool of the demo only

    day = demo_day(utc_now())
    workdir.mkdir(parents=True, exist_ok=True)
    ledger_path = workdir / "ledger.csv"
    console.print(f"[bold]1. 生成模拟台账 / Generating a ledger[/] → {ledger_path}")
    # One row in a hundred carries a realistic fault, to show how bad rows are reported.
    written = write_ledger(ledger_path, residents, seed=seed, today=day, bad_fraction=0.01)
    console.print(f"   {written:,} 行 / rows")

    async def work() -> None:
        redis = create_redis(load_settings().redis_url)
        await redis.ping()
        async with database() as engine:
            console.print("[bold]2. 导入台账 / Importing[/]")
            result = await import_ledger(
                engine, ledger_path, today=day, errors_path=workdir / "ledger.errors.csv"
            )
            console.print(
                f"   读取 {result.rows:,}，新增 {result.inserted:,}，更新 {result.updated:,}，"
                f"拒绝 {result.rejected:,} / rows, inserted, updated, rejected"
            )
            if result.errors_path:
                console.print(f"   被拒绝行的原因 / reasons: {result.errors_path}")
            console.print(f"[bold]3. 分组人数 / Segment counts[/]（{day.isoformat()}）")
            table = Table("分组 segment", "人数 residents")
            table.add_column("说明 description", overflow="fold")
            async with engine.connect() as connection:
                for segment in builtin_segments().values():
                    n = await count_segment(connection, segment, day)
                    table.add_row(segment.name, f"{n:,}", segment.description)
            console.print(table)
            # The ledger system's own API token (role `ledger`), revoked when the demo ends.
            token_id, token = await create_token(
                engine, name="demo ledger system", role=Role.LEDGER, township=None, now=utc_now()
            )
            gateways = workdir / "gateways"
            # A fresh stand-in log: event keys restart with a fresh demo database.
            (gateways / "ledger.jsonl").unlink(missing_ok=True)
            try:
                async with local_stack(engine, gateways, ledger_token=token) as stack:
                    await run_campaigns(engine, stack, day)
                    await close_the_loop(engine, stack, workdir, day)
            finally:
                await revoke_token(engine, token_id, now=utc_now())
        await redis.aclose()

    run(work())
