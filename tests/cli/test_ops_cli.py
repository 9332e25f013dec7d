"""`outreach doctor`, `outreach queue stats` and `outreach deadletter list|replay` as run."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from campaigns import SendQueue
from channels.sandbox import SandboxConfig
from cli import app
from core import RESIDENT_TZ, create_engine
from tests.conftest import REDIS_TEST_URL
from tests.ops.support import add_messages, sms_stand_in

runner = CliRunner()
OUTREACH = Path(sys.executable).with_name("outreach")


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "outreach.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def run_doctor(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(OUTREACH),
        "doctor",
        *args,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_doctor_passes_then_names_a_wrong_redis_url(sqlite_url: str, tmp_path: Path) -> None:
    config = SandboxConfig(provider="aliyun", key="k", secret="s3", log_path=tmp_path / "a.jsonl")
    async with sms_stand_in(config) as aliyun:
        env = {
            "DATABASE_URL": sqlite_url,
            "REDIS_URL": REDIS_TEST_URL,
            "ALIYUN_ACCESS_KEY_ID": "k",
            "ALIYUN_ACCESS_KEY_SECRET": "s3",
            "ALIYUN_ENDPOINT": aliyun,
            "TWILIO_ACCOUNT_SID": "",
            "TENCENT_SECRET_ID": "",
            "TELEGRAM_BOT_TOKEN": "",
            "REPLY_SMS_PROVIDER": "aliyun",
            "REPLY_SMS_FALLBACK": "tencent",
        }
        good = await run_doctor(env, tmp_path)
        bad = await run_doctor({**env, "REDIS_URL": "redis://127.0.0.1:1/0"}, tmp_path, "--json")
    code, out, err = good
    # Aliyun has not approved the answer template (REPLY_*): no mistake, but the doctor says
    # what it means (the worker hands residents' SMS questions to staff).
    assert code == 0, out + err
    assert "失败 FAIL" not in out
    assert "通过 PASS  replies" in out
    assert "go to staff" in out
    assert "通过 PASS  credentials:aliyun" in out
    assert "Traceback" not in out + err
    code, out, err = bad
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    failed = {c["name"]: c for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"redis"}
    assert "REDIS_URL" in failed["redis"]["fix"]


async def test_doctor_all_pass_exits_zero(sqlite_url: str, tmp_path: Path) -> None:
    config = SandboxConfig(provider="tencent", key="k", secret="s3", log_path=tmp_path / "t.jsonl")
    async with sms_stand_in(config) as tencent:
        env = {
            "DATABASE_URL": sqlite_url,
            "REDIS_URL": REDIS_TEST_URL,
            "TENCENT_SECRET_ID": "k",
            "TENCENT_SECRET_KEY": "s3",
            "TENCENT_SDK_APP_ID": "1400000000",
            "TENCENT_ENDPOINT": tencent,
        }
        code, out, err = await run_doctor(env, tmp_path)
    assert code == 0, out + err
    assert "失败 FAIL" not in out
    assert "all" in out
    assert "checks passed" in out


@pytest.fixture
def stores(database_url: str, monkeypatch: pytest.MonkeyPatch, redis: Redis) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return database_url


def seed(database_url: str, statuses: list[str]) -> list[int]:
    """Messages in `statuses`, each enqueued, read by a worker and dead-lettered."""

    async def body() -> list[int]:
        engine = create_engine(database_url)
        client: Redis = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
        try:
            ids = await add_messages(engine, statuses)
            queue = SendQueue(client, consumer="worker-a")
            await queue.ensure_groups()
            await queue.enqueue([(1, str(i)) for i in ids])
            for delivery in await queue.read(count=len(ids), block_ms=0):
                await queue.dead_letter(delivery, "网关拒绝 / the gateway refused")
            return ids
        finally:
            await client.aclose()
            await engine.dispose()

    return asyncio.run(body())


def test_queue_stats_json(stores: str) -> None:
    seed(stores, ["queued", "delivered"])
    result = runner.invoke(app, ["queue", "stats", "--json"])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    streams = {s["stream"]: s for s in stats["streams"]}
    assert streams["dead"]["length"] == 2
    assert streams["p1"]["length"] == 0
    assert stats["messages"] == {"delivered": 1, "queued": 1}
    table = runner.invoke(app, ["queue", "stats"])
    assert table.exit_code == 0
    assert "outreach deadletter list" in table.stdout
    assert "outreach outbox deadletters" in table.stdout


def test_deadletter_list_masks_and_replay_refuses_a_sent_message(stores: str) -> None:
    ids = seed(stores, ["queued", "sent"])
    listed = runner.invoke(app, ["deadletter", "list", "--json"])
    assert listed.exit_code == 0, listed.stderr
    letters = json.loads(listed.stdout)
    assert [letter["message_id"] for letter in letters] == [str(ids[1]), str(ids[0])]
    assert {letter["address"] for letter in letters} == {"138****8000", "138****8001"}
    assert "13800138000" not in listed.stdout
    table = runner.invoke(app, ["deadletter", "list"])
    assert "138****8001" in table.stdout
    at = datetime.fromisoformat(letters[0]["at"]).astimezone(RESIDENT_TZ)
    assert at.strftime("%Y-%m-%d %H:%M") in table.stdout  # Beijing time
    assert "13800138001" not in table.stdout

    sent_entry = letters[0]["id"]
    refused = runner.invoke(app, ["deadletter", "replay", sent_entry])
    assert refused.exit_code == 0, refused.stderr
    assert "已放回发送队列 0 条，跳过 1 条" in refused.stdout
    assert "could send it twice" in refused.stdout

    replayed = runner.invoke(app, ["deadletter", "replay", "--all", "--json"])
    report = json.loads(replayed.stdout)
    assert report["replayed"] == 1
    assert [s["message_id"] for s in report["skipped"]] == [str(ids[1])]
    again = json.loads(runner.invoke(app, ["deadletter", "list", "--json"]).stdout)
    assert [letter["message_id"] for letter in again] == [str(ids[1])]


def test_replay_needs_ids_or_all(stores: str) -> None:
    result = runner.invoke(app, ["deadletter", "replay"])
    assert result.exit_code == 2
    assert "--all" in result.stderr


def test_queue_commands_say_when_redis_is_wrong(
    stores: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    result = runner.invoke(app, ["queue", "stats"])
    assert result.exit_code == 2
    assert "Redis does not answer" in result.stderr
    assert "REDIS_URL" in result.stderr
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    result = runner.invoke(app, ["deadletter", "list"])
    assert result.exit_code == 2
    assert "redis://host:6379/0" in result.stderr
