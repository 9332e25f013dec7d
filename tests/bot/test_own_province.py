"""The bot's knowledge base knows which province it serves (BOT_PROVINCE)."""

from __future__ import annotations

from chat import own_province_answerer
from faq import Abstained, Answered

QUESTION = "在云南送外卖的养老保险怎么交"


def test_the_bots_own_province_gets_its_answer_and_another_is_referred() -> None:
    assert isinstance(own_province_answerer("yunnan").ask(QUESTION), Answered)
    for elsewhere in ("guangdong", "national"):
        reply = own_province_answerer(elsewhere).ask(QUESTION)
        assert isinstance(reply, Abstained)
        assert reply.reason == "other_province", elsewhere
