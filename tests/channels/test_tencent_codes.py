"""Every documented SendSms code means something on purpose."""

from __future__ import annotations

from datetime import datetime

import pytest

from channels.base import Failed, RetryLater, Unknown
from channels.tencent import GATEWAY_UNUSABLE, gateway_unusable, result_for_code
from channels.tencent.codes import (
    MAPPED_CODES,
    NUMBER_LIMIT_DELAY,
    SERVER_ERROR_DELAY,
    THIRTY_SECOND_DELAY,
    THROTTLE_DELAY,
)
from core import RESIDENT_TZ

#: 21:30 Beijing time: two and a half hours to midnight, ten and a half to 08:00.
EVENING = datetime(2026, 11, 22, 21, 30, tzinfo=RESIDENT_TZ)

#: The error codes of SendSms (2021-01-11) as the official SDK lists them, plus the common ones.
DOCUMENTED = [
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.FailResolvePacket",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "FailedOperation.JsonParseFail",
    "FailedOperation.MarketingSendTimeConstraint",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberParseFail",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    "FailedOperation.TemplateUnapprovedOrNotExist",
    "InternalError.OtherError",
    "InternalError.RequestTimeException",
    "InternalError.RestApiInterfaceNotExist",
    "InternalError.SendAndRecvFail",
    "InternalError.SigFieldMissing",
    "InternalError.SigVerificationFail",
    "InternalError.Timeout",
    "InternalError.UnknownError",
    "InvalidParameter.AppidAndBizId",
    "InvalidParameter.DirtyWordFound",
    "InvalidParameterValue.ContentLengthLimit",
    "InvalidParameterValue.IncorrectPhoneNumber",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
    "InvalidParameterValue.SdkAppIdNotExist",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "LimitExceeded.AppCountryOrRegionDailyLimit",
    "LimitExceeded.AppCountryOrRegionInBlacklist",
    "LimitExceeded.AppDailyLimit",
    "LimitExceeded.AppGlobalDailyLimit",
    "LimitExceeded.AppMainlandChinaDailyLimit",
    "LimitExceeded.DailyLimit",
    "LimitExceeded.DeliveryFrequencyLimit",
    "LimitExceeded.GlobalSmsSendingRateLimit",
    "LimitExceeded.PhoneNumberCountLimit",
    "LimitExceeded.PhoneNumberDailyLimit",
    "LimitExceeded.PhoneNumberOneHourLimit",
    "LimitExceeded.PhoneNumberSameContentDailyLimit",
    "LimitExceeded.PhoneNumberThirtySecondLimit",
    "MissingParameter.EmptyPhoneNumberSet",
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
    "UnauthorizedOperation.RequestIpNotInWhitelist",
    "UnauthorizedOperation.RequestPermissionDeny",
    "UnauthorizedOperation.SdkAppIdIsDisabled",
    "UnauthorizedOperation.ServiceSuspendDueToArrears",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
    "UnsupportedOperation",
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
    "UnsupportedOperation.UnsupportedRegion",
    "AuthFailure.SignatureFailure",
    "AuthFailure.SignatureExpire",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.InvalidSecretId",
    "AuthFailure.TokenFailure",
    "AuthFailure.InvalidAuthorization",
    "RequestLimitExceeded",
    "InternalError",
    "InvalidAction",
    "NoSuchVersion",
    "UnsupportedRegion",
    "InvalidParameter",
    "MissingParameter",
]


def test_every_documented_code_is_mapped_on_purpose() -> None:
    assert sorted(set(DOCUMENTED) - MAPPED_CODES) == []


@pytest.mark.parametrize(
    "code",
    [
        "AuthFailure.SignatureFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureExpire",
        "FailedOperation.InsufficientBalanceInSmsPackage",
        "UnauthorizedOperation.ServiceSuspendDueToArrears",
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
        "InvalidParameterValue.SdkAppIdNotExist",
        "InvalidAction",
        "AuthFailure.SomethingNew",
    ],
)
def test_account_problems_make_the_gateway_unusable(code: str) -> None:
    result = result_for_code(code, EVENING)
    assert isinstance(result, Failed)
    assert result.code == GATEWAY_UNUSABLE
    assert code in result.reason
    assert gateway_unusable(result)


@pytest.mark.parametrize(
    ("code", "delay"),
    [
        ("RequestLimitExceeded", THROTTLE_DELAY),
        ("RequestLimitExceeded.UinLimitExceeded", THROTTLE_DELAY),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", THIRTY_SECOND_DELAY),
        ("LimitExceeded.PhoneNumberOneHourLimit", NUMBER_LIMIT_DELAY),
        ("LimitExceeded.DeliveryFrequencyLimit", NUMBER_LIMIT_DELAY),
        ("LimitExceeded.PhoneNumberDailyLimit", 2.5 * 3600),
        ("LimitExceeded.AppDailyLimit", 2.5 * 3600),
        ("FailedOperation.MarketingSendTimeConstraint", 10.5 * 3600),
        ("InternalError", SERVER_ERROR_DELAY),
        ("InternalError.OtherError", SERVER_ERROR_DELAY),
        ("InternalError.NewThing", SERVER_ERROR_DELAY),
    ],
)
def test_limits_and_server_trouble_retry_later(code: str, delay: float) -> None:
    result = result_for_code(code, EVENING)
    assert isinstance(result, RetryLater)
    assert result.delay == delay
    assert code in result.reason


def test_daily_limits_wait_at_least_an_hour() -> None:
    late = datetime(2026, 11, 22, 23, 50, tzinfo=RESIDENT_TZ)
    result = result_for_code("LimitExceeded.PhoneNumberDailyLimit", late)
    assert isinstance(result, RetryLater)
    assert result.delay == 3600.0


@pytest.mark.parametrize("code", ["InternalError.Timeout", "InternalError.SendAndRecvFail"])
def test_carrier_timeouts_are_unknown(code: str) -> None:
    assert isinstance(result_for_code(code, EVENING), Unknown)


@pytest.mark.parametrize(
    "code",
    [
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "MissingParameter",
        "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
        "FailedOperation.SomethingNew",
    ],
)
def test_message_problems_fail_with_tencents_code(code: str) -> None:
    result = result_for_code(code, EVENING)
    assert isinstance(result, Failed)
    assert result.code == code
    assert not result.opt_out
    assert not gateway_unusable(result)


def test_do_not_disturb_list_is_an_opt_out() -> None:
    result = result_for_code("FailedOperation.PhoneNumberInBlacklist", EVENING)
    assert isinstance(result, Failed)
    assert result.opt_out
    assert result.reason.startswith("号码在免打扰名单中")
