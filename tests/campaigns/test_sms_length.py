"""SMS part counting: hand-computed boundaries and properties over arbitrary text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.sms_length import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, sms_parts, sms_units

BASIC = "".join(sorted(GSM7_BASIC))
EXTENSION = "".join(sorted(GSM7_EXTENSION))


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),  # 162 septets
        ("a" * 158 + "€", 1),  # 160 septets
        ("a" * 159 + "€", 2),  # 161 septets
        ("汉" * 70, 1),
        ("汉" * 71, 2),
        ("汉" * 134, 2),
        ("汉" * 135, 3),
        ("汉" * 150, 3),  # CHANNELS.md: 150 characters → 3
        ("a" * 69 + "汉", 1),  # one Chinese character makes the whole text UCS-2
        ("a" * 70 + "汉", 2),
        ("😀" * 35, 1),  # 70 UTF-16 units
        ("😀" * 36, 2),
        # 134 units would fit two parts, but the pair cannot take part 1's last unit.
        ("汉" * 66 + "😀" + "汉" * 66, 3),
    ],
)
def test_parts_at_the_boundaries(text: str, parts: int) -> None:
    assert sms_parts(text) == parts


def test_an_escape_pair_is_never_split() -> None:
    # 152 septets then a two-septet character: part 1 holds 152, the € opens part 2.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_units(text) == 306
    assert sms_parts(text) == 3


def test_gsm7_alphabet() -> None:
    assert is_gsm7("Hello @£$ {x} [1] ~ €")
    assert not is_gsm7("Hello 世界")
    assert not is_gsm7("ç")  # only the capital Ç is in the default alphabet
    assert sms_units("a{b") == 4


@given(st.text(alphabet=BASIC, max_size=700))
def test_basic_gsm7_text_follows_160_153(text: str) -> None:
    n = len(text)
    assert is_gsm7(text)
    assert sms_parts(text) == (1 if n <= 160 else math.ceil(n / 153))


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=500))
def test_chinese_text_follows_70_67(text: str) -> None:
    n = len(text)
    assert not is_gsm7(text) or n == 0
    assert sms_parts(text) == (1 if n <= 70 else math.ceil(n / 67))


@given(st.text(max_size=400), st.text(max_size=40))
def test_more_text_never_takes_fewer_parts_in_the_same_encoding(head: str, tail: str) -> None:
    if is_gsm7(head) == is_gsm7(head + tail):
        assert sms_parts(head + tail) >= sms_parts(head)


@given(st.text(alphabet=BASIC + EXTENSION, max_size=400))
def test_one_non_gsm_character_switches_to_ucs2(text: str) -> None:
    mixed = text + "汉"
    assert not is_gsm7(mixed)
    units = len(mixed)  # every character here is one UTF-16 unit
    assert sms_parts(mixed) == (1 if units <= 70 else math.ceil(units / 67))


@given(st.text(max_size=600))
def test_parts_cover_the_units(text: str) -> None:
    parts = sms_parts(text)
    per_part = (153 if parts > 1 else 160) if is_gsm7(text) else (67 if parts > 1 else 70)
    assert parts >= 1
    assert sms_units(text) <= parts * per_part


@given(st.text(max_size=600))
def test_units_are_each_characters_cost_summed(text: str) -> None:
    # Counted in C for speed; must equal the per-character definition.
    if is_gsm7(text):
        expected = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    else:
        expected = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    assert sms_units(text) == expected


@given(st.text(alphabet=BASIC + EXTENSION + "汉😀", max_size=500))
def test_parts_are_the_greedy_cut_of_the_units(text: str) -> None:
    # The shortcuts (one part; every character one unit) agree with cutting unit by unit.
    gsm7 = is_gsm7(text)
    costs = [
        (2 if c in GSM7_EXTENSION else 1) if gsm7 else (2 if ord(c) > 0xFFFF else 1) for c in text
    ]
    single, part = (160, 153) if gsm7 else (70, 67)
    parts, used = 1, 0
    if sum(costs) > single:
        for cost in costs:
            if used + cost > part:
                parts, used = parts + 1, 0
            used += cost
    assert sms_parts(text) == parts
