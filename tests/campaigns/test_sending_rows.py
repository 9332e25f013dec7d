"""The database side of sending, on both stores: plan, launch, claim, record, receipts, upkeep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.definition import CampaignDefinition, MessageClass, parse_definition
from campaigns.model import CAMPAIGNS, EVENTS, MESSAGES, SUPPRESSIONS, UNRECORDED_SEND
from campaigns.planner import Exclusion
from campaigns.receipts import apply_inbound, apply_receipts, is_stop
from campaigns.render import Rendered
from campaigns.render_errors import MessageTooLong
from campaigns.sending import CampaignRules, Outcome, claim, record
from campaigns.service import (
    CampaignError,
    campaign_status,
    cancel_campaign,
    create_campaign,
    launch_campaign,
    load_campaign,
    pause_campaign,
    plan_campaign,
    resume_campaign,
)
from campaigns.unknown import resolve_unknown
from campaigns.upkeep import enqueue_due, expire, finish_campaigns, reclaim_leases
from channels.base import (
    Accepted,
    DeliveryState,
    Failed,
    Found,
    Inbound,
    LookupResult,
    LookupUnavailable,
    NotFound,
    Outbound,
    Receipt,
    RetryLater,
    Unknown,
)
from tests.campaigns.residents import add_residents, resident
from tests.conftest import TODAY
from tests.query_plans import query_plan

# 10:00 in Shanghai: inside the default window.
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
OPEN = CampaignRules(window_opens_at=None, cap_days=7)


class Composer:
    """Personal variables from the row; an SMS of one part unless the name says otherwise."""

    def variables(self, resident: Any) -> dict[str, str]:
        return {"address": resident.name[0] + "先生"}

    def sms_parts(self, variables: Mapping[str, str], provider: str) -> int:
        if variables["address"].startswith("长"):
            raise MessageTooLong("短信过长", "SMS too long: 4 parts")
        return 1


def definition(**changes: Any) -> CampaignDefinition:
    data: dict[str, Any] = {
        "name": "测试活动",
        "segment": {"where": {"field": "pension_status", "eq": "lapsed"}},
        "template": "t",
        "channels": ["telegram", "sms"],
    }
    data.update(changes)
    return parse_definition(data)


async def launched(engine: AsyncEngine, **changes: Any) -> int:
    campaign_id = await create_campaign(
        engine, definition(**changes), MessageClass.PROMOTIONAL, now=NOW
    )
    campaign = await load_campaign(engine, campaign_id)
    await launch_campaign(engine, campaign, Composer(), now=NOW, today=TODAY)
    return campaign_id


async def message_ids(engine: AsyncEngine, campaign_id: int) -> list[int]:
    async with engine.connect() as c:
        rows = await c.execute(
            select(MESSAGES.c.id).where(MESSAGES.c.campaign_id == campaign_id).order_by("id")
        )
        return [r.id for r in rows]


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as c:
        rows = await c.execute(select(MESSAGES.c.status, func.count()).group_by("status"))
        return {r[0]: r[1] for r in rows}


async def test_plan_excludes_with_reasons_and_launch_is_idempotent(engine: AsyncEngine) -> None:
    ids = await add_residents(
        engine,
        [
            resident(1),
            resident(2, chat=777),
            resident(3, phone=None),  # no channel
            resident(4, uninsured_reason="deceased"),
            resident(5),  # opted out below
            resident(6),  # contacted yesterday
            resident(7, name="长发"),  # renders too long
            resident(8, pension_status="paying"),  # not in the segment
        ],
    )
    async with engine.begin() as c:
        await c.execute(
            SUPPRESSIONS.insert().values(
                address="sms:13900000005", source="sms_reply", created_at=NOW
            )
        )
        await c.execute(
            CAMPAIGNS.insert().values(
                name="x",
                state="completed",
                definition="{}",
                priority=2,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        from campaigns.model import CONTACTS

        await c.execute(
            CONTACTS.insert().values(resident_id=ids[5], last_contact_at=NOW - timedelta(days=1))
        )
    campaign_id = await create_campaign(engine, definition(), MessageClass.PROMOTIONAL, now=NOW)
    campaign = await load_campaign(engine, campaign_id)
    plan = await plan_campaign(engine, campaign, Composer(), now=NOW, today=TODAY)
    assert plan.segment_size == 7
    assert plan.recipients == 2
    assert dict(plan.by_channel) == {"sms": 1, "telegram": 1}
    assert dict(plan.excluded) == {
        Exclusion.NO_CHANNEL: 1,
        Exclusion.DECEASED: 1,
        Exclusion.OPTED_OUT: 1,
        Exclusion.CAPPED: 1,
        Exclusion.TOO_LONG: 1,
    }
    assert plan.as_dict()["sms_parts"] == {"per_message": {"1": 1}, "total": 1, "max": 1}
    assert await message_ids(engine, campaign_id) == []  # a plan writes nothing

    state, summary = await launch_campaign(engine, campaign, Composer(), now=NOW, today=TODAY)
    assert state == "running"
    assert summary is not None
    assert summary.recipients == 2
    first = await message_ids(engine, campaign_id)
    assert len(first) == 2
    # Launching again is refused; planning again finds everyone already planned.
    with pytest.raises(CampaignError):
        await launch_campaign(
            engine, await load_campaign(engine, campaign_id), Composer(), now=NOW, today=TODAY
        )
    again = await plan_campaign(
        engine, await load_campaign(engine, campaign_id), Composer(), now=NOW, today=TODAY
    )
    assert again.excluded[Exclusion.ALREADY_PLANNED] == 2
    assert await message_ids(engine, campaign_id) == first


async def test_claim_is_exclusive_and_respects_state_window_and_suppression(
    engine: AsyncEngine,
) -> None:
    await add_residents(engine, [resident(1), resident(2), resident(3)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    rules = {campaign_id: OPEN}

    closed = CampaignRules(window_opens_at=NOW + timedelta(hours=10), cap_days=7)
    assert (
        await claim(engine, ids, {campaign_id: closed}, now=NOW, lease=timedelta(minutes=1)) == []
    )
    async with engine.connect() as c:
        held: Sequence[datetime] = (await c.execute(select(MESSAGES.c.not_before))).scalars().all()
    assert {h.replace(tzinfo=UTC) if h.tzinfo is None else h for h in held} == {
        NOW + timedelta(hours=10)
    }
    later = NOW + timedelta(hours=10)
    # Resident 3 says stop before the window opens.
    await apply_inbound(engine, Inbound("aliyun", "13900000003", "TD"), now=NOW)

    await pause_campaign(engine, campaign_id, now=NOW)
    assert await claim(engine, ids, {}, now=later, lease=timedelta(minutes=1)) == []
    await resume_campaign(engine, campaign_id, now=NOW)

    first = await claim(engine, ids + ids, rules, now=later, lease=timedelta(minutes=1))
    assert sorted(m.id for m in first) == ids[:2]
    assert await claim(engine, ids, rules, now=later, lease=timedelta(minutes=1)) == []
    assert (await statuses(engine)) == {"sending": 2, "suppressed": 1}


async def test_frequency_cap_holds_a_second_campaign(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1)])
    a = await launched(engine, name="甲")
    b = await launched(engine, name="乙")
    ids = await message_ids(engine, a) + await message_ids(engine, b)
    rules = {a: OPEN, b: OPEN}
    got = await claim(engine, ids, rules, now=NOW, lease=timedelta(minutes=1))
    assert len(got) == 1
    async with engine.connect() as c:
        other = (
            await c.execute(
                select(MESSAGES.c.status, MESSAGES.c.not_before).where(MESSAGES.c.id != got[0].id)
            )
        ).one()
    assert other.status == "queued"
    assert other.not_before.replace(tzinfo=UTC) == NOW + timedelta(days=7)

    # The send is refused for good: the reservation is given back, the other may go.
    await record(engine, [Outcome(got[0], "aliyun", Failed("x", "bad"))], now=NOW, max_attempts=3)
    async with engine.begin() as c:
        await c.execute(
            update(MESSAGES).values(not_before=None).where(MESSAGES.c.status == "queued")
        )
    assert len(await claim(engine, ids, rules, now=NOW, lease=timedelta(minutes=1))) == 1


async def test_record_maps_every_outcome(engine: AsyncEngine) -> None:
    await add_residents(
        engine, [resident(i, chat=100 + i if i == 5 else None) for i in range(1, 6)]
    )
    campaign_id = await launched(engine, channels=["telegram", "sms"])
    ids = await message_ids(engine, campaign_id)
    got = {
        m.id: m
        for m in await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    }
    by_channel = sorted(got.values(), key=lambda m: (m.channel, m.id))
    sms = [m for m in by_channel if m.channel == "sms"]
    tg = [m for m in by_channel if m.channel == "telegram"]
    assert (len(sms), len(tg)) == (4, 1)
    outcomes = [
        Outcome(sms[0], "aliyun", Accepted("biz-1"), body="正文", parts=1),
        Outcome(sms[1], "aliyun", RetryLater(30, "throttled")),
        Outcome(sms[2], "aliyun", Failed("isv.MOBILE_NUMBER_ILLEGAL", "bad number")),
        Outcome(sms[3], "aliyun", Unknown("timeout")),
        Outcome(tg[0], "telegram", Failed("forbidden", "blocked", opt_out=True)),
    ]
    await record(engine, outcomes, now=NOW, max_attempts=3)
    assert await statuses(engine) == {"sent": 1, "queued": 1, "failed": 2, "unknown": 1}
    async with engine.connect() as c:
        suppressed: Sequence[str] = (
            (await c.execute(select(SUPPRESSIONS.c.address))).scalars().all()
        )
        retry = (await c.execute(select(MESSAGES).where(MESSAGES.c.id == sms[1].id))).one()
        kinds: Sequence[str] = (await c.execute(select(EVENTS.c.kind))).scalars().all()
    assert suppressed == ["telegram:105"]
    assert retry.not_before.replace(tzinfo=UTC) >= NOW + timedelta(seconds=30)
    assert {
        "message_sent",
        "message_retry",
        "message_failed",
        "message_unknown",
        "opted_out",
    } <= set(kinds)

    # Retries stop at the bound.
    async with engine.begin() as c:
        await c.execute(
            update(MESSAGES).where(MESSAGES.c.id == sms[1].id).values(not_before=None, attempts=2)
        )
    again = await claim(
        engine, [sms[1].id], {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1)
    )
    await record(
        engine, [Outcome(again[0], "aliyun", RetryLater(1, "5xx"))], now=NOW, max_attempts=3
    )
    async with engine.connect() as c:
        final = (await c.execute(select(MESSAGES).where(MESSAGES.c.id == sms[1].id))).one()
    assert (final.status, final.error_code) == ("failed", "retries_exhausted")


async def test_receipts_only_move_forward_and_duplicates_are_noops(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1), resident(2)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    got = await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    await record(
        engine,
        [Outcome(m, "aliyun", Accepted(f"biz-{m.id}")) for m in got],
        now=NOW,
        max_attempts=3,
    )
    delivered = Receipt(
        "aliyun", DeliveryState.DELIVERED, provider_id=f"biz-{ids[0]}", to="13900000001"
    )
    counts = await apply_receipts(engine, [delivered, delivered], now=NOW)
    assert (counts.applied, counts.ignored) == (1, 1)
    late = Receipt("aliyun", DeliveryState.SENT, provider_id=f"biz-{ids[0]}")
    failed_by_ref = Receipt("aliyun", DeliveryState.FAILED, ref=str(ids[1]), error_code="MK:0001")
    stranger = Receipt("aliyun", DeliveryState.DELIVERED, provider_id="nobody")
    counts = await apply_receipts(engine, [late, failed_by_ref, stranger], now=NOW)
    assert (counts.applied, counts.ignored, counts.unmatched) == (1, 1, 1)
    assert await statuses(engine) == {"delivered": 1, "failed": 1}
    async with engine.connect() as c:
        n_delivered = (
            await c.execute(select(func.count()).where(EVENTS.c.kind == "message_delivered"))
        ).scalar_one()
    assert n_delivered == 1


class Lookup:
    """A gateway's status API: answers by our reference, remembers what it was asked."""

    def __init__(self, answers: dict[str, LookupResult]) -> None:
        self.answers = answers
        self.asked: list[Outbound] = []

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        self.asked.append(message)
        return self.answers.get(message.ref, NotFound())


