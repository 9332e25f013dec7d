"""Whether a chat message asks us to stop.

SMS has its own list (campaigns.receipts.STOP_WORDS): there "T", "N", "R" and 取消 are what
carriers and senders teach people to reply ("回T退订"). In a chat those are ordinary answers — a
dialogue's "取消" means "leave this dialogue", and a letter may answer a question — so the chat
stops only on words that cannot mean anything else, besides the /stop command.
"""

from __future__ import annotations

import re
import unicodedata

#: Chat messages that mean "stop sending me messages" (after trimming spaces and punctuation).
STOP_WORDS = frozenset({"TD", "退订", "退定", "不要再发", "拒收", "STOP", "取消订阅"})


def is_stop(text: str) -> bool:
    """Whether `text` asks us to stop ("TD", "td。", " 退订 ", "stop" ...)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    cleaned = re.sub(r"[\s\W_]+", "", cleaned)
    return cleaned in STOP_WORDS
