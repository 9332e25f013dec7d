"""TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0.

The client signs with it and the stand-in verifies with it, so both follow the published
algorithm step by step (canonical request, string to sign, key chained from "TC3" + SecretKey
through date, service and "tc3_request"). Header names and values enter the canonical request
lowercased and trimmed, in the order of the SignedHeaders list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def credential_date(timestamp: int) -> str:
    """The UTC calendar date of a request timestamp, as the credential scope carries it."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def canonical_request(
    *,
    method: str,
    payload: bytes,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    path: str = "/",
    query: str = "",
) -> str:
    """The canonical request string; `headers` is keyed by lowercase header name."""
    canonical_headers = "".join(
        f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers
    )
    return "\n".join(
        [method, path, query, canonical_headers, ";".join(signed_headers), sha256_hex(payload)]
    )


def string_to_sign(timestamp: int, date: str, service: str, canonical: str) -> str:
    scope = f"{date}/{service}/tc3_request"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{sha256_hex(canonical.encode())}"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signature(secret_key: str, date: str, service: str, to_sign: str) -> str:
    """Hex HMAC of the string to sign with the key derived from the secret, date and service."""
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Authorization:
    """The parts of an `Authorization: TC3-HMAC-SHA256 ...` header."""

    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    def header(self) -> str:
        return (
            f"{ALGORITHM} Credential={self.secret_id}/{self.date}/{self.service}/tc3_request, "
            f"SignedHeaders={';'.join(self.signed_headers)}, Signature={self.signature}"
        )


def parse_authorization(value: str) -> Authorization | None:
    """Read an Authorization header; None when it is not a well-formed TC3 header."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            return None
        parts[key.strip()] = val.strip()
    credential = parts.get("Credential", "").split("/")
    signed = tuple(h for h in parts.get("SignedHeaders", "").split(";") if h)
    sig = parts.get("Signature", "")
    if len(credential) != 4 or credential[3] != "tc3_request" or not signed or not sig:
        return None
    secret_id, date, service, _ = credential
    if not secret_id or not date or not service:
        return None
    return Authorization(secret_id, date, service, signed, sig)


def sign_request(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    payload: bytes,
    headers: Mapping[str, str],
    method: str = "POST",
) -> str:
    """The Authorization header value for a request carrying `headers` (every one is signed)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    signed = tuple(sorted(lowered))
    date = credential_date(timestamp)
    canonical = canonical_request(
        method=method, payload=payload, headers=lowered, signed_headers=signed
    )
    sig = signature(secret_key, date, service, string_to_sign(timestamp, date, service, canonical))
    return Authorization(secret_id, date, service, signed, sig).header()
