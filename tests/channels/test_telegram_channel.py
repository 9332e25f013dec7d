"""TelegramChannel against the Bot API stand-in: every gateway answer becomes the right outcome."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import ClientDecodeError, TelegramForbiddenError
from aiogram.methods import SendMessage

from channels.base import (
    Accepted,
    Channel,
    ChannelKind,
    Failed,
    LookupUnavailable,
    Outbound,
    RetryLater,
    Unknown,
)
from channels.sandbox.telegram_flood import FloodLimits
from channels.telegram import MAX_BATCH, TelegramChannel, classify, telegram_bot
from tests.channels.test_telegram_harness import (
    TOKEN,
    ManualClock,
    StandIn,
    config,
    log_lines,
    running,
)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "telegram.jsonl"


@pytest.fixture
async def stand_in(log_path: Path) -> AsyncIterator[StandIn]:
    async with running(config(log_path)) as running_stand_in:
        yield running_stand_in


def message(chat_id: int | str, text: str = "您好，城乡居民养老保险可以续缴了。") -> Outbound:
    return Outbound(ref=f"ref-{chat_id}", to=str(chat_id), text=text)


def channel_on(stand_in: StandIn, *, request_timeout: int = 15) -> TelegramChannel:
    return TelegramChannel(stand_in.bot(), request_timeout=request_timeout)


async def test_is_a_channel_of_kind_telegram(stand_in: StandIn) -> None:
    """The channel satisfies the protocol every sender relies on."""
    channel = channel_on(stand_in)
    assert isinstance(channel, Channel)
    assert (channel.name, channel.kind, channel.max_batch) == (
        "telegram",
        ChannelKind.TELEGRAM,
        MAX_BATCH,
    )


async def test_accepted_batch_is_logged_once_per_message(stand_in: StandIn, log_path: Path) -> None:
    """A batch goes out at once; each message is Accepted with its message_id and logged once."""
    channel = channel_on(stand_in)
    batch = [message(101), message(102, "第二条"), message(101, "再来一条")]
    results = await channel.send(batch)
    assert results == [Accepted("1"), Accepted("1"), Accepted("2")]
    lines = log_lines(log_path)
    assert sorted((line["to"], line["text"], line["provider_id"]) for line in lines) == sorted(
        [
            ("101", batch[0].text, "1"),
            ("102", "第二条", "1"),
            ("101", "再来一条", "2"),
        ]
    )
    assert all(line["provider"] == "telegram" and "ref" not in line for line in lines)
    assert await stand_in.texts(101) == [batch[0].text, "再来一条"]


async def test_text_is_sent_literally_even_when_the_bot_defaults_to_html(
    stand_in: StandIn,
) -> None:
    """A rendered message is what the resident reads: "<" and "&" are not markup."""
    bot = Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(stand_in.url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    stand_in.bots.append(bot)
    text = "缴费档次 <b>100元</b> & 补贴"
    assert await TelegramChannel(bot).send([message(7, text)]) == [Accepted("1")]
    assert await stand_in.texts(7) == [text]


async def test_server_error_is_retry_later_and_nothing_sent(
    stand_in: StandIn, log_path: Path
) -> None:
    """A 5xx before acceptance: safe to send again later."""
    await stand_in.faults(error_5xx=1)
    [result] = await channel_on(stand_in).send([message(5)])
    assert isinstance(result, RetryLater)
    assert result.delay > 0
    assert log_lines(log_path) == []


async def test_outage_is_retry_later(stand_in: StandIn) -> None:
    """The whole gateway down (503) is retried later, like any server error."""
    await stand_in.faults(down=True)
    [result] = await channel_on(stand_in).send([message(5)])
    assert isinstance(result, RetryLater)


async def test_throttling_retries_after_the_gateways_delay(log_path: Path) -> None:
    """A 429 carries retry_after, and the channel waits exactly that long."""
    async with running(config(log_path, throttle_retry_after=7)) as stand_in:
        await stand_in.faults(throttle=1)
        [result] = await channel_on(stand_in).send([message(5)])
    assert isinstance(result, RetryLater)
    assert result.delay == 7.0
    assert log_lines(log_path) == []


async def test_dropped_connection_is_unknown(stand_in: StandIn, log_path: Path) -> None:
    """The connection closed after the request went out: the outcome cannot be known."""
    await stand_in.faults(drop=1)
    [result] = await channel_on(stand_in).send([message(5)])
    assert isinstance(result, Unknown)
    assert log_lines(log_path) == []


async def test_timeout_after_acceptance_is_unknown_though_the_message_went_out(
    stand_in: StandIn, log_path: Path
) -> None:
    """The gateway accepted the message and never answered: Unknown, never a retry."""
    await stand_in.faults(timeout_after_accept=1, stall=60)
    [result] = await channel_on(stand_in, request_timeout=1).send([message(5)])
    assert isinstance(result, Unknown)
    assert [line["to"] for line in log_lines(log_path)] == ["5"]


async def test_unreachable_gateway_is_retry_later() -> None:
    """Nothing listens at the URL: the request never went out, so it is retried."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = TelegramChannel(telegram_bot(TOKEN, f"http://127.0.0.1:{port}"))
    try:
        [result] = await channel.send([message(5)])
    finally:
        await channel.close()
    assert isinstance(result, RetryLater)


