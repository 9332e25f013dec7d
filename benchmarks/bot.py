"""Webhook throughput of one bot process: prints one JSON object.

    python benchmarks/bot.py [--updates 5000] [--concurrency 32 | --rate 200] [--chats 1000]
                             [--residents 100000] [--linked 0.2]
                             [--database-url URL] [--redis-url URL]

Three processes, as in production: the Telegram stand-in (`outreach sandbox telegram`), one
bot process in webhook mode (`python -m bot`, the bot service of docker-compose.yml; or with
`--process serve`, `outreach serve`, where web, worker and bot share one process), and this
load generator,
which posts updates to the webhook as Telegram does (secret token header, one update a post)
with `--concurrency` posts in flight (a closed loop: the most the process handles), or at a
fixed `--rate` whatever the answers (an open loop: latency at that load). Every update is a
question from a consented chat, drawn from faq/data/questions.yaml, so each one costs what a
real question costs: the throttle's
Redis round trip (with the chat's cached state and its dialogue state), the knowledge base, an
event row committed, and the reply, before the webhook answers (updates are handled before the
answer, not in the background). A final reply travels in the webhook's answer, as Telegram
allows (bot.webhook); the run counts those replies here and the bot's own sendMessage calls at
the stand-in. The figures: updates per second over the measured run (after a warm-up), and the
latency of each post (p50, p95, p99, max; in an open loop also the slowest answer to the updates
due in each second), and the bot process's CPU time per update (user + system, from the kernel:
the figure that does not depend on what else the machine runs). The run checks that the
stand-in received one message per update.

The warm-up posts one update per chat by default, so that every chat's state is in the Redis
cache (bot.chat_cache), as in a bot that has been running: the measured run is the steady state.
`--warmup 0` measures a cold start instead, where each chat's first update also reads the
database and fills the cache.

The database defaults to a fresh PostgreSQL database (dropped afterwards) on this machine's
server, with a county's ledger imported (`--residents`, a `--linked` share of the chats linked to
a resident each): every update looks its chat's resident up there. The Redis defaults to
database 12 of the local server (flushed).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from benchmarks.pipeline import add_residents  # noqa: E402
from benchmarks.ports import free_port  # noqa: E402
from campaigns.model import CHAT_USERS  # noqa: E402
from core import create_engine, upgrade_to_head  # noqa: E402
from faq.evaluate import load_questions  # noqa: E402

TOKEN = "7000000001:bench-token"
SECRET = "bench-secret"
MAX_IN_FLIGHT = 100  # Telegram's highest webhook max_connections
ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
OUTREACH = str(Path(sys.executable).parent / "outreach")


async def fresh_postgres() -> tuple[str, str]:
    name = f"outreach_bench_bot_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return name, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_postgres(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def prepare(database_url: str, chats: int, residents: int = 0, linked: float = 0.0) -> None:
    """Migrate, let `chats` chats accept the privacy notice, and (PostgreSQL) import a ledger of
    `residents`, the first `linked` share of the chats linked to one resident each."""
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    now = datetime.now(UTC)
    rows = [
        {"chat_id": 10_000 + n, "language": "zh", "consented_at": now, "updated_at": now}
        for n in range(chats)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(CHAT_USERS), rows)
    if residents and not database_url.startswith("sqlite"):
        await add_residents(engine, residents)  # COPY, then ANALYZE
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE residents SET telegram_chat_id = 10000 + n.i - 1 FROM ("
                    " SELECT id_number, row_number() OVER (ORDER BY id_number) AS i"
                    " FROM residents) AS n"
                    " WHERE residents.id_number = n.id_number AND n.i <= :linked"
                ),
                {"linked": min(int(chats * linked), residents)},
            )
    await engine.dispose()


def bot_environment(database_url: str, redis_url: str, stand_in: str, base: str) -> dict[str, str]:
    """The environment of the bot process: webhook mode at `base`, Telegram at `stand_in`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": stand_in,
        "BOT_MODE": "webhook",
        "BOT_WEBHOOK_SECRET": SECRET,
        "PUBLIC_BASE_URL": base,
    }


