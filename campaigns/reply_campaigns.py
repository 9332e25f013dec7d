"""The standing campaigns that carry replies to residents' SMS questions.

A reply is a message row like any other, so that the claim (suppression list, frequency cap,
exactly-once), the send window, the rate gates, receipts, unknown-outcome lookups and expiry all
apply to it. A message row belongs to a campaign, and a campaign has one template: so there are
two standing campaigns, one for answers and one for hand-off notices, created (running) the first
time a reply is needed and never completed (`finish_campaigns` leaves them alone). Their rows:

- priority `Priority.REPLY` (the replies stream, served before notices and promotional);
- the window of `ReplyRules` (08:00–20:00 by default): a reply due at night is held, not dropped;
- frequency cap 0 days: a reply to the resident's own question is never held by the cap, but the
  claim still records the contact, so the next outreach message waits out its cap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.definition import CampaignDefinition, MessageClass, Priority, Window
from campaigns.model import CAMPAIGNS, SYSTEM_REPLIES, CampaignState
from campaigns.render_errors import TemplateNotApproved
from campaigns.templates import TemplateRegistry

ANSWER_TEMPLATE = "question_answer"
HANDOFF_TEMPLATE = "question_handoff"
_NAMES = {ANSWER_TEMPLATE: "居民短信提问自动答复", HANDOFF_TEMPLATE: "居民短信提问转人工告知"}
#: Not a built-in segment on purpose: planning or launching a reply campaign is refused.
_NO_SEGMENT = "replies-to-questions"

_K = CAMPAIGNS


@dataclass(frozen=True, slots=True)
class ReplyRules:
    """How replies go out (the worker reads them from REPLY_* settings)."""

    sms_provider: str = "tencent"
    sms_fallback: str | None = "aliyun"
    max_sms_parts: int = 3
    window: Window = field(default_factory=lambda: Window(start=time(8, 0), end=time(20, 0)))
    #: A resident whose open question was told "staff will follow up" within this time is not
    #: told again for their next question.
    notice_quiet: timedelta = timedelta(hours=24)
    #: The SMS gateways this deployment has (credentials set); None: not known here, and
    #: `sms_provider` and `sms_fallback` are taken as they are.
    available: frozenset[str] | None = None


def reply_definition(
    template: str, rules: ReplyRules, registry: TemplateRegistry
) -> CampaignDefinition:
    """The standing campaign of `template`, over the rules' SMS gateways that approved it (and
    that the deployment has, when the rules know); TemplateNotApproved when there is none."""
    spec = registry.get(template)
    providers = [
        p
        for p in (rules.sms_provider, rules.sms_fallback)
        if p and p in spec.approvals and (rules.available is None or p in rules.available)
    ]
    if not providers:
        approved = ", ".join(spec.approvals) or "(none)"
        raise TemplateNotApproved(
            f"回复模板“{template}”未经所配置的短信服务商审核，请改用：{approved}",
            f"reply template '{template}' is not approved by the configured SMS providers; "
            f"use one of: {approved}",
        )
    return CampaignDefinition.model_validate(
        {
            "name": _NAMES.get(template, template),
            "segment": _NO_SEGMENT,
            "template": template,
            "channels": ["sms"],
            "sms_provider": providers[0],
            "sms_fallback": providers[1] if len(providers) > 1 else None,
            "message_class": MessageClass.NOTICE.value,
            "window": {"start": rules.window.start, "end": rules.window.end},
            "frequency_cap_days": 0,
            "max_sms_parts": rules.max_sms_parts,
        }
    )


async def reply_campaigns(
    connection: AsyncConnection, definitions: Mapping[str, CampaignDefinition], *, now: datetime
) -> dict[str, int]:
    """Template → id of its standing reply campaign: created running when missing, its
    definition brought up to date when the settings changed. A campaign staff cancelled is
    replaced; one they paused stays paused (its replies wait)."""
    rows = (
        await connection.execute(
            select(_K.c.id, _K.c.definition)
            .where(
                _K.c.created_by == SYSTEM_REPLIES,
                _K.c.state != CampaignState.CANCELLED.value,
            )
            .order_by(_K.c.id)
        )
    ).all()
    found: dict[str, tuple[int, str]] = {}
    for row in rows:
        template = str(json.loads(row.definition).get("template"))
        found.setdefault(template, (int(row.id), str(row.definition)))
    ids: dict[str, int] = {}
    for template, definition in definitions.items():
        wanted = definition.to_json()
        if template in found:
            campaign_id, stored = found[template]
            if stored != wanted:
                await connection.execute(
                    update(_K)
                    .where(_K.c.id == campaign_id)
                    .values(definition=wanted, updated_at=now)
                )
            ids[template] = campaign_id
            continue
        created = await connection.execute(
            insert(_K)
            .values(
                name=definition.name,
                state=CampaignState.RUNNING.value,
                definition=wanted,
                priority=Priority.REPLY,
                occurrence="once",
                created_by=SYSTEM_REPLIES,
                created_at=now,
                updated_at=now,
                launched_at=now,
            )
            .returning(_K.c.id)
        )
        ids[template] = int(created.scalar_one())
    return ids
