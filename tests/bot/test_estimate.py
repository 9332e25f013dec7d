"""The estimate dialogue through the dispatcher and the stand-in: questions, result, comparisons."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Sequence
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotSettings
from bot.estimate_texts import ESTIMATE
from campaigns.model import EVENTS
from faq import Answered
from ledger.model import Resident
from pension import (
    Category,
    Estimate,
    Person,
    Scheme,
    YearMonth,
    compare_bases,
    compare_resume,
    estimate,
    load_parameters,
)
from tests.bot.harness import BotHarness, answerer, bot_harness
from tests.ledger.builders import id_number

CHAT = 636363
TODAY = date(2026, 12, 4)
AS_OF = YearMonth(2026, 12)
PROVINCE = "yunnan"
BORN = YearMonth(1975, 3)
# Born 1975-03, a woman whose original age is 55, employee scheme, 8 years paid, base 100%.
PERSON = Person(BORN, Category.FEMALE55, Scheme.EMPLOYEE, months_paid=96, base=Decimal("1.0"))


@pytest.fixture
async def chat(engine: AsyncEngine, redis: Redis) -> AsyncIterator[BotHarness]:
    """The bot with a fixed date and province, and room for a whole dialogue in one burst."""
    async with bot_harness(
        engine, redis, today=lambda: TODAY, estimate_province=PROVINCE, throttle_limit=100
    ) as harness:
        yield harness


def expected(person: Person = PERSON, province: str = PROVINCE) -> Estimate:
    return estimate(person, load_parameters(province), AS_OF)


def assert_shows(text: str, result: Estimate) -> None:
    """The numbers of `result` as the Chinese answer states them."""
    assert f"每月约 {result.total} 元" in text
    assert f"基础养老金 {result.benefit.basic} 元" in text
    assert f"个人账户养老金 {result.benefit.account} 元" in text
    assert f"开始领取：{result.start.year}年{result.start.month}月" in text
    assert result.start_age.zh in text
    assert "12333" in text
    assert "估算" in text


async def events(engine: AsyncEngine) -> list[tuple[str, dict[str, object]]]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(EVENTS.c.kind, EVENTS.c.data).order_by(EVENTS.c.id))
        ).all()
    return [(str(kind), json.loads(str(data or "{}"))) for kind, data in rows]


async def estimates(engine: AsyncEngine) -> list[dict[str, object]]:
    return [data for kind, data in await events(engine) if kind == "estimate_given"]


#: The answers for PERSON, typed or pressed in turn ("1975年3月" reads in English chats too).
STEPS = (
    ("say", "/estimate"),
    ("say", "1975年3月"),
    ("press", "est:c:female55"),
    ("press", "est:s:employee"),
    ("press", "est:r:5"),
    ("press", "est:y:8"),
    ("press", "est:l:1.0"),
)


async def walk(chat: BotHarness, steps: Sequence[tuple[str, str]] = STEPS) -> list[str]:
    """Take `steps` (by default every question for PERSON); the one reply to each."""
    replies = []
    for action, value in steps:
        [reply] = await (chat.say if action == "say" else chat.press)(CHAT, value)
        replies.append(reply)
    return replies


async def answer_all(chat: BotHarness) -> str:
    """Every question for PERSON in a Chinese chat; the estimate's text."""
    *questions, result = await walk(chat)
    asked = ("出生年月", "男性还是女性", "哪种养老保险", "交了几年", "具体是几年", "社平工资")
    for question, words in zip(questions, asked, strict=True):
        assert words in question
    return result


