"""aiogram (over 100 MB of memory) is imported only by a process that builds a Telegram channel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiohttp

from channels import GatewaySettings, build_channels

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_importing_the_worker_does_not_import_aiogram() -> None:
    assert run("import sys, worker; print('aiogram' in sys.modules)") == "False"


def test_building_channels_without_a_bot_token_does_not_import_aiogram() -> None:
    code = """
import asyncio, sys
import aiohttp
from channels import GatewaySettings, build_channels

async def main() -> None:
    settings = GatewaySettings(
        _env_file=None, aliyun_access_key_id="k", aliyun_access_key_secret="s"
    )
    async with aiohttp.ClientSession() as session:
        assert list(build_channels(settings, session)) == ["aliyun"]

asyncio.run(main())
print('aiogram' in sys.modules)
"""
    assert run(code) == "False"


def test_the_telegram_names_are_still_there_on_first_use() -> None:
    code = """
import sys
import channels
before = 'aiogram' in sys.modules
from channels import TelegramChannel, telegram_bot
from channels.telegram import TelegramChannel as Direct
print(before, 'aiogram' in sys.modules, TelegramChannel is Direct, callable(telegram_bot))
"""
    assert run(code) == "False True True True"


async def test_a_bot_token_builds_the_telegram_channel() -> None:
    from channels.telegram import TelegramChannel

    settings = GatewaySettings(
        _env_file=None,
        telegram_bot_token="7000000001:sandbox-token",
        telegram_api_url="http://127.0.0.1:9",
    )
    async with aiohttp.ClientSession() as session:
        channels = build_channels(settings, session)
        assert list(channels) == ["telegram"]
        assert isinstance(channels["telegram"], TelegramChannel)
        await channels["telegram"].close()
