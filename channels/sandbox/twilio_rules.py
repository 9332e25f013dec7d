"""What the Twilio stand-in checks in a Message create request, with Twilio's codes.

Twilio itself checks the To number (21211), that there is a sender (21603), a body (21602) of at
most 1600 characters (21617) and a usable StatusCallback URL (21609). Mainland routes add what
Chinese carriers require of every message: a registered 【signature】 and content that matches a
registered template with every variable filled. Twilio reports carrier filtering as 30007; the
stand-in answers it at once (HTTP 400) when `SandboxConfig.signs` or `.templates` are set, so
that a test sees it without waiting for a receipt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from channels.twilio.config import REF_PARAM

MAX_BODY = 1600
FILTERED = 30007
_MAINLAND_E164 = re.compile(r"\+861[3-9]\d{9}")
_SIGN = re.compile(r"【([^】]{1,20})】")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}|\{(\d+)\}")
#: GSM 03.38 basic characters (one septet) and extension characters (two).
_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"


class Refusal(Exception):  # noqa: N818 - named for what the gateway does, as Twilio's docs do
    """A create request the gateway refuses: HTTP status, Twilio code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Submission:
    """A create request that passed every check."""

    to: str  # E.164
    phone: str  # 11-digit mainland form
    body: str
    text: str  # the body without its 【signature】
    sign: str | None
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    ref: str | None
    template: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    segments: int = 1


def check(
    form: Mapping[str, str],
    *,
    signs: set[str] | None,
    templates: Mapping[str, str] | None,
) -> Submission:
    """The submission in `form`, or `Refusal` with Twilio's code for the first problem."""
    to = form.get("To", "").strip()
    if not to:
        raise Refusal(400, 21604, "A 'To' phone number is required.")
    if not _MAINLAND_E164.fullmatch(to):
        raise Refusal(400, 21211, f"The 'To' number {to[:24]} is not a valid phone number.")
    from_ = form.get("From") or None
    service = form.get("MessagingServiceSid") or None
    if from_ is None and service is None:
        raise Refusal(400, 21603, "A 'From' phone number is required.")
    body = form.get("Body", "")
    if not body:
        raise Refusal(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise Refusal(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    callback = form.get("StatusCallback") or None
    if callback is not None and urlsplit(callback).scheme not in ("http", "https"):
        raise Refusal(400, 21609, f"The StatusCallback URL {callback[:80]} is not a valid URL.")
    sign_match = _SIGN.match(body)
    sign = sign_match.group(1) if sign_match else None
    text = body[sign_match.end() :] if sign_match else body
    if signs is not None and sign not in signs:
        raise Refusal(400, FILTERED, "Message filtered: the signature is not registered.")
    unfilled = _PLACEHOLDER.search(text)
    if unfilled is not None:
        raise Refusal(
            400, FILTERED, f"Message filtered: template variable {unfilled.group(0)} has no value."
        )
    template: str | None = None
    params: dict[str, str] = {}
    if templates is not None:
        found = match_template(text, templates)
        if found is None:
            raise Refusal(
                400, FILTERED, "Message filtered: the content matches no registered template."
            )
        template, params = found
    return Submission(
        to=to,
        phone=to[3:],
        body=body,
        text=text,
        sign=sign,
        from_=from_,
        messaging_service_sid=service,
        status_callback=callback,
        ref=_ref(callback),
        template=template,
        params=params,
        segments=segments(body),
    )


def match_template(text: str, templates: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
    """The registered template `text` fills, with the values of its variables."""
    for code, content in templates.items():
        names: list[str] = []
        pattern = ""
        position = 0
        for placeholder in _PLACEHOLDER.finditer(content):
            pattern += re.escape(content[position : placeholder.start()])
            names.append(placeholder.group(1) or placeholder.group(2))
            pattern += f"(?P<v{len(names) - 1}>.+?)"
            position = placeholder.end()
        pattern += re.escape(content[position:])
        matched = re.fullmatch(pattern, text, flags=re.DOTALL)
        if matched is not None:
            return code, {name: matched.group(f"v{i}") for i, name in enumerate(names)}
    return None


def segments(body: str) -> int:
    """How many billed parts: GSM-7 160/153 septets, otherwise UCS-2 70/67 characters."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body):
        septets = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    return 1 if len(body) <= 70 else math.ceil(len(body) / 67)


def _ref(callback: str | None) -> str | None:
    if callback is None:
        return None
    values = parse_qs(urlsplit(callback).query).get(REF_PARAM)
    return values[-1] if values else None
