"""The credentials probe makes each gateway's harmless signed call against its stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from channels import GatewaySettings, probe_gateway
from channels.sandbox import SandboxConfig, TelegramSandboxConfig
from tests.ops.support import sms_stand_in, telegram_stand_in

ACCOUNT = "AC" + "0123456789abcdef" * 2
KEYS = {"aliyun": "LTAI-test-key", "tencent": "AKID-test-id", "twilio": ACCOUNT}
SECRET = "right-secret"
TOKEN = "7000000001:sandbox-token"


def sms_settings(provider: str, url: str, secret: str) -> GatewaySettings:
    values: dict[str, Any] = {
        "aliyun": {
            "aliyun_access_key_id": KEYS["aliyun"],
            "aliyun_access_key_secret": secret,
            "aliyun_endpoint": url,
        },
        "tencent": {
            "tencent_secret_id": KEYS["tencent"],
            "tencent_secret_key": secret,
            "tencent_sdk_app_id": "1400000000",
            "tencent_endpoint": url,
        },
        "twilio": {
            "twilio_account_sid": KEYS["twilio"],
            "twilio_auth_token": secret,
            "twilio_base_url": url,
        },
    }[provider]
    return GatewaySettings(_env_file=None, **values)


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "twilio"])
async def test_right_credentials_are_accepted(provider: str, tmp_path: Path) -> None:
    config = SandboxConfig(
        provider=provider, key=KEYS[provider], secret=SECRET, log_path=tmp_path / "log.jsonl"
    )
    async with sms_stand_in(config) as url:
        probe = await probe_gateway(sms_settings(provider, url, SECRET), provider)
    assert probe.reached
    assert probe.ok, probe.reason
    assert not (tmp_path / "log.jsonl").exists() or not (tmp_path / "log.jsonl").read_text()


@pytest.mark.parametrize(
    ("provider", "said"),
    [
        ("aliyun", "SignatureDoesNotMatch"),
        ("tencent", "AuthFailure.SignatureFailure"),
        ("twilio", "HTTP 401"),
    ],
)
async def test_wrong_secret_is_refused(provider: str, said: str, tmp_path: Path) -> None:
    config = SandboxConfig(
        provider=provider, key=KEYS[provider], secret=SECRET, log_path=tmp_path / "log.jsonl"
    )
    async with sms_stand_in(config) as url:
        probe = await probe_gateway(sms_settings(provider, url, "wrong-secret"), provider)
    assert probe.reached
    assert not probe.ok
    assert said in probe.reason
    assert "wrong-secret" not in probe.reason
    assert SECRET not in probe.reason


async def test_twilio_unknown_account_is_refused(tmp_path: Path) -> None:
    config = SandboxConfig(
        provider="twilio", key=ACCOUNT, secret=SECRET, log_path=tmp_path / "log.jsonl"
    )
    async with sms_stand_in(config) as url:
        settings = sms_settings("twilio", url, SECRET)
        settings.twilio_account_sid = "AC" + "f" * 32
        probe = await probe_gateway(settings, "twilio")
    assert not probe.ok
    assert "HTTP 401" in probe.reason  # the stand-in, like Twilio, checks the password first


async def test_twilio_account_resource_speaks_twilio(tmp_path: Path) -> None:
    """GET …/Accounts/{sid}.json answers the Account resource, as the real API does."""
    config = SandboxConfig(
        provider="twilio", key=ACCOUNT, secret=SECRET, log_path=tmp_path / "log.jsonl"
    )
    async with (
        sms_stand_in(config) as url,
        aiohttp.ClientSession() as session,
        session.get(
            f"{url}/2010-04-01/Accounts/{ACCOUNT}.json",
            headers={"Authorization": aiohttp.encode_basic_auth(ACCOUNT, SECRET)},
        ) as response,
    ):
        body = await response.json()
    assert response.status == 200
    assert body["sid"] == ACCOUNT
    assert body["status"] == "active"
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}.json"
    assert body["subresource_uris"]["messages"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


async def test_telegram_token_checked_by_get_me() -> None:
    async with telegram_stand_in(TelegramSandboxConfig(token=TOKEN)) as url:
        good = await probe_gateway(
            GatewaySettings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_url=url),
            "telegram",
        )
        bad = await probe_gateway(
            GatewaySettings(
                _env_file=None, telegram_bot_token="7000000001:other", telegram_api_url=url
            ),
            "telegram",
        )
    assert good.ok, good.reason
    assert not bad.ok
    assert "HTTP 401" in bad.reason
    assert "7000000001:other" not in bad.reason


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "twilio", "telegram"])
async def test_unreachable_gateway_is_not_reached(provider: str) -> None:
    closed = "http://127.0.0.1:1"
    settings = (
        GatewaySettings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_url=closed)
        if provider == "telegram"
        else sms_settings(provider, closed, SECRET)
    )
    probe = await probe_gateway(settings, provider, within=2.0)
    assert not probe.reached
    assert not probe.ok
    assert "could not be reached" in probe.reason
