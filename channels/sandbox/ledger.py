"""Stand-in of the township's ledger system: the webhook the outbox relay posts to.

`POST /webhook` takes a batch `{"deployment", "events": [{"idempotency_key", ...}]}` signed as
outbox/signing.py describes (HMAC-SHA256 of "<X-Outreach-Timestamp>.<body>", header
`X-Outreach-Signature: v1=<hex>`); this module verifies it with its own code, as the real system
would. A bad or stale signature gets 401 and records nothing. Each event whose key is new is
one JSONL line (`{"provider": "ledger", "at", "key", "event_id", "kind", "resident_id", ...}`);
a key seen before (also in the log from an earlier run) is acknowledged and counted in
`duplicates`, not recorded again. A key posted while another request still carries it counts in
`concurrent_duplicates` (two relays posting one event at once).

Faults (`POST /_sandbox/faults`, see SandboxCore): `down` or `error_5xx` answer 503/500 before
recording; `timeout_after_accept` records, then stalls the answer `stall` seconds; `throttle`
answers 429; `latency` delays every answer.

Status changes back: `POST /_sandbox/status-changes` with `{"changes": [{"id_number",
"pension_status", "at"}, ...]}` pushes `{"changes": [...], "idempotency_key": "<uuid>"}`, signed
the same way, with the key also in an `Idempotency-Key` header and the configured bearer token,
to the configured push URL (the service's /api/v1/ledger/status-changes), retried until a 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from channels.sandbox.common import Fault, Push, SandboxConfig, SandboxCore

TIMESTAMP_HEADER = "X-Outreach-Timestamp"
SIGNATURE_HEADER = "X-Outreach-Signature"
TOLERANCE = 300


@dataclass(slots=True)
class LedgerSandboxConfig:
    secret: str
    sandbox: SandboxConfig
    push_url: str | None = None  # where status changes go (the service's status-changes route)
    push_token: str | None = None  # sent as "Authorization: Bearer <token>" when set


def _signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def _signed(secret: str, request: web.Request, body: bytes) -> bool:
    try:
        timestamp = int(request.headers.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > TOLERANCE:
        return False
    return hmac.compare_digest(
        request.headers.get(SIGNATURE_HEADER, ""), _signature(secret, timestamp, body)
    )


def _keys_in(path: Path | None) -> set[str]:
    if path is None or not path.exists():
        return set()
    with path.open(encoding="utf-8") as lines:
        return {str(json.loads(line)["key"]) for line in lines if line.strip()}


class LedgerSandbox:
    def __init__(self, config: LedgerSandboxConfig) -> None:
        self.config = config
        self.core = SandboxCore(config.sandbox)
        self.seen: set[str] = _keys_in(config.sandbox.log_path)
        self._in_flight: Counter[str] = Counter()

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        stats = self.core.stats
        body = await request.read()
        if not _signed(self.config.secret, request, body):
            stats["bad_signature"] += 1
            return web.json_response({"error": "bad signature"}, status=401)
        try:
            events = json.loads(body)["events"]
            keys = [str(event["idempotency_key"]) for event in events]
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "body must be {events: [...]}"}, status=400)
        fault = self.core.pick_fault()
        if fault in (Fault.DOWN, Fault.ERROR_5XX, Fault.DROP):
            stats["refused"] += 1
            return web.json_response({"error": "unavailable"}, status=503)
        if fault is Fault.THROTTLE:
            return web.json_response({"error": "slow down"}, status=429)
        stats["concurrent_duplicates"] += sum(1 for key in keys if self._in_flight[key])
        self._in_flight.update(keys)
        try:
            await self.core.delay()
            records = []
            for event, key in zip(events, keys, strict=True):
                if key in self.seen:
                    stats["duplicates"] += 1
                    continue
                self.seen.add(key)
                records.append(_record(key, event))
            self.core.accept_many(records)
            fresh = len(records)
            if fault is Fault.TIMEOUT_AFTER_ACCEPT:
                await self.core.stall()
        finally:
            self._in_flight.subtract(keys)
            self._in_flight += Counter()  # drop keys no longer in flight
        return web.json_response({"accepted": fresh, "duplicates": len(keys) - fresh})

    async def status_changes(self, request: web.Request) -> web.Response:
        if self.config.push_url is None:
            return web.json_response({"error": "started without a push URL"}, status=404)
        try:
            changes = (await request.json())["changes"]
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'body must be {"changes": [...]}'}, status=400)
        key = uuid.uuid4().hex
        self.push_changes(changes, key)
        return web.json_response({"queued": len(changes), "idempotency_key": key})

    def push_changes(self, changes: list[Any], key: str) -> None:
        """Queue one signed push of status changes to the service."""
        assert self.config.push_url is not None
        body = json.dumps({"changes": changes, "idempotency_key": key}, ensure_ascii=False)
        raw = body.encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: _signature(self.config.secret, timestamp, raw),
            "Idempotency-Key": key,
        }
        if self.config.push_token:
            headers["Authorization"] = f"Bearer {self.config.push_token}"
        self.core.push(Push(self.config.push_url, raw, headers))
        self.core.stats["status_pushes"] += 1


def _record(key: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key,
        "event_id": event.get("event_id"),
        "kind": event.get("kind"),
        "resident_id": event.get("resident_id"),
        "event_at": event.get("at"),
        "data": event.get("data"),
    }


#: The application's LedgerSandbox (tests read `seen` and `core.stats`, and push changes).
LEDGER_SANDBOX = web.AppKey("ledger_sandbox", LedgerSandbox)


def create_app(config: LedgerSandboxConfig) -> web.Application:
    sandbox = LedgerSandbox(config)
    app = web.Application(client_max_size=64 * 1024**2)
    app[LEDGER_SANDBOX] = sandbox
    app.router.add_post("/webhook", sandbox.webhook)
    app.router.add_post("/_sandbox/status-changes", sandbox.status_changes)
    sandbox.core.install(app)
    return app
