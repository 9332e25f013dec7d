"""What each Dysmsapi answer code means for a message: retry later, failed, or gateway unusable.

Every documented code is mapped on purpose; an unlisted code that is not OK is read as a refusal
(Failed), never as a success and never retried blindly, because SendSms is not idempotent.
Reasons are what staff read in the console: Chinese first, English second, then the code.
"""

from __future__ import annotations

from channels.base import Failed, RetryLater, SendResult

#: `Failed.code` for account-wide problems (no balance, bad credentials, service not activated,
#: account suspended): every further message would fail the same way, so the dispatcher should
#: pause the whole gateway and tell staff instead of failing messages one by one.
GATEWAY_UNUSABLE = "gateway_unusable"

#: Per-number frequency limit (isv.BUSINESS_LIMIT_CONTROL): the same number may be tried again
#: only after the gateway's minute/hour window has passed.
NUMBER_LIMIT_DELAY = 3600.0
#: The account's daily quota (isv.DAY_LIMIT_CONTROL) resets at midnight; try again hours later.
DAY_LIMIT_DELAY = 4 * 3600.0
#: Request-rate throttling of the API itself: a short pause is enough.
THROTTLE_DELAY = 5.0
#: 5xx, isp.SYSTEM_ERROR, connection refused: the gateway asks to be called again.
SERVER_ERROR_DELAY = 30.0

_UNUSABLE: dict[str, tuple[str, str]] = {
    "isv.AMOUNT_NOT_ENOUGH": ("账户余额不足", "account balance is not enough"),
    "isv.OUT_OF_SERVICE": ("账户已停机（欠费）", "account suspended for arrears"),
    "isv.ACCOUNT_NOT_EXISTS": ("阿里云账户不存在", "Alibaba Cloud account does not exist"),
    "isv.ACCOUNT_ABNORMAL": ("阿里云账户异常", "Alibaba Cloud account is abnormal"),
    "isv.PRODUCT_UN_SUBSCRIPT": ("未开通短信服务", "SMS service is not activated"),
    "isv.PRODUCT_UNSUBSCRIBE": ("短信服务已退订", "SMS service was unsubscribed"),
    "isv.SECURITY_FROZEN_ACCOUNT": ("账户被安全冻结", "account frozen for security reasons"),
    "isv.DENY_IP_RANGE": ("本机 IP 不在白名单内", "this IP address is not allowed"),
    "isp.RAM_PERMISSION_DENY": ("RAM 权限不足", "RAM permission denied"),
    "Forbidden.RAM": ("RAM 权限不足", "RAM permission denied"),
    "Forbidden.AccessKeyDisabled": ("AccessKey 已停用", "access key is disabled"),
    "SignatureDoesNotMatch": ("AccessKey 密钥错误，签名不匹配", "access key secret is wrong"),
    "IncompleteSignature": ("请求签名不完整", "request signature is incomplete"),
    "InvalidAccessKeyId.NotFound": ("AccessKey ID 不存在", "access key id not found"),
    "InvalidAccessKeyId.Inactive": ("AccessKey 已禁用", "access key is inactive"),
    "InvalidAction.NotFound": ("接口地址或版本配置错误", "endpoint or API version is wrong"),
    "InvalidTimeStamp.Expired": (
        "本机时钟与阿里云相差过大",
        "this server's clock is too far from the gateway's",
    ),
}

