"""Masking of personal identifiers (ID numbers, mobile phones) in any text."""

from __future__ import annotations

import re

# An 18-character resident ID number: 17 digits and a check character, not inside a longer number.
# Letters may touch it ("ID532504…", "sfz…"): only digits make it part of something else.
_ID_RE = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
# A 15-digit first-generation ID number.
_ID15_RE = re.compile(r"(?<!\d)(\d{4})\d{7}(\d{4})(?!\d)")
# A mainland mobile number, possibly with a +86/0086/86 prefix and spaces or dashes inside.
_PHONE_RE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")


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


def mask_text(text: str) -> str:
    """Mask every ID number and mobile phone that appears anywhere in free text."""
    text = _ID_RE.sub(lambda m: f"{m[1]}{'*' * 10}{m[2][-4:]}", text)
    text = _PHONE_RE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    return _ID15_RE.sub(lambda m: f"{m[1]}{'*' * 7}{m[2]}", text)