class FakeRenderer:
    """Renders as the dispatcher would: a per-provider template code and the personal text."""

    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered:
        text = f"{variables['address']}您好，请及时续缴养老保险。"
        return Rendered(text, (), "某县人社", f"SMS_{provider}", len(text) + 6, 1)


async def died_mid_send(engine: AsyncEngine, n: int, **changes: Any) -> list[int]:
    """`n` residents whose rows were claimed by a worker that died before recording."""
    await add_residents(engine, [resident(i) for i in range(1, n + 1)])
    campaign_id = await launched(engine, channels=["sms"], **changes)
    ids = await message_ids(engine, campaign_id)
    await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    # Before the lease lapses nothing happens.
    assert await reclaim_leases(engine, now=NOW) == 0
    assert await reclaim_leases(engine, now=NOW + timedelta(minutes=2)) == n
    return ids


async def test_dead_worker_rows_are_resolved_by_lookup_not_resent(engine: AsyncEngine) -> None:
    ids = await died_mid_send(engine, 2)
    lookup = Lookup({str(ids[0]): Found("biz-9", DeliveryState.DELIVERED)})
    resolution = await resolve_unknown(
        engine, {"aliyun": lookup}, FakeRenderer(), now=NOW + timedelta(minutes=5)
    )
    assert (resolution.found, resolution.requeued) == (1, 1)
    assert await statuses(engine) == {"delivered": 1, "queued": 1}
    # Neither provider nor body was stored: the gateway was asked about the message as the
    # dispatcher renders it, template code included (batch records are matched by it).
    assert {(o.template_code, o.text) for o in lookup.asked} == {
        ("SMS_aliyun", "张先生您好，请及时续缴养老保险。")
    }
    async with engine.connect() as c:
        row = (await c.execute(select(MESSAGES).where(MESSAGES.c.id == ids[0]))).one()
    assert (row.provider, row.provider_id) == ("aliyun", "biz-9")
    assert row.body == "张先生您好，请及时续缴养老保险。"


