"""Status and reply pushes: the parsers alone, and pushed by the stand-in to a local receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import Accepted, CallbackError, DeliveryState
from channels.sandbox.common import ReceiptOptions
from channels.tencent import ACKNOWLEDGE, parse_replies, parse_reports
from core import RESIDENT_TZ
from tests.channels.test_tencent_helpers import SIGN, message, receiver, stand_in

STATUS_PUSH = [
    {
        "user_receive_time": "2015-10-17 08:03:04",
        "nationcode": "86",
        "mobile": "13800138000",
        "report_status": "SUCCESS",
        "errmsg": "DELIVRD",
        "description": "用户短信送达成功",
        "sid": "2433:abc",
    },
    {
        "user_receive_time": "",
        "nationcode": "86",
        "mobile": "+8613900139000",
        "report_status": "FAIL",
        "errmsg": "MK:0001",
        "description": "用户短信未送达",
        "sid": "2433:def",
    },
]


def test_status_push_is_read_into_receipts() -> None:
    delivered, failed = parse_reports(json.dumps(STATUS_PUSH).encode())
    assert delivered.provider == "tencent"
    assert delivered.state is DeliveryState.DELIVERED
    assert delivered.provider_id == "2433:abc"
    assert delivered.to == "13800138000"
    assert delivered.error_code is None
    assert delivered.ref is None
    assert delivered.at == datetime(2015, 10, 17, 8, 3, 4, tzinfo=RESIDENT_TZ)
    assert failed.state is DeliveryState.FAILED
    assert failed.to == "13900139000"
    assert failed.error_code == "MK:0001"
    assert failed.at is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"sid": "x"}',
        json.dumps([{**STATUS_PUSH[0], "report_status": "MAYBE"}]).encode(),
        json.dumps([{k: v for k, v in STATUS_PUSH[0].items() if k != "sid"}]).encode(),
        json.dumps([{k: v for k, v in STATUS_PUSH[0].items() if k != "mobile"}]).encode(),
        b"[1, 2]",
    ],
)
def test_malformed_status_push_is_refused(body: bytes) -> None:
    with pytest.raises(CallbackError):
        parse_reports(body)


def test_reply_push_is_read_into_inbound() -> None:
    body = {
        "extend": "",
        "mobile": "13800138000",
        "nationcode": "86",
        "sign": "社保服务",
        "text": "R",
        "time": 1457336869,
    }
    [reply] = parse_replies(json.dumps(body).encode())
    assert reply.provider == "tencent"
    assert reply.sender == "13800138000"
    assert reply.text == "R"
    assert reply.at == datetime.fromtimestamp(1457336869, UTC)
    assert reply.extra == {"sign": "社保服务", "nationcode": "86"}


@pytest.mark.parametrize(
    "body", [b"", b"[]x", b'{"mobile": "13800138000"}', b'{"text": "R"}', b'"R"']
)
def test_malformed_reply_push_is_refused(body: bytes) -> None:
    with pytest.raises(CallbackError):
        parse_replies(body)


def test_acknowledgement_is_what_tencent_expects() -> None:
    assert ACKNOWLEDGE.status == 200
    assert ACKNOWLEDGE.content_type == "application/json"
    assert json.loads(ACKNOWLEDGE.body) == {"result": 0, "errmsg": "OK"}


async def test_receipts_arrive_and_match_the_send_results(tmp_path: Path) -> None:
    async with receiver() as got:
        receipts = ReceiptOptions(delay=0.05)
        async with stand_in(tmp_path, callback_url=f"{got.url}/status", receipts=receipts) as gw:
            results = await gw.channel().send(
                [message("a-1", to="13800000001"), message("a-2", to="13800000002")]
            )
            await got.wait_for(lambda: len(got.receipts) == 2)
        sent = {
            r.provider_id: m
            for r, m in zip(results, ["13800000001", "13800000002"], strict=True)
            if isinstance(r, Accepted)
        }
        assert {r.provider_id: r.to for r in got.receipts} == sent
        assert {r.state for r in got.receipts} == {DeliveryState.DELIVERED}


async def test_duplicates_and_failures_come_as_configured(tmp_path: Path) -> None:
    async with receiver() as got:
        receipts = ReceiptOptions(delay=0.05, duplicates=1.0, failure=1.0)
        async with stand_in(tmp_path, callback_url=f"{got.url}/status", receipts=receipts) as gw:
            [result] = await gw.channel().send([message("f-1")])
            await got.wait_for(lambda: len(got.receipts) == 2)
        assert isinstance(result, Accepted)
        assert [r.provider_id for r in got.receipts] == [result.provider_id] * 2
        assert all(r.state is DeliveryState.FAILED and r.error_code for r in got.receipts)


async def test_refused_push_is_pushed_again(tmp_path: Path) -> None:
    async with receiver() as got:
        got.refuse_next = 1
        receipts = ReceiptOptions(delay=0.05)
        async with stand_in(tmp_path, callback_url=f"{got.url}/status", receipts=receipts) as gw:
            [result] = await gw.channel().send([message("p-1")])
            await got.wait_for(lambda: len(got.receipts) == 1)
            stats = await gw.stats()
        assert got.refused == 1
        assert isinstance(result, Accepted)
        assert got.receipts[0].provider_id == result.provider_id
        assert stats["pushes_refused"] == 1
        assert stats["pushes_acknowledged"] == 1


async def test_resident_reply_arrives_as_inbound(tmp_path: Path) -> None:
    async with receiver() as got:
        async with stand_in(
            tmp_path, callback_url=f"{got.url}/status", reply_url=f"{got.url}/reply"
        ) as gw:
            await gw.channel().send([message("i-1", to="13800000009")])
            await gw.inbound("+8613800000009", "R")
            await got.wait_for(lambda: len(got.replies) == 1)
        [reply] = got.replies
        assert reply.sender == "13800000009"
        assert reply.text == "R"
        assert reply.extra["sign"] == SIGN
        assert reply.at is not None
