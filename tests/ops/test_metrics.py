"""/metrics itself: the route, its instruments, bounded labels, and refreshers that fail."""

from __future__ import annotations

import asyncio
import sys

from redis.asyncio import Redis

from ops.instruments import count_callback, count_estimate, count_faq_abstained
from ops.refreshers import queue_refresher
from tests.ops.scrape import metrics_app

#: Every instrument the issue asks for, as its family is named in the exposition.
FAMILIES = {
    "outreach_messages": "counter",
    "outreach_send_latency_seconds": "histogram",
    "outreach_queue_length": "gauge",
    "outreach_queue_pending": "gauge",
    "outreach_queue_lag": "gauge",
    "outreach_queue_oldest_age_seconds": "gauge",
    "outreach_retries": "counter",
    "outreach_dead_letters": "counter",
    "outreach_ratelimit_waits": "counter",
    "outreach_ratelimit_wait_seconds": "counter",
    "outreach_receipts": "counter",
    "outreach_callbacks": "counter",
    "outreach_faq_questions": "counter",
    "outreach_faq_abstentions": "counter",
    "outreach_estimates": "counter",
    "outreach_outbox_events": "counter",
    "outreach_outbox_post_seconds": "histogram",
    "outreach_outbox_backlog": "gauge",
    "outreach_outbox_oldest_undelivered_age_seconds": "gauge",
    "outreach_conversions": "counter",
    "outreach_conversions_recorded": "gauge",
    "outreach_metrics_refresh_failures": "counter",
}


async def test_every_instrument_is_exposed_with_its_help_and_type() -> None:
    async with metrics_app() as client:
        response = await client.scrape()
    for name, kind in FAMILIES.items():
        assert f"# TYPE {name} {kind}" in response.text or (
            kind == "counter" and f"# TYPE {name}_total counter" in response.text
        ), name
        help_line = next(
            line for line in response.text.splitlines() if line.startswith(f"# HELP {name}")
        )
        assert len(help_line.split(" ", 3)[3]) > 20, name  # a sentence, not a placeholder


async def test_label_values_outside_their_vocabulary_are_counted_as_other() -> None:
    async with metrics_app() as client:
        before = await client.scrape()
        count_callback("13912345678", "receipt", "张三的回执出错了")
        count_faq_abstained("110101199003071234", "我想问问")
        count_estimate("王建国", prefilled=True)
        after = await client.scrape()
    callback = {"provider": "other", "kind": "receipt", "result": "other"}
    assert after.value("outreach_callbacks_total", **callback) == (
        before.value("outreach_callbacks_total", **callback) + 1
    )
    assert after.value("outreach_faq_abstentions_total", channel="other", reason="other") == (
        before.value("outreach_faq_abstentions_total", channel="other", reason="other") + 1
    )
    assert after.value("outreach_estimates_total", channel="other", source="ledger") == (
        before.value("outreach_estimates_total", channel="other", source="ledger") + 1
    )
    for secret in ("13912345678", "110101199003071234", "张三", "我想问问", "王建国"):
        assert secret not in after.text


async def test_a_failing_or_stuck_refresher_is_counted_and_the_scrape_still_answers() -> None:
    unreachable: Redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    async def fine() -> None:
        fine.calls += 1  # type: ignore[attr-defined]

    fine.calls = 0  # type: ignore[attr-defined]
    broken = queue_refresher(unreachable)
    try:
        async with metrics_app([broken, stuck, fine], refresh_within=0.2) as client:
            before = await client.scrape()
            after = await client.scrape()
    finally:
        await unreachable.aclose()
    assert fine.calls == 2  # type: ignore[attr-defined]
    # A refresher not of ops.refreshers is named "other": `stuck` failed, `fine` did not.
    for name in ("queue_depth", "other"):
        failures = after.value("outreach_metrics_refresh_failures_total", refresher=name)
        assert (
            failures == before.value("outreach_metrics_refresh_failures_total", refresher=name) + 1
        ), name


#: Packages that call ops.instruments, and ops itself: each must load first in a process.
FIRST_IMPORTS = ("campaigns", "outbox", "results", "web", "bot", "ops", "ops.refreshers", "worker")


async def test_each_package_imports_first_without_a_cycle() -> None:
    # The domain packages import ops.instruments; ops must never import them back at load.
    async def first(package: str) -> tuple[str, int, bytes]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", f"import {package}", stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        return package, await process.wait(), err

    for package, code, err in await asyncio.gather(*(first(p) for p in FIRST_IMPORTS)):
        assert code == 0, (package, err.decode()[-2000:])
