"""The SMS form of a knowledge-base answer: plain text within the reply's limit of SMS parts.

A knowledge-base answer is written for a phone screen, but an SMS reply is billed per part and
capped (`max_sms_parts`). The short form is the whole answer when it fits; otherwise the longest
run of whole sentences from its start that fits with a pointer to 12333 for the rest. An answer
that depends on the province keeps the caveat ("以当地规定为准"): when the kept sentences do
not carry it, the pointer does. What fits is the caller's test (`fits`), which renders the
approved reply template with its signature and counts parts as carriers do.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Appended when sentences were left out.
MORE = "更多请拨打12333咨询。"
#: Appended when the answer depends on the province and the kept text does not say so.
LOCAL = "具体以当地规定为准，可拨打12333咨询。"
#: Phrases that already carry the provincial caveat.
CAVEAT_MARKERS = ("以当地规定为准", "以当地为准", "以当地的规定为准", "各地规定不同", "各地不一样")

_SENTENCE = re.compile(r".+?(?:[。！？!?]+[”’」）)]*|$)", re.DOTALL)
_SPACE = re.compile(r"\s+")
_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_TERMINATORS = "。！？!?”’」）)"


def plain(text: str) -> str:
    """One line of plain text: runs of white space folded, none left between Chinese
    characters, and 【】 (which would read as a second signature) replaced by 「」."""
    folded = _SPACE.sub(" ", text).strip()
    folded = _BETWEEN_WIDE.sub("", folded)
    return folded.replace("【", "「").replace("】", "」")


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence end (。！？, with any closing quote after it)."""
    return [s for s in (m.group(0) for m in _SENTENCE.finditer(text)) if s.strip()]


def has_caveat(text: str) -> bool:
    return any(marker in text for marker in CAVEAT_MARKERS)


def short_answer(
    answer: str, *, varies_by_province: bool, fits: Callable[[str], bool]
) -> str | None:
    """The SMS form of `answer`, or None when not even its first sentence fits."""
    text = plain(answer)
    if not text:
        return None
    full = text
    if varies_by_province and not has_caveat(text):
        full = _closed(text) + LOCAL
    if fits(full):
        return full
    pieces = sentences(text)
    best: str | None = None
    for count in range(1, len(pieces)):
        head = "".join(pieces[:count])
        suffix = LOCAL if varies_by_province and not has_caveat(head) else MORE
        candidate = _closed(head) + suffix
        if not fits(candidate):
            break
        best = candidate
    return best


def _closed(text: str) -> str:
    """`text` ending with a sentence end, so that the pointer starts a sentence of its own."""
    text = text.rstrip("，,；;：: ")
    return text if text.endswith(tuple(_TERMINATORS)) else text + "。"