async def test_a_slow_workers_answer_settles_a_row_its_lapsed_lease_made_unknown(
    engine: AsyncEngine,
) -> None:
    """The worker was only slow: what the gateways told it beats any lookup (and a Telegram
    row has none), so its answers land on the rows upkeep had marked unknown."""
    await add_residents(engine, [resident(i) for i in range(1, 5)])
    campaign_id = await launched(engine, channels=["sms"])
    ids = await message_ids(engine, campaign_id)
    got = await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    assert await reclaim_leases(engine, now=NOW + timedelta(minutes=2)) == 4
    assert await statuses(engine) == {"unknown": 4}
    outcomes = [
        Outcome(got[0], "aliyun", Accepted("biz-1"), body="正文", parts=1),
        Outcome(got[1], "aliyun", Failed("isv.MOBILE_NUMBER_ILLEGAL", "bad number")),
        Outcome(got[2], "aliyun", RetryLater(30, "throttled")),
        Outcome(got[3], "aliyun", Unknown("timeout")),  # no news: stays for the lookup
    ]
    later = NOW + timedelta(minutes=3)
    await record(engine, outcomes, now=later, max_attempts=3)
    assert await statuses(engine) == {"sent": 1, "failed": 1, "queued": 1, "unknown": 1}
    async with engine.connect() as c:
        sent_at = await c.scalar(select(MESSAGES.c.sent_at).where(MESSAGES.c.id == got[3].id))
    assert sent_at is not None
    assert sent_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=2)  # kept: expiry runs from it


