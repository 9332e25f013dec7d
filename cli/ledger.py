"""`outreach ledger …`: import and generate ledger files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from campaigns import utc_now
from cli.context import console, database, fail, print_json, run
from core import today
from ledger import HeaderError, ImportResult, SourceError, import_ledger
from results import reconcile_statuses

app = typer.Typer(help="台账 / The resident ledger.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="台账文件 .csv 或 .xlsx / Ledger file.")],
    errors: Annotated[
        Path | None,
        typer.Option(help="被拒绝行的明细文件（默认与台账同目录）/ Where rejected rows go."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")] = False,
    batch_size: Annotated[int | None, typer.Option(min=100, max=100_000, hidden=True)] = None,
) -> None:
    """导入台账：好的行入库，坏的行写入明细文件 / Import a ledger; bad rows are reported."""

    async def work() -> ImportResult:
        async with database() as engine:
            result = await import_ledger(
                engine, path, today=today(), errors_path=errors, batch_size=batch_size
            )
            await reconcile_statuses(engine, now=utc_now())  # status changes → conversions
            return result

    try:
        result = run(work())
    except (SourceError, HeaderError) as err:
        fail(f"{err.zh}。未导入任何数据。", f"{err.en}. Nothing was imported.")
    if as_json:
        print_json(result.as_json())
        return
    _print_summary(result)


def _print_summary(result: ImportResult) -> None:
    console.print("[bold]导入完成 / Import finished[/]")
    console.print(f"  读取 rows      {result.rows:>10,}")
    console.print(f"  新增 inserted  {result.inserted:>10,}")
    console.print(f"  更新 updated   {result.updated:>10,}")
    console.print(f"  拒绝 rejected  {result.rejected:>10,}")
    if result.errors_path is not None:
        console.print(f"  被拒绝行的原因见 / Reasons for rejected rows: {result.errors_path}")
        for reason, n in result.reasons.most_common(5):
            console.print(f"    {n:>8,}  {reason}", highlight=False)
    if result.ignored_columns:
        ignored = "、".join(result.ignored_columns)
        console.print(f"  未识别、已忽略的列 / Ignored columns: {ignored}", highlight=False)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="输出文件 .csv 或 .xlsx / Output file.")],
    residents: Annotated[int, typer.Option(min=1, max=10_000_000, help="人数 / Rows.")] = 1000,
    seed: Annotated[int, typer.Option(help="随机种子 / Seed (same seed, same file).")] = 1,
    bad_fraction: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="故意出错的行占比 / Share of faulty rows.")
    ] = 0.0,
) -> None:
    """生成模拟台账（用于演示和测试）/ Write a realistic synthetic ledger."""
    from ledger.generator import write_ledger

    if out.suffix.lower() not in {".csv", ".xlsx"}:
        fail("输出文件须以 .csv 或 .xlsx 结尾", "the output must end in .csv or .xlsx")
    written = write_ledger(out, residents, seed=seed, today=today(), bad_fraction=bad_fraction)
    console.print(f"已生成 {written:,} 行 / Wrote {written:,} rows: {out}")
