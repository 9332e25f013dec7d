"""Twilio's webhooks parsed into Receipt and Inbound, and what the receiver answers."""

from __future__ import annotations

import pytest

from channels.base import CallbackError, DeliveryState, Inbound, Receipt
from channels.twilio import (
    EMPTY_TWIML,
    INBOUND_ANSWER,
    RECEIPT_ANSWER,
    compute_signature,
    from_e164,
    parse_inbound,
    parse_status_callback,
    to_e164,
    verify_callback,
)

SID = "SM" + "ab" * 16
URL = "https://outreach.example.cn/callbacks/twilio/status?ref=msg-42"


def status_form(**changes: str) -> dict[str, str]:
    form = {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "From": "+15005550006",
        "MessageSid": SID,
        "MessageStatus": "delivered",
        "SmsSid": SID,
        "SmsStatus": "delivered",
        "To": "+8613800138000",
    }
    form.update(changes)
    return form


def test_delivered_callback_names_our_message_by_ref_sid_and_phone() -> None:
    """A delivered callback gives our ref (from the URL), the SID and the 11-digit phone."""
    assert parse_status_callback(status_form(), URL) == Receipt(
        provider="twilio",
        state=DeliveryState.DELIVERED,
        ref="msg-42",
        provider_id=SID,
        to="13800138000",
    )


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", DeliveryState.SENT),
        ("sent", DeliveryState.SENT),
        ("undelivered", DeliveryState.FAILED),
        ("failed", DeliveryState.FAILED),
        ("read", DeliveryState.DELIVERED),
    ],
)
def test_each_status_maps_to_its_state(status: str, state: DeliveryState) -> None:
    """Intermediate statuses are SENT, undelivered and failed are FAILED."""
    receipt = parse_status_callback(status_form(MessageStatus=status), URL)
    assert receipt.state is state


def test_undelivered_callback_carries_its_error_code() -> None:
    """ErrorCode of an undelivered message is kept; a callback without our ref has ref None."""
    receipt = parse_status_callback(status_form(MessageStatus="undelivered", ErrorCode="30003"))
    assert (receipt.state, receipt.error_code, receipt.ref) == (
        DeliveryState.FAILED,
        "30003",
        None,
    )


@pytest.mark.parametrize(
    "form",
    [
        {"MessageStatus": "delivered", "To": "+8613800138000"},
        {"MessageSid": SID, "To": "+8613800138000"},
        status_form(MessageStatus="received", SmsStatus="received"),
        status_form(MessageStatus="bogus", SmsStatus="bogus"),
    ],
)
def test_malformed_status_callbacks_are_refused(form: dict[str, str]) -> None:
    """No SID, no status, an inbound status or an unknown one is a CallbackError."""
    with pytest.raises(CallbackError):
        parse_status_callback(form, URL)


def test_inbound_sms_parses_into_inbound_from_the_residents_phone() -> None:
    """An incoming SMS gives the 11-digit sender, the text and the message ids."""
    form = {
        "MessageSid": SID,
        "SmsMessageSid": SID,
        "AccountSid": "AC" + "0" * 32,
        "From": "+8613800138000",
        "To": "+15005550006",
        "Body": "TD",
        "NumMedia": "0",
    }
    assert parse_inbound(form) == Inbound(
        provider="twilio",
        sender="13800138000",
        text="TD",
        extra={
            "message_sid": SID,
            "to": "+15005550006",
            "account_sid": "AC" + "0" * 32,
            "num_media": "0",
        },
    )


@pytest.mark.parametrize("missing", ["From", "Body", "MessageSid"])
def test_inbound_without_sender_body_or_sid_is_refused(missing: str) -> None:
    """An inbound form lacking From, Body or MessageSid is a CallbackError."""
    form = {"MessageSid": SID, "From": "+8613800138000", "To": "+15005550006", "Body": "T"}
    del form[missing]
    with pytest.raises(CallbackError):
        parse_inbound(form)


def test_verify_callback_accepts_signed_and_refuses_forged() -> None:
    """A correctly signed form passes; the same form under another token is refused."""
    form = status_form()
    signature = compute_signature("token", URL, form)
    verify_callback("token", URL, form, signature)
    with pytest.raises(CallbackError):
        verify_callback("other-token", URL, form, signature)
    with pytest.raises(CallbackError):
        verify_callback("token", URL, form, None)


def test_answers_tell_twilio_the_webhook_is_done_and_send_nothing_back() -> None:
    """Both answers are 200 with an empty TwiML document as text/xml."""
    assert EMPTY_TWIML == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    for answer in (RECEIPT_ANSWER, INBOUND_ANSWER):
        assert (answer.status, answer.content_type, answer.body) == (200, "text/xml", EMPTY_TWIML)


@pytest.mark.parametrize(
    ("ours", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("1380000", "+861380000"),
    ],
)
def test_phones_to_e164(ours: str, e164: str) -> None:
    """11-digit numbers get +86; a bare country code gets its +; odd numbers pass through."""
    assert to_e164(ours) == e164


@pytest.mark.parametrize(
    ("e164", "ours"),
    [
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("+14158675309", "+14158675309"),
    ],
)
def test_phones_from_e164(e164: str, ours: str) -> None:
    """Mainland numbers lose their country code; numbers abroad stay in E.164."""
    assert from_e164(e164) == ours
