"""The campaign funnel: one campaign's rows only, the same totals however it is split, and a
campaign read through its own index without the ledger unless split by resident."""

from __future__ import annotations

from dataclasses import astuple
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind
from results import FunnelRow, apply_status_changes, funnel_report
from results.funnel import funnel_query
from tests.campaigns.residents import add_residents, resident
from tests.query_plans import query_plan
from tests.results.fixtures import NOW, add_campaign, add_event, add_message


async def _two_campaigns(engine: AsyncEngine) -> tuple[int, int]:
    ids = await add_residents(
        engine,
        [resident(n, township="勐海镇" if n < 4 else "勐遮镇") for n in range(1, 7)],
    )
    first, second = await add_campaign(engine, "第一轮"), await add_campaign(engine, "第二轮")
    for n, resident_id in enumerate(ids):
        status = "failed" if n % 3 == 2 else "delivered"
        await add_message(
            engine, first, resident_id, status=status, sent_at=NOW - timedelta(days=6)
        )
    await add_message(engine, second, ids[0], sent_at=NOW - timedelta(days=2))
    await add_message(engine, second, ids[3], status="queued")
    await add_event(engine, EventKind.REPLY_RECEIVED, ids[0], NOW - timedelta(days=1))
    await add_event(engine, EventKind.REPLY_RECEIVED, ids[4], NOW - timedelta(days=5))
    changes = [{"id_number": ids[i], "pension_status": "paying"} for i in (0, 4)]
    await apply_status_changes(engine, changes, idempotency_key="f", now=NOW)
    return first, second


async def _plan(engine: AsyncEngine, statement: Select[Any]) -> str:
    """The plan of `statement`; SQLite's `IS NOT ?` (IS DISTINCT FROM) takes no literal."""
    if engine.dialect.name != "sqlite":
        inline = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        return await query_plan(engine, str(inline))
    compiled = statement.compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    order = compiled.positiontup or []
    return await query_plan(engine, str(compiled), tuple(compiled.params[k] for k in order))


def _sum(rows: list[FunnelRow]) -> tuple[int, ...]:
    return tuple(sum(astuple(r)[i] for r in rows) for i in range(1, 6))


async def test_one_campaigns_funnel_and_its_splits_agree(engine: AsyncEngine) -> None:
    """A campaign's funnel counts its own messages only, and its township, group and campaign
    splits add up to its total."""
    first, second = await _two_campaigns(engine)
    (total,) = await funnel_report(engine, campaign_id=first)
    assert astuple(total)[1:] == (6, 6, 4, 2, 1)
    (later,) = await funnel_report(engine, campaign_id=second)
    assert astuple(later)[1:] == (2, 1, 1, 1, 1)
    for split in ("township", "group", "campaign"):
        rows = await funnel_report(engine, campaign_id=first, split=split)
        assert _sum(rows) == astuple(total)[1:], split
    (everything,) = await funnel_report(engine)
    assert astuple(everything)[1:] == (8, 7, 5, 3, 2)


async def test_a_campaigns_total_reads_its_messages_and_not_the_ledger(
    engine: AsyncEngine,
) -> None:
    """One campaign's total reads its messages through (campaign_id, status) and never the
    residents table, which only a split by township or group needs."""
    plan = await _plan(engine, funnel_query(7, None))
    assert "residents" not in plan, plan
    if engine.dialect.name == "sqlite":
        assert "SEARCH messages USING INDEX ix_messages_campaign_status (campaign_id=?)" in plan
    else:
        assert "Index Cond: (campaign_id = 7)" in plan, plan
    assert "residents" in await _plan(engine, funnel_query(7, "township"))
