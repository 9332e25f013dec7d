"""How one `send` call becomes SendSms requests.

A SendSms request carries up to 200 numbers but ONE TemplateId, SignName and TemplateParamSet,
so only messages with identical template, sign and parameters can share a request. Personal
messages (a name, a pension estimate) differ, so most requests carry one number; a notice that
is the same for everybody goes out 200 numbers a request. `max_batch` of the channel is therefore
how many messages one `send` call may take, not how many share a request.

The request's SessionContext (echoed in the answer and in status queries, under 512 bytes) is
our references joined by commas in the order of PhoneNumberSet: a request with one message
carries exactly that message's reference. A request takes no more messages than fit there, and
never the same number twice (answers are matched to messages by number). A reference holding a
comma goes alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from channels.base import Failed, Outbound
from channels.tencent.config import MAX_NUMBERS, MAX_SESSION_CONTEXT
from channels.tencent.phones import to_e164

SESSION_SEPARATOR = ","


@dataclass(slots=True)
class Chunk:
    """The messages of one SendSms request: positions in the batch and what they share."""

    template: str
    sign: str
    params: tuple[str, ...]
    indexes: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def session_context(self) -> str:
        return SESSION_SEPARATOR.join(self.refs)

    def fits(self, ref: str, phone: str) -> bool:
        if self.closed or len(self.indexes) >= MAX_NUMBERS or phone in self.phones:
            return False
        grown = len(self.session_context.encode()) + 1 + len(ref.encode())
        return SESSION_SEPARATOR not in ref and grown <= MAX_SESSION_CONTEXT

    def add(self, index: int, ref: str, phone: str) -> None:
        self.indexes.append(index)
        self.refs.append(ref)
        self.phones.append(phone)
        if SESSION_SEPARATOR in ref:
            self.closed = True

    def params_json(self) -> dict[str, object]:
        """The SendSms parameters of this request, without SmsSdkAppId."""
        return {
            "PhoneNumberSet": list(self.phones),
            "TemplateId": self.template,
            "SignName": self.sign,
            "TemplateParamSet": list(self.params),
            "SessionContext": self.session_context,
        }


def refs_in_session(session_context: str) -> list[str]:
    """Our references carried by a SessionContext this channel wrote."""
    return session_context.split(SESSION_SEPARATOR) if session_context else []


def plan_requests(
    batch: Sequence[Outbound], default_sign: str | None
) -> tuple[list[Chunk], dict[int, Failed]]:
    """Group `batch` into requests; messages that cannot be sent at all fail here."""
    chunks: list[Chunk] = []
    open_chunks: dict[tuple[str, str, tuple[str, ...]], list[Chunk]] = {}
    failed: dict[int, Failed] = {}
    for index, message in enumerate(batch):
        sign = message.sign_name or default_sign
        if not message.template_code:
            failed[index] = Failed(
                "MissingParameter", "缺少短信模板 / no template code (MissingParameter)"
            )
            continue
        if not sign:
            failed[index] = Failed(
                "MissingParameter", "缺少短信签名 / no sign name (MissingParameter)"
            )
            continue
        params = tuple(value for _, value in message.params)
        key = (message.template_code, sign, params)
        phone = to_e164(message.to)
        candidates = open_chunks.setdefault(key, [])
        chunk = next((c for c in candidates if c.fits(message.ref, phone)), None)
        if chunk is None:
            chunk = Chunk(message.template_code, sign, params)
            candidates.append(chunk)
            chunks.append(chunk)
        chunk.add(index, message.ref, phone)
    return chunks, failed
