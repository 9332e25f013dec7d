"""What a resident's SMS question leads to, from the knowledge base's verdict."""

from __future__ import annotations

import pytest

from campaigns import Triage, Verdict, decide, sms_parts
from campaigns.reply_decision import STAFF_TOO, is_acknowledgement

ANSWER = "以前交的年限不会作废，个人账户的钱也保留。"
SURE = Verdict("lapse-years-kept", 0.8, answer=ANSWER)


def fits(text: str) -> bool:
    return sms_parts("【参保服务】张先生您好，关于您问的问题：" + text) <= 3


def test_a_sure_answer_is_sent_in_its_sms_form() -> None:
    decision = decide("断缴了三年，以前交的还算不算", SURE, fits)
    assert decision.triage is Triage.ANSWERED
    assert decision.text == ANSWER


def test_an_abstention_goes_to_staff_with_its_reason() -> None:
    verdict = Verdict("flexible-base", 0.3, reason="other_province")
    decision = decide("深圳灵活就业最低交多少", verdict, fits)
    assert decision.triage is Triage.ABSTAINED
    assert decision.reason == "other_province"
    assert decision.text is None


def test_a_subject_we_do_not_cover_is_referred_by_sms_and_stays_with_staff() -> None:
    """Where the knowledge base knows where a question is answered, the resident is told so by
    SMS, and the question stays with staff; without an answer template, or when the referral
    does not fit, it is an ordinary hand-off."""
    referral = "失业保险的具体问题我们这里答不准，建议您拨打 12333 人社服务热线咨询。"
    verdict = Verdict(None, 0.99, reason="not_covered", referral=referral)
    decision = decide("失业金能领几个月", verdict, fits)
    assert decision.triage is Triage.ABSTAINED
    assert decision.reason == "not_covered"
    assert decision.text == referral + STAFF_TOO
    assert decide("失业金能领几个月", verdict, fits, can_answer=False).text is None
    assert decide("失业金能领几个月", verdict, lambda text: False).text is None


def test_own_money_questions_go_to_staff_since_sms_cannot_run_the_estimator() -> None:
    verdict = Verdict("my-pension-amount", 1.0, answer="会用您的数据测算。", route="estimate")
    decision = decide("我退休以后能领多少钱", verdict, fits)
    assert decision.triage is Triage.ESTIMATE
    assert decision.text is None


def test_an_answer_with_no_sentence_that_fits_goes_to_staff() -> None:
    verdict = Verdict("x", 0.9, answer="很长" * 200 + "。")
    assert decide("断缴了三年，以前交的还算不算", verdict, fits).triage is Triage.TOO_LONG


@pytest.mark.parametrize("text", ["好的", "谢谢！", "收到。", " ok ", "好的，谢谢"])
def test_an_acknowledgement_is_not_a_question(text: str) -> None:
    assert is_acknowledgement(text)
    # Even when the knowledge base claims to be sure (short texts match anything).
    assert decide(text, SURE, fits).triage is Triage.NOT_A_QUESTION


@pytest.mark.parametrize("text", ["怎么交", "咋办？", "在吗"])
def test_a_text_too_short_to_be_sure_of_goes_to_staff(text: str) -> None:
    decision = decide(text, SURE, fits)
    assert decision.triage is Triage.ABSTAINED
    assert decision.reason == "too_short"
