"""The Telegram channel: a message to a chat through the Bot API (aiogram's Bot).

Telegram has no delivery receipts and no way to ask what became of a message: an Accepted
Telegram message counts as delivered (the Bot API only accepts a message for a chat that exists
and has not blocked the bot, and Telegram stores it for the user at once). `lookup` therefore
always answers LookupUnavailable, and an Unknown outcome (a timeout or dropped connection after
the request went out) can never be settled by asking: whoever holds it decides whether a possible
duplicate or a possible loss is worse.

`provider_id` is Telegram's message_id. It is unique only within its chat (message ids count per
chat), so the message is identified by the chat id (`Outbound.to`) together with it.

Outcomes, from aiogram's exception tree:
- success: Accepted(message_id)
- 403 "bot was blocked by the user" / "user is deactivated": Failed(opt_out=True) — the person
  refused us (or is gone); other 403s (e.g. the bot may not start a conversation): Failed
- 429: RetryLater(retry_after)
- 400 ("chat not found", "message text is empty"...), 401, 404, 409: Failed
- 5xx, or no connection could be made: RetryLater
- a timeout or a connection lost after the request was sent, an unreadable answer: Unknown
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

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

log = get_logger("channels.telegram")

#: Messages one `send` carries, all sent at once: Telegram allows about 30 a second overall.
MAX_BATCH = 10
#: Seconds to wait after a 5xx or a refused connection before trying again.
SERVER_ERROR_DELAY = 5.0
#: Seconds one sendMessage may take before its outcome counts as unknown.
DEFAULT_REQUEST_TIMEOUT = 15

#: 403 descriptions that mean the person will not (or cannot) read us: an opt-out.
_OPT_OUT_403 = {
    "bot was blocked by the user": "blocked",
    "user is deactivated": "user_deactivated",
}


def telegram_bot(token: str, api_url: str | None = None) -> Bot:
    """An aiogram Bot, pointed at a custom Bot API server (the stand-in) when `api_url` is set."""
    if api_url is None:
        return Bot(token)
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))


def classify(error: AiogramError) -> SendResult:
    """The send outcome an aiogram error stands for."""
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(
            float(error.retry_after),
            f"Telegram 限流，{error.retry_after} 秒后重试 / "
            f"Telegram flood control, retry in {error.retry_after} s",
        )
    if isinstance(error, TelegramForbiddenError):
        return _forbidden(error)
    if isinstance(error, TelegramServerError):
        return RetryLater(
            SERVER_ERROR_DELAY,
            f"Telegram 服务端错误，消息未发出 / Telegram server error, not sent ({error.message})",
        )
    if isinstance(error, TelegramNetworkError):
        return _network(error)
    if isinstance(error, ClientDecodeError):
        return Unknown(
            f"Telegram 答复无法解析，结果待查 / unreadable answer from Telegram ({error})"
        )
    if isinstance(error, TelegramBadRequest):
        return Failed(
            _code(error.message),
            f"Telegram 拒绝了这条消息 / Telegram refused the message ({error.message})",
        )
    if isinstance(error, TelegramUnauthorizedError | TelegramNotFound | TelegramConflictError):
        return Failed(
            "bot_misconfigured",
            f"机器人令牌或接口地址有误，请检查设置 / "
            f"bot token or API URL is wrong ({error.message})",
        )
    if isinstance(error, TelegramAPIError):
        return Failed("telegram_error", f"Telegram 错误 / Telegram error ({error.message})")
    return Unknown(f"发送结果不明 / outcome unknown ({type(error).__name__})")


def _forbidden(error: TelegramForbiddenError) -> Failed:
    description = error.message.lower()
    for phrase, code in _OPT_OUT_403.items():
        if phrase in description:
            return Failed(
                code,
                f"对方已屏蔽机器人或已注销账号，视为退订 / "
                f"the user blocked the bot or is gone: treated as an opt-out ({error.message})",
                opt_out=True,
            )
    return Failed(
        "forbidden",
        f"机器人无权给此聊天发消息 / the bot may not write to this chat ({error.message})",
    )


def _network(error: TelegramNetworkError) -> SendResult:
    """Refused before the request went out: retry; anything later: the outcome is unknown."""
    if isinstance(error.__cause__, aiohttp.ClientConnectorError):
        return RetryLater(
            SERVER_ERROR_DELAY,
            f"无法连接 Telegram，消息未发出 / could not reach Telegram, not sent ({error.message})",
        )
    return Unknown(
        f"请求已发出但未收到答复，结果待查 / sent without an answer, outcome unknown "
        f"({error.message})"
    )


def _code(description: str) -> str:
    """A short code from Telegram's description: "Bad Request: chat not found" -> chat_not_found."""
    detail = description.partition(":")[2] or description
    words = "".join(c if c.isalnum() else " " for c in detail.lower()).split()
    return "_".join(words[:4]) or "bad_request"


class TelegramChannel:
    """Telegram as a `channels.base.Channel`: one sendMessage per message, a batch at once."""

    def __init__(self, bot: Bot, *, request_timeout: int = DEFAULT_REQUEST_TIMEOUT) -> None:
        self._bot = bot
        self._request_timeout = request_timeout

    @property
    def name(self) -> str:
        return "telegram"

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.TELEGRAM

    @property
    def max_batch(self) -> int:
        return MAX_BATCH

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        """One result per message, in order; Telegram's errors become results, never raise."""
        return list(await asyncio.gather(*(self._send_one(message) for message in batch)))

    async def _send_one(self, message: Outbound) -> SendResult:
        try:
            chat_id = int(message.to)
        except ValueError:
            return Failed(
                "invalid_chat_id",
                f"Telegram 聊天编号应为整数 / a Telegram chat id is an integer ({message.to!r})",
            )
        try:
            sent = await self._bot.send_message(
                chat_id=chat_id,
                text=message.text,
                parse_mode=None,  # the text is what the resident reads, never markup
                request_timeout=self._request_timeout,
            )
        except AiogramError as err:
            result = classify(err)
        else:
            result = Accepted(str(sent.message_id))
        log.info("telegram_send", ref=message.ref, outcome=type(result).__name__, **_detail(result))
        return result

    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        """Telegram has no status query: an accepted message counts as delivered."""
        return LookupUnavailable(
            "Telegram 不提供消息状态查询 / Telegram has no message status query"
        )

    async def close(self) -> None:
        await self._bot.session.close()


def _detail(result: SendResult) -> dict[str, str | float | bool]:
    if isinstance(result, Accepted):
        return {"provider_id": result.provider_id}
    if isinstance(result, Failed):
        return {"code": result.code, "opt_out": result.opt_out}
    if isinstance(result, RetryLater):
        return {"delay": result.delay}
    return {}
