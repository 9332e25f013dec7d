"""The knowledge base: entries written by the team from FAQ_FACTS.md, loaded and checked.

An entry is one question residents ask, its answer in plain Chinese, the ways residents phrase
it, and where its facts come from. `route: estimate` marks questions about the resident's own
money: those are answered by the pension estimator with their own data, never by a canned text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from core import BilingualError

#: A phone screen's worth of text.
MAX_ANSWER_CHARS = 200
ROUTES = frozenset({"estimate"})
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class KnowledgeBaseError(BilingualError):
    """The knowledge base file is missing, malformed or breaks a rule (names the entry)."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    question: str
    answer: str
    phrasings: tuple[str, ...]
    tags: tuple[str, ...]
    source: str
    last_checked: date
    varies_by_province: bool
    route: str | None = None


def default_path() -> Path:
    return Path(str(resources.files("faq") / "data" / "entries.yaml"))


def load_entries(path: Path | None = None) -> tuple[Entry, ...]:
    """Every entry of the file (the shipped one by default), checked."""
    data = read_list(path or default_path(), "知识库", "knowledge base")
    entries = tuple(_entry(item, n) for n, item in enumerate(data, start=1))
    _check_unique(entries)
    return entries


def read_list(source: Path, name: str, name_en: str) -> list[Any]:
    """The non-empty YAML list in `source`; a file that cannot be read or holds anything else
    is refused, naming it (`name`, `name_en`: what the file is, for the message)."""
    try:
        data = yaml.safe_load(source.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise KnowledgeBaseError(
            f"无法读取{name} {source}：{err}", f"cannot read {name_en} {source}: {err}"
        ) from err
    if not isinstance(data, list) or not data:
        raise KnowledgeBaseError(
            f"{name} {source} 应是一个非空列表", f"{name_en} {source} must be a non-empty list"
        )
    return data


def _entry(item: Any, n: int) -> Entry:
    where = f"entry {n}"
    if not isinstance(item, dict):
        raise KnowledgeBaseError(f"第 {n} 条不是映射", f"{where} is not a mapping")
    ident = item.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise KnowledgeBaseError(f"第 {n} 条的 id 无效：{ident!r}", f"{where}: bad id {ident!r}")
    where = f"entry '{ident}'"
    question = _text(item, "question", where)
    answer = _text(item, "answer", where).strip()
    if len(answer) > MAX_ANSWER_CHARS:
        raise KnowledgeBaseError(
            f"条目“{ident}”的回答超过 {MAX_ANSWER_CHARS} 字",
            f"{where}: answer longer than {MAX_ANSWER_CHARS} characters",
        )
    phrasings = item.get("phrasings")
    if not isinstance(phrasings, list) or not all(isinstance(p, str) and p for p in phrasings):
        raise KnowledgeBaseError(
            f"条目“{ident}”的 phrasings 应是文字列表",
            f"{where}: phrasings must be a list of texts",
        )
    tags = item.get("tags") or []
    checked = item.get("last_checked")
    if not isinstance(checked, date):
        raise KnowledgeBaseError(
            f"条目“{ident}”缺少核对日期 last_checked", f"{where}: last_checked must be a date"
        )
    route = item.get("route")
    if route is not None and route not in ROUTES:
        raise KnowledgeBaseError(
            f"条目“{ident}”的 route 无效：{route!r}", f"{where}: unknown route {route!r}"
        )
    return Entry(
        id=ident,
        question=question,
        answer=answer,
        phrasings=tuple(p.strip() for p in phrasings),
        tags=tuple(str(t) for t in tags),
        source=_text(item, "source", where),
        last_checked=checked,
        varies_by_province=bool(item.get("varies_by_province", False)),
        route=route,
    )


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeBaseError(f"{where} 缺少 {key}", f"{where}: {key} is missing or empty")
    return value


def _check_unique(entries: tuple[Entry, ...]) -> None:
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for entry in entries:
        if entry.id in ids:
            raise KnowledgeBaseError(f"条目 id 重复：{entry.id}", f"duplicate entry id {entry.id}")
        ids.add(entry.id)
        for text in (entry.question, *entry.phrasings):
            other = seen.get(text)
            if other is not None and other != entry.id:
                raise KnowledgeBaseError(
                    f"问法“{text}”同时属于 {other} 和 {entry.id}",
                    f"phrasing '{text}' belongs to both {other} and {entry.id}",
                )
            seen[text] = entry.id
