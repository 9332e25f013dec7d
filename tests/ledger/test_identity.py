"""ID numbers and mobile phones: what the ledger accepts, derives and rejects, and why."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger import IdentityError, Sex, check_character, parse_id_number, parse_phone
from tests.conftest import TODAY

_TO_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_DIGITS = "0123456789"
_PHONE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
_REASON_CHECK_CHARACTER = "校验位"
_REASON_BIRTH_DATE = "出生日期"
_REASON_SPREADSHEET = "表格软件"
_OTHER_SCRIPT_DIGITS = ["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "⁰¹²³⁴⁵⁶⁷⁸⁹"]
_VALID = "532504199001011238"


def _id(division: str, birth: date, sequence: int) -> str:
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, date, int]:
    """A valid ID number, its birth date and its three-digit sequence number."""
    division = f"{draw(st.integers(0, 999_999)):06d}"
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    return _id(division, birth, sequence), birth, sequence


@st.composite
def id_numbers_ending_x(draw: st.DrawFn) -> str:
    """A valid ID number whose check character is X (about one in eleven are)."""
    division = f"{draw(st.integers(0, 999_999)):06d}"
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    endings = [n for n in range(1000) if _id(division, birth, n).endswith("X")]
    return _id(division, birth, draw(st.sampled_from(endings)))


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A valid 11-digit mainland mobile number."""
    second = draw(st.sampled_from("3456789"))
    rest = draw(st.text(_DIGITS, min_size=9, max_size=9))
    return f"1{second}{rest}"


def _reason(raw: str) -> str:
    with pytest.raises(IdentityError) as caught:
        parse_id_number(raw, today=TODAY)
    return caught.value.zh


def _phone_reason(raw: str) -> str:
    with pytest.raises(IdentityError) as caught:
        parse_phone(raw)
    return caught.value.zh


# ID numbers


def test_documented_example_checks() -> None:
    """A hand-checked number parses: weights 7 9 10 5 … on 11010519491231002 give check X."""
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex is Sex.FEMALE
    assert parsed.division_code == "110105"


@given(id_numbers())
def test_valid_number_parses_to_its_parts(case: tuple[str, date, int]) -> None:
    """A valid number comes back upper-cased with the birth date and sex it encodes."""
    number, birth, sequence = case
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.value == number.upper()
    assert parsed.birth_date == birth
    assert parsed.sex is (Sex.MALE if sequence % 2 else Sex.FEMALE)
    assert parsed.division_code == number[:6]


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_every_single_digit_substitution_is_detected(
    case: tuple[str, date, int], position: int, shift: int
) -> None:
    """Changing any one of the first 17 digits to another digit is rejected (MOD 11-2)."""
    number = case[0]
    wrong = str((int(number[position]) + shift) % 10)
    mutated = number[:position] + wrong + number[position + 1 :]
    reason = _reason(mutated)
    if position < 6 or position >= 14:
        # Outside the birth date nothing else can go wrong: the check character catches it.
        assert _REASON_CHECK_CHARACTER in reason
    else:
        assert _REASON_CHECK_CHARACTER in reason or _REASON_BIRTH_DATE in reason


@given(
    id_numbers(),
    st.integers(0, 17),
    st.characters(exclude_characters="0123456789Xx０１２３４５６７８９Ｘｘ"),
)
@example((_VALID, date(1990, 1, 1), 123), 2, "²")  # superscript two
@example((_VALID, date(1990, 1, 1), 123), 2, "٢")  # Arabic-Indic two, same value
@example((_VALID, date(1990, 1, 1), 123), 15, "२")  # Devanagari two, same value
def test_any_non_digit_character_is_rejected(
    case: tuple[str, date, int], position: int, char: str
) -> None:
    """Any character but a digit (or X last), in any one place, raises IdentityError."""
    number = case[0]
    assert parse_id_number(number, today=TODAY).value == number.upper()
    mutated = number[:position] + char + number[position + 1 :]
    with pytest.raises(IdentityError):
        parse_id_number(mutated, today=TODAY)


@given(id_numbers())
def test_check_character_is_never_silently_wrong(case: tuple[str, date, int]) -> None:
    """Each of the ten other check characters is rejected as a check-character mismatch."""
    number = case[0]
    for other in "0123456789X":
        if other == number[17]:
            continue
        assert _REASON_CHECK_CHARACTER in _reason(number[:17] + other)


