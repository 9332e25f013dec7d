"""`outreach faq questions|close`: residents' questions from SMS replies, for staff to follow up."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from campaigns.model import EVENTS, MESSAGES
from campaigns.receipts import apply_inbound
from channels.base import Inbound
from cli import app
from core import create_engine
from tests.campaigns.residents import add_residents, resident

runner = CliRunner()
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def replies(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    async def seed() -> None:
        engine = create_engine(database_url)
        await add_residents(engine, [resident(1, name="王建国")])
        for sender, text in (
            ("13900000001", "断缴了好几年，以前交的钱还算数吗 110101197003150011"),
            ("13700000002", "明天会下雨吗"),
            ("13900000001", "TD"),  # a stop word: not a question
        ):
            await apply_inbound(engine, Inbound("aliyun", sender, text), now=NOW)
        await engine.dispose()

    asyncio.run(seed())


def listed(*extra: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["faq", "questions", "--json", *extra])
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_questions_are_listed_masked_with_the_knowledge_bases_suggestion(
    database_url: str,
) -> None:
    rows = listed()
    assert [r["from"] for r in rows] == ["139****0001", "137****0002"]
    first, second = rows
    assert first["entry"] == "lapse-years-kept"
    assert "110101197003150011" not in str(first["question"])
    assert "1101**********0011" in str(first["question"])
    assert "*" in str(first["resident"])
    assert second["entry"] is None  # the weather: the suggestion is "not sure"
    assert first["nearest"] is None
    table = runner.invoke(app, ["faq", "questions"])
    assert "不确定" in table.stdout
    assert "13900000001" not in table.stdout


def test_the_list_pages_and_says_how_to_see_the_next_page(database_url: str) -> None:
    """A full page ends with the command for the next one; --after shows it; an unknown id is
    refused with a reason."""
    first, second = listed()
    assert listed("--limit", "1") == [first]
    assert listed("--limit", "1", "--after", str(first["id"])) == [second]
    assert listed("--after", str(second["id"])) == []
    table = runner.invoke(app, ["faq", "questions", "--limit", "1"])
    assert f"outreach faq questions --limit 1 --after {first['id']}" in table.stdout
    end = runner.invoke(app, ["faq", "questions", "--after", str(second["id"])])
    assert "没有更多提问" in end.stdout
    unknown = runner.invoke(app, ["faq", "questions", "--after", "999999"])
    assert unknown.exit_code == 2
    assert "no question with id 999999" in unknown.stderr


def test_a_question_on_a_subject_we_do_not_cover_names_it_for_staff(database_url: str) -> None:
    """Staff see which subject a question is on when the knowledge base does not cover it, so
    that they can send the resident where to ask."""

    async def seed() -> None:
        engine = create_engine(database_url)
        await apply_inbound(
            engine, Inbound("aliyun", "13900000001", "被厂里辞退了，失业金能领几个月"), now=NOW
        )
        await engine.dispose()

    asyncio.run(seed())
    [unemployment] = [r for r in listed() if r["subject"]]
    assert unemployment["subject"] == "unemployment-insurance"
    assert unemployment["entry"] is None
    table = runner.invoke(app, ["faq", "questions"], env={"COLUMNS": "200"})
    assert "不答话题：失业保险 / not covered: unemployment-insurance" in table.stdout


def test_closing_a_question_takes_it_off_the_list_and_counts_it(database_url: str) -> None:
    first_id = listed()[0]["id"]
    done = runner.invoke(app, ["faq", "close", str(first_id)])
    assert done.exit_code == 0, done.stderr
    assert [r["id"] for r in listed()] == [listed("--all")[0]["id"]]
    assert first_id in [r["id"] for r in listed("--all") if r["followed_up"]]
    again = runner.invoke(app, ["faq", "close", str(first_id)])
    assert again.exit_code == 2
    assert "没有编号为" in again.stderr
    assert "no open question" in again.stderr

    async def events() -> list[str]:
        engine = create_engine(database_url)
        async with engine.connect() as c:
            kinds: list[str] = list((await c.execute(select(EVENTS.c.kind))).scalars())
        await engine.dispose()
        return kinds

    assert asyncio.run(events()).count("question_followed_up") == 1


def test_questions_answered_by_sms_leave_the_queue_but_show_as_auto_answered(
    database_url: str,
) -> None:
    async def triage() -> None:
        from campaigns import ReplyDesk
        from worker import FaqKnowledge

        engine = create_engine(database_url)
        await add_residents(engine, [resident(2, name="李秀英")])
        question = Inbound("aliyun", "13900000002", "断缴了三年，以前交的还算不算")
        await apply_inbound(engine, question, now=NOW)
        await ReplyDesk(engine, FaqKnowledge(), clock=lambda: NOW).triage()
        await engine.dispose()

    asyncio.run(triage())
    waiting = {r["from"]: r for r in listed()}
    # Resident 1 said stop (no SMS: staff decide); the stranger's weather is not known.
    assert set(waiting) == {"139****0001", "137****0002"}
    assert waiting["139****0001"]["triage"] == "suppressed"
    everything = {r["from"]: r for r in listed("--all")}
    answered = everything["139****0002"]
    assert answered["followed_up"] is True
    assert answered["answered_by"] == "auto"
    assert answered["triage"] == "answered"
    table = runner.invoke(app, ["faq", "questions", "--all"], env={"COLUMNS": "250"})
    assert "已自动答复" in table.stdout


def test_a_staff_reply_is_queued_once_by_sms_and_closes_the_question(database_url: str) -> None:
    async def ask() -> None:
        engine = create_engine(database_url)
        await add_residents(engine, [resident(2, name="李秀英", male=False)])
        question = Inbound("aliyun", "13900000002", "我想问问村里什么时候统一办理")
        await apply_inbound(engine, question, now=NOW)
        await engine.dispose()

    asyncio.run(ask())
    question_id = next(r["id"] for r in listed() if r["from"] == "139****0002")
    text = "李女士，下周一上午在村委会统一办理，请带身份证。"
    too_long = runner.invoke(app, ["faq", "reply", str(question_id), "请带身份证。" * 80])
    assert too_long.exit_code == 2
    assert "答复太长" in too_long.stderr
    assert "SMS parts" in too_long.stderr
    done = runner.invoke(app, ["faq", "reply", str(question_id), text], env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.stderr
    assert done.stdout.index("已跟进") < done.stdout.index("closed")
    assert "答复已排队发送" in done.stdout
    assert "13900000002" not in done.stdout
    assert question_id not in [r["id"] for r in listed()]

    again = runner.invoke(app, ["faq", "reply", str(question_id), text])
    assert again.exit_code == 2
    assert "已经跟进" in again.stderr or "待跟进" in again.stderr

    async def messages() -> list[tuple[str, str, str]]:
        engine = create_engine(database_url)
        async with engine.connect() as c:
            rows = (
                await c.execute(
                    select(MESSAGES.c.address, MESSAGES.c.occurrence, MESSAGES.c.variables)
                )
            ).all()
        await engine.dispose()
        return [(r.address, r.occurrence, json.loads(r.variables)["answer"]) for r in rows]

    assert asyncio.run(messages()) == [("13900000002", f"s{question_id}", text)]


def test_a_reply_to_a_stopped_number_closes_the_question_but_is_not_sent(
    database_url: str,
) -> None:
    first = listed()[0]
    assert first["from"] == "139****0001"  # resident 1 said TD
    done = runner.invoke(
        app, ["faq", "reply", str(first["id"]), "已电话联系", "--json"], env={"COLUMNS": "250"}
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {
        "id": first["id"],
        "sent": False,
        "message_id": None,
        "reason": "suppressed",
    }
    plain = runner.invoke(app, ["faq", "reply", str(listed()[0]["id"]), "已电话联系"])
    assert plain.exit_code == 0, plain.stderr
    assert "未发给居民" in plain.stdout
    assert "not sent" in plain.stdout
