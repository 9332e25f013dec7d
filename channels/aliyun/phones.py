"""Mainland mobile numbers as the gateway writes them: 11 digits, no country code."""

from __future__ import annotations

import re

_MAINLAND = re.compile(r"1[3-9]\d{9}")


def normalise_phone(raw: str) -> str:
    """Strip spaces, dashes and a leading +86 / 0086 / 86 from a mainland number.

    Anything else is returned as it came (minus the separators), so that the gateway, not we,
    decides whether an odd number is valid and says so with its own code.
    """
    phone = re.sub(r"[\s-]", "", raw)
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) == len(prefix) + 11:
            return phone[len(prefix) :]
    return phone


def is_mainland_mobile(phone: str) -> bool:
    """True for an 11-digit mainland mobile number (1, then 3-9, then nine digits)."""
    return _MAINLAND.fullmatch(phone) is not None