async def test_a_stale_answer_never_settles_a_row_claimed_again(engine: AsyncEngine) -> None:
    """A slow worker's lease lapsed, the lookup found nothing, and another worker claimed the
    messages again: the first worker's late answers are not about the second's sends. A late
    "retry" must not queue a message that is being sent, nor a late "sent" take its place."""
    await add_residents(engine, [resident(i) for i in range(1, 3)])
    campaign_id = await launched(engine, channels=["sms"])
    ids = await message_ids(engine, campaign_id)
    first = await claim(engine, ids, {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    assert await reclaim_leases(engine, now=NOW + timedelta(minutes=2)) == 2
    resolution = await resolve_unknown(
        engine, {"aliyun": Lookup({})}, FakeRenderer(), now=NOW + timedelta(minutes=3)
    )
    assert resolution.requeued == 2
    second = await claim(
        engine, ids, {campaign_id: OPEN}, now=NOW + timedelta(minutes=4), lease=timedelta(minutes=1)
    )
    assert [m.attempts for m in second] == [m.attempts + 1 for m in first]
    later = NOW + timedelta(minutes=5)
    stale = [
        Outcome(first[0], "aliyun", Accepted("biz-old"), body="正文", parts=1),
        Outcome(first[1], "aliyun", RetryLater(30, "throttled")),
    ]
    await record(engine, stale, now=later, max_attempts=6)
    assert await statuses(engine) == {"sending": 2}
    async with engine.connect() as c:
        late = (await c.execute(select(EVENTS.c.kind).where(EVENTS.c.at == later))).all()
    assert late == []
    fresh = [Outcome(m, "aliyun", Accepted(f"biz-{m.id}"), body="正文", parts=1) for m in second]
    await record(engine, fresh, now=later, max_attempts=6)
    async with engine.connect() as c:
        rows = (await c.execute(select(MESSAGES.c.status, MESSAGES.c.provider_id))).all()
        sent = (
            await c.execute(select(func.count()).where(EVENTS.c.kind == "message_sent"))
        ).scalar_one()
    assert sorted(rows) == sorted(("sent", f"biz-{m.id}") for m in second)
    assert sent == 2


async def test_unknown_rows_with_a_fallback_are_requeued_only_if_neither_gateway_had_them(
    engine: AsyncEngine,
) -> None:
    ids = await died_mid_send(engine, 3, sms_provider="aliyun", sms_fallback="tencent")
    aliyun = Lookup({str(ids[0]): Found("a-1", DeliveryState.SENT)})
    tencent = Lookup({str(ids[1]): Found("t-2", DeliveryState.DELIVERED)})
    resolution = await resolve_unknown(
        engine,
        {"aliyun": aliyun, "tencent": tencent},
        FakeRenderer(),
        now=NOW + timedelta(minutes=5),
    )
    assert (resolution.found, resolution.requeued, resolution.undecided) == (2, 1, 0)
    assert await statuses(engine) == {"sent": 1, "delivered": 1, "queued": 1}
    async with engine.connect() as c:
        providers = {
            r.id: r.provider for r in await c.execute(select(MESSAGES.c.id, MESSAGES.c.provider))
        }
    assert providers == {ids[0]: "aliyun", ids[1]: "tencent", ids[2]: None}
    # The fallback's own template code was used when asking it.
    assert {o.template_code for o in tencent.asked} == {"SMS_tencent"}


async def test_the_gateway_chosen_at_claim_is_the_only_one_asked(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1), resident(2, chat=777)])
    campaign_id = await launched(engine, sms_provider="aliyun", sms_fallback="tencent")
    ids = await message_ids(engine, campaign_id)
    # The primary was marked down: this batch goes through the fallback, and the row says so.
    await claim(
        engine,
        ids,
        {campaign_id: OPEN},
        now=NOW,
        lease=timedelta(minutes=1),
        providers={campaign_id: "tencent"},
    )
    async with engine.connect() as c:
        chosen = (await c.execute(select(MESSAGES.c.channel, MESSAGES.c.provider))).all()
    assert sorted(chosen) == [("sms", "tencent"), ("telegram", "telegram")]
    await reclaim_leases(engine, now=NOW + timedelta(minutes=2))
    aliyun, tencent = Lookup({}), Lookup({})
    resolution = await resolve_unknown(
        engine,
        {"aliyun": aliyun, "tencent": tencent, "telegram": Lookup({})},
        FakeRenderer(),
        now=NOW + timedelta(minutes=5),
    )
    # Absent from the one gateway that could have had it: safe to send again.
    assert resolution.requeued == 2
    assert (len(aliyun.asked), len(tencent.asked)) == (0, 1)


