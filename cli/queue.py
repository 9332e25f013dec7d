"""`outreach queue stats`: how the send queue stands, stream by stream, and the messages by status.

Streams: p0 (replies to residents), p1 (notices), p2 (promotional), and the dead letters.
"Lag" is what no worker has taken yet; "pending" what workers hold and have not settled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from redis.asyncio import Redis
from rich.table import Table

from cli.context import console, database, err_console, fail, print_json, run
from core import EMBEDDED_REDIS, create_redis, load_settings
from ops.checks import check_redis
from ops.queue_stats import QueueStats, queue_stats

app = typer.Typer(help="发送队列 / The send queue.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")]


@asynccontextmanager
async def redis_client() -> AsyncIterator[Redis]:
    """The Redis of REDIS_URL, closed on exit; warns that an embedded one is this process's own."""
    url = load_settings().redis_url
    if url == EMBEDDED_REDIS:
        err_console.print(
            "注意：REDIS_URL=embedded，队列在运行服务的进程内，本命令看不到 / "
            "Note: REDIS_URL=embedded keeps the queue inside the serving process; "
            "this command cannot see it",
            highlight=False,
        )
    try:
        client = create_redis(url)
    except ValueError:
        fail(
            "REDIS_URL 无法识别，应为 redis://主机:6379/0",
            "REDIS_URL must look like redis://host:6379/0",
        )
    try:
        reached = await check_redis(client)
        if not reached.ok:
            zh, _, en = reached.detail.partition(" / ")
            fix_zh, _, fix_en = reached.fix.partition(" / ")
            fail(f"{zh}；{fix_zh}", f"{en}; {fix_en}")
        yield client
    finally:
        await client.aclose()


_LABELS = {
    "p0": "p0 答复 replies",
    "p1": "p1 通知 notices",
    "p2": "p2 宣传 promo",
    "dead": "死信 dead",
}


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@app.command("stats")
def stats(as_json: JsonOpt = False) -> None:
    """各队列长度、待确认、积压、最老条目和消费者，及消息状态 / Streams, consumers, messages."""

    async def body() -> QueueStats:
        async with database() as engine, redis_client() as redis:
            return await queue_stats(redis, engine)

    found = run(body())
    if as_json:
        print_json(found.as_dict())
        return
    table = Table(
        "队列 stream",
        "长度 length",
        "处理中 pending",
        "积压 lag",
        "最老处理中 oldest pending",
        "最老 oldest",
        "消费者 consumers",
        caption=" ".join(f"{s.stream}={s.key}" for s in found.streams),
    )
    for s in found.streams:
        table.add_row(
            _LABELS.get(s.stream, s.stream),
            str(s.length),
            "-" if s.pending is None else str(s.pending),
            "-" if s.lag is None else str(s.lag),
            _age(s.oldest_pending_age),
            _age(s.oldest_entry_age),
            "-" if s.pending is None else str(len(s.consumers)),
        )
    console.print(table)
    consumers = [(s.stream, c) for s in found.streams for c in s.consumers]
    if consumers:
        listing = Table("队列 stream", "消费者 consumer", "处理中 pending", "空闲 idle")
        for stream, c in consumers:
            listing.add_row(stream, c.name, str(c.pending), _age(c.idle_seconds))
        console.print(listing)
    statuses = Table("状态 status", "消息数 messages")
    for status, count in found.messages.items():
        statuses.add_row(status, str(count))
    console.print(statuses)
    console.print(
        "死信：outreach deadletter list；台账推送的死信：outreach outbox deadletters / "
        "Dead letters: outreach deadletter list; the ledger events': outreach outbox deadletters",
        highlight=False,
        soft_wrap=True,
    )
