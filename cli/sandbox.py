"""`outreach sandbox …`: local stand-ins of the SMS gateways, Telegram's Bot API and the ledger
system's webhook."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated

import typer
from aiohttp import web

from channels.sandbox import (
    SMS_PROVIDERS,
    FloodLimits,
    LedgerSandboxConfig,
    ReceiptOptions,
    SandboxConfig,
    TelegramSandboxConfig,
    create_ledger_app,
    create_sms_app,
    create_telegram_app,
    run_forever,
)
from cli.context import console, fail
from core import configure_logging, load_settings, run_loop

DEFAULT_SECRET = "sandbox-secret"  # noqa: S105 - the stand-in's default credential
DEFAULT_BOT_TOKEN = "7000000001:sandbox-token"  # noqa: S105 - the stand-in's default token

app = typer.Typer(help="本地网关模拟器 / Local gateway stand-ins.", no_args_is_help=True)

PortOpt = Annotated[int, typer.Option("--port", help="监听端口 / Port to listen on.")]
LogOpt = Annotated[
    Path | None, typer.Option("--log", help="每条已接收消息写一行 JSONL / JSONL log.")
]
HostOpt = Annotated[str, typer.Option("--host", help="监听地址 / Address to bind.")]


@app.command("sms")
def sms(
    provider: Annotated[str, typer.Option("--provider", help="aliyun | tencent | twilio")],
    port: PortOpt,
    log: LogOpt = None,
    host: HostOpt = "127.0.0.1",
    callback: Annotated[
        str | None,
        typer.Option(
            "--callback",
            help="服务的回调根地址，回执与回复推送到 {根}/callbacks/{provider}/receipts|replies "
            "/ Service base URL for receipts and replies.",
        ),
    ] = None,
    key: Annotated[str, typer.Option("--key", help="AccessKeyId / SecretId / Account SID")] = (
        "sandbox-key"
    ),
    secret: Annotated[
        str, typer.Option("--secret", help="对应密钥 / The secret.")
    ] = DEFAULT_SECRET,
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="已审批模板 JSON {代码: 内容} / Approved templates."),
    ] = None,
    receipt_delay: Annotated[float, typer.Option(help="回执延迟秒 / Receipt delay (s).")] = 0.2,
    receipt_failure: Annotated[float, typer.Option(help="未送达比例 / Undelivered share.")] = 0.0,
    receipt_duplicates: Annotated[
        float, typer.Option(help="重复回执比例 / Duplicate share.")
    ] = 0.0,
    receipt_reorder: Annotated[float, typer.Option(help="乱序比例 / Out-of-order share.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="随机种子 / Random seed.")] = None,
) -> None:
    """启动一个短信网关模拟器 / Run an SMS gateway stand-in."""
    if provider not in SMS_PROVIDERS:
        fail(
            f"不支持的短信服务商“{provider}”，可选：{'、'.join(SMS_PROVIDERS)}",
            f"unknown provider {provider!r}; choose one of {', '.join(SMS_PROVIDERS)}",
        )
    approved: dict[str, str] | None = None
    if templates is not None:
        try:
            approved = json.loads(templates.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            fail(f"无法读取模板文件 {templates}", f"cannot read templates file {templates}")
    base = callback.rstrip("/") if callback else None
    config = SandboxConfig(
        provider=provider,
        log_path=log,
        callback_url=f"{base}/callbacks/{provider}/receipts" if base else None,
        reply_url=f"{base}/callbacks/{provider}/replies" if base else None,
        key=key,
        secret=secret,
        seed=seed,
        receipts=ReceiptOptions(
            delay=receipt_delay,
            failure=receipt_failure,
            duplicates=receipt_duplicates,
            reorder=receipt_reorder,
        ),
        templates=approved,
    )
    _serve(
        create_sms_app(provider, config), host, port, f"{provider} 短信网关模拟器 / SMS stand-in"
    )


@app.command("telegram")
def telegram(
    port: PortOpt,
    log: LogOpt = None,
    host: HostOpt = "127.0.0.1",
    token: Annotated[str, typer.Option("--token", help="机器人令牌 / Bot token.")] = (
        DEFAULT_BOT_TOKEN
    ),
    seed: Annotated[int | None, typer.Option(help="随机种子 / Random seed.")] = None,
    flood: Annotated[
        bool,
        typer.Option(
            help="限速：全局每秒 30 条、每个会话每秒 1 条 / Telegram's flood limits "
            "(30 messages a second overall, 1 a second per chat); --no-flood for benchmarks."
        ),
    ] = True,
) -> None:
    """启动 Telegram Bot API 模拟器 / Run the Telegram Bot API stand-in."""
    config = TelegramSandboxConfig(
        token=token, sandbox=SandboxConfig(provider="telegram", log_path=log, seed=seed)
    )
    if not flood:
        config.flood = FloodLimits(overall_per_second=0, per_chat_per_second=0)
    _serve(create_telegram_app(config), host, port, "Telegram Bot API 模拟器 / stand-in")


@app.command("ledger")
def ledger(
    port: PortOpt,
    secret: Annotated[
        str, typer.Option("--secret", help="签名密钥（同 LEDGER_WEBHOOK_SECRET）/ HMAC secret.")
    ],
    log: LogOpt = None,
    host: HostOpt = "127.0.0.1",
    push_url: Annotated[
        str | None,
        typer.Option(
            "--push-url",
            help="参保状态变化推送地址，如 http://127.0.0.1:8080/api/v1/ledger/status-changes "
            "/ Where status changes are pushed.",
        ),
    ] = None,
    push_token: Annotated[
        str | None,
        typer.Option("--push-token", help="推送用的 API 令牌（ledger 角色）/ Bearer token."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="随机种子 / Random seed.")] = None,
) -> None:
    """启动台账系统模拟器（接收事件推送）/ Run the ledger system's webhook stand-in."""
    config = LedgerSandboxConfig(
        secret=secret,
        sandbox=SandboxConfig(provider="ledger", log_path=log, seed=seed),
        push_url=push_url,
        push_token=push_token,
    )
    _serve(
        create_ledger_app(config),
        host,
        port,
        "台账系统模拟器（事件推送 POST /webhook）/ Ledger system stand-in (POST /webhook)",
    )


def _serve(application: web.Application, host: str, port: int, what: str) -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    console.print(f"{what}: http://{host}:{port}  (Ctrl+C 停止 / to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        run_loop(run_forever(application, host, port))