async def test_undecided_rows_do_not_hold_up_the_rest(engine: AsyncEngine) -> None:
    ids = await died_mid_send(engine, 5)
    cannot_tell = LookupUnavailable("gateway busy")
    answers: dict[str, LookupResult] = {str(i): cannot_tell for i in ids[:3]}
    lookup = Lookup(answers)
    later = NOW + timedelta(minutes=5)
    first = await resolve_unknown(engine, {"aliyun": lookup}, FakeRenderer(), now=later, limit=3)
    assert (first.found, first.requeued, first.undecided, first.last_id) == (0, 0, 3, ids[2])
    second = await resolve_unknown(
        engine, {"aliyun": lookup}, FakeRenderer(), now=later, limit=3, after_id=first.last_id
    )
    assert (second.requeued, second.rows) == (2, 2)
    assert await statuses(engine) == {"unknown": 3, "queued": 2}
    # A gateway this worker has no credentials for cannot answer: the rows wait.
    none = await resolve_unknown(engine, {}, FakeRenderer(), now=later)
    assert (none.undecided, none.requeued) == (3, 0)


class Broken(Lookup):
    """A gateway whose answer about one message cannot be read."""

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        if message.ref == self.bad:
            raise ValueError("unreadable answer")
        return await super().lookup(message, sent_at)

    bad = ""


