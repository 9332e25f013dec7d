"""The ledger stand-in: signatures, dedupe by key, faults, status changes pushed back."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from channels.sandbox import serve
from outbox import signed_headers, verify
from tests.outbox.standin import SECRET, ledger_standin, post_raw

ONE = {"events": [{"idempotency_key": "k-1", "event_id": 1, "kind": "opted_out"}]}
BODY = json.dumps(ONE).encode()


async def test_bad_and_stale_signatures_get_401_and_record_nothing(tmp_path: Path) -> None:
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        assert await post_raw(standin.url, BODY, signed_headers("wrong", BODY)) == 401
        tampered = signed_headers(SECRET, BODY)
        assert await post_raw(standin.url, BODY.replace(b"opted_out", b"x"), tampered) == 401
        stale = signed_headers(SECRET, BODY, now=time.time() - 3600)
        assert await post_raw(standin.url, BODY, stale) == 401
        assert await post_raw(standin.url, BODY, {"Content-Type": "application/json"}) == 401
        assert standin.sandbox.core.stats["bad_signature"] == 4
        assert standin.records() == []
        assert await post_raw(standin.url, BODY, signed_headers(SECRET, BODY)) == 200
        assert [r["key"] for r in standin.records()] == ["k-1"]


async def test_a_repeated_key_is_acknowledged_not_recorded_again(tmp_path: Path) -> None:
    log = tmp_path / "ledger.jsonl"
    async with ledger_standin(log) as standin:
        for _ in range(2):
            assert await post_raw(standin.url, BODY, signed_headers(SECRET, BODY)) == 200
        assert standin.sandbox.core.stats["duplicates"] == 1
    async with ledger_standin(log) as restarted:  # keys survive a restart through the log
        assert await post_raw(restarted.url, BODY, signed_headers(SECRET, BODY)) == 200
        assert restarted.sandbox.core.stats["duplicates"] == 1
    assert len(restarted.records()) == 1


async def test_faults_refuse_or_stall(tmp_path: Path) -> None:
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        await standin.faults(down=True)
        assert await post_raw(standin.url, BODY, signed_headers(SECRET, BODY)) == 503
        await standin.faults(reset=True, timeout_after_accept=1.0, stall=2.0)
        timeout = aiohttp.ClientTimeout(total=0.5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                async with session.post(
                    standin.url, data=BODY, headers=signed_headers(SECRET, BODY)
                ) as response:
                    raise AssertionError(f"answered {response.status} instead of stalling")
            except TimeoutError:
                pass
        assert [r["key"] for r in standin.records()] == ["k-1"]  # recorded, then stalled


async def test_status_changes_are_pushed_signed(tmp_path: Path) -> None:
    received: asyncio.Queue[tuple[bool, dict[str, object], dict[str, str]]] = asyncio.Queue()

    async def status_changes(request: web.Request) -> web.Response:
        body = await request.read()
        await received.put(
            (verify(SECRET, request.headers, body), json.loads(body), dict(request.headers))
        )
        return web.json_response({"ok": True})

    service = web.Application()
    service.router.add_post("/api/v1/ledger/status-changes", status_changes)
    runner = await serve(service, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    target = f"http://{host}:{port}/api/v1/ledger/status-changes"
    change = {"id_number": "532501198001010011", "pension_status": "paying", "at": "2026-12-01"}
    try:
        async with (
            ledger_standin(
                tmp_path / "ledger.jsonl", push_url=target, push_token="otk_ledger"
            ) as standin,
            aiohttp.ClientSession() as session,
            session.post(
                f"{standin.base}/_sandbox/status-changes", json={"changes": [change]}
            ) as response,
        ):
            queued = await response.json()
            signed, payload, headers = await asyncio.wait_for(received.get(), timeout=30)
    finally:
        await runner.cleanup()
    assert signed
    assert payload == {"changes": [change], "idempotency_key": queued["idempotency_key"]}
    assert headers["Idempotency-Key"] == queued["idempotency_key"]
    assert headers["Authorization"] == "Bearer otk_ledger"
