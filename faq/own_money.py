"""Whether a question asks how much the resident will get from their own pension.

Such a question goes to the pension estimator, which asks for the resident's own data (or reads
it from the ledger) and gives an estimate with its assumptions: never a canned amount. The
knowledge base's two `route: estimate` entries rank first for most of them, but the wording
varies without end ("退休后我一月拿多少", "等俺到岁数，一个月能拿多少钱") and the ranking is
often too close to another entry's for the confidence to answer: on our tuning questions 8 of
18 such questions were abstained on, while none was ranked to a wrong entry with confidence.

What makes a question one about the resident's own amount is plain from its wording, so it is
read from the wording, and only where the confidence alone would abstain (`Answerer.ask`): the
speaker (我, 俺, 自己 after normalising) with nobody else named (a spouse's, a parent's or a
neighbour's pension is not theirs to estimate), an amount received (领/拿/发 … 多少, 养老金 …
多少, 差多少钱 between two ways of paying) rather than an amount paid ("最低一年得交多少钱" asks
what to pay), and a word of pensions or later life. On the tuning questions it routes 6 more to
the estimator and none wrongly.
"""

from __future__ import annotations

import re

#: The resident speaking of themselves (俺 and 咱 read as 我 once normalised).
_SELF = re.compile(r"我|自己|自个")
#: Anyone else the question may be about: family, neighbours, third persons, "we".
_OTHERS = re.compile(
    "我们|老婆|老公|爱人|媳妇|丈夫|妻子|父亲|母亲|爸|妈|爷|奶|姥|外公|外婆|儿子|女儿|孩子|"
    "亲戚|大爷|大妈|大娘|婶|叔|阿姨|同事|朋友|他|她|家人|老人"
)
#: An amount received, not paid: 能领多少, 拿几个钱, 养老金大概有多少, 能有多少, 差多少钱.
_RECEIVED = re.compile(
    "(?:领|拿|发)(?:到|得)?个?(?:多少|几个钱|几千|几百)"
    "|养老金(?:大概|一共|能|会)?(?:有|是)?多少"
    "|能有多少"
    "|(?:差|多领|少领)多少钱"
)
#: Pensions or later life: the amount is a pension, not a wage or a benefit of today.
_LATER = re.compile("养老|退休|老了|到岁数|岁|以后|将来|每月|每个月|一个月|一月|交了|交满|缴费")


def asks_own_amount(text: str) -> bool:
    """Whether the normalised question `text` (faq.text.normalise) asks how much the resident
    will get from their own pension."""
    return bool(
        _SELF.search(text)
        and not _OTHERS.search(text)
        and _RECEIVED.search(text)
        and _LATER.search(text)
    )
