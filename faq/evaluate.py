"""Our own question set, the figures it gives, and the threshold chosen on it.

`faq/data/questions.yaml` holds residents' questions written apart from the knowledge base: each
in-scope one names the entry that answers it; out-of-scope ones (weather, loans, medical advice,
other provinces' details ...) must be abstained on. Each question is in the `tuning` split (the
confidence model and threshold are fitted on it) or the `held_out` split (the figures we promise
are measured on it).

`python -m faq.evaluate --calibrate` fits the confidence model (`faq.confidence`) and chooses the
threshold on the tuning split, and writes faq/data/calibration.json; without the flag it prints
the figures of both splits as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from core import today
from faq.answer import MIN_INFORMATION, Answerer, calibration_path
from faq.confidence import FEATURES, Confidence, Signals, fit, out_of_fold
from faq.knowledge import Entry, KnowledgeBaseError
from faq.not_covered import Topic

SPLITS = ("tuning", "held_out")
#: The promises of the issue: at most this share of wrong confident answers (a wrong entry, or
#: an out-of-scope question answered) ...
PROMISED_WRONG = 0.03
#: ... and at most this share of out-of-scope questions answered (95% abstention).
PROMISED_OOS_ANSWERED = 0.05
#: The calibrated threshold keeps each share on the tuning split this many standard errors
#: under its promise, so that the promise holds on questions it has not seen: with 192 tuning
#: questions that allowed 0.9% wrong answers (the fixed 1% used before), with 775 it allows 1.6%.
SAFETY = 3.0
#: Where no threshold keeps both: how much worse a wrong or out-of-scope answer is than an
#: abstention on a known question.
WRONG_COST = 4.0


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    entry: str | None  # None: out of scope, must be abstained on
    split: str


def questions_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "questions.yaml"))


def load_questions(path: Path | None = None) -> list[Question]:
    source = path or questions_path()
    data = yaml.safe_load(source.read_text("utf-8"))
    found: list[Question] = []
    for group, in_scope in (("in_scope", True), ("out_of_scope", False)):
        for n, item in enumerate(data.get(group) or [], start=1):
            text, entry, split = item.get("q"), item.get("entry"), item.get("split")
            if not isinstance(text, str) or split not in SPLITS or (in_scope and not entry):
                raise KnowledgeBaseError(
                    f"问题集 {group} 第 {n} 条格式错误",
                    f"question set: {group} item {n} is malformed",
                )
            found.append(Question(text, str(entry) if in_scope else None, split))
    return found


@dataclass(slots=True)
class Figures:
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0  # the best-ranked entry is the right one, whatever the confidence
    answered_right: int = 0
    answered_wrong: int = 0
    abstained_in_scope: int = 0
    abstained_out_of_scope: int = 0

    def as_dict(self) -> dict[str, Any]:
        asked = self.in_scope + self.out_of_scope
        wrong = self.answered_wrong + (self.out_of_scope - self.abstained_out_of_scope)
        return {
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "top1_accuracy": _share(self.top1, self.in_scope),
            "answered_right": _share(self.answered_right, self.in_scope),
            "abstained_in_scope": _share(self.abstained_in_scope, self.in_scope),
            "out_of_scope_abstention": _share(self.abstained_out_of_scope, self.out_of_scope),
            "wrong_confident": _share(wrong, asked),
        }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True, slots=True)
class Row:
    question: Question
    best: str | None  # the best-ranked entry's id
    confidence: float
    #: abstained on whatever the confidence (too vague, off topic, a subject we do not answer,
    #: another province's rules)
    withheld: bool
    #: the estimator's entry given below the threshold: a question about the resident's own
    #: pension amount (`Answerer.own_amount`), where nothing above withholds it
    estimate: str | None = None

    def given(self, threshold: float) -> str | None:
        """The id of the entry answered with at `threshold` (None: abstained), as `ask`."""
        if self.best is not None and self.confidence >= threshold:
            return None if self.withheld else self.best
        return self.estimate


Scored = list[Row]


@dataclass(frozen=True, slots=True)
class Searched:
    question: Question
    best: str | None
    signals: Signals | None
    withheld: bool
    estimate: str | None


def searched(answerer: Answerer, questions: list[Question]) -> list[Searched]:
    """Each question with the best entry's id, what the search says about it, whether the
    answerer abstains whatever the confidence (as `Answerer.ask` does): too vague, off topic, a
    subject we do not answer, or another province's rules; and the estimator's entry it gives
    a question about the resident's own amount where the confidence is too low."""
    out = []
    for q in questions:
        best, signals = answerer.signals(q.text)
        before = (
            (signals is not None and signals.information < MIN_INFORMATION)
            or answerer.off_topic(q.text)
            or isinstance(best, Topic)
        )
        withheld = before or (isinstance(best, Entry) and answerer.withheld(best, q.text))
        estimate = None if before else answerer.own_amount(q.text)
        if estimate is not None and answerer.withheld(estimate, q.text):
            estimate = None
        out.append(
            Searched(
                q, best.id if best else None, signals, withheld, estimate.id if estimate else None
            )
        )
    return out


