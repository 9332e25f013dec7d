"""Composition root of the background side: send consumers, the leader's scheduled jobs and the
outbox relay to the ledger system (when LEDGER_WEBHOOK_URL is set).

`python worker.py` runs one worker; start as many as needed (on any machines) against one
PostgreSQL and one Redis server: they share the send stream through a consumer group, every
gateway's rate through Redis, and elect one leader for the scheduled jobs. `outreach serve` and
`outreach demo` build the same worker through `build_worker`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    CampaignComposer,
    Dispatcher,
    DispatchSettings,
    Gateway,
    LeaderLock,
    LeaderScheduler,
    Pause,
    ReplyDesk,
    ReplySettings,
    SendQueue,
    SharedRenderer,
    TokenBucket,
    Upkeep,
    Verdict,
    utc_now,
)
from channels import Channel, GatewaySettings, build_channels, unusable_check
from core import (
    configure_logging,
    create_engine,
    create_redis,
    freeze_startup_heap,
    get_logger,
    load_settings,
    run_loop,
    today,
    upgrade_to_head,
)
from faq import Abstained, Answerer
from ops import (
    OpsSettings,
    outbox_refresher,
    queue_refresher,
    readiness_probe,
    run_until_stopped,
    serve_ops,
)
from outbox import Relay, RelaySettings
from pension import province_name

log = get_logger("worker")


class WorkerSettings(BaseSettings):
    """How a worker paces itself (environment variables WORKER_*)."""

    model_config = SettingsConfigDict(
        env_prefix="WORKER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    batch_size: int = 500
    concurrency: int = 16
    max_attempts: int = 6
    lease_seconds: float = 120.0  # a claimed message not recorded by then is "unknown"
    send_margin_seconds: float = 30.0  # of its lease left, or a claimed message goes back unsent
    claim_idle_seconds: float = 60.0  # stream entries of a dead worker are taken over after
    requeue_after_seconds: float = 300.0  # a queued row enqueued this long ago is enqueued again
    unknown_grace_seconds: float = 30.0  # before asking a gateway about an unknown outcome
    outage_seconds: float = 30.0
    pipeline: int = 3  # batches in flight: one read and claimed while another is sent

    def dispatch(self) -> DispatchSettings:
        return DispatchSettings(
            batch_size=self.batch_size,
            concurrency=self.concurrency,
            max_attempts=self.max_attempts,
            lease=timedelta(seconds=self.lease_seconds),
            send_margin=timedelta(seconds=self.send_margin_seconds),
            outage_seconds=self.outage_seconds,
            pipeline=self.pipeline,
        )


class FaqKnowledge:
    """The knowledge base (faq.Answerer) as the replies' `Knowledge`; loaded on first use."""

    def __init__(self, province: str | None = None) -> None:
        self.province = province
        self._answerer: Answerer | None = None

    def __call__(self, question: str) -> Verdict:
        if self._answerer is None:
            self._answerer = Answerer(province=province_name(self.province))
        reply = self._answerer.ask(question)
        if isinstance(reply, Abstained):
            referral = reply.topic.referral() if reply.topic else None
            return Verdict(reply.nearest, reply.confidence, reason=reply.reason, referral=referral)
        entry = reply.entry
        return Verdict(
            entry.id,
            reply.confidence,
            answer=entry.answer,
            varies_by_province=entry.varies_by_province,
            route=entry.route,
        )


@dataclass(slots=True)
class Worker:
    dispatcher: Dispatcher
    upkeep: Upkeep
    leader: LeaderLock
    scheduler: LeaderScheduler
    channels: dict[str, Channel]
    relay: Relay | None = None  # every worker relays: claims are safe with any number

    async def run(self, stop: asyncio.Event, *, lead: bool = True) -> None:
        """Send (and relay events) until `stop` is set; campaign for leadership meanwhile
        (unless `lead` is off).

        Stopping: the dispatcher reads no more, finishes the sends it started and hands back
        the messages it has not (campaigns.handback); the leader steps down, releasing the lock
        for another worker; then the relay delivers what is due, the last sends' events
        included, and stops.
        """
        relay_stop = asyncio.Event()
        async with asyncio.TaskGroup() as tasks:
            if self.relay is not None:
                tasks.create_task(self.relay.run(relay_stop))
            try:
                if not lead:
                    await self.dispatcher.run(stop)
                    return
                async with self.leader.hold(self.scheduler.on_elected, self.scheduler.on_lost):
                    await self.dispatcher.run(stop)
            finally:
                relay_stop.set()


