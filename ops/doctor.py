"""The checks `outreach doctor` adds to readiness: gateway credentials and template approvals.

- Credentials: each configured gateway gets its harmless signed call (channels.probe_gateway);
  a refused signature, an unknown key or a suspended account is a failure with the fix.
- Templates: the registry must load; a campaign template that no configured SMS provider has
  approved cannot be sent by SMS at all; a campaign that may still send (draft, scheduled,
  running, paused) must use a template its SMS providers approved, through providers that
  have credentials; the answers to residents' SMS questions (REPLY_SMS_PROVIDER and fallback)
  likewise.

Not exported from ops/__init__.py (nor are ops.queue_stats and ops.deadletters): campaigns
imports ops.instruments, so importing the ops package must not import campaigns. The CLI, a
composition root, imports these modules by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    ANSWER_TEMPLATE,
    HANDOFF_TEMPLATE,
    ReplySettings,
    StoredCampaign,
    TemplateRegistry,
    list_campaigns,
    load_campaign,
)
from channels import GatewayProbe, GatewaySettings, probe_gateway
from core import BilingualError
from ops.checks import STORE_WITHIN, CheckResult, describe_error

SMS_PROVIDERS = ("aliyun", "tencent", "twilio")
#: Campaign states that may still send.
LIVE_STATES = frozenset({"draft", "scheduled", "running", "paused"})

_CREDENTIAL_SETTINGS = {
    "aliyun": "ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET",
    "tencent": "TENCENT_SECRET_ID / TENCENT_SECRET_KEY / TENCENT_SDK_APP_ID",
    "twilio": "TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN",
    "telegram": "TELEGRAM_BOT_TOKEN",
}
_ENDPOINT_SETTINGS = {
    "aliyun": "ALIYUN_ENDPOINT",
    "tencent": "TENCENT_ENDPOINT",
    "twilio": "TWILIO_BASE_URL",
    "telegram": "TELEGRAM_API_URL",
}


async def _credentials(settings: GatewaySettings, provider: str, within: float) -> CheckResult:
    name = f"credentials:{provider}"
    try:
        probe = await probe_gateway(settings, provider, within=within)
    except Exception as error:  # an endpoint setting no client can use: a finding, not a crash
        probe = GatewayProbe(
            provider,
            False,
            False,
            f"无法发出检查请求 / the check could not be made: {describe_error(error)}",
        )
    if probe.ok:
        return CheckResult(
            name,
            True,
            f"网关 {provider} 接受了凭据（{probe.call}） / "
            f"gateway {provider} accepted the credentials ({probe.call})",
        )
    if not probe.reached:
        fix = (
            f"检查 {_ENDPOINT_SETTINGS[provider]} 和本机网络 / "
            f"check {_ENDPOINT_SETTINGS[provider]} and this host's network"
        )
    else:
        fix = (
            f"在服务商控制台核对并改正 {_CREDENTIAL_SETTINGS[provider]} / "
            f"check {_CREDENTIAL_SETTINGS[provider]} against the provider's console"
        )
    reason_zh, _, reason_en = probe.reason.partition(" / ")
    return CheckResult(
        name,
        False,
        f"网关 {provider} 的凭据检查未通过{f'（{probe.call}）' if probe.call else ''}："
        f"{reason_zh} / gateway {provider} failed the credentials check"
        f"{f' ({probe.call})' if probe.call else ''}: "
        f"{reason_en or reason_zh}",
        fix,
    )


async def check_credentials(settings: GatewaySettings, *, within: float = 5.0) -> list[CheckResult]:
    """Each configured gateway accepts its credentials; no gateway at all is a failure too."""
    providers = settings.configured()
    if not providers:
        return [
            CheckResult(
                "credentials",
                False,
                "没有配置任何短信网关或 Telegram 机器人，消息无法发出 / "
                "no SMS gateway or Telegram bot is configured: nothing can be sent",
                "在 .env 中设置至少一个网关的凭据（见 .env.example） / "
                "set at least one gateway's credentials in .env (see .env.example)",
            )
        ]
    return list(await asyncio.gather(*(_credentials(settings, p, within) for p in providers)))


@dataclass(frozen=True, slots=True)
class _Approvals:
    registry: TemplateRegistry
    configured: tuple[str, ...]  # SMS providers with credentials

    def approved_by(self, template: str) -> set[str]:
        return set(self.registry.get(template).approvals)


def _not_approved(
    name: str, template: str, provider: str, who: tuple[str, str] = ("", "")
) -> CheckResult:
    who_zh, who_en = who
    return CheckResult(
        name,
        False,
        f"{who_zh}模板“{template}”未经短信服务商 {provider} 审核通过，发送会被拒绝 / "
        f"{who_en}template '{template}' is not approved by SMS provider {provider}: "
        f"its messages would be refused",
        f"把模板文本提交 {provider} 审核，并在 templates/registry.yaml 的 approvals 中登记"
        f"模板编号和签名，或改用已审核的服务商 / submit the template's text to {provider} for "
        f"approval and record its template code and sign in templates/registry.yaml "
        f"(approvals), or use a provider that approved it",
    )


def _registry_findings(approvals: _Approvals) -> list[CheckResult]:
    findings = []
    fully = 0
    for spec in approvals.registry.campaign_templates():
        approved = set(spec.approvals) & set(approvals.configured)
        if approved:
            fully += set(approvals.configured) <= approved
            continue
        providers = "、".join(approvals.configured)
        findings.append(
            CheckResult(
                f"template:{spec.name}",
                False,
                f"活动模板“{spec.name}”未经任何已配置的短信服务商（{providers}）审核 / "
                f"campaign template '{spec.name}' is not approved by any configured SMS "
                f"provider ({', '.join(approvals.configured)})",
                "把模板文本提交服务商审核，并在 templates/registry.yaml 的 approvals 中登记"
                "模板编号和签名 / submit the template's text for approval and record its "
                "template code and sign in templates/registry.yaml (approvals)",
            )
        )
    if not findings:
        total = len(approvals.registry.campaign_templates())
        findings.append(
            CheckResult(
                "templates",
                True,
                f"{total} 个活动模板都有已配置的短信服务商审核通过（{fully} 个全部服务商通过） / "
                f"each of {total} campaign templates is approved by a configured SMS provider "
                f"({fully} by all of them)",
            )
        )
    return findings


def _campaign_findings(campaign: StoredCampaign, approvals: _Approvals) -> list[CheckResult]:
    definition = campaign.definition
    if "sms" not in definition.channels:
        return []
    who_zh = f"活动 {campaign.id}"
    who_en = f"campaign {campaign.id}"
    try:
        approved = approvals.approved_by(definition.template)
    except BilingualError as error:
        return [
            CheckResult(
                f"campaign:{campaign.id}",
                False,
                f"{who_zh}：{error.zh} / {who_en}: {error.en}",
                "在 templates/registry.yaml 中登记该模板，或取消该活动 / "
                "list the template in templates/registry.yaml, or cancel the campaign",
            )
        ]
    findings = []
    for provider in definition.sms_providers():
        if provider not in approved:
            findings.append(
                _not_approved(
                    f"campaign:{campaign.id}",
                    definition.template,
                    provider,
                    (f"{who_zh}使用的", f"{who_en}: "),
                )
            )
        elif provider not in approvals.configured:
            findings.append(
                CheckResult(
                    f"campaign:{campaign.id}",
                    False,
                    f"{who_zh}通过短信服务商 {provider} 发送，但它没有配置凭据 / "
                    f"{who_en} sends through SMS provider {provider}, which has no credentials",
                    f"设置 {_CREDENTIAL_SETTINGS[provider]}，或修改活动的 sms_provider / "
                    f"set {_CREDENTIAL_SETTINGS[provider]}, or change the campaign's sms_provider",
                )
            )
    return findings


def _reply_findings(reply: ReplySettings, approvals: _Approvals) -> list[CheckResult]:
    """REPLY_SMS_PROVIDER has credentials, and each reply template has a configured provider
    among REPLY_SMS_PROVIDER and REPLY_SMS_FALLBACK that approved it (the reply campaign sends
    each template through those of the two that approved it)."""
    listed = ", ".join(approvals.configured)
    # Replies go through the first of the two that this deployment has, as any campaign's
    # messages do. Left at its default, an unconfigured REPLY_SMS_PROVIDER is no mistake when
    # the fallback is configured (an Aliyun-only deployment); named on purpose, it is one.
    through_fallback = (
        "sms_provider" not in reply.model_fields_set and reply.sms_fallback in approvals.configured
    )
    if reply.sms_provider not in approvals.configured and not through_fallback:
        return [
            CheckResult(
                "replies",
                False,
                f"答复居民短信提问的服务商 {reply.sms_provider}（REPLY_SMS_PROVIDER）"
                "没有配置凭据 / "
                f"the provider answering residents' SMS questions, {reply.sms_provider} "
                f"(REPLY_SMS_PROVIDER), has no credentials",
                f"把 REPLY_SMS_PROVIDER 设为已配置的服务商（{listed}） / "
                f"set REPLY_SMS_PROVIDER to a configured provider ({listed})",
            )
        ]
    providers = [p for p in (reply.sms_provider, reply.sms_fallback) if p]
    findings = []
    for template in (ANSWER_TEMPLATE, HANDOFF_TEMPLATE):
        try:
            approved = approvals.approved_by(template)
        except BilingualError as error:
            findings.append(
                CheckResult("replies", False, f"{error.zh} / {error.en}", _REGISTRY_FIX)
            )
            continue
        if not any(p in approved and p in approvals.configured for p in providers):
            if template == ANSWER_TEMPLATE:
                # The worker then hands every SMS question to staff (campaigns.ReplyDesk).
                findings.append(
                    CheckResult(
                        "replies",
                        True,
                        "本系统的短信网关都不能发送答复模板，居民的短信提问一律转工作人员跟进 / "
                        "no SMS gateway here may send the answer template: residents' SMS "
                        f"questions all go to staff (approved by {', '.join(sorted(approved))})",
                    )
                )
                continue
            findings.append(
                _not_approved(
                    "replies",
                    template,
                    " / ".join(providers),
                    ("答复居民提问的", "answers to residents' questions: "),
                )
            )
    return findings


_REGISTRY_FIX = (
    "按错误说明改正 templates/registry.yaml / correct templates/registry.yaml as the error says"
)


async def _live_campaigns(engine: AsyncEngine) -> list[StoredCampaign]:
    rows = await list_campaigns(engine)
    return [
        await load_campaign(engine, int(row["id"])) for row in rows if row["state"] in LIVE_STATES
    ]


async def check_templates(
    engine: AsyncEngine | None,
    gateways: GatewaySettings,
    reply: ReplySettings | None,
    *,
    registry_path: Path | None = None,
    within: float = STORE_WITHIN,
) -> list[CheckResult]:
    """Template approvals against the configured SMS providers (see the module's text).

    `engine` None (the database is not usable) checks the registry only.
    """
    try:
        registry = TemplateRegistry.load(registry_path)
    except BilingualError as error:
        return [CheckResult("templates", False, f"{error.zh} / {error.en}", _REGISTRY_FIX)]
    configured = tuple(p for p in gateways.configured() if p in SMS_PROVIDERS)
    if not configured:
        return [
            CheckResult(
                "templates",
                True,
                "没有配置短信网关，不检查短信模板审核 / "
                "no SMS gateway is configured: SMS template approvals are not checked",
            )
        ]
    approvals = _Approvals(registry, configured)
    findings = _registry_findings(approvals)
    if reply is not None:
        findings.extend(_reply_findings(reply, approvals))
    if engine is not None:
        try:
            campaigns: Sequence[StoredCampaign] = await asyncio.wait_for(
                _live_campaigns(engine), timeout=within
            )
        except Exception as error:
            findings.append(
                CheckResult(
                    "campaigns",
                    False,
                    f"无法读取活动 / cannot read the campaigns: {describe_error(error)}",
                    "先确认数据库可以连接、表结构已是最新 / "
                    "first make sure the database answers and its schema is up to date",
                )
            )
        else:
            for campaign in campaigns:
                findings.extend(_campaign_findings(campaign, approvals))
    return findings
