"""Alibaba Cloud signatures against the published test vectors, and the gateway's checks."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.aliyun.signing import (
    parse_v3_authorization,
    percent_encode,
    v1_signature,
    v3_authorization,
    v3_canonical_request,
    v3_signature,
)
from channels.sandbox.aliyun_auth import Authenticator, GatewayError, SignedRequest


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
@example("SMS_123-a.b~Z9")  # nothing to encode: returned as it is
@example("")
@example("ok\n")  # a line end after unreserved text still needs encoding
@example("1+1 = 2/3&x")
def test_percent_encoding_is_rfc_3986_as_quote_does_it(text: str) -> None:
    # The signatures are pinned by the vectors below; this pins every other character.
    assert percent_encode(text) == quote(text, safe="~")


def test_v1_vector_of_the_rpc_signature_documentation() -> None:
    """DescribeRegions, GET, secret testsecret: the example of the RPC signature documentation."""
    params = {
        "Timestamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert v1_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_v1_vector_of_the_sms_documentation() -> None:
    """The SMS HTTP-protocol example, with a Chinese sign name and a JSON parameter."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert v1_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_v3_vector_of_the_v3_signature_documentation() -> None:
    """RunInstances on ECS, the example of the ACS3-HMAC-SHA256 documentation."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": "ecs.cn-shanghai.aliyuncs.com",
        "x-acs-action": "RunInstances",
        "x-acs-content-sha256": empty,
        "x-acs-date": "2023-10-26T10:22:32Z",
        "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        "x-acs-version": "2014-05-26",
    }
    query = {
        "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        "RegionId": "cn-shanghai",
    }
    request, signed = v3_canonical_request("POST", "/", query, headers, empty)
    expected = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    assert v3_signature(request, "YourAccessKeySecret") == expected
    authorization = v3_authorization(
        "POST", "/", query, headers, empty, "YourAccessKeyId", "YourAccessKeySecret"
    )
    parts = parse_v3_authorization(authorization)
    assert parts is not None
    assert parts.key_id == "YourAccessKeyId"
    assert ";".join(parts.signed_headers) == signed
    assert parts.signature == expected


def test_incomplete_v3_authorization_is_not_parsed() -> None:
    """A header without SignedHeaders or Signature is no v3 authorization."""
    assert parse_v3_authorization("ACS3-HMAC-SHA256 Credential=k") is None
    assert parse_v3_authorization("") is None


def _v1_request(stamp: str, nonce: str, secret: str = "s") -> SignedRequest:
    params = {
        "AccessKeyId": "k",
        "Action": "SendSms",
        "Version": "2017-05-25",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce,
        "Timestamp": stamp,
    }
    params["Signature"] = v1_signature(params, secret, "POST")
    return SignedRequest("POST", "/", params, {}, {}, b"")


def test_gateway_refuses_old_timestamps_and_reused_nonces() -> None:
    """15 minutes of clock skew at most, and a nonce only once."""
    now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    auth = Authenticator("k", "s", clock=lambda: now)
    auth.verify(_v1_request("2023-11-14T22:10:00Z", "n-1"))
    with pytest.raises(GatewayError) as reused:
        auth.verify(_v1_request("2023-11-14T22:10:00Z", "n-1"))
    assert (reused.value.status, reused.value.code) == (400, "SignatureNonceUsed")
    with pytest.raises(GatewayError) as old:
        auth.verify(_v1_request("2023-11-14T21:50:00Z", "n-2"))
    assert old.value.code == "InvalidTimeStamp.Expired"
    with pytest.raises(GatewayError) as wrong:
        auth.verify(_v1_request("2023-11-14T22:10:00Z", "n-3", secret="other"))
    assert (wrong.value.status, wrong.value.code) == (400, "SignatureDoesNotMatch")
