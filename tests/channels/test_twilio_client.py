"""The Twilio channel against the local stand-in over real HTTP: sends, faults, limits, lookups."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from channels.base import (
    Accepted,
    Channel,
    ChannelKind,
    DeliveryState,
    Failed,
    Found,
    LookupUnavailable,
    NotFound,
    Outbound,
    RetryLater,
    Unknown,
)
from channels.sandbox.common import NumberLimits
from channels.twilio import GATEWAY_UNUSABLE, TwilioChannel, TwilioConfig, gateway_unusable
from tests.channels.test_twilio_harness import (
    ACCOUNT,
    FROM,
    TOKEN,
    channel,
    running_sandbox,
    sandbox_config,
)

PHONE = "13800138000"
CALLBACK = "https://outreach.example.cn/callbacks/twilio/status"


def message(ref: str, to: str = PHONE, text: str = "您好，请按时缴纳养老保险。") -> Outbound:
    return Outbound(ref=ref, to=to, text=text, sign_name="测试")


async def test_the_channel_is_a_single_send_sms_channel(tmp_path: Path) -> None:
    """It satisfies the Channel protocol as twilio, SMS, one message per request."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox)
        assert isinstance(client, Channel)
        assert (client.name, client.kind, client.max_batch) == ("twilio", ChannelKind.SMS, 1)
        await client.close()


async def test_single_send_is_accepted_and_logged_once_with_our_ref(tmp_path: Path) -> None:
    """One send gives Accepted(SM…) and one log line with ref, phone, sign, text and SID."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox, CALLBACK)
        [result] = await client.send([message("msg-1")])
        await client.close()
        assert isinstance(result, Accepted)
        assert result.provider_id.startswith("SM")
        [record] = sandbox.records()
    assert record["ref"] == "msg-1"
    assert record["to"] == PHONE
    assert record["sign"] == "测试"
    assert record["text"] == "您好，请按时缴纳养老保险。"
    assert record["provider_id"] == result.provider_id


async def test_batch_sends_each_message_once_in_order(tmp_path: Path) -> None:
    """A batch gives one Accepted per message, in order, each logged exactly once."""
    batch = [message(f"msg-{i}", to=f"1390000000{i}") for i in range(3)]
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox, CALLBACK)
        results = await client.send(batch)
        await client.close()
        records = sandbox.records()
    assert all(isinstance(r, Accepted) for r in results)
    assert [r["ref"] for r in records] == ["msg-0", "msg-1", "msg-2"]
    assert [r["to"] for r in records] == [m.to for m in batch]
    assert [r["provider_id"] for r in records] == [
        r.provider_id for r in results if isinstance(r, Accepted)
    ]


async def test_messaging_service_sender_is_accepted(tmp_path: Path) -> None:
    """A channel configured with a MessagingServiceSid sends without a From number."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = TwilioChannel(
            TwilioConfig(
                account_sid=ACCOUNT,
                auth_token=TOKEN,
                messaging_service_sid="MG" + "1" * 32,
                base_url=sandbox.url,
            )
        )
        [result] = await client.send([message("msg-svc")])
        await client.close()
    assert isinstance(result, Accepted)


@pytest.mark.parametrize(
    ("fault", "expected", "logged"),
    [
        ({"error_5xx": 1.0}, RetryLater, 0),
        ({"down": True}, RetryLater, 0),
        ({"throttle": 1.0}, RetryLater, 0),
        ({"drop": 1.0}, Unknown, 0),
    ],
)
async def test_faults_map_to_their_outcome(
    tmp_path: Path, fault: dict[str, object], expected: type, logged: int
) -> None:
    """5xx, outage and throttling retry later; a dropped connection is Unknown; none is sent."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        sandbox.core.faults.update(fault)
        client = channel(sandbox, CALLBACK)
        [result] = await client.send([message("msg-f")])
        await client.close()
        assert isinstance(result, expected)
        assert len(sandbox.records()) == logged


async def test_throttling_waits_the_short_throttle_delay(tmp_path: Path) -> None:
    """Twilio's 429/20429 waits the configured throttle delay, not the per-number hour."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        sandbox.core.faults.update({"throttle": 1.0})
        client = channel(sandbox, throttle_delay=7.0)
        [result] = await client.send([message("msg-t")])
        await client.close()
    assert isinstance(result, RetryLater)
    assert result.delay == 7.0
    assert "20429" in result.reason


