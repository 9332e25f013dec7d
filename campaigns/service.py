"""Campaign life cycle: create, plan, launch, pause, resume, cancel, status.

    draft ──launch──► scheduled ──(its time)──► running ⇄ paused
      │                   │                       │
      └───────cancel──────┴────────cancel─────────┴──► cancelled      running ──► completed

Every transition is one conditional UPDATE on the current state, so two staff members (or a
staff member and the scheduler) racing on one campaign cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.definition import CampaignDefinition, MessageClass, priority_of
from campaigns.events import EventKind, event_row, write_events
from campaigns.model import CAMPAIGNS, MESSAGES, CampaignState, MessageStatus
from campaigns.planner import Composer, PlanSummary, Recipient, plan_recipients
from campaigns.timing import first_run, next_cron, occurrence_key
from core import BilingualError, is_sqlite, stored_utc

_K = CAMPAIGNS
_M = MESSAGES


class CampaignError(BilingualError):
    """A campaign operation that cannot be done (unknown id, wrong state)."""


STATE_LABELS: Mapping[str, str] = {
    CampaignState.DRAFT: "草稿",
    CampaignState.SCHEDULED: "已排期",
    CampaignState.RUNNING: "发送中",
    CampaignState.PAUSED: "已暂停",
    CampaignState.COMPLETED: "已完成",
    CampaignState.CANCELLED: "已取消",
}


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    id: int
    name: str
    state: str
    definition: CampaignDefinition
    message_class: MessageClass
    priority: int
    next_run_at: datetime | None
    occurrence: str | None


async def create_campaign(
    engine: AsyncEngine,
    definition: CampaignDefinition,
    message_class: MessageClass,
    *,
    now: datetime,
    created_by: str | None = None,
) -> int:
    """Store a validated definition as a draft; answers its id."""
    definition.segment_spec()  # unknown segment: refused now, not at launch
    definition.effective_window(message_class)
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(_K)
            .values(
                name=definition.name,
                state=CampaignState.DRAFT.value,
                definition=definition.to_json(),
                priority=priority_of(message_class),
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
            .returning(_K.c.id)
        )
        campaign_id = int(result.scalar_one())
        await write_events(connection, [_state_event(campaign_id, CampaignState.DRAFT, now)])
    return campaign_id


async def load_campaign(engine: AsyncEngine, campaign_id: int) -> StoredCampaign:
    async with engine.connect() as connection:
        row = (await connection.execute(select(_K).where(_K.c.id == campaign_id))).first()
    if row is None:
        raise CampaignError(
            f"没有编号为 {campaign_id} 的活动", f"no campaign with id {campaign_id}"
        )
    definition = CampaignDefinition.from_json(row.definition)
    message_class = (
        MessageClass.NOTICE
        if row.priority <= priority_of(MessageClass.NOTICE)
        else MessageClass.PROMOTIONAL
    )
    return StoredCampaign(
        row.id,
        row.name,
        row.state,
        definition,
        message_class,
        row.priority,
        _aware(row.next_run_at),
        row.occurrence,
    )


async def list_campaigns(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(_K.c.id, _K.c.name, _K.c.state, _K.c.created_at).order_by(_K.c.id)
            )
        ).all()
    return [
        {"id": r.id, "name": r.name, "state": r.state, "created_at": str(r.created_at)}
        for r in rows
    ]


async def plan_campaign(
    engine: AsyncEngine,
    campaign: StoredCampaign,
    composer: Composer,
    *,
    now: datetime,
    today: date,
    on_progress: Callable[[int], None] | None = None,
) -> PlanSummary:
    """The dry run: nothing is written."""
    occurrence = occurrence_key(
        campaign.definition.schedule, first_run(campaign.definition.schedule, now)
    )
    async with engine.connect() as connection:
        return await plan_recipients(
            connection,
            campaign.definition,
            composer,
            campaign_id=campaign.id,
            occurrence=campaign.occurrence or occurrence,
            now=now,
            today=today,
            message_class=campaign.message_class,
            on_progress=on_progress,
        )


async def launch_campaign(
    engine: AsyncEngine,
    campaign: StoredCampaign,
    composer: Composer,
    *,
    now: datetime,
    today: date,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[str, PlanSummary | None]:
    """Start now (rows created, state running) or schedule for later (state scheduled)."""
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise _wrong_state(campaign, "启动", "launch")
    start = first_run(campaign.definition.schedule, now)
    if start > now:
        await _transition(
            engine,
            campaign.id,
            (CampaignState.DRAFT,),
            CampaignState.SCHEDULED,
            now,
            next_run_at=start,
        )
        return CampaignState.SCHEDULED.value, None
    summary = await start_round(
        engine, campaign, composer, now=now, today=today, run_at=start, on_progress=on_progress
    )
    return CampaignState.RUNNING.value, summary


async def start_round(
    engine: AsyncEngine,
    campaign: StoredCampaign,
    composer: Composer,
    *,
    now: datetime,
    today: date,
    run_at: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> PlanSummary:
    """Create the round's message rows (idempotent) and set the campaign running."""
    occurrence = occurrence_key(campaign.definition.schedule, run_at)
    dialect = sqlite if is_sqlite(str(engine.url)) else postgresql

    async def sink(batch: Sequence[Recipient]) -> None:
        rows = [
            {
                "campaign_id": campaign.id,
                "occurrence": occurrence,
                "resident_id": r.resident_id,
                "channel": r.channel,
                "address": r.address,
                "priority": campaign.priority,
                "status": MessageStatus.QUEUED.value,
                "variables": json.dumps(r.variables, ensure_ascii=False),
                "not_before": r.not_before,
                "attempts": 0,
                "parts": r.parts,
                "created_at": now,
            }
            for r in batch
        ]
        async with engine.begin() as connection:
            await connection.execute(
                dialect.insert(_M)
                .values(rows)
                .on_conflict_do_nothing(
                    index_elements=[_M.c.campaign_id, _M.c.resident_id, _M.c.occurrence]
                )
            )

    async with engine.connect() as connection:
        summary = await plan_recipients(
            connection,
            campaign.definition,
            composer,
            campaign_id=campaign.id,
            occurrence=occurrence,
            now=now,
            today=today,
            message_class=campaign.message_class,
            sink=sink,
            on_progress=on_progress,
        )
    await refresh_statistics(engine)
    await _transition(
        engine,
        campaign.id,
        (CampaignState.DRAFT, CampaignState.SCHEDULED),
        CampaignState.RUNNING,
        now,
        occurrence=occurrence,
        launched_at=now,
        next_run_at=None,
    )
    return summary


