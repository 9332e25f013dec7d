"""Checks of a running deployment: one function per thing that can be wrong.

Readiness (/readyz) and `outreach doctor` share them. Each check returns one `CheckResult`:
whether it passed, what was found in plain words (Chinese first, English second) and, when it
failed, how to fix it. Checks never raise for the condition they test (an unreachable Redis is
a failed result, not an exception), finish within a bounded time, and never put personal data
or secrets into their text: errors are named by type and their first line, masked, and URLs
are shown as host and port only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import GatewaySettings
from core import mask_text
from core.migrate import alembic_config

#: How long a database or Redis check waits before it reports the store as unreachable.
STORE_WITHIN = 3.0

#: Where each gateway is reached when its setting names no endpoint (Telegram: the real API).
TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str  # short stable id: "database", "migrations", "redis", "gateway:aliyun", ...
    ok: bool
    detail: str  # what was found, "中文 / English"
    fix: str = ""  # how to fix it when not ok, "中文 / English"


def describe_error(err: BaseException) -> str:
    """An error's type and the first line of its message, masked and short: never a secret
    from a URL (drivers name host and port, not passwords) nor a resident's number."""
    if isinstance(err, DBAPIError) and err.orig is not None:
        err = err.orig
    if isinstance(err, TimeoutError):
        return "TimeoutError"
    lines = str(err).strip().splitlines()
    first = mask_text(lines[0])[:160] if lines else ""
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def endpoint_label(url: str) -> str:
    """host:port of a URL, without user, password, path or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "?"
    return f"{host}:{port}"


async def check_database(engine: AsyncEngine, *, within: float = STORE_WITHIN) -> CheckResult:
    """The database of DATABASE_URL answers a query."""
    where = engine.url.render_as_string(hide_password=True)
    if engine.url.get_backend_name() != "sqlite":
        where = f"{engine.url.host or 'localhost'}:{engine.url.port or 5432}/{engine.url.database}"

    async def ping() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), timeout=within)
    except Exception as err:  # any driver error means the same thing: it does not answer
        return CheckResult(
            "database",
            False,
            f"数据库无法连接（{where}） / the database does not answer ({where}): "
            f"{describe_error(err)}",
            "检查 DATABASE_URL 的主机、端口、库名和账号，并确认数据库已启动 / "
            "check DATABASE_URL (host, port, database, user) and that the database is running",
        )
    return CheckResult("database", True, f"数据库可以连接 / the database answers ({where})")


def _revisions(connection: Connection) -> tuple[set[str], set[str]]:
    script = ScriptDirectory.from_config(alembic_config())
    current = MigrationContext.configure(connection).get_current_heads()
    return set(current), set(script.get_heads())


async def check_migrations(engine: AsyncEngine, *, within: float = STORE_WITHIN) -> CheckResult:
    """The schema's revision is the newest one in migrations/."""

    async def read() -> tuple[set[str], set[str]]:
        async with engine.connect() as connection:
            return await connection.run_sync(_revisions)

    fix = (
        "运行 outreach db upgrade（或启动一次性的 migrate 服务）把表结构更新到最新 / "
        "run `outreach db upgrade` (or the one-shot migrate service) to bring the schema up to date"
    )
    try:
        current, heads = await asyncio.wait_for(read(), timeout=within)
    except Exception as err:
        return CheckResult(
            "migrations",
            False,
            f"无法读取表结构版本 / cannot read the schema revision: {describe_error(err)}",
            "先确认数据库可以连接（DATABASE_URL） / first make sure the database answers "
            "(DATABASE_URL)",
        )
    head = ", ".join(sorted(heads))
    if current == heads:
        return CheckResult(
            "migrations", True, f"表结构已是最新 / the schema is up to date ({head})"
        )
    if not current:
        return CheckResult(
            "migrations",
            False,
            f"数据库尚未建表 / the database has no schema yet (newest revision {head})",
            fix,
        )
    at = ", ".join(sorted(current))
    return CheckResult(
        "migrations",
        False,
        f"表结构版本 {at} 不是最新的 {head} / the schema is at {at}, not at the newest {head}",
        fix,
    )


