"""One signed, harmless call per gateway: do its credentials work?

Each probe asks the gateway something that sends nothing and costs nothing, signed exactly as a
send is signed, and reads whether the gateway accepted the credentials:

- Alibaba Cloud: QuerySendDetails (the send records of a placeholder number for today);
- Tencent Cloud: PullSmsSendStatusByPhoneNumber (the same, for the last hour);
- Twilio: GET /2010-04-01/Accounts/{AccountSid}.json (the account, and whether it is active);
- Telegram: getMe (the bot the token belongs to).

An answer the gateway gives only after checking the signature (success, or a business refusal
such as an illegal number) means the credentials work. The probe's text never carries a secret
or the answer's body (Twilio's Account resource holds the auth token).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp

from channels.aliyun import codes as aliyun_codes
from channels.aliyun.config import AliyunConfig
from channels.aliyun.transport import AliyunRpc, NotSentError, OutcomeUnknownError
from channels.base import Failed
from channels.settings import GatewaySettings
from channels.tencent import codes as tencent_codes
from channels.tencent import transport as tencent_transport
from channels.tencent.config import TencentConfig
from core import RESIDENT_TZ

#: A number nobody is sent to: the status queries need one, and find nothing for it.
PLACEHOLDER_PHONE = "13800138000"
TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class GatewayProbe:
    """What a gateway said to the probe.

    `reached`: an HTTP answer came; `ok`: the credentials were accepted (and, for Twilio, the
    account is active). `reason` says why not, "中文 / English", with the gateway's code.
    """

    provider: str
    reached: bool
    ok: bool
    reason: str = ""
    call: str = ""  # which call was made, for the report


Probe = Callable[[GatewaySettings, float], Awaitable[GatewayProbe]]


def _unreached(provider: str, call: str, err: BaseException) -> GatewayProbe:
    return GatewayProbe(
        provider,
        False,
        False,
        f"网关无法连接 / the gateway could not be reached ({type(err).__name__})",
        call,
    )


async def _aliyun(settings: GatewaySettings, within: float) -> GatewayProbe:
    call = "QuerySendDetails"
    rpc = AliyunRpc(
        AliyunConfig(
            access_key_id=settings.aliyun_access_key_id or "",
            access_key_secret=settings.aliyun_access_key_secret or "",
            base_url=settings.aliyun_endpoint,
            timeout=within,
            connect_timeout=within,
        )
    )
    params = {
        "PhoneNumber": PLACEHOLDER_PHONE,
        "SendDate": datetime.now(RESIDENT_TZ).strftime("%Y%m%d"),
        "PageSize": "1",
        "CurrentPage": "1",
    }
    try:
        answer = await rpc.call(call, params)
    except (NotSentError, OutcomeUnknownError) as err:
        return _unreached("aliyun", call, err)
    finally:
        await rpc.close()
    if answer.code == "OK":
        return GatewayProbe("aliyun", True, True, call=call)
    if answer.status >= 500 or not answer.code:
        return GatewayProbe(
            "aliyun",
            True,
            False,
            f"网关出错 / the gateway failed (HTTP {answer.status} {answer.code})",
            call,
        )
    result = aliyun_codes.result_for_code(answer.code)
    if aliyun_codes.gateway_unusable(result):
        assert isinstance(result, Failed)
        return GatewayProbe("aliyun", True, False, result.reason, call)
    if answer.status != 200:
        return GatewayProbe(
            "aliyun",
            True,
            False,
            f"网关拒绝了检查请求 / the gateway refused the check (HTTP {answer.status} "
            f"{answer.code})",
            call,
        )
    # A business answer (a number rule, a limit) comes only after the signature was checked.
    return GatewayProbe("aliyun", True, True, call=call)


async def _tencent(settings: GatewaySettings, within: float) -> GatewayProbe:
    call = "PullSmsSendStatusByPhoneNumber"
    config = TencentConfig(
        secret_id=settings.tencent_secret_id or "",
        secret_key=settings.tencent_secret_key or "",
        sdk_app_id=settings.tencent_sdk_app_id or "",
        base_url=settings.tencent_endpoint,
        region=settings.tencent_region,
        timeout=within,
        connect_timeout=within,
    )
    api = tencent_transport.TencentApi(config)
    now = datetime.now(UTC)
    params = {
        "BeginTime": int((now - timedelta(hours=1)).timestamp()),
        "Offset": 0,
        "Limit": 1,
        "PhoneNumber": f"+86{PLACEHOLDER_PHONE}",
        "SmsSdkAppId": config.sdk_app_id,
        "EndTime": int(now.timestamp()) + 60,
    }
    try:
        answer = await api.call(call, params)
    except (tencent_transport.NotSentError, tencent_transport.OutcomeUnknownError) as err:
        return _unreached("tencent", call, err)
    finally:
        await api.close()
    if answer.status != 200:
        return GatewayProbe(
            "tencent", True, False, f"网关出错 / the gateway failed (HTTP {answer.status})", call
        )
    code = answer.error_code
    if code is None:
        return GatewayProbe("tencent", True, True, call=call)
    if tencent_codes.is_gateway_unusable_code(code):
        result = tencent_codes.result_for_code(code, now)
        reason = result.reason if isinstance(result, Failed) else code
        return GatewayProbe("tencent", True, False, reason, call)
    return GatewayProbe("tencent", True, True, call=call)


async def _http_get(
    url: str, headers: dict[str, str], within: float
) -> tuple[int, dict[str, object]]:
    timeout = aiohttp.ClientTimeout(total=within)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        raw = await response.read()
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        return response.status, body if isinstance(body, dict) else {}


async def _twilio(settings: GatewaySettings, within: float) -> GatewayProbe:
    sid = settings.twilio_account_sid or ""
    call = "GET /2010-04-01/Accounts/{AccountSid}.json"
    credentials = f"{sid}:{settings.twilio_auth_token or ''}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}
    url = f"{settings.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/{sid}.json"
    try:
        status, body = await _http_get(url, headers, within)
    except (aiohttp.ClientError, TimeoutError) as err:
        return _unreached("twilio", call, err)
    if status == 200:
        state = str(body.get("status") or "")
        if state and state != "active":
            return GatewayProbe(
                "twilio",
                True,
                False,
                f"账户状态为 {state}，不能发送 / the account is {state}, it cannot send",
                call,
            )
        return GatewayProbe("twilio", True, True, call=call)
    code = body.get("code")
    if status == 401:
        reason = "Account SID 或 Auth Token 错误 / the Account SID or auth token is wrong"
    elif status == 404:
        reason = "Account SID 不存在 / no account with this Account SID"
    else:
        reason = "网关拒绝了请求 / the gateway refused the request"
    return GatewayProbe("twilio", True, False, f"{reason} (HTTP {status}, {code})", call)


async def _telegram(settings: GatewaySettings, within: float) -> GatewayProbe:
    call = "getMe"
    base = (settings.telegram_api_url or TELEGRAM_API).rstrip("/")
    try:
        status, body = await _http_get(f"{base}/bot{settings.telegram_bot_token}/getMe", {}, within)
    except (aiohttp.ClientError, TimeoutError) as err:
        return _unreached("telegram", call, err)
    if status == 200 and body.get("ok") is True:
        return GatewayProbe("telegram", True, True, call=call)
    if status in (401, 404):
        reason = "机器人令牌无效 / the bot token is not valid"
    else:
        reason = "Telegram 拒绝了请求 / Telegram refused the request"
    return GatewayProbe("telegram", True, False, f"{reason} (HTTP {status})", call)


_PROBES: dict[str, Probe] = {
    "aliyun": _aliyun,
    "tencent": _tencent,
    "twilio": _twilio,
    "telegram": _telegram,
}


async def probe_gateway(
    settings: GatewaySettings, provider: str, *, within: float = 5.0
) -> GatewayProbe:
    """Make `provider`'s harmless signed call with the configured credentials."""
    return await _PROBES[provider](settings, within)
