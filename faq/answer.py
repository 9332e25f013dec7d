"""Answer a resident's question from the knowledge base, or say honestly that we do not know.

The retriever ranks entries (BM25 over every phrasing); the confidence is a model fitted on our
tuning questions (`faq.confidence`) of how the best entry won: how much of the question it
accounts for, by how much it beat the second, how strong its score is and how much the question
says. At or above the calibrated threshold the entry's answer is given; below it the resident
gets an honest "not sure", the 12333 hotline and an offer to pass the question to outreach
staff. More rules keep answers honest:

- a question about the resident's own money matches an entry with `route: estimate`: the caller
  runs the pension estimator with the resident's data (never a canned amount); one that asks
  in so many words how much the resident will get (`faq.own_money`) goes there even where the
  confidence alone would abstain;
- a question that names another province (or one of its big cities) gets no province-dependent
  answer: our entries give the national rule, which may not hold there;
- a question about a subject we never answer (weather, loans, taxes, medical advice, commercial
  insurance, another resident's affairs: OFF_TOPIC) is abstained on, whatever words it shares;
- a question closest to a subject next to ours that we do not answer (`faq.not_covered`: the
  social security card, unemployment benefit, reimbursement rates ...) is told so, with where
  to ask instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from faq.bm25 import BM25Index, informative
from faq.confidence import Confidence, Signals
from faq.knowledge import Entry, load_entries
from faq.not_covered import Topic, load_topics
from faq.own_money import asks_own_amount
from faq.text import normalise, normalised_terms, prepare, terms

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

NOT_COVERED = (
    "关于{subject}的具体问题，我这里没有可靠的答案，怕说错耽误您。您可以{where}，"
    "或者回复“转人工”，我们请工作人员联系您。"
)
NOT_COVERED_EN = (
    "I have no reliable answers about {subject} and would rather not guess. Please {where}, "
    "or reply 转人工 and a staff member will contact you."
)

VAGUE = (
    "您的问题有点简短，我怕理解错了。能说得具体些吗？比如“送外卖的怎么交养老保险”"
    "“断缴了三年，以前交的还算吗”“我以后能领多少钱”。也可以拨打 12333 咨询。"
)
VAGUE_EN = (
    "Your message is a little short and I'd rather not guess what you mean. Could you say more, "
    "for example “how do delivery riders pay into the pension?” or “I stopped paying for three "
    "years, does what I paid still count?” You can also call the 12333 hotline."
)
#: Least information a question must carry to be answered, in units of the rarest term's
#: weight (the IDF weight of its words and pairs, over the IDF of a term no entry has, so that
#: it does not depend on the knowledge base's size): "好的", "你好", "怎么交" or "医保" alone
#: match some phrasing completely, and full coverage of almost nothing is no evidence. With the
#: shipped knowledge base our tuning questions carry 3.4 at the least, and a terse real
#: question ("断缴了还能补吗") 1.5; greetings and one-word messages 0.2–1.05 ("多少钱").
MIN_INFORMATION = 1.2

PROVINCES = tuple(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "  # noqa: SIM905
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split()
)

#: Words of subjects the knowledge base never answers, whatever else a question shares with it
#: (a loan "with" social insurance is still a loan): weather, loans and credit, the housing
#: fund, taxes, medical advice, commercial insurance, job hunting, investments, chit-chat, and
#: other residents' affairs (a neighbour's pension is theirs to ask about, not ours to guess).
#: None of them may appear in an entry (tests/faq/test_shipped.py checks).
OFF_TOPIC = tuple(
    "天气 下雨 下雪 气温 带伞 刮风 台风 降温 "  # noqa: SIM905
    "贷款 借钱 借款 网贷 信用卡 征信 逾期 房贷 车贷 "
    "公积金 "
    "个税 所得税 交税 纳税 缴税 扣税 退税 什么税 多少税 税率 "
    "吃药 什么药 降压药 药效 发烧 头晕 头疼 头痛 咳嗽 血压 血糖 糖尿病 手术 治疗 症状 "
    "商业保险 意外险 医疗险 重疾险 年金险 车险 寿险 惠民保 保险公司 "
    "找工作 招聘 招工 找活 "
    "股票 基金 理财 "
    "笑话 机器人 聊聊 心情 "
    "邻居 隔壁 别人家".split()
)

#: Cities residents name instead of their province (capitals and the big migrant-work cities),
#: each with its province: "深圳灵活就业最低交多少" asks about Guangdong's rules.
CITIES: dict[str, str] = {
    city: province
    for province, cities in (
        ("广东", "广州 深圳 东莞 佛山 珠海 中山 惠州 汕头 江门"),
        ("浙江", "杭州 宁波 温州 义乌 金华 绍兴 嘉兴 台州"),
        ("江苏", "南京 苏州 无锡 常州 南通 昆山 徐州"),
        ("福建", "福州 厦门 泉州 莆田"),
        ("山东", "济南 青岛 烟台 潍坊 临沂"),
        ("河北", "石家庄 保定 唐山 廊坊"),
        ("河南", "郑州 洛阳"),
        ("湖北", "武汉 宜昌 襄阳"),
        ("湖南", "长沙 株洲"),
        ("四川", "成都 绵阳"),
        ("安徽", "合肥 芜湖 阜阳"),
        ("江西", "南昌 赣州"),
        ("陕西", "西安"),
        ("山西", "太原"),
        ("辽宁", "沈阳 大连"),
        ("吉林", "长春"),
        ("黑龙江", "哈尔滨"),
        ("广西", "南宁 柳州 桂林"),
        ("云南", "昆明"),
        ("贵州", "贵阳 遵义"),
        ("甘肃", "兰州"),
        ("青海", "西宁"),
        ("宁夏", "银川"),
        ("新疆", "乌鲁木齐"),
        ("西藏", "拉萨"),
        ("内蒙古", "呼和浩特 包头"),
        ("海南", "海口 三亚"),
    )
    for city in cities.split()
}

#: The places named above, longest first, with a 省 or 市 after them: taken out of a question
#: before it is scored. A place says which rules apply (see `Answerer._withheld`), not what is
#: asked, and no entry names one, so it only lowered the confidence: "在云南送外卖的养老保险怎么交"
#: was abstained on in Yunnan itself.
_PLACES = re.compile(
    "(?:" + "|".join(sorted((*PROVINCES, *CITIES), key=len, reverse=True)) + ")[省市]?"
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
    #: "low_confidence" | "vague" | "off_topic" | "not_covered" | "other_province" | "empty"
    reason: str
    nearest: str | None = None  # the best entry's id, for staff handling the hand-off
    topic: Topic | None = None  # the subject we do not answer (reason "not_covered")

    def as_dict(self) -> dict[str, Any]:
        return {
            "abstained": True,
            "answer": self.answer,
            "answer_en": self.answer_en,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
            **({"subject": self.topic.id} if self.topic else {}),
        }


Reply = Answered | Abstained


def calibration_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "calibration.json"))


def shipped_calibration() -> tuple[Confidence, float]:
    """The confidence model and threshold `python -m faq.evaluate --calibrate` fitted on the
    tuning questions with the shipped knowledge base (coverage alone and a default threshold
    without the file)."""
    path = calibration_path()
    if not path.exists():
        return Confidence(), DEFAULT_THRESHOLD
    data = json.loads(path.read_text("utf-8"))
    weights = data.get("weights")
    return Confidence(tuple(float(w) for w in weights) if weights else None), float(
        data["threshold"]
    )


class Answerer:
    """Answers questions from one knowledge base; build once per process."""

    def __init__(
        self,
        entries: tuple[Entry, ...] | None = None,
        *,
        topics: tuple[Topic, ...] | None = None,
        threshold: float | None = None,
        confidence: Confidence | None = None,
        province: str | None = None,
    ) -> None:
        prepare()
        shipped_model, shipped_threshold = shipped_calibration()
        # The shipped model was fitted on the shipped knowledge base's scores; another knowledge
        # base (a test's) is judged by coverage alone unless given a model.
        if confidence is None:
            shipped = entries is None and topics is None
            confidence = shipped_model if shipped else Confidence()
        self.confidence = confidence
        self.threshold = shipped_threshold if threshold is None else threshold
        self.entries = entries if entries is not None else load_entries()
        self.topics = topics if topics is not None else load_topics()
        self.province = province
        # One document per entry: its question and every phrasing together. Whole entries
        # ranked the right one first for 78% of our questions, against 63% when each phrasing
        # was a document of its own (residents mix the words of several phrasings).
        # The subjects we do not answer are documents too, after the entries: ranked the same
        # way, so a question is not covered when its words are closer to one of them.
        docs = [
            [t for text in (entry.question, *entry.phrasings) for t in terms(text)]
            for entry in self.entries
        ] + [[t for text in topic.phrasings for t in terms(text)] for topic in self.topics]
        self.index = BM25Index(docs)
        self._estimates = tuple(i for i, e in enumerate(self.entries) if e.route == "estimate")

    def signals(self, question: str) -> tuple[Entry | Topic | None, Signals | None]:
        """The best entry (or subject) for `question` and what the search says about it."""
        query = _query(normalise(question))
        terms = informative(query)
        return self._signals(query, terms, self.index.weight(terms))

    def _signals(
        self, query: list[str], terms: tuple[str, ...], information: float
    ) -> tuple[Entry | Topic | None, Signals | None]:
        """`terms`: the query's informative terms, whose weight is `information`."""
        found = self.index.best_two(query)
        if found is None:
            return None, None
        best, second = found
        n = len(self.entries)
        match = self.entries[best.entry] if best.entry < n else self.topics[best.entry - n]
        signals = Signals(
            coverage=self.index.coverage(terms, best.entry, information),
            margin=(best.score - second) / best.score if best.score > 0 else 0.0,
            score=best.score,
            information=information / self.index.unseen_idf,
        )
        return match, signals

    def ask(self, question: str) -> Reply:
        if not question.strip():
            return Abstained(NOT_SURE, NOT_SURE_EN, 0.0, "empty")
        text = normalise(question)  # once: the checks below all read the normalised text
        query = _query(text)
        terms = informative(query)  # once: the information and the coverage both weigh them
        information = self.index.weight(terms)
        best, signals = self._signals(query, terms, information)
        confidence = self.confidence(signals) if signals else 0.0
        topic = best if isinstance(best, Topic) else None
        entry = best if isinstance(best, Entry) else None
        if information < MIN_INFORMATION * self.index.unseen_idf:
            return Abstained(VAGUE, VAGUE_EN, confidence, "vague", entry.id if entry else None)
        if _off_topic(text):
            return Abstained(
                NOT_SURE, NOT_SURE_EN, confidence, "off_topic", entry.id if entry else None
            )
        if topic is not None:
            return not_covered(topic, confidence)
        if entry is None or confidence < self.threshold:
            estimate = self._own_amount(text, query)
            if estimate is None:
                return Abstained(
                    NOT_SURE,
                    NOT_SURE_EN,
                    confidence,
                    "low_confidence",
                    entry.id if entry else None,
                )
            entry = estimate
        if self._withheld(entry, text):
            return Abstained(OTHER_PROVINCE, NOT_SURE_EN, confidence, "other_province", entry.id)
        return Answered(entry, confidence)

    def own_amount(self, question: str) -> Entry | None:
        """The estimator's entry `ask` gives `question` where its confidence would abstain: for
        a question about the resident's own pension amount (`faq.own_money`), the `route:
        estimate` entry it scores best on; None for any other question."""
        text = normalise(question)
        return self._own_amount(text, _query(text))

    def _own_amount(self, text: str, query: list[str]) -> Entry | None:
        if not self._estimates or not asks_own_amount(text):
            return None
        scores = self.index.scores(query)
        best = max(self._estimates, key=scores.__getitem__) if scores else self._estimates[0]
        return self.entries[best]

    @staticmethod
    def off_topic(question: str) -> bool:
        """Whether `question` is about a subject we never answer (see OFF_TOPIC)."""
        return _off_topic(normalise(question))

    def withheld(self, entry: Entry, question: str) -> bool:
        """Whether `entry`'s answer must not be given to `question` however sure we are: the
        answer depends on the province and the question names another province (or one of its
        big cities), where the national rule we give may not hold."""
        return self._withheld(entry, normalise(question))

    def _withheld(self, entry: Entry, text: str) -> bool:
        if not entry.varies_by_province:
            return False
        named = {p for p in PROVINCES if p in text} | {p for c, p in CITIES.items() if c in text}
        return any(not (self.province and p in self.province) for p in named)


def not_covered(topic: Topic, confidence: float) -> Abstained:
    """The honest reply to a question on a subject we do not answer: what it is about, where to
    ask instead, and the offer of staff."""
    return Abstained(
        NOT_COVERED.format(subject=topic.subject, where=topic.where("zh")),
        NOT_COVERED_EN.format(subject=topic.subject_en, where=topic.where("en")),
        confidence,
        "not_covered",
        topic=topic,
    )


def _query(text: str) -> list[str]:
    """The terms a normalised question is scored on: its words, the places it names left out."""
    return normalised_terms(_PLACES.sub(" ", text))


def _off_topic(text: str) -> bool:
    return any(word in text for word in OFF_TOPIC)
