"""SmsReport and SmsUp pushes: parsed into Receipts and Inbound, acknowledged, retried."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from channels.aliyun import ACKNOWLEDGE, MALFORMED, TRY_AGAIN, parse_replies, parse_reports
from channels.base import Accepted, CallbackError, DeliveryState
from channels.sandbox.aliyun_push import acknowledged
from channels.sandbox.common import ReceiptOptions
from core import RESIDENT_TZ
from tests.channels.test_aliyun_helpers import message, receiver, stand_in

DOC_REPORT = [
    {
        "phone_number": "+8613811112222",
        "send_time": "2017-01-01 00:00:00",
        "report_time": "2017-01-01 00:00:05",
        "success": True,
        "err_code": "DELIVERED",
        "err_msg": "用户接收成功",
        "sms_size": "1",
        "biz_id": "12345^0",
        "out_id": "67890",
    },
    {
        "phone_number": "13811113333",
        "send_time": "2017-01-01 00:00:00",
        "report_time": "2017-01-01 00:01:00",
        "success": False,
        "err_code": "MK:0001",
        "err_msg": "用户接收失败",
        "sms_size": "1",
        "biz_id": "12346^0",
        "out_id": "batch-abc",
    },
]


def test_report_items_become_receipts() -> None:
    """BizId and the 11-digit number identify the message; a batch's OutId is no reference."""
    delivered, failed = parse_reports(json.dumps(DOC_REPORT).encode())
    assert (delivered.provider, delivered.state, delivered.ref) == (
        "aliyun",
        DeliveryState.DELIVERED,
        "67890",
    )
    assert (delivered.provider_id, delivered.to, delivered.error_code) == (
        "12345^0",
        "13811112222",
        None,
    )
    assert delivered.at == datetime(2017, 1, 1, 0, 0, 5, tzinfo=RESIDENT_TZ)
    assert (failed.state, failed.ref, failed.error_code) == (DeliveryState.FAILED, None, "MK:0001")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"biz_id": "1"}',
        json.dumps([{**DOC_REPORT[0], "success": "true"}]).encode(),
        json.dumps([{k: v for k, v in DOC_REPORT[0].items() if k != "biz_id"}]).encode(),
        json.dumps([{**DOC_REPORT[0], "phone_number": "abc"}]).encode(),
        json.dumps([{**DOC_REPORT[0], "report_time": "yesterday"}]).encode(),
    ],
)
def test_malformed_reports_are_refused(body: bytes) -> None:
    """Anything that is not an array of complete report items raises CallbackError."""
    with pytest.raises(CallbackError):
        parse_reports(body)


def test_reply_items_become_inbound() -> None:
    """SmsUp items of both documented shapes (sequence_id number or text) parse alike."""
    body = [
        {
            "phone_number": "8613800138000",
            "send_time": "2017-09-01 12:00:00",
            "content": "TD",
            "sign_name": "社保服务",
            "dest_code": "1234",
            "sequence_id": 1234567890,
        },
        {
            "phone_number": "13800138001",
            "content": "退订",
            "send_time": "2017-09-01 12:00:01",
            "dest_code": "1234",
            "sequence_id": "99",
        },
    ]
    first, second = parse_replies(json.dumps(body, ensure_ascii=False).encode())
    assert (first.provider, first.sender, first.text) == ("aliyun", "13800138000", "TD")
    assert first.extra == {
        "dest_code": "1234",
        "sequence_id": "1234567890",
        "sign_name": "社保服务",
    }
    assert (second.sender, second.text, second.extra["sequence_id"]) == (
        "13800138001",
        "退订",
        "99",
    )
    with pytest.raises(CallbackError):
        parse_replies(json.dumps([{"phone_number": "13800138000"}]).encode())


def test_only_the_acknowledgement_stops_the_gateway() -> None:
    """HTTP 200 with a numeric code is taken; our refusals are not."""
    assert json.loads(ACKNOWLEDGE.body) == {"code": 0, "msg": "成功"}
    assert ACKNOWLEDGE.content_type == "application/json"
    assert acknowledged(ACKNOWLEDGE.status, ACKNOWLEDGE.body)
    assert not acknowledged(MALFORMED.status, MALFORMED.body)
    assert not acknowledged(TRY_AGAIN.status, TRY_AGAIN.body)
    assert not acknowledged(200, b'{"code": "0"}')


async def test_pushed_receipts_match_every_sent_message(tmp_path: Path) -> None:
    """Receipts of single and batch sends name each message; duplicates and failures come too."""
    async with receiver() as got:
        options = ReceiptOptions(delay=0.05, failure=1.0, duplicates=1.0)
        async with stand_in(tmp_path, callback_url=f"{got.url}/report", receipts=options) as gw:
            batch = [message("r-1", to="13800000041"), message("r-2", to="13800000042")]
            results = await gw.channel().send(batch)
            [alone] = await gw.channel().send([message("r-3", to="13800000043")])
            await got.wait_for(lambda: len(got.receipts) >= 6)
        sent = {
            (r.provider_id, m.to)
            for r, m in zip(results, batch, strict=True)
            if isinstance(r, Accepted)
        }
        assert isinstance(alone, Accepted)
        keys = [(r.provider_id, r.to) for r in got.receipts]
        assert sorted(keys) == sorted([*sent, (alone.provider_id, "13800000043")] * 2)
        assert {r.state for r in got.receipts} == {DeliveryState.FAILED}
        assert {r.ref for r in got.receipts} == {None, "r-3"}


async def test_refused_push_is_pushed_again(tmp_path: Path) -> None:
    """A receiver that answers 503 gets the same receipt again until it acknowledges."""
    async with receiver() as got:
        got.refuse_next = 1
        options = ReceiptOptions(delay=0.05)
        async with stand_in(tmp_path, callback_url=f"{got.url}/report", receipts=options) as gw:
            [result] = await gw.channel().send([message("p-1")])
            await got.wait_for(lambda: len(got.receipts) >= 1)
            stats = await gw.stats()
        assert got.refused == 1
        assert stats["pushes_refused"] == 1
        assert isinstance(result, Accepted)
        [receipt] = got.receipts
        assert (receipt.provider_id, receipt.ref, receipt.state) == (
            result.provider_id,
            "p-1",
            DeliveryState.DELIVERED,
        )


async def test_resident_reply_arrives_as_inbound(tmp_path: Path) -> None:
    """POST /_sandbox/inbound makes an SmsUp push that parses into Inbound."""
    async with receiver() as got:
        async with stand_in(tmp_path, reply_url=f"{got.url}/up") as gw:
            await gw.channel().send([message("u-1", to="13800000051")])
            async with gw.session.post(
                f"{gw.url}/_sandbox/inbound", json={"from": "13800000051", "text": "TD"}
            ) as response:
                assert response.status == 200
            await got.wait_for(lambda: len(got.replies) >= 1)
        [reply] = got.replies
        assert (reply.sender, reply.text, reply.extra["sign_name"]) == (
            "13800000051",
            "TD",
            "社保服务",
        )
        assert reply.at is not None
