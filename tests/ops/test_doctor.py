"""`outreach doctor`'s checks find each planted misconfiguration and say how to fix it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from campaigns import parse_definition
from campaigns.model import CAMPAIGNS
from campaigns.templates import TEMPLATES_ROOT
from channels.sandbox import SandboxConfig, TelegramSandboxConfig
from cli.doctor import diagnose
from core import create_engine
from ops.checks import CheckResult, check_migrations
from tests.conftest import REDIS_TEST_URL
from tests.ops.support import one_revision_behind, sms_stand_in, telegram_stand_in

KEY = "doctor-key"
SECRET = "doctor-secret-value"
SID = "AC" + "0123456789abcdef" * 2
BOT_TOKEN = "7000000002:doctor-bot-token"


@pytest.fixture
async def setup(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[dict[str, str]]:
    """A good deployment: the test database, the test Redis, Aliyun and Tencent stand-ins."""
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    async with (
        sms_stand_in(
            SandboxConfig(provider="aliyun", key=KEY, secret=SECRET, log_path=tmp_path / "a.jsonl")
        ) as aliyun,
        sms_stand_in(
            SandboxConfig(provider="tencent", key=KEY, secret=SECRET, log_path=tmp_path / "t.jsonl")
        ) as tencent,
        sms_stand_in(
            SandboxConfig(provider="twilio", key=SID, secret=SECRET, log_path=tmp_path / "w.jsonl")
        ) as twilio,
        telegram_stand_in(TelegramSandboxConfig(token=BOT_TOKEN)) as telegram,
    ):
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_TEST_URL,
            "ALIYUN_ACCESS_KEY_ID": KEY,
            "ALIYUN_ACCESS_KEY_SECRET": SECRET,
            "ALIYUN_ENDPOINT": aliyun,
            "TENCENT_SECRET_ID": KEY,
            "TENCENT_SECRET_KEY": SECRET,
            "TENCENT_SDK_APP_ID": "1400000000",
            "TENCENT_ENDPOINT": tencent,
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": SECRET,
            "TWILIO_BASE_URL": twilio,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_URL": telegram,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield env


def without_twilio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twilio approves every template: the template tests need it unconfigured."""
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name)


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    found: dict[str, CheckResult] = {}
    for result in results:
        found.setdefault(result.name, result)
    return found


def failed(results: list[CheckResult]) -> list[str]:
    return [r.name for r in results if not r.ok]


def no_secret(results: list[CheckResult]) -> None:
    for result in results:
        assert SECRET not in result.detail + result.fix


async def test_good_setup_passes(setup: dict[str, str]) -> None:
    results = await diagnose()
    assert failed(results) == [], [r for r in results if not r.ok]
    names = {r.name for r in results}
    assert {
        "settings:core",
        "settings:worker",
        "settings:gateways",
        "settings:bot",
        "settings:results",
        "settings:outbox",
        "settings:replies",
        "settings:ops",
        "database",
        "migrations",
        "redis",
        "credentials:aliyun",
        "credentials:tencent",
        "credentials:twilio",
        "credentials:telegram",
        "templates",
    } <= names
    no_secret(results)


