"""Reading what a resident types in the estimate dialogue: a birth month, years paid, a choice.

Each reader returns the value or raises `BadInputError` with the key of the re-prompt to show
(see `bot.estimate_texts`), never a parsing error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pension import Category, PensionError, Scheme, YearMonth, retirement

#: Youngest age at which anyone pays into a pension scheme.
MIN_AGE_YEARS = 16

_WIDE = str.maketrans("０１２３４５６７８９－／．％　", "0123456789-/.% ")
_BIRTH = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?(?:出生|生)?"),
    re.compile(r"(\d{4})(\d{2})"),
)
_YEARS_UNIT = r"(?:年|y|years?)"
_YEARS = (
    re.compile(rf"(\d+(?:\.\d+)?){_YEARS_UNIT}?()"),
    re.compile(rf"(?:(\d+(?:\.\d+)?){_YEARS_UNIT})?(\d+)(?:个月|月|m|months?)"),
)
_NONE = frozenset({"0", "没有", "没交", "没交过", "一直没交", "无", "零", "none", "never"})

#: Words that leave the dialogue (退订/TD/stop unsubscribe instead: faq.is_stop).
CANCEL_WORDS = frozenset(
    {"退出", "退出估算", "取消", "不算了", "算了", "cancel", "/cancel", "quit"}
)
BACK_WORDS = frozenset({"返回", "上一步", "back"})

_CATEGORY_WORDS = {"男": Category.MALE, "男性": Category.MALE, "man": Category.MALE}
_SCHEME_WORDS = {
    "职工": Scheme.EMPLOYEE,
    "企业职工": Scheme.EMPLOYEE,
    "灵活就业": Scheme.EMPLOYEE,
    "employee": Scheme.EMPLOYEE,
    "居民": Scheme.RESIDENT,
    "城乡居民": Scheme.RESIDENT,
    "新农保": Scheme.RESIDENT,
    "resident": Scheme.RESIDENT,
}


class BadInputError(ValueError):
    """Typed input the dialogue cannot use: `key` names the re-prompt, `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def normal(text: str) -> str:
    """Half-width digits and signs, single spaces, no surrounding blanks, lower case."""
    return " ".join(text.translate(_WIDE).split()).lower()


def birth_month(text: str, as_of: YearMonth) -> YearMonth:
    """A birth month typed as 1975-03, 1975/3, 1975.3, 197503 or 1975年3月."""
    cleaned = normal(text)
    for pattern in _BIRTH:
        match = pattern.fullmatch(cleaned)
        if match is None or not 1 <= int(match[2]) <= 12:
            continue
        born = YearMonth(int(match[1]), int(match[2]))
        if as_of.index - born.index < MIN_AGE_YEARS * 12:
            raise BadInputError("too_young", years=MIN_AGE_YEARS)
        try:
            retirement(born, Category.MALE)  # the reform's tables cover the birth years we serve
        except PensionError:
            raise BadInputError("birth_range") from None
        return born
    raise BadInputError("bad_birth")


def months_paid(text: str, birth: YearMonth, as_of: YearMonth) -> int:
    """Years paid typed as 8, 8年, 8.5, 8年6个月, 96个月 or 没交过, in months."""
    cleaned = normal(text).replace(" ", "")
    if cleaned in _NONE:
        return check_months(0, birth, as_of)
    for pattern in _YEARS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            months = int(Decimal(match[1] or "0") * 12) + int(match[2] or "0")
            return check_months(months, birth, as_of)
    raise BadInputError("bad_years")


def check_months(months: int, birth: YearMonth, as_of: YearMonth) -> int:
    """`months`, unless it exceeds the months since the person turned 16."""
    most = max(0, as_of.index - birth.index - MIN_AGE_YEARS * 12)
    if months > most:
        raise BadInputError("years_too_many", years=most // 12)
    return months


def category(text: str) -> Category:
    """A category typed instead of pressed: only 男 is unambiguous."""
    found = _CATEGORY_WORDS.get(normal(text))
    if found is None:
        raise BadInputError("press_button")
    return found


def scheme(text: str) -> Scheme:
    """A scheme typed instead of pressed (职工, 居民, …)."""
    found = _SCHEME_WORDS.get(normal(text).removesuffix("养老保险"))
    if found is None:
        raise BadInputError("press_button")
    return found


def level(text: str, choices: tuple[Decimal, ...], *, percent: bool) -> Decimal:
    """A base (60, 60%, 0.6) or a tier (200, 200元) typed instead of pressed."""
    cleaned = normal(text).replace(" ", "").removesuffix("%").removesuffix("元")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BadInputError("press_button") from None
    if percent and value > 3:
        value = value / 100
    for choice in choices:
        if choice == value:
            return choice
    raise BadInputError("press_button")
