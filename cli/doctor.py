"""`outreach doctor`: is this deployment configured to work? Each finding in plain words.

Checks, in order: every settings class loads from the environment and .env; the database
answers; its schema is at the newest migration (the doctor never migrates: it reports);
Redis answers; each configured gateway accepts its credentials (one harmless signed call);
the message templates are approved by the SMS providers that will send them. Exit status 0
when every check passes, 1 otherwise.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotSettings
from campaigns import ReplySettings
from channels import GatewaySettings
from cli.context import console, print_json
from core import (
    EMBEDDED_REDIS,
    Settings,
    configure_logging,
    create_engine,
    create_redis,
    run_loop,
)
from ops import OpsSettings
from ops.checks import CheckResult, check_database, check_migrations, check_redis, describe_error
from ops.doctor import check_credentials, check_templates
from ops.settings_check import check_settings
from outbox import RelaySettings
from results import ResultsSettings
from worker import WorkerSettings

S = TypeVar("S", bound=BaseSettings)

#: Every settings class of every process, by the name the report gives it.
SETTINGS: dict[str, type[BaseSettings]] = {
    "core": Settings,
    "worker": WorkerSettings,
    "gateways": GatewaySettings,
    "bot": BotSettings,
    "results": ResultsSettings,
    "outbox": RelaySettings,
    "replies": ReplySettings,
    "ops": OpsSettings,
}


def _skipped(name: str, because: str) -> CheckResult:
    return CheckResult(
        name,
        False,
        f"未检查：{because} 的设置无效 / not checked: the {because} settings are not valid",
        "先改正上面的设置错误 / first correct the settings error above",
    )


async def _stores(settings: Settings | None) -> tuple[list[CheckResult], AsyncEngine | None]:
    """Database, migrations and Redis; the engine when the schema is usable (the caller
    disposes of it)."""
    if settings is None:
        return [_skipped(n, "core") for n in ("database", "migrations", "redis")], None
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None:
        return [missing, _skipped("migrations", "database"), await _redis(settings.redis_url)], None
    try:
        engine = create_engine(settings.database_url)
    except Exception as error:  # a URL SQLAlchemy cannot read
        results = [
            CheckResult(
                "database",
                False,
                f"DATABASE_URL 无法识别 / DATABASE_URL cannot be read: {describe_error(error)}",
                "按 .env.example 的格式写 DATABASE_URL / write DATABASE_URL as .env.example shows",
            ),
            _skipped("migrations", "database"),
        ]
        return [*results, await _redis(settings.redis_url)], None
    database, migrations, redis = await asyncio.gather(
        check_database(engine), check_migrations(engine), _redis(settings.redis_url)
    )
    return [database, migrations, redis], engine


def _missing_sqlite_file(url: str) -> CheckResult | None:
    """A SQLite file that is not there: said so, not created by looking at it."""
    try:
        parsed = make_url(url)
    except Exception:
        return None  # reported when the engine is built
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if Path(database).exists():
        return None
    return CheckResult(
        "database",
        False,
        f"SQLite 数据库文件 {database} 不存在 / the SQLite database file {database} does not exist",
        "检查 DATABASE_URL 的路径；新部署先运行 outreach db upgrade 建表 / check the path in "
        "DATABASE_URL; a new deployment runs `outreach db upgrade` first to create the schema",
    )


async def _redis(url: str) -> CheckResult:
    if url == EMBEDDED_REDIS:
        return CheckResult(
            "redis",
            True,
            "REDIS_URL=embedded：进程内替身，只适合单进程运行（outreach serve） / "
            "REDIS_URL=embedded: the in-process stand-in, for a single process only",
        )
    try:
        client = create_redis(url)
    except Exception as error:  # not a redis:// URL at all
        return CheckResult(
            "redis",
            False,
            f"REDIS_URL 无法识别 / REDIS_URL cannot be read: {describe_error(error)}",
            "写成 redis://主机:6379/0 的形式 / write it as redis://host:6379/0",
        )
    try:
        return await check_redis(client)
    finally:
        await client.aclose()


def _loaded(cls: type[S], results: list[CheckResult], name: str) -> S | None:
    return cls() if any(r.name == f"settings:{name}" and r.ok for r in results) else None


async def diagnose(*, registry: Path | None = None, within: float = 5.0) -> list[CheckResult]:
    """Every check of the doctor, in report order."""
    results = check_settings(SETTINGS)
    settings = _loaded(Settings, results, "core")
    gateways = _loaded(GatewaySettings, results, "gateways")
    reply = _loaded(ReplySettings, results, "replies")
    credentials = check_credentials(gateways, within=within) if gateways is not None else _nothing()
    (stores, engine), probed = await asyncio.gather(_stores(settings), credentials)
    results.extend(stores)
    try:
        if gateways is None:
            results.append(_skipped("credentials", "gateways"))
            results.append(_skipped("templates", "gateways"))
            return results
        results.extend(probed)
        schema_ok = all(r.ok for r in stores if r.name in ("database", "migrations"))
        results.extend(
            await check_templates(
                engine if schema_ok else None, gateways, reply, registry_path=registry
            )
        )
        return results
    finally:
        if engine is not None:
            await engine.dispose()


async def _nothing() -> list[CheckResult]:
    return []


def _print(results: list[CheckResult]) -> None:
    for result in results:
        mark = "[green]通过 PASS[/]" if result.ok else "[bold red]失败 FAIL[/]"
        console.print(f"{mark}  [bold]{result.name}[/]", highlight=False, soft_wrap=True)
        zh, _, en = result.detail.partition(" / ")
        console.print(f"    {zh}", highlight=False, markup=False, soft_wrap=True)
        if en:
            console.print(f"    {en}", highlight=False, markup=False, soft_wrap=True)
        if not result.ok and result.fix:
            fix_zh, _, fix_en = result.fix.partition(" / ")
            console.print(f"    修复：{fix_zh}", highlight=False, markup=False, soft_wrap=True)
            if fix_en:
                console.print(f"    Fix: {fix_en}", highlight=False, markup=False, soft_wrap=True)
    failed = sum(not r.ok for r in results)
    if failed:
        console.print(
            f"[bold red]{failed} 项检查未通过（共 {len(results)} 项） / "
            f"{failed} of {len(results)} checks failed[/]",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            f"[green]全部 {len(results)} 项检查通过 / all {len(results)} checks passed[/]",
            highlight=False,
            soft_wrap=True,
        )


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            help="检查另一份模板登记表（默认 templates/registry.yaml） / "
            "check another template registry (default templates/registry.yaml)",
        ),
    ] = None,
    within: Annotated[
        float,
        typer.Option(help="每个网关检查最多等待的秒数 / seconds each gateway check may take"),
    ] = 5.0,
) -> None:
    """检查设置、数据库、Redis、网关凭据和模板审核 / Check settings, stores, gateways, templates.

    全部通过时退出码为 0，否则为 1 / Exit status 0 when every check passes, 1 otherwise.
    """
    try:
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
    except Exception:  # reported below as a finding; log with the defaults meanwhile
        configure_logging("WARNING", "auto")
    results = run_loop(diagnose(registry=registry, within=within))
    ok = all(r.ok for r in results)
    if as_json:
        print_json(
            {
                "ok": ok,
                "checks": [
                    {"name": r.name, "ok": r.ok, "detail": r.detail, "fix": r.fix} for r in results
                ],
            }
        )
    else:
        _print(results)
    raise typer.Exit(0 if ok else 1)