async def test_blocked_bot_is_an_opt_out_until_unblocked(stand_in: StandIn) -> None:
    """403 "blocked by the user" means the person refused us: Failed with opt_out."""
    channel = channel_on(stand_in)
    await stand_in.block(9)
    [result] = await channel.send([message(9)])
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out) == ("blocked", True)
    assert "屏蔽" in result.reason
    await stand_in.block(9, unblock=True)
    assert await channel.send([message(9)]) == [Accepted("1")]


async def test_unknown_chat_fails_without_opt_out(log_path: Path) -> None:
    """ "chat not found" is a permanent failure, but not a refusal; a /start makes the chat."""
    async with running(config(log_path, known_chats_only=True)) as stand_in:
        channel = channel_on(stand_in)
        [result] = await channel.send([message(31)])
        assert isinstance(result, Failed)
        assert (result.code, result.opt_out) == ("chat_not_found", False)
        await stand_in.inbound(31, "/start")
        # The user's /start is message 1 of the chat; the bot's reply is message 2.
        assert await channel.send([message(31)]) == [Accepted("2")]


async def test_flood_control_per_chat_and_overall(log_path: Path) -> None:
    """Beyond 1 a second per chat, or 30 a second overall, Telegram answers 429."""
    clock = ManualClock()
    settings = config(log_path, flood=FloodLimits(30, 1), clock=clock)
    async with running(settings) as stand_in:
        channel = channel_on(stand_in)
        first, second = await channel.send([message(1)]), await channel.send([message(1)])
        assert first == [Accepted("1")]
        assert isinstance(second[0], RetryLater)
        assert second[0].delay == 1.0
        clock.now += 1.0
        assert await channel.send([message(1)]) == [Accepted("2")]
        clock.now += 1.0
        results = []
        for start in range(100, 131, 10):
            results += await channel.send([message(chat) for chat in range(start, start + 10)])
        accepted = [r for r in results if isinstance(r, Accepted)]
        refused = [r for r in results if isinstance(r, RetryLater)]
        assert (len(accepted), len(refused)) == (30, 10)


async def test_wrong_token_is_a_permanent_misconfiguration(stand_in: StandIn) -> None:
    """401 is not the resident's fault and will not pass by itself: Failed, no opt-out."""
    channel = TelegramChannel(stand_in.bot("7000000001:not-the-token"))
    [result] = await channel.send([message(5)])
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out) == ("bot_misconfigured", False)


async def test_chat_id_must_be_a_number(stand_in: StandIn) -> None:
    """A phone number or name in place of a chat id fails before any request."""
    [result] = await channel_on(stand_in).send([message("+8613800000000x")])
    assert isinstance(result, Failed)
    assert result.code == "invalid_chat_id"
    assert await stand_in.texts() == []


async def test_lookup_is_unavailable(stand_in: StandIn) -> None:
    """Telegram has no status query; an accepted message counts as delivered."""
    result = await channel_on(stand_in).lookup(message(5), datetime.now(UTC))
    assert isinstance(result, LookupUnavailable)


@pytest.mark.parametrize(
    ("description", "code", "opt_out"),
    [
        ("Forbidden: bot was blocked by the user", "blocked", True),
        ("Forbidden: user is deactivated", "user_deactivated", True),
        ("Forbidden: bot can't initiate conversation with a user", "forbidden", False),
        ("Forbidden: bot was kicked from the group chat", "forbidden", False),
    ],
)
def test_only_a_persons_refusal_is_an_opt_out(description: str, code: str, opt_out: bool) -> None:
    """Of the 403s, blocking and a deleted account are opt-outs; the others are not."""
    method = SendMessage(chat_id=1, text="x")
    result = classify(TelegramForbiddenError(method=method, message=description))
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out) == (code, opt_out)


def test_unreadable_answer_is_unknown() -> None:
    """An answer that is not the Bot API's JSON may hide an accepted message."""
    error = ClientDecodeError("Failed to decode object", ValueError("x"), "<html>")
    assert isinstance(classify(error), Unknown)
