"""Free-text questions in the chat: answers, honest abstentions, and the hand-off to staff."""

from __future__ import annotations

import asyncio
import json
import re

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.pending import PendingQuestions, Taken
from bot.texts import COMMON
from campaigns import list_questions
from campaigns.model import EVENTS
from faq import Answered
from faq.answer import VAGUE
from tests.bot.harness import BotHarness, answerer
from tests.campaigns.residents import add_residents, resident

CHAT = 515151
GIG_WORKER = "送外卖的怎么交养老保险"
WEATHER = "明天天气怎么样，会下雨吗"


async def _events(engine: AsyncEngine) -> list[tuple[str, dict[str, object]]]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(EVENTS.c.kind, EVENTS.c.data).order_by(EVENTS.c.id))
        ).all()
    return [(str(kind), json.loads(str(data or "{}"))) for kind, data in rows]


async def test_a_known_question_gets_the_entry_answer_and_an_event(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    expected = answerer().ask(GIG_WORKER)
    assert isinstance(expected, Answered), "the knowledge base should know this one"
    [answer] = await chat.say(CHAT, GIG_WORKER)
    assert answer == expected.entry.answer
    kind, data = (await _events(engine))[-1]
    assert kind == "question_answered"
    assert data["channel"] == "telegram"
    assert data["entry"] == expected.entry.id
    assert GIG_WORKER not in json.dumps(data, ensure_ascii=False)  # no question text in events


def test_every_question_the_bot_suggests_is_answered() -> None:
    """The examples the bot offers (after consent, in /help, and when a message is too vague)
    are answered with confidence, each by its entry: a suggestion that got "not sure" would
    teach residents the bot knows nothing."""
    shown = " ".join(COMMON("zh", key) for key in ("consented", "help", "vague")) + VAGUE
    quoted = set(re.findall(r"“([^”]+)”", shown))
    listed = {line[2:] for line in shown.splitlines() if line.startswith("· ")}
    suggested = {
        "送外卖的怎么交养老保险": "rider-pension",
        "断缴了三年，以前交的还算吗": "lapse-years-kept",
        "我以后能领多少钱": "my-pension-amount",
    }
    assert quoted == set(suggested)
    assert set(suggested) <= listed
    for question, entry in suggested.items():
        reply = answerer().ask(question)
        assert isinstance(reply, Answered), (question, reply)
        assert reply.entry.id == entry


async def test_english_chats_get_the_chinese_answer_with_a_note(chat: BotHarness) -> None:
    await chat.consented(CHAT, "en")
    [answer] = await chat.say(CHAT, GIG_WORKER)
    assert "written in Chinese" in answer


async def test_an_unknown_question_abstains_and_the_button_hands_it_to_staff(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    [not_sure] = await chat.say(CHAT, WEATHER)
    assert "12333" in not_sure
    assert "没有把握" in not_sure
    [handed] = await chat.press(CHAT, "handoff")
    assert "已转给工作人员" in handed
    # Not linked: staff's answer could not reach the chat, so the bot says how it can.
    assert "/link" in handed
    [queued] = await list_questions(engine)
    assert queued.text == WEATHER
    assert queued.provider == "telegram"
    assert [kind for kind, _ in await _events(engine)][-2:] == [
        "question_abstained",
        "question_handed_off",
    ]
    # A second press does not queue the question twice.
    [again] = await chat.press(CHAT, "handoff")
    assert "已经转给工作人员" in again
    assert len(await list_questions(engine)) == 1


async def test_a_subject_we_do_not_cover_says_where_to_ask_and_can_go_to_staff(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    """Unemployment benefit is next to our subjects but not ours: the reply names it, sends the
    resident to 12333, and the button still passes the question to staff."""
    await chat.consented(CHAT)
    question = "被公司辞退了，失业金能领几个月"
    [reply] = await chat.say(CHAT, question)
    assert reply.startswith("关于失业保险的具体问题")
    assert "12333" in reply
    [handed] = await chat.press(CHAT, "handoff")
    assert "已转给工作人员" in handed
    assert [q.text for q in await list_questions(engine)] == [question]
    await chat.consented(CHAT + 1, "en")
    [english] = await chat.say(CHAT + 1, question)
    assert english.startswith("I have no reliable answers about unemployment insurance")


async def test_typing_for_a_person_hands_off_the_last_unanswered_question(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    [nothing] = await chat.say(CHAT, "转人工")
    assert "请先把您的问题" in nothing
    await chat.say(CHAT, WEATHER)
    [handed] = await chat.say(CHAT, "转人工")
    assert "已转给工作人员" in handed
    assert [q.text for q in await list_questions(engine)] == [WEATHER]


async def test_another_provinces_details_are_not_guessed(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    [reply] = await chat.say(CHAT, "广东灵活就业养老保险缴费基数是多少")
    assert "外省" in reply or "没有把握" in reply


async def test_a_command_no_router_knows_is_read_as_a_question(chat: BotHarness) -> None:
    # Commands pass the routers of commands first (bot.dispatcher); one none of them takes
    # still reaches the knowledge base, which answers it as the text it is.
    await chat.consented(CHAT)
    [reply] = await chat.say(CHAT, f"/天气 {WEATHER}")
    assert "没有把握" in reply
    assert "12333" in reply
    expected = answerer().ask(f"/问 {GIG_WORKER}")
    assert isinstance(expected, Answered)
    [answer] = await chat.say(CHAT, f"/问 {GIG_WORKER}")
    assert answer == expected.entry.answer


async def test_a_sticker_gets_a_friendly_line(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    update = {
        "update_id": 999_000_001,
        "message": {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": {"id": CHAT, "type": "private", "first_name": "A"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "A"},
            "sticker": {
                "file_id": "x",
                "file_unique_id": "y",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        },
    }
    await chat.feed(update)
    [reply] = [m["text"] for m in await chat.new_messages(CHAT)]
    assert "文字" in reply


async def test_a_greeting_or_one_word_asks_for_more_and_offers_no_hand_off(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    for text in ("你好", "好的", "医保", "怎么交"):
        [reply] = await chat.say(CHAT, text)
        assert "具体" in reply
    assert not (await chat.messages(CHAT))[-1].get("reply_markup")
    reasons = [
        data.get("reason") for kind, data in await _events(engine) if kind != "chat_consented"
    ]
    assert reasons == ["vague"] * 4
    [nothing] = await chat.say(CHAT, "转人工")  # a greeting is not a question for staff
    assert "请先把您的问题" in nothing


async def test_a_linked_chat_is_told_staff_will_answer_without_asking_to_link(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await add_residents(engine, [resident(1, chat=CHAT)])  # CHAT linked to a ledger resident
    await chat.consented(CHAT)
    await chat.say(CHAT, WEATHER)
    [handed] = await chat.press(CHAT, "handoff")
    assert "已转给工作人员" in handed
    assert "/link" not in handed
    [queued] = await list_questions(engine)
    assert queued.resident_id is not None


async def test_start_forgets_the_question_that_was_waiting(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, WEATHER)
    await chat.say(CHAT, "/start")
    [nothing] = await chat.say(CHAT, "转人工")
    assert "请先把您的问题" in nothing
    assert await list_questions(engine) == []


async def test_two_presses_at_once_hand_the_question_off_once(redis: Redis) -> None:
    pending = PendingQuestions(redis)
    await pending.keep(CHAT, WEATHER)
    first, second = await asyncio.gather(pending.take(CHAT), pending.take(CHAT))
    assert sorted([first.question or "", second.question or ""]) == ["", WEATHER]
    assert (await pending.take(CHAT)).handed_off_before
    await pending.forget(CHAT)
    assert await pending.take(CHAT) == Taken(None, handed_off_before=False)
    assert await redis.get(PendingQuestions.key(CHAT)) is None  # no mark left behind
