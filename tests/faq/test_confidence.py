"""The confidence model: fitted from signals, judged on folds it was not fitted on."""

from __future__ import annotations

import random

from faq.confidence import Confidence, Signals, fit, out_of_fold


def _samples(n: int, seed: int = 7) -> list[tuple[Signals, bool]]:
    """Searches whose best entry is right more often the higher the coverage and the margin."""
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        coverage, margin = rng.random(), rng.random()
        right = rng.random() < coverage * 0.6 + margin * 0.4
        samples.append((Signals(coverage, margin, rng.uniform(5, 60), rng.uniform(1, 8)), right))
    return samples


def test_without_weights_the_confidence_is_the_coverage() -> None:
    """A knowledge base nobody calibrated is judged by coverage alone."""
    assert Confidence()(Signals(0.62, 0.1, 30.0, 3.0)) == 0.62


def test_a_fitted_model_ranks_clear_wins_above_near_ties() -> None:
    """The fitted model learns that coverage and margin make a right answer likely, and gives
    probabilities in 0..1."""
    model = fit(_samples(600))
    assert model.weights is not None
    assert len(model.weights) == 5
    clear = model(Signals(0.95, 0.9, 30.0, 3.0))
    tie = model(Signals(0.95, 0.02, 30.0, 3.0))
    poor = model(Signals(0.2, 0.9, 30.0, 3.0))
    assert 0.0 < poor < tie < clear < 1.0


def test_fitting_is_deterministic() -> None:
    """The same questions give the same weights, so the shipped calibration can be checked."""
    assert fit(_samples(300)) == fit(_samples(300))
    assert out_of_fold(_samples(300)) == out_of_fold(_samples(300))


def test_out_of_fold_confidences_come_from_models_that_did_not_see_them() -> None:
    """A sample's out-of-fold confidence differs from the one of a model fitted on everything
    (it was left out of its fold's fit), yet follows the same signal."""
    samples = _samples(400)
    unseen = out_of_fold(samples)
    seen = fit(samples)
    assert len(unseen) == len(samples)
    assert any(abs(u - seen(s)) > 1e-6 for u, (s, _) in zip(unseen, samples, strict=True))
    right = [u for u, (_, r) in zip(unseen, samples, strict=True) if r]
    wrong = [u for u, (_, r) in zip(unseen, samples, strict=True) if not r]
    assert sum(right) / len(right) > sum(wrong) / len(wrong)