async def wait_for(url: str, process: asyncio.subprocess.Process, limit: float = 60) -> None:
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"{url}: the process exited with {process.returncode}")
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def updates(count: int, chats: int, first_id: int) -> list[dict[str, Any]]:
    questions = [q.text for q in load_questions()]
    rng = random.Random(20261204)
    made = []
    for n in range(count):
        chat = 10_000 + n % chats
        made.append(
            {
                "update_id": first_id + n,
                "message": {
                    "message_id": first_id + n,
                    "date": 1_764_800_000,
                    "chat": {"id": chat, "type": "private", "first_name": "居民"},
                    "from": {"id": chat, "is_bot": False, "first_name": "居民"},
                    "text": rng.choice(questions),
                },
            }
        )
    return made


def answered_in_body(response: aiohttp.ClientResponse, body: bytes, update: dict[str, Any]) -> bool:
    """Whether the webhook answered with a sendMessage to the update's chat in its body.

    Telegram runs a Bot API call a webhook answers with (the bot learns nothing of its result);
    the stand-in counts only the calls the bot made itself, so these are counted here.
    """
    chat = str(update["message"]["chat"]["id"]).encode()
    if response.content_type == "multipart/form-data":  # aiogram's form: name, blank line, value
        return (
            b'name="method"\r\n\r\nsendMessage\r\n' in body
            and b'name="chat_id"\r\n\r\n' + chat + b"\r\n" in body
        )
    if response.content_type == "application/json":
        values = json.loads(body)
        return bool(
            values.get("method") == "sendMessage" and str(values.get("chat_id")) == chat.decode()
        )
    return False


async def post_all(
    url: str, batch: list[dict[str, Any]], concurrency: int
) -> tuple[float, list[float], int, int]:
    """Post every update with `concurrency` in flight: (seconds, latencies in ms, failures,
    replies in the webhook's answers)."""
    latencies: list[float] = []
    failures = in_body = 0
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for update in batch:
        queue.put_nowait(update)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def poster(http: aiohttp.ClientSession) -> None:
        nonlocal failures, in_body
        while not queue.empty():
            update = queue.get_nowait()
            started = time.perf_counter()
            async with http.post(url, json=update, headers=headers) as response:
                if response.status != 200:
                    failures += 1
                elif answered_in_body(response, await response.read(), update):
                    in_body += 1
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(poster(http) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return seconds, latencies, failures, in_body


async def post_at_rate(
    url: str, batch: list[dict[str, Any]], rate: float
) -> tuple[float, list[float], int, int]:
    """Updates arrive one every 1/rate seconds whatever the answers (an open loop), and are
    posted with at most MAX_IN_FLIGHT posts open, as Telegram delivers to a webhook
    (its max_connections is at most 100): (seconds, latencies in ms, failures). Latency runs
    from an update's arrival to the bot's answer, so waiting for a free connection counts;
    the fourth figure counts replies in the webhook's answers."""
    latencies: list[float] = []
    failures = in_body = 0
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    SLOWEST.clear()

    async def post(http: aiohttp.ClientSession, update: dict[str, Any], due: float) -> None:
        nonlocal failures, in_body
        async with slots, http.post(url, json=update, headers=headers) as response:
            if response.status != 200:
                failures += 1
            elif answered_in_body(response, await response.read(), update):
                in_body += 1
        latencies.append((time.perf_counter() - due) * 1000)
        second = int(due - started)
        SLOWEST[second] = max(SLOWEST.get(second, 0.0), latencies[-1])

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        tasks = []
        for n, update in enumerate(batch):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(http, update, due)))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    return seconds, latencies, failures, in_body


