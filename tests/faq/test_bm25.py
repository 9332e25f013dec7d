"""The BM25 index: ranks by the summed weights of a question's terms, the same way every time."""

from __future__ import annotations

from faq.bm25 import BM25Index


def test_the_entry_sharing_the_rarer_terms_ranks_first() -> None:
    index = BM25Index([["断缴", "补缴"], ["断缴", "领取"], ["参保", "领取"]])
    hits = index.search(["断缴", "补缴"], limit=3)
    assert [h.entry for h in hits] == [0, 1]  # entry 2 shares nothing and is not listed
    assert hits[0].score > hits[1].score > 0
    assert index.search(["断缴", "补缴"], limit=1) == hits[:1]


def test_no_shared_term_is_no_hit() -> None:
    index = BM25Index([["断缴"], ["领取"]])
    assert index.search(["天气"], limit=1) == []
    assert index.search([], limit=3) == []


def test_equal_scores_rank_in_the_entries_order_and_repeated_terms_count_once() -> None:
    index = BM25Index([["领取", "年龄"], ["领取", "条件"], ["领取", "地点"]])
    assert [h.entry for h in index.search(["领取"], limit=3)] == [0, 1, 2]
    assert [h.entry for h in index.search(["领取"], limit=1)] == [0]
    assert index.search(["领取", "领取"], limit=3) == index.search(["领取"], limit=3)
