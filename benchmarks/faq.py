"""FAQ answer quality and speed: prints one JSON object.

    python benchmarks/faq.py [--rounds 5]

- start-up: a fresh interpreter imports faq and builds the answerer (knowledge base loaded,
  segmenter dictionary loaded, index built), timed from the interpreter's start;
- quality: the figures of faq/data/questions.yaml on both splits at the shipped threshold
  (top-1 accuracy, right answers, abstention on out-of-scope questions, wrong confident answers);
- latency: every question of the set asked `--rounds` times, p50/p95/p99/max per answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faq import Answerer  # noqa: E402
from faq.evaluate import SPLITS, figures, load_questions, scored  # noqa: E402

STARTUP = (
    "import time; t0 = time.perf_counter(); from faq import Answerer; a = Answerer(); "
    "a.ask('断缴了以前交的还算吗'); print(time.perf_counter() - t0)"
)


def startup_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", STARTUP], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    startups = [startup_seconds() for _ in range(3)]
    answerer = Answerer()
    questions = load_questions()
    quality = {
        s: figures(scored(answerer, [q for q in questions if q.split == s]), answerer.threshold)
        for s in SPLITS
    }
    latencies: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            answerer.ask(q.text)
            latencies.append((time.perf_counter() - t) * 1000)
    print(
        json.dumps(
            {
                "entries": len(answerer.entries),
                "phrasings": sum(len(e.phrasings) + 1 for e in answerer.entries),
                "questions": len(questions),
                "threshold": answerer.threshold,
                "startup_s": [round(s, 3) for s in startups],
                "quality": {s: f.as_dict() for s, f in quality.items()},
                "latency_ms": {
                    "answers": len(latencies),
                    "p50": round(statistics.median(latencies), 3),
                    "p95": round(percentile(latencies, 0.95), 3),
                    "p99": round(percentile(latencies, 0.99), 3),
                    "max": round(max(latencies), 3),
                },
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
