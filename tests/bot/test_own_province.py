"""The knowledge base knows which province the service serves: the bot's (BOT_PROVINCE) and the
SMS replies' (REPLY_PROVINCE), each given as a pinyin code or a Chinese name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from campaigns import ReplySettings
from chat import own_province_answerer
from faq import Abstained, Answered
from worker import FaqKnowledge

QUESTION = "在云南送外卖的养老保险怎么交"


def test_the_bots_own_province_gets_its_answer_and_another_is_referred() -> None:
    assert isinstance(own_province_answerer("yunnan").ask(QUESTION), Answered)
    for elsewhere in ("guangdong", "national"):
        reply = own_province_answerer(elsewhere).ask(QUESTION)
        assert isinstance(reply, Abstained)
        assert reply.reason == "other_province", elsewhere


def test_the_sms_replies_take_the_province_as_code_or_name() -> None:
    """REPLY_PROVINCE=yunnan, as .env.example shows it, means the same as 云南."""
    for given in ("yunnan", "云南", "云南省"):
        assert ReplySettings(province=given).province == "yunnan"
        verdict = FaqKnowledge(ReplySettings(province=given).province)(QUESTION)
        assert verdict.reason is None, given  # answered, not referred away
    assert FaqKnowledge("guangdong")(QUESTION).reason == "other_province"


def test_an_unknown_reply_province_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="REPLY_PROVINCE"):
        ReplySettings(province="yunan")
