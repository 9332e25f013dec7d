"""The hand-off queue through the API: a township's questions only, a reply sent once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import EVENTS, INBOUND, MESSAGES
from tests.web.conftest import HOME, NOW, OTHER, Tokens, bearer

Client = TestClient[Any, Any]


async def _questions(engine: AsyncEngine, people: dict[str, list[str]]) -> dict[str, int]:
    rows = [
        (HOME, people[HOME][0], "13900000001", "我断缴了两年，身份证 532504197003150031 还能补吗"),
        (OTHER, people[OTHER][0], "13900000004", "灵活就业怎么交医保"),
        ("nobody", None, "13800009999", "你们是谁"),
    ]
    ids = {}
    async with engine.begin() as connection:
        for label, resident_id, sender, text in rows:
            result = await connection.execute(
                insert(INBOUND)
                .values(
                    provider="aliyun",
                    sender=sender,
                    resident_id=resident_id,
                    text=text,
                    kind="question",
                    received_at=NOW,
                )
                .returning(INBOUND.c.id)
            )
            ids[label] = int(result.scalar_one())
    return ids


async def _reply(client: Client, question: int, text: object, token: str) -> Any:
    """POST a staff reply to `question`; the response."""
    return await client.post(
        f"/api/v1/questions/{question}/reply", json={"text": text}, headers=bearer(token)
    )


async def _open(client: Client, token: str) -> list[int]:
    """The ids of the open questions `token` sees."""
    listed = await client.get("/api/v1/questions", headers=bearer(token))
    return [q["id"] for q in (await listed.json())["questions"]]


async def test_staff_list_their_townships_questions_masked(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    staff = await (await client.get("/api/v1/questions", headers=bearer(tokens.staff))).json()
    assert [q["id"] for q in staff["questions"]] == [ids[HOME]]
    only = staff["questions"][0]
    assert only["sender"] == "139****0001"
    assert "532504197003150031" not in only["text"]
    assert "5325**********0031" in only["text"]
    admin = await (await client.get("/api/v1/questions", headers=bearer(tokens.admin))).json()
    assert {q["id"] for q in admin["questions"]} == set(ids.values())
    assert any(q["sender"] == "13900000001" for q in admin["questions"])


async def test_a_reply_closes_the_question_once_and_is_recorded(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    path = f"/api/v1/questions/{ids[HOME]}/reply"
    text = "已电话联系，说明了续缴办法"
    first = await client.post(path, json={"text": text}, headers=bearer(tokens.staff))
    assert first.status == 200
    answered = await first.json()
    assert answered["sent_to_resident"] is True
    assert answered["not_sent_reason"] is None
    again = await client.post(path, json={"text": text}, headers=bearer(tokens.staff))
    assert again.status == 409
    assert "已经跟进" in (await again.json())["error"]["message_zh"]

    listed = await client.get("/api/v1/questions?all=true", headers=bearer(tokens.staff))
    closed = (await listed.json())["questions"][0]
    assert (closed["answered_by"], closed["reply"]) == ("staff", text)
    open_only = await client.get("/api/v1/questions", headers=bearer(tokens.staff))
    assert (await open_only.json())["questions"] == []
    async with engine.connect() as connection:
        kinds: list[str] = list((await connection.execute(select(EVENTS.c.kind))).scalars())
    assert "question_followed_up" in kinds
    async with engine.connect() as connection:
        [message] = (await connection.execute(select(MESSAGES))).all()
    assert (message.address, message.occurrence) == ("13900000001", f"s{ids[HOME]}")
    assert json.loads(message.variables)["answer"] == text


async def test_a_reply_too_long_for_sms_is_refused_and_the_question_stays_open(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    response = await _reply(client, ids[HOME], "请带身份证到镇社保所办理。" * 30, tokens.staff)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == "text"
    assert "答复太长" in error["message_zh"]
    assert await _open(client, tokens.staff) == [ids[HOME]]


async def test_an_unknown_senders_question_is_closed_but_not_sent(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    response = await _reply(client, ids["nobody"], "已电话联系", tokens.admin)
    assert response.status == 200
    body = await response.json()
    assert (body["sent_to_resident"], body["not_sent_reason"]) == (False, "unknown_sender")


async def test_another_townships_question_cannot_be_answered_or_seen(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    theirs = await _reply(client, ids[OTHER], "好的", tokens.staff)
    unknown = await _reply(client, 99999, "好的", tokens.staff)
    assert theirs.status == unknown.status == 404
    assert await theirs.json() == await unknown.json()
    assert await _open(client, tokens.other_staff) == [ids[OTHER]]


async def test_a_reply_needs_text_and_the_list_a_sane_flag(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    ids = await _questions(engine, people)
    for text in ("", "  ", "长" * 501, 42):
        response = await _reply(client, ids[HOME], text, tokens.staff)
        assert response.status == 422
        assert (await response.json())["error"]["field"] == "text"
    flag = await client.get("/api/v1/questions?all=maybe", headers=bearer(tokens.staff))
    assert flag.status == 400
    assert "true" in (await flag.json())["error"]["message_zh"]


async def test_a_reply_no_sms_gateway_here_may_send_is_refused_with_409(
    engine: AsyncEngine,
    client: Client,
    tokens: Tokens,
    people: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Alibaba Cloud alone cannot carry an answer: queued, the reply would wait for ever."""
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "secret")
    for name in ("TENCENT_SECRET_ID", "TWILIO_ACCOUNT_SID"):
        monkeypatch.setenv(name, "")
    ids = await _questions(engine, people)
    response = await _reply(client, ids[HOME], "已电话联系，说明了续缴办法", tokens.staff)
    assert response.status == 409
    error = (await response.json())["error"]
    assert "请电话联系居民" in error["message_zh"]
    assert "call the resident" in error["message_en"]
    assert await _open(client, tokens.staff) == [ids[HOME]]


