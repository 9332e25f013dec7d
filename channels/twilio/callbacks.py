"""Twilio's webhooks into our types: status callbacks → Receipt, inbound SMS → Inbound.

Both arrive as form posts (application/x-www-form-urlencoded) signed in X-Twilio-Signature; the
web layer checks the signature with `verify_callback` against the full URL Twilio called (the
public one, with its query string), then parses the form here and answers with the matching
`CallbackAnswer`. Twilio needs only a 2xx to consider a webhook done; for an inbound message the
empty TwiML document tells it to send no automatic reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from channels.base import CallbackError, Inbound, Receipt
from channels.twilio.codes import delivery_state
from channels.twilio.config import REF_PARAM
from channels.twilio.phones import from_e164
from channels.twilio.signature import verify_signature

PROVIDER = "twilio"


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the receiver answers Twilio: HTTP status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes


#: An empty TwiML response: "received, send nothing back".
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
#: Answer to a status callback we have read (Twilio ignores the body of a 2xx).
RECEIPT_ANSWER = CallbackAnswer(200, "text/xml", EMPTY_TWIML)
#: Answer to an inbound message we have read: no automatic reply.
INBOUND_ANSWER = CallbackAnswer(200, "text/xml", EMPTY_TWIML)
#: Answer to a webhook whose form we cannot read (a CallbackError).
MALFORMED_ANSWER = CallbackAnswer(
    400, "text/plain; charset=utf-8", "回调格式错误 / malformed callback".encode()
)
#: Answer to a webhook whose signature does not check out (not from Twilio, or another token).
FORBIDDEN_ANSWER = CallbackAnswer(
    403, "text/plain; charset=utf-8", "签名无效 / invalid X-Twilio-Signature".encode()
)


def verify_callback(
    auth_token: str,
    url: str,
    form: Mapping[str, str] | Iterable[tuple[str, str]],
    signature: str | None,
) -> None:
    """Raise CallbackError unless `signature` is Twilio's signature of this webhook.

    `url` is the full URL Twilio requested, query string included; `form` its POST fields
    (every pair, when a name repeats).
    """
    if not verify_signature(auth_token, url, form, signature):
        raise CallbackError("X-Twilio-Signature 校验失败 / X-Twilio-Signature does not match")


def parse_status_callback(form: Mapping[str, str], url: str | None = None) -> Receipt:
    """A status callback as a Receipt; `url` (the URL Twilio called) supplies our ref."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        raise CallbackError(
            "状态回调缺少 MessageSid 或 MessageStatus / status callback lacks MessageSid or status"
        )
    state = delivery_state(status)
    if state is None:
        raise CallbackError(
            f"状态回调中的状态无法识别 / unknown status in status callback: {status[:40]}"
        )
    to = form.get("To")
    error = form.get("ErrorCode")
    return Receipt(
        provider=PROVIDER,
        state=state,
        ref=_ref(url),
        provider_id=sid,
        to=from_e164(to) if to else None,
        error_code=error if error and error != "0" else None,
    )


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    """An incoming SMS (the messaging webhook) as an Inbound from the resident's phone."""
    sender = form.get("From")
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    if not sender or not sid or "Body" not in form:
        raise CallbackError(
            "来信回调缺少 From、Body 或 MessageSid / inbound message lacks From, Body or sid"
        )
    extra = {"message_sid": sid}
    for field_name, key in (
        ("To", "to"),
        ("AccountSid", "account_sid"),
        ("MessagingServiceSid", "messaging_service_sid"),
        ("NumMedia", "num_media"),
    ):
        value = form.get(field_name)
        if value:
            extra[key] = from_e164(value) if field_name == "To" else value
    return Inbound(provider=PROVIDER, sender=from_e164(sender), text=form["Body"], extra=extra)


def _ref(url: str | None) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(REF_PARAM)
    return values[-1] if values else None
