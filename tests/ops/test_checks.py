"""The deployment checks: each reports what it tests as a result, never as an exception."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import GatewaySettings
from channels.sandbox import SandboxConfig
from core import create_engine
from ops import check_database, check_gateways, check_migrations, check_redis, readiness
from tests.ops.support import head_revision, one_revision_behind, sms_stand_in

CLOSED_PORT = 1  # nothing listens on tcpmux


def bilingual(text_: str) -> bool:
    """Chinese first, then ' / ' and English."""
    zh, _, en = text_.partition(" / ")
    return bool(en) and any("\u4e00" <= ch <= "\u9fff" for ch in zh)


async def test_database_answers(engine: AsyncEngine) -> None:
    result = await check_database(engine)
    assert result.ok, result.detail
    assert result.name == "database"
    assert bilingual(result.detail)


async def test_unreachable_database_is_a_failed_result() -> None:
    engine = create_engine(f"postgresql+asyncpg://staff:s3cret-pw@127.0.0.1:{CLOSED_PORT}/outreach")
    try:
        result = await check_database(engine)
    finally:
        await engine.dispose()
    assert not result.ok
    assert "127.0.0.1:1/outreach" in result.detail
    assert "s3cret-pw" not in result.detail + result.fix
    assert "DATABASE_URL" in result.fix
    assert bilingual(result.detail)
    assert bilingual(result.fix)


async def test_sqlite_file_that_is_no_database_fails(tmp_path: Path) -> None:
    path = tmp_path / "outreach.db"
    path.write_bytes(b"not a database, " * 1024)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        result = await check_database(engine)
    finally:
        await engine.dispose()
    assert not result.ok
    assert "file is not a database" in result.detail


async def test_migrated_database_is_at_head(engine: AsyncEngine) -> None:
    result = await check_migrations(engine)
    assert result.ok, result.detail
    assert head_revision() in result.detail


async def test_database_one_revision_behind_is_found(engine: AsyncEngine) -> None:
    async with one_revision_behind(engine) as previous:
        result = await check_migrations(engine)
    assert not result.ok
    assert f"{previous}" in result.detail
    assert head_revision() in result.detail
    assert "outreach db upgrade" in result.fix
    assert (await check_migrations(engine)).ok  # upgraded back


async def test_empty_database_has_no_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        result = await check_migrations(engine)
    finally:
        await engine.dispose()
    assert not result.ok
    assert "no schema" in result.detail
    assert "outreach db upgrade" in result.fix


async def test_migrations_of_an_unreachable_database_fail_without_raising() -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{CLOSED_PORT}/outreach")
    try:
        result = await check_migrations(engine)
    finally:
        await engine.dispose()
    assert not result.ok
    assert "DATABASE_URL" in result.fix


async def test_redis_answers(redis: Redis) -> None:
    result = await check_redis(redis)
    assert result.ok
    assert result.name == "redis"


async def test_wrong_redis_url_is_found() -> None:
    client: Redis = Redis.from_url(f"redis://127.0.0.1:{CLOSED_PORT}/0")
    try:
        result = await check_redis(client)
    finally:
        await client.aclose()
    assert not result.ok
    assert "REDIS_URL" in result.fix
    assert bilingual(result.detail)
    assert bilingual(result.fix)


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_redis_that_never_answers_fails_within_the_bound(silent_port: int) -> None:
    client: Redis = Redis.from_url(f"redis://127.0.0.1:{silent_port}/0")
    try:
        result = await check_redis(client, within=0.5)
    finally:
        await client.aclose()
    assert not result.ok
    assert "TimeoutError" in result.detail


async def test_no_gateway_configured_checks_nothing() -> None:
    assert await check_gateways(GatewaySettings(_env_file=None)) == []


async def test_configured_gateways_are_reached(tmp_path: Path) -> None:
    async with (
        sms_stand_in(SandboxConfig(provider="aliyun", log_path=tmp_path / "a.jsonl")) as aliyun,
        sms_stand_in(SandboxConfig(provider="twilio", log_path=tmp_path / "t.jsonl")) as twilio,
    ):
        settings = GatewaySettings(
            _env_file=None,
            aliyun_access_key_id="key",
            aliyun_access_key_secret="secret-value",
            aliyun_endpoint=aliyun,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token="token-value",
            twilio_base_url=twilio,
        )
        results = await check_gateways(settings)
    assert [r.name for r in results] == ["gateway:aliyun", "gateway:twilio"]
    assert all(r.ok for r in results), results
    assert all("secret-value" not in r.detail and "token-value" not in r.detail for r in results)


async def test_unreachable_and_silent_gateways_fail(silent_port: int) -> None:
    settings = GatewaySettings(
        _env_file=None,
        tencent_secret_id="id",
        tencent_secret_key="key",
        tencent_sdk_app_id="1400000000",
        tencent_endpoint=f"http://127.0.0.1:{CLOSED_PORT}",
        telegram_bot_token="123:secret-bot-token",
        telegram_api_url=f"http://user:pw@127.0.0.1:{silent_port}/path?token=x",
    )
    results = {r.name: r for r in await check_gateways(settings, within=0.5)}
    assert set(results) == {"gateway:tencent", "gateway:telegram"}
    assert not results["gateway:tencent"].ok
    assert "TENCENT_ENDPOINT" in results["gateway:tencent"].fix
    telegram = results["gateway:telegram"]
    assert not telegram.ok
    assert f"127.0.0.1:{silent_port}" in telegram.detail
    assert "pw" not in telegram.detail.replace("proxy", "")
    assert "secret-bot-token" not in telegram.detail
    assert "token=x" not in telegram.detail


async def test_readiness_reports_every_store(engine: AsyncEngine, redis: Redis) -> None:
    results = await readiness(engine, redis, None)
    assert [r.name for r in results] == ["database", "migrations", "redis"]
    assert all(r.ok for r in results), results


async def test_readiness_fails_on_a_schema_behind(engine: AsyncEngine, redis: Redis) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        results = {
            r.name: r.ok for r in await readiness(engine, redis, GatewaySettings(_env_file=None))
        }
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()}
            )
    assert results == {"database": True, "migrations": False, "redis": True}
