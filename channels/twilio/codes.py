"""What each Twilio answer means for a message: accepted, retry later, failed, or gateway unusable.

Twilio answers a refused request with an HTTP status and a JSON body `{"code", "message",
"more_info", "status"}`. Every code we know is mapped on purpose; an unlisted code is read by its
HTTP status (429 and 5xx retry, anything else is a refusal), never as a success. Reasons are what
staff read in the console: Chinese first, English second, then the code.
"""

from __future__ import annotations

from channels.base import DeliveryState, Failed, RetryLater, SendResult

#: `Failed.code` for account-wide problems (bad credentials, suspended or inactive account, a
#: sender that is not ours, mainland traffic not enabled): every further message would fail the
#: same way, so the dispatcher should pause the whole gateway and tell staff instead of failing
#: messages one by one. The same value as the other SMS channels use.
GATEWAY_UNUSABLE = "gateway_unusable"

#: Twilio's code for "too many messages between these two numbers in a short time" — the
#: per-number frequency limit.
NUMBER_LIMIT_CODE = "14107"
#: Twilio's code for general request throttling (with HTTP 429).
THROTTLE_CODE = "20429"
#: The recipient has opted out (replied STOP or the aggregator's 退订 keyword).
OPT_OUT_CODE = "21610"

_UNUSABLE: dict[str, tuple[str, str]] = {
    "20003": ("Twilio 账户 SID 或 Auth Token 错误，或账户已停用", "credentials rejected"),
    "20005": ("Twilio 账户未激活", "account not active"),
    "10001": ("Twilio 账户未激活", "account not active"),
    "30002": ("Twilio 账户已暂停（欠费或违规）", "account suspended"),
    "20404": ("Twilio 账户 SID 或接口地址配置错误", "account or endpoint not found"),
    "20008": ("测试账户凭据不能用于发送", "test credentials cannot send"),
    "21212": ("发信号码（From）无效", "the From number is not valid"),
    "21606": ("发信号码（From）不属于本账户或不能发短信", "the From number cannot send SMS"),
    "21659": ("发信号码（From）不是 Twilio 号码", "the From number is not a Twilio number"),
    "21660": ("发信号码（From）不属于本账户", "the From number is not on this account"),
    "21603": ("未配置发信号码（From）", "no From number configured"),
    "21408": ("本账户未开通发往中国内地的短信", "sending to this region is not enabled"),
    "21701": ("消息服务 SID 无效", "the Messaging Service SID is not valid"),
    "21703": ("消息服务没有可用的发信号码", "the Messaging Service has no sender"),
    "21704": ("消息服务没有可用的发信号码", "the Messaging Service has no sender"),
}

_FAILED: dict[str, tuple[str, str]] = {
    "21211": ("手机号码（To）格式错误", "the To number is not valid"),
    "21214": ("手机号码无法接收短信", "the To number cannot receive SMS"),
    "21612": ("无法发送到该号码", "cannot route to this number"),
    "21614": ("该号码不是手机号码", "the To number is not a mobile number"),
    "21604": ("缺少接收号码（To）", "the To number is missing"),
    "21602": ("短信内容为空", "the message body is missing"),
    "21617": ("短信内容超过 1600 字", "the message body exceeds 1600 characters"),
    "21609": ("回执地址（StatusCallback）无效", "the StatusCallback URL is not valid"),
    "30007": ("内容被运营商拦截（签名或模板未报备）", "message filtered by the carrier"),
    "30003": ("对方手机不可达", "handset unreachable"),
    "30005": ("号码不存在", "unknown destination handset"),
    "30006": ("号码为固话或运营商不可达", "landline or unreachable carrier"),
}

_RETRY: dict[str, tuple[str, str]] = {
    NUMBER_LIMIT_CODE: ("同一号码发送过于频繁", "per-number frequency limit"),
    THROTTLE_CODE: ("请求过于频繁，已被限流", "too many requests"),
    "20500": ("Twilio 内部错误", "Twilio internal error"),
    "20503": ("Twilio 服务暂不可用", "Twilio service unavailable"),
}


def _reason(zh: str, en: str, code: str, message: str | None) -> str:
    detail = f": {message}" if message else ""
    return f"{zh} / {en} ({code}{detail})"


def result_for_error(
    http_status: int,
    code: str | None,
    message: str | None,
    *,
    retry_after: float | None,
    throttle_delay: float,
    number_limit_delay: float,
    server_error_delay: float,
) -> SendResult:
    """The outcome of a refused create request (HTTP `http_status`, Twilio `code`)."""
    code = code or str(http_status)
    if code == NUMBER_LIMIT_CODE:
        zh, en = _RETRY[code]
        return RetryLater(max(number_limit_delay, retry_after or 0), _reason(zh, en, code, message))
    if code in _UNUSABLE:
        zh, en = _UNUSABLE[code]
        return Failed(GATEWAY_UNUSABLE, _reason(zh, en, code, message))
    if code == OPT_OUT_CODE:
        return Failed(
            code, _reason("对方已退订", "the recipient opted out", code, message), opt_out=True
        )
    if code in _FAILED:
        zh, en = _FAILED[code]
        return Failed(code, _reason(zh, en, code, message))
    if http_status == 429 or code == THROTTLE_CODE:
        zh, en = _RETRY[THROTTLE_CODE]
        return RetryLater(retry_after or throttle_delay, _reason(zh, en, code, message))
    if http_status >= 500:
        zh, en = _RETRY.get(code, ("短信平台暂时故障", "gateway error"))
        return RetryLater(retry_after or server_error_delay, _reason(zh, en, code, message))
    if http_status in (401, 403):
        return Failed(
            GATEWAY_UNUSABLE, _reason("账户无权调用", "account may not send", code, message)
        )
    return Failed(
        code, _reason("短信平台拒绝发送", "the gateway refused the message", code, message)
    )


def gateway_unusable(result: SendResult) -> bool:
    """True when `result` says the whole gateway account cannot send (see GATEWAY_UNUSABLE)."""
    return isinstance(result, Failed) and result.code == GATEWAY_UNUSABLE


#: Twilio message statuses (Message resource and status callbacks) and what they tell us.
_STATES: dict[str, DeliveryState] = {
    "accepted": DeliveryState.SENT,
    "scheduled": DeliveryState.SENT,
    "queued": DeliveryState.SENT,
    "sending": DeliveryState.SENT,
    "sent": DeliveryState.SENT,
    "partially_delivered": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.DELIVERED,
    "undelivered": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
    "canceled": DeliveryState.FAILED,
}


def delivery_state(status: str) -> DeliveryState | None:
    """What an outbound message's Twilio status says became of it (None: not an outbound one)."""
    return _STATES.get(status)
