"""The service's Prometheus instruments, and one small function per thing worth counting.

Domain code calls these functions where things happen (one line each); it never touches a
metric object, so names, labels and their allowed values live here, in one place.

Every label value is a bounded enumeration: a channel, a gateway, a status, an outcome, a
stream or a reason code from the vocabularies below. A value outside its vocabulary is counted
as "other", so a resident's number, name, ID number or a gateway's free-form error text can never
reach the exposition, nor grow its series without bound.

This module imports nothing of the project: any package may call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.context_managers import Timer

OTHER: Final = "other"

#: The vocabularies label values are drawn from.
CHANNELS: Final = frozenset({"sms", "telegram"})
GATEWAYS: Final = frozenset({"aliyun", "tencent", "twilio", "telegram", "ledger", "none"})
MESSAGE_STATUSES: Final = frozenset({"accepted", "delivered", "failed", "retried", "unknown"})
RECEIPT_STATES: Final = frozenset({"sent", "delivered", "failed"})
RECEIPT_OUTCOMES: Final = frozenset({"applied", "ignored", "unmatched"})
CALLBACK_KINDS: Final = frozenset({"receipt", "reply"})
CALLBACK_RESULTS: Final = frozenset({"ok", "malformed", "retry", "store_failed"})
STAGES: Final = frozenset({"send", "outbox"})
DEAD_LETTER_REASONS: Final = frozenset({"retries_exhausted", "malformed_entry", "horizon"})
FAQ_OUTCOMES: Final = frozenset({"answered", "abstained"})
ABSTAIN_REASONS: Final = frozenset(
    {
        "low_confidence",
        "vague",
        "off_topic",
        "other_province",
        "empty",
        "too_short",  # an SMS reply too short to be a question
        "estimate",  # the resident's own money: staff, with the estimator
        "too_long",  # no sentence of the answer fits an SMS
        "no_gateway",  # no SMS gateway of the deployment may send an answer
    }
)
ESTIMATE_SOURCES: Final = frozenset({"ledger", "typed"})
OUTBOX_OUTCOMES: Final = frozenset({"delivered", "retried", "dead_lettered"})
CONVERSION_SOURCES: Final = frozenset({"api", "import"})
CONVERSION_KINDS: Final = frozenset(
    {
        "pension_enrolled",
        "pension_resumed",
        "pension_switched",
        "medical_enrolled",
        "medical_resumed",
    }
)
#: The refreshers of ops.refreshers, by their functions' names.
REFRESHERS: Final = frozenset({"queue_depth", "outbox_backlog", "conversions"})
#: Streams of the send queue, named as their keys are after the prefix.
STREAMS: Final = frozenset({"send:p0", "send:p1", "send:p2", "send:dead"})

#: Gateway round trips: a local stand-in answers in milliseconds, a vendor's HTTP API in tens
#: to hundreds, a struggling one in seconds, and the client gives up at 30 s.
HTTP_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def bounded(value: object, allowed: frozenset[str]) -> str:
    """`value` as a label value when it is in `allowed`, else "other"."""
    text = str(value)
    return text if text in allowed else OTHER


MESSAGES = Counter(
    "outreach_messages",
    "Outreach messages by channel and what became of them: accepted by the gateway, delivered "
    "(receipt, or Telegram's acceptance), failed, retried later, outcome unknown.",
    ["channel", "status"],
)
SEND_LATENCY = Histogram(
    "outreach_send_latency_seconds",
    "Time of one send request to a gateway (a batch for batch APIs), rate-limit wait excluded.",
    ["gateway"],
    buckets=HTTP_BUCKETS,
)
RATE_WAITS = Counter(
    "outreach_ratelimit_waits",
    "Send requests that had to wait for their gateway's shared rate limit.",
    ["gateway"],
)
RATE_WAIT_SECONDS = Counter(
    "outreach_ratelimit_wait_seconds",
    "Seconds send requests waited for their gateway's shared rate limit.",
    ["gateway"],
)
RETRIES = Counter(
    "outreach_retries",
    "Retries scheduled: messages put back for a later send, outbox events for a later post.",
    ["stage"],
)
DEAD_LETTERS = Counter(
    "outreach_dead_letters",
    "Work given up and set aside for staff: messages whose retries ran out, malformed queue "
    "entries, outbox events past their retry horizon.",
    ["stage", "reason"],
)
RECEIPTS = Counter(
    "outreach_receipts",
    "Delivery receipts by gateway, the state they report, and whether they changed a message "
    "(applied), were duplicates or late (ignored), or matched no message yet (unmatched).",
    ["provider", "state", "outcome"],
)
CALLBACKS = Counter(
    "outreach_callbacks",
    "Gateway callbacks (receipts and replies) by gateway and how they were answered.",
    ["provider", "kind", "result"],
)
FAQ_QUESTIONS = Counter(
    "outreach_faq_questions",
    "Residents' questions by channel: answered from the knowledge base, or abstained.",
    ["channel", "outcome"],
)
FAQ_ABSTENTIONS = Counter(
    "outreach_faq_abstentions",
    "Questions the knowledge base did not answer, by channel and reason.",
    ["channel", "reason"],
)
ESTIMATES = Counter(
    "outreach_estimates",
    "Pension estimates given to residents, by channel and where the inputs came from.",
    ["channel", "source"],
)
OUTBOX_EVENTS = Counter(
    "outreach_outbox_events",
    "Events the outbox relay posted to the ledger system, by outcome.",
    ["outcome"],
)
OUTBOX_POST_LATENCY = Histogram(
    "outreach_outbox_post_seconds",
    "Time of one signed POST of a batch of events to the ledger system's webhook.",
    buckets=HTTP_BUCKETS,
)
CONVERSIONS = Counter(
    "outreach_conversions",
    "Conversions (enrollments, resumptions, scheme switches) recorded by this process, by "
    "where the ledger's status change came from.",
    ["source"],
)

# Gauges refreshed when /metrics is scraped (ops.refreshers).
QUEUE_LENGTH = Gauge(
    "outreach_queue_length", "Entries in a send-queue stream not yet acked.", ["stream"]
)
QUEUE_PENDING = Gauge(
    "outreach_queue_pending",
    "Entries of a send-queue stream handed to a worker and not yet acked.",
    ["stream"],
)
QUEUE_LAG = Gauge(
    "outreach_queue_lag",
    "Entries of a send-queue stream not yet handed to any worker.",
    ["stream"],
)
QUEUE_OLDEST_AGE = Gauge(
    "outreach_queue_oldest_age_seconds",
    "Age of the oldest entry of a send-queue stream (0 when empty).",
    ["stream"],
)
OUTBOX_BACKLOG = Gauge(
    "outreach_outbox_backlog",
    "Events not yet delivered to the ledger system: pending (due or being retried) and dead.",
    ["state"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "outreach_outbox_oldest_undelivered_age_seconds",
    "Age of the oldest event still to be delivered to the ledger system (0 when none).",
)
CONVERSIONS_RECORDED = Gauge(
    "outreach_conversions_recorded",
    "Conversions recorded in the database, by kind (all processes, all time).",
    ["kind"],
)
REFRESH_FAILURES = Counter(
    "outreach_metrics_refresh_failures",
    "Scrape-time refreshes of store gauges that failed or took too long.",
    ["refresher"],
)


def count_recorded_sends(tally: Mapping[tuple[str, str], int], *, exhausted: int = 0) -> None:
    """Count messages by (channel, status) once their send's outcome is committed; the retried
    ones are retries of the send stage, and `exhausted` failed because their retries ran out."""
    for (channel, status), n in tally.items():
        if n:
            MESSAGES.labels(bounded(channel, CHANNELS), bounded(status, MESSAGE_STATUSES)).inc(n)
    count_retries("send", sum(n for (_, status), n in tally.items() if status == "retried"))
    count_dead_letters("send", "retries_exhausted", exhausted)


def timed_send(gateway: str) -> Timer:
    """Times the body of a `with` as one send request to `gateway` (SEND_LATENCY)."""
    return SEND_LATENCY.labels(bounded(gateway, GATEWAYS)).time()


def observe_rate_wait(gateway: str, seconds: float) -> None:
    """A send request waited `seconds` for its gateway's rate limit (nothing when 0)."""
    if seconds > 0:
        label = bounded(gateway, GATEWAYS)
        RATE_WAITS.labels(label).inc()
        RATE_WAIT_SECONDS.labels(label).inc(seconds)


