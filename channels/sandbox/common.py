"""What every gateway stand-in shares: the JSONL log, faults, per-number limits, callbacks.

A provider's stand-in (aliyun.py, tencent.py, twilio.py, telegram.py) parses and answers its own
wire format and uses `SandboxCore` for the rest:

- `core.accept(record)` writes one JSON line per accepted message (the record of what a resident
  would have received; tests count duplicates in it).
- `core.pick_fault()` draws the fault for one request from the live `Faults` settings, which
  `POST /_sandbox/faults` changes at run time (JSON body with any of the fields of `Faults`).
- `core.limits.allow(phone)` applies per-number frequency limits.
- `core.schedule_receipt(...)` queues a delivery receipt, pushed later to the service's callback
  URL in the provider's format by the provider's `ReceiptFormatter`, with the configured delay,
  failure share, duplicates and out-of-order arrival; a push the receiver does not acknowledge is
  retried like the real gateways do.
- `POST /_sandbox/inbound` with `{"from": phone, "text": "TD"}` makes a resident reply, pushed in
  the provider's format by its `ReplyFormatter`.
- `GET /_sandbox/stats` answers counts; `POST /_sandbox/faults` with `{}` clears nothing, with
  `{"reset": true}` clears every fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web

from core import get_logger

log = get_logger("channels.sandbox")


class Fault(StrEnum):
    """What can go wrong with one request."""

    ERROR_5XX = "error_5xx"  # answered 5xx before accepting anything
    TIMEOUT_AFTER_ACCEPT = "timeout_after_accept"  # accepted and logged, answer stalls
    THROTTLE = "throttle"  # the provider's throttling answer
    DROP = "drop"  # connection closed without an answer, nothing accepted
    DOWN = "down"  # the whole gateway is down: every request gets 503


@dataclass(slots=True)
class Faults:
    """Shares (0..1) of requests that meet each fault, plus latency and an outage switch."""

    error_5xx: float = 0.0
    timeout_after_accept: float = 0.0
    throttle: float = 0.0
    drop: float = 0.0
    down: bool = False
    latency: float = 0.0  # seconds added to every answer
    stall: float = 30.0  # how long a TIMEOUT_AFTER_ACCEPT answer stalls

    def update(self, changes: Mapping[str, Any]) -> None:
        if changes.get("reset"):
            for f in fields(self):
                setattr(self, f.name, f.default)
        for f in fields(self):
            if f.name in changes:
                value = changes[f.name]
                setattr(self, f.name, bool(value) if f.name == "down" else float(value))


@dataclass(slots=True)
class ReceiptOptions:
    """How delivery receipts behave."""

    delay: float = 0.2  # seconds after acceptance
    failure: float = 0.0  # share of messages reported undelivered
    duplicates: float = 0.0  # share of receipts pushed twice
    reorder: float = 0.0  # share of receipts held back so they arrive after later ones
    reorder_extra: float = 1.0  # how much longer those are held
    drop: float = 0.0  # share of messages for which no receipt ever comes


@dataclass(slots=True)
class NumberLimits:
    """Per-number frequency limits (0 means unlimited); the real gateways refuse beyond them."""

    per_minute: int = 0
    per_hour: int = 0
    per_day: int = 0


class NumberLimiter:
    """Sliding-window counts of accepted messages per phone number."""

    def __init__(self, limits: NumberLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, phone: str) -> bool:
        """True and counted when one more message to `phone` is within every limit."""
        now = self._clock()
        sent = self._sent[phone]
        while sent and now - sent[0] >= 86400:
            sent.popleft()
        for limit, window in (
            (self.limits.per_minute, 60),
            (self.limits.per_hour, 3600),
            (self.limits.per_day, 86400),
        ):
            if limit and sum(1 for t in sent if now - t < window) >= limit:
                return False
        sent.append(now)
        return True


@dataclass(frozen=True, slots=True)
class ReceiptEvent:
    """One delivery outcome to report; formatters turn batches of these into HTTP pushes."""

    ref: str | None
    provider_id: str
    phone: str
    delivered: bool
    error_code: str
    submitted_at: datetime
    reported_at: datetime
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Push:
    """One HTTP request to the service: the formatter's output."""

    url: str
    body: bytes
    headers: Mapping[str, str]


