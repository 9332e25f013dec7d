"""The answerer on a small knowledge base written for these tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from faq import Abstained, Answered, Answerer, KnowledgeBaseError, load_entries, load_topics
from faq.evaluate import Question, Row, figures, within

KB = """
- id: flexible-join
  question: 灵活就业人员怎么参加职工养老保险？
  answer: 可以以个人身份参加职工养老保险，在户籍地或就业地的社保经办机构办理。
  phrasings: [我是送外卖的养老保险怎么交, 跑滴滴的司机能交社保吗, 做直播的怎么交养老保险]
  tags: [enroll]
  source: FAQ_FACTS A2
  last_checked: 2026-12-04
  varies_by_province: true
- id: lapse-years-kept
  question: 断缴了以前交的还算吗？
  answer: 算。断缴前的缴费年限累计计算，个人账户余额和利息都保留。
  phrasings: [停交三年以前的钱没了吗, 以前交的养老保险作废了吗, 断了几年之前交的白交了吗]
  tags: [lapse]
  source: FAQ_FACTS B7
  last_checked: 2026-12-04
  varies_by_province: false
- id: my-pension-amount
  question: 我以后每个月能领多少养老金？
  answer: 我们可以按您自己的缴费情况帮您测算。
  phrasings: [帮我算算退休能拿多少钱, 我退休后养老金有多少]
  tags: [estimate]
  source: PENSION.md
  last_checked: 2026-12-04
  varies_by_province: false
  route: estimate
"""

TOPICS = """
- id: unemployment-insurance
  subject: ["失业保险", "unemployment insurance"]
  ask: "12333"
  phrasings: [失业金怎么领, 被辞退了能领失业保险金吗, 失业保险交几年能领]
- id: medical-reimbursement
  subject: ["医保报销的比例和范围", "what medical insurance reimburses"]
  ask: "12393"
  phrasings: [住院能报销多少, 这个药医保能报吗]
