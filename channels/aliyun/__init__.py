"""Alibaba Cloud SMS (Dysmsapi 2017-05-25): the channel, its callbacks and its signatures."""

from channels.aliyun.callbacks import (
    ACKNOWLEDGE,
    MALFORMED,
    TRY_AGAIN,
    CallbackAnswer,
    parse_replies,
    parse_reports,
)
from channels.aliyun.client import AliyunChannel
from channels.aliyun.codes import GATEWAY_UNUSABLE, gateway_unusable
from channels.aliyun.config import DEFAULT_BASE_URL, MAX_BATCH, AliyunConfig
from channels.aliyun.lookup import BATCH_OUT_ID_PREFIX

__all__ = [
    "ACKNOWLEDGE",
    "BATCH_OUT_ID_PREFIX",
    "DEFAULT_BASE_URL",
    "GATEWAY_UNUSABLE",
    "MALFORMED",
    "MAX_BATCH",
    "TRY_AGAIN",
    "AliyunChannel",
    "AliyunConfig",
    "CallbackAnswer",
    "gateway_unusable",
    "parse_replies",
    "parse_reports",
]
