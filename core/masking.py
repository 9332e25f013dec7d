"""Masking of personal identifiers (ID numbers, mobile phones) in any text."""

from __future__ import annotations

import re

# An 18-character resident ID number: 17 digits and a check character, not inside a longer number.
# Letters may touch it ("ID532504…", "sfz…"): only digits make it part of something else.
_ID_RE = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
# A 15-digit first-generation ID number.
_ID15_RE = re.compile(r"(?<!\d)(\d{4})\d{7}(\d{4})(?!\d)")
# A mainland mobile number, possibly with a +86/0086 prefix and spaces or dashes anywhere inside
# (people group digits 3-4-4, 4-3-4, 5-6…). A bare "86" counts only when glued to the number:
# "86 138…" may be an unrelated figure written before a phone.
_PHONE_RE = re.compile(r"(?<!\d)(?:(?:\+|00)86[\s-]?|86)?1[3-9](?:[\s-]?\d){9}(?!\d)")
_NOT_DIGIT = re.compile(r"\D")
# Full-width digits are the same number to a reader, so they are masked like ASCII ones.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def mask_id_number(value: str) -> str:
    """Return an ID number with only its first and last four characters shown."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Return an 11-digit phone with only its first three and last four digits shown."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _masked_phone(match: re.Match[str]) -> str:
    digits = _NOT_DIGIT.sub("", match[0])[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def mask_text(text: str) -> str:
    """Mask every ID number and mobile phone that appears anywhere in free text."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ID_RE.sub(lambda m: f"{m[1]}{'*' * 10}{m[2][-4:]}", text)
    text = _PHONE_RE.sub(_masked_phone, text)
    return _ID15_RE.sub(lambda m: f"{m[1]}{'*' * 7}{m[2]}", text)
