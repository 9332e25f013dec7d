"""Shared pieces of the operations tests (no tests here): a database one migration behind,
SMS stand-ins on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiohttp import web
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import CAMPAIGNS, MESSAGES
from channels.sandbox import (
    SandboxConfig,
    TelegramSandboxConfig,
    create_sms_app,
    create_telegram_app,
    serve,
)
from core import upgrade_to_head
from core.migrate import alembic_config


def head_revision() -> str:
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


@asynccontextmanager
async def one_revision_behind(engine: AsyncEngine) -> AsyncIterator[str]:
    """The database downgraded by one migration (its revision yielded), upgraded back after:
    the PostgreSQL database is shared by the session's tests."""

    def _downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "-1")

    async with engine.begin() as connection:
        await connection.run_sync(_downgrade)
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    assert previous is not None
    try:
        yield str(previous.down_revision)
    finally:
        await upgrade_to_head(engine)


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """`app` on a free localhost port; its base URL."""
    runner = await serve(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def sms_stand_in(config: SandboxConfig) -> AbstractAsyncContextManager[str]:
    """An SMS stand-in of config.provider on a free localhost port; its base URL."""
    return served(create_sms_app(config.provider, config))


def telegram_stand_in(config: TelegramSandboxConfig) -> AbstractAsyncContextManager[str]:
    """The Bot API stand-in on a free localhost port; its base URL."""
    return served(create_telegram_app(config))


async def add_messages(
    engine: AsyncEngine, statuses: list[str], *, channel: str = "sms", name: str = "断缴提醒"
) -> list[int]:
    """One campaign (running, priority 1) with a message in each of `statuses`; their ids.

    Addresses are phones 1380013800{n} (SMS) or chat ids 90000000{n} (Telegram)."""
    async with engine.begin() as connection:
        campaign = (
            await connection.execute(
                CAMPAIGNS.insert()
                .values(name=name, state="running", definition="{}", priority=1)
                .returning(CAMPAIGNS.c.id)
            )
        ).scalar_one()
        ids = []
        for n, status in enumerate(statuses):
            address = f"1380013800{n}" if channel == "sms" else f"90000000{n}"
            ids.append(
                (
                    await connection.execute(
                        MESSAGES.insert()
                        .values(
                            campaign_id=campaign,
                            occurrence="once",
                            resident_id=f"53250419800101{n:03d}X",
                            channel=channel,
                            address=address,
                            priority=1,
                            status=status,
                            variables="{}",
                        )
                        .returning(MESSAGES.c.id)
                    )
                ).scalar_one()
            )
    return ids
