"""The Twilio stand-in's webhooks: status callbacks and inbound messages, signed like Twilio's.

Twilio posts each status change of a message to that message's StatusCallback URL, and each
SMS a resident sends to the messaging webhook of the number (here `SandboxConfig.reply_url`), as
form posts signed with the account's auth token in X-Twilio-Signature.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from channels.sandbox.common import Push, ReceiptEvent, SandboxConfig
from channels.sandbox.twilio_rules import segments
from channels.sandbox.twilio_store import (
    API_VERSION,
    MessageStore,
    StoredMessage,
    new_sid,
)
from channels.twilio.phones import from_e164, to_e164
from channels.twilio.signature import SIGNATURE_HEADER, compute_signature

#: The error code of an undelivered message: "Unreachable destination handset".
UNDELIVERED_CODE = 30003


def acknowledged(status: int, _body: bytes) -> bool:
    """Twilio counts any 2xx as a delivered webhook and ignores the body (TwiML or not)."""
    return 200 <= status < 300


def _push(config: SandboxConfig, url: str, form: list[tuple[str, str]]) -> Push:
    return Push(
        url=url,
        body=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            SIGNATURE_HEADER: compute_signature(config.secret, url, form),
        },
    )


class Webhooks:
    """Formats (and signs) the pushes; also moves messages to their final status."""

    def __init__(self, config: SandboxConfig, store: MessageStore) -> None:
        self.config = config
        self.store = store

    def receipts(self, events: Sequence[ReceiptEvent]) -> list[Push]:
        """One status callback per event, to the message's StatusCallback URL."""
        pushes = []
        for event in events:
            url = event.extra.get("status_callback") or self.config.callback_url
            message = self.store.get(event.provider_id)
            if url is None or message is None:
                continue
            status = "delivered" if event.delivered else "undelivered"
            error = None if event.delivered else UNDELIVERED_CODE
            self.store.finish(message.sid, status, error, event.reported_at)
            form = [
                ("AccountSid", message.account_sid),
                ("ApiVersion", API_VERSION),
                ("From", message.from_),
                ("MessageSid", message.sid),
                ("MessageStatus", status),
                ("RawDlrDoneDate", event.reported_at.astimezone(UTC).strftime("%y%m%d%H%M")),
                ("SmsSid", message.sid),
                ("SmsStatus", status),
                ("To", message.to),
            ]
            if error is not None:
                form.append(("ErrorCode", str(error)))
            if message.messaging_service_sid:
                form.append(("MessagingServiceSid", message.messaging_service_sid))
            pushes.append(_push(self.config, url, form))
        return pushes

    def reply(self, sender: str, text: str, at: datetime) -> list[Push]:
        """A resident's SMS to the number that last wrote to them, to the messaging webhook."""
        url = self.config.reply_url
        if url is None:
            return []
        phone = to_e164(from_e164(sender))
        to, service = self.store.last_sender(phone)
        sid = new_sid("SM")
        self.store.add(
            StoredMessage(
                sid=sid,
                account_sid=self.config.key,
                to=to,
                from_=phone,
                body=text,
                direction="inbound",
                status="received",
                num_segments=segments(text),
                date_created=at,
                date_sent=at,
                messaging_service_sid=service,
            )
        )
        form = [
            ("AccountSid", self.config.key),
            ("ApiVersion", API_VERSION),
            ("Body", text),
            ("From", phone),
            ("FromCountry", "CN" if phone.startswith("+86") else ""),
            ("MessageSid", sid),
            ("NumMedia", "0"),
            ("NumSegments", str(segments(text))),
            ("SmsMessageSid", sid),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("To", to),
            ("ToCountry", "CN" if to.startswith("+86") else "US"),
        ]
        if service:
            form.append(("MessagingServiceSid", service))
        return [_push(self.config, url, form)]
