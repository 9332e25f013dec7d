"""The hand-off queue through the API: a township's questions only, a reply sent once."""

from __future__ import annotations

import json
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
