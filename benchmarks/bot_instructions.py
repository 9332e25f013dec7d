"""Instructions the bot process executes per update, counted by valgrind: prints one JSON object.

    python benchmarks/bot_instructions.py [--updates 300] [--concurrency 8] [--chats 1000]

The same three processes as benchmarks/bot.py (the Telegram stand-in, `python -m bot` in webhook
mode, this load generator), with the bot run under `valgrind --tool=callgrind` and counting only
while the measured updates are posted (`callgrind_control -i on/off`), after a warm-up of one
update per chat. Time on a shared machine varies by a third from one minute to the next; the
count of instructions does not (the same code gave 4.046M and 4.045M an update in two runs), so
this is the figure to compare two versions of the code by. It is not a time: an instruction of
the interpreter's dictionary look-ups costs less than one that waits on memory, and the kernel's
work (sockets, epoll) is not counted. Under valgrind the bot runs about 50 times slower, so a
run takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bot import (  # noqa: E402
    OUTREACH,
    TOKEN,
    bot_environment,
    drop_postgres,
    fresh_postgres,
    post_all,
    prepare,
    updates,
    wait_for,
)
from benchmarks.ports import free_port  # noqa: E402


async def instrument(pid: int, switch: str) -> None:
    """Start or stop callgrind's counting in process `pid`."""
    control = await asyncio.create_subprocess_exec(
        "callgrind_control", "-i", switch, str(pid), stdout=asyncio.subprocess.DEVNULL
    )
    if await control.wait() != 0:
        raise SystemExit(f"callgrind_control -i {switch} {pid} failed")


def counted(out: Path) -> int:
    """The total of callgrind's output files (`summary:` or `totals:` lines)."""
    total = 0
    for part in out.parent.glob(out.name + "*"):
        for line in part.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
    return total


async def run(args: argparse.Namespace) -> dict[str, Any]:
    dropped, database_url = await fresh_postgres()
    out = Path(tempfile.mkdtemp(prefix="bot-callgrind-")) / "callgrind.out"
    processes: list[asyncio.subprocess.Process] = []
    try:
        redis = Redis.from_url(args.redis_url)
        await redis.flushdb()
        await redis.aclose()
        await prepare(database_url, args.chats)
        stand_port, bot_port = free_port(), free_port()
        stand_in = f"http://127.0.0.1:{stand_port}"
        env = bot_environment(
            database_url, args.redis_url, stand_in, f"http://127.0.0.1:{bot_port}"
        ) | {
            "BOT_HOST": "127.0.0.1",
            "BOT_PORT": str(bot_port),
            "PYTHONHASHSEED": "0",  # the same set and dict orders in every run
        }
        quiet = asyncio.subprocess.DEVNULL
        stand = [OUTREACH, "sandbox", "telegram", "--port", str(stand_port), "--token", TOKEN]
        processes.append(
            await asyncio.create_subprocess_exec(
                *stand, "--no-flood", env=env, stdout=quiet, stderr=quiet
            )
        )
        await wait_for(f"{stand_in}/_sandbox/stats", processes[0])
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        processes.append(
            await asyncio.create_subprocess_exec(
                *valgrind,
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bot",
                cwd=ROOT,
                env=env,
                stdout=quiet,
                stderr=quiet,
            )
        )
        bot = processes[1]
        await wait_for(f"http://127.0.0.1:{bot_port}/healthz", bot, limit=600)
        webhook = f"http://127.0.0.1:{bot_port}/telegram/webhook"
        await post_all(webhook, updates(args.chats, args.chats, 1), args.concurrency)
        await instrument(bot.pid, "on")
        measured = updates(args.updates, args.chats, 1 + args.chats)
        _, _, failures, _ = await post_all(webhook, measured, args.concurrency)
        await instrument(bot.pid, "off")
    finally:
        for process in reversed(processes):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()
        await drop_postgres(dropped)
    instructions = counted(out)
    return {
        "updates": args.updates,
        "concurrency": args.concurrency,
        "chats": args.chats,
        "failed_posts": failures,
        "instructions_per_update_m": round(instructions / args.updates / 1e6, 3),
        "callgrind_out": str(out),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
