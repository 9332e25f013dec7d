"""The tencent client against the stand-in over real HTTP: every send outcome."""

from __future__ import annotations

import socket
from pathlib import Path

from channels.base import Accepted, Channel, ChannelKind, Failed, Outbound, RetryLater, Unknown
from channels.sandbox.common import NumberLimits
from channels.tencent import GATEWAY_UNUSABLE, gateway_unusable, refs_in_session
from channels.tencent.codes import NUMBER_LIMIT_DELAY, THIRTY_SECOND_DELAY, THROTTLE_DELAY
from tests.channels.test_tencent_helpers import SIGN, TEMPLATE, TEMPLATES, message, stand_in


async def test_channel_speaks_the_protocol(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        channel = gw.channel()
        assert isinstance(channel, Channel)
        assert channel.name == "tencent"
        assert channel.kind is ChannelKind.SMS
        assert channel.max_batch == 200


async def test_single_send_is_accepted_and_logged_once(tmp_path: Path) -> None:
    """SendSms answers a SerialNo; the log holds the reference, number, sign and filled text."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES), signs={SIGN}) as gw:
        [result] = await gw.channel().send([message("m-1", to="13800138000")])
        assert isinstance(result, Accepted)
        [line] = gw.logged()
        assert line["ref"] == "m-1"
        assert line["to"] == "13800138000"
        assert line["template"] == TEMPLATE
        assert line["sign"] == SIGN
        assert line["params"] == ["张先生", "3"]
        assert line["provider_id"] == result.provider_id
        assert line["text"] == "张先生您好，您的养老保险已断缴3个月。"


async def test_identical_messages_share_a_request_personal_ones_do_not(tmp_path: Path) -> None:
    """Same template, sign and params go in one SendSms; results keep the batch's order."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES)) as gw:
        batch = [
            message("b-1", to="13800000001"),
            message("b-2", to="13800000002", params=("李女士", "12")),
            message("b-3", to="13800000003"),
            message("b-4", to="13800000004", template="2001002"),
        ]
        results = await gw.channel().send(batch)
        assert all(isinstance(r, Accepted) for r in results)
        ids = [r.provider_id for r in results if isinstance(r, Accepted)]
        assert len(set(ids)) == 4  # a SerialNo per number, even within one request
        by_phone = {line["to"]: line for line in gw.logged()}
        assert len(by_phone) == 4 == len(gw.logged())
        assert by_phone["13800000001"]["request_id"] == by_phone["13800000003"]["request_id"]
        assert by_phone["13800000001"]["ref"] == "b-1,b-3"
        assert refs_in_session(by_phone["13800000003"]["ref"]) == ["b-1", "b-3"]
        assert by_phone["13800000002"]["ref"] == "b-2"
        assert by_phone["13800000002"]["text"] == "李女士您好，您的养老保险已断缴12个月。"
        assert by_phone["13800000004"]["ref"] == "b-4"
        for phone, result in zip(
            ["13800000001", "13800000002", "13800000003", "13800000004"], results, strict=True
        ):
            assert isinstance(result, Accepted)
            assert by_phone[phone]["provider_id"] == result.provider_id


async def test_the_same_number_twice_goes_in_two_requests(tmp_path: Path) -> None:
    """Answers are matched by number, so one request never carries a number twice."""
    async with stand_in(tmp_path) as gw:
        results = await gw.channel().send([message("d-1"), message("d-2")])
        assert all(isinstance(r, Accepted) for r in results)
        lines = gw.logged()
        assert sorted(line["ref"] for line in lines) == ["d-1", "d-2"]
        assert lines[0]["request_id"] != lines[1]["request_id"]


async def test_wrong_secret_makes_the_gateway_unusable(tmp_path: Path) -> None:
    """AuthFailure.SignatureFailure / SecretIdNotFound: Failed with the gateway-unusable code."""
    async with stand_in(tmp_path) as gw:
        [result] = await gw.channel(secret="wrong").send([message("x")])
        assert isinstance(result, Failed)
        assert result.code == GATEWAY_UNUSABLE
        assert "AuthFailure.SignatureFailure" in result.reason
        assert gateway_unusable(result)
        [other] = await gw.channel(key="AKIDnobody").send([message("y")])
        assert gateway_unusable(other)
        assert "AuthFailure.SecretIdNotFound" in other.reason  # type: ignore[union-attr]
        assert gw.logged() == []


async def test_bad_number_fails_alone(tmp_path: Path) -> None:
    """IncorrectPhoneNumber is a Failed of that number; its request-mates are sent."""
    async with stand_in(tmp_path) as gw:
        results = await gw.channel().send(
            [message("g-1", to="13800000021"), message("g-2", to="1380000")]
        )
        assert isinstance(results[0], Accepted)
        assert isinstance(results[1], Failed)
        assert results[1].code == "InvalidParameterValue.IncorrectPhoneNumber"
        assert not gateway_unusable(results[1])
        assert [line["to"] for line in gw.logged()] == ["13800000021"]


async def test_per_number_limits_retry_later(tmp_path: Path) -> None:
    """The 30-second and hourly per-number limits are RetryLater, the hourly one an hour long."""
    async with stand_in(tmp_path, limits=NumberLimits(per_minute=1)) as gw:
        channel = gw.channel()
        [first] = await channel.send([message("l-1")])
        [second] = await channel.send([message("l-2")])
        assert isinstance(first, Accepted)
        assert isinstance(second, RetryLater)
        assert second.delay == THIRTY_SECOND_DELAY
        assert "PhoneNumberThirtySecondLimit" in second.reason
    async with stand_in(tmp_path / "hour", limits=NumberLimits(per_hour=1)) as gw:
        channel = gw.channel()
        await channel.send([message("h-1")])
        [refused] = await channel.send([message("h-2")])
        assert isinstance(refused, RetryLater)
        assert refused.delay == NUMBER_LIMIT_DELAY
        assert len(gw.logged()) == 1


async def test_unapproved_template_sign_and_missing_params_fail(tmp_path: Path) -> None:
    """The registries of templates and signs are enforced with Tencent's codes."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES), signs={SIGN}) as gw:
        channel = gw.channel()
        [unknown_template] = await channel.send([message("t-1", template="9999999")])
        assert isinstance(unknown_template, Failed)
        assert unknown_template.code == "FailedOperation.TemplateIncorrectOrUnapproved"
        wrong_sign = Outbound(
            ref="s-1",
            to="13800138000",
            text="您好，请回电。",
            template_code="2001002",
            sign_name="别的签名",
        )
        [sign_result] = await channel.send([wrong_sign])
        assert isinstance(sign_result, Failed)
        assert sign_result.code == "FailedOperation.SignatureIncorrectOrUnapproved"
        [missing] = await channel.send([message("p-1", params=("只有一个",))])
        assert isinstance(missing, Failed)
        assert missing.code == "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        assert gw.logged() == []


async def test_message_without_template_or_sign_fails_without_a_request(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        bare = Outbound(ref="n-1", to="13800138000", text="你好")
        unsigned = Outbound(ref="n-2", to="13800138001", text="你好", template_code=TEMPLATE)
        results = await gw.channel().send([bare, unsigned, message("n-3")])
        assert [type(r) for r in results] == [Failed, Failed, Accepted]
        assert {r.code for r in results if isinstance(r, Failed)} == {"MissingParameter"}
        assert [line["ref"] for line in gw.logged()] == ["n-3"]
        # The configured default sign fills in for a message that carries none.
        [signed] = await gw.channel(sign_name=SIGN).send([unsigned])
        assert isinstance(signed, Accepted)


async def test_server_error_retries_and_accepts_nothing(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        await gw.faults(error_5xx=1.0)
        [result] = await gw.channel().send([message("e-1")])
        assert isinstance(result, RetryLater)
        assert gw.logged() == []


async def test_throttling_retries_shortly(tmp_path: Path) -> None:
    """RequestLimitExceeded (HTTP 200, Response.Error) is a short RetryLater."""
    async with stand_in(tmp_path) as gw:
        await gw.faults(throttle=1.0)
        [result] = await gw.channel().send([message("r-1")])
        assert isinstance(result, RetryLater)
        assert result.delay == THROTTLE_DELAY
        assert "RequestLimitExceeded" in result.reason
        assert gw.logged() == []


async def test_gateway_down_retries(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        await gw.faults(down=True)
        [result] = await gw.channel().send([message("o-1")])
        assert isinstance(result, RetryLater)
        assert gw.logged() == []


async def test_dropped_connection_is_unknown(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        await gw.faults(drop=1.0)
        results = await gw.channel().send([message("c-1"), message("c-2", to="13800000002")])
        assert all(isinstance(r, Unknown) for r in results)
        assert gw.logged() == []


async def test_timeout_after_acceptance_is_unknown_and_logged(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        await gw.faults(timeout_after_accept=1.0)
        [result] = await gw.channel(timeout=0.3).send([message("t-1")])
        assert isinstance(result, Unknown)
        assert [line["ref"] for line in gw.logged()] == ["t-1"]


async def test_connection_refused_retries(tmp_path: Path) -> None:
    """Nothing listens on the port: the request never left, so it is safe to retry."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with stand_in(tmp_path) as gw:
        [result] = await gw.channel(url=f"http://127.0.0.1:{port}").send([message("z-1")])
        assert isinstance(result, RetryLater)


async def test_a_large_broadcast_splits_by_session_context_room(tmp_path: Path) -> None:
    """Identical notices go 200 numbers a request at most, fewer when the references fill 511 B."""
    async with stand_in(tmp_path) as gw:
        batch = [
            message(f"notice-{i:04d}", to=f"139{i:08d}", template="2001002") for i in range(120)
        ]
        results = await gw.channel().send(batch)
        assert all(isinstance(r, Accepted) for r in results)
        lines = gw.logged()
        assert len(lines) == 120
        contexts = {line["request_id"]: line["ref"] for line in lines}
        assert all(len(c.encode()) <= 511 for c in contexts.values())
        assert sorted(r for c in contexts.values() for r in refs_in_session(c)) == [
            m.ref for m in batch
        ]
        assert len(contexts) == 3  # 11-byte references and commas: 42 fit in 511 bytes
