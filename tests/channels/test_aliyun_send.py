"""The aliyun client against the stand-in over real HTTP: every send outcome."""

from __future__ import annotations

import socket
from pathlib import Path

from channels.aliyun import GATEWAY_UNUSABLE, AliyunChannel, AliyunConfig, gateway_unusable
from channels.aliyun.codes import NUMBER_LIMIT_DELAY
from channels.base import Accepted, Channel, ChannelKind, Failed, Outbound, RetryLater, Unknown
from channels.sandbox.common import NumberLimits
from tests.channels.test_aliyun_helpers import SIGN, TEMPLATE, TEMPLATES, message, stand_in


async def test_single_send_is_accepted_and_logged_once(tmp_path: Path) -> None:
    """A SendSms is accepted with its BizId and logged once with the filled template."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES), signs={SIGN}) as gw:
        channel = gw.channel()
        [result] = await channel.send([message("m-1", to="+8613800138000")])
        assert isinstance(result, Accepted)
        [line] = gw.logged()
        assert line["ref"] == "m-1"
        assert line["to"] == "13800138000"
        assert line["template"] == TEMPLATE
        assert line["sign"] == SIGN
        assert line["params"] == {"name": "张先生", "months": "3"}
        assert line["provider_id"] == result.provider_id
        assert line["text"] == "张先生您好，您的养老保险已断缴3个月。"


async def test_batch_of_one_template_goes_in_one_request(tmp_path: Path) -> None:
    """Messages sharing a template share one SendBatchSms BizId; results keep their order."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES)) as gw:
        batch = [
            message("b-1", to="13800000001"),
            message("b-2", to="13800000002", template="SMS_100002"),
            message("b-3", to="13800000003", name="李女士", months="12"),
            message("b-4", to="13800000004"),
        ]
        results = await gw.channel().send(batch)
        assert all(isinstance(r, Accepted) for r in results)
        ids = [r.provider_id for r in results if isinstance(r, Accepted)]
        assert ids[0] == ids[2] == ids[3] != ids[1]
        lines = gw.logged()
        assert sorted(line["to"] for line in lines) == [f"1380000000{i}" for i in range(1, 5)]
        by_phone = {line["to"]: line for line in lines}
        assert by_phone["13800000003"]["text"] == "李女士您好，您的养老保险已断缴12个月。"
        assert by_phone["13800000002"]["ref"] == "b-2"
        assert by_phone["13800000001"]["ref"].startswith("batch-")


async def test_v1_signature_is_accepted_too(tmp_path: Path) -> None:
    """The client's HMAC-SHA1 signing satisfies the gateway's check."""
    async with stand_in(tmp_path) as gw:
        results = await gw.channel(signature="v1").send(
            [message("v1-a", to="13800000011"), message("v1-b", to="13800000012")]
        )
        assert all(isinstance(r, Accepted) for r in results)
        assert len(gw.logged()) == 2


async def test_wrong_secret_makes_the_gateway_unusable(tmp_path: Path) -> None:
    """SignatureDoesNotMatch (HTTP 400) is Failed with the gateway-unusable code, for v1 and v3."""
    async with stand_in(tmp_path) as gw:
        for signature in ("v3", "v1"):
            [result] = await gw.channel(secret="wrong", signature=signature).send([message("x")])
            assert isinstance(result, Failed)
            assert result.code == GATEWAY_UNUSABLE
            assert "SignatureDoesNotMatch" in result.reason
            assert gateway_unusable(result)
        [result] = await gw.channel(key="no-such-key").send([message("y")])
        assert gateway_unusable(result)
        assert "InvalidAccessKeyId.NotFound" in result.reason  # type: ignore[union-attr]
        assert gw.logged() == []


async def test_bad_number_fails(tmp_path: Path) -> None:
    """isv.MOBILE_NUMBER_ILLEGAL is a Failed of that number, not of the gateway."""
    async with stand_in(tmp_path) as gw:
        [result] = await gw.channel().send([message("bad", to="1380000")])
        assert isinstance(result, Failed)
        assert result.code == "isv.MOBILE_NUMBER_ILLEGAL"
        assert not gateway_unusable(result)


async def test_one_bad_number_does_not_sink_its_batch(tmp_path: Path) -> None:
    """A batch refused for one number is sent again alone: the others go, the bad one fails."""
    async with stand_in(tmp_path) as gw:
        results = await gw.channel().send(
            [
                message("g-1", to="13800000021"),
                message("g-2", to="123"),
                message("g-3", to="13800000023"),
            ]
        )
        assert isinstance(results[0], Accepted)
        assert isinstance(results[1], Failed)
        assert results[1].code == "isv.MOBILE_NUMBER_ILLEGAL"
        assert isinstance(results[2], Accepted)
        assert sorted(line["ref"] for line in gw.logged()) == ["g-1", "g-3"]


