"""Every kind of Twilio refusal maps to the outcome the dispatcher must act on."""

from __future__ import annotations

import pytest

from channels.base import Failed, RetryLater, SendResult
from channels.twilio import GATEWAY_UNUSABLE, TwilioConfig, gateway_unusable
from channels.twilio.codes import result_for_error
from core import BilingualError


def outcome(status: int, code: str | None, retry_after: float | None = None) -> SendResult:
    return result_for_error(
        status,
        code,
        "message from Twilio",
        retry_after=retry_after,
        throttle_delay=5.0,
        number_limit_delay=3600.0,
        server_error_delay=30.0,
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [(401, "20003"), (403, "20005"), (400, "30002"), (404, "20404"), (400, "21606"), (401, None)],
)
def test_account_problems_make_the_gateway_unusable(status: int, code: str | None) -> None:
    """Bad credentials, inactive or suspended accounts and foreign senders stop the gateway."""
    result = outcome(status, code)
    assert isinstance(result, Failed)
    assert result.code == GATEWAY_UNUSABLE
    assert gateway_unusable(result)


def test_unsubscribed_recipient_is_an_opt_out() -> None:
    """21610 fails the message and marks the person as having refused us."""
    result = outcome(400, "21610")
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out, gateway_unusable(result)) == ("21610", True, False)


@pytest.mark.parametrize("code", ["21211", "21614", "21602", "21617", "30007", "99999"])
def test_message_problems_fail_only_the_message(code: str) -> None:
    """Bad numbers, bodies, filtered content and unlisted codes fail with their own code."""
    result = outcome(400, code)
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out, gateway_unusable(result)) == (code, False, False)
    assert code in result.reason


def test_per_number_limit_waits_long_and_throttling_short() -> None:
    """14107 waits an hour; 20429 (or a bare 429) waits the throttle delay or Retry-After."""
    limited = outcome(429, "14107")
    assert isinstance(limited, RetryLater)
    assert limited.delay == 3600.0
    throttled = outcome(429, "20429")
    assert isinstance(throttled, RetryLater)
    assert throttled.delay == 5.0
    bare = outcome(429, None, retry_after=12.0)
    assert isinstance(bare, RetryLater)
    assert bare.delay == 12.0


@pytest.mark.parametrize(("status", "code"), [(500, "20500"), (503, "20503"), (502, None)])
def test_server_errors_retry_later(status: int, code: str | None) -> None:
    """5xx answers (with or without a Twilio code) are retried after the server-error delay."""
    result = outcome(status, code)
    assert isinstance(result, RetryLater)
    assert result.delay == 30.0


def test_reasons_are_chinese_first_then_english() -> None:
    """Staff read reasons: Chinese, a slash, English, then the code."""
    result = outcome(400, "21211")
    assert isinstance(result, Failed)
    assert result.reason.startswith("手机号码")
    assert " / the To number is not valid (21211" in result.reason


@pytest.mark.parametrize(
    ("from_number", "service"), [(None, None), ("+15005550006", "MG" + "0" * 32)]
)
def test_config_needs_exactly_one_sender(from_number: str | None, service: str | None) -> None:
    """Neither or both of From and MessagingServiceSid is a configuration error staff can fix."""
    with pytest.raises(BilingualError) as raised:
        TwilioConfig(
            account_sid="AC1",
            auth_token="t",
            from_number=from_number,
            messaging_service_sid=service,
        )
    assert raised.value.zh.startswith("Twilio 发送方")


def test_config_hides_the_auth_token_from_repr() -> None:
    """The auth token never shows in logs that print the config."""
    config = TwilioConfig(account_sid="AC1", auth_token="s3cret", from_number="+15005550006")
    assert "s3cret" not in repr(config)
