"""The one protocol every channel speaks: send a batch, get one outcome per message.

A channel knows nothing of campaigns or the ledger. It is handed `Outbound` messages (our
reference, the address, the text already rendered, and, for template-based SMS providers, the
approved template code, sign name and the parameters that fill it) and answers, in the same
order, one `SendResult` per message:

- `Accepted`: the gateway took it; `provider_id` is its id (BizId, SerialNo, Message SID...).
- `RetryLater`: not sent, safe to try again after `delay` seconds (throttled, 5xx before the
  gateway accepted anything, connection refused).
- `Failed`: not sent and never will be (bad number, template not approved, user blocked the
  bot); `opt_out` is set when the failure means the person refused us (Telegram 403).
- `Unknown`: the request may have been accepted (timeout after sending, dropped connection
  after the body went out). Never blindly repeated: resolved later by a delivery receipt or by
  `Channel.lookup`.

Gateways call us back with delivery receipts and residents' replies; each provider module parses
its own formats into `Receipt` and `Inbound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ChannelKind(StrEnum):
    """What kind of address a channel reaches."""

    SMS = "sms"
    TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send.

    `ref` is our message id; SMS providers echo it in receipts (Alibaba OutId, Tencent
    SessionContext, a query parameter of Twilio's StatusCallback).
    `to` is an 11-digit mainland mobile number for SMS, a chat id for Telegram.
    `text` is the full body as the resident will read it, without the 【signature】.
    `params` fill the provider's approved template, in the template's order.
    """

    ref: str
    to: str
    text: str
    template_code: str | None = None
    sign_name: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Accepted:
    provider_id: str


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Not sent; try again after `delay` seconds.

    `counts_attempt` is off when nothing was tried (every gateway of the message is paused), so
    an outage does not use up a message's bounded retries.
    """

    delay: float
    reason: str
    counts_attempt: bool = True


@dataclass(frozen=True, slots=True)
class Failed:
    code: str
    reason: str
    opt_out: bool = False


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str


SendResult = Accepted | RetryLater | Failed | Unknown


class DeliveryState(StrEnum):
    """What a receipt or a status query says became of an accepted message."""

    SENT = "sent"  # handed to the carrier, not yet delivered
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Found:
    """The gateway has the message (answer of `Channel.lookup`)."""

    provider_id: str
    state: DeliveryState
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class NotFound:
    """The gateway has no record of the message: it was never accepted."""


@dataclass(frozen=True, slots=True)
class LookupUnavailable:
    """The gateway cannot tell (no status API, or the query failed); ask again later."""

    reason: str


LookupResult = Found | NotFound | LookupUnavailable


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery report pushed by a gateway.

    `provider_id` (with `to` where one provider id covers a batch, as Alibaba's BizId does) or
    `ref` identifies the message.
    """

    provider: str
    state: DeliveryState
    ref: str | None = None
    provider_id: str | None = None
    to: str | None = None
    error_code: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message from a resident: an SMS reply (sender is a phone) or a Telegram message."""

    provider: str
    sender: str
    text: str
    at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


class CallbackError(ValueError):
    """A gateway callback we cannot read (answered 400; the gateway retries or gives up)."""


@runtime_checkable
class Channel(Protocol):
    """A way of reaching people. One instance per configured gateway account."""

    @property
    def name(self) -> str:
        """Provider name as used in settings and logs: aliyun, tencent, twilio, telegram."""
        ...

    @property
    def kind(self) -> ChannelKind: ...

    @property
    def max_batch(self) -> int:
        """Most messages one `send` call may carry (1 for single-send APIs)."""
        ...

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        """Send `batch`; one result per message, in order. Never raises for gateway errors."""
        ...

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        """Ask the gateway what became of a message whose send outcome is unknown."""
        ...

    async def close(self) -> None: ...
