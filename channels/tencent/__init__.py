"""Tencent Cloud SMS (API 3.0, 2021-01-11): the channel, its callbacks and its signatures."""

from channels.tencent.batching import SESSION_SEPARATOR, refs_in_session
from channels.tencent.callbacks import (
    ACKNOWLEDGE,
    MALFORMED,
    TRY_AGAIN,
    CallbackAnswer,
    parse_replies,
    parse_reports,
)
from channels.tencent.client import NAME, TencentChannel
from channels.tencent.codes import GATEWAY_UNUSABLE, gateway_unusable, result_for_code
from channels.tencent.config import API_VERSION, DEFAULT_BASE_URL, MAX_NUMBERS, TencentConfig

__all__ = [
    "ACKNOWLEDGE",
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "GATEWAY_UNUSABLE",
    "MALFORMED",
    "MAX_NUMBERS",
    "NAME",
    "SESSION_SEPARATOR",
    "TRY_AGAIN",
    "CallbackAnswer",
    "TencentChannel",
    "TencentConfig",
    "gateway_unusable",
    "parse_replies",
    "parse_reports",
    "refs_in_session",
    "result_for_code",
]
