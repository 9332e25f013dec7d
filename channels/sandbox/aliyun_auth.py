"""How the Alibaba Cloud API gateway checks a caller, for the aliyun stand-in.

Both schemes the official SDK speaks are checked the way the gateway does: v1 (`Signature`
parameter, HMAC-SHA1 over every parameter of query and form) and v3 (`Authorization:
ACS3-HMAC-SHA256 …` over the signed headers, the query and the body's SHA-256). Timestamps more
than 15 minutes off and nonces seen in the last 15 minutes are refused, with the gateway's codes
and HTTP statuses (the SDK raises ClientException on any 4xx, carrying the Code).
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from channels.aliyun.signing import (
    V3_ALGORITHM,
    parse_v3_authorization,
    sha256_hex,
    v1_signature,
    v1_string_to_sign,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)

#: How far a request's time may be from the gateway's, and how long a nonce is remembered.
WINDOW = 15 * 60


class GatewayError(Exception):
    """A refusal by the gateway itself (before the SMS service looks at the request)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def missing(name: str) -> GatewayError:
    return GatewayError(400, f"Missing{name}", f"{name} is mandatory for this action.")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What verification needs of an HTTP request (the web layer fills it in)."""

    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]  # case-insensitive in practice (aiohttp's CIMultiDictProxy)
    body: bytes


class Authenticator:
    """Checks one account's key pair, timestamps and nonces."""

    def __init__(self, key: str, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._secret = secret
        self._clock = clock
        self._nonces: OrderedDict[str, float] = OrderedDict()

    def verify(self, request: SignedRequest) -> None:
        """Raise GatewayError unless the request is signed with this account's secret."""
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("ACS3-"):
            nonce = self._verify_v3(request, authorization)
        elif "Signature" in request.query or "Signature" in request.form:
            nonce = self._verify_v1(request)
        else:
            raise missing("Signature")
        self._use_nonce(nonce)

    def _check_key(self, key_id: str) -> None:
        if key_id != self._key:
            raise GatewayError(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )

    def _check_time(self, stamp: str) -> None:
        try:
            at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError as err:
            raise GatewayError(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            ) from err
        if abs(at.timestamp() - self._clock()) > WINDOW:
            raise GatewayError(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )

    def _use_nonce(self, nonce: str) -> None:
        """Refuse a nonce seen in the last WINDOW seconds; remember this one from now on.

        `_nonces` is in the order the nonces were seen, so expired ones are forgotten from the
        oldest on, stopping at the first still in its window: a constant cost per request,
        amortised (an OrderedDict, since a plain dict's front slows down as it is emptied). A
        nonce is judged by its own age, so the rule holds even if the clock steps back.
        """
        now = self._clock()
        nonces = self._nonces
        while nonces:
            oldest = next(iter(nonces))
            if now - nonces[oldest] <= WINDOW:
                break
            nonces.popitem(last=False)
        seen = nonces.get(nonce)
        if seen is not None:
            if now - seen <= WINDOW:
                raise GatewayError(
                    400, "SignatureNonceUsed", "Specified signature nonce was used already."
                )
            del nonces[nonce]  # outstayed its window behind a younger one: seen anew, at the end
        nonces[nonce] = now

    def _verify_v1(self, request: SignedRequest) -> str:
        params = {**request.query, **request.form}
        for name in ("AccessKeyId", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                raise missing(name)
        self._check_key(params["AccessKeyId"])
        if params.get("SignatureMethod") != "HMAC-SHA1":
            raise GatewayError(
                400, "InvalidSignatureMethod", "Specified signature method is not supported."
            )
        self._check_time(params["Timestamp"])
        given = params.pop("Signature")
        expected = v1_signature(params, self._secret, request.method)
        if not hmac.compare_digest(given, expected):
            raise GatewayError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign "
                f"is:{v1_string_to_sign(params, request.method)}",
            )
        return params["SignatureNonce"]

    def _verify_v3(self, request: SignedRequest, authorization: str) -> str:
        parts = parse_v3_authorization(authorization)
        if parts is None:
            raise GatewayError(
                400, "IncompleteSignature", "The request signature does not conform to standards."
            )
        if parts.algorithm != V3_ALGORITHM:
            raise GatewayError(
                400, "InvalidSignatureMethod", "Specified signature method is not supported."
            )
        self._check_key(parts.key_id)
        nonce = request.headers.get("x-acs-signature-nonce", "")
        stamp = request.headers.get("x-acs-date", "")
        payload_hash = request.headers.get("x-acs-content-sha256", "")
        if not nonce:
            raise missing("SignatureNonce")
        if not stamp:
            raise missing("Timestamp")
        self._check_time(stamp)
        signed = {name: request.headers.get(name, "") for name in parts.signed_headers}
        canonical, _ = v3_canonical_request(
            request.method, request.path, request.query, signed, payload_hash
        )
        expected = v3_signature(canonical, self._secret)
        if payload_hash != sha256_hex(request.body) or not hmac.compare_digest(
            parts.signature, expected
        ):
            raise GatewayError(
                400,
                "SignatureDoesNotMatch",
                "The request signature does not conform to Aliyun standards. server string to "
                f"sign is:{v3_string_to_sign(canonical)}",
            )
        return nonce
