"""Resident ID numbers (GB 11643-1999) and mainland mobile numbers: parse, check, derive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from core.errors import BilingualError
from ledger.codes import Sex

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# Full-width digits and letters typed by Chinese input methods mean their ASCII forms.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－　", "0123456789Xx+- ")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


def _digits(text: str) -> bool:
    # str.isdigit is true for Arabic-Indic, Devanagari and superscript digits too: int() then
    # fails on superscripts and accepts the others, which would store a number no one can match.
    return text.isascii() and text.isdigit()


class IdentityError(BilingualError):
    """A value that cannot be a valid ID number or phone, and why."""


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A checked 18-character ID number and what it says about its holder."""

    value: str
    birth_date: date
    sex: Sex

    @property
    def division_code(self) -> str:
        """The six-digit administrative division where the number was issued."""
        return self.value[:6]


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"need 17 ASCII digits, got {len(first17)} characters")
    return _CHECK_CHARS[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """Normalise and check an ID number; raise IdentityError with the precise reason."""
    # Nearly every cell is already clean: skip the normalising passes for those (import hot path).
    clean = len(raw) == 18 and raw.isascii() and raw[:17].isdigit()
    text = raw.upper() if clean else raw.translate(_FULL_WIDTH).strip().replace(" ", "").upper()
    if not text:
        raise IdentityError("身份证号为空", "ID number is empty")
    if not clean and (_SCIENTIFIC.match(text) or (text.endswith(".0") and _digits(text[:-2]))):
        raise IdentityError(
            "身份证号被表格软件存成了数字，末几位已丢失；请把该列设为“文本”格式后重新导出",
            "the ID number was stored as a number by the spreadsheet and lost its last digits; "
            "format the column as text and export again",
        )
    if len(text) == 15 and _digits(text):
        raise IdentityError(
            "这是15位旧身份证号，请换成18位新号码",
            "this is an old 15-digit ID number; use the 18-digit one",
        )
    if len(text) != 18:
        raise IdentityError(
            f"身份证号应为18位，实际{len(text)}位",
            f"ID number must have 18 characters, not {len(text)}",
        )
    first17, last = text[:17], text[17]
    if not _digits(first17) or not (_digits(last) or last == "X"):
        raise IdentityError(
            "身份证号只能是17位数字加1位数字或X", "ID number must be 17 digits and a digit or X"
        )
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdentityError(
            "身份证号第7–14位的出生日期不存在", "the birth date in digits 7–14 does not exist"
        ) from None
    if birth > today or birth.year < 1900:
        raise IdentityError(
            "身份证号第7–14位的出生日期不合理（晚于今天或早于1900年）",
            "the birth date in digits 7–14 is impossible (after today or before 1900)",
        )
    expected = check_character(first17)
    if last != expected:
        raise IdentityError(
            "身份证号校验位不符，可能有数字录错",
            "check character does not match; a digit is likely wrong",
        )
    sex = Sex.MALE if int(text[16]) % 2 else Sex.FEMALE
    return IdNumber(value=text, birth_date=birth, sex=sex)


def parse_phone(raw: str) -> str:
    """Normalise a mainland mobile number to its 11 digits; raise IdentityError if it is not one."""
    text = _PHONE_SEPARATORS.sub("", raw.translate(_FULL_WIDTH))
    if text.endswith(".0") and _digits(text[:-2]):
        text = text[:-2]  # a number cell read back from a spreadsheet
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    if not _digits(text):
        raise IdentityError("手机号只能包含数字", "phone must contain digits only")
    if len(text) != 11:
        raise IdentityError(
            f"手机号应为11位，实际{len(text)}位", f"phone must have 11 digits, not {len(text)}"
        )
    if text[0] != "1" or text[1] not in "3456789":
        raise IdentityError(
            "不是有效的手机号（应以13–19开头）", "not a mainland mobile number (must start 13–19)"
        )
    return text
