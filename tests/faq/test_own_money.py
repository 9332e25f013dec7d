"""Which wordings ask how much the resident will get from their own pension."""

from __future__ import annotations

import pytest

from faq.own_money import asks_own_amount
from faq.text import normalise


@pytest.mark.parametrize(
    "question",
    [
        "我退休了能拿多少钱",
        "退休后我一月拿多少",
        "俺到岁数了一个月能领几个钱",  # 俺 reads as 我
        "我的养老金以后能有多少啊",
        "我自个儿交了十来年，老了能拿多少",
        "我按最低档和按中间档交，以后能差多少钱",
        "我交够15年，退休每个月能拿几百还是几千",
    ],
)
def test_the_resident_asking_what_they_will_get(question: str) -> None:
    assert asks_own_amount(normalise(question))


@pytest.mark.parametrize(
    "question",
    [
        "我妈退休了能领多少",  # someone else's pension
        "我老公交了十年以后能领多少",
        "俺们村张大爷一个月退休金是多少",  # 俺们 reads as 我们: not the speaker alone
        "他退休以后能拿多少",
        "我每个月交多少钱",  # an amount paid
        "我灵活就业交养老最低一年得多少钱",
        "我还差多少年才能领养老金",  # years, not money
        "以后每个月能领多少",  # nobody named: could be anyone's
        "我能领多少失业金",  # a benefit of today, no word of pensions or later life
    ],
)
def test_other_questions_with_amounts(question: str) -> None:
    assert not asks_own_amount(normalise(question))
