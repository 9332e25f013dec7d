"""Lookups through PullSmsSendStatusByPhoneNumber against the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from channels.base import (
    Accepted,
    DeliveryState,
    Found,
    LookupUnavailable,
    NotFound,
    Unknown,
)
from channels.sandbox.common import ReceiptOptions
from tests.channels.test_tencent_helpers import message, receiver, stand_in


async def test_message_accepted_during_a_timeout_is_found(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        await gw.faults(timeout_after_accept=1.0)
        sent_at = datetime.now(UTC)
        outbound = message("u-1")
        [result] = await gw.channel(timeout=0.3).send([outbound])
        assert isinstance(result, Unknown)
        await gw.faults(reset=True)
        found = await gw.channel().lookup(outbound, sent_at)
        [line] = gw.logged()
        assert found == Found(line["provider_id"], DeliveryState.SENT)


async def test_message_never_accepted_is_not_found(tmp_path: Path) -> None:
    """Absent from the records: NotFound once the settle time has passed, unavailable before."""
    async with stand_in(tmp_path) as gw:
        await gw.channel().send([message("other", to="13800000005")])
        await gw.faults(drop=1.0)
        outbound = message("n-1", to="13800000005")
        [result] = await gw.channel().send([outbound])
        assert isinstance(result, Unknown)
        await gw.faults(reset=True)
        channel = gw.channel(lookup_settle=600.0)
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        assert await channel.lookup(outbound, long_ago) == NotFound()
        just_now = datetime.now(UTC) - timedelta(seconds=5)
        assert isinstance(await channel.lookup(outbound, just_now), LookupUnavailable)


async def test_batch_sent_message_is_found_by_its_reference(tmp_path: Path) -> None:
    """A shared request's SessionContext holds every reference; each message is found by its own."""
    async with receiver() as got:
        receipts = ReceiptOptions(delay=0.05)
        async with stand_in(tmp_path, callback_url=f"{got.url}/status", receipts=receipts) as gw:
            sent_at = datetime.now(UTC)
            batch = [message("k-1", to="13800000011"), message("k-2", to="13800000012")]
            results = await gw.channel().send(batch)
            await got.wait_for(lambda: len(got.receipts) == 2)
            for outbound, result in zip(batch, results, strict=True):
                assert isinstance(result, Accepted)
                found = await gw.channel().lookup(outbound, sent_at)
                assert found == Found(result.provider_id, DeliveryState.DELIVERED)


async def test_lookup_says_unavailable_when_it_cannot_tell(tmp_path: Path) -> None:
    async with stand_in(tmp_path) as gw:
        outbound = message("w-1")
        await gw.faults(down=True)
        down = await gw.channel().lookup(outbound, datetime.now(UTC) - timedelta(hours=2))
        assert isinstance(down, LookupUnavailable)
        await gw.faults(reset=True)
        too_old = await gw.channel().lookup(outbound, datetime.now(UTC) - timedelta(days=8))
        assert isinstance(too_old, LookupUnavailable)
        refused = await gw.channel(secret="wrong").lookup(outbound, datetime.now(UTC))
        assert isinstance(refused, LookupUnavailable)
        assert "AuthFailure.SignatureFailure" in refused.reason