@given(id_numbers_ending_x())
def test_lower_case_x_is_upper_case_x(number: str) -> None:
    """A lower-case x check character means X."""
    lower = parse_id_number(number.lower(), today=TODAY)
    assert lower == parse_id_number(number, today=TODAY)
    assert lower.value.endswith("X")


@given(id_numbers(), st.booleans())
def test_full_width_forms_parse_to_the_same_value(case: tuple[str, date, int], lower: bool) -> None:
    """Full-width digits and Ｘ/ｘ typed by an input method give the same ASCII number."""
    number = case[0]
    full = (number.lower() if lower else number).translate(_TO_FULL_WIDTH)
    assert parse_id_number(full, today=TODAY) == parse_id_number(number, today=TODAY)
    assert parse_id_number(full, today=TODAY).value.isascii()


def test_surrounding_and_inner_spaces_are_ignored() -> None:
    """Spaces around and inside a number (ASCII or full-width) do not change it."""
    number = _id("532504", date(1990, 1, 1), 123)
    spaced = f" {number[:6]} {number[6:14]}　{number[14:]}\t"
    assert parse_id_number(spaced, today=TODAY).value == number


@pytest.mark.parametrize(
    "birth",
    ["19990229", "19001301", "20210230", "19900431", "19900100", "19900000"],
)
def test_impossible_birth_dates_are_rejected(birth: str) -> None:
    """A birth date that does not exist (29 Feb 1999, month 13, 31 April) is named, not quoted.

    Quoting digits 7-14 beside a masked number would give away sixteen of its eighteen digits.
    """
    first17 = f"532504{birth}123"
    reason = _reason(first17 + check_character(first17))
    assert _REASON_BIRTH_DATE in reason
    assert "7–14" in reason
    assert birth not in reason


def test_leap_day_of_a_leap_year_is_accepted() -> None:
    """29 February exists in 2000 and 2024, so those numbers are valid."""
    for year in (2000, 2024):
        number = _id("532504", date(year, 2, 29), 7)
        assert parse_id_number(number, today=TODAY).birth_date == date(year, 2, 29)


@given(st.dates(min_value=date(2026, 11, 23), max_value=date(2099, 12, 31)))
def test_birth_date_after_today_is_rejected(birth: date) -> None:
    """A birth date after today, with a correct check character, is rejected as impossible."""
    reason = _reason(_id("532504", birth, 1))
    assert "不合理" in reason
    assert f"{birth:%Y%m%d}" not in reason


def test_born_today_is_accepted_and_before_1900_is_not() -> None:
    """Today is the last possible birth date; 31 Dec 1899 is before the first one."""
    assert parse_id_number(_id("532504", TODAY, 2), today=TODAY).birth_date == TODAY
    assert _REASON_BIRTH_DATE in _reason(_id("532504", date(1899, 12, 31), 2))


def test_fifteen_digit_number_asks_for_the_new_one() -> None:
    """An old 15-digit number is rejected with a reason that says so, not a length error."""
    reason = _reason("532504900101123")
    assert "15位" in reason
    assert "18位" in reason
    assert "实际" not in reason


@pytest.mark.parametrize(
    "mangled",
    [
        "5.32504E+17",
        "5.32504e+17",
        "5.32504199001012E+17",
        "5.32504E17",
        "532504199001011234.0",
        "532504199001011000.0",
    ],
)
def test_spreadsheet_mangled_numbers_say_format_as_text(mangled: str) -> None:
    """A number a spreadsheet stored as a float asks staff to re-export the column as text."""
    reason = _reason(mangled)
    assert _REASON_SPREADSHEET in reason
    assert "文本" in reason


@pytest.mark.parametrize(
    ("raw", "length"), [("53250419900101123", 17), ("5325041990010112345", 19)]
)
def test_wrong_length_gives_the_length(raw: str, length: int) -> None:
    """A number of the wrong length says how many characters it has."""
    assert f"实际{length}位" in _reason(raw)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_is_rejected(raw: str) -> None:
    """An empty or blank cell is reported as empty."""
    assert "为空" in _reason(raw)


@pytest.mark.parametrize("raw", ["53250419900101123A", "5325041990O1011234", "X32504199001011234"])
def test_letters_are_rejected(raw: str) -> None:
    """Letters other than a final X are rejected as not digits."""
    assert "只能是17位数字" in _reason(raw)


