"""What every command shares: settings, logging, the engine, and how errors reach staff."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from core import configure_logging, create_engine, load_settings, run_loop, upgrade_to_head

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def fail(message_zh: str, message_en: str, code: int = 2) -> NoReturn:
    """Stop with a bilingual message that says what to fix; never a traceback."""
    err_console.print(f"[bold red]错误：[/]{message_zh}", highlight=False)
    err_console.print(f"[red]Error:[/] {message_en}", highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """One JSON object on stdout, for scripts."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's async body with logging configured."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return run_loop(work)


@asynccontextmanager
async def database() -> AsyncIterator[AsyncEngine]:
    """The engine of DATABASE_URL, its schema brought up to date, disposed on exit."""
    engine = create_engine(load_settings().database_url)
    try:
        try:
            await upgrade_to_head(engine)
        except (OSError, DBAPIError) as err:
            fail(
                "无法连接数据库或更新表结构，请检查 DATABASE_URL",
                f"cannot reach or migrate the database ({type(err).__name__}); check DATABASE_URL",
            )
        yield engine
    finally:
        await engine.dispose()
