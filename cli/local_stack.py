"""The whole outreach loop on one machine: the callback web app and stand-in gateways.

`local_stack` starts, on free local ports, the service's web app (receipts and replies) and
stand-ins of Alibaba Cloud SMS, Tencent Cloud SMS and the Telegram Bot API that call it back,
and answers the `GatewaySettings` pointing the service's channels at them. It also starts the
ledger system's stand-in (the outbox relay's webhook, `ledger_url`, signed with
`LEDGER_SECRET`); given a ledger-role API token, it mounts the REST API on the web app and the
stand-in pushes status changes to /api/v1/ledger/status-changes with that token. The demo and
the end-to-end tests use it; nothing in it is faked on our side of the network edge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import CampaignCallbacks, Renderer, TemplateRegistry, transactional_approvals
from channels import GatewaySettings
from channels.sandbox import (
    Faults,
    LedgerSandboxConfig,
    ReceiptOptions,
    SandboxConfig,
    TelegramSandboxConfig,
    create_ledger_app,
    create_sms_app,
    create_telegram_app,
    serve,
)
from channels.sandbox.ledger import LEDGER_SANDBOX, LedgerSandbox
from outbox import RelaySettings
from web import add_api, create_app
from web.providers import all_providers

BOT_TOKEN = "7000000001:sandbox-token"  # noqa: S105 - the stand-in's bot token
KEY, SECRET = "sandbox-key", "sandbox-secret"  # the stand-ins' credentials
TENCENT_APP_ID = "1400000001"
LEDGER_SECRET = "sandbox-ledger-secret"  # noqa: S105 - the ledger stand-in's HMAC secret


@dataclass(slots=True)
class LocalStack:
    web_url: str
    urls: dict[str, str]  # provider -> stand-in base URL
    logs: dict[str, Path]  # provider -> JSONL log of accepted messages
    gateways: GatewaySettings
    ledger: LedgerSandbox  # the ledger system's stand-in (reads `seen`, `core.stats`)
    ledger_url: str  # its webhook, where the outbox relay posts
    faults: dict[str, Faults] = field(default_factory=dict)

    def relay_settings(self, **overrides: object) -> RelaySettings:
        """Settings of an outbox relay that posts to the ledger stand-in."""
        values: dict[str, object] = {
            "webhook_url": self.ledger_url,
            "webhook_secret": LEDGER_SECRET,
            **overrides,
        }
        return RelaySettings.model_validate(values)


def approved_templates(provider: str) -> tuple[dict[str, str], set[str]]:
    """What `provider` approved per our registry (campaign and transactional templates):
    template code -> content, and sign names."""
    registry = TemplateRegistry.load()
    renderer = Renderer(registry, max_sms_parts=10)
    templates: dict[str, str] = {}
    signs: set[str] = set()
    for spec in registry:
        approval = spec.approvals.get(provider)
        if approval is None:
            continue
        signs.add(approval.sign_name)
        if approval.template_code:
            templates[approval.template_code] = renderer.provider_content(spec.name, provider)
    more_templates, more_signs = transactional_approvals(provider)  # the chat's verification code
    return templates | more_templates, signs | more_signs


@asynccontextmanager
async def local_stack(
    engine: AsyncEngine,
    workdir: Path,
    *,
    sms_providers: Sequence[str] = ("aliyun", "tencent"),
    receipts: ReceiptOptions | None = None,
    seed: int | None = 7,
    rates: dict[str, float] | None = None,
    ledger_token: str | None = None,
) -> AsyncIterator[LocalStack]:
    # Each stand-in's JSONL log records this stack's run alone (the stand-ins append).
    for name in (*sms_providers, "telegram", "ledger"):
        (workdir / f"{name}.jsonl").unlink(missing_ok=True)
    async with AsyncExitStack() as stack:
        app = create_app(CampaignCallbacks(engine), providers=all_providers())
        if ledger_token is not None:
            add_api(app, engine)
        runner = await serve(app, "127.0.0.1", 0)
        stack.push_async_callback(runner.cleanup)
        web_url = _url(runner)

        urls: dict[str, str] = {}
        logs: dict[str, Path] = {}
        faults: dict[str, Faults] = {}
        for provider in sms_providers:
            templates, signs = approved_templates(provider)
            config = SandboxConfig(
                provider=provider,
                log_path=workdir / f"{provider}.jsonl",
                callback_url=f"{web_url}/callbacks/{provider}/receipts",
                reply_url=f"{web_url}/callbacks/{provider}/replies",
                key=KEY,
                secret=SECRET,
                seed=seed,
                receipts=receipts or ReceiptOptions(),
                templates=templates,
                signs=signs,
            )
            faults[provider] = config.faults
            provider_runner = await serve(create_sms_app(provider, config), "127.0.0.1", 0)
            stack.push_async_callback(provider_runner.cleanup)
            urls[provider] = _url(provider_runner)
            logs[provider] = workdir / f"{provider}.jsonl"

        telegram_config = TelegramSandboxConfig(
            token=BOT_TOKEN,
            sandbox=SandboxConfig(
                provider="telegram", log_path=workdir / "telegram.jsonl", seed=seed
            ),
        )
        faults["telegram"] = telegram_config.sandbox.faults
        telegram_runner = await serve(create_telegram_app(telegram_config), "127.0.0.1", 0)
        stack.push_async_callback(telegram_runner.cleanup)
        urls["telegram"] = _url(telegram_runner)
        logs["telegram"] = workdir / "telegram.jsonl"

        ledger_config = LedgerSandboxConfig(
            secret=LEDGER_SECRET,
            sandbox=SandboxConfig(provider="ledger", log_path=workdir / "ledger.jsonl", seed=seed),
            push_url=f"{web_url}/api/v1/ledger/status-changes" if ledger_token else None,
            push_token=ledger_token,
        )
        ledger_app = create_ledger_app(ledger_config)
        ledger_runner = await serve(ledger_app, "127.0.0.1", 0)
        stack.push_async_callback(ledger_runner.cleanup)
        ledger_url = f"{_url(ledger_runner)}/webhook"
        faults["ledger"] = ledger_config.sandbox.faults

        rate = rates or {}
        gateways = GatewaySettings(
            public_base_url=web_url,
            aliyun_access_key_id=KEY if "aliyun" in urls else None,
            aliyun_access_key_secret=SECRET,
            aliyun_endpoint=urls.get("aliyun", ""),
            aliyun_rate=rate.get("aliyun", 0.0),
            tencent_secret_id=KEY if "tencent" in urls else None,
            tencent_secret_key=SECRET,
            tencent_sdk_app_id=TENCENT_APP_ID,
            tencent_endpoint=urls.get("tencent", ""),
            tencent_rate=rate.get("tencent", 0.0),
            telegram_bot_token=BOT_TOKEN,
            telegram_api_url=urls["telegram"],
            telegram_rate=rate.get("telegram", 25.0),
            gateway_timeout=5.0,
        )
        yield LocalStack(
            web_url, urls, logs, gateways, ledger_app[LEDGER_SANDBOX], ledger_url, faults
        )


def _url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"