async def test_wrong_redis_url(setup: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    results = await diagnose()
    assert failed(results) == ["redis"]
    redis = by_name(results)["redis"]
    assert "Redis does not answer" in redis.detail
    assert "REDIS_URL" in redis.fix


async def test_redis_url_that_is_no_url(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    results = await diagnose()
    assert failed(results) == ["redis"]
    assert "redis://" in by_name(results)["redis"].fix


async def test_database_one_migration_behind(setup: dict[str, str]) -> None:
    engine = create_engine(setup["DATABASE_URL"])
    try:
        async with one_revision_behind(engine) as previous:
            results = await diagnose()
            assert not (await check_migrations(engine)).ok  # reported, not migrated
    finally:
        await engine.dispose()
    assert failed(results) == ["migrations"]
    migrations = by_name(results)["migrations"]
    assert f"the schema is at {previous}" in migrations.detail
    assert "outreach db upgrade" in migrations.fix


async def test_missing_sqlite_file_is_reported_not_created(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere" / "outreach.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    results = await diagnose()
    assert failed(results) == ["database", "migrations"]
    assert "does not exist" in by_name(results)["database"].detail
    assert not path.exists()


async def test_bad_gateway_secret(setup: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENT_SECRET_KEY", "not-the-secret")
    results = await diagnose()
    assert failed(results) == ["credentials:tencent"]
    tencent = by_name(results)["credentials:tencent"]
    assert "AuthFailure.SignatureFailure" in tencent.detail
    assert "TENCENT_SECRET_KEY" in tencent.fix
    assert "not-the-secret" not in tencent.detail + tencent.fix


async def test_unreachable_gateway(setup: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIYUN_ENDPOINT", "http://127.0.0.1:1")
    results = await diagnose(within=2.0)
    assert failed(results) == ["credentials:aliyun"]
    assert "ALIYUN_ENDPOINT" in by_name(results)["credentials:aliyun"].fix


async def test_endpoint_no_client_can_use(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIYUN_ENDPOINT", "http://[::1")
    results = await diagnose(within=2.0)
    assert failed(results) == ["credentials:aliyun"]
    aliyun = by_name(results)["credentials:aliyun"]
    assert "the check could not be made" in aliyun.detail
    assert "ALIYUN_ENDPOINT" in aliyun.fix


def registry_without(tmp_path: Path, template: str, providers: set[str]) -> Path:
    """A copy of the template registry in which `providers` did not approve `template`."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_ROOT, root)
    registry: dict[str, Any] = yaml.safe_load((root / "registry.yaml").read_text("utf-8"))
    for entry in registry["templates"]:
        if entry["name"] == template:
            entry["approvals"] = {p: a for p, a in entry["approvals"].items() if p not in providers}
    path = root / "registry.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), "utf-8")
    return path


async def test_campaign_template_not_approved_by_the_configured_providers(
    setup: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_twilio(monkeypatch)
    registry = registry_without(tmp_path, "new_form_workers", {"aliyun", "tencent"})
    results = await diagnose(registry=registry)
    assert failed(results) == ["template:new_form_workers"]
    finding = by_name(results)["template:new_form_workers"]
    assert "new_form_workers" in finding.detail
    assert "aliyun" in finding.detail
    assert "templates/registry.yaml" in finding.fix


async def add_campaign(url: str, state: str, **definition: str) -> int:
    data = {
        "name": "骑手参保",
        "segment": "new-form-workers",
        "template": "new_form_workers",
        "channels": ["sms"],
        **definition,
    }
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            return int(
                (
                    await connection.execute(
                        CAMPAIGNS.insert()
                        .values(
                            name=data["name"],
                            state=state,
                            definition=parse_definition(data).to_json(),
                            priority=2,
                        )
                        .returning(CAMPAIGNS.c.id)
                    )
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_live_campaign_through_a_provider_that_did_not_approve_its_template(
    setup: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tencent still approves the template, so only the campaign that sends it through Aliyun
    (approval withdrawn after it was created) is wrong; a finished one is not checked."""
    without_twilio(monkeypatch)
    registry = registry_without(tmp_path, "new_form_workers", {"aliyun"})
    live = await add_campaign(setup["DATABASE_URL"], "running", sms_provider="aliyun")
    await add_campaign(setup["DATABASE_URL"], "completed", sms_provider="aliyun")
    through_tencent = await add_campaign(
        setup["DATABASE_URL"], "scheduled", sms_provider="tencent", sms_fallback="twilio"
    )
    results = await diagnose(registry=registry)
    assert failed(results) == [f"campaign:{live}", f"campaign:{through_tencent}"]
    found = [r for r in results if not r.ok]
    assert "not approved by SMS provider aliyun" in found[0].detail
    assert f"campaign {live}" in found[0].detail
    assert "twilio, which has no credentials" in found[1].detail
    assert "TWILIO_ACCOUNT_SID" in found[1].fix


async def test_reply_provider_without_credentials(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    without_twilio(monkeypatch)
    monkeypatch.setenv("REPLY_SMS_PROVIDER", "twilio")
    results = await diagnose()
    assert failed(results) == ["replies"]
    assert "REPLY_SMS_PROVIDER" in by_name(results)["replies"].fix


async def test_replies_left_at_their_defaults_go_through_the_only_configured_provider(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Aliyun-only deployment: the default REPLY_SMS_PROVIDER (tencent) is not configured,
    its default fallback is, and the worker answers through it: nothing to fix."""
    without_twilio(monkeypatch)
    for name in ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_SDK_APP_ID"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("REPLY_SMS_PROVIDER", raising=False)
    results = await diagnose()
    assert failed(results) == [], [r.detail for r in results if not r.ok]
    # Named on purpose, an unconfigured provider is still a mistake.
    monkeypatch.setenv("REPLY_SMS_PROVIDER", "tencent")
    assert failed(await diagnose()) == ["replies"]


async def test_settings_error_in_plain_words(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_MODE", "webhook")  # without BOT_WEBHOOK_SECRET
    monkeypatch.setenv("WORKER_BATCH_SIZE", "many")
    results = await diagnose()
    assert failed(results) == ["settings:worker", "settings:bot"]
    found = by_name(results)
    assert "WORKER_BATCH_SIZE" in found["settings:worker"].detail
    assert "many" not in found["settings:worker"].detail  # values are not repeated back
    zh, _, en = found["settings:bot"].detail.partition(" / ")
    assert "需要设置 BOT_WEBHOOK_SECRET" in zh
    assert en.startswith("setting BOT_* is not valid: BOT_MODE=webhook needs BOT_WEBHOOK_SECRET")
    assert "需要" not in en
    assert "Traceback" not in found["settings:bot"].detail


async def test_broken_core_settings_skip_the_stores(
    setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    results = await diagnose()
    assert failed(results) == ["settings:core", "database", "migrations", "redis"]
    assert "LOG_FORMAT" in by_name(results)["settings:core"].detail
    assert "not checked" in by_name(results)["redis"].detail
