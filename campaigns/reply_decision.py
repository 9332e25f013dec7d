"""What to do with a resident's SMS question, from what the knowledge base said about it.

campaigns/ does not import faq/ (faq answers text for any channel; the composition root adapts
`faq.Answerer` to a `Knowledge` function returning a `Verdict`). The decision:

- an answer given with confidence, whose SMS form fits the reply's part limit → answer by SMS;
- an abstention, a question about the resident's own money (`route: estimate`: SMS cannot run
  the estimator), an answer too long for even one sentence in an SMS, or a text too short to be
  a real question → the question stays with staff and the resident is told they will follow up;
  when the knowledge base knows where such a question is answered (a subject it does not cover,
  such as unemployment benefit: `referral`), the resident is told that instead, by SMS;
- a plain acknowledgement ("好的", "谢谢", "收到") → no SMS at all: it asked nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from campaigns.reply_text import short_answer


@dataclass(frozen=True, slots=True)
class Verdict:
    """The knowledge base's word on one question.

    `answer` is None when it abstained; `entry` is then the nearest entry (if any), otherwise
    the entry answered with. `route` "estimate" marks a question about the resident's own money.
    """

    entry: str | None
    confidence: float
    answer: str | None = None
    varies_by_province: bool = False
    route: str | None = None
    reason: str | None = None  # why it abstained (low_confidence, not_covered, other_province …)
    #: For an abstention on a subject the knowledge base does not cover: one sentence saying
    #: where the resident can ask instead.
    referral: str | None = None


Knowledge = Callable[[str], Verdict]


class Triage(StrEnum):
    """What became of a question (stored in inbound_messages.triage)."""

    ANSWERED = "answered"  # answered by SMS; left the staff queue
    ABSTAINED = "abstained"  # the knowledge base was not sure (or the text is too short)
    ESTIMATE = "estimate"  # the resident's own money: staff, with the estimator
    TOO_LONG = "too_long"  # no sentence of the answer fits the part limit
    NO_GATEWAY = "no_gateway"  # no SMS gateway of this deployment may send an answer
    NOT_A_QUESTION = "not_question"  # "好的", "谢谢": nothing to answer, no SMS
    UNKNOWN_SENDER = "unknown_sender"  # not one resident of the ledger: staff decide
    SUPPRESSED = "suppressed"  # the sender said stop: no SMS, staff decide


#: Outcomes that leave the question with staff and tell the resident so.
HANDED_OFF = frozenset({Triage.ABSTAINED, Triage.ESTIMATE, Triage.TOO_LONG, Triage.NO_GATEWAY})


@dataclass(frozen=True, slots=True)
class Decision:
    triage: Triage
    #: the SMS form of the answer, when answered; for a hand-off, the referral to send (if any)
    text: str | None = None
    reason: str | None = None  # for an abstention: why


#: Replies that acknowledge and ask nothing (after dropping spaces and punctuation).
ACKNOWLEDGEMENTS = frozenset(
    """
    好 好的 好滴 好嘞 好吧 嗯 嗯嗯 哦 噢 行 可以 知道 知道了 晓得了 明白 明白了 收到 已收到
    谢谢 谢谢你 谢谢你们 谢谢了 多谢 感谢 好的谢谢 好的收到 收到谢谢 OK OKAY 好的知道了
    """.split()  # noqa: SIM905 - a table reads better as text
)
#: After a referral: the question stays with staff all the same.
STAFF_TOO = "工作人员也会联系您。"
#: Fewer meaningful characters than this cannot carry a question the answer could be sure of.
MIN_QUESTION_CHARS = 4

_NOISE = re.compile(r"[\s\W_]+")


def meaningful(text: str) -> str:
    """The text without spaces and punctuation, full-width forms folded, upper-cased."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()


def is_acknowledgement(text: str) -> bool:
    return meaningful(text) in ACKNOWLEDGEMENTS


def decide(
    question: str, verdict: Verdict, fits: Callable[[str], bool], *, can_answer: bool = True
) -> Decision:
    """Answer by SMS, hand to staff, or do nothing (see the module's docstring); `can_answer`
    False: no SMS gateway of this deployment may send an answer, so answers go to staff."""
    if is_acknowledgement(question):
        return Decision(Triage.NOT_A_QUESTION)
    if len(meaningful(question)) < MIN_QUESTION_CHARS:
        return Decision(Triage.ABSTAINED, reason="too_short")
    if verdict.answer is None:
        reason = verdict.reason or "low_confidence"
        referral = f"{verdict.referral}{STAFF_TOO}" if verdict.referral else None
        if referral and can_answer and fits(referral):
            return Decision(Triage.ABSTAINED, text=referral, reason=reason)
        return Decision(Triage.ABSTAINED, reason=reason)
    if verdict.route == "estimate":
        return Decision(Triage.ESTIMATE, reason="estimate")
    if not can_answer:
        return Decision(Triage.NO_GATEWAY, reason="no_gateway")
    text = short_answer(verdict.answer, varies_by_province=verdict.varies_by_province, fits=fits)
    if text is None:
        return Decision(Triage.TOO_LONG, reason="too_long")
    return Decision(Triage.ANSWERED, text=text)