def scored(answerer: Answerer, questions: list[Question]) -> Scored:
    """Each question with the best entry's id, the answerer's confidence in it, and whether
    it abstains whatever the confidence."""
    return [
        Row(
            s.question,
            s.best,
            answerer.confidence(s.signals) if s.signals else 0.0,
            s.withheld,
            s.estimate,
        )
        for s in searched(answerer, questions)
    ]


def calibrate(answerer: Answerer, questions: list[Question]) -> tuple[Confidence, float]:
    """The confidence model fitted on `questions` (those the answerer does not abstain on
    anyway), and the threshold `choose_threshold` picks on the confidences each question got
    from a model fitted without it."""
    found = searched(answerer, questions)
    used = {
        i: (s.signals, s.best == s.question.entry)
        for i, s in enumerate(found)
        if s.signals is not None and not s.withheld
    }
    samples = list(used.values())
    confidences = [0.0] * len(found)
    for i, confidence in zip(used, out_of_fold(samples), strict=True):
        confidences[i] = confidence
    rows = [
        Row(s.question, s.best, c, s.withheld, s.estimate)
        for s, c in zip(found, confidences, strict=True)
    ]
    return fit(samples), choose_threshold(rows)


def figures(rows: Scored, threshold: float) -> Figures:
    f = Figures()
    for row in rows:
        q, given = row.question, row.given(threshold)
        if q.entry is None:
            f.out_of_scope += 1
            f.abstained_out_of_scope += given is None
            continue
        f.in_scope += 1
        f.top1 += row.best == q.entry
        if given is None:
            f.abstained_in_scope += 1
        elif given == q.entry:
            f.answered_right += 1
        else:
            f.answered_wrong += 1
    return f


def within(promise: float, n: int) -> float:
    """The largest share of `n` questions whose upper bound (SAFETY standard errors above it)
    still keeps `promise`: the most a split of that size may show for the promise to hold."""
    low, high = 0.0, promise
    for _ in range(50):
        mid = (low + high) / 2
        if mid + SAFETY * math.sqrt(mid * (1 - mid) / max(n, 1)) <= promise:
            low = mid
        else:
            high = mid
    return low


def choose_threshold(rows: Scored) -> float:
    """The lowest threshold (the most answers) at which `rows` keep the issue's promises with a
    margin for the split's size (`within`): wrong confident answers and out-of-scope questions
    answered. Where none does, the threshold with the best utility: right answers count 1,
    wrong or out-of-scope answers cost WRONG_COST, abstentions 0 (ties go to the higher
    threshold)."""
    candidates = sorted({round(r.confidence, 4) for r in rows} | {1.0})
    best, best_value = 1.0, float("-inf")
    size = len(rows)
    outside = sum(r.question.entry is None for r in rows)
    max_wrong = within(PROMISED_WRONG, size) * size
    max_outside = within(PROMISED_OOS_ANSWERED, outside) * outside
    for t in candidates:
        f = figures(rows, t)
        answered_outside = f.out_of_scope - f.abstained_out_of_scope
        wrong = f.answered_wrong + answered_outside
        if wrong <= max_wrong and answered_outside <= max_outside:
            return t
        value = f.answered_right - WRONG_COST * wrong
        if value >= best_value:
            best, best_value = t, value
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calibrate", action="store_true", help="write calibration.json")
    parser.add_argument(
        "--misses",
        choices=SPLITS,
        help="also print each question of this split that is ranked wrong, answered wrongly "
        "or (out of scope) answered; diagnose on tuning, never tune on held_out",
    )
    args = parser.parse_args(argv)
    answerer = Answerer()
    questions = load_questions()
    if args.calibrate:
        tuning = [q for q in questions if q.split == "tuning"]
        answerer.confidence, answerer.threshold = calibrate(answerer, tuning)
    threshold = answerer.threshold
    rows = {s: scored(answerer, [q for q in questions if q.split == s]) for s in SPLITS}
    report = {
        "threshold": threshold,
        "entries": len(answerer.entries),
        **{s: figures(rows[s], threshold).as_dict() for s in SPLITS},
    }
    if args.calibrate:
        calibration_path().write_text(
            json.dumps(
                {
                    "threshold": threshold,
                    "features": FEATURES,
                    "weights": answerer.confidence.weights,
                    "chosen_on": "tuning",
                    "date": today().isoformat(),
                },
                indent=2,
            )
            + "\n",
            "utf-8",
        )
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if args.misses:
        for line in misses(rows[args.misses], threshold):
            sys.stdout.write(line + "\n")
    return 0


def misses(rows: Scored, threshold: float) -> list[str]:
    """One line per question the answerer gets wrong at `threshold`: a wrong best entry (marked
    ANSWERED when its confidence would have it answered) or an out-of-scope question answered."""
    lines = []
    for row in rows:
        q, given = row.question, row.given(threshold)
        if given == q.entry or (given is None and row.best == q.entry):
            continue  # right, rightly abstained on, or ranked right and abstained on
        mark = "ANSWERED" if given else "withheld" if row.withheld else "abstains"
        lines.append(
            f"{mark} {row.confidence:.3f} want={q.entry or '-'} got={given or row.best} {q.text}"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
