"""Answer a resident's question from the knowledge base, or say honestly that we do not know.

The retriever ranks entries (BM25 over every phrasing); the confidence is how much of the
question the best phrasing accounts for. At or above the calibrated threshold the entry's answer
is given; below it the resident gets an honest "not sure", the 12333 hotline and an offer to pass
the question to outreach staff. Two more rules keep answers honest:

- a question about the resident's own money matches an entry with `route: estimate`: the caller
  runs the pension estimator with the resident's data (never a canned amount);
- a question that names another province gets no province-dependent answer: our entries give
  the national rule, which may not hold there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from faq.bm25 import BM25Index
from faq.knowledge import Entry, load_entries
from faq.text import normalise, prepare, terms

#: Used when no calibration file is shipped.
DEFAULT_THRESHOLD = 0.5

NOT_SURE = (
    "这个问题我没有把握回答，怕说错耽误您。您可以拨打 12333 人社服务热线咨询，"
    "或者回复“转人工”，我们请工作人员联系您。"
)
NOT_SURE_EN = (
    "I'm not sure about this one and would rather not guess. Please call the 12333 hotline, "
    "or reply 转人工 and a staff member will contact you."
)
OTHER_PROVINCE = (
    "各地政策不完全一样，外省的具体规定我这里没有。请拨打 12333（可转当地）咨询，"
    "或者回复“转人工”，我们请工作人员联系您。"
)

PROVINCES = tuple(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "  # noqa: SIM905
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split()
)


@dataclass(frozen=True, slots=True)
class Answered:
    entry: Entry
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "answer": self.entry.answer,
            "entry": self.entry.id,
            "confidence": round(self.confidence, 3),
        }
        if self.entry.route:
            data["route"] = self.entry.route
        return data


@dataclass(frozen=True, slots=True)
class Abstained:
    answer: str
    answer_en: str
    confidence: float
    reason: str  # "low_confidence" | "other_province" | "empty"
    nearest: str | None = None  # the best entry's id, for staff handling the hand-off

    def as_dict(self) -> dict[str, Any]:
        return {
            "abstained": True,
            "answer": self.answer,
            "answer_en": self.answer_en,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


Reply = Answered | Abstained


def calibration_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "calibration.json"))


def shipped_threshold() -> float:
    """The threshold `faq.calibrate` chose on the tuning questions (a default without one)."""
    path = calibration_path()
    if not path.exists():
        return DEFAULT_THRESHOLD
    return float(json.loads(path.read_text("utf-8"))["threshold"])


class Answerer:
    """Answers questions from one knowledge base; build once per process."""

    def __init__(
        self,
        entries: tuple[Entry, ...] | None = None,
        *,
        threshold: float | None = None,
        province: str | None = None,
    ) -> None:
        prepare()
        self.entries = entries if entries is not None else load_entries()
        self.threshold = shipped_threshold() if threshold is None else threshold
        self.province = province
        # One document per entry: its question and every phrasing together. Whole entries
        # ranked the right one first for 78% of our questions, against 63% when each phrasing
        # was a document of its own (residents mix the words of several phrasings).
        docs = [
            [t for text in (entry.question, *entry.phrasings) for t in terms(text)]
            for entry in self.entries
        ]
        self.index = BM25Index(docs)

    def score(self, question: str) -> tuple[Entry | None, float]:
        """The best entry for `question` and the confidence in it (0..1)."""
        query = terms(question)
        hits = self.index.search(query, limit=1)
        if not hits:
            return None, 0.0
        best = hits[0]
        return self.entries[best.entry], self.index.coverage(query, best.entry)

    def ask(self, question: str) -> Reply:
        if not question.strip():
            return Abstained(NOT_SURE, NOT_SURE_EN, 0.0, "empty")
        entry, confidence = self.score(question)
        if entry is None or confidence < self.threshold:
            return Abstained(
                NOT_SURE,
                NOT_SURE_EN,
                confidence,
                "low_confidence",
                entry.id if entry else None,
            )
        if entry.varies_by_province and self._names_other_province(question):
            return Abstained(OTHER_PROVINCE, NOT_SURE_EN, confidence, "other_province", entry.id)
        return Answered(entry, confidence)

    def _names_other_province(self, question: str) -> bool:
        text = normalise(question)
        return any(p in text for p in PROVINCES if not (self.province and p in self.province))
