"""A local stand-in of Alibaba Cloud SMS (Dysmsapi 2017-05-25) that the official SDK accepts.

`POST /` (or GET) with the RPC parameters in the query and/or a urlencoded form, signed v1 or v3
(see aliyun_auth). Actions: SendSms, SendBatchSms, QuerySendDetails. Gateway refusals (signature,
key, timestamp, nonce, missing parameters, unknown action) come with HTTP 4xx; the SMS service's
refusals with HTTP 200 and a Code, as the real service answers. Every answer is
`application/json;charset=utf-8` with an `x-acs-request-id` header.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from channels.aliyun.phones import is_mainland_mobile, normalise_phone
from channels.sandbox.aliyun_auth import Authenticator, GatewayError, SignedRequest, missing
from channels.sandbox.aliyun_push import AliyunPushes, acknowledged
from channels.sandbox.aliyun_store import SentRecord, SentStore
from channels.sandbox.common import Fault, SandboxConfig, SandboxCore
from core import RESIDENT_TZ

VERSION = "2017-05-25"
HOST_ID = "dysmsapi.aliyuncs.com"
SEND_SMS_MAX_NUMBERS = 1000
BATCH_MAX_NUMBERS = 100
QUERY_MAX_PAGE_SIZE = 50
OUT_ID_MAX = 256
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_CORE_KEY: web.AppKey[SandboxCore] = web.AppKey("aliyun_core", SandboxCore)


class BusinessError(Exception):
    """A refusal by the SMS service: HTTP 200 with this Code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class _Message:
    phone: str
    sign: str
    params: dict[str, str]


def _answer(status: int, body: Mapping[str, Any], request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        headers={
            "Content-Type": "application/json;charset=utf-8",
            "x-acs-request-id": request_id,
        },
    )


def _error(status: int, code: str, message: str, request_id: str) -> web.Response:
    return _answer(
        status,
        {
            "RequestId": request_id,
            "HostId": HOST_ID,
            "Code": code,
            "Message": message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi",
        },
        request_id,
    )


def _sms_size(content: str) -> str:
    return "1" if len(content) <= 70 else str(math.ceil(len(content) / 67))


