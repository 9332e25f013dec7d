"""From a resident's message to the terms the retriever matches on.

Residents type on phones: full-width characters, no punctuation or too much, typos that sound
right (养老保线), dialect words (咋, 啥, 俺). A term is a jieba word (search mode, so long words
also yield their parts), a pair of neighbouring Chinese characters (the pairs still match when
the segmenter splits a misspelt word differently from the knowledge base's spelling), or a single
character, used for ranking only.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import jieba

#: Colloquial and dialect forms, read as the standard word before matching.
SYNONYMS: dict[str, str] = {
    "咋": "怎么",
    "咋个": "怎么",
    "怎样": "怎么",
    "如何": "怎么",
    "啥": "什么",
    "啥子": "什么",
    "俺": "我",
    "咱": "我",
    "莫得": "没有",
    "没得": "没有",
    "断交": "断缴",
    "停交": "断缴",
    "停缴": "断缴",
    "交费": "缴费",
    "交钱": "缴费",
    "养老保线": "养老保险",
    "养老金保险": "养老保险",
    "社保卡": "社会保障卡",
    "医疗保险": "医保",
    # One name for each scheme, whatever residents call it.
    "新农保": "居民养老",
    "农保": "居民养老",
    "农村养老保险": "居民养老",
    "农村养老": "居民养老",
    "农村社保": "居民养老",
    "城乡居民养老保险": "居民养老",
    "城乡居民养老": "居民养老",
    "居民养老保险": "居民养老",
    "新农合": "居民医保",
    "合作医疗": "居民医保",
    "农村医保": "居民医保",
    "城乡医保": "居民医保",
    "城乡居民医保": "居民医保",
    "居民医疗保险": "居民医保",
    "城镇职工养老保险": "职工养老",
    "城镇职工养老": "职工养老",
    "职工养老保险": "职工养老",
    "退休工资": "养老金",
    "退休金": "养老金",
    "社会保险": "社保",
    "外卖员": "骑手",
    "送外卖": "骑手",
    "快递员": "骑手",
}

#: Longer forms first, so that 农村养老保险 is read whole before 养老保险 within it.
_SYNONYMS_LONGEST_FIRST = tuple(
    sorted(SYNONYMS.items(), key=lambda item: len(item[0]), reverse=True)
)

#: Words that say nothing about what is asked.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 在 有 和 与 及 或 也 "  # noqa: SIM905
    "都 就 还 又 很 请问 你好 您好 谢谢 一下 一个 这个 那个 "
    "这 那 我 你 您 他 她 我们 你们 自己 现在 想 要 可以 能 会 给".split()
)

#: "三年", "两年", "5年", "十几个月": a count of years or months, whatever the number.
_SPAN = re.compile(r"(?:[0-9]+|[两二三四五六七八九十几]+)(年|个月)")
#: ID numbers, phones, account numbers: say nothing about the question, so they are dropped.
_IDENTIFIER = re.compile(r"[0-9][0-9xX*\s-]{6,}[0-9xX*]")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_lock = threading.Lock()
_segmenter: jieba.Tokenizer | None = None

#: Words the segmenter must keep whole, whatever its dictionary says.
DOMAIN_WORDS = ("灵活就业", "职工养老", "城乡居民", "养老保险", "断缴", "补缴", "医保")


def lexicon_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "lexicon.txt"))


def prepare() -> None:
    """Load the segmenter now rather than on the first question.

    Its dictionary is `faq/data/lexicon.txt`: every word of the knowledge base, with jieba's
    frequencies (`python -m faq.lexicon` writes it). Loading it takes milliseconds where jieba's
    full dictionary takes one to two seconds, and a word no entry uses cannot match anyway.
    For the same reason the segmenter runs without jieba's HMM (see `normalised_terms`).
    """
    global _segmenter
    with _lock:
        if _segmenter is None:
            jieba.setLogLevel(logging.WARNING)
            path = lexicon_path()
            segmenter = jieba.Tokenizer(dictionary=str(path) if path.exists() else None)
            segmenter.initialize()
            for word in (*SYNONYMS.values(), *DOMAIN_WORDS):
                segmenter.add_word(word, freq=200_000)
            _segmenter = segmenter


def segmenter() -> jieba.Tokenizer:
    prepare()
    assert _segmenter is not None
    return _segmenter


def normalise(text: str) -> str:
    """Full-width to half-width, identifiers dropped, lower case, colloquial words to standard
    ones, any number of years or months to 几年 / 几个月."""
    cleaned = _IDENTIFIER.sub(" ", unicodedata.normalize("NFKC", text)).lower().strip()
    for colloquial, standard in _SYNONYMS_LONGEST_FIRST:
        cleaned = cleaned.replace(colloquial, standard)
    return _SPAN.sub(r"几\1", cleaned)


def terms(text: str) -> list[str]:
    """The matching terms of `text`: words (minus stopwords), Chinese character pairs and
    single characters."""
    return normalised_terms(normalise(text))


def normalised_terms(cleaned: str) -> list[str]:
    """`terms` of a text `normalise` has already read.

    Without jieba's HMM, a run of characters the lexicon does not know stays single characters.
    The HMM guessed such runs into words, and a guessed word is one no entry has (the lexicon
    holds every entry's words): it only lowered the coverage of the question's real words. On
    the tuning questions, without it: top-1 95.3% (94.4% with), and more right answers at the
    recalibrated threshold (43.0% against 38.3%) for the same wrong ones; and half the time.
    """
    words = [
        w
        for w in segmenter().lcut_for_search(cleaned, HMM=False)
        if w.strip() and not _PUNCT.fullmatch(w) and w not in STOPWORDS
    ]
    return words + list(_pairs(cleaned)) + list(_characters(cleaned))


def _characters(text: str) -> Iterable[str]:
    """Single Chinese characters, for ranking only (see `ranks_only`): they still match when a
    resident's wording shares no word and no pair with an entry's, as 养老 and 退休金 share 老."""
    for run in _CJK.findall(text):
        for char in run:
            if char not in STOPWORDS:
                yield "@" + char


def ranks_only(term: str) -> bool:
    """Whether `term` helps rank entries but says nothing of how well a question is covered:
    single characters are too common to tell an insurance question from any other."""
    return term.startswith("@")


def _pairs(text: str) -> Iterable[str]:
    for run in _CJK.findall(text):
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            if pair[0] not in STOPWORDS and pair[1] not in STOPWORDS:
                yield "#" + pair