async def check_redis(redis: Redis, *, within: float = STORE_WITHIN) -> CheckResult:
    """The Redis of REDIS_URL answers PING."""
    try:
        answer = await asyncio.wait_for(redis.ping(), timeout=within)
    except Exception as err:  # connection, authentication, timeout: all "does not answer"
        return CheckResult(
            "redis",
            False,
            f"Redis 无法连接 / Redis does not answer: {describe_error(err)}",
            "检查 REDIS_URL（如 redis://主机:6379/0，密码写在 URL 中）并确认 Redis 已启动 / "
            "check REDIS_URL (e.g. redis://host:6379/0, password in the URL) and that Redis runs",
        )
    if not answer:
        return CheckResult(
            "redis",
            False,
            "Redis 没有回应 PING / Redis did not answer PING",
            "检查 REDIS_URL 指向的是 Redis 服务 / check that REDIS_URL points at a Redis server",
        )
    return CheckResult("redis", True, "Redis 可以连接 / Redis answers")


def gateway_endpoints(settings: GatewaySettings) -> dict[str, str]:
    """The base URL of each configured gateway."""
    urls = {
        "aliyun": settings.aliyun_endpoint,
        "tencent": settings.tencent_endpoint,
        "twilio": settings.twilio_base_url,
        "telegram": settings.telegram_api_url or TELEGRAM_API,
    }
    return {provider: urls[provider] for provider in settings.configured() if provider in urls}


_ENDPOINT_SETTING = {
    "aliyun": "ALIYUN_ENDPOINT",
    "tencent": "TENCENT_ENDPOINT",
    "twilio": "TWILIO_BASE_URL",
    "telegram": "TELEGRAM_API_URL",
}


async def _reach(session: aiohttp.ClientSession, provider: str, url: str) -> CheckResult:
    name = f"gateway:{provider}"
    where = endpoint_label(url)
    try:
        # Any HTTP answer, even 404 or 405, proves the endpoint is there: no credentials sent.
        async with session.get(url, allow_redirects=False) as response:
            status = response.status
    except Exception as err:
        return CheckResult(
            name,
            False,
            f"网关 {provider} 无法连接（{where}） / gateway {provider} is unreachable ({where}): "
            f"{describe_error(err)}",
            f"检查 {_ENDPOINT_SETTING[provider]} 和本机的网络、代理、防火墙 / "
            f"check {_ENDPOINT_SETTING[provider]} and this host's network, proxy and firewall",
        )
    return CheckResult(
        name,
        True,
        f"网关 {provider} 可以连接（{where}，HTTP {status}） / "
        f"gateway {provider} is reachable ({where}, HTTP {status})",
    )


async def check_gateways(settings: GatewaySettings, *, within: float = 3.0) -> list[CheckResult]:
    """Each configured gateway's endpoint answers (reachability only, no credentials sent)."""
    endpoints = gateway_endpoints(settings)
    if not endpoints:
        return []
    timeout = aiohttp.ClientTimeout(total=within)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return list(
            await asyncio.gather(
                *(_reach(session, provider, url) for provider, url in endpoints.items())
            )
        )


async def readiness(
    engine: AsyncEngine, redis: Redis, gateways: GatewaySettings | None
) -> list[CheckResult]:
    """What /readyz reports: database, migrations, Redis and (when given) the gateways."""
    database, migrations, store, reachable = await asyncio.gather(
        check_database(engine),
        check_migrations(engine),
        check_redis(redis),
        check_gateways(gateways) if gateways is not None else _nothing(),
    )
    return [database, migrations, store, *reachable]


async def _nothing() -> list[CheckResult]:
    return []
