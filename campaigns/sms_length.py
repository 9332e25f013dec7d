"""How many billed SMS parts a text takes: GSM-7 160/153, otherwise UCS-2 70/67.

Gateways bill per part, and the planner caps parts per message, so the count must match what
carriers do: one character outside the GSM 03.38 alphabet switches the whole message to UCS-2;
a long message is cut into parts that carry a concatenation header (153 septets or 67 UCS-2
units each), and a cut never splits a GSM escape pair or a UTF-16 surrogate pair.
"""

from __future__ import annotations

#: GSM 03.38 default alphabet (one septet each); ESC (0x1B) is the escape, not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67


#: Both tables together: what a GSM-7 message may hold.
_GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` fits the GSM-7 alphabet (with its extension)."""
    # A set comparison runs in C: this is counted for every message a worker sends.
    return _GSM7_ALL.issuperset(text)


def _units(text: str) -> list[int]:
    """The cost of each character in the encoding the message will use."""
    if is_gsm7(text):
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    # UCS-2 on the wire is UTF-16: characters beyond the BMP (emoji) take a surrogate pair.
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _total(text: str, gsm7: bool) -> int:
    """`sum(_units(text))` without a list per character: counted in C."""
    if gsm7:
        return len(text) + sum(text.count(c) for c in GSM7_EXTENSION)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def sms_units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text occupies."""
    return _total(text, is_gsm7(text))


def sms_parts(text: str) -> int:
    """Billed parts of `text` (an empty text is still one message)."""
    gsm7 = is_gsm7(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm7 else (UCS2_SINGLE, UCS2_PART)
    total = _total(text, gsm7)
    if total <= single:
        return 1
    if total == len(text):
        return -(-total // part)  # every character costs one unit: no pair to keep whole
    parts, used = 1, 0
    for cost in _units(text):
        # A character that does not fit whole starts the next part (pairs are never split).
        if used + cost > part:
            parts += 1
            used = 0
        used += cost
    return parts
