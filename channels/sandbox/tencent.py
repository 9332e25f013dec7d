"""A local stand-in of Tencent Cloud SMS (API 3.0, 2021-01-11) that the official SDK accepts.

`POST /` with a JSON body and the X-TC-* headers, signed TC3-HMAC-SHA256 (see tencent_auth).
Actions: SendSms and PullSmsSendStatusByPhoneNumber. Every answer is HTTP 200 with
`Content-Type: application/json` exactly (the official SDK notices errors only then):
`{"Response": {..., "RequestId"}}`, with `Error: {Code, Message}` for a refused request. SendSms
refusals that concern numbers (format, frequency limits, sign, template, parameter count) come
per number in SendStatusSet, as the real service answers them.

Interpretation: the real status query documents that report data appears only once the carrier
reported; this stand-in lists every accepted message, with empty report fields until then.
Only mainland numbers are taken (international ones are refused as IncorrectPhoneNumber).
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from channels.sandbox.common import Fault, SandboxConfig, SandboxCore
from channels.sandbox.tencent_auth import ApiError, authenticate
from channels.sandbox.tencent_push import TencentPushes, acknowledged
from channels.sandbox.tencent_store import SentRecord, SentStore
from channels.tencent.phones import is_mainland

MAX_NUMBERS = 200
MAX_SESSION_CONTEXT = 511
PULL_MAX_LIMIT = 100
PULL_HORIZON = 7 * 86400
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_E164_MAINLAND = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_CORE_KEY: web.AppKey[SandboxCore] = web.AppKey("tencent_core", SandboxCore)


def _answer(response: dict[str, Any], request_id: str) -> web.Response:
    body = json.dumps({"Response": {**response, "RequestId": request_id}}, ensure_ascii=False)
    return web.Response(body=body.encode(), headers={"Content-Type": "application/json"})


def _error(error: ApiError, request_id: str) -> web.Response:
    return _answer({"Error": {"Code": error.code, "Message": error.message}}, request_id)


@dataclass(frozen=True, slots=True)
class _Send:
    """The request-wide parts of one SendSms call."""

    app_id: str
    template: str
    sign: str
    params: list[str]
    context: str
    refusal: tuple[str, str] | None  # sign/template/parameter problem, reported per number
    text: str | None


class TencentStandIn:
    """Request handling of the stand-in; state lives in `SandboxCore` and `SentStore`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = SentStore()
        self.pushes = TencentPushes(config, self.store)
        self.core = SandboxCore(
            config,
            format_receipts=self.pushes.receipts,
            format_reply=self.pushes.reply,
            acknowledged=acknowledged,
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.core.faults.down:
            return web.Response(status=503, text="503 Service Temporarily Unavailable")
        body = await request.read()
        request_id = str(uuid.uuid4())
        try:
            action = authenticate(request, body, self.config.key, self.config.secret)
            params = _params(body)
            if action == "PullSmsSendStatusByPhoneNumber":
                await self.core.delay()
                return _answer(self._pull(params), request_id)
            send = self._read_send(params)
        except ApiError as error:
            return _error(error, request_id)
        fault = self.core.pick_fault()
        if fault is Fault.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPServiceUnavailable  # never written: the connection is gone
        if fault is Fault.ERROR_5XX:
            return web.Response(status=502, text="502 Bad Gateway")
        if fault is Fault.THROTTLE:
            return _error(
                ApiError(
                    "RequestLimitExceeded",
                    "Your current request times exceeds the frequency limit for a second. "
                    "Please reduce the frequency of calls.",
                ),
                request_id,
            )
        numbers = params["PhoneNumberSet"]
        statuses = [self._send_one(str(number), send, request_id) for number in numbers]
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        await self.core.delay()
        return _answer({"SendStatusSet": statuses}, request_id)

    # -- SendSms ---------------------------------------------------------------------------
    def _read_send(self, params: dict[str, Any]) -> _Send:
        numbers = params.get("PhoneNumberSet")
        if not isinstance(numbers, list) or not numbers:
            raise ApiError("MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet is empty.")
        if len(numbers) > MAX_NUMBERS:
            raise ApiError(
                "LimitExceeded.PhoneNumberCountLimit",
                "the number of phone numbers in a request exceeds 200.",
            )
        app_id = _required_text(params, "SmsSdkAppId")
        if not app_id.isdigit():
            raise ApiError(
                "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed."
            )
        template = _required_text(params, "TemplateId")
        sign = _optional_text(params, "SignName")
        context = _optional_text(params, "SessionContext")
        if len(context.encode()) > MAX_SESSION_CONTEXT:
            raise ApiError(
                "InvalidParameter.InvalidParameters", "SessionContext must be under 512 bytes."
            )
        values = params.get("TemplateParamSet") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ApiError("InvalidParameter", "TemplateParamSet must be an array of strings.")
        refusal, text = self._check_content(template, sign, values)
        return _Send(app_id, template, sign, values, context, refusal, text)

    def _check_content(
        self, template: str, sign: str, values: list[str]
    ) -> tuple[tuple[str, str] | None, str | None]:
        signs, templates = self.config.signs, self.config.templates
        if not sign or (signs is not None and sign not in signs):
            return (
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "signature format is incorrect or signature is not approved",
            ), None
        if templates is None:
            return None, None
        content = templates.get(template)
        if content is None:
            return (
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved "
                "template content",
            ), None
        needed = max((int(n) for n in _PLACEHOLDER.findall(content)), default=0)
        if len(values) != needed:
            return (
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "request content does not match the approved template content",
            ), None
        filled = _PLACEHOLDER.sub(lambda m: values[int(m[1]) - 1], content)
        return None, filled

    def _send_one(self, number: str, send: _Send, request_id: str) -> dict[str, Any]:
        match = _E164_MAINLAND.fullmatch(number.strip())
        if match is None or not is_mainland(match[1]):
            return _status(
                number,
                send.context,
                "InvalidParameterValue.IncorrectPhoneNumber",
                "incorrect number format",
                iso="DEF",
            )
        phone = match[1]
        if send.refusal is not None:
            return _status(number, send.context, *send.refusal)
        if not self.core.limits.allow(phone):
            code = self._limit_code(phone)
            return _status(
                number,
                send.context,
                code,
                "the number of sms messages sent from a "
                "single mobile number exceeds the upper limit",
            )
        serial = f"2433:{self.core.new_id()}"
        self.store.add(SentRecord(serial, phone, send.app_id, send.context, send.sign, time.time()))
        self.core.accept(
            {
                "ref": send.context,
                "to": phone,
                "template": send.template,
                "params": send.params,
                "sign": send.sign,
                "provider_id": serial,
                "text": send.text,
                "app_id": send.app_id,
                "request_id": request_id,
            }
        )
        self.core.schedule_receipt(ref=send.context or None, provider_id=serial, phone=phone)
        fee = _fee(send.sign, send.text)
        return {
            "SerialNo": serial,
            "PhoneNumber": f"+86{phone}",
            "Fee": fee,
            "SessionContext": send.context,
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }

    def _limit_code(self, phone: str) -> str:
        limits = self.config.limits
        if limits.per_minute and self.store.accepted_within(phone, 60) >= limits.per_minute:
            return "LimitExceeded.PhoneNumberThirtySecondLimit"
        if limits.per_hour and self.store.accepted_within(phone, 3600) >= limits.per_hour:
            return "LimitExceeded.PhoneNumberOneHourLimit"
        return "LimitExceeded.PhoneNumberDailyLimit"

    # -- PullSmsSendStatusByPhoneNumber -----------------------------------------------------
    def _pull(self, params: dict[str, Any]) -> dict[str, Any]:
        begin = _required_int(params, "BeginTime", "InvalidParameterValue.BeginTimeVerifyFail")
        end = _required_int(params, "EndTime", "InvalidParameterValue.EndTimeVerifyFail")
        limit = _required_int(params, "Limit", "InvalidParameterValue.LimitVerifyFail")
        offset = _required_int(params, "Offset", "InvalidParameterValue.OffsetVerifyFail")
        app_id = _required_text(params, "SmsSdkAppId")
        number = _required_text(params, "PhoneNumber")
        if not 1 <= limit <= PULL_MAX_LIMIT:
            raise ApiError("InvalidParameterValue.LimitVerifyFail", "Limit must be 1 to 100.")
        if offset < 0:
            raise ApiError("InvalidParameterValue.OffsetVerifyFail", "Offset must not be negative.")
        if begin < time.time() - PULL_HORIZON:
            raise ApiError(
                "InvalidParameterValue.BeginTimeVerifyFail",
                "BeginTime may reach back 7 days at most.",
            )
        if end < begin:
            raise ApiError("InvalidParameterValue.EndTimeVerifyFail", "EndTime precedes BeginTime.")
        match = _E164_MAINLAND.fullmatch(number.strip())
        if match is None:
            raise ApiError("InvalidParameterValue.IncorrectPhoneNumber", "incorrect number format")
        records = self.store.between(match[1], app_id, begin, end)[offset : offset + limit]
        return {"PullSmsSendStatusSet": [_pulled(r) for r in records]}


def _pulled(record: SentRecord) -> dict[str, Any]:
    report = record.report
    return {
        "UserReceiveTime": report.received_at if report else None,
        "CountryCode": "86",
        "SubscriberNumber": record.phone,
        "PhoneNumber": f"+86{record.phone}",
        "SerialNo": record.serial,
        "ReportStatus": None if report is None else ("SUCCESS" if report.delivered else "FAIL"),
        "Description": report.description if report else None,
        "SessionContext": record.session_context,
    }


def _status(number: str, context: str, code: str, message: str, iso: str = "CN") -> dict[str, Any]:
    return {
        "SerialNo": "",
        "PhoneNumber": number,
        "Fee": 0,
        "SessionContext": context,
        "Code": code,
        "Message": message,
        "IsoCode": iso,
    }


def _fee(sign: str, text: str | None) -> int:
    """Billed parts: 70 characters in one message, 67 a part beyond, signature 【】 included."""
    if text is None:
        return 1
    length = len(sign) + 2 + len(text)
    return 1 if length <= 70 else math.ceil(length / 67)


def _params(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("FailedOperation.JsonParseFail", "parse json failed.") from None
    if not isinstance(params, dict):
        raise ApiError("FailedOperation.JsonParseFail", "the body must be a JSON object.")
    return params


def _required_text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
    if not isinstance(value, str):
        raise ApiError("InvalidParameter", f"The parameter `{name}` must be a string.")
    return value


def _optional_text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError("InvalidParameter", f"The parameter `{name}` must be a string.")
    return value


def _required_int(params: dict[str, Any], name: str, code: str) -> int:
    value = params.get(name)
    if value is None:
        raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(code, f"The parameter `{name}` must be an integer.")
    return int(value)


def create_app(config: SandboxConfig) -> web.Application:
    """The stand-in as an aiohttp application (control routes of SandboxCore included)."""
    stand_in = TencentStandIn(config)
    app = web.Application()
    app[_CORE_KEY] = stand_in.core
    stand_in.core.install(app)
    app.router.add_route("POST", "/", stand_in.handle)
    return app