async def test_the_questions_lead_to_pension_estimates_own_numbers(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    result = await answer_all(chat)
    wanted = expected()
    assert_shows(result, wanted)
    assert "1975年3月出生，女（原55岁退休）" in result
    assert "职工养老保险，今后按社平工资100%缴费，已缴8年" in result
    assert wanted.months_missing > 0
    assert f"还差 {wanted.months_missing} 个月" in result
    assert "云南省" in result
    assert await estimates(engine) == [{"channel": "telegram", "prefilled": False}]


async def test_a_resident_scheme_tier_and_typed_years(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    await chat.say(CHAT, "１９６８/７")  # full-width digits, as Chinese keyboards type them
    await chat.press(CHAT, "est:c:male")
    await chat.press(CHAT, "est:s:resident")
    [tiers] = await chat.say(CHAT, "12年6个月")
    assert "档次" in tiers
    [result] = await chat.press(CHAT, "est:l:500")
    person = Person(YearMonth(1968, 7), Category.MALE, Scheme.RESIDENT, 150, tier=Decimal(500))
    wanted = expected(person)
    assert_shows(result, wanted)
    assert "每年交500元档" in result
    assert "到那时共缴费14年6个月，最低要求15年" in result
    assert f"还差 {wanted.months_missing} 个月" in result


#: Bad and good input in turn, each with words its reply must hold.
BAD_THEN_GOOD = (
    ("say", "/estimate", "出生年月"),
    ("say", "七五年三月", "没看懂这个出生年月"),
    ("say", "2015-06", "满 16 周岁"),
    ("say", "1930-01", "超出了能估算的范围"),
    ("say", "197503", "男性还是女性"),
    ("say", "女", "请点下面的按钮选择"),  # ambiguous: which original age?
    ("press", "est:c:female50", "哪种养老保险"),  # the re-prompt carries the buttons again
    ("say", "职工", "交了几年"),  # a typed choice that is clear is taken
    ("say", "40", "最多 35 年"),
    ("say", "很多年", "没看懂缴费年限"),
    ("say", "0", "社平工资"),
    ("say", "45%", "请点下面的按钮选择"),
    ("say", "60%", "没交过"),
)


async def test_bad_input_gets_a_chinese_re_prompt_and_the_same_question(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    replies = await walk(chat, [(action, value) for action, value, _ in BAD_THEN_GOOD])
    for reply, (_, _, words) in zip(replies, BAD_THEN_GOOD, strict=True):
        assert words in reply
        assert "Traceback" not in reply
        assert "Error" not in reply
    assert "男性还是女性" in replies[5]  # the same question again under the re-prompt
    assert_shows(replies[-1], expected(Person(BORN, Category.FEMALE50, Scheme.EMPLOYEE)))


async def test_a_sticker_in_the_dialogue_gets_the_question_again(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    person = {"id": CHAT, "first_name": "A"}
    image = {"file_id": "x", "file_unique_id": "y", "width": 512, "height": 512}
    sticker = {"type": "regular", "is_animated": False, "is_video": False, **image}
    message = {"message_id": 78, "date": 1_700_000_000, "sticker": sticker}
    message |= {"chat": {**person, "type": "private"}, "from": {**person, "is_bot": False}}
    update = {"update_id": 999_000_002, "message": message}
    await chat.feed(update)
    [again] = [m["text"] for m in await chat.new_messages(CHAT)]
    assert "没看懂这个出生年月" in again


async def test_back_and_cancel(chat: BotHarness, engine: AsyncEngine) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    await chat.say(CHAT, "1975-03")
    await chat.press(CHAT, "est:c:male")
    [category] = await chat.press(CHAT, "est:back")
    assert "男性还是女性" in category
    [birth] = await chat.press(CHAT, "est:back")
    assert "出生年月" in birth
    await chat.say(CHAT, "1980-01")
    await chat.press(CHAT, "est:c:male")
    [cancelled] = await chat.press(CHAT, "est:cancel")
    assert "已退出估算" in cancelled
    # Out of the dialogue, text is a question again (the knowledge base answers it).
    [answer] = await chat.say(CHAT, "送外卖的怎么交养老保险")
    assert "已退出估算" not in answer
    assert "哪种养老保险" not in answer
    # The cancelled prompt keeps no buttons.
    assert not (await chat.messages(CHAT))[-2].get("reply_markup")
    # Typing 退出 or 取消 cancels too; 取消 does not unsubscribe in a chat (it does by SMS).
    for word in ("退出", "取消"):
        await chat.say(CHAT, "/estimate")
        [typed] = await chat.say(CHAT, word)
        assert "已退出估算" in typed
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert not stored.stopped
    assert await estimates(engine) == []


async def test_another_question_in_the_dialogue_is_answered_and_leaves_it(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    """A resident who asks something else mid-dialogue gets the answer, not a re-prompt that
    keeps them in the dialogue until they find the word to cancel."""
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    await chat.say(CHAT, "1975-03")
    question = "送外卖的怎么交养老保险"
    [answer] = await chat.say(CHAT, question)  # where a button is asked for
    reply = answerer().ask(question)
    assert isinstance(reply, Answered)
    assert answer == f"{reply.entry.answer}\n\n{ESTIMATE('zh', 'left_for_question')}"
    kinds = [kind for kind, _ in await events(engine)]
    assert kinds.count("question_answered") == 1
    # Out of the dialogue: the next text is a question again, not an answer to it.
    [again] = await chat.say(CHAT, "1975-03")
    assert "男性还是女性" not in again
    # Something the knowledge base cannot place is still a bad answer: the question again.
    await chat.say(CHAT, "/estimate")
    [reprompt] = await chat.say(CHAT, "七五年三月")
    assert "没看懂这个出生年月" in reprompt
    # A question about one's own money is what the dialogue is for: it stays.
    [stays] = await chat.say(CHAT, "我以后能领多少钱")
    assert "出生年月" in stays
    assert "已退出" not in stays


async def test_buttons_of_earlier_messages_do_not_answer_the_current_question(
    chat: BotHarness,
) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    await chat.say(CHAT, "1975-03")  # the category question, as a new message
    [scheme] = await chat.say(CHAT, "男")  # answered by typing: the scheme question, new again
    assert "哪种养老保险" in scheme
    await chat.press(CHAT, "est:c:female55")  # the category buttons are still on screen
    alerts = await chat.callback_answers(CHAT)
    assert "最新一条消息" in str(alerts[-1]["text"])
    [years] = await chat.press(CHAT, "est:s:employee")
    assert "交了几年" in years
    await chat.say(CHAT, "/stop")
    await chat.say(CHAT, "/start")  # /start clears the dialogue
    await chat.press(CHAT, "consent:yes:zh")
    await chat.press(CHAT, "est:r:10")
    alerts = await chat.callback_answers(CHAT)
    assert "已经过期" in str(alerts[-1]["text"])


async def test_a_linked_resident_gets_the_estimate_from_the_ledger_at_once(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await link_resident(engine, region="北京市朝阳区")
    await chat.consented(CHAT)
    [result] = await chat.say(CHAT, "/estimate")
    # A woman rider, lapsed: employee scheme (flexible worker, original age 55), the lowest base,
    # under the parameters of the province the ledger names (not the configured one).
    rider = Person(YearMonth(1982, 5), Category.FEMALE55, Scheme.EMPLOYEE)
    assert_shows(result, expected(rider, "beijing"))
    assert "北京" in result
    assert "取自台账" in result
    assert "1982年5月出生，女（原55岁退休）" in result
    assert "社平工资60%" in result
    assert "台账没有记录" in result  # months paid unknown: nothing said about months missing
    assert "还差" not in result
    assert await estimates(engine) == [{"channel": "telegram", "prefilled": True}]

    [which] = await chat.press(CHAT, "est:edit")
    assert "要改哪一项" in which
    [years] = await chat.press(CHAT, "est:edit:months")
    assert "交了几年" in years
    [changed] = await chat.say(CHAT, "10")
    assert_shows(changed, expected(dataclasses.replace(rider, months_paid=120), "beijing"))
    assert "取自台账" not in changed
    assert "已缴10年" in changed
    assert (await estimates(engine))[-1] == {"channel": "telegram", "prefilled": False}


async def test_a_ledger_without_a_known_province_uses_the_configured_one(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await link_resident(engine, region="新哨镇")
    await chat.consented(CHAT)
    [result] = await chat.say(CHAT, "/estimate")
    assert "云南省" in result


async def test_a_question_about_ones_own_money_starts_the_dialogue(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    for question in ("我以后能领多少钱", "帮我算算养老金", "退休后我一个月能领多少"):
        [asked] = await chat.say(CHAT, question)
        assert "出生年月" in asked
        assert "元" not in asked  # no canned amount
        [category] = await chat.say(CHAT, "1975-03")
        assert "男性还是女性" in category
        await chat.say(CHAT, "退出")
    kinds = [kind for kind, _ in await events(engine)]
    assert kinds.count("question_answered") == 3
    assert "estimate_given" not in kinds


async def test_a_linked_residents_money_question_gets_the_prefilled_estimate(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await link_resident(engine, region="云南")
    await chat.consented(CHAT)
    [result] = await chat.say(CHAT, "我以后能领多少养老金")
    assert_shows(result, expected(Person(YearMonth(1982, 5), Category.FEMALE55)))


async def test_comparison_buttons_answer_with_compact_tables(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    await answer_all(chat)
    params = load_parameters(PROVINCE)
    [bases] = await chat.press(CHAT, "est:cmp:base")
    compared = compare_bases(PERSON, params, AS_OF)
    lines = bases.splitlines()
    for scenario in compared.scenarios:
        line = next(line for line in lines if scenario.label.zh in line)
        assert f"约 {scenario.estimate.total} 元/月" in line
    assert [s.label.zh for s in compared.scenarios] == [
        "按社平工资 60% 缴费",
        "按社平工资 100% 缴费",
        "按社平工资 300% 缴费",
    ]
    [resume] = await chat.press(CHAT, "est:cmp:resume")
    now, later = compare_resume(PERSON, params, AS_OF).scenarios
    assert f"现在恢复缴费：约 {now.estimate.total} 元/月" in resume
    assert f"24 个月后再缴费：约 {later.estimate.total} 元/月" in resume
    assert f"还差 {later.estimate.months_missing} 个月" in resume
    [schemes] = await chat.press(CHAT, "est:cmp:scheme")
    assert "城乡居民养老保险" in schemes
    assert "12333" in schemes


async def test_english_chats_get_the_dialogue_in_english(chat: BotHarness) -> None:
    await chat.consented(CHAT, "en")
    birth, *_, result = await walk(chat)
    assert "month of birth" in birth
    wanted = expected()
    assert f"About {wanted.total} yuan a month" in result
    assert f"{wanted.months_missing} months short" in result
    assert "12333" in result
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in result)  # no Chinese left


async def link_resident(engine: AsyncEngine, *, region: str) -> None:
    """A woman rider born 1982-05 who stopped paying, her chat linked to the ledger row."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(Resident).values(
                id_number=id_number("19820514", male=False),
                name="李秀英",
                sex="female",
                birth_date=date(1982, 5, 14),
                telegram_chat_id=CHAT,
                employment_status="flexible",
                identity_group="rider",
                pension_scheme=None,
                pension_status="lapsed",
                pension_last_paid=date(2023, 6, 1),
                pension_region=region,
            )
        )


def test_the_configured_province_is_checked_when_the_bot_starts() -> None:
    assert BotSettings(province="云南").province == "yunnan"
    with pytest.raises(ValidationError, match="BOT_PROVINCE"):
        BotSettings(province="火星")
