"""Dead letters of the send queue: listed masked, replayed only while the message is queued."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import SendQueue
from campaigns.stream import Delivery
from ops.deadletters import list_dead_letters, replay_dead_letters
from tests.ops.support import add_messages


async def dead_letters_for(redis: Redis, message_ids: list[int], priority: int = 1) -> list[str]:
    """Each message enqueued, read by a worker and set aside; the dead-letter entry ids."""
    queue = SendQueue(redis, consumer="worker-a")
    await queue.ensure_groups()
    await queue.enqueue([(priority, str(i)) for i in message_ids])
    for delivery in await queue.read(count=len(message_ids), block_ms=0):
        await queue.dead_letter(delivery, f"网关拒绝 13800138000 / refused ({delivery.message_id})")
    return [letter["id"] for letter in reversed(await queue.dead_letters(100))]


async def test_list_shows_campaign_reason_time_and_masked_address(
    redis: Redis, engine: AsyncEngine
) -> None:
    ids = await add_messages(engine, ["queued", "sent"])
    entries = await dead_letters_for(redis, ids)
    letters = await list_dead_letters(redis, engine)
    assert [letter.id for letter in letters] == list(reversed(entries))  # newest first
    newest = letters[0]
    assert newest.message_id == str(ids[1])
    assert newest.campaign == "断缴提醒"
    assert newest.campaign_id is not None
    assert newest.status == "sent"
    assert newest.address == "138****8001"
    assert newest.at
    assert newest.priority == 1
    assert newest.deliveries == 1
    assert "13800138000" not in newest.reason
    assert "138****8000" in newest.reason


async def test_telegram_chat_ids_are_masked_too(redis: Redis, engine: AsyncEngine) -> None:
    ids = await add_messages(engine, ["queued"], channel="telegram")
    await dead_letters_for(redis, ids)
    (letter,) = await list_dead_letters(redis, engine)
    assert letter.address == "900**0000"


async def test_limit(redis: Redis, engine: AsyncEngine) -> None:
    ids = await add_messages(engine, ["queued"] * 3)
    await dead_letters_for(redis, ids)
    assert len(await list_dead_letters(redis, engine, limit=2)) == 2


async def test_entry_without_a_message_row_is_listed(redis: Redis, engine: AsyncEngine) -> None:
    queue = SendQueue(redis, consumer="worker-a")
    await queue.dead_letter(Delivery("outreach:send:p1", "1-1", "", 1, 1), "entry has no id")
    (letter,) = await list_dead_letters(redis, engine)
    assert (letter.message_id, letter.campaign, letter.address) == ("", None, None)


async def test_replay_puts_queued_messages_back_and_skips_the_rest(
    redis: Redis, engine: AsyncEngine
) -> None:
    statuses = ["queued", "sent", "delivered", "unknown", "sending", "failed"]
    ids = await add_messages(engine, statuses)
    entries = await dead_letters_for(redis, ids)

    report = await replay_dead_letters(redis, engine, [*entries, "1-0", "not-an-id"])

    assert report.replayed == [entries[0]]
    skipped = {s.id: s for s in report.skipped}
    assert set(skipped) == {*entries[1:], "1-0", "not-an-id"}
    assert "final (delivered)" in skipped[entries[2]].reason
    assert "final (failed)" in skipped[entries[5]].reason
    assert "could send it twice" in skipped[entries[1]].reason
    assert "(unknown)" in skipped[entries[3]].reason
    assert "sending it now" in skipped[entries[4]].reason
    assert "no such dead letter" in skipped["1-0"].reason
    # The queued message is on its stream once more; the skipped ones stay listed.
    entries_back = await redis.xrange("outreach:send:p1")
    assert [dict(fields or {})["m"] for _, fields in entries_back or []] == [str(ids[0])]
    remaining = [letter.id for letter in await list_dead_letters(redis, engine)]
    assert sorted(remaining) == sorted(entries[1:])
    # A worker reads it again.
    (delivery,) = await SendQueue(redis, consumer="worker-b").read(count=5, block_ms=0)
    assert delivery.message_id == str(ids[0])


async def test_replay_all_and_a_second_replay_does_nothing_twice(
    redis: Redis, engine: AsyncEngine
) -> None:
    ids = await add_messages(engine, ["queued", "queued", "delivered"])
    await dead_letters_for(redis, ids)
    first = await replay_dead_letters(redis, engine, None)
    assert len(first.replayed) == 2
    assert len(first.skipped) == 1
    second = await replay_dead_letters(redis, engine, None)
    assert second.replayed == []
    assert len(second.skipped) == 1
    assert await redis.xlen("outreach:send:p1") == 2


async def test_replay_of_an_entry_without_message_id(redis: Redis, engine: AsyncEngine) -> None:
    queue = SendQueue(redis, consumer="worker-a")
    await queue.dead_letter(Delivery("outreach:send:p1", "1-1", "", 1, 1), "entry has no id")
    report = await replay_dead_letters(redis, engine, None)
    assert report.replayed == []
    assert "no message id" in report.skipped[0].reason
