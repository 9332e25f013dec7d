"""Okapi BM25 with one document per knowledge-base entry (its question and every phrasing).

Small and exact for a knowledge base of a few dozen entries: postings per term, scores summed per
entry. `coverage` says how much of the question an entry's words account for (IDF-weighted),
which the answerer's confidence is built on: a question about the weather shares little with any
entry however the ranking falls.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from faq.text import ranks_only


@dataclass(frozen=True, slots=True)
class Hit:
    entry: int  # index of the entry (its document)
    score: float


class BM25Index:
    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.lengths = [len(d) for d in docs]
        self.avg_length = sum(self.lengths) / max(len(docs), 1)
        self.counts = [Counter(d) for d in docs]
        frequency: Counter[str] = Counter()
        for c in self.counts:
            frequency.update(c.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
        #: The weight of a term no document has: as informative as the rarest term known.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        # A term's share of an entry's score depends on the term and the entry only, so it is
        # worked out once here, as one weight per entry (0.0 where the entry lacks the term): a
        # search then adds up the rows of the question's terms column by column, in C (zip and
        # sum), where walking postings cost a Python step per entry a term occurs in.
        rows: dict[str, list[float]] = defaultdict(lambda: [0.0] * n)
        for i, c in enumerate(self.counts):
            norm = k1 * (1 - b + b * self.lengths[i] / self.avg_length)
            for term, tf in c.items():
                rows[term][i] = self.idf[term] * tf * (k1 + 1) / (tf + norm)
        self.rows = {term: tuple(row) for term, row in rows.items()}

    def scores(self, query: Sequence[str]) -> list[float] | None:
        """Every entry's score for `query` (None when no term of it is known). The sum runs over
        the question's distinct terms in the order they first occur, so the same question
        always gets the same scores."""
        known = self.rows.get
        rows = [row for row in map(known, dict.fromkeys(query)) if row is not None]
        return list(map(sum, zip(*rows, strict=True))) if rows else None

    def search(self, query: Sequence[str], limit: int = 3) -> list[Hit]:
        """The best `limit` entries for `query`, best first; of entries that score the same, the
        one listed first."""
        scores = self.scores(query)
        if scores is None:
            return []
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        return [Hit(i, scores[i]) for i in ranked[:limit] if scores[i] > 0.0]

    def best_two(self, query: Sequence[str]) -> tuple[Hit, float] | None:
        """The best entry for `query` (as `search(query, limit=1)` finds it) and the score of
        the runner-up (0.0 if there is none): how clearly the best one won. One pass each,
        no sort: the answerer's case."""
        scores = self.scores(query)
        if scores is None:
            return None
        best = max(scores)
        index = scores.index(best)
        scores[index] = 0.0
        return Hit(index, best), max(scores)

    def information(self, query: Sequence[str]) -> float:
        """How much a question says: the IDF weight of its words and pairs (an unknown term
        weighs as much as the rarest known one)."""
        return self.weight(informative(query))

    def weight(self, terms: Iterable[str]) -> float:
        """The IDF weight of `terms` (`informative` terms of a question)."""
        idf, unseen = self.idf, self.unseen_idf
        return sum(idf.get(t, unseen) for t in terms)

    def coverage(self, terms: Sequence[str], entry: int, total: float) -> float:
        """Share of a question's information (`terms`, its `informative` terms, whose `weight`
        is `total`) found among the terms of `entry`: a question may mix words of several
        phrasings of the same entry."""
        known, idf = self.counts[entry], self.idf
        found = sum(idf[t] for t in terms if t in known)
        return found / total if total else 0.0


def informative(query: Sequence[str]) -> tuple[str, ...]:
    """The distinct terms of `query` that say how well a question is covered (not those that
    only rank), in the order they first occur: a sum over them comes out the same in every
    process, where a set's order follows string hashing, which differs from one to the next."""
    return tuple(dict.fromkeys(t for t in query if not ranks_only(t)))
