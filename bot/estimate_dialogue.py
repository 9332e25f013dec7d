"""The estimate dialogue's states and buttons.

Callback data (64 bytes at most, all under "est:"): c:<category>, s:<scheme>, r:<first year>
(a range of years paid; r:all for the list of ranges), y:<years>, l:<base or tier>, back,
cancel, cmp:<topic>, edit, edit:<field>.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.estimate_model import FIELDS, Answers
from bot.estimate_texts import ESTIMATE
from pension import Category, Scheme

PREFIX = "est:"
BACK = "est:back"
CANCEL = "est:cancel"
EDIT = "est:edit"
ALL_RANGES = "est:r:all"
#: Ranges of years paid offered as buttons (first, last); more than the last one is typed.
RANGES = ((1, 4), (5, 9), (10, 14), (15, 19), (20, 29))


class EstimateForm(StatesGroup):
    """One state per question; the answers so far are in the FSM data (`Answers`)."""

    birth = State()
    category = State()
    scheme = State()
    months = State()
    level = State()


STATES = {name: getattr(EstimateForm, name) for name in FIELDS}


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[at : at + width]) for at in range(0, len(buttons), width)]


def _keyboard(
    language: str, rows: Iterable[list[InlineKeyboardButton]], *, back: bool = True
) -> InlineKeyboardMarkup:
    """`rows` with the navigation row under them (back, where there is a step before)."""
    navigation = [_button(ESTIMATE(language, "cancel"), CANCEL)]
    if back:
        navigation.insert(0, _button(ESTIMATE(language, "back"), BACK))
    return InlineKeyboardMarkup(inline_keyboard=[*rows, navigation])


def navigation(language: str) -> InlineKeyboardMarkup:
    """Only cancel: the first question is typed."""
    return _keyboard(language, [], back=False)


def categories(language: str) -> InlineKeyboardMarkup:
    buttons = [_button(ESTIMATE(language, c.value), f"est:c:{c.value}") for c in Category]
    return _keyboard(language, [buttons[:1], buttons[1:]])


def schemes(language: str) -> InlineKeyboardMarkup:
    return _keyboard(
        language, [[_button(ESTIMATE(language, s.value), f"est:s:{s.value}")] for s in Scheme]
    )


def year_ranges(language: str) -> InlineKeyboardMarkup:
    buttons = [_button(ESTIMATE(language, "never_paid"), "est:y:0")]
    for low, high in RANGES[:-1]:
        text = ESTIMATE(language, "year_range", low=low, high=high)
        buttons.append(_button(text, f"est:r:{low}"))
    low = RANGES[-1][0]
    buttons.append(_button(ESTIMATE(language, "years_and_more", low=low), f"est:r:{low}"))
    return _keyboard(language, _rows(buttons, 3))


def range_of(low: int) -> tuple[int, int] | None:
    """The offered range starting at `low` (None for data no keyboard of ours carries)."""
    return next((pair for pair in RANGES if pair[0] == low), None)


def exact_years(language: str, low: int, high: int) -> InlineKeyboardMarkup:
    buttons = [
        _button(ESTIMATE(language, "one_year", years=years), f"est:y:{years}")
        for years in range(low, high + 1)
    ]
    other = [_button(ESTIMATE(language, "other_ranges"), ALL_RANGES)]
    return _keyboard(language, [*_rows(buttons, 5), other])


def level_label(language: str, scheme: Scheme, value: Decimal) -> str:
    """A base as a percentage (60%), a tier in yuan (200元)."""
    if scheme is Scheme.EMPLOYEE:
        return ESTIMATE(language, "base_button", percent=f"{value * 100:.0f}")
    return ESTIMATE(language, "tier_button", tier=f"{value:.0f}")


def levels(language: str, scheme: Scheme, choices: Sequence[Decimal]) -> InlineKeyboardMarkup:
    buttons = [_button(level_label(language, scheme, v), f"est:l:{v}") for v in choices]
    return _keyboard(language, _rows(buttons, 5 if scheme is Scheme.EMPLOYEE else 4))


def after_estimate(language: str, answers: Answers, *, comparable: bool) -> InlineKeyboardMarkup:
    """Comparisons (when the pension is still ahead) and a way to change the details."""
    rows: list[list[InlineKeyboardButton]] = []
    if comparable:
        topics = ["resume", "scheme"]
        if answers.scheme is Scheme.EMPLOYEE:
            topics.insert(0, "base")
        rows += [[_button(ESTIMATE(language, f"compare_{t}"), f"est:cmp:{t}")] for t in topics]
    rows.append([_button(ESTIMATE(language, "edit"), EDIT)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def edit_fields(language: str) -> InlineKeyboardMarkup:
    buttons = [_button(ESTIMATE(language, f"edit_{f}"), f"est:edit:{f}") for f in FIELDS]
    buttons.append(_button(ESTIMATE(language, "edit_all"), "est:edit:all"))
    return _keyboard(language, _rows(buttons, 3), back=False)