#: Turns due receipts (or replies) into the provider's HTTP pushes.
ReceiptFormatter = Callable[[Sequence[ReceiptEvent]], list[Push]]
ReplyFormatter = Callable[[str, str, datetime], list[Push]]
#: Tells whether the receiver acknowledged a push the way the provider requires.
Acknowledged = Callable[[int, bytes], bool]


@dataclass(slots=True)
class SandboxConfig:
    """Settings of one stand-in process."""

    provider: str
    log_path: Path | None = None
    callback_url: str | None = None
    reply_url: str | None = None
    key: str = "sandbox-key"
    secret: str = "sandbox-secret"  # noqa: S105 - a local stand-in's default credential
    seed: int | None = None
    receipts: ReceiptOptions = field(default_factory=ReceiptOptions)
    faults: Faults = field(default_factory=Faults)
    limits: NumberLimits = field(default_factory=NumberLimits)
    #: provider template code -> approved content (None: any code is accepted)
    templates: dict[str, str] | None = None
    #: approved sign names (None: any sign is accepted)
    signs: set[str] | None = None
    push_attempts: int = 5


class SandboxCore:
    """State of one stand-in: log, faults, limits and the callback pusher."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        format_receipts: ReceiptFormatter | None = None,
        format_reply: ReplyFormatter | None = None,
        acknowledged: Acknowledged | None = None,
    ) -> None:
        self.config = config
        self.faults = config.faults
        self.limits = NumberLimiter(config.limits)
        self.random = random.Random(config.seed)  # noqa: S311 - simulation, not security
        self.stats: dict[str, int] = defaultdict(int)
        self._format_receipts = format_receipts
        self._format_reply = format_reply
        self._acknowledged = acknowledged or (lambda status, _body: 200 <= status < 300)
        self._log: IO[str] | None = None
        self._queue: list[tuple[float, int, ReceiptEvent | Push, int]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------
    def install(self, app: web.Application) -> None:
        """Add the control routes and start/stop hooks to the provider's application."""
        app.router.add_post("/_sandbox/faults", self._faults_handler)
        app.router.add_get("/_sandbox/stats", self._stats_handler)
        app.router.add_post("/_sandbox/inbound", self._inbound_handler)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)

    async def _start(self, _app: web.Application) -> None:
        if self.config.log_path is not None:
            self.config.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.config.log_path.open("a", encoding="utf-8")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._push_loop())

    async def _stop(self, _app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()
        if self._log is not None:
            self._log.close()

    # -- accepted messages -----------------------------------------------------------------
    def new_id(self, prefix: str = "") -> str:
        """A provider id unique within this process run."""
        return f"{prefix}{int(time.time() * 1000):x}{next(self._ids):08d}"

    def accept(self, record: Mapping[str, Any]) -> None:
        """Write one accepted message to the JSONL log (flushed, so a reader sees it at once)."""
        self.accept_many([record])

    def accept_many(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Write accepted messages to the JSONL log in one write, flushed."""
        self.stats["accepted"] += len(records)
        if self._log is not None and records:
            head = {"provider": self.config.provider, "at": _now().isoformat()}
            self._log.write(
                "".join(json.dumps({**head, **r}, ensure_ascii=False) + "\n" for r in records)
            )
            self._log.flush()

    # -- faults ----------------------------------------------------------------------------
    def pick_fault(self) -> Fault | None:
        """The fault this request meets, drawn from the live settings (None: behave)."""
        f = self.faults
        if f.down:
            return Fault.DOWN
        draw = self.random.random()
        for fault, share in (
            (Fault.ERROR_5XX, f.error_5xx),
            (Fault.TIMEOUT_AFTER_ACCEPT, f.timeout_after_accept),
            (Fault.THROTTLE, f.throttle),
            (Fault.DROP, f.drop),
        ):
            if draw < share:
                self.stats[f"fault_{fault.value}"] += 1
                return fault
            draw -= share
        return None

    async def delay(self) -> None:
        """The configured latency, before answering."""
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)

    async def stall(self) -> None:
        """Hold the answer longer than any sensible client timeout."""
        await asyncio.sleep(self.faults.stall)

    # -- receipts --------------------------------------------------------------------------
    def schedule_receipt(
        self, *, ref: str | None, provider_id: str, phone: str, extra: Mapping[str, str] = {}
    ) -> None:
        """Decide this message's outcome and queue its receipt(s) per `ReceiptOptions`."""
        opts = self.config.receipts
        if self._format_receipts is None or self.config.callback_url is None:
            return
        if self.random.random() < opts.drop:
            self.stats["receipts_dropped"] += 1
            return
        delivered = self.random.random() >= opts.failure
        submitted = _now()
        due = time.monotonic() + opts.delay
        if self.random.random() < opts.reorder:
            due += opts.reorder_extra * (0.5 + self.random.random())
        copies = 2 if self.random.random() < opts.duplicates else 1
        for copy in range(copies):
            event = ReceiptEvent(
                ref=ref,
                provider_id=provider_id,
                phone=phone,
                delivered=delivered,
                error_code="DELIVERED" if delivered else "MK:0001",
                submitted_at=submitted,
                reported_at=submitted,
                extra=extra,
            )
            self._enqueue(due + copy * opts.delay, event)

    def push(self, push: Push) -> None:
        """Send `push` to the service now, retried like receipts until acknowledged."""
        self._enqueue(time.monotonic(), push)

    def _enqueue(self, due: float, item: ReceiptEvent | Push, attempt: int = 1) -> None:
        heapq.heappush(self._queue, (due, next(self._seq), item, attempt))
        self._wake.set()

    async def _push_loop(self) -> None:
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            wait = self._queue[0][0] - time.monotonic()
            if wait > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                continue
            due_receipts: list[ReceiptEvent] = []
            pushes: list[tuple[Push, int]] = []
            now = time.monotonic()
            while self._queue and self._queue[0][0] <= now and len(due_receipts) < 500:
                _, _, item, attempt = heapq.heappop(self._queue)
                if isinstance(item, Push):
                    pushes.append((item, attempt))
                else:
                    due_receipts.append(item)
            if due_receipts and self._format_receipts is not None:
                reported = _now()
                formatted = self._format_receipts(
                    [ReceiptEvent(**{**_fields(r), "reported_at": reported}) for r in due_receipts]
                )
                pushes.extend((p, 1) for p in formatted)
            await asyncio.gather(*(self._post(p, attempt) for p, attempt in pushes))

    async def _post(self, push: Push, attempt: int) -> None:
        assert self._session is not None
        try:
            async with self._session.post(
                push.url, data=push.body, headers=dict(push.headers)
            ) as response:
                body = await response.read()
                ok = self._acknowledged(response.status, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok = False
            log.info("sandbox_push_failed", url=push.url, error=type(exc).__name__)
        if ok:
            self.stats["pushes_acknowledged"] += 1
            return
        self.stats["pushes_refused"] += 1
        if attempt < self.config.push_attempts:
            backoff = min(2.0**attempt * 0.1, 30.0)
            self._enqueue(time.monotonic() + backoff, push, attempt + 1)

    # -- control routes --------------------------------------------------------------------
    async def _faults_handler(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
        except ValueError:
            changes = None
        if not isinstance(changes, dict):
            return web.json_response(
                {"error": "body must be a JSON object of fault shares"}, status=400
            )
        try:
            self.faults.update(changes)
        except (ValueError, TypeError):
            return web.json_response({"error": "fault shares must be numbers"}, status=400)
        return web.json_response(asdict(self.faults))

    async def _stats_handler(self, _request: web.Request) -> web.Response:
        return web.json_response({**self.stats, "pending_pushes": len(self._queue)})

    async def _inbound_handler(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
            sender, text = str(data["from"]), str(data["text"])
        except (ValueError, KeyError, TypeError):
            return web.json_response(
                {"error": 'body must be {"from": ..., "text": ...}'}, status=400
            )
        if self._format_reply is None:
            return web.json_response({"error": "this stand-in has no reply path"}, status=404)
        for push in self._format_reply(sender, text, _now()):
            self._enqueue(time.monotonic(), push)
        self.stats["inbound"] += 1
        return web.json_response({"queued": True})


def _fields(event: ReceiptEvent) -> dict[str, Any]:
    return {f.name: getattr(event, f.name) for f in fields(event)}


def _now() -> datetime:
    return datetime.now(UTC)


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start `app` on host:port and return its runner (the caller cleans it up)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def run_forever(app: web.Application, host: str, port: int) -> None:
    """Serve until cancelled (the CLI's `outreach sandbox ...`)."""
    runner = await serve(app, host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
