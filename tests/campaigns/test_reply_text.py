"""The SMS form of an answer: whole when it fits, else whole sentences and a pointer to 12333."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from campaigns import short_answer, sms_parts
from campaigns.reply_text import LOCAL, MORE, plain, sentences

SIGNED = "【参保服务】张先生您好，关于您问的问题：{}"


def within(parts: int) -> Callable[[str], bool]:
    return lambda text: sms_parts(SIGNED.format(text)) <= parts


LONG = (
    "断缴不会让以前交的年限作废，缴费年限累计计算。"
    "个人账户里的钱和利息也都保留，以后接着交就行。"
    "到了领取年龄，缴费满最低年限才能按月领取养老金。"
    "不满的可以继续交，或者按规定一次性补足差的年限。"
    "具体怎么补、能补几年，各地规定不完全一样。"
)


def test_an_answer_that_fits_is_sent_whole_and_plain() -> None:
    answer = "以前交的年限不会作废，\n  个人账户的钱也保留。 详询 12333。"
    assert short_answer(answer, varies_by_province=False, fits=within(3)) == (
        "以前交的年限不会作废，个人账户的钱也保留。详询 12333。"
    )


def test_a_long_answer_is_cut_at_a_sentence_end_and_points_to_12333() -> None:
    assert sms_parts(SIGNED.format(LONG)) > 2
    short = short_answer(LONG, varies_by_province=False, fits=within(2))
    assert short is not None
    assert short.endswith(MORE)
    kept = short.removesuffix(MORE)
    assert LONG.startswith(kept)
    assert kept.endswith("。")
    assert sms_parts(SIGNED.format(short)) <= 2
    # The longest such cut: one more sentence would not fit.
    next_sentence = sentences(LONG)[len(sentences(kept))]
    assert sms_parts(SIGNED.format(kept + next_sentence + MORE)) > 2


def test_a_province_dependent_answer_keeps_its_caveat_when_cut() -> None:
    short = short_answer(LONG, varies_by_province=True, fits=within(2))
    assert short is not None
    assert short.endswith(LOCAL)
    assert "以当地规定为准" in short
    assert sms_parts(SIGNED.format(short)) <= 2


def test_a_province_dependent_answer_without_a_caveat_gets_one_even_when_whole() -> None:
    short = short_answer("灵活就业可以自己选缴费基数。", varies_by_province=True, fits=within(3))
    assert short == "灵活就业可以自己选缴费基数。" + LOCAL


def test_a_caveat_already_there_is_not_repeated() -> None:
    answer = "一般是每年9月到12月缴费，具体以当地规定为准。"
    assert short_answer(answer, varies_by_province=True, fits=within(3)) == answer


@pytest.mark.parametrize("answer", ["", "   "])
def test_nothing_to_send(answer: str) -> None:
    assert short_answer(answer, varies_by_province=False, fits=within(3)) is None


def test_no_sentence_fits_means_no_short_form() -> None:
    one_sentence = "这是一个非常长的句子" * 30 + "。"
    assert short_answer(one_sentence, varies_by_province=False, fits=within(1)) is None


def test_plain_text_has_no_signature_brackets() -> None:
    assert plain("请看【通知】里的说明") == "请看「通知」里的说明"
