"""Settings of one Alibaba Cloud SMS account, as the composition root reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: The public endpoint of Dysmsapi (mainland China).
DEFAULT_BASE_URL = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"


@dataclass(frozen=True, slots=True)
class AliyunConfig:
    """Credentials and behaviour of the aliyun channel.

    `batch` lets one `send` carry up to 100 messages (SendBatchSms for those sharing a template);
    off, every message goes alone through SendSms. `sign_name` is used for messages that carry
    none. `signature` picks the signing scheme; the gateway accepts both.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 10.0
    connect_timeout: float = 5.0
    batch: bool = True
    sign_name: str | None = None
    signature: Literal["v3", "v1"] = "v3"
    #: QuerySendDetails pages through a number's records of one day, at most 50 a page.
    lookup_page_size: int = 50
    lookup_max_pages: int = 10