async def test_the_list_pages_after_its_last_question(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    """`next` names the last question of a full page and `after` continues from it, so an admin
    reads every question once, a page at a time; an unknown `after` is refused."""
    ids = await _questions(engine, people)
    seen, after = [], ""
    for _ in range(4):
        page = await client.get(
            f"/api/v1/questions?all=true&limit=2{after}", headers=bearer(tokens.admin)
        )
        body = await page.json()
        seen += [q["id"] for q in body["questions"]]
        if body["next"] is None:
            break
        assert body["next"] == seen[-1]
        after = f"&after={body['next']}"
    assert seen == sorted(ids.values())
    unknown = await client.get("/api/v1/questions?after=999999", headers=bearer(tokens.admin))
    assert unknown.status == 422


async def test_staff_pages_are_full_pages_of_their_townships_questions(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    """A staff member's page holds `limit` of their township's questions however many others
    (another township's, unknown senders') come between them, in the list's order; `next` is
    the last one shown when the page is full and continues the list, and no page is empty with
    a `next`. Between two of theirs here are more than the 5,000 questions a staff page used to
    be drawn from before the township filter: that page was empty but for a `next`."""
    home, other = people[HOME], people[OTHER]
    senders: list[str | None] = [home[0], home[1]]
    senders += [other[n % 2] if n % 5 else None for n in range(5001)]
    senders += [home[2], other[0], None, home[0], home[1], other[1]]
    senders += [other[0], None] * 60  # more than a page of others before the last one
    senders += [home[2], other[1]]
    ids = await _many_questions(engine, senders)
    theirs = [i for i, r in zip(ids, senders, strict=True) if r in home]
    assert len(theirs) == 6

    # A full page has a `next` even when it ends the list; the page after it is empty, `next` null.
    for limit, sizes in ((2, [2, 2, 2, 0]), (4, [4, 2]), (500, [6])):
        pages = await _staff_pages(client, tokens.staff, f"limit={limit}")
        assert [len(page) for page in pages] == sizes
        assert [i for page in pages for i in page] == theirs

    admin = await client.get("/api/v1/questions?limit=5", headers=bearer(tokens.admin))
    first = await admin.json()
    assert [q["id"] for q in first["questions"]] == ids[:5]
    assert first["next"] == ids[4]
    assert any(q["resident_id"] is None for q in first["questions"])
    for question in (ids[2], ids[3]):  # an unknown sender's, another township's
        assert (await _reply(client, question, "好的", tokens.staff)).status == 404
        # As a page's `after`, it is refused as an unknown id is: it tells staff nothing.
        after = await client.get(
            f"/api/v1/questions?after={question}", headers=bearer(tokens.staff)
        )
        assert after.status == 422
        assert (await after.json()) == (
            await (
                await client.get("/api/v1/questions?after=999999999", headers=bearer(tokens.staff))
            ).json()
        )
    assert (
        await client.get(f"/api/v1/questions?after={ids[3]}", headers=bearer(tokens.admin))
    ).status == 200


async def _many_questions(engine: AsyncEngine, senders: list[str | None]) -> list[int]:
    """One open question from each of `senders` (a resident's ID number, or None for an unknown
    number), received a second apart in that order; their ids, in that order."""
    start = NOW - timedelta(days=1)
    rows = [
        {
            "provider": "aliyun",
            "sender": f"1390000{n:04d}",
            "resident_id": resident_id,
            "text": "灵活就业怎么交医保",
            "kind": "question",
            "received_at": start + timedelta(seconds=n),
        }
        for n, resident_id in enumerate(senders)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(INBOUND), rows)
        found = await connection.execute(select(INBOUND.c.id).order_by(INBOUND.c.received_at))
        return list(found.scalars())


async def _staff_pages(client: Client, token: str, query: str) -> list[list[int]]:
    """The question ids of each page a client reads, following `next` until it is null."""
    pages: list[list[int]] = []
    after = ""
    while True:
        response = await client.get(f"/api/v1/questions?{query}{after}", headers=bearer(token))
        body = await response.json()
        pages.append([q["id"] for q in body["questions"]])
        if body["next"] is None:
            return pages
        assert pages[-1], "an empty page with a next"
        assert body["next"] == pages[-1][-1]
        after = f"&after={body['next']}"
