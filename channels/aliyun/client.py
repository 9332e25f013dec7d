"""The aliyun channel: SendSms / SendBatchSms to send, QuerySendDetails to look up.

Messages of one `send` that share a template go together through SendBatchSms (up to the
config's `batch_size` a request, 100 at most) when batch mode is on; the rest go one by one
through SendSms with our reference as OutId. SendBatchSms has one OutId and one answer Code for
the whole request: its messages are all Accepted with the request's BizId (receipts carry BizId
and the phone number, which together identify each message), and when the gateway refuses the
request for a reason that concerns one number (bad number, frequency limit, missing
parameter...), nothing was sent, so the messages are sent again one by one to learn which number
it was.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any

import aiohttp

from channels.aliyun.codes import (
    PER_NUMBER_CODES,
    SERVER_ERROR_DELAY,
    THROTTLE_DELAY,
    result_for_code,
)
from channels.aliyun.config import AliyunConfig
from channels.aliyun.lookup import BATCH_OUT_ID_PREFIX, match, parse_details, send_dates
from channels.aliyun.phones import normalise_phone
from channels.aliyun.transport import AliyunRpc, NotSentError, OutcomeUnknownError, RpcAnswer
from channels.base import (
    Accepted,
    ChannelKind,
    Failed,
    LookupResult,
    LookupUnavailable,
    Outbound,
    RetryLater,
    SendResult,
    Unknown,
)
from core import get_logger

log = get_logger("channels.aliyun")

#: Most requests in flight at once for one `send` (the API limits requests per second).
MAX_CONCURRENT = 8


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _not_sent(err: NotSentError) -> RetryLater:
    return RetryLater(
        SERVER_ERROR_DELAY,
        f"未能连接短信平台，短信未发出 / could not reach the gateway, not sent ({err})",
    )


def _unknown(err: OutcomeUnknownError) -> Unknown:
    return Unknown(
        f"请求已发出但未收到答复，结果待查 / sent without a full answer, outcome unknown ({err})"
    )


def interpret(answer: RpcAnswer) -> SendResult:
    """The outcome of one SendSms / SendBatchSms answer."""
    if answer.status == 200 and answer.code == "OK":
        biz_id = str(answer.body.get("BizId") or "")
        if not biz_id:
            return Unknown("短信平台答复成功但缺少 BizId / OK answer without a BizId")
        return Accepted(biz_id)
    if answer.status >= 500:
        return RetryLater(
            SERVER_ERROR_DELAY,
            f"短信平台服务端错误 / gateway server error (HTTP {answer.status} {answer.code})",
        )
    if answer.status == 429:
        return RetryLater(answer.retry_after or THROTTLE_DELAY, "请求被限流 / throttled (HTTP 429)")
    if answer.code:
        return result_for_code(answer.code, answer.message, answer.retry_after)
    if answer.status == 200:
        return Unknown("短信平台答复无法识别 / HTTP 200 without a Code")
    return Failed(
        f"http_{answer.status}", f"短信平台拒绝请求 / the gateway refused (HTTP {answer.status})"
    )


class AliyunChannel:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25) as a `channels.base.Channel`."""

    def __init__(self, config: AliyunConfig, session: aiohttp.ClientSession | None = None) -> None:
        self._config = config
        self._rpc = AliyunRpc(config, session)
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        #: Numbers per SendBatchSms request; 1: every message alone through SendSms.
        self._batch_size = config.batch_size if config.batch else 1

    @property
    def name(self) -> str:
        return "aliyun"

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.SMS

    @property
    def max_batch(self) -> int:
        return self._batch_size

    async def close(self) -> None:
        await self._rpc.close()

    # -- send --------------------------------------------------------------------------------
    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        """One result per message, in order; gateway trouble becomes a result, never an error."""
        results: list[SendResult | None] = [None] * len(batch)
        groups: dict[str, list[int]] = {}
        for index, message in enumerate(batch):
            problem = self._local_problem(message)
            if problem is not None:
                results[index] = problem
            else:
                groups.setdefault(message.template_code or "", []).append(index)
        jobs: list[tuple[list[int], Coroutine[Any, Any, list[SendResult]]]] = []
        for indices in groups.values():
            if self._batch_size > 1 and len(indices) > 1:
                for start in range(0, len(indices), self._batch_size):
                    chunk = indices[start : start + self._batch_size]
                    jobs.append((chunk, self._send_batch([batch[i] for i in chunk])))
            else:
                jobs.extend(([i], self._send_alone(batch[i])) for i in indices)
        if len(jobs) == 1:  # one request (a single send): no task of its own to schedule
            answers = [await jobs[0][1]]
        else:
            async with asyncio.TaskGroup() as tasks:
                running = [tasks.create_task(job) for _, job in jobs]
            answers = [task.result() for task in running]
        for (indices, _), answer in zip(jobs, answers, strict=True):
            for index, result in zip(indices, answer, strict=True):
                results[index] = result
        return [r if r is not None else Unknown("internal: no result") for r in results]

    def _local_problem(self, message: Outbound) -> Failed | None:
        if not message.template_code:
            return Failed(
                "missing_template",
                "阿里云短信只能按已审核模板发送，此消息没有模板编号 / "
                "Alibaba Cloud sends approved templates only; this message has no template code",
            )
        if not (message.sign_name or self._config.sign_name):
            return Failed(
                "missing_sign_name",
                "此消息没有短信签名，也未配置默认签名 / no sign name on the message or in settings",
            )
        return None

    def _sign(self, message: Outbound) -> str:
        return message.sign_name or self._config.sign_name or ""

    async def _call(self, action: str, params: dict[str, str]) -> RpcAnswer:
        async with self._slots:
            return await self._rpc.call(action, params)

    async def _send_alone(self, message: Outbound) -> list[SendResult]:
        params = {
            "PhoneNumbers": normalise_phone(message.to),
            "SignName": self._sign(message),
            "TemplateCode": message.template_code or "",
            "OutId": message.ref,
        }
        if message.params:
            params["TemplateParam"] = _json(dict(message.params))
        try:
            answer = await self._call("SendSms", params)
        except NotSentError as err:
            return [_not_sent(err)]
        except OutcomeUnknownError as err:
            return [_unknown(err)]
        result = interpret(answer)
        log.info("aliyun_send", ref=message.ref, outcome=type(result).__name__, code=answer.code)
        return [result]

    async def _send_batch(self, messages: Sequence[Outbound]) -> list[SendResult]:
        out_id = f"{BATCH_OUT_ID_PREFIX}{uuid.uuid4().hex[:24]}"
        params = {
            "PhoneNumberJson": _json([normalise_phone(m.to) for m in messages]),
            "SignNameJson": _json([self._sign(m) for m in messages]),
            "TemplateCode": messages[0].template_code or "",
            "OutId": out_id,
        }
        if any(m.params for m in messages):
            params["TemplateParamJson"] = _json([dict(m.params) for m in messages])
        try:
            answer = await self._call("SendBatchSms", params)
        except NotSentError as err:
            return [_not_sent(err)] * len(messages)
        except OutcomeUnknownError as err:
            return [_unknown(err)] * len(messages)
        result = interpret(answer)
        log.info(
            "aliyun_send_batch",
            out_id=out_id,
            count=len(messages),
            outcome=type(result).__name__,
            code=answer.code,
            biz_id=result.provider_id if isinstance(result, Accepted) else None,
        )
        if answer.code in PER_NUMBER_CODES and len(messages) > 1:
            alone = await asyncio.gather(*(self._send_alone(m) for m in messages))
            return [results[0] for results in alone]
        return [result] * len(messages)

    # -- lookup ------------------------------------------------------------------------------
    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        """What QuerySendDetails knows of `message` (see channels.aliyun.lookup for matching)."""
        phone = normalise_phone(message.to)
        size = max(1, min(self._config.lookup_page_size, 50))
        details = []
        complete = True
        for day in send_dates(sent_at):
            total = 0
            for page in range(1, self._config.lookup_max_pages + 1):
                params = {
                    "PhoneNumber": phone,
                    "SendDate": day,
                    "PageSize": str(size),
                    "CurrentPage": str(page),
                }
                try:
                    answer = await self._call("QuerySendDetails", params)
                except (NotSentError, OutcomeUnknownError) as err:
                    return LookupUnavailable(f"查询发送记录失败 / status query failed ({err})")
                if answer.status != 200 or answer.code != "OK":
                    return LookupUnavailable(
                        f"查询发送记录被拒绝 / status query refused "
                        f"(HTTP {answer.status} {answer.code}: {answer.message})"
                    )
                rows = parse_details(answer.body)
                details.extend(rows)
                try:
                    total = int(answer.body.get("TotalCount") or 0)
                except (TypeError, ValueError):
                    total = 0
                if not rows or page * size >= total:
                    break
            else:
                complete = complete and total <= self._config.lookup_max_pages * size
        return match(message, details, complete=complete)
