"""TC3-HMAC-SHA256 against Tencent's published example, and the stand-in's checks of it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from channels.sandbox.tencent_auth import MAX_SKEW
from channels.tencent.signing import (
    canonical_request,
    credential_date,
    parse_authorization,
    sha256_hex,
    sign_request,
    signature,
    string_to_sign,
)
from tests.channels.test_tencent_helpers import KEY, SECRET, stand_in

# The worked example of Tencent Cloud's "Signature v3" page (CVM DescribeInstances).
EXAMPLE_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
EXAMPLE_TIMESTAMP = 1551113065
EXAMPLE_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
EXAMPLE_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "host": "cvm.tencentcloudapi.com",
}


def test_published_example_step_by_step() -> None:
    assert sha256_hex(EXAMPLE_PAYLOAD) == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    canonical = canonical_request(
        method="POST",
        payload=EXAMPLE_PAYLOAD,
        headers=EXAMPLE_HEADERS,
        signed_headers=("content-type", "host"),
    )
    assert sha256_hex(canonical.encode()) == (
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    date = credential_date(EXAMPLE_TIMESTAMP)
    assert date == "2019-02-25"  # the UTC date, not Beijing's 2019-02-26
    to_sign = string_to_sign(EXAMPLE_TIMESTAMP, date, "cvm", canonical)
    assert signature(EXAMPLE_KEY, date, "cvm", to_sign) == (
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_published_example_as_a_header() -> None:
    header = sign_request(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key=EXAMPLE_KEY,
        service="cvm",
        timestamp=EXAMPLE_TIMESTAMP,
        payload=EXAMPLE_PAYLOAD,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Host": "cvm.tencentcloudapi.com",
        },
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
    parsed = parse_authorization(header)
    assert parsed is not None
    assert parsed.signed_headers == ("content-type", "host")
    assert parsed.header() == header


def test_malformed_authorization_is_not_read() -> None:
    assert parse_authorization("") is None
    assert parse_authorization("HMAC-SHA256 Credential=a/b/c/tc3_request") is None
    assert parse_authorization("TC3-HMAC-SHA256 Credential=a/b/tc3_request, Signature=x") is None
    assert (
        parse_authorization(
            "TC3-HMAC-SHA256 Credential=a/2019-02-25/sms/tc3_request, SignedHeaders=host"
        )
        is None
    )


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timestamp: int,
    secret: str = SECRET,
    tampered: bytes | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[int, str, dict[str, Any]]:
    """A SendSms signed by hand (content-type;host only, as the official SDK signs)."""
    payload = json.dumps({"PhoneNumberSet": ["+8613800138000"]}).encode()
    host = url.removeprefix("http://")
    signed = {"Content-Type": "application/json", "Host": host}
    headers = {
        **signed,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": str(timestamp),
        "Authorization": sign_request(
            secret_id=KEY,
            secret_key=secret,
            service="sms",
            timestamp=timestamp,
            payload=payload,
            headers=signed,
        ),
        **(extra or {}),
    }
    sent = payload if tampered is None else tampered
    async with session.post(f"{url}/", data=sent, headers=headers) as response:
        return response.status, response.headers["Content-Type"], await response.json()


async def test_stand_in_refuses_expired_timestamps_and_bad_signatures(tmp_path: Path) -> None:
    """Errors come with HTTP 200 and Content-Type exactly application/json, as the SDK needs."""
    async with stand_in(tmp_path) as gw:
        now = int(time.time())
        status, content_type, body = await _post(gw.session, gw.url, timestamp=now - MAX_SKEW - 60)
        assert (status, content_type) == (200, "application/json")
        assert body["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"
        _, _, body = await _post(gw.session, gw.url, timestamp=now + MAX_SKEW + 60)
        assert body["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"
        _, _, body = await _post(gw.session, gw.url, timestamp=now, secret="wrong")
        assert body["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
        assert "RequestId" in body["Response"]
        tampered = json.dumps({"PhoneNumberSet": ["+8613900139000"]}).encode()
        _, _, body = await _post(gw.session, gw.url, timestamp=now, tampered=tampered)
        assert body["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
        _, _, body = await _post(
            gw.session, gw.url, timestamp=now, extra={"Authorization": "Basic abc"}
        )
        assert body["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
        _, _, body = await _post(gw.session, gw.url, timestamp=now, extra={"X-TC-Action": "Nope"})
        assert body["Response"]["Error"]["Code"] == "InvalidAction"
        # Signed correctly but without SmsSdkAppId: past the gateway, refused by SMS.
        _, _, body = await _post(gw.session, gw.url, timestamp=now)
        assert body["Response"]["Error"]["Code"] == "MissingParameter"
        assert gw.logged() == []