"""


@pytest.fixture
def answerer(tmp_path: Path) -> Answerer:
    path, topics = tmp_path / "kb.yaml", tmp_path / "topics.yaml"
    path.write_text(KB, "utf-8")
    topics.write_text(TOPICS, "utf-8")
    return Answerer(
        load_entries(path), topics=load_topics(topics), threshold=0.5, province="云南省"
    )


def test_a_misspelt_colloquial_question_finds_its_entry(answerer: Answerer) -> None:
    reply = answerer.ask("俺断交了两年，以前交的养老保线还算不算")
    assert isinstance(reply, Answered)
    assert reply.entry.id == "lapse-years-kept"
    assert reply.as_dict()["entry"] == "lapse-years-kept"
    assert 0.5 <= reply.confidence <= 1.0


def test_out_of_scope_questions_are_abstained_on_honestly(answerer: Answerer) -> None:
    for question in ("明天会下雨吗", "我头疼吃什么药好", "社保能贷款吗", "", "   "):
        reply = answerer.ask(question)
        assert isinstance(reply, Abstained), question
        assert "12333" in reply.answer
        assert reply.as_dict()["abstained"] is True


def test_own_money_goes_to_the_estimator_not_a_canned_number(answerer: Answerer) -> None:
    reply = answerer.ask("我退休以后一个月能拿多少钱")
    assert isinstance(reply, Answered)
    assert reply.as_dict()["route"] == "estimate"


def test_a_question_about_ones_own_amount_goes_to_the_estimator_below_the_threshold(
    answerer: Answerer,
) -> None:
    """The wording says it: the resident asks what they will get. With a threshold nothing
    reaches, such a question still goes to the estimator, and nothing else is answered."""
    answerer.threshold = 1.01
    own = ("俺老了能领几个钱", "我交了八年，到60岁每月能拿多少钱", "自己交的以后能拿多少")
    for question in own:
        reply = answerer.ask(question)
        assert isinstance(reply, Answered), question
        assert reply.entry.id == "my-pension-amount"
        assert reply.confidence < answerer.threshold
        assert answerer.own_amount(question) == reply.entry
    # Somebody else's pension, an amount paid, or no amount at all: abstained on as before.
    for question in ("我妈退休了能领多少", "我每个月交多少钱", "断缴了以前交的还算吗"):
        reply = answerer.ask(question)
        assert isinstance(reply, Abstained), question
        assert reply.reason == "low_confidence"
        assert answerer.own_amount(question) is None


def test_another_provinces_rules_are_not_guessed(answerer: Answerer) -> None:
    other = answerer.ask("在广东送外卖的养老保险怎么交")
    assert isinstance(other, Abstained)
    assert other.reason == "other_province"
    # The service's own province, or an answer that is the same everywhere, is fine.
    assert isinstance(answerer.ask("在云南送外卖的养老保险怎么交"), Answered)
    assert isinstance(answerer.ask("在广东断缴了以前交的还算吗"), Answered)
    # A big city stands for its province: Shenzhen's rules are Guangdong's, Kunming's Yunnan's.
    city = answerer.ask("在深圳送外卖的养老保险怎么交")
    assert isinstance(city, Abstained)
    assert city.reason == "other_province"
    assert isinstance(answerer.ask("在昆明送外卖的养老保险怎么交"), Answered)


def test_a_subject_we_do_not_cover_is_named_with_where_to_ask(answerer: Answerer) -> None:
    """A question closest to a subject we do not answer is abstained on whatever it shares with
    an entry (失业 and 保险 here), saying which subject and where to ask instead."""
    reply = answerer.ask("俺被厂里辞退了，失业金能领几个月")
    assert isinstance(reply, Abstained)
    assert reply.reason == "not_covered"
    assert reply.topic is not None
    assert reply.topic.id == "unemployment-insurance"
    assert "失业保险" in reply.answer
    assert "12333" in reply.answer
    assert "unemployment insurance" in reply.answer_en
    assert reply.as_dict()["subject"] == "unemployment-insurance"
    medical = answerer.ask("住院的钱医保能报销百分之几")
    assert isinstance(medical, Abstained)
    assert "12393" in medical.answer
    # The entries' own questions still find their entries.
    assert isinstance(answerer.ask("跑滴滴的司机养老保险怎么交"), Answered)


#: A broken file of either kind, each as (file, loader, text replaced, replacement, reason).
BROKEN = [
    (KB, load_entries, "id: lapse-years-kept", "id: flexible-join", "duplicate entry"),
    (KB, load_entries, "停交三年以前的钱没了吗", "跑滴滴的司机能交社保吗", "belongs to both"),
    (KB, load_entries, "route: estimate", "route: guess", "unknown route"),
    (
        KB,
        load_entries,
        "last_checked: 2026-12-04\n  varies_by_province: false\n  route",
        "varies_by_province: false\n  route",
        "last_checked",
    ),
    (KB, load_entries, "算。断缴前", "算。" * 120 + "断缴前", "longer than"),
    (KB, load_entries, "id: my-pension-amount", "id: My Pension", "bad id"),
    (TOPICS, load_topics, 'ask: "12393"', 'ask: "110"', "bad ask"),
    (TOPICS, load_topics, '"失业保险", "unemployment insurance"', '"失业保险"', "bad subject"),
    (TOPICS, load_topics, "[住院能报销多少, 这个药医保能报吗]", "[]", "bad phrasings"),
    (TOPICS, load_topics, "id: medical-reimbursement", "id: unemployment-insurance", "duplicate"),
    (TOPICS, load_topics, "id: medical-reimbursement", "id: Medical", "bad id"),
]


@pytest.mark.parametrize(("source", "loader", "old", "new", "message"), BROKEN)
def test_a_broken_file_is_refused_naming_the_item(
    tmp_path: Path,
    source: str,
    loader: Callable[[Path], object],
    old: str,
    new: str,
    message: str,
) -> None:
    """A malformed entry or not-covered subject stops loading, with the item and the reason in
    both languages."""
    assert old in source  # the case breaks something
    path = tmp_path / "broken.yaml"
    path.write_text(source.replace(old, new), "utf-8")
    with pytest.raises(KnowledgeBaseError) as err:
        loader(path)
    assert message in err.value.en
    assert err.value.zh


def test_the_threshold_margin_grows_as_the_tuning_part_shrinks() -> None:
    """The share a tuning part may show stays under the promise by three standard errors: less
    room for a small part, more for a large one, never the promise itself."""
    small, large = within(0.03, 192), within(0.03, 775)
    assert 0.008 < small < large < 0.03
    assert large + 3 * (large * (1 - large) / 775) ** 0.5 <= 0.03 + 1e-9


def test_the_evaluation_counts_what_ask_gives() -> None:
    """A row's entry is the best one at or above the threshold (unless withheld), and below it
    the estimator's entry for a question about the resident's own amount, as `ask` decides."""
    own = Question("我退休了能拿多少钱", "my-pension-amount", "tuning")
    routed = Row(own, "flexible-join", 0.4, withheld=False, estimate="my-pension-amount")
    assert routed.given(0.5) == "my-pension-amount"
    assert routed.given(0.3) == "flexible-join"  # confident: the ranking decides, as in ask
    other = Row(own, "flexible-join", 0.9, withheld=True, estimate="my-pension-amount")
    assert other.given(0.5) is None  # another province's answer is never given
    right = figures([routed], 0.5)
    assert (right.answered_right, right.answered_wrong, right.top1) == (1, 0, 0)
    wrong = figures([routed], 0.3)
    assert (wrong.answered_right, wrong.answered_wrong) == (0, 1)