def count_retries(stage: str, n: int = 1) -> None:
    if n > 0:
        RETRIES.labels(bounded(stage, STAGES)).inc(n)


def count_dead_letters(stage: str, reason: str, n: int = 1) -> None:
    if n > 0:
        DEAD_LETTERS.labels(bounded(stage, STAGES), bounded(reason, DEAD_LETTER_REASONS)).inc(n)


def count_receipts(outcomes: Iterable[tuple[str, str, str]]) -> None:
    """Count receipts once committed: (provider, state, outcome) each. An applied receipt
    that delivered or failed a message counts that message too."""
    for provider, state, outcome in outcomes:
        RECEIPTS.labels(
            bounded(provider, GATEWAYS),
            bounded(state, RECEIPT_STATES),
            bounded(outcome, RECEIPT_OUTCOMES),
        ).inc()
        if outcome == "applied" and state in ("delivered", "failed"):
            channel = "telegram" if provider == "telegram" else "sms"
            MESSAGES.labels(channel, state).inc()


def count_callback(provider: str, kind: str, result: str) -> None:
    """A gateway callback was answered with `result` (ok, malformed, retry, store_failed)."""
    CALLBACKS.labels(
        bounded(provider, GATEWAYS),
        bounded(kind, CALLBACK_KINDS),
        bounded(result, CALLBACK_RESULTS),
    ).inc()


def count_faq_answered(channel: str) -> None:
    FAQ_QUESTIONS.labels(bounded(channel, CHANNELS), "answered").inc()


def count_faq_abstained(channel: str, reason: str) -> None:
    label = bounded(channel, CHANNELS)
    FAQ_QUESTIONS.labels(label, "abstained").inc()
    FAQ_ABSTENTIONS.labels(label, bounded(reason, ABSTAIN_REASONS)).inc()


def count_estimate(channel: str, *, prefilled: bool) -> None:
    """A pension estimate was given over `channel` (prefilled: from the ledger's record)."""
    ESTIMATES.labels(bounded(channel, CHANNELS), "ledger" if prefilled else "typed").inc()


def count_outbox(delivered: int = 0, retried: int = 0, dead: int = 0) -> None:
    """What one relay round did with its batch."""
    for outcome, n in (("delivered", delivered), ("retried", retried), ("dead_lettered", dead)):
        if n > 0:
            OUTBOX_EVENTS.labels(outcome).inc(n)
    count_retries("outbox", retried)
    count_dead_letters("outbox", "horizon", dead)


def timed_outbox_post() -> Timer:
    """Times the body of a `with` as one POST to the ledger system (OUTBOX_POST_LATENCY)."""
    return OUTBOX_POST_LATENCY.time()


def count_conversions(source: str, n: int) -> None:
    """`n` conversions were committed from a status change of `source` (api, import)."""
    if n > 0:
        CONVERSIONS.labels(bounded(source, CONVERSION_SOURCES)).inc(n)
