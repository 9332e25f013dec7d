"""Settings of one Tencent Cloud SMS application, as the composition root reads them."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The public endpoint of Tencent Cloud SMS (API 3.0).
DEFAULT_BASE_URL = "https://sms.tencentcloudapi.com"
API_VERSION = "2021-01-11"
SERVICE = "sms"
#: SendSms takes at most this many numbers in one request.
MAX_NUMBERS = 200
#: SessionContext must stay under 512 bytes.
MAX_SESSION_CONTEXT = 511


@dataclass(frozen=True, slots=True)
class TencentConfig:
    """Credentials and behaviour of the tencent channel.

    `sign_name` is used for messages that carry none. `max_batch` is how many messages one
    `send` call may carry; they are grouped into SendSms requests of identical template, sign and
    parameters (see `channels.tencent.batching`), and up to `parallel_requests` requests of one
    call are in flight at once.

    `lookup_settle`: the status query (PullSmsSendStatusByPhoneNumber) may list a message only
    once the carrier has reported on it, so a message missing from the answer is reported
    `NotFound` only when it was sent at least this many seconds ago; before that the answer is
    `LookupUnavailable`. The query finds our reference through the echoed SessionContext, which
    Tencent fills in status records only when the account has that feature switched on.
    """

    secret_id: str
    secret_key: str = field(repr=False)
    sdk_app_id: str
    base_url: str = DEFAULT_BASE_URL
    region: str = "ap-guangzhou"
    timeout: float = 10.0
    connect_timeout: float = 5.0
    sign_name: str | None = None
    max_batch: int = MAX_NUMBERS
    parallel_requests: int = 8
    lookup_settle: float = 3600.0
