"""Whether a resident's message asks us to stop: the same words on SMS and in the chat."""

from __future__ import annotations

import re
import unicodedata

#: Messages that mean "stop sending me messages" (after trimming spaces and punctuation).
STOP_WORDS = frozenset({"T", "TD", "N", "R", "退订", "退定", "取消", "不要再发", "拒收", "STOP"})


def is_stop(text: str) -> bool:
    """Whether `text` asks us to stop ("TD", "td。", " 退订 ", "T", "/stop" ...)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    cleaned = re.sub(r"[\s\W_]+", "", cleaned)
    return cleaned in STOP_WORDS