async def refresh_statistics(engine: AsyncEngine) -> None:
    """Bring the planner's statistics of the messages table up to date after a launch.

    A launch adds up to a million rows at once. With statistics from before it, PostgreSQL
    believes the campaign has almost no queued rows and plans each claim as a walk over all of
    them through (campaign_id, status) instead of 500 primary-key lookups: 20 s per batch at a
    million rows, measured with autovacuum off (as on our test machines) or not yet caught up.
    ANALYZE samples the table in well under a second. SQLite plans from its own heuristics.
    """
    if is_sqlite(str(engine.url)):
        return
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE messages"))


async def next_run_of(engine: AsyncEngine, campaign_id: int, after: datetime) -> datetime | None:
    """When a recurring campaign runs next (None for one-off campaigns)."""
    campaign = await load_campaign(engine, campaign_id)
    cron = campaign.definition.schedule.cron
    return None if cron is None else next_cron(cron, after)


async def due_campaigns(engine: AsyncEngine, now: datetime) -> list[int]:
    async with engine.connect() as connection:
        return [
            r.id
            for r in await connection.execute(
                select(_K.c.id).where(
                    _K.c.state == CampaignState.SCHEDULED.value, _K.c.next_run_at <= now
                )
            )
        ]


async def pause_campaign(engine: AsyncEngine, campaign_id: int, *, now: datetime) -> None:
    await _transition(engine, campaign_id, (CampaignState.RUNNING,), CampaignState.PAUSED, now)