@asynccontextmanager
async def build_worker(
    engine: AsyncEngine,
    redis: Redis,
    gateways: GatewaySettings,
    *,
    consumer: str | None = None,
    dispatch: DispatchSettings | None = None,
    clock: Callable[[], datetime] = utc_now,
    pacing: WorkerSettings | None = None,
    replies: ReplySettings | None = None,
    ledger: RelaySettings | None = None,
) -> AsyncIterator[Worker]:
    """Everything a worker needs, closed on exit."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=gateways.gateway_timeout))
        )
        channels = build_channels(gateways, session)
        for channel in channels.values():
            stack.push_async_callback(channel.close)
        name = consumer or f"{socket.gethostname()}-{os.getpid()}"
        pace = pacing or WorkerSettings()
        queue = SendQueue(redis, consumer=name, claim_idle_ms=int(pace.claim_idle_seconds * 1000))
        pool = {
            provider: Gateway(
                channel=channel,
                gate=TokenBucket(
                    redis,
                    f"outreach:rate:{provider}",
                    rate=gateways.rate(provider),
                    burst=max(channel.max_batch, 1),
                ),
                outage=Pause(redis, provider),
                unusable=unusable_check(provider),
            )
            for provider, channel in channels.items()
        }
        renderer = SharedRenderer()
        answering = replies or ReplySettings()
        desk = ReplyDesk(
            engine,
            FaqKnowledge(answering.province),
            rules=answering.rules(available=channels),
            clock=clock,
        )
        dispatcher = Dispatcher(
            engine, queue, pool, renderer, settings=dispatch or pace.dispatch(), clock=clock
        )
        upkeep = Upkeep(
            engine,
            redis,
            queue,
            lambda definition: CampaignComposer(definition, today=today()),
            channels,
            renderer,
            today=today,
            clock=clock,
            requeue_after=timedelta(seconds=pace.requeue_after_seconds),
            unknown_grace=timedelta(seconds=pace.unknown_grace_seconds),
            desk=desk,
        )
        leader = LeaderLock(redis, "scheduler")
        relaying = ledger or RelaySettings()
        relay = Relay(engine, relaying) if relaying.enabled else None
        yield Worker(dispatcher, upkeep, leader, LeaderScheduler(upkeep), channels, relay)


async def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    ops = OpsSettings()

    async def work(stop: asyncio.Event) -> None:
        engine = create_engine(settings.database_url)
        redis = create_redis(settings.redis_url)
        gateways = GatewaySettings()
        probe = readiness_probe(engine, redis, gateways)
        try:
            # Every worker reports the queue and the outbox (Prometheus may scrape any of them).
            gauges = [queue_refresher(redis), outbox_refresher(engine)]
            async with serve_ops(ops, probe, process="worker", refreshers=gauges, stopping=stop):
                await upgrade_to_head(engine)
                async with build_worker(engine, redis, gateways) as worker:
                    freeze_startup_heap()
                    log.info(
                        "worker_started",
                        gateways=sorted(worker.channels),
                        ledger_relay=worker.relay is not None,
                    )
                    await worker.run(stop)
                    log.info("worker_closing_connections")
        finally:
            await redis.aclose()
            await engine.dispose()
        log.info("worker_stopped")

    return await run_until_stopped(work, grace=ops.shutdown_grace_seconds, process="worker")


if __name__ == "__main__":
    try:
        sys.exit(run_loop(main()))
    except KeyboardInterrupt:  # before the signal handlers are in place
        sys.exit(130)
