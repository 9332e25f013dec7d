"""The webhook's signature: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret.

Headers of every POST (and of the stand-in's pushes back to the service):

- `X-Outreach-Timestamp`: Unix seconds when the request was signed.
- `X-Outreach-Signature`: `v1=` and the lowercase hex HMAC-SHA256 of the ASCII timestamp, one
  ".", and the raw body bytes, keyed by the UTF-8 secret.

A receiver recomputes the HMAC over the body exactly as received, compares in constant time, and
refuses timestamps more than `TOLERANCE` seconds from its own clock (a replayed capture goes
stale; the idempotency keys make an honest retry harmless anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Outreach-Timestamp"
SIGNATURE_HEADER = "X-Outreach-Signature"
TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers of one signed JSON POST of `body`."""
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> bool:
    """True when the headers carry a fresh, valid signature of `body`."""
    try:
        timestamp = int(headers.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE:
        return False
    given = headers.get(SIGNATURE_HEADER, "")
    return hmac.compare_digest(given, signature(secret, timestamp, body))
