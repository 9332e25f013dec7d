"""How the Tencent Cloud API 3.0 gateway checks a request before any SMS logic runs.

In order: JSON POST, action, version, region, Authorization header, timestamp (within five
minutes either way), SecretId, the signed headers (content-type and host at least, each one
present), the credential scope (the UTC date of the timestamp, service "sms") and finally the
TC3-HMAC-SHA256 signature recomputed over the body as received. Each refusal carries the common
error code the real gateway answers, with HTTP 200.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from aiohttp import web

from channels.tencent.signing import (
    canonical_request,
    credential_date,
    parse_authorization,
    signature,
    string_to_sign,
)

VERSION = "2021-01-11"
SERVICE = "sms"
ACTIONS = frozenset({"SendSms", "PullSmsSendStatusByPhoneNumber"})
REGIONS = frozenset({"ap-guangzhou", "ap-beijing", "ap-nanjing"})
MAX_SKEW = 300
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class ApiError(Exception):
    """A refusal of the whole request: `{"Response": {"Error": {Code, Message}, RequestId}}`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def authenticate(
    request: web.Request,
    body: bytes,
    secret_id: str,
    secret_key: str,
    clock: Callable[[], float] = time.time,
) -> str:
    """The action of a request that passes every check; `ApiError` for the first that fails."""
    content_type = request.headers.get("Content-Type", "")
    if request.method != "POST" or content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            "InvalidParameter", "This gateway accepts POST with Content-Type application/json."
        )
    action = request.headers.get("X-TC-Action", "")
    if not action:
        raise ApiError("MissingParameter", "The request is missing a required parameter `Action`.")
    if action not in ACTIONS:
        raise ApiError("InvalidAction", f"The requested action `{action}` does not exist.")
    if request.headers.get("X-TC-Version", "") != VERSION:
        raise ApiError("NoSuchVersion", "The requested version does not exist or is not supported.")
    region = request.headers.get("X-TC-Region", "")
    if region not in REGIONS:
        raise ApiError("UnsupportedRegion", f"The action does not support region `{region}`.")
    authorization = parse_authorization(request.headers.get("Authorization", ""))
    if authorization is None:
        raise ApiError(
            "AuthFailure.InvalidAuthorization",
            "Authorization header is invalid, please check it follows TC3-HMAC-SHA256.",
        )
    timestamp = _timestamp(request.headers.get("X-TC-Timestamp", ""))
    if abs(clock() - timestamp) > MAX_SKEW:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired. Timestamp: {timestamp}; server time: {int(clock())}. The "
            "difference must not exceed five minutes.",
        )
    if authorization.secret_id != secret_id:
        raise ApiError(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        )
    signed = authorization.signed_headers
    if (
        "content-type" not in signed
        or "host" not in signed
        or any(name not in request.headers for name in signed)
        or list(signed) != sorted(signed)
    ):
        raise _signature_failure()
    if authorization.service != SERVICE or authorization.date != credential_date(timestamp):
        raise _signature_failure()
    payload = body
    if request.headers.get("X-TC-Content-SHA256") == UNSIGNED_PAYLOAD:
        payload = UNSIGNED_PAYLOAD.encode()
    canonical = canonical_request(
        method=request.method,
        payload=payload,
        headers={name: request.headers[name] for name in signed},
        signed_headers=signed,
        path=request.path,
        query=request.query_string,
    )
    expected = signature(
        secret_key,
        authorization.date,
        SERVICE,
        string_to_sign(timestamp, authorization.date, SERVICE, canonical),
    )
    if not hmac.compare_digest(expected, authorization.signature):
        raise _signature_failure()
    return action


def _timestamp(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(
            "MissingParameter", "The request is missing a required parameter `Timestamp`."
        ) from None


def _signature_failure() -> ApiError:
    return ApiError(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct.",
    )
