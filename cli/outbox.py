"""`outreach outbox …`: what the ledger system has not received yet, and replaying dead letters.

A dead letter is an event the relay stopped retrying 24 h after its first failed post (the
ledger system down, or refusing our signature); it also holds back its resident's later events.
Replay makes it due again with a fresh 24 h; the ledger system dedupes by idempotency key, so a
replay never counts an event twice.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cli.context import console, database, fail, print_json, run
from core import RESIDENT_TZ, mask_id_number
from outbox import DeadLetter, OutboxStore, RelaySettings

app = typer.Typer(help="台账系统事件推送 / Events for the ledger system.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]


@app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """尚未送达台账系统的事件数 / Events the ledger system has not acknowledged yet."""

    async def body() -> dict[str, int]:
        async with database() as engine:
            return await OutboxStore(engine).counts()

    counts = run(body())
    enabled = RelaySettings().enabled
    if as_json:
        print_json({**counts, "relay_enabled": enabled})
        return
    console.print(f"待推送 {counts['pending']} 条，死信 {counts['dead']} 条", highlight=False)
    console.print(f"Pending {counts['pending']}, dead letters {counts['dead']}", highlight=False)
    if not enabled:
        console.print(
            "未设置 LEDGER_WEBHOOK_URL，推送未开启 / LEDGER_WEBHOOK_URL is not set: relay off"
        )


@app.command("deadletters")
def deadletters(
    limit: Annotated[int, typer.Option("--limit", help="最多列出 / at most")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """列出死信（重试 24 小时仍未送达）/ List dead letters (undelivered after 24 h of retries).

    身份证号已脱敏 / ID numbers masked.
    """

    async def body() -> list[DeadLetter]:
        async with database() as engine:
            return await OutboxStore(engine).dead_letters(limit)

    rows = [_row(letter) for letter in run(body())]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("没有死信 / No dead letters.")
        return
    table = Table(
        "编号 id",
        "事件 kind",
        "发生 at",
        "居民 resident",
        "尝试 tries",
        "停止 gave up",
        "原因 error",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["at"][:16].replace("T", " "),
            r["resident"] or "-",
            str(r["attempts"]),
            r["dead_at"][:16].replace("T", " "),
            r["error"] or "-",
        )
    console.print(table)
    console.print("重新推送：outreach outbox replay --all 或 --id 编号 / Replay with outbox replay")


@app.command("replay")
def replay(
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="死信编号，可重复 / dead letter id")
    ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="全部死信 / every dead letter")] = False,
) -> None:
    """重新推送死信 / Replay dead letters (the relay posts them again with the same keys)."""
    if not ids and not replay_all:
        fail("请用 --id 指定死信编号，或用 --all 重推全部", "give --id N (repeatable) or --all")

    async def body() -> int:
        async with database() as engine:
            return await OutboxStore(engine).replay(None if replay_all else ids)

    count = run(body())
    console.print(f"已重新排队 {count} 条死信 / {count} dead letters queued again", highlight=False)


def _row(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "kind": letter.kind,
        "at": letter.at.astimezone(RESIDENT_TZ).isoformat(),
        "resident": mask_id_number(letter.resident_id) if letter.resident_id else None,
        "attempts": letter.attempts,
        "since": None if letter.since is None else letter.since.astimezone(RESIDENT_TZ).isoformat(),
        "dead_at": letter.dead_at.astimezone(RESIDENT_TZ).isoformat(),
        "error": letter.error,
    }