async def test_per_number_limit_retries_much_later(tmp_path: Path) -> None:
    """isv.BUSINESS_LIMIT_CONTROL is RetryLater with the long per-number delay."""
    async with stand_in(tmp_path, limits=NumberLimits(per_hour=1)) as gw:
        channel = gw.channel()
        [first] = await channel.send([message("l-1")])
        [second] = await channel.send([message("l-2")])
        assert isinstance(first, Accepted)
        assert isinstance(second, RetryLater)
        assert second.delay >= NUMBER_LIMIT_DELAY
        assert "isv.BUSINESS_LIMIT_CONTROL" in second.reason
        assert [line["ref"] for line in gw.logged()] == ["l-1"]


async def test_template_sign_and_parameters_are_checked(tmp_path: Path) -> None:
    """Unknown template, unknown sign and a missing variable each fail with their own code."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES), signs={SIGN}) as gw:
        channel = gw.channel()
        unknown_template = message("t-1", template="SMS_999")
        unknown_sign = Outbound(
            ref="t-2",
            to="13800000031",
            text="x",
            template_code=TEMPLATE,
            sign_name="别的签名",
            params=(("name", "a"), ("months", "1")),
        )
        missing_param = message("t-3", name="王先生")
        results = [await channel.send([m]) for m in (unknown_template, unknown_sign, missing_param)]
        codes = [r[0].code if isinstance(r[0], Failed) else None for r in results]
        assert codes == [
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.TEMPLATE_MISSING_PARAMETERS",
        ]
        assert gw.logged() == []


async def test_faults_map_to_their_outcomes(tmp_path: Path) -> None:
    """5xx, throttling and outage retry; a dropped connection or a stalled answer is Unknown."""
    async with stand_in(tmp_path) as gw:
        channel = gw.channel(timeout=0.5, connect_timeout=0.5)
        outcomes = {}
        for fault in ("error_5xx", "throttle", "drop"):
            await gw.faults(reset=True, **{fault: 1.0})
            outcomes[fault] = (await channel.send([message(f"f-{fault}")]))[0]
        await gw.faults(reset=True, down=True)
        outcomes["down"] = (await channel.send([message("f-down")]))[0]
        assert gw.logged() == []
        await gw.faults(reset=True, timeout_after_accept=1.0)
        outcomes["timeout"] = (await channel.send([message("f-timeout")]))[0]
        await gw.faults(reset=True)
        assert isinstance(outcomes["error_5xx"], RetryLater)
        assert isinstance(outcomes["down"], RetryLater)
        assert isinstance(outcomes["throttle"], RetryLater)
        assert outcomes["throttle"].delay < NUMBER_LIMIT_DELAY
        assert "Throttling.User" in outcomes["throttle"].reason
        assert isinstance(outcomes["drop"], Unknown)
        assert isinstance(outcomes["timeout"], Unknown)
        assert [line["ref"] for line in gw.logged()] == ["f-timeout"]


async def test_connection_refused_is_retry_later() -> None:
    """Nothing listening: the request never left, so it is safe to send again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = AliyunConfig("k", "s", base_url=f"http://127.0.0.1:{port}")
    channel = AliyunChannel(config)
    try:
        [result] = await channel.send([message("c-1")])
    finally:
        await channel.close()
    assert isinstance(result, RetryLater)


async def test_messages_without_template_or_sign_fail_before_sending(tmp_path: Path) -> None:
    """Aliyun sends approved templates only: a message without one is Failed locally."""
    async with stand_in(tmp_path) as gw:
        bare = Outbound(ref="n-1", to="13800138000", text="您好")
        unsigned = Outbound(ref="n-2", to="13800138000", text="您好", template_code=TEMPLATE)
        results = await gw.channel().send([bare, unsigned])
        assert [r.code for r in results if isinstance(r, Failed)] == [
            "missing_template",
            "missing_sign_name",
        ]
        assert (await gw.stats()).get("accepted", 0) == 0


def test_channel_shape() -> None:
    """Name, kind and batch size as the dispatcher reads them."""
    on = AliyunChannel(AliyunConfig("k", "s"))
    off = AliyunChannel(AliyunConfig("k", "s", batch=False))
    assert isinstance(on, Channel)
    assert (on.name, on.kind, on.max_batch, off.max_batch) == ("aliyun", ChannelKind.SMS, 100, 1)
