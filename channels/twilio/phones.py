"""Phone numbers between our 11-digit mainland form and Twilio's E.164 form (+86…)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s()-]")
_MAINLAND = re.compile(r"1[3-9]\d{9}")


def to_e164(phone: str) -> str:
    """The E.164 form Twilio wants in To: an 11-digit mainland number gets +86.

    Anything that is not a mainland mobile number is passed on as written (with a + added to a
    bare country-coded number), so that the gateway, not we, refuses it with its own code.
    """
    compact = _SEPARATORS.sub("", phone)
    if compact.startswith("+"):
        return compact
    if compact.startswith("0086"):
        return "+" + compact[2:]
    if compact.startswith("86") and len(compact) == 13:
        return "+" + compact
    return "+86" + compact


def from_e164(phone: str) -> str:
    """Our form of a number Twilio writes: +8613800138000 → 13800138000.

    Numbers from outside the mainland (a resident replying from abroad) stay in E.164.
    """
    compact = _SEPARATORS.sub("", phone)
    for prefix in ("+86", "0086", "86"):
        if compact.startswith(prefix) and len(compact) == len(prefix) + 11:
            return compact[len(prefix) :]
    return compact


def is_mainland_mobile(phone: str) -> bool:
    """True for an 11-digit mainland mobile number (1, then 3-9, then nine digits)."""
    return _MAINLAND.fullmatch(phone) is not None
