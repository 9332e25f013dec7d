"""Settings of one Alibaba Cloud SMS account, as the composition root reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: The public endpoint of Dysmsapi (mainland China).
DEFAULT_BASE_URL = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
#: Most numbers one SendBatchSms request may carry.
MAX_BATCH = 100


@dataclass(frozen=True, slots=True)
class AliyunConfig:
    """Credentials and behaviour of the aliyun channel.

    `batch` lets one `send` carry up to `batch_size` messages (1..MAX_BATCH), those sharing a
    template going together through SendBatchSms; off, or with `batch_size` 1, every message goes
    alone through SendSms. `sign_name` is used for messages that carry none. `signature` picks
    the signing scheme; the gateway accepts both.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 10.0
    connect_timeout: float = 5.0
    batch: bool = True
    batch_size: int = MAX_BATCH
    sign_name: str | None = None
    signature: Literal["v3", "v1"] = "v3"
    #: QuerySendDetails pages through a number's records of one day, at most 50 a page.
    lookup_page_size: int = 50
    lookup_max_pages: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}, not {self.batch_size}")
