"""What each Tencent Cloud SMS answer code means for a message.

A code can come as a request error (`Response.Error.Code`, for every number of the request) or
per number (`SendStatusSet[].Code`); both are read the same way here. Every documented code of
SendSms and the common API 3.0 codes are mapped on purpose:

- account or configuration problems (bad credentials, no balance, app disabled, clock far off)
  are `Failed` with code `GATEWAY_UNUSABLE`: every further message would fail the same way;
- throttling and frequency limits are `RetryLater`, long for per-number and daily limits;
- the two "timed out towards the carrier" codes are `Unknown`: the message may have gone out;
- everything else is `Failed` with Tencent's code, the number on a do-not-disturb list with
  `opt_out` set. An unlisted code is read by its family (the part before the dot).

Reasons are what staff read: Chinese first, English second, then Tencent's code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from channels.base import Failed, RetryLater, SendResult, Unknown
from core import RESIDENT_TZ

#: `Failed.code` for account-wide problems (bad credentials, no balance, suspended or disabled
#: application, wrong endpoint or version, clock too far off): the dispatcher should pause the
#: whole gateway and tell staff instead of failing messages one by one.
GATEWAY_UNUSABLE = "gateway_unusable"

#: API request-rate throttling (RequestLimitExceeded): a short pause is enough.
THROTTLE_DELAY = 2.0
#: 5xx, InternalError, connection refused: the gateway asks to be called again.
SERVER_ERROR_DELAY = 30.0
#: Per-number limits within 30 seconds / one hour, and the frequency policy in general.
THIRTY_SECOND_DELAY = 60.0
NUMBER_LIMIT_DELAY = 3600.0
#: Shortest wait for limits that reset at midnight (Beijing time) or at 08:00.
MIN_DAILY_DELAY = 3600.0

_UNUSABLE: dict[str, tuple[str, str]] = {
    "AuthFailure.SignatureFailure": (
        "SecretKey 错误，签名不匹配",
        "signature does not match (wrong SecretKey)",
    ),
    "AuthFailure.SecretIdNotFound": ("SecretId 不存在或已停用", "SecretId not found or disabled"),
    "AuthFailure.InvalidSecretId": ("SecretId 不是云 API 密钥", "SecretId is not an API key"),
    "AuthFailure.SignatureExpire": (
        "本机时钟与腾讯云相差超过五分钟",
        "this server's clock is more than five minutes off",
    ),
    "AuthFailure.TokenFailure": ("临时凭证 Token 无效", "temporary credential token is invalid"),
    "AuthFailure.InvalidAuthorization": (
        "Authorization 请求头不合规范",
        "Authorization header is malformed",
    ),
    "AuthFailure.UnauthorizedOperation": ("CAM 未授权此操作", "CAM does not allow this action"),
    "AuthFailure.MFAFailure": ("需要 MFA 校验", "MFA verification required"),
    "FailedOperation.InsufficientBalanceInSmsPackage": (
        "短信套餐包余量不足",
        "SMS package balance is used up",
    ),
    "UnauthorizedOperation.ServiceSuspendDueToArrears": (
        "账户欠费，短信服务已停止",
        "service suspended for arrears",
    ),
    "UnauthorizedOperation.SdkAppIdIsDisabled": (
        "短信应用 SdkAppId 已被禁用",
        "SMS application (SdkAppId) is disabled",
    ),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": (
        "SdkAppId 不属于该 API 密钥的账户",
        "SdkAppId does not belong to this API key's account",
    ),
    "UnauthorizedOperation.RequestPermissionDeny": ("请求没有权限", "request not permitted"),
    "UnauthorizedOperation.RequestIpNotInWhitelist": (
        "本机 IP 不在白名单内",
        "this IP address is not on the allow list",
    ),
    "InvalidParameterValue.SdkAppIdNotExist": ("SdkAppId 不存在", "SdkAppId does not exist"),
    "InvalidParameter.AppidAndBizId": (
        "账号与应用 ID 不匹配",
        "account and application id do not match",
    ),
    "InternalError.RequestTimeException": (
        "本机时钟与腾讯云相差过大",
        "this server's clock is too far from the gateway's",
    ),
    "InternalError.RestApiInterfaceNotExist": ("接口不存在", "API action does not exist"),
    "InvalidAction": ("接口地址或接口名配置错误", "endpoint or action is wrong"),
    "ActionOffline": ("接口已下线", "action is offline"),
    "NoSuchVersion": ("接口版本配置错误", "API version is wrong"),
    "NoSuchProduct": ("接口地址配置错误", "endpoint does not serve SMS"),
    "UnsupportedRegion": ("地域配置错误", "region is not supported"),
    "UnsupportedProtocol": ("协议不支持", "protocol not supported"),
    "IpInBlacklist": ("本机 IP 在黑名单中", "this IP address is blocked"),
    "IpNotInWhitelist": ("本机 IP 不在白名单内", "this IP address is not on the allow list"),
}

_FAILED: dict[str, tuple[str, str]] = {
    "InvalidParameterValue.IncorrectPhoneNumber": ("手机号码格式错误", "phone number is not valid"),
    "FailedOperation.PhoneNumberParseFail": ("手机号码无法解析", "phone number cannot be parsed"),
    "FailedOperation.SignatureIncorrectOrUnapproved": (
        "短信签名未审核通过或格式错误",
        "sign name not approved or malformed",
    ),
    "FailedOperation.MissingSignatureList": ("没有审核通过的签名", "no approved sign name"),
    "FailedOperation.TemplateIncorrectOrUnapproved": (
        "短信模板未审核通过或内容不匹配",
        "template not approved or content does not match",
    ),
    "FailedOperation.TemplateUnapprovedOrNotExist": (
        "短信模板未审核通过或不存在",
        "template not approved or does not exist",
    ),
    "FailedOperation.TemplateIdNotExist": ("短信模板 ID 不存在", "template id does not exist"),
    "FailedOperation.MissingTemplateList": ("没有审核通过的模板", "no approved template"),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        "模板变量个数与模板不一致",
        "number of template parameters does not match the template",
    ),
    "FailedOperation.ContainSensitiveWord": ("短信内容含敏感词", "content holds a sensitive word"),
    "InvalidParameter.DirtyWordFound": ("短信内容含敏感词", "content holds a sensitive word"),
    "FailedOperation.FailResolvePacket": ("请求包解析失败", "request could not be parsed"),
    "FailedOperation.JsonParseFail": ("请求包体解析失败", "request body could not be parsed"),
    "InternalError.JsonParseFail": ("请求参数解析失败", "request parameters could not be parsed"),
    "FailedOperation.OtherError": ("参数不符合要求", "parameters not accepted"),
    "FailedOperation.ParametersOtherError": ("参数错误", "parameter error"),
    "InvalidParameterValue.ContentLengthLimit": ("短信内容过长", "message is too long"),
    "InvalidParameterValue.TemplateParameterFormatError": (
        "验证码模板变量只能是 0-6 位数字",
        "verification-code parameters must be 0-6 digits",
    ),
    "InvalidParameterValue.TemplateParameterLengthLimit": (
        "单个模板变量超过长度限制",
        "a template parameter is too long",
    ),
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": (
        "模板变量中不能含链接",
        "template parameters may not hold links",
    ),
    "InvalidParameterValue.MarketingTemplateWithoutUnsubscribe": (
        "营销短信须含退订方式（拒收请回复R）",
        "promotional messages must carry an opt-out instruction",
    ),
    "InvalidParameter.InvalidParameters": ("参数有误", "parameters are not valid"),
    "InvalidParameter": ("参数错误", "parameter error"),
    "MissingParameter": ("缺少参数", "a parameter is missing"),
    "MissingParameter.EmptyPhoneNumberSet": ("缺少手机号码", "no phone number given"),
    "LimitExceeded.PhoneNumberCountLimit": (
        "单次提交的号码超过 200 个",
        "more than 200 numbers in one request",
    ),
    "LimitExceeded.AppCountryOrRegionInBlacklist": (
        "该国家或地区被禁止发送",
        "sending to this country or region is blocked",
    ),
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny": (
        "个人认证用户不能发送营销短信",
        "individual accounts may not send promotional messages",
    ),
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": (
        "同一请求不能同时含国内和国际号码",
        "one request may not mix mainland and international numbers",
    ),
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": (
        "国内模板不能发往国际/港澳台号码",
        "a mainland template cannot be sent abroad",
    ),
    "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone": (
        "国际/港澳台模板不能发往国内号码",
        "an international template cannot be sent to a mainland number",
    ),
    "UnsupportedOperation.UnsupportedRegion": (
        "不支持向该地区发送短信",
        "sending to this region is not supported",
    ),
    "UnsupportedOperation": ("操作不支持", "operation not supported"),
    "RequestSizeLimitExceeded": ("请求包过大", "request is too large"),
    "UnknownParameter": ("未知参数", "unknown parameter"),
}

_OPT_OUT: dict[str, tuple[str, str]] = {
    "FailedOperation.PhoneNumberInBlacklist": (
        "号码在免打扰名单中（多为用户退订）",
        "number is on the do-not-disturb list (usually the person unsubscribed)",
    ),
}

#: Codes whose message may or may not have reached the carrier.
_UNKNOWN: dict[str, tuple[str, str]] = {
    "InternalError.Timeout": ("下发短信超时，结果未知", "send timed out towards the carrier"),
    "InternalError.SendAndRecvFail": ("短信收发包超时，结果未知", "gateway timed out"),
}

_THROTTLED: dict[str, tuple[str, str]] = {
    "RequestLimitExceeded": ("请求频率超限", "API request rate exceeded"),
    "LimitExceeded.GlobalSmsSendingRateLimit": ("发送速率超限", "sending rate exceeded"),
}

_SERVER: dict[str, tuple[str, str]] = {
    "InternalError": ("腾讯云内部错误", "gateway internal error"),
    "InternalError.OtherError": ("腾讯云内部错误", "gateway internal error"),
    "InternalError.UnknownError": ("腾讯云未知错误", "gateway unknown error"),
    "InternalError.ParseBackendResponseFail": ("运营商应答解析失败", "carrier answer unreadable"),
    "InternalError.SigFieldMissing": ("后端签名字段缺失", "gateway back end error"),
    "InternalError.SigVerificationFail": ("后端签名校验失败", "gateway back end error"),
    "ServiceUnavailable": ("服务暂不可用", "service unavailable"),
    "ResourceUnavailable": ("资源暂不可用", "resource unavailable"),
    "ResourceInsufficient": ("资源不足", "resource insufficient"),
}

_NUMBER_LIMITS: dict[str, tuple[str, str]] = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": (
        "该号码 30 秒内发送条数超限",
        "per-number limit within 30 seconds reached",
    ),
    "LimitExceeded.PhoneNumberOneHourLimit": (
        "该号码 1 小时内发送条数超限",
        "per-number hourly limit reached",
    ),
    "LimitExceeded.DeliveryFrequencyLimit": ("命中发送频率限制策略", "frequency policy reached"),
}

_DAILY_LIMITS: dict[str, tuple[str, str]] = {
    "LimitExceeded.PhoneNumberDailyLimit": ("该号码当日发送条数超限", "per-number daily limit"),
    "LimitExceeded.PhoneNumberSameContentDailyLimit": (
        "该号码当日相同内容条数超限",
        "per-number daily limit for the same content",
    ),
    "LimitExceeded.AppDailyLimit": ("应用当日发送总量超限", "application daily limit reached"),
    "LimitExceeded.AppMainlandChinaDailyLimit": (
        "应用当日国内发送总量超限",
        "application daily mainland limit reached",
    ),
    "LimitExceeded.DailyLimit": ("当日发送条数超限", "daily limit reached"),
    "LimitExceeded.AppGlobalDailyLimit": (
        "应用当日国际发送总量超限",
        "application daily international limit reached",
    ),
    "LimitExceeded.AppCountryOrRegionDailyLimit": (
        "应用当日该国家或地区发送量超限",
        "daily limit for this country or region reached",
    ),
}

_QUIET_HOURS: dict[str, tuple[str, str]] = {
    "FailedOperation.MarketingSendTimeConstraint": (
        "营销短信只能在 8 点到 22 点发送",
        "promotional messages may only be sent 08:00-22:00",
    ),
}


#: Every code given a deliberate meaning above (others are read by their family).
MAPPED_CODES = frozenset(
    code
    for table in (
        _UNUSABLE,
        _FAILED,
        _OPT_OUT,
        _UNKNOWN,
        _THROTTLED,
        _SERVER,
        _NUMBER_LIMITS,
        _DAILY_LIMITS,
        _QUIET_HOURS,
    )
    for code in table
)


def _reason(texts: tuple[str, str], code: str) -> str:
    zh, en = texts
    return f"{zh} / {en} ({code})"


def _seconds_until(now: datetime, hour: int) -> float:
    """Seconds from `now` until the next `hour`:00 Beijing time, at least `MIN_DAILY_DELAY`."""
    local = now.astimezone(RESIDENT_TZ)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return max((target - local).total_seconds(), MIN_DAILY_DELAY)


def is_gateway_unusable_code(code: str) -> bool:
    """True for Tencent codes that mean the account or its configuration is unusable."""
    family = code.split(".", 1)[0]
    return code in _UNUSABLE or (
        family in ("AuthFailure", "UnauthorizedOperation")
        and code not in _FAILED
        and code not in _OPT_OUT
    )


def result_for_code(code: str, now: datetime) -> SendResult:
    """The send outcome a non-"Ok" Tencent code means; `now` (aware) times daily limits."""
    if code in _UNUSABLE:
        return Failed(GATEWAY_UNUSABLE, _reason(_UNUSABLE[code], code))
    if code in _OPT_OUT:
        return Failed(code, _reason(_OPT_OUT[code], code), opt_out=True)
    if code in _FAILED:
        return Failed(code, _reason(_FAILED[code], code))
    if code in _UNKNOWN:
        return Unknown(_reason(_UNKNOWN[code], code))
    if code in _THROTTLED:
        return RetryLater(THROTTLE_DELAY, _reason(_THROTTLED[code], code))
    if code in _SERVER:
        return RetryLater(SERVER_ERROR_DELAY, _reason(_SERVER[code], code))
    if code in _NUMBER_LIMITS:
        delay = THIRTY_SECOND_DELAY if "ThirtySecond" in code else NUMBER_LIMIT_DELAY
        return RetryLater(delay, _reason(_NUMBER_LIMITS[code], code))
    if code in _DAILY_LIMITS:
        return RetryLater(_seconds_until(now, 0), _reason(_DAILY_LIMITS[code], code))
    if code in _QUIET_HOURS:
        return RetryLater(_seconds_until(now, 8), _reason(_QUIET_HOURS[code], code))
    return _by_family(code)


def _by_family(code: str) -> SendResult:
    family = code.split(".", 1)[0]
    if is_gateway_unusable_code(code):
        return Failed(GATEWAY_UNUSABLE, _reason(("账户或配置不可用", "account unusable"), code))
    if family == "RequestLimitExceeded":
        return RetryLater(THROTTLE_DELAY, _reason(_THROTTLED["RequestLimitExceeded"], code))
    if family == "LimitExceeded":
        return RetryLater(
            NUMBER_LIMIT_DELAY, _reason(("发送量超限", "sending limit reached"), code)
        )
    if family in ("InternalError", "ServiceUnavailable", "ResourceUnavailable"):
        return RetryLater(SERVER_ERROR_DELAY, _reason(_SERVER["InternalError"], code))
    return Failed(code, _reason(("腾讯云短信拒绝发送", "Tencent Cloud SMS refused it"), code))


def gateway_unusable(result: SendResult) -> bool:
    """True when a send result says the whole gateway account is unusable (pause it)."""
    return isinstance(result, Failed) and result.code == GATEWAY_UNUSABLE