async def test_a_lookup_that_raises_leaves_only_its_own_row_unknown(engine: AsyncEngine) -> None:
    ids = await died_mid_send(engine, 3)
    lookup = Broken({str(ids[2]): Found("", DeliveryState.SENT)})
    lookup.bad = str(ids[0])
    resolution = await resolve_unknown(
        engine, {"aliyun": lookup}, FakeRenderer(), now=NOW + timedelta(minutes=5)
    )
    assert (resolution.found, resolution.requeued, resolution.undecided) == (1, 1, 1)
    assert await statuses(engine) == {"unknown": 1, "queued": 1, "sent": 1}


async def test_a_receipt_for_an_unrecorded_send_finds_the_only_open_row_of_its_number(
    engine: AsyncEngine,
) -> None:
    ids = await died_mid_send(engine, 2)
    async with engine.connect() as c:
        phones = {
            r.id: r.address for r in await c.execute(select(MESSAGES.c.id, MESSAGES.c.address))
        }
    # SendBatchSms messages carry no reference of ours: only the BizId and the number.
    receipt = Receipt("aliyun", DeliveryState.DELIVERED, provider_id="biz-77", to=phones[ids[0]])
    counts = await apply_receipts(engine, [receipt], now=NOW + timedelta(minutes=3))
    assert (counts.applied, counts.unmatched) == (1, 0)
    async with engine.connect() as c:
        row = (await c.execute(select(MESSAGES).where(MESSAGES.c.id == ids[0]))).one()
    assert (row.status, row.provider, row.provider_id) == ("delivered", "aliyun", "biz-77")
    # Another gateway's receipt, or a number with two unrecorded sends, matches nothing.
    other = Receipt("tencent", DeliveryState.DELIVERED, provider_id="t-1", to=phones[ids[1]])
    async with engine.begin() as c:
        await c.execute(update(MESSAGES).where(MESSAGES.c.id == ids[1]).values(provider="aliyun"))
        await c.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id == ids[0])
            .values(status="unknown", provider_id=None, address=phones[ids[1]])
        )
    twice = Receipt("aliyun", DeliveryState.DELIVERED, provider_id="biz-78", to=phones[ids[1]])
    counts = await apply_receipts(engine, [other, twice], now=NOW + timedelta(minutes=3))
    assert (counts.applied, counts.unmatched) == (0, 2)


