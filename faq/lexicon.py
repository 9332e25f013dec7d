"""Write faq/data/lexicon.txt: the segmenter's dictionary, every word of the knowledge base.

    python -m faq.lexicon [--check]

Each word of the entries (questions, answers, phrasings), as jieba's full dictionary segments
them in search mode, with that dictionary's frequency. Run it after editing entries.yaml;
`--check` exits 1 when the shipped file is out of date (the test suite runs the same check).
"""

from __future__ import annotations

import argparse
import logging
import sys

import jieba

from faq.knowledge import load_entries
from faq.text import SYNONYMS, lexicon_path


def build() -> str:
    """The lexicon's text for the shipped knowledge base."""
    full = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)
    full.initialize()
    words: dict[str, int] = {}
    texts = [t for e in load_entries() for t in (e.question, e.answer, *e.phrasings)]
    texts.extend(SYNONYMS.values())
    for text in texts:
        for word in full.lcut_for_search(text):
            if len(word) > 1 and not word.isspace():
                words[word] = max(int(full.FREQ.get(word) or 0), 1)
    return "".join(f"{w} {words[w]}\n" for w in sorted(words))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = build()
    path = lexicon_path()
    if args.check:
        current = path.read_text("utf-8") if path.exists() else ""
        if current != text:
            sys.stderr.write(f"{path} is out of date: run python -m faq.lexicon\n")
            return 1
        return 0
    path.write_text(text, "utf-8")
    sys.stdout.write(f"{path}: {text.count(chr(10))} words\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
