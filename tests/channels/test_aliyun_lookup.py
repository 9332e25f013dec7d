"""QuerySendDetails: finding what became of a message whose send outcome is unknown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from channels.aliyun.lookup import SendDetail, match, send_dates
from channels.base import (
    Accepted,
    DeliveryState,
    Found,
    LookupUnavailable,
    NotFound,
    Unknown,
)
from channels.sandbox.common import ReceiptOptions
from tests.channels.test_aliyun_helpers import TEMPLATES, message, receiver, stand_in


async def test_message_accepted_during_a_timeout_is_found(tmp_path: Path) -> None:
    """The answer stalled, yet the gateway has the message: Found by its OutId."""
    async with stand_in(tmp_path) as gw:
        channel = gw.channel(timeout=0.5)
        await gw.faults(reset=True, timeout_after_accept=1.0)
        sent = message("k-1", to="13800000061")
        [result] = await channel.send([sent])
        await gw.faults(reset=True)
        found = await channel.lookup(sent, datetime.now(UTC))
        never = await channel.lookup(message("k-2", to="13800000061"), datetime.now(UTC))
    assert isinstance(result, Unknown)
    assert found == Found(provider_id="", state=DeliveryState.SENT)
    assert never == NotFound()


async def test_batch_message_is_found_by_its_content(tmp_path: Path) -> None:
    """A SendBatchSms message shares its OutId; template and content pick it out."""
    async with stand_in(tmp_path, templates=dict(TEMPLATES)) as gw:
        channel = gw.channel(timeout=0.5)
        await gw.faults(reset=True, timeout_after_accept=1.0)
        batch = [
            message("q-1", to="13800000071"),
            message("q-2", to="13800000072", name="赵女士", months="5"),
        ]
        results = await channel.send(batch)
        await gw.faults(reset=True)
        found = await channel.lookup(batch[1], datetime.now(UTC))
        other = await channel.lookup(
            message("q-3", to="13800000072", name="钱先生", months="5"), datetime.now(UTC)
        )
    assert all(isinstance(r, Unknown) for r in results)
    assert isinstance(found, Found)
    assert found.provider_id == ""  # the status API does not tell the BizId
    assert found.state is DeliveryState.SENT
    assert isinstance(other, LookupUnavailable)


async def test_lookup_reports_the_delivery_outcome(tmp_path: Path) -> None:
    """Once the receipt is out, the status query says delivered too."""
    async with receiver() as got:
        options = ReceiptOptions(delay=0.05)
        async with stand_in(tmp_path, callback_url=f"{got.url}/report", receipts=options) as gw:
            channel = gw.channel()
            sent = message("d-1", to="13800000081")
            [result] = await channel.send([sent])
            await got.wait_for(lambda: len(got.receipts) >= 1)
            found = await channel.lookup(sent, datetime.now(UTC))
    assert isinstance(result, Accepted)
    assert found == Found(provider_id="", state=DeliveryState.DELIVERED)


async def test_lookup_when_the_gateway_cannot_answer(tmp_path: Path) -> None:
    """An outage or a wrong secret makes the lookup unavailable, never NotFound."""
    async with stand_in(tmp_path) as gw:
        await gw.faults(reset=True, down=True)
        down = await gw.channel().lookup(message("z-1"), datetime.now(UTC))
        await gw.faults(reset=True)
        refused = await gw.channel(secret="wrong").lookup(message("z-1"), datetime.now(UTC))
    assert isinstance(down, LookupUnavailable)
    assert isinstance(refused, LookupUnavailable)
    assert "SignatureDoesNotMatch" in refused.reason


def test_send_dates_are_beijing_days() -> None:
    """A message sent just before midnight in Beijing may be logged on the next day too."""
    assert send_dates(datetime(2026, 11, 21, 15, 55, tzinfo=UTC)) == ["20261121", "20261122"]
    assert send_dates(datetime(2026, 11, 21, 16, 30, tzinfo=UTC)) == ["20261122"]
    assert send_dates(datetime(2026, 11, 21, 3, 0)) == ["20261121"]  # noqa: DTZ001 - naive is UTC


def test_absence_proves_nothing_when_pages_were_left_unread() -> None:
    """Without every page read, a missing record is LookupUnavailable, not NotFound."""
    other = SendDetail("13800000091", "x-9", "SMS_1", "【签】别的", DeliveryState.SENT, "")
    assert match(message("x-1"), [other], complete=True) == NotFound()
    assert isinstance(match(message("x-1"), [other], complete=False), LookupUnavailable)
    failed = SendDetail("13800138000", "x-1", "SMS_1", "", DeliveryState.FAILED, "MK:0001")
    assert match(message("x-1"), [failed], complete=True) == Found(
        "", DeliveryState.FAILED, "MK:0001"
    )
