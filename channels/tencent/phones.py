"""Mainland mobile numbers between our 11-digit form and Tencent's E.164 form."""

from __future__ import annotations

import re

_MAINLAND = re.compile(r"1[3-9]\d{9}")


def to_e164(phone: str) -> str:
    """`+86` and the 11 digits for a mainland number; anything else is passed on as given."""
    digits = phone.strip()
    if _MAINLAND.fullmatch(digits):
        return f"+86{digits}"
    return digits


def normalise_phone(phone: str, nationcode: str = "86") -> str:
    """The 11-digit mainland form of `phone` (stripping +86, 0086, 86); others keep a `+` code."""
    value = re.sub(r"[\s-]", "", phone)
    code = nationcode.strip().lstrip("+") or "86"
    if code != "86":
        return value if value.startswith("+") else f"+{code}{value}"
    for prefix in ("+86", "0086", "86"):
        if value.startswith(prefix) and _MAINLAND.fullmatch(value[len(prefix) :]):
            return value[len(prefix) :]
    return value


def is_mainland(phone: str) -> bool:
    """True for an 11-digit mainland mobile number."""
    return _MAINLAND.fullmatch(phone) is not None