#: The slowest answer to the updates due in each second of an open-loop run, to tell a transient
#: (a cold start, a pause) from a steady state.
SLOWEST: dict[int, float] = {}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def sent_messages(stand_in: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{stand_in}/_sandbox/stats") as r:
        stats: dict[str, int] = await r.json()
    return int(stats.get("calls_sendMessage", 0))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    dropped: str | None = None
    database_url = args.database_url
    if database_url is None:
        dropped, database_url = await fresh_postgres()
    processes: list[asyncio.subprocess.Process] = []
    error_log = Path(tempfile.mkdtemp()) / "serve.log"  # the bot process's stderr
    try:
        redis = Redis.from_url(args.redis_url)
        await redis.flushdb()  # no throttle counts or dialogue state from an earlier run
        await redis.aclose()
        await prepare(database_url, args.chats, args.residents, args.linked)
        stand_port, serve_port = free_port(), free_port()
        stand_in = f"http://127.0.0.1:{stand_port}"
        base = f"http://127.0.0.1:{serve_port}"
        env = bot_environment(database_url, args.redis_url, stand_in, base)
        quiet = asyncio.subprocess.DEVNULL
        errors = error_log.open("wb")
        processes.append(
            await asyncio.create_subprocess_exec(
                OUTREACH,
                "sandbox",
                "telegram",
                "--port",
                str(stand_port),
                "--token",
                TOKEN,
                "--no-flood",  # the bot process's capacity, not Telegram's 30 messages a second
                env=env,
                stdout=quiet,
                stderr=quiet,
            )
        )
        await wait_for(f"{stand_in}/_sandbox/stats", processes[0])
        if args.process == "serve":  # web, worker and bot in one process (embedded setups)
            command = [OUTREACH, "serve", "--port", str(serve_port)]
        else:  # the bot service of docker-compose.yml
            command = [sys.executable, "-m", "bot"]
            env |= {"BOT_HOST": "127.0.0.1", "BOT_PORT": str(serve_port)}
        processes.append(
            await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, env=env, stdout=quiet, stderr=errors
            )
        )
        await wait_for(f"{base}/healthz", processes[1])
        webhook = f"{base}/telegram/webhook"
        warmup = args.chats if args.warmup is None else args.warmup
        warm = updates(warmup, args.chats, 1)
        await post_all(webhook, warm, args.concurrency)
        before = await sent_messages(stand_in)
        measured = updates(args.updates, args.chats, 1 + warmup)
        # Latency runs from each update's due time, so a pause of this process's own collector
        # (the oldest generation walks everything it has imported) would count as the bot's.
        gc.collect()
        gc.freeze()
        bot_process = psutil.Process(processes[1].pid)
        cpu_before = bot_process.cpu_times()
        if args.rate:
            seconds, latencies, failures, in_body = await post_at_rate(webhook, measured, args.rate)
        else:
            seconds, latencies, failures, in_body = await post_all(
                webhook, measured, args.concurrency
            )
        cpu_after = bot_process.cpu_times()
        cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        called = await sent_messages(stand_in) - before
        return {
            "updates": args.updates,
            "warmup": warmup,
            "offered_rate": args.rate or None,
            "concurrency": None if args.rate else args.concurrency,
            "chats": args.chats,
            "residents": args.residents if not database_url.startswith("sqlite") else 0,
            "linked_chats": args.linked,
            "process": args.process,
            "database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
            "seconds": round(seconds, 2),
            "updates_per_s": round(args.updates / seconds, 1),
            "latency_ms": {
                "p50": round(statistics.median(latencies), 1),
                "p95": round(percentile(latencies, 0.95), 1),
                "p99": round(percentile(latencies, 0.99), 1),
                "max": round(max(latencies), 1),
            },
            "slowest_ms_per_second": [round(SLOWEST[k]) for k in sorted(SLOWEST)] or None,
            "bot_cpu_ms_per_update": round(cpu * 1000 / args.updates, 2),
            "bot_cpu_share": round(cpu / seconds, 2),  # cores the bot process kept busy
            "bot_cpu_system_share": round(  # of its CPU, the part spent in the kernel
                (cpu_after.system - cpu_before.system) / cpu, 2
            ),
            "failed_posts": failures,
            "handler_errors": error_log.read_text(errors="replace").count("handler_failed"),
            "bot_log": str(error_log),
            "replies_sent": called + in_body,  # one per update expected
            "replies_in_webhook_answer": in_body,
        }
    finally:
        for process in reversed(processes):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()
        if dropped is not None:
            await drop_postgres(dropped)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="updates posted before the measured ones (default: one per chat, so that every "
        "chat's state is cached, as in a bot that has been running; 0: a cold start)",
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument(
        "--rate", type=float, default=0, help="updates/s offered, open loop (0: --concurrency)"
    )
    parser.add_argument(
        "--process",
        choices=("bot", "serve"),
        default="bot",
        help="the bot process measured: `python -m bot` (as deployed) or `outreach serve`",
    )
    parser.add_argument(
        "--residents",
        type=int,
        default=100_000,
        help="residents in the ledger (PostgreSQL only; a county's ledger, whose look-ups by "
        "chat each update makes)",
    )
    parser.add_argument(
        "--linked", type=float, default=0.2, help="share of the chats linked to a resident"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