@pytest.mark.parametrize(
    ("condition", "index"),
    [
        (UNRECORDED_SEND, "ix_messages_address"),
        ("provider = 'aliyun' AND provider_id = 'biz-1'", "ix_messages_provider_id"),
    ],
)
async def test_receipt_lookups_can_use_their_partial_indexes(
    engine: AsyncEngine, condition: str, index: str
) -> None:
    # The indexes hold only the rows receipts look for (migration 0010); a lookup whose
    # condition does not imply the index's predicate would scan the table instead.
    query = f"SELECT id FROM messages WHERE address = '13800000001' AND {condition}"
    assert index in await query_plan(engine, query)


class Queue:
    def __init__(self) -> None:
        self.entries: list[tuple[int, str]] = []

    async def enqueue(self, entries: Sequence[tuple[int, str]]) -> list[str]:
        self.entries.extend(entries)
        return [str(i) for i in range(len(entries))]


async def test_sweep_enqueues_due_rows_once_until_forced(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1), resident(2)])
    campaign_id = await launched(engine)
    queue = Queue()
    recently = NOW - timedelta(minutes=5)
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=recently) == 2
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=recently) == 0
    # After a flush: everything enqueued before the sweep started goes again, once.
    later = NOW + timedelta(seconds=1)
    assert await enqueue_due(engine, queue, now=later, enqueued_before=later) == 2
    assert await enqueue_due(engine, queue, now=later, enqueued_before=later) == 0
    assert [p for p, _ in queue.entries] == [2, 2, 2, 2]
    await pause_campaign(engine, campaign_id, now=NOW)
    assert await enqueue_due(engine, queue, now=later, enqueued_before=later + timedelta(1)) == 0


async def test_rounds_of_one_rebuilding_sweep_never_repeat_rows(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(i) for i in range(1, 8)])
    await launched(engine)
    queue = Queue()
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW, limit=3) == 3
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW, limit=3) == 3
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW, limit=3) == 1
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW, limit=3) == 0
    assert len({m for _, m in queue.entries}) == len(queue.entries) == 7


async def test_expiry_completion_and_cancel(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1), resident(2)])
    campaign_id = await launched(engine)
    ids = await message_ids(engine, campaign_id)
    got = await claim(engine, ids[:1], {campaign_id: OPEN}, now=NOW, lease=timedelta(minutes=1))
    await record(engine, [Outcome(got[0], "aliyun", Accepted("b"))], now=NOW, max_attempts=3)
    assert await finish_campaigns(engine, now=NOW) == []  # one still queued
    assert await cancel_campaign(engine, campaign_id, now=NOW) == 1
    assert await expire(engine, now=NOW + timedelta(hours=71)) == 0
    assert await expire(engine, now=NOW + timedelta(hours=73)) == 1
    status = await campaign_status(engine, campaign_id, now=NOW)
    assert status["state"] == "cancelled"
    assert (status["counts"]["expired"], status["counts"]["cancelled"]) == (1, 1)
    with pytest.raises(CampaignError, match="cannot pause"):
        await pause_campaign(engine, campaign_id, now=NOW)

    other = await launched(engine, name="乙", frequency_cap_days=0)
    got = await claim(
        engine,
        await message_ids(engine, other),
        {other: CampaignRules(None, 0)},
        now=NOW,
        lease=timedelta(minutes=1),
    )
    await record(
        engine, [Outcome(m, "aliyun", Accepted(f"x{m.id}")) for m in got], now=NOW, max_attempts=3
    )
    assert await finish_campaigns(engine, now=NOW) == [other]


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("TD", True),
        ("td。", True),
        (" 退订 ", True),
        ("T", True),
        ("ｒ", True),
        ("我想问一下怎么交", False),
        ("TDD", False),
        ("", False),
    ],
)
def test_stop_words(text: str, stop: bool) -> None:
    assert is_stop(text) is stop
