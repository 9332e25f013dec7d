"""The send loop of a worker: read ids from the stream, claim, render, send, record.

Any number of workers run this loop against one consumer group. Per batch:

1. read up to `batch_size` entries (highest priority first; entries of dead workers reclaimed);
2. `claim` the rows (the exactly-once step), then ack the entries: from here the row is the
   truth, and a crash leaves a `sending` row that upkeep resolves by asking the gateway;
3. render each message for the gateway it will go through — the campaign's primary SMS
   provider, or its fallback while the primary is marked down (a shared Redis flag, so every
   worker switches together);
4. send in the gateway's batch size, each request waiting for tokens of that gateway's shared
   bucket, several requests in flight at once;
5. `record` every outcome in one transaction.

Several batches are in flight at once (`DispatchSettings.pipeline`), so the gateway is never
idle while the database works, and the other way round.

Stopping (the `stop` event of `run`): no new batch is read; gateway requests already started
finish and are recorded; claimed messages still waiting for their gateway's rate are handed
back unsent (campaigns.handback), so another worker sends them at once.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.definition import CampaignDefinition, MessageClass
from campaigns.handback import hand_back
from campaigns.model import CAMPAIGNS, CampaignState
from campaigns.render import Rendered
from campaigns.sending import CampaignRules, Claimed, Outcome, claim, record
from campaigns.stream import Delivery
from campaigns.timing import next_open, utc_now
from channels.base import Channel, Failed, Outbound, RetryLater, SendResult
from core import BilingualError, get_logger, resident_ref, run_bound
from ops.instruments import timed_send

log = get_logger("campaigns.dispatcher")

#: The result of a claimed message this worker did not send because it is stopping.
HANDED_BACK = RetryLater(0.0, "worker stopping: handed back", counts_attempt=False)


class MessageRenderer(Protocol):
    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered: ...


class Gate(Protocol):
    """A gateway's shared token bucket."""

    async def wait_for(self, n: int = 1) -> float: ...


class Outage(Protocol):
    """A gateway's shared "down until" flag."""

    async def hold(self, seconds: float, reason: str = "") -> float: ...

    async def remaining(self) -> float: ...


@dataclass(slots=True)
class Gateway:
    """One configured gateway: its channel, rate gate and outage flag."""

    channel: Channel
    gate: Gate
    outage: Outage
    unusable: Callable[[SendResult], bool] = lambda _r: False


@dataclass(frozen=True, slots=True)
class RunningCampaign:
    id: int
    definition: CampaignDefinition
    message_class: MessageClass
    rules: CampaignRules


@dataclass(slots=True)
class DispatchSettings:
    batch_size: int = 500
    block_ms: int = 500
    lease: timedelta = timedelta(minutes=2)
    #: A claimed message is sent only while at least this much of its lease is left (at most
    #: half the lease); past that it is handed back unsent (see `Dispatcher._send_chunk`).
    send_margin: timedelta = timedelta(seconds=30)
    max_attempts: int = 6
    concurrency: int = 16  # gateway requests in flight per worker
    outage_seconds: float = 30.0  # how long a gateway stays marked down after a failure
    failures_to_fail_over: int = 3  # whole requests failed in a row before marking it down
    campaign_refresh: float = 1.0  # seconds between reloads of the running campaigns
    pipeline: int = 3  # batches in flight per worker (reading, sending, recording)


