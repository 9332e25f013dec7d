"""Okapi BM25 with one document per knowledge-base entry (its question and every phrasing).

Small and exact for a knowledge base of a few dozen entries: postings per term, scores summed per
entry. `coverage` says how much of the question an entry's words account for (IDF-weighted),
which the answerer's confidence is built on: a question about the weather shares little with any
entry however the ranking falls.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
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
        # worked out once here: a search is then a sum per entry (a tenth of the time).
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, c in enumerate(self.counts):
            norm = k1 * (1 - b + b * self.lengths[i] / self.avg_length)
            for term, tf in c.items():
                postings[term].append((i, self.idf[term] * tf * (k1 + 1) / (tf + norm)))
        self.postings = {term: tuple(entries) for term, entries in postings.items()}

    def search(self, query: Sequence[str], limit: int = 3) -> list[Hit]:
        """The best `limit` entries for `query`, best first."""
        scores: dict[int, float] = defaultdict(float)
        postings = self.postings
        for term in set(query):
            for i, weight in postings.get(term, ()):
                scores[i] += weight
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        return [Hit(entry, score) for entry, score in ranked[:limit]]

    def information(self, query: Sequence[str]) -> float:
        """How much a question says: the IDF weight of its words and pairs (an unknown term
        weighs as much as the rarest known one)."""
        return self._weight(_informative(query))

    def coverage(self, query: Sequence[str], entry: int) -> float:
        """Share of the question's information (IDF-weighted words and pairs) found among the
        terms of `entry`: a question may mix words of several phrasings of the same entry."""
        terms = _informative(query)
        total = self._weight(terms)
        known = self.counts[entry]
        found = sum(self.idf[t] for t in terms if t in known)
        return found / total if total else 0.0

    def _weight(self, terms: set[str]) -> float:
        idf, unseen = self.idf, self.unseen_idf
        return sum(idf.get(t, unseen) for t in terms)


def _informative(query: Sequence[str]) -> set[str]:
    """The terms that say how well a question is covered (not those that only rank)."""
    return {t for t in query if not ranks_only(t)}
