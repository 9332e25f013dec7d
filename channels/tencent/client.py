"""The tencent channel: SendSms for sending, PullSmsSendStatusByPhoneNumber for lookups."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp

from channels.base import (
    Accepted,
    ChannelKind,
    Failed,
    LookupResult,
    Outbound,
    RetryLater,
    SendResult,
    Unknown,
)
from channels.tencent.batching import Chunk, plan_requests
from channels.tencent.codes import (
    GATEWAY_UNUSABLE,
    SERVER_ERROR_DELAY,
    THROTTLE_DELAY,
    result_for_code,
)
from channels.tencent.config import TencentConfig
from channels.tencent.lookup import lookup_message
from channels.tencent.phones import normalise_phone
from channels.tencent.transport import ApiAnswer, NotSentError, OutcomeUnknownError, TencentApi
from core import get_logger

log = get_logger("channels.tencent")

NAME = "tencent"


class TencentChannel:
    """Tencent Cloud SMS (API 3.0, 2021-01-11) over aiohttp, signed with TC3-HMAC-SHA256."""

    def __init__(self, config: TencentConfig, session: aiohttp.ClientSession | None = None) -> None:
        if config.max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._config = config
        self._api = TencentApi(config, session)
        self._slots = asyncio.Semaphore(max(1, config.parallel_requests))

    @property
    def name(self) -> str:
        return NAME

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.SMS

    @property
    def max_batch(self) -> int:
        return self._config.max_batch

    async def close(self) -> None:
        await self._api.close()

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        """Send `batch` (at most `max_batch` messages); one result per message, in order."""
        if len(batch) > self.max_batch:
            raise ValueError(f"a tencent send takes at most {self.max_batch} messages")
        chunks, failed = plan_requests(batch, self._config.sign_name)
        results: dict[int, SendResult] = dict(failed)
        answers = await asyncio.gather(*(self._send_chunk(chunk) for chunk in chunks))
        for chunk, chunk_results in zip(chunks, answers, strict=True):
            results.update(zip(chunk.indexes, chunk_results, strict=True))
        return [results[i] for i in range(len(batch))]

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        """Ask the status query what became of `message` (sent, or maybe sent, at `sent_at`)."""
        return await lookup_message(self._api, self._config, message, sent_at)

    async def _send_chunk(self, chunk: Chunk) -> list[SendResult]:
        params: dict[str, Any] = {**chunk.params_json(), "SmsSdkAppId": self._config.sdk_app_id}
        async with self._slots:
            try:
                answer = await self._api.call("SendSms", params)
            except NotSentError as err:
                reason = f"未能连接腾讯云短信 / could not reach the gateway ({err})"
                return self._log(
                    chunk, [RetryLater(SERVER_ERROR_DELAY, reason)] * len(chunk.indexes)
                )
            except OutcomeUnknownError as err:
                reason = f"发送结果未知 / no complete answer from the gateway ({err})"
                return self._log(chunk, [Unknown(reason)] * len(chunk.indexes))
        return self._log(chunk, _read_answer(answer, chunk, datetime.now(UTC)))

    def _log(self, chunk: Chunk, results: list[SendResult]) -> list[SendResult]:
        outcomes: dict[str, int] = {}
        for result in results:
            key = result.code if isinstance(result, Failed) else type(result).__name__
            outcomes[key] = outcomes.get(key, 0) + 1
        log.info("tencent_send", numbers=len(chunk.indexes), outcomes=outcomes)
        return results


def _read_answer(answer: ApiAnswer, chunk: Chunk, now: datetime) -> list[SendResult]:
    """One result per message of `chunk` from the gateway's answer."""
    count = len(chunk.indexes)
    if answer.status != 200:
        return [_http_status_result(answer.status)] * count
    code = answer.error_code
    if code is not None:
        return [result_for_code(code, now)] * count
    statuses = answer.response.get("SendStatusSet")
    if not isinstance(statuses, list):
        return [Unknown("应答缺少 SendStatusSet / answer without SendStatusSet")] * count
    by_phone: dict[str, dict[str, Any]] = {}
    for status in statuses:
        if isinstance(status, dict):
            by_phone.setdefault(normalise_phone(str(status.get("PhoneNumber", ""))), status)
    results: list[SendResult] = []
    for position, phone in enumerate(chunk.phones):
        status = by_phone.get(normalise_phone(phone))
        if status is None and len(statuses) == count and isinstance(statuses[position], dict):
            status = statuses[position]
        results.append(_status_result(status, now))
    return results


def _status_result(status: dict[str, Any] | None, now: datetime) -> SendResult:
    if status is None:
        return Unknown("应答中没有该号码 / the answer does not mention this number")
    code = str(status.get("Code") or "")
    if code == "Ok":
        serial = str(status.get("SerialNo") or "")
        if serial:
            return Accepted(serial)
        return Unknown("已受理但没有流水号 / accepted without a SerialNo")
    return result_for_code(code or "InternalError.UnknownError", now)


def _http_status_result(status: int) -> SendResult:
    if status >= 500:
        return RetryLater(SERVER_ERROR_DELAY, f"腾讯云短信服务暂不可用 / gateway answered {status}")
    if status == 429:
        return RetryLater(THROTTLE_DELAY, "请求过于频繁 / gateway answered 429")
    return Failed(GATEWAY_UNUSABLE, f"接口地址配置错误 / gateway answered HTTP {status}")