@pytest.mark.parametrize("digits", _OTHER_SCRIPT_DIGITS)
def test_digits_of_other_scripts_are_rejected(digits: str) -> None:
    """Arabic-Indic, Devanagari or superscript digits are not digits of an ID number."""
    number = _id("532504", date(1990, 1, 1), 123)
    mixed = number[:17].translate(str.maketrans(_DIGITS, digits)) + number[17]
    assert "只能是17位数字" in _reason(mixed)


@given(st.text(max_size=24))
@example("5325041990010112²4")
@example("13٨١٢٣٤٥٦٧٨٩٠١٢٣٤٥")
def test_any_text_parses_or_raises_identity_error(raw: str) -> None:
    """No input escapes as another exception, and whatever parses is 18 ASCII characters."""
    try:
        parsed = parse_id_number(raw, today=TODAY)
    except IdentityError:
        return
    assert re.fullmatch(r"[0-9]{17}[0-9X]", parsed.value)


# Phones


@given(
    phones(),
    st.sampled_from(["", "+86", "0086", "86", "+86 ", "+86-", "0086 ", "86-", "(+86) ", "（+86）"]),
    st.lists(st.sampled_from(["", "", "", " ", "-", "\u3000", "－"]), min_size=10, max_size=10),
    st.booleans(),
    st.sampled_from(["", " ", "\t"]),
)
def test_every_accepted_form_normalises_to_eleven_digits(
    phone: str, prefix: str, gaps: list[str], full_width: bool, padding: str
) -> None:
    """A mobile with any accepted prefix, separators or full-width digits gives its 11 digits."""
    body = phone[0] + "".join(gap + digit for gap, digit in zip(gaps, phone[1:], strict=True))
    raw = padding + prefix + body + padding
    if full_width:
        raw = raw.translate(str.maketrans("0123456789+", "０１２３４５６７８９＋"))
    assert parse_phone(raw) == phone


@given(phones())
def test_spreadsheet_float_phone_is_accepted(phone: str) -> None:
    """A phone read back from a number cell as '13812345678.0' is the same phone."""
    assert parse_phone(f"{phone}.0") == phone


@given(phones(), st.integers(1, 5))
def test_wrong_length_is_rejected(phone: str, cut: int) -> None:
    """Too few or too many digits is a length error giving the count."""
    assert f"实际{11 - cut}位" in _phone_reason(phone[:-cut])
    assert f"实际{11 + cut}位" in _phone_reason(phone + phone[:cut])


@given(st.sampled_from("012"), st.text(_DIGITS, min_size=9, max_size=9))
def test_wrong_second_digit_is_rejected(second: str, rest: str) -> None:
    """A number starting 10, 11 or 12 is not a mobile."""
    assert "13–19" in _phone_reason(f"1{second}{rest}")


@given(st.text(_DIGITS, min_size=10, max_size=10).filter(lambda t: t[0] != "1"))
def test_not_starting_with_one_is_rejected(text: str) -> None:
    """An 11-digit number that does not start with 1 (a landline, say) is not a mobile."""
    assert "13–19" in _phone_reason(f"{text[0]}{text}")


@given(phones(), st.integers(0, 10), st.sampled_from("aAxX#*/+"))
def test_letters_and_symbols_are_rejected(phone: str, position: int, char: str) -> None:
    """A letter or symbol in place of a digit is rejected as not digits only."""
    assert "只能包含数字" in _phone_reason(phone[:position] + char + phone[position + 1 :])


def test_prefix_without_a_full_number_is_not_stripped() -> None:
    """'86' is only a country code when eleven digits follow it."""
    assert "实际12位" in _phone_reason("861381234567")


@pytest.mark.parametrize("digits", _OTHER_SCRIPT_DIGITS)
def test_phone_digits_of_other_scripts_are_rejected(digits: str) -> None:
    """Arabic-Indic, Devanagari or superscript digits after '13' are not stored as a phone."""
    mixed = "13" + "812345678".translate(str.maketrans(_DIGITS, digits))
    assert "只能包含数字" in _phone_reason(mixed)


@given(st.text(max_size=20))
@example("13٨١٢٣٤٥٦٧٨")
@example("1３8١٢٣٤٥٦٧٨")
def test_any_text_parses_to_ascii_digits_or_raises(raw: str) -> None:
    """Whatever parse_phone returns is 11 ASCII digits starting 13–19; anything else raises."""
    try:
        phone = parse_phone(raw)
    except IdentityError:
        return
    assert _PHONE_SHAPE.fullmatch(phone)