async def test_connection_refused_retries_later(tmp_path: Path) -> None:
    """Nothing listening at the endpoint: nothing was sent, so RetryLater."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = TwilioChannel(
        TwilioConfig(
            account_sid=ACCOUNT,
            auth_token=TOKEN,
            from_number=FROM,
            base_url=f"http://127.0.0.1:{port}",
        )
    )
    [result] = await client.send([message("msg-r")])
    await client.close()
    assert isinstance(result, RetryLater)


async def test_wrong_token_makes_the_gateway_unusable(tmp_path: Path) -> None:
    """A 401 (20003) is Failed with GATEWAY_UNUSABLE, and nothing is logged."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = TwilioChannel(
            TwilioConfig(
                account_sid=ACCOUNT,
                auth_token="wrong-" + TOKEN,
                from_number=FROM,
                base_url=sandbox.url,
            )
        )
        [result] = await client.send([message("msg-a")])
        await client.close()
        assert sandbox.records() == []
    assert isinstance(result, Failed)
    assert result.code == GATEWAY_UNUSABLE
    assert gateway_unusable(result)
    assert "20003" in result.reason


async def test_bad_number_fails_with_21211(tmp_path: Path) -> None:
    """A number that is not a mainland mobile is refused by the gateway (21211)."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox)
        [result] = await client.send([message("msg-b", to="1380000")])
        await client.close()
    assert isinstance(result, Failed)
    assert (result.code, result.opt_out) == ("21211", False)


async def test_per_number_limit_retries_after_an_hour(tmp_path: Path) -> None:
    """Past the per-number limit Twilio answers 14107: RetryLater with the long delay."""
    config = sandbox_config(tmp_path, limits=NumberLimits(per_minute=1))
    async with running_sandbox(config) as sandbox:
        client = channel(sandbox, CALLBACK)
        first, second = await client.send([message("msg-1"), message("msg-2")])
        [other] = await client.send([message("msg-3", to="13900139000")])
        await client.close()
        assert [r["ref"] for r in sandbox.records()] == ["msg-1", "msg-3"]
    assert isinstance(first, Accepted)
    assert isinstance(other, Accepted)
    assert isinstance(second, RetryLater)
    assert second.delay == 3600.0
    assert "14107" in second.reason


async def test_unregistered_sign_is_filtered(tmp_path: Path) -> None:
    """With registered signs configured, another 【sign】 is refused as filtered (30007)."""
    async with running_sandbox(sandbox_config(tmp_path, signs={"人社局"})) as sandbox:
        client = channel(sandbox)
        [refused] = await client.send([message("msg-s")])
        [sent] = await client.send([Outbound("msg-t", PHONE, "您好", sign_name="人社局")])
        await client.close()
    assert isinstance(refused, Failed)
    assert refused.code == "30007"
    assert isinstance(sent, Accepted)


async def test_templates_are_matched_and_unfilled_variables_refused(tmp_path: Path) -> None:
    """Content matching a registered template logs its code and values; a ${var} left is 30007."""
    templates = {"TPL_REMIND": "${name}您好，您的养老保险已断缴${months}个月。"}
    async with running_sandbox(sandbox_config(tmp_path, templates=templates)) as sandbox:
        client = channel(sandbox)
        [sent] = await client.send([message("m1", text="张先生您好，您的养老保险已断缴3个月。")])
        [unfilled] = await client.send(
            [message("m2", text="张先生您好，您的养老保险已断缴${months}个月。")]
        )
        [unknown] = await client.send([message("m3", text="完全不同的内容")])
        await client.close()
        [record] = sandbox.records()
    assert isinstance(sent, Accepted)
    assert record["template"] == "TPL_REMIND"
    assert record["params"] == {"name": "张先生", "months": "3"}
    assert isinstance(unfilled, Failed)
    assert unfilled.code == "30007"
    assert isinstance(unknown, Failed)
    assert unknown.code == "30007"


async def test_timeout_after_accept_is_unknown_and_lookup_finds_it(tmp_path: Path) -> None:
    """The stand-in accepts, logs and stalls: Unknown; the status query then finds the message."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        sandbox.core.faults.update({"timeout_after_accept": 1.0, "stall": 3.0})
        impatient = channel(sandbox, timeout=0.8)
        sent_at = datetime.now(UTC)
        [result] = await impatient.send([message("msg-u")])
        await impatient.close()
        sandbox.core.faults.update({"reset": True})
        [record] = sandbox.records()
        client = channel(sandbox)
        found = await client.lookup(message("msg-u"), sent_at)
        await client.close()
    assert isinstance(result, Unknown)
    assert found == Found(record["provider_id"], DeliveryState.SENT)