@dataclass(slots=True)
class DispatchStats:
    batches: int = 0
    claimed: int = 0
    handed_back: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Dispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        queue: Any,
        gateways: Mapping[str, Gateway],
        renderer: MessageRenderer,
        *,
        settings: DispatchSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._queue = queue
        self._gateways = gateways
        self._renderer = renderer
        self._settings = settings or DispatchSettings()
        self._clock = clock
        self._campaigns: dict[int, RunningCampaign] = {}
        self._loaded_at = 0.0
        self._inflight = asyncio.Semaphore(self._settings.concurrency)
        self.stats = DispatchStats()
        self._failures: dict[str, int] = defaultdict(int)
        self._stop: asyncio.Event | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Serve the stream until `stop` is set; batches in hand are always finished.

        Up to `pipeline` batches are in flight at once: while one waits for the gateway,
        the next is read and claimed, and another is recorded, so neither the gateway nor
        the database sits idle while the other works.
        """
        await self._queue.ensure_groups()
        self._stop = stop
        slots = asyncio.Semaphore(max(self._settings.pipeline, 1))
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                await slots.acquire()
                if stop.is_set():
                    break
                try:
                    deliveries = await self._queue.read(
                        count=self._settings.batch_size, block_ms=self._settings.block_ms
                    )
                except (RedisError, OSError) as error:
                    # Redis restarting or unreachable: the rows keep the truth; try again soon.
                    slots.release()
                    log.warning("send_queue_unavailable", error=type(error).__name__)
                    await asyncio.sleep(1.0)
                    continue
                if not deliveries:
                    slots.release()
                    continue
                task = asyncio.create_task(self._guarded(deliveries, slots))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
        finally:
            if inflight:
                log.info("dispatcher_finishing", batches=len(inflight))
                await asyncio.gather(*inflight, return_exceptions=True)
            if stop.is_set():
                log.info("dispatcher_stopped", handed_back=self.stats.handed_back)

    async def _guarded(self, deliveries: Sequence[Delivery], slots: asyncio.Semaphore) -> None:
        try:
            await self.handle(deliveries)
        except Exception:
            # The database refused or vanished (after `in_transaction`'s retries), or a bug:
            # the worker stays up. Unacked entries are redelivered once idle; claimed rows
            # whose outcome was not recorded lapse into `unknown` and are looked up.
            log.exception("send_batch_failed", entries=len(deliveries))
            await asyncio.sleep(1.0)
        finally:
            slots.release()

    async def handle(self, deliveries: Sequence[Delivery]) -> None:
        now = self._clock()
        campaigns = await self._running(now)
        ids = [int(d.message_id) for d in deliveries if d.message_id.isdigit()]
        rules = {c.id: c.rules for c in campaigns.values()}
        # One look at every gateway's "down" flag per batch, before anything is claimed.
        paused = {name: await g.outage.remaining() for name, g in self._gateways.items()}
        providers = {c.id: self._sms_provider(c, paused) for c in campaigns.values()}
        lease = self._settings.lease
        claimed = await claim(self._engine, ids, rules, now=now, lease=lease, providers=providers)
        send_by = now + lease - min(self._settings.send_margin, lease / 2)
        await self._queue.ack(deliveries)
        self.stats.batches += 1
        self.stats.claimed += len(claimed)
        if not claimed:
            return
        outcomes = await self._send_all(claimed, campaigns, paused, send_by)
        unsent = [o.message for o in outcomes if o.result is HANDED_BACK]
        if unsent:
            outcomes = [o for o in outcomes if o.result is not HANDED_BACK]
            returned = await hand_back(self._engine, self._queue, unsent, now=self._clock())
            self.stats.handed_back += returned
            log.info("send_handed_back", messages=returned)
        counts = await record(
            self._engine, outcomes, now=self._clock(), max_attempts=self._settings.max_attempts
        )
        for name, n in counts.items():
            self.stats.outcomes[name] += n

    async def _send_all(
        self,
        claimed: Sequence[Claimed],
        campaigns: Mapping[int, RunningCampaign],
        paused: Mapping[str, float],
        send_by: datetime,
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        groups: dict[tuple[str, str | None], list[tuple[Claimed, Outbound, Rendered]]] = (
            defaultdict(list)
        )
        for message in claimed:
            campaign = campaigns.get(message.campaign_id)
            provider = self._provider_for(message, campaign, paused)
            if campaign is None or provider is None:
                wait = self._paused_for(message, campaign, paused)
                outcomes.append(
                    Outcome(
                        message,
                        provider or "-",
                        RetryLater(wait, "网关暂停 / every gateway paused", counts_attempt=False),
                    )
                )
                continue
            try:
                rendered = self._renderer.render_message(
                    campaign.definition.template, message.channel, provider, message.variables
                )
            except BilingualError as exc:
                outcomes.append(Outcome(message, provider, Failed("render_error", exc.en)))
                continue
            outbound = Outbound(
                ref=str(message.id),
                to=message.address,
                text=rendered.text,
                template_code=rendered.template_code,
                sign_name=rendered.sign_name,
                params=rendered.params,
            )
            groups[(provider, rendered.template_code)].append((message, outbound, rendered))
        tasks = []
        for (provider, _code), items in groups.items():
            gateway = self._gateways[provider]
            size = max(gateway.channel.max_batch, 1)
            for start in range(0, len(items), size):
                part = items[start : start + size]
                send = self._send_chunk(provider, gateway, part, send_by)
                # Each request's lines (the channel's, errors) carry its campaign and messages.
                tasks.append(run_bound(send, **_send_context(provider, part)))
        for chunk in await asyncio.gather(*tasks):
            outcomes.extend(chunk)
        return outcomes

    async def _send_chunk(
        self,
        provider: str,
        gateway: Gateway,
        items: Sequence[tuple[Claimed, Outbound, Rendered]],
        send_by: datetime,
    ) -> list[Outcome]:
        """Send one request's worth of messages once the gateway's rate admits them.

        Not sent, but handed back: when the worker begins stopping while they wait, and when
        the wait ran so close to the end of their lease that upkeep could take them for a dead
        worker's before the gateway answers (a slow shared rate, many workers). Upkeep would
        mark them `unknown` and ask the gateway; asked before this late send arrived, it would
        find nothing and queue them again: the resident would get the message twice.
        """
        async with self._inflight:
            if not await self._admitted(gateway, len(items)):
                return [Outcome(message, provider, HANDED_BACK) for message, _, _ in items]
            if self._clock() > send_by:
                log.warning("send_lease_running_out", gateway=provider, messages=len(items))
                return [Outcome(message, provider, HANDED_BACK) for message, _, _ in items]
            with timed_send(provider):
                results = await gateway.channel.send([outbound for _, outbound, _ in items])
        await self._watch_health(provider, gateway, results)
        return [
            Outcome(message, provider, result, body=outbound.text, parts=rendered.parts)
            for (message, outbound, rendered), result in zip(items, results, strict=True)
        ]

    async def _admitted(self, gateway: Gateway, n: int) -> bool:
        """Wait for `n` of the gateway's tokens; False if the worker began stopping first."""
        stop = self._stop
        if stop is None:
            await gateway.gate.wait_for(n)
            return True
        if stop.is_set():
            return False
        tokens = asyncio.ensure_future(gateway.gate.wait_for(n))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({tokens, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not tokens.done():
                tokens.cancel()
                await asyncio.wait({tokens})  # tokens already taken are simply not used
        if tokens.cancelled():
            return False
        tokens.result()
        return True

    async def _watch_health(
        self, provider: str, gateway: Gateway, results: Sequence[SendResult]
    ) -> None:
        """Mark a gateway down (for every worker) when it is unusable or keeps failing.

        Credentials or balance refused: at once. Whole requests answered "retry later" (5xx,
        outage, connection refused, throttling): after `failures_to_fail_over` in a row.
        Campaigns with a fallback provider switch to it while the mark lasts.
        """
        if not results:
            return
        if all(gateway.unusable(r) for r in results):
            reason = "unusable"
        elif all(isinstance(r, RetryLater) for r in results):
            self._failures[provider] += 1
            if self._failures[provider] < self._settings.failures_to_fail_over:
                return
            reason = "failing"
        else:
            self._failures[provider] = 0
            return
        self._failures[provider] = 0
        await gateway.outage.hold(self._settings.outage_seconds, f"{provider} {reason}")
        log.warning("gateway_marked_down", gateway=provider, reason=reason)

    def _provider_for(
        self, message: Claimed, campaign: RunningCampaign | None, paused: Mapping[str, float]
    ) -> str | None:
        if campaign is None:
            return None
        if message.channel == "telegram":
            return "telegram" if paused.get("telegram", 1.0) <= 0 else None
        return self._sms_provider(campaign, paused)

    @staticmethod
    def _sms_provider(campaign: RunningCampaign, paused: Mapping[str, float]) -> str | None:
        """The campaign's first SMS gateway that this worker has and that is not marked down."""
        for provider in campaign.definition.sms_providers():
            if paused.get(provider, 1.0) <= 0:
                return provider
        return None

    def _paused_for(
        self, message: Claimed, campaign: RunningCampaign | None, paused: Mapping[str, float]
    ) -> float:
        """How long until one of the message's gateways may be used again (at least 1 s)."""
        providers = (
            ("telegram",)
            if message.channel == "telegram" or campaign is None
            else campaign.definition.sms_providers()
        )
        waits = [paused[p] for p in providers if p in paused]
        return max(min(waits, default=60.0), 1.0)

    async def _running(self, now: datetime) -> dict[int, RunningCampaign]:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._loaded_at < self._settings.campaign_refresh:
            return self._refresh_windows(now)
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(CAMPAIGNS.c.id, CAMPAIGNS.c.definition, CAMPAIGNS.c.priority).where(
                        CAMPAIGNS.c.state == CampaignState.RUNNING.value
                    )
                )
            ).all()
        campaigns: dict[int, RunningCampaign] = {}
        for row in rows:
            definition = CampaignDefinition.model_validate(json.loads(row.definition))
            message_class = MessageClass.NOTICE if row.priority <= 1 else MessageClass.PROMOTIONAL
            rules = CampaignRules(
                window_opens_at=next_open(now, definition.effective_window(message_class)),
                cap_days=definition.frequency_cap_days,
            )
            campaigns[row.id] = RunningCampaign(row.id, definition, message_class, rules)
        self._campaigns = campaigns
        self._loaded_at = loop_time
        return campaigns

    def _refresh_windows(self, now: datetime) -> dict[int, RunningCampaign]:
        return {
            cid: RunningCampaign(
                c.id,
                c.definition,
                c.message_class,
                CampaignRules(
                    next_open(now, c.definition.effective_window(c.message_class)),
                    c.rules.cap_days,
                ),
            )
            for cid, c in self._campaigns.items()
        }


def _send_context(
    provider: str, items: Sequence[tuple[Claimed, Outbound, Rendered]]
) -> dict[str, object]:
    """The ids a gateway request's log lines carry: its gateway, campaign(s) and message(s),
    and for a single message its resident (masked ID number)."""
    messages = [message for message, _, _ in items]
    campaigns = sorted({m.campaign_id for m in messages})
    context: dict[str, object] = {"gateway": provider}
    if len(campaigns) == 1:
        context["campaign_id"] = campaigns[0]
    else:
        context["campaign_ids"] = campaigns
    if len(messages) == 1:
        context["message_id"] = messages[0].id
        context["resident"] = resident_ref(messages[0].resident_id)
    else:
        context["message_ids"] = [m.id for m in messages]
    return context
