"""X-Twilio-Signature: how Twilio signs its webhooks, and how we check them.

Twilio signs every status callback and inbound-message webhook with the account's auth token:
base64(HMAC-SHA1(token, full URL + each POST parameter name and value, sorted by name)). A
parameter sent several times contributes each distinct value, sorted. Because Twilio signs the
URL sometimes with and sometimes without an explicit default port, the check accepts both, as
Twilio's own validators do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

#: The header carrying the signature.
SIGNATURE_HEADER = "X-Twilio-Signature"

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def compute_signature(auth_token: str, url: str, params: Params) -> str:
    """The X-Twilio-Signature value for a POST of `params` to `url`."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    values: dict[str, set[str]] = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    """True when `signature` is Twilio's signature of this request (with or without the port)."""
    if not signature:
        return False
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    return any(
        hmac.compare_digest(compute_signature(auth_token, candidate, pairs), signature)
        for candidate in _url_variants(url)
    )


def _url_variants(url: str) -> list[str]:
    """`url` as given, without an explicit port and with the scheme's default port."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.port is not None:
        bare = netloc.rpartition(":")[0]
        with_port = netloc
    else:
        bare = netloc
        with_port = f"{netloc}:{443 if parts.scheme == 'https' else 80}"
    candidates = [url, urlunsplit(parts._replace(netloc=bare))]
    candidates.append(urlunsplit(parts._replace(netloc=with_port)))
    return list(dict.fromkeys(candidates))
