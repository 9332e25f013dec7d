"""Status callbacks and replies pushed by the stand-in, received and parsed by our parsers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from channels.base import Accepted, DeliveryState, Found, Outbound
from channels.sandbox.common import ReceiptOptions
from tests.channels.test_twilio_harness import (
    FROM,
    Receiver,
    Sandbox,
    channel,
    running_receiver,
    running_sandbox,
    sandbox_config,
)


async def send_two(sandbox: Sandbox, receiver: Receiver) -> list[str]:
    """Send two messages with receipts going to `receiver`; their SIDs."""
    client = channel(sandbox, f"{receiver.url}/twilio/status")
    results = await client.send(
        [
            Outbound("msg-1", "13800138000", "第一条", sign_name="测试"),
            Outbound("msg-2", "13900139000", "第二条", sign_name="测试"),
        ]
    )
    await client.close()
    sids = [r.provider_id for r in results if isinstance(r, Accepted)]
    assert len(sids) == 2
    return sids


async def test_delivery_receipts_name_our_messages(tmp_path: Path) -> None:
    """Each accepted message's signed status callback parses into a delivered Receipt."""
    async with running_receiver() as receiver:
        config = sandbox_config(tmp_path, callback_url=f"{receiver.url}/twilio/status")
        async with running_sandbox(config) as sandbox:
            sids = await send_two(sandbox, receiver)
            receipts = await receiver.wait_receipts(2)
    assert receiver.rejected == []
    by_ref = {r.ref: r for r in receipts}
    assert set(by_ref) == {"msg-1", "msg-2"}
    assert [by_ref["msg-1"].provider_id, by_ref["msg-2"].provider_id] == sids
    assert [by_ref["msg-1"].to, by_ref["msg-2"].to] == ["13800138000", "13900139000"]
    assert all(r.state is DeliveryState.DELIVERED and r.error_code is None for r in receipts)


async def test_failed_delivery_is_reported_and_queryable(tmp_path: Path) -> None:
    """An undelivered message arrives as FAILED with 30003, and the status API agrees."""
    async with running_receiver() as receiver:
        config = sandbox_config(
            tmp_path,
            callback_url=f"{receiver.url}/twilio/status",
            receipts=ReceiptOptions(delay=0.05, failure=1.0),
        )
        async with running_sandbox(config) as sandbox:
            sent_at = datetime.now(UTC)
            sids = await send_two(sandbox, receiver)
            receipts = await receiver.wait_receipts(2)
            client = channel(sandbox)
            looked = await client.lookup(
                Outbound("msg-1", "13800138000", "第一条", sign_name="测试"), sent_at
            )
            await client.close()
    assert {(r.state, r.error_code) for r in receipts} == {(DeliveryState.FAILED, "30003")}
    assert looked == Found(sids[0], DeliveryState.FAILED, "30003")


async def test_duplicate_receipts_arrive_twice_and_identical(tmp_path: Path) -> None:
    """With every receipt duplicated, each message's receipt arrives twice, unchanged."""
    async with running_receiver() as receiver:
        config = sandbox_config(
            tmp_path,
            callback_url=f"{receiver.url}/twilio/status",
            receipts=ReceiptOptions(delay=0.05, duplicates=1.0),
        )
        async with running_sandbox(config) as sandbox:
            await send_two(sandbox, receiver)
            receipts = await receiver.wait_receipts(4)
    assert sorted(r.ref or "" for r in receipts) == ["msg-1", "msg-1", "msg-2", "msg-2"]
    first = [r for r in receipts if r.ref == "msg-1"]
    assert first[0] == first[1]


async def test_refused_push_is_retried_until_acknowledged(tmp_path: Path) -> None:
    """A receiver that answers 503 first still gets the receipt on a later attempt."""
    async with running_receiver() as receiver:
        receiver.refuse_next = 1
        config = sandbox_config(tmp_path, callback_url=f"{receiver.url}/twilio/status")
        async with running_sandbox(config) as sandbox:
            client = channel(sandbox, f"{receiver.url}/twilio/status")
            [result] = await client.send([Outbound("msg-r", "13800138000", "重试")])
            await client.close()
            [receipt] = await receiver.wait_receipts(1)
            stats = dict(sandbox.core.stats)
    assert receiver.refused == 1
    assert isinstance(result, Accepted)
    assert (receipt.ref, receipt.provider_id) == ("msg-r", result.provider_id)
    assert stats["pushes_refused"] == 1
    assert stats["pushes_acknowledged"] == 1


async def test_resident_reply_arrives_as_inbound(tmp_path: Path) -> None:
    """POST /_sandbox/inbound makes a signed SMS webhook that parses into Inbound."""
    async with running_receiver() as receiver:
        config = sandbox_config(tmp_path, reply_url=f"{receiver.url}/twilio/sms")
        async with running_sandbox(config) as sandbox:
            client = channel(sandbox)
            await client.send([Outbound("msg-1", "13800138000", "您好")])
            await client.close()
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{sandbox.url}/_sandbox/inbound", json={"from": "13800138000", "text": "TD"}
                ) as response,
            ):
                assert response.status == 200
            [inbound] = await receiver.wait_inbound(1)
    assert receiver.rejected == []
    assert (inbound.provider, inbound.sender, inbound.text) == ("twilio", "13800138000", "TD")
    assert inbound.extra["to"] == FROM
    assert inbound.extra["message_sid"].startswith("SM")
