"""parse_mode=HTML as Telegram reads it: plain text plus entities, or a 400.

A bot that formats its replies in HTML must see the same result from the stand-in as from
Telegram: tags become entities (offsets in UTF-16 units) and vanish from the text, and a tag
Telegram does not know, or one left open, is refused with "can't parse entities". Markdown modes
are not interpreted (the text is kept as sent); the project formats in HTML or not at all.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from channels.sandbox.telegram_objects import utf16_length
from channels.sandbox.telegram_params import bad_request

#: Tag -> entity type, as in the Bot API's "HTML style" section.
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The text a user sees and its entities; ApiError 400 when Telegram would refuse it."""
    parser = _Parser()
    try:
        parser.feed(source)
        parser.close()
    except _ParseError as err:
        raise bad_request(f"can't parse entities: {err}") from err
    if parser.open:
        tag = parser.open[-1][0]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
        )
    text = "".join(parser.parts)
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return text, entities


class _ParseError(Exception):
    pass


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self._length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _TAGS.get(tag)
        values = dict(attrs)
        if kind is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            raise _ParseError(f'Unsupported start tag "{tag}"')
        extra: dict[str, Any] = {}
        if tag == "a":
            extra["url"] = values.get("href") or ""
        if tag == "code" and self.open and self.open[-1][0] == "pre":
            language = (values.get("class") or "").removeprefix("language-")
            if language:
                self.open[-1][2]["language"] = language
            extra["inside_pre"] = True
        self.open.append((tag, self._length, extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise _ParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        _, start, extra = self.open.pop()
        if extra.pop("inside_pre", False):
            return  # <pre><code class="language-x"> is one pre entity with a language
        if self._length > start:
            self.entities.append(
                {"type": _TAGS[tag], "offset": start, "length": self._length - start, **extra}
            )

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self._length += utf16_length(data)
