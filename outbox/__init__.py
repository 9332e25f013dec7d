"""The outbox: every event reaches the ledger system's webhook, signed, once per key, in order.

Storage. The outbox is the `events` table itself (migration 0006 adds the relay's columns).
Every event is already written in the same transaction as the change it describes, so an event
exists exactly when its change committed, and it is undelivered (`relayed_at` NULL) until the
ledger system acknowledges it. No writer knows the relay and no trigger is involved; unlike a
cursor over event ids, nothing is skipped when a transaction with a lower id commits after a
higher one (PostgreSQL hands out ids at insert, not at commit).

Claim. A relay leases a batch (`relay_lease`, `relay_owner`) in one UPDATE; on PostgreSQL the
rows are chosen FOR UPDATE SKIP LOCKED, so any number of relays take disjoint batches, and the
lease (longer than the HTTP timeout) keeps a batch from a second relay while it is posted. A
relay that dies leaves its lease to expire; the batch is then posted again with the same keys.
SQLite serialises writers: run one relay process there.

Order. An event is claimed only when no earlier event of the same resident is undelivered
outside the claim (waiting for a retry, leased by another relay, or a dead letter), so the
ledger system never sees a resident's events out of order; a batch lists events in id order.

Delivery. Batches are JSON (outbox/payload.py), signed with HMAC-SHA256 over
"<timestamp>.<body>" (outbox/signing.py), each event with its idempotency key
"<LEDGER_DEPLOYMENT_ID>-<event id>", stable across retries and crashes. Any non-2xx answer or
network error retries the batch's events with exponential backoff and jitter (2 s doubling to
1 h); 24 h after an event's first failure it becomes a dead letter, which staff list and replay
(`outreach outbox deadletters` / `outreach outbox replay`). A dead letter holds back its
resident's later events until it is replayed, so order survives an outage of any length.
"""

from outbox.payload import batch_body, idempotency_key
from outbox.relay import Pass, Relay
from outbox.settings import RelaySettings
from outbox.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE,
    signature,
    signed_headers,
    verify,
)
from outbox.store import Backoff, DeadLetter, OutboxStore

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE",
    "Backoff",
    "DeadLetter",
    "OutboxStore",
    "Pass",
    "Relay",
    "RelaySettings",
    "batch_body",
    "idempotency_key",
    "signature",
    "signed_headers",
    "verify",
]