async def resume_campaign(engine: AsyncEngine, campaign_id: int, *, now: datetime) -> None:
    """Running again; its queued rows are put back on the stream by the next sweep."""
    await _transition(engine, campaign_id, (CampaignState.PAUSED,), CampaignState.RUNNING, now)
    async with engine.begin() as connection:
        await connection.execute(
            update(_M)
            .where(_M.c.campaign_id == campaign_id, _M.c.status == MessageStatus.QUEUED.value)
            .values(enqueued_at=None)
        )


async def cancel_campaign(engine: AsyncEngine, campaign_id: int, *, now: datetime) -> int:
    """Cancelled; messages not yet sent are cancelled too (answers how many)."""
    await _transition(
        engine,
        campaign_id,
        (CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.RUNNING, CampaignState.PAUSED),
        CampaignState.CANCELLED,
        now,
        finished_at=now,
    )
    async with engine.begin() as connection:
        result = await connection.execute(
            update(_M)
            .where(_M.c.campaign_id == campaign_id, _M.c.status == MessageStatus.QUEUED.value)
            .values(status=MessageStatus.CANCELLED.value, finished_at=now)
        )
    return int(result.rowcount)


async def campaign_status(
    engine: AsyncEngine, campaign_id: int, *, now: datetime
) -> dict[str, Any]:
    """State, counts per message status and per channel, and how many are held for later."""
    campaign = await load_campaign(engine, campaign_id)
    async with engine.connect() as connection:
        by_status: dict[str, int] = dict(
            (
                await connection.execute(
                    select(_M.c.status, func.count())
                    .where(_M.c.campaign_id == campaign_id)
                    .group_by(_M.c.status)
                )
            ).all()
        )
        by_channel: dict[str, int] = dict(
            (
                await connection.execute(
                    select(_M.c.channel, func.count())
                    .where(_M.c.campaign_id == campaign_id)
                    .group_by(_M.c.channel)
                )
            ).all()
        )
        held = (
            await connection.execute(
                select(func.count()).where(
                    _M.c.campaign_id == campaign_id,
                    _M.c.status == MessageStatus.QUEUED.value,
                    _M.c.not_before > now,
                )
            )
        ).scalar_one()
    counts = {s.value: int(by_status.get(s.value, 0)) for s in MessageStatus}
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "state_label": STATE_LABELS.get(campaign.state, campaign.state),
        "message_class": campaign.message_class.value,
        "occurrence": campaign.occurrence,
        "next_run_at": campaign.next_run_at.isoformat() if campaign.next_run_at else None,
        "total": sum(counts.values()),
        "counts": counts,
        "by_channel": {str(k): int(v) for k, v in by_channel.items()},
        "held": int(held),
    }


async def _transition(
    engine: AsyncEngine,
    campaign_id: int,
    sources: Sequence[CampaignState],
    target: CampaignState,
    now: datetime,
    **values: Any,
) -> None:
    async with engine.begin() as connection:
        result = await connection.execute(
            update(_K)
            .where(_K.c.id == campaign_id, _K.c.state.in_([s.value for s in sources]))
            .values(state=target.value, updated_at=now, **values)
        )
        if result.rowcount == 0:
            campaign = await load_campaign(engine, campaign_id)  # raises for unknown ids
            verb = {
                CampaignState.PAUSED: ("暂停", "pause"),
                CampaignState.RUNNING: ("启动或恢复", "start or resume"),
                CampaignState.CANCELLED: ("取消", "cancel"),
                CampaignState.SCHEDULED: ("排期", "schedule"),
            }.get(target, (target.value, target.value))
            raise _wrong_state(campaign, *verb)
        await write_events(connection, [_state_event(campaign_id, target, now)])


def _wrong_state(campaign: StoredCampaign, zh_verb: str, en_verb: str) -> CampaignError:
    label = STATE_LABELS.get(campaign.state, campaign.state)
    return CampaignError(
        f"活动 {campaign.id} 当前为“{label}”，不能{zh_verb}",
        f"campaign {campaign.id} is {campaign.state}; cannot {en_verb} it",
    )


def _state_event(campaign_id: int, state: CampaignState, now: datetime) -> dict[str, Any]:
    return event_row(
        EventKind.CAMPAIGN_STATE, now, campaign_id=campaign_id, data={"state": state.value}
    )


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else stored_utc(moment)
