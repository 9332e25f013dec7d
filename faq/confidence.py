"""How sure the answerer is of its best entry: a logistic model over four signals of the ranking.

Coverage alone (the share of the question's information the best entry contains) could not tell
a right answer from a wrong one well enough: the threshold that kept wrong answers near 1% on
the tuning questions abstained on nearly half the questions we answer. Three more signals of the
same search say how the best entry won: by how much it beat the second (`margin`), how strong
its BM25 score is (`score`), and how much the question says (`information`, in units of the
rarest term). A logistic model of "the best entry is the right one" over the four is fitted on
the tuning questions (`python -m faq.evaluate --calibrate`), and its threshold is chosen on
probabilities each question got from a model fitted without it (k-fold), so the threshold does
not rest on questions the model has already seen.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

FEATURES = ("coverage", "margin", "log_score", "log_information", "bias")
#: Weight of the penalty on the (non-bias) weights: keeps them finite where the tuning
#: questions separate a signal perfectly.
L2 = 1.0
FOLDS = 10
FOLD_SEED = 20261206


@dataclass(frozen=True, slots=True)
class Signals:
    """What one search says about its best entry."""

    coverage: float  # share of the question's information the best entry contains (0..1)
    margin: float  # (best score - second score) / best score (0..1)
    score: float  # the best entry's BM25 score
    information: float  # the question's information, in units of the rarest term's weight

    def vector(self) -> tuple[float, ...]:
        return (
            self.coverage,
            self.margin,
            math.log1p(self.score),
            math.log1p(self.information),
            1.0,
        )


@dataclass(frozen=True, slots=True)
class Confidence:
    """Turns signals into a confidence in 0..1: the fitted model, or coverage alone where there
    are no weights (a knowledge base nobody calibrated, such as a test's)."""

    weights: tuple[float, ...] | None = None

    def __call__(self, signals: Signals) -> float:
        if self.weights is None:
            return signals.coverage
        return _sigmoid(sum(w * x for w, x in zip(self.weights, signals.vector(), strict=True)))


def fit(samples: Sequence[tuple[Signals, bool]]) -> Confidence:
    """The logistic model of `right` given the signals (Newton's method, L2-penalised)."""
    rows = [s.vector() for s, _ in samples]
    labels = [1.0 if right else 0.0 for _, right in samples]
    size = len(FEATURES)
    weights = [0.0] * size
    for _ in range(50):
        gradient = [L2 * w for w in weights[:-1]] + [0.0]
        hessian = [
            [L2 if i == j and i < size - 1 else 0.0 for j in range(size)] for i in range(size)
        ]
        for x, y in zip(rows, labels, strict=True):
            p = _sigmoid(sum(w * v for w, v in zip(weights, x, strict=True)))
            for i in range(size):
                gradient[i] += (p - y) * x[i]
                for j in range(size):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return Confidence(tuple(round(w, 6) for w in weights))


def out_of_fold(samples: Sequence[tuple[Signals, bool]]) -> list[float]:
    """Each sample's confidence from a model fitted on the other folds (fixed, seeded folds)."""
    order = list(range(len(samples)))
    random.Random(FOLD_SEED).shuffle(order)  # noqa: S311 - folds, not secrets
    fold = {index: n % FOLDS for n, index in enumerate(order)}
    confidences = [0.0] * len(samples)
    for k in range(FOLDS):
        model = fit([s for i, s in enumerate(samples) if fold[i] != k])
        for i, (signals, _) in enumerate(samples):
            if fold[i] == k:
                confidences[i] = model(signals)
    return confidences


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix · x = vector (Gaussian elimination with partial pivoting; the Hessian of a
    penalised logistic model is positive definite)."""
    n = len(vector)
    a = [[*row, v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x