async def test_lookup_answers_not_found_for_a_message_never_accepted(tmp_path: Path) -> None:
    """A message the gateway never took is NotFound once the settle time has passed."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox)
        await client.send([message("other", text="另一条内容")])
        never = message("msg-never")
        long_ago = await client.lookup(never, datetime.now(UTC) - timedelta(hours=1))
        just_now = await client.lookup(never, datetime.now(UTC))
        await client.close()
    assert long_ago == NotFound()
    assert isinstance(just_now, LookupUnavailable)


async def test_lookup_pages_through_the_list_and_stops_at_the_limit(tmp_path: Path) -> None:
    """The oldest of three messages is found across pages; too few pages is Unavailable."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox, lookup_page_size=1)
        sent_at = datetime.now(UTC)
        await client.send([message("m-0", text="第一条")])
        await client.send([message("m-1", text="第二条"), message("m-2", text="第三条")])
        found = await client.lookup(message("m-0", text="第一条"), sent_at)
        short = channel(sandbox, lookup_page_size=1, lookup_max_pages=2)
        cut = await short.lookup(message("m-x", text="没有这条"), sent_at - timedelta(hours=1))
        await client.close()
        await short.close()
        first = sandbox.records()[0]["provider_id"]
    assert found == Found(first, DeliveryState.SENT)
    assert isinstance(cut, LookupUnavailable)


async def test_lookup_is_unavailable_while_the_gateway_is_down(tmp_path: Path) -> None:
    """A 503 from the status API is LookupUnavailable, never NotFound."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        sandbox.core.faults.update({"down": True})
        client = channel(sandbox)
        result = await client.lookup(message("msg-d"), datetime.now(UTC) - timedelta(hours=1))
        await client.close()
    assert isinstance(result, LookupUnavailable)


async def test_fetch_by_sid(tmp_path: Path) -> None:
    """GET …/Messages/{sid}.json: the accepted message is Found, an unknown SID NotFound."""
    async with running_sandbox(sandbox_config(tmp_path)) as sandbox:
        client = channel(sandbox)
        [result] = await client.send([message("msg-s")])
        assert isinstance(result, Accepted)
        found = await client.fetch(result.provider_id)
        missing = await client.fetch("SM" + "0" * 32)
        await client.close()
    assert found == Found(result.provider_id, DeliveryState.SENT)
    assert missing == NotFound()


async def test_shared_session_is_left_open(tmp_path: Path) -> None:
    """A session passed in belongs to the caller: close() does not close it."""
    async with (
        running_sandbox(sandbox_config(tmp_path)) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        client = TwilioChannel(
            TwilioConfig(
                account_sid=ACCOUNT, auth_token=TOKEN, from_number=FROM, base_url=sandbox.url
            ),
            session,
        )
        [result] = await client.send([message("msg-shared")])
        await client.close()
        assert not session.closed
    assert isinstance(result, Accepted)