_FAILED: dict[str, tuple[str, str]] = {
    "isv.MOBILE_NUMBER_ILLEGAL": ("手机号码格式错误", "phone number is not valid"),
    "isv.MOBILE_COUNT_OVER_LIMIT": ("手机号码数量超过限制", "too many phone numbers"),
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": (
        "国际/港澳台模板不能发往中国内地号码",
        "an international template cannot be sent to a mainland number",
    ),
    "isv.TEMPLATE_MISSING_PARAMETERS": ("模板变量缺少取值", "template parameters are missing"),
    "isv.TEMPLATE_PARAMS_ILLEGAL": ("模板变量取值不合规", "template parameter value not allowed"),
    "isv.INVALID_JSON_PARAM": ("模板参数不是合法 JSON", "template parameters are not valid JSON"),
    "isv.INVALID_PARAMETERS": ("参数格式不正确", "parameters are not valid"),
    "isv.PARAM_LENGTH_LIMIT": ("参数超出长度限制", "a parameter is too long"),
    "isv.PARAM_NOT_SUPPORT_URL": ("模板变量不支持链接", "template variables may not hold links"),
    "isv.SMS_TEMPLATE_ILLEGAL": (
        "短信模板不存在或未审核通过",
        "template not found or not approved",
    ),
    "isv.SMS_SIGNATURE_ILLEGAL": (
        "短信签名不存在或未审核通过",
        "sign name not found or not approved",
    ),
    "isv.SMS_SIGN_ILLEGAL": ("短信签名不合法", "sign name is not valid"),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": (
        "签名与模板类型不匹配",
        "sign name may not be used with this template type",
    ),
    "isv.SMS_CONTENT_ILLEGAL": ("短信内容含禁止发送的内容", "message content is not allowed"),
    "isv.BLACK_KEY_CONTROL_LIMIT": ("内容含黑名单关键字", "content holds a blacklisted keyword"),
    "isv.EXTEND_CODE_ERROR": ("扩展码使用错误", "extension code is wrong"),
    "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT": (
        "测试模板和签名限制",
        "test sign and template may only be used for test numbers",
    ),
    "isv.SMS_TEST_NUMBER_LIMIT": ("只能向已绑定的测试号码发送", "test numbers only"),
    "MissingPhoneNumbers": ("缺少手机号码", "PhoneNumbers is missing"),
    "MissingSignName": ("缺少短信签名", "SignName is missing"),
    "MissingTemplateCode": ("缺少短信模板", "TemplateCode is missing"),
}

_RETRY: dict[str, tuple[float, str, str]] = {
    "isv.BUSINESS_LIMIT_CONTROL": (
        NUMBER_LIMIT_DELAY,
        "该号码触发发送频率限制",
        "per-number frequency limit reached",
    ),
    "isv.DAY_LIMIT_CONTROL": (DAY_LIMIT_DELAY, "已达到当日发送上限", "daily sending limit reached"),
    "Throttling": (THROTTLE_DELAY, "请求过于频繁，被限流", "requests throttled"),
    "Throttling.User": (THROTTLE_DELAY, "请求过于频繁，被限流", "requests throttled"),
    "Throttling.Api": (THROTTLE_DELAY, "接口调用被限流", "API throttled"),
    "SignatureNonceUsed": (0.0, "签名随机数重复", "signature nonce was reused"),
    "isp.SYSTEM_ERROR": (SERVER_ERROR_DELAY, "短信平台系统错误", "gateway system error"),
    "isp.GATEWAY_ERROR": (SERVER_ERROR_DELAY, "短信平台网关错误", "gateway error"),
    "ServiceUnavailable": (SERVER_ERROR_DELAY, "短信平台暂不可用", "gateway unavailable"),
    "InternalError": (SERVER_ERROR_DELAY, "短信平台内部错误", "gateway internal error"),
}

#: Codes that concern one number of a batch; SendBatchSms answers them for the whole request,
#: so the client sends that batch again one message at a time to learn which number it was.
PER_NUMBER_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    }
)


def _reason(zh: str, en: str, code: str, message: str | None) -> str:
    detail = f": {message}" if message else ""
    return f"{zh} / {en} ({code}{detail})"


def result_for_code(
    code: str, message: str | None = None, retry_after: float | None = None
) -> SendResult:
    """The outcome of an answer whose Code is not OK.

    `retry_after` (seconds, from an `x-acs-retry-after` header) overrides the default delay of
    a throttling answer.
    """
    if code in _UNUSABLE:
        zh, en = _UNUSABLE[code]
        return Failed(GATEWAY_UNUSABLE, _reason(zh, en, code, message))
    if code in _RETRY:
        delay, zh, en = _RETRY[code]
        return RetryLater(retry_after if retry_after else delay, _reason(zh, en, code, message))
    if code.startswith("Throttling"):
        return RetryLater(
            retry_after or THROTTLE_DELAY, _reason("请求被限流", "throttled", code, message)
        )
    if code in _FAILED:
        zh, en = _FAILED[code]
        return Failed(code, _reason(zh, en, code, message))
    if code.startswith(("Forbidden", "InvalidAccessKeyId")):
        return Failed(
            GATEWAY_UNUSABLE, _reason("账户无权调用", "account may not call", code, message)
        )
    return Failed(
        code, _reason("短信平台拒绝发送", "the gateway refused the message", code, message)
    )


def gateway_unusable(result: SendResult) -> bool:
    """True when `result` says the whole gateway account cannot send (see GATEWAY_UNUSABLE)."""
    return isinstance(result, Failed) and result.code == GATEWAY_UNUSABLE
