"""Settings from the environment, and both kinds of Redis client create_redis gives."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fakeredis import FakeAsyncRedis
from pydantic import ValidationError
from redis.asyncio import Redis

from core import EMBEDDED_REDIS, Settings, create_redis, load_settings
from tests.conftest import REDIS_TEST_URL

_ENV = ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "LOG_FORMAT")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No settings in the environment and no .env file in the working directory."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_defaults_are_sqlite_under_var_and_embedded_redis(clean_env: pytest.MonkeyPatch) -> None:
    """With nothing set, the database is a SQLite file under var/ and Redis is embedded."""
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///var/outreach.db"
    assert settings.redis_url == EMBEDDED_REDIS == "embedded"
    assert settings.log_level == "INFO"
    assert settings.log_format == "auto"


def test_environment_overrides_defaults(clean_env: pytest.MonkeyPatch) -> None:
    """DATABASE_URL, REDIS_URL, LOG_LEVEL and LOG_FORMAT are read from the environment."""
    clean_env.setenv("DATABASE_URL", "postgresql+asyncpg://u@db:5432/outreach")
    clean_env.setenv("REDIS_URL", "redis://cache:6379/2")
    clean_env.setenv("LOG_LEVEL", "DEBUG")
    clean_env.setenv("LOG_FORMAT", "json")
    settings = load_settings()
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/outreach"
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "json"


def test_dotenv_file_is_read_and_environment_wins(clean_env: pytest.MonkeyPatch) -> None:
    """A .env file in the working directory supplies values the environment does not set."""
    Path(".env").write_text(
        "DATABASE_URL=sqlite+aiosqlite:///var/other.db\nREDIS_URL=redis://dotenv:6379/0\n",
        encoding="utf-8",
    )
    clean_env.setenv("REDIS_URL", "redis://env:6379/0")
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///var/other.db"
    assert settings.redis_url == "redis://env:6379/0"


def test_unknown_log_format_is_rejected(clean_env: pytest.MonkeyPatch) -> None:
    """LOG_FORMAT outside auto/json/console fails at start-up, not at the first log line."""
    clean_env.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValidationError):
        Settings()


async def test_embedded_redis_needs_no_server() -> None:
    """'embedded' gives an in-process fakeredis that stores strings and streams."""
    client = create_redis("embedded")
    try:
        assert isinstance(client, FakeAsyncRedis)
        key = f"test:{uuid.uuid4().hex}"
        await client.set(key, "值")
        assert await client.get(key) == "值"  # decode_responses: str, not bytes
        entry_id = await client.xadd(f"{key}:stream", {"resident": "1", "step": "sent"})
        entries = await client.xrange(f"{key}:stream")
        assert entries == [(entry_id, {"resident": "1", "step": "sent"})]
    finally:
        await client.flushall()
        await client.aclose()


async def test_real_redis_round_trips(redis: Redis) -> None:
    """A redis:// URL gives a real client that reaches the server; a missing server fails here."""
    client = create_redis(REDIS_TEST_URL)
    try:
        assert not isinstance(client, FakeAsyncRedis)
        assert await client.ping()
        await client.set("outreach:test", "值", ex=60)
        assert await client.get("outreach:test") == "值"
        # The conftest client sees the same value: this is the server, not a stand-in.
        assert await redis.get("outreach:test") == "值"
        entry_id = await client.xadd("outreach:test:stream", {"k": "v"})
        assert await redis.xrange("outreach:test:stream") == [(entry_id, {"k": "v"})]
    finally:
        await client.aclose()


async def test_embedded_clients_share_one_server() -> None:
    """Two clients created from 'embedded' in one process see each other's data."""
    writer, reader = create_redis(EMBEDDED_REDIS), create_redis(EMBEDDED_REDIS)
    await writer.set("outreach:test:shared", "yes")
    try:
        assert await reader.get("outreach:test:shared") == "yes"
    finally:
        await writer.delete("outreach:test:shared")
        await writer.aclose()
        await reader.aclose()
