"""`outreach deadletter list|replay`: messages the dispatch set aside, and sending them after all.

These are the send queue's dead letters (messages to residents). Replay puts a message back on
the send queue only while its row is still `queued`, so nothing is ever sent twice; the others
are skipped, with why. Events the ledger system did not take are the outbox's dead letters:
`outreach outbox deadletters` and `outreach outbox replay`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from cli.context import console, database, fail, print_json, run
from cli.queue import redis_client
from core import RESIDENT_TZ
from ops.deadletters import DeadLetter, ReplayReport, list_dead_letters, replay_dead_letters

app = typer.Typer(
    help="发送队列的死信（台账推送的死信见 outreach outbox deadletters|replay）/ "
    "Dead letters of the send queue (the ledger events': outreach outbox deadletters|replay).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="最多列出 / at most")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """列出死信，最新的在前（号码已脱敏）/ List dead letters, newest first (addresses masked)."""

    async def body() -> list[DeadLetter]:
        async with database() as engine, redis_client() as redis:
            return await list_dead_letters(redis, engine, limit)

    letters = run(body())
    if as_json:
        print_json([letter.as_dict() for letter in letters])
        return
    if not letters:
        console.print("没有死信 / No dead letters.")
        return
    # One block per letter, not a table: a reason is long, and ids and addresses stay whole.
    for letter in letters:
        campaign = "-" if letter.campaign_id is None else f"{letter.campaign_id} {letter.campaign}"
        lines = (
            f"[bold]{letter.id}[/]  消息 message {letter.message_id or '-'} · "
            f"状态 status {letter.status or '-'}",
            f"    活动 campaign: {escape(campaign)}",
            f"    号码 address: {letter.address or '-'} · 时间 at: {_local(letter.at)}",
            f"    原因 reason: {escape(letter.reason or '-')}",
        )
        for line in lines:
            console.print(line, highlight=False, soft_wrap=True)
    console.print(
        "重新发送：outreach deadletter replay 编号… 或 --all / "
        "Replay: outreach deadletter replay IDS… or --all",
        highlight=False,
        soft_wrap=True,
    )


def _local(at: str) -> str:
    """A dead letter's time (stored in UTC) as staff read it, Beijing time."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at or "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(RESIDENT_TZ).strftime("%Y-%m-%d %H:%M")


@app.command("replay")
def replay(
    ids: Annotated[
        list[str] | None, typer.Argument(help="死信编号 / dead letter ids", show_default=False)
    ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="全部死信 / every dead letter")] = False,
    as_json: JsonOpt = False,
) -> None:
    """把死信放回发送队列（只放仍在排队的消息，绝不重复发送）/ Put dead letters back to be sent.

    只重放状态仍为 queued 的消息；已发送、已送达、失败等跳过并说明原因 /
    Only messages still queued are replayed; the others are skipped, with why.
    """
    if bool(ids) == replay_all:
        fail(
            "请给出死信编号，或用 --all 重放全部（二者选一）",
            "give dead letter ids or --all (one of the two)",
        )

    async def body() -> ReplayReport:
        async with database() as engine, redis_client() as redis:
            return await replay_dead_letters(redis, engine, None if replay_all else ids)

    report = run(body())
    if as_json:
        print_json(report.as_dict())
        return
    replayed, skipped = len(report.replayed), len(report.skipped)
    console.print(
        f"已放回发送队列 {replayed} 条，跳过 {skipped} 条 / "
        f"{replayed} put back to be sent, {skipped} skipped",
        highlight=False,
        soft_wrap=True,
    )
    for item in report.skipped:
        console.print(
            f"  {item.id}（消息 message {item.message_id or '-'}）：{item.reason}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