class AliyunStandIn:
    """The request handling of one stand-in process."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = SentStore()
        self.pushes = AliyunPushes(config, self.store)
        self.core = SandboxCore(
            config,
            format_receipts=self.pushes.receipts,
            format_reply=self.pushes.reply,
            acknowledged=acknowledged,
        )
        self.auth = Authenticator(config.key, config.secret)

    # -- HTTP --------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4()).upper()
        fault = self.core.pick_fault()
        if fault is Fault.DOWN:
            return _error(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
                request_id,
            )
        if fault is Fault.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPServiceUnavailable  # never written: the connection is gone
        if fault is Fault.ERROR_5XX:
            return _error(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error.",
                request_id,
            )
        body = await request.read()
        form: dict[str, str] = {}
        if request.content_type == "application/x-www-form-urlencoded" and body:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        params = {**request.query, **form}
        try:
            action = self._admit(request, form, body, fault)
            answer = self._dispatch(action, params, request_id)
        except GatewayError as err:
            return _error(err.status, err.code, err.message, request_id)
        except BusinessError as err:
            answer = {"RequestId": request_id, "Code": err.code, "Message": err.message}
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        await self.core.delay()
        return _answer(200, answer, request_id)

    def _admit(
        self, request: web.Request, form: dict[str, str], body: bytes, fault: Fault | None
    ) -> str:
        """Check the caller as the gateway does; the action asked for."""
        self.auth.verify(
            SignedRequest(
                request.method,
                request.raw_path.split("?")[0],
                request.query,
                form,
                request.headers,
                body,
            )
        )
        params = {**request.query, **form}
        version = request.headers.get("x-acs-version") or params.get("Version", "")
        if version != VERSION:
            raise GatewayError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if fault is Fault.THROTTLE:
            raise GatewayError(
                400, "Throttling.User", "Request was denied due to user flow control."
            )
        return request.headers.get("x-acs-action") or params.get("Action", "")

    def _dispatch(self, action: str, params: dict[str, str], request_id: str) -> dict[str, Any]:
        if action == "SendSms":
            return self._send_sms(params, request_id)
        if action == "SendBatchSms":
            return self._send_batch(params, request_id)
        if action == "QuerySendDetails":
            return self._query(params, request_id)
        raise GatewayError(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )

    # -- checks ------------------------------------------------------------------------------
    def _phone(self, raw: str) -> str:
        phone = normalise_phone(raw)
        if not is_mainland_mobile(phone):
            raise BusinessError("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        return phone

    def _check_sign(self, sign: str) -> None:
        if self.config.signs is not None and sign not in self.config.signs:
            raise BusinessError("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")

    def _template(self, code: str) -> str | None:
        """The approved content of `code` (None when the stand-in knows no templates)."""
        if self.config.templates is None:
            return None
        if code not in self.config.templates:
            raise BusinessError("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return self.config.templates[code]

    @staticmethod
    def _params(value: Any) -> dict[str, str]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
        ):
            raise BusinessError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        return {str(k): str(v) for k, v in value.items()}

    @staticmethod
    def _json(raw: str) -> Any:
        try:
            return json.loads(raw)
        except ValueError as err:
            raise BusinessError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") from err

    @staticmethod
    def _fill(template: str | None, params: dict[str, str]) -> str | None:
        if template is None:
            return None
        absent = [name for name in _PLACEHOLDER.findall(template) if name not in params]
        if absent:
            raise BusinessError("isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量")
        return _PLACEHOLDER.sub(lambda m: params[m.group(1)], template)

    def _limit(self, phones: list[str]) -> None:
        limits = self.config.limits
        if not (limits.per_minute or limits.per_hour or limits.per_day):
            return
        for phone in phones:
            if not self.core.limits.allow(phone):
                if limits.per_minute:
                    window, permits = "分钟", limits.per_minute
                elif limits.per_hour:
                    window, permits = "小时", limits.per_hour
                else:
                    window, permits = "天", limits.per_day
                raise BusinessError(
                    "isv.BUSINESS_LIMIT_CONTROL", f"触发{window}级流控Permits:{permits}"
                )

    # -- actions -----------------------------------------------------------------------------
    def _send_sms(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                raise missing(name)
        raw_phones = [p for p in params["PhoneNumbers"].split(",") if p.strip()]
        if len(raw_phones) > SEND_SMS_MAX_NUMBERS:
            raise BusinessError("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        values = self._params(
            self._json(params["TemplateParam"]) if params.get("TemplateParam") else None
        )
        sign = params["SignName"]
        messages = [_Message(self._phone(p), sign, values) for p in raw_phones]
        return self._accept(messages, params["TemplateCode"], params.get("OutId", ""), request_id)

    def _send_batch(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        for name in ("PhoneNumberJson", "SignNameJson", "TemplateCode"):
            if not params.get(name):
                raise missing(name)
        phones = self._json(params["PhoneNumberJson"])
        signs = self._json(params["SignNameJson"])
        values = (
            self._json(params["TemplateParamJson"]) if params.get("TemplateParamJson") else None
        )
        if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
            raise BusinessError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not phones:
            raise missing("PhoneNumberJson")
        if len(phones) > BATCH_MAX_NUMBERS:
            raise BusinessError("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        if not isinstance(signs, list) or len(signs) != len(phones):
            raise BusinessError("isv.INVALID_PARAMETERS", "签名个数与手机号码个数不一致")
        if values is None:
            values = [{}] * len(phones)
        if not isinstance(values, list) or len(values) != len(phones):
            raise BusinessError("isv.INVALID_PARAMETERS", "模板参数个数与手机号码个数不一致")
        messages = [
            _Message(self._phone(p), str(s), self._params(v))
            for p, s, v in zip(phones, signs, values, strict=True)
        ]
        return self._accept(messages, params["TemplateCode"], params.get("OutId", ""), request_id)

    def _accept(
        self, messages: list[_Message], template_code: str, out_id: str, request_id: str
    ) -> dict[str, Any]:
        """Check everything, then accept every message of the request or none."""
        if len(out_id) > OUT_ID_MAX:
            raise BusinessError("isv.INVALID_PARAMETERS", "OutId 超过长度限制")
        template = self._template(template_code)
        texts = []
        for message in messages:
            self._check_sign(message.sign)
            texts.append(self._fill(template, message.params))
        self._limit([m.phone for m in messages])
        biz_id = f"{self.core.new_id()}^0"
        now = datetime.now(RESIDENT_TZ)
        for message, text in zip(messages, texts, strict=True):
            body = text if text is not None else json.dumps(message.params, ensure_ascii=False)
            content = f"【{message.sign}】{body}"
            self.core.accept(
                {
                    "ref": out_id,
                    "to": message.phone,
                    "template": template_code,
                    "params": message.params,
                    "sign": message.sign,
                    "provider_id": biz_id,
                    "text": text,
                    "request_id": request_id,
                }
            )
            self.store.add(SentRecord(biz_id, out_id, message.phone, template_code, content, now))
            self.pushes.last_sign[message.phone] = message.sign
            self.core.schedule_receipt(
                ref=out_id or None,
                provider_id=biz_id,
                phone=message.phone,
                extra={"sms_size": _sms_size(content)},
            )
        return {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}

    def _query(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(name):
                raise missing(name)
        try:
            size, page = int(params["PageSize"]), int(params["CurrentPage"])
            datetime.strptime(params["SendDate"], "%Y%m%d")  # noqa: DTZ007 - a date, no time
        except ValueError as err:
            raise BusinessError("isv.INVALID_PARAMETERS", "参数格式不正确") from err
        if not 1 <= size <= QUERY_MAX_PAGE_SIZE or page < 1:
            raise BusinessError("isv.INVALID_PARAMETERS", "分页参数不正确")
        phone = self._phone(params["PhoneNumber"])
        records = self.store.query(phone, params["SendDate"], params.get("BizId"))
        shown = records[(page - 1) * size : page * size]
        return {
            "RequestId": request_id,
            "Code": "OK",
            "Message": "OK",
            "TotalCount": len(records),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": [r.as_dto() for r in shown]},
        }


def create_app(config: SandboxConfig) -> web.Application:
    """The stand-in as an aiohttp application (serve it with channels.sandbox.common.serve)."""
    stand_in = AliyunStandIn(config)
    app = web.Application()
    app[_CORE_KEY] = stand_in.core
    stand_in.core.install(app)
    app.router.add_route("POST", "/", stand_in.handle)
    app.router.add_route("GET", "/", stand_in.handle)
    return app
