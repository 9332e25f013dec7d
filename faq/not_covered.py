"""Subjects next to ours that the knowledge base does not answer, and where to send residents.

Questions about the social security card, unemployment benefit, reimbursement rates or land
compensation share most of their words with our entries (社保卡, 报销, 补贴, 征地), so the
best-covered entry used to be answered, or abstained on only by the threshold, which then had to
be set high enough to abstain on many questions we do answer. Each subject here is ranked
like an entry, from its own phrasings; when one ranks first the resident is told plainly that we
cannot answer it reliably, where to ask instead, and that staff can follow up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from faq.knowledge import KnowledgeBaseError, read_list

#: Where a resident can ask instead: the two hotlines of FAQ_FACTS.md, or the township's
#: service point for what neither office handles (social assistance, land, licences).
ASK = {
    "12333": ("拨打 12333 人社服务热线咨询", "call the 12333 hotline"),
    "12393": (
        "拨打 12393 医保服务热线咨询（各地以当地为准，打不通可打 12333）",
        "call the 12393 medical-insurance hotline (or 12333 where it is not available)",
    ),
    "township": (
        "到乡镇（街道）便民服务中心问，或拨打 12333 咨询",
        "ask at your township's service centre, or call the 12333 hotline",
    ),
}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    subject: str  # Chinese, as it reads inside a sentence
    subject_en: str
    ask: str  # a key of ASK
    phrasings: tuple[str, ...]

    def where(self, language: str = "zh") -> str:
        zh, en = ASK[self.ask]
        return en if language == "en" else zh

    def referral(self) -> str:
        """One short sentence for an SMS: which subject we cannot answer, and where to ask."""
        return f"{self.subject}的具体问题我们这里答不准，建议您{self.where()}。"


def default_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "not_covered.yaml"))


def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    """Every subject of the file (the shipped one by default), checked."""
    data = read_list(path or default_path(), "不答话题表", "subjects file")
    topics = tuple(_topic(item, n) for n, item in enumerate(data, start=1))
    ids = [t.id for t in topics]
    if len(set(ids)) != len(ids):
        raise KnowledgeBaseError("不答话题 id 重复", "duplicate subject id")
    return topics


def _topic(item: Any, n: int) -> Topic:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise KnowledgeBaseError(f"不答话题第 {n} 条格式错误", f"subject {n} is malformed")
    ident: str = item["id"]
    subject, phrasings, ask = item.get("subject"), item.get("phrasings"), item.get("ask")
    subjects = _texts(subject)
    lines = _texts(phrasings)
    problems = [
        name
        for name, bad in (
            ("id", not _ID.match(ident)),
            ("subject", len(subjects) != 2),
            ("phrasings", not lines),
            ("ask", ask not in ASK),
        )
        if bad
    ]
    if problems:
        raise KnowledgeBaseError(
            f"不答话题“{ident}”的 {'、'.join(problems)} 无效",
            f"subject '{ident}': bad {', '.join(problems)}",
        )
    return Topic(ident, subjects[0], subjects[1], str(ask), lines)


def _texts(value: Any) -> tuple[str, ...]:
    """`value` as a tuple of non-empty texts; empty when it is anything else."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return ()
    return tuple(v.strip() for v in value)
