"""The settings of one Twilio account (or Twilio-compatible aggregator) the channel sends with."""

from __future__ import annotations

from dataclasses import dataclass, field

from core import BilingualError

#: The real public endpoint; the demo and the tests point `base_url` at the local stand-in.
TWILIO_API = "https://api.twilio.com"

#: The query parameter of StatusCallback that carries our message id back to us in receipts.
REF_PARAM = "ref"


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """Credentials, sender and timing of one Twilio account.

    Exactly one of `from_number` (an E.164 number or alphanumeric sender id) and
    `messaging_service_sid` (MG…) names the sender, as the API requires one of From and
    MessagingServiceSid. `status_callback_url` is where Twilio posts delivery receipts; each
    message adds `?ref=<our id>` to it so that a receipt names our message even before we have
    stored the provider's id.
    """

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    status_callback_url: str | None = None
    base_url: str = TWILIO_API
    #: Seconds for the whole request; past it an already-sent request is an Unknown outcome.
    timeout: float = 10.0
    #: Seconds allowed for opening the connection: a failure here means nothing was sent.
    connect_timeout: float = 5.0
    #: Delay after general throttling (HTTP 429, code 20429) when no Retry-After is given.
    throttle_delay: float = 5.0
    #: Delay after a per-number frequency limit (code 14107): the window is long.
    number_limit_delay: float = 3600.0
    #: Delay after 5xx answers and refused connections.
    server_error_delay: float = 30.0
    #: A lookup trusts "not in the message list" only this many seconds after the send:
    #: before that the message may still be on its way into Twilio's queue.
    lookup_settle: float = 300.0
    #: Most pages (of `lookup_page_size` messages to the same number) one lookup reads.
    lookup_max_pages: int = 5
    lookup_page_size: int = 50

    def __post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise BilingualError(
                "Twilio 账户 SID 和 Auth Token 都必须填写",
                "Twilio needs both the account SID and the auth token",
            )
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise BilingualError(
                "Twilio 发送方须二选一：发信号码（From）或消息服务 SID（MessagingServiceSid）",
                "Twilio needs exactly one sender: a From number or a MessagingServiceSid",
            )
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise BilingualError("超时时间必须大于 0", "timeouts must be positive")

    @property
    def messages_url(self) -> str:
        """The Message list resource of this account (POST creates, GET lists)."""
        return f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def message_url(self, sid: str) -> str:
        """One Message resource."""
        base = self.base_url.rstrip("/")
        return f"{base}/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
