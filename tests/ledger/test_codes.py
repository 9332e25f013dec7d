"""Coded ledger values: every code reads back from what staff write, and nothing else does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import (
    Employment,
    Group,
    LabelledCode,
    MedicalScheme,
    PensionScheme,
    Sex,
    SpecialCategory,
    Status,
    UninsuredReason,
)
from ledger.codes import _NAMES

CODE_TYPES: list[type[LabelledCode]] = [
    Sex,
    Group,
    Status,
    Employment,
    SpecialCategory,
    UninsuredReason,
    PensionScheme,
    MedicalScheme,
]
MEMBERS = [member for code_type in CODE_TYPES for member in code_type]
ALIASES = [(code, name) for code, names in _NAMES for name in names]


def _id(member: LabelledCode) -> str:
    return f"{type(member).__name__}.{member.name}"


def test_every_subclass_is_covered() -> None:
    """The list above is every LabelledCode there is, so no enum escapes these tests."""
    assert set(LabelledCode.__subclasses__()) == set(CODE_TYPES)


@pytest.mark.parametrize("member", MEMBERS, ids=_id)
def test_parses_from_value_name_and_label(member: LabelledCode) -> None:
    """A code reads back from its stored value, its enum name and its Chinese label."""
    code_type = type(member)
    for text in (member.value, member.name, member.label):
        parsed = code_type.parse(text)
        assert parsed is member, text
        assert type(parsed) is code_type, text


@pytest.mark.parametrize(("member", "alias"), ALIASES, ids=lambda v: str(v))
def test_parses_from_every_alias(member: LabelledCode, alias: str) -> None:
    """Every alias seen in real ledgers reads back as its own code, of its own enum."""
    parsed = type(member).parse(alias)
    assert parsed is member
    assert type(parsed) is type(member)


@pytest.mark.parametrize("member", MEMBERS, ids=_id)
def test_label_is_chinese_and_listed_first(member: LabelledCode) -> None:
    """Each code has exactly one entry whose first name is its label, written in Chinese."""
    entries = [names for code, names in _NAMES if type(code) is type(member) and code is member]
    assert len(entries) == 1
    assert member.label == entries[0][0]
    assert not member.label.isascii()


def test_same_value_in_two_enums_keeps_two_labels() -> None:
    """Group.FLEXIBLE and Employment.FLEXIBLE share a value but not a label or a parse."""
    assert Group.FLEXIBLE.value == Employment.FLEXIBLE.value
    assert Group.FLEXIBLE.label == "灵活就业人员"
    assert Employment.FLEXIBLE.label == "灵活就业"
    assert type(Employment.parse("flexible")) is Employment
    assert type(Group.parse("flexible")) is Group
    assert Employment.parse("自主创业") is Employment.FLEXIBLE
    assert Group.parse("自主创业") is None


@pytest.mark.parametrize(
    ("code_type", "text", "expected"),
    [
        (Status, "无", Status.NEVER),
        (SpecialCategory, "无", SpecialCategory.NONE),
        (UninsuredReason, "学生", UninsuredReason.STUDENT),
        (Employment, "学生", Employment.STUDENT),
        (PensionScheme, "职工", PensionScheme.EMPLOYEE),
        (MedicalScheme, "居民", MedicalScheme.RESIDENT),
    ],
)
def test_shared_alias_parses_within_the_asked_enum(
    code_type: type[LabelledCode], text: str, expected: LabelledCode
) -> None:
    """An alias used by two enums parses as the member of the enum that was asked."""
    parsed = code_type.parse(text)
    assert parsed is expected
    assert type(parsed) is code_type


@pytest.mark.parametrize("code_type", CODE_TYPES, ids=lambda t: t.__name__)
def test_names_of_other_enums_never_parse_as_them(code_type: type[LabelledCode]) -> None:
    """Any value, label or alias of any enum parses as this enum's own member or as nothing."""
    everything = [m.value for m in MEMBERS] + [m.label for m in MEMBERS] + [a for _, a in ALIASES]
    for text in everything:
        parsed = code_type.parse(text)
        assert parsed is None or type(parsed) is code_type, text


@pytest.mark.parametrize(
    "text", ["", "   ", "未知", "男女", "maleish", "骑手们", "paying!", "其 他 人", "0", "null"]
)
def test_unknown_text_gives_none(text: str) -> None:
    """Text that is no code, name, label or alias of any enum gives None, not an error."""
    for code_type in CODE_TYPES:
        assert code_type.parse(text) is None


@given(st.text(max_size=12))
def test_parse_is_none_or_a_member_of_the_asked_enum(text: str) -> None:
    """Whatever the text, parse returns None or a member of the enum it was called on."""
    for code_type in CODE_TYPES:
        parsed = code_type.parse(text)
        assert parsed is None or type(parsed) is code_type


@pytest.mark.parametrize("member", MEMBERS, ids=_id)
def test_case_and_spaces_are_ignored(member: LabelledCode) -> None:
    """Upper case, spaces inside and full-width spaces around a name do not change its meaning."""
    code_type = type(member)
    assert code_type.parse(member.value.upper()) is member
    assert code_type.parse(f"  {member.name.title()} ") is member
    assert code_type.parse(" ".join(member.label)) is member
    assert code_type.parse(f"\u3000{member.label}\u3000\t") is member


@pytest.mark.parametrize("code_type", CODE_TYPES, ids=lambda t: t.__name__)
def test_choices_lists_every_label_with_its_code(code_type: type[LabelledCode]) -> None:
    """choices() lists 'label（code）' for every member, in order, separated by '、'."""
    listed = code_type.choices().split("、")
    assert listed == [f"{m.label}（{m.value}）" for m in code_type]
    assert len(listed) == len(list(code_type))


def test_choices_of_sex() -> None:
    """The choices for sex read exactly as staff see them in an error message."""
    assert Sex.choices() == "男（male）、女（female）"


def test_label_with_code_as_shown_in_messages_parses() -> None:
    """'男（male）', the form error messages list, parses when staff copy it back."""
    from ledger import Group, Sex

    assert Sex.parse("男（male）") is Sex.MALE
    assert Group.parse("外卖骑手 (rider)") is Group.RIDER
    assert Group.parse("外卖／快递员") is Group.RIDER
    assert Sex.parse("男　性") is Sex.MALE
