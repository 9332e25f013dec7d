"""The send pipeline end to end: worker processes against a stand-in; prints one JSON object.

    python benchmarks/pipeline.py [--messages 20000] [--workers 1] [--rate 0]
                                  [--mode single|batch] [--profile-seconds 0]
                                  [--fresh-redis] [--gateway-latency-ms 0]

A fresh PostgreSQL database (created and dropped) gets `messages` lapsed men aged 50-60 (the
`lapsed-priority` segment), a notice campaign with the window 00:00-23:59:59 is launched through
`launch_campaign` (timed on its own, not part of the send rate), then `workers` worker processes
send it through a stand-in of Alibaba Cloud SMS running in a process of its own (what
`outreach sandbox sms --provider aliyun` runs), on the real Redis (database 12: the test suite
flushes 15 and 13). Redis is emptied and given the sweep's marker, as in a deployment whose
Redis has served before; `--fresh-redis` leaves the marker out (a first start, or a flush).

Both modes run `python worker.py` unchanged. `--mode batch` sets ALIYUN_BATCH=100: messages
sharing a template go 100 to a SendBatchSms request. `--mode single` sets ALIYUN_BATCH=1: every
message goes alone through SendSms. `--rate` is ALIYUN_RATE (0: no limit).
`--gateway-latency-ms` makes the stand-in answer every request that much later, as a distant
gateway does: each worker is then bound by its requests in flight, not by this machine's cores.

The stand-in is started without a callback URL, so it pushes no delivery receipts: messages end
`sent`, and the receipt path (its HTTP pushes and their database writes) is not measured here.

Figures: the rate is counted from the stand-in's JSONL log of accepted messages (one line a
message, `at` its acceptance time) between the 10th and the 90th percentile message, so that
start-up and the tail are left out; worker CPU is read from the worker processes only
(psutil), over the same stretch of the run and over the whole run; peak RSS is each worker's
VmHWM. `--profile-seconds S` runs py-spy (from $PY_SPY, default `py-spy`) on the first worker for
S seconds once sending has begun and writes its flat profile next to the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SELF = Path(__file__).resolve()
ROOT = SELF.parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from benchmarks.ports import free_port, wait_port  # noqa: E402
from campaigns import (  # noqa: E402
    CampaignComposer,
    create_campaign,
    launch_campaign,
    load_campaign,
    parse_definition,
)
from campaigns.model import MESSAGES  # noqa: E402
from channels.aliyun.config import MAX_BATCH as ALIYUN_MAX_BATCH  # noqa: E402
from channels.sandbox import SandboxConfig, create_sms_app, run_forever  # noqa: E402
from core import create_engine, create_redis, today, upgrade_to_head  # noqa: E402
from ledger import check_character  # noqa: E402

PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
#: Not 15 or 13: the test suite flushes those.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KEY, SECRET = "sandbox-key", "sandbox-secret"
#: Residents per birth date: ID numbers are unique per (birth date, sequence).
PER_DAY = 400
FIRST_BIRTH = date(1967, 1, 1)
SAMPLE_S = 0.25
#: Upkeep's sign that the send queue's store has not been flushed since the rows were enqueued.
SWEEP_MARKER = "outreach:send:epoch"


# -- the stand-in process ---------------------------------------------------------------------
def serve_standin(port: int, log_path: Path, latency: float) -> None:
    """`outreach sandbox sms --provider aliyun` without receipts (no callback URL), each answer
    `latency` seconds late."""
    config = SandboxConfig(provider="aliyun", log_path=log_path, key=KEY, secret=SECRET, seed=7)
    config.faults.latency = latency
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever(create_sms_app("aliyun", config), "127.0.0.1", port))


# -- setup -------------------------------------------------------------------------------------
async def _admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(statement))
    await admin.dispose()


def _residents(n: int) -> list[tuple[Any, ...]]:
    """Lapsed men born 1967-1973 (aged 50-60 until 2027), distinct ID numbers and phones."""
    rows = []
    for i in range(n):
        birth = FIRST_BIRTH + timedelta(days=i // PER_DAY)
        first17 = f"532504{birth:%Y%m%d}{(i % PER_DAY) * 2 + 1:03d}"
        rows.append(
            (
                first17 + check_character(first17),
                "王建国",
                "male",
                birth,
                f"139{i:08d}",
                "勐海镇",
                "曼短村",
                "rider",
                "resident",
                "lapsed",
                date(2023, 6, 1),
            )
        )
    return rows


async def add_residents(engine: AsyncEngine, n: int) -> None:
    columns = [
        "id_number",
        "name",
        "sex",
        "birth_date",
        "phone",
        "township",
        "village",
        "identity_group",
        "pension_scheme",
        "pension_status",
        "pension_last_paid",
    ]
    rows = _residents(n)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table("residents", records=rows, columns=columns)
        await connection.execute(text("ANALYZE residents"))
        await connection.commit()


async def launch(engine: AsyncEngine) -> tuple[int, int]:
    """Create and launch the notice campaign; its id and how many messages it planned."""
    definition = parse_definition(
        {
            "name": "bench",
            "segment": "lapsed-priority",
            "template": "lapsed_priority",
            "channels": ["sms"],
            "sms_provider": "aliyun",
            "window": {"start": "00:00", "end": "23:59:59"},
        }
    )
    composer = CampaignComposer(definition, today=today())
    composer.check()
    now = datetime.now(UTC)
    campaign_id = await create_campaign(engine, definition, composer.message_class, now=now)
    campaign = await load_campaign(engine, campaign_id)
    await launch_campaign(engine, campaign, composer, now=now, today=today())
    async with engine.connect() as connection:
        planned = (await connection.execute(select(func.count()).select_from(MESSAGES))).scalar()
    return campaign_id, int(planned or 0)


def worker_env(
    database_url: str, endpoint: str, rate: float, batch: int, log_level: str = "WARNING"
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALIYUN_", "TENCENT_", "TWILIO_", "TELEGRAM_", "WORKER_"))
    }
    return {
        **env,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "LOG_LEVEL": log_level,
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",  # receipts are off: nothing calls back
        "ALIYUN_ACCESS_KEY_ID": KEY,
        "ALIYUN_ACCESS_KEY_SECRET": SECRET,
        "ALIYUN_ENDPOINT": endpoint,
        "ALIYUN_RATE": repr(float(rate)),
        "ALIYUN_BATCH": str(batch),
    }


# -- measurement -------------------------------------------------------------------------------
@dataclass(slots=True)
class Sample:
    at: float  # monotonic
    lines: int
    worker_cpu: float  # seconds, all workers
    standin_cpu: float
    machine_busy: float  # seconds of all CPUs busy, machine-wide


@dataclass(slots=True)
class LogTail:
    path: Path
    offset: int = 0
    lines: int = 0

    def poll(self) -> int:
        if not self.path.exists():
            return self.lines
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self.lines += chunk.count(b"\n", 0, end)
        self.offset += end
        return self.lines


def _cpu(process: psutil.Process) -> float:
    try:
        t = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(t.user + t.system)


def _busy() -> float:
    t = psutil.cpu_times()
    return float(t.user + t.system + t.nice + getattr(t, "irq", 0) + getattr(t, "softirq", 0))


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


@dataclass(slots=True)
class Run:
    workers: list[psutil.Process] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    rss_max_mb: list[float] = field(default_factory=list)


def _at(fraction: float, samples: Sequence[Sample], total: int) -> Sample:
    for s in samples:
        if s.lines >= fraction * total:
            return s
    return samples[-1]


def _log_figures(path: Path, rate: float) -> dict[str, Any]:
    stamps: list[float] = []
    to: Counter[str] = Counter()
    with path.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            stamps.append(datetime.fromisoformat(record["at"]).timestamp())
            to[record["to"]] += 1
    stamps.sort()
    n = len(stamps)
    if n < 10:
        return {"accepted": n}
    lo, hi = int(n * 0.1), int(n * 0.9)
    steady = (hi - lo) / (stamps[hi] - stamps[lo])
    # Messages per whole second of the steady stretch, to show how even the rate is.
    per_second = Counter(int(s) for s in stamps[lo:hi])
    full = sorted(per_second.values())[1:-1] or [0]
    figures: dict[str, Any] = {
        "accepted": n,
        "duplicates": sum(c - 1 for c in to.values() if c > 1),
        "first_to_last_s": round(stamps[-1] - stamps[0], 2),
        "overall_msg_per_s": round((n - 1) / (stamps[-1] - stamps[0]), 1),
        "steady_msg_per_s": round(steady, 1),
        "steady_window_s": round(stamps[hi] - stamps[lo], 2),
        "steady_per_second_min_max": [min(full), max(full)],
    }
    if rate:
        figures["configured_rate"] = rate
        figures["achieved_ratio"] = round(steady / rate, 4)
    return figures


async def _statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(MESSAGES.c.status, func.count()).group_by(MESSAGES.c.status)
        )
        return {str(row[0]): int(row[1]) for row in rows.all()}


async def _profile(pid: int, seconds: int, out: Path) -> str | None:
    spy = os.environ.get("PY_SPY", "py-spy")
    if shutil.which(spy) is None:
        return None
    process = await asyncio.create_subprocess_exec(
        spy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await process.wait()
    return str(out)


async def _send(
    engine: AsyncEngine,
    database_url: str,
    workdir: Path,
    args: argparse.Namespace,
    planned: int,
) -> dict[str, Any]:
    port = free_port()
    log_path = workdir / "aliyun.jsonl"
    standin = await asyncio.create_subprocess_exec(
        *(sys.executable, str(SELF), "--serve-standin", str(port), str(log_path)),
        str(args.gateway_latency_ms / 1000),
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        cwd=ROOT,
    )
    standin_ps = psutil.Process(standin.pid)
    run = Run()
    processes: list[asyncio.subprocess.Process] = []
    profile: asyncio.Task[str | None] | None = None
    worker_log = (workdir / "worker.log").open("ab")  # the workers' lines (JSON), kept
    try:
        await wait_port(port)
        batch = 1 if args.mode == "single" else ALIYUN_MAX_BATCH
        env = worker_env(database_url, f"http://127.0.0.1:{port}", args.rate, batch, args.log_level)
        command = [sys.executable, str(ROOT / "worker.py")]
        tail = LogTail(log_path)
        started = time.monotonic()
        for _ in range(args.workers):
            process = await asyncio.create_subprocess_exec(
                *command, env=env, cwd=ROOT, stderr=worker_log
            )
            processes.append(process)
            run.workers.append(psutil.Process(process.pid))
            print(f"worker pid {process.pid}", file=sys.stderr)
        run.rss_max_mb = [0.0] * args.workers
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            lines = tail.poll()
            run.samples.append(
                Sample(
                    time.monotonic(),
                    lines,
                    sum(_cpu(w) for w in run.workers),
                    _cpu(standin_ps),
                    _busy(),
                )
            )
            for i, w in enumerate(run.workers):
                with contextlib.suppress(psutil.Error):
                    run.rss_max_mb[i] = max(run.rss_max_mb[i], w.memory_info().rss / 2**20)
            if profile is None and args.profile_seconds and lines > 0:
                out = workdir / "profile.txt"
                profile = asyncio.create_task(
                    _profile(run.workers[0].pid, args.profile_seconds, out)
                )
            if lines >= planned:
                break
            if any(p.returncode is not None for p in processes):
                raise RuntimeError("a worker exited during the run")
            await asyncio.sleep(SAMPLE_S)
        finished = time.monotonic()
        # The outcomes are recorded just after the gateway's answers: wait for the last ones.
        for _ in range(100):
            counts = await _statuses(engine)
            if not {"queued", "sending"} & set(counts):
                break
            await asyncio.sleep(0.1)
        peaks = [_peak_rss_mb(w.pid) for w in run.workers]
        cpu_total = [_cpu(w) for w in run.workers]
        if profile is not None:
            await profile
    finally:
        for p in processes:
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                await asyncio.wait_for(p.wait(), 20)
            except TimeoutError:
                p.kill()
                await p.wait()
        worker_log.close()
        standin.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(standin.wait(), 10)
        except TimeoutError:
            standin.kill()
            await standin.wait()

    samples = run.samples
    total = samples[-1].lines
    a, b = _at(0.1, samples, total), _at(0.9, samples, total)
    sent = max(b.lines - a.lines, 1)
    window = max(b.at - a.at, 1e-9)
    first = next((s for s in samples if s.lines > 0), samples[-1])
    result: dict[str, Any] = {
        "send": _log_figures(log_path, args.rate),
        "statuses": counts,
        "start_to_first_message_s": round(first.at - started, 2),
        "start_to_last_message_s": round(finished - started, 2),
        "worker_cpu_us_per_msg_steady": round((b.worker_cpu - a.worker_cpu) / sent * 1e6, 1),
        "worker_cpu_us_per_msg_whole_run": round(sum(cpu_total) / max(total, 1) * 1e6, 1),
        "worker_cpu_whole_run_s": [round(c, 2) for c in cpu_total],
        "worker_cores_busy_steady": round((b.worker_cpu - a.worker_cpu) / window, 2),
        "standin_cores_busy_steady": round((b.standin_cpu - a.standin_cpu) / window, 2),
        "machine_cores_busy_steady": round((b.machine_busy - a.machine_busy) / window, 2),
        "worker_peak_rss_mb": peaks,
        "worker_rss_sampled_max_mb": [round(m, 1) for m in run.rss_max_mb],
    }
    if profile is not None:
        result["profile"] = profile.result()
    return result


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    name = f"outreach_bench_pipeline_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    redis = create_redis(REDIS_URL)
    result: dict[str, Any] = {
        "messages": args.messages,
        "workers": args.workers,
        "mode": args.mode,
        "rate": args.rate,
        "gateway_latency_ms": args.gateway_latency_ms,
        "fresh_redis": args.fresh_redis,
        "cpus": os.cpu_count(),
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        await redis.flushdb()
        if not args.fresh_redis:
            # A Redis that has served before: without this marker the first sweep takes the
            # store for flushed and enqueues every due row "at once" (see --fresh-redis).
            await redis.set(SWEEP_MARKER, datetime.now(UTC).isoformat())
        await upgrade_to_head(engine)
        t = time.perf_counter()
        await add_residents(engine, args.messages)
        result["residents_insert_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        _, planned = await launch(engine)
        result["launch_s"] = round(time.perf_counter() - t, 2)
        result["planned"] = planned
        result |= await _send(engine, url, workdir, args, planned)
        result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
        result["workdir"] = str(workdir)
    finally:
        await redis.flushdb()
        await redis.aclose()
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.0, help="ALIYUN_RATE; 0: no limit")
    parser.add_argument("--mode", choices=["single", "batch"], default="batch")
    parser.add_argument("--timeout", type=float, default=600.0, help="longest send, seconds")
    parser.add_argument("--profile-seconds", type=int, default=0)
    parser.add_argument(
        "--fresh-redis",
        action="store_true",
        help="start on an empty Redis, as on a first start or after a flush (forced sweep)",
    )
    parser.add_argument("--workdir", default=None, help="where the stand-in's log goes")
    parser.add_argument(
        "--gateway-latency-ms",
        type=float,
        default=0.0,
        help="the stand-in answers each request this late (a distant gateway)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="the workers' LOG_LEVEL (INFO as deployed: a line per gateway request); "
        "their lines go to worker.log in the workdir",
    )
    parser.add_argument(
        "--serve-standin", nargs=3, metavar=("PORT", "LOG", "LATENCY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve_standin:
        port, log, latency = args.serve_standin
        serve_standin(int(port), Path(log), float(latency))
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="pipeline-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(asyncio.run(bench(args, workdir)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
