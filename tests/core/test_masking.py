"""Masking of ID numbers and mobile phones, alone and anywhere in free text."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core import mask_id_number, mask_phone, mask_text
from ledger import check_character
from tests.conftest import TODAY

_DIGITS = "0123456789"
_DIGIT = re.compile(r"\d")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """A valid 18-character ID number, its check character X or x when the sum says so."""
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    first17 = f"{draw(st.integers(0, 999_999)):06d}{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    check = check_character(first17)
    return first17 + (check.lower() if draw(st.booleans()) else check)


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A valid 11-digit mainland mobile number."""
    return "1" + draw(st.sampled_from("3456789")) + draw(st.text(_DIGITS, min_size=9, max_size=9))


@st.composite
def written_phones(draw: st.DrawFn) -> tuple[str, str]:
    """A phone as people write it (with or without a country code, in groups) and its digits."""
    phone = draw(phones())
    # A bare "86" is a prefix only when glued on: "86 138…" may be another figure and a phone.
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "0086 ", "86"]))
    groups = draw(st.sampled_from([(3, 7), (4, 7), (3, 6), (5, 11)]))
    sep = draw(st.sampled_from(["", " ", "-"]))
    a, b = groups
    return f"{prefix}{phone[:a]}{sep}{phone[a:b]}{sep}{phone[b:]}".rstrip(" -"), phone


# Surrounding text: anything, weighted towards what ledgers and logs hold around an identifier.
_SURROUNDING = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("身份证号码联系电话：，。；、（）【】《》“”！ 　-+:=#/_abcIDxX")),
    ),
    max_size=12,
)


def _no_identifier(text: str) -> bool:
    return mask_text(text) == text


def _prefixes() -> st.SearchStrategy[str]:
    # A digit right before an identifier makes it part of a longer number, which is no identifier.
    return _SURROUNDING.filter(lambda t: not t or not _DIGIT.match(t[-1])).filter(_no_identifier)


def _suffixes() -> st.SearchStrategy[str]:
    return _SURROUNDING.filter(lambda t: not t or not _DIGIT.match(t[0])).filter(_no_identifier)


# Single values


def test_ledger_examples() -> None:
    """The masked forms LEDGER.md shows: 5325**********1234 and 138****5678."""
    assert mask_id_number("532504199001011234") == "5325**********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_short_values_are_all_stars() -> None:
    """A value too short to keep its ends shows no character at all."""
    assert mask_id_number("1234567") == "*******"
    assert mask_phone("123456") == "******"
    assert mask_id_number("") == ""


@given(id_numbers())
def test_mask_id_number_keeps_only_the_ends(number: str) -> None:
    """An ID number keeps its first four and last four characters, ten stars between."""
    masked = mask_id_number(number)
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert number[4:14] not in masked


@given(phones())
def test_mask_phone_keeps_only_the_ends(phone: str) -> None:
    """A phone keeps its first three and last four digits, four stars between."""
    assert mask_phone(phone) == phone[:3] + "****" + phone[-4:]


# Free text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证号532504199001011234，请核实", "身份证号5325**********1234，请核实"),
        ("id=53250419900101123x;", "id=5325**********123x;"),
        ("电话13812345678。", "电话138****5678。"),
        ("tel: +86 138 1234 5678!", "tel: 138****5678!"),
        ("0086-138-1234-5678", "138****5678"),
        ("旧号532504900101123", "旧号5325*******1123"),
        (
            "张三 532504199001011234 13812345678 李四 13987654321",
            "张三 5325**********1234 138****5678 李四 139****4321",
        ),
    ],
)
def test_examples_in_text(text: str, masked: str) -> None:
    """IDs (18 and 15 digits, lower-case x) and phones are masked where they stand in a sentence."""
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "ID532504199001011234",
        "idcard53250419900101123Xabc",
        "sfz532504199001011234号",
        "用户A13812345678B",
        "旧号X532504900101123Y",
    ],
)
def test_identifiers_touching_letters_are_masked(text: str) -> None:
    """A letter right before or after an identifier does not shield it from masking."""
    masked = mask_text(text)
    assert "*" in masked
    assert not re.search(r"\d{7}", masked)


@given(_prefixes(), id_numbers(), _suffixes())
@example("ID:", "532504199001011234", "")
@example("ID", "532504199001011234", "")
@example("", "53250419900101123x", "abc")
def test_id_number_in_any_text_is_masked(prefix: str, number: str, suffix: str) -> None:
    """An ID number anywhere in text loses its middle ten digits; the text around survives."""
    masked = mask_text(prefix + number + suffix)
    assert masked == prefix + number[:4] + "*" * 10 + number[-4:] + suffix
    assert number[:14] not in masked


@given(_prefixes().filter(lambda t: not re.search(r"(\+|86[\s-]?)\Z", t)), written_phones())
@example("电话：", ("+86 138 1234 5678", "13812345678"))
@example("tel", ("13812345678", "13812345678"))
def test_phone_in_any_text_is_masked(prefix: str, written: tuple[str, str]) -> None:
    """A phone anywhere in text loses its middle four digits; the text around survives."""
    text, phone = written
    for suffix in ("", "，谢谢", " ok", "号"):
        masked = mask_text(prefix + text + suffix)
        assert masked == prefix + phone[:3] + "****" + phone[-4:] + suffix
        assert phone not in masked


@given(_prefixes(), phones(), _suffixes())
def test_phone_with_any_suffix_is_masked(prefix: str, phone: str, suffix: str) -> None:
    """A bare 11-digit phone followed by any text is masked and the text after it survives."""
    masked = mask_text(prefix + phone + suffix)
    assert masked.endswith(phone[:3] + "****" + phone[-4:] + suffix)
    assert phone not in masked


@pytest.mark.parametrize(
    "text",
    [
        "金额12345元",
        "2026-11-22",
        "2026年11月22日 13:45:12",
        "2026-11-22T13:45:12.345678+00:00",
        "订单 6222021234567890123",  # 19 digits: a bank card, not an ID
        "订单 62220212345678901",  # 17 digits
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # 11 digits, but 12 is not a mobile prefix
        "5325041990010112345",  # 19 digits
        "第3期，共12期，每期1,234.56元",
    ],
)
def test_numbers_that_are_not_identifiers_are_left_alone(text: str) -> None:
    """Amounts, dates, times and numbers of other lengths pass through unchanged."""
    assert mask_text(text) == text


@given(
    st.lists(
        st.one_of(
            st.dates().map(lambda d: f"{d:%Y-%m-%d}"),
            st.dates().map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
            st.decimals(0, 10**8, places=2).map(lambda a: f"{a}元"),
            st.integers(0, 10**9).map(str),
        ),
        max_size=6,
    ).map("、".join)
)
def test_amounts_and_dates_are_never_masked(text: str) -> None:
    """Dates and amounts up to ten digits, listed with '、', are never mistaken for identifiers."""
    assert mask_text(text) == text


def test_full_width_phone_is_masked() -> None:
    """Full-width digits are the same phone to a reader and are masked like ASCII ones."""
    assert mask_text("电话１３８１２３４５６７８") == "电话138****5678"


def test_bare_86_before_a_spaced_phone_stays_text() -> None:
    """'86 ' before a phone is kept as written; only the phone itself is masked."""
    assert mask_text("房号 86 13812345678") == "房号 86 138****5678"
