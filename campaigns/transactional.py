"""Transactional SMS: messages a resident's own action asks for (a linking code), outside
campaigns.

A transactional template sits in templates/registry.yaml under `transactional:`, apart from the
campaign templates, so no campaign can send it; the provider's approval rules hold for it all
the same. It is sent at any hour, outside the frequency cap, through the first configured SMS
gateway that approved it, and never to a phone on the suppression list.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml
from jinja2 import Environment
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import SUPPRESSIONS
from campaigns.render_sms import SmsTemplate, parse_sms
from campaigns.templates import DEFAULT_REGISTRY, Approval
from channels import Accepted, GatewaySettings, Outbound, Unknown, build_channels
from core import get_logger, mask_phone

log = get_logger("campaigns.transactional")

#: SMS gateways in the order a transactional message tries them (each only when configured and
#: approved).
SMS_ORDER = ("aliyun", "tencent", "twilio")


@dataclass(frozen=True, slots=True)
class TransactionalSms:
    """A template of the registry's `transactional` list: its text and who approved it."""

    name: str
    template: SmsTemplate
    approvals: Mapping[str, Approval]

    @classmethod
    def load(cls, name: str, registry: Path = DEFAULT_REGISTRY) -> TransactionalSms:
        raw = yaml.safe_load(registry.read_text(encoding="utf-8"))
        entries = raw.get("transactional") if isinstance(raw, dict) else None
        entry = next(
            (e for e in entries or () if isinstance(e, dict) and e.get("name") == name), None
        )
        if entry is None:
            raise LookupError(f"no transactional template {name!r} in {registry}")
        source = (registry.parent / entry["files"]["sms"]).read_text(encoding="utf-8")
        # The provider's approval rules (plain variables, one line, no 【】) hold here too.
        template = parse_sms(Environment(autoescape=False), name, source)  # noqa: S701 - SMS text
        if set(template.variables) != set(entry.get("variables") or ()):
            raise ValueError(f"template {name!r} uses {template.variables}, not its variables")
        approvals = {
            provider: Approval(item.get("template_code"), str(item["sign_name"]))
            for provider, item in (entry.get("approvals") or {}).items()
        }
        return cls(name, template, approvals)

    def content(self, provider: str) -> str:
        """The text `provider` approved (`${code}` for aliyun, `{1}` for tencent)."""
        return self.template.content(provider)

    def outbound(self, provider: str, to: str, values: Mapping[str, str]) -> Outbound:
        approval = self.approvals[provider]
        text, params = self.template.fill(values, provider)
        return Outbound(
            ref=f"{self.name}-{secrets.token_hex(6)}",
            to=to,
            text=text,
            template_code=approval.template_code,
            sign_name=approval.sign_name,
            params=params,
        )


def transactional_approvals(provider: str) -> tuple[dict[str, str], set[str]]:
    """What `provider` approved of the registry's transactional templates: template code ->
    content, and sign names (what a stand-in of the provider must know besides campaigns')."""
    registry = yaml.safe_load(DEFAULT_REGISTRY.read_text(encoding="utf-8"))
    templates: dict[str, str] = {}
    signs: set[str] = set()
    for entry in registry.get("transactional") or ():
        sms = TransactionalSms.load(str(entry["name"]))
        approval = sms.approvals.get(provider)
        if approval is None:
            continue
        signs.add(approval.sign_name)
        if approval.template_code:
            templates[approval.template_code] = sms.content(provider)
    return templates, signs


class SmsCodeSender:
    """Sends linking codes by SMS (what bot.linking calls a `CodeSender`).

    A code is rare (a few a day per chat and phone at most), so each send opens its own HTTP
    session: nothing to close when the process stops.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        gateways: GatewaySettings,
        template: TransactionalSms,
        *,
        order: Sequence[str] = SMS_ORDER,
    ) -> None:
        self._engine = engine
        # SMS only: the bot has its own Telegram client.
        self._gateways = gateways.model_copy(update={"telegram_bot_token": None})
        self._template = template
        self._order = [p for p in order if p in template.approvals]

    async def reachable(self, phone: str) -> bool:
        """Not on the suppression list (a resident who said stop gets no code either)."""
        query = select(exists().where(SUPPRESSIONS.c.address == f"sms:{phone}"))
        async with self._engine.connect() as connection:
            suppressed = bool((await connection.execute(query)).scalar())
        return not suppressed

    async def send_code(self, phone: str, code: str) -> bool:
        """Send `code` to `phone`; whether a gateway took it (or may have)."""
        async with aiohttp.ClientSession() as session:
            channels = build_channels(self._gateways, session)
            try:
                for provider in (p for p in self._order if p in channels):
                    outbound = self._template.outbound(provider, phone, {"code": code})
                    [result] = await channels[provider].send([outbound])
                    if isinstance(result, Accepted | Unknown):
                        log.info(
                            "sms.transactional_sent", provider=provider, phone=mask_phone(phone)
                        )
                        return True
                    log.warning(
                        "sms.transactional_refused",
                        provider=provider,
                        phone=mask_phone(phone),
                        result=type(result).__name__,
                    )
            finally:
                for channel in channels.values():
                    await channel.close()
        return False
