"""SMS templates: fixed text with plain `{{ variable }}` slots, checked the way providers check.

A provider approves fixed text with numbered or named slots and fills the slots itself; what the
resident reads is exactly that text with the values put in. So an SMS template may hold nothing
but text and plain variables (no filters, conditions, attributes or loops: their output could
not be derived from the approved text), and the rules providers apply on approval are applied
here, at load time, so that a file we ship can always be submitted as it is:

- variable names: a letter, then letters, digits or underscores, at most 25 characters, and
  not one of the names Alibaba Cloud reserves (email, mobile, id, nick, site);
- each variable at most once (Alibaba Cloud notification templates allow no repeats), never
  two variables side by side and never a template of variables only;
- no 【】 in the text (they would read as a second signature), one line only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError, nodes

from campaigns.render_errors import (
    MissingVariableError,
    TemplateError,
    TemplateFormatError,
    VariableTooLongError,
)

_VAR_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,24}")
_RESERVED = frozenset({"email", "mobile", "id", "nick", "site"})

#: Longest variable value each provider accepts (characters). Alibaba Cloud: 35 for notification
#: templates. Tencent Cloud: no limit for organisation-verified accounts (12 for personal ones,
#: which cannot send to the mainland anyway); we hold it to the same 35 so that one cap holds
#: whichever provider a campaign falls back to.
VARIABLE_CAP = {"aliyun": 35, "tencent": 35}


@dataclass(frozen=True, slots=True)
class Slot:
    """A variable slot in an SMS template."""

    name: str


Piece = str | Slot


@dataclass(frozen=True, slots=True)
class SmsTemplate:
    """A parsed SMS template: text and slots in order."""

    name: str
    pieces: tuple[Piece, ...]

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables in the order they appear (the provider's parameter order)."""
        return tuple(p.name for p in self.pieces if isinstance(p, Slot))

    def content(self, provider: str) -> str:
        """The text to submit for approval: `${name}` for aliyun, `{1}`, `{2}`... for tencent."""
        out: list[str] = []
        number = 0
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif provider == "aliyun":
                out.append("${" + piece.name + "}")
            elif provider == "tencent":
                number += 1
                out.append("{" + str(number) + "}")
            else:
                raise TemplateError(
                    f"短信服务商 {provider} 不审核模板内容",
                    f"SMS provider '{provider}' approves no template content",
                )
        return "".join(out)

    def fill(
        self, values: Mapping[str, str], provider: str, *, cap: int | None = None
    ) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The body with values put in, and the (name, value) parameters in template order.

        `cap` is the approval's own limit on a value's length; None: the provider's usual one.
        """
        cap = cap if cap is not None else VARIABLE_CAP.get(provider)
        out: list[str] = []
        params: list[tuple[str, str]] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = values.get(piece.name)
            if not value:
                # Providers refuse an empty parameter, and "停缴个月" would mislead the resident.
                raise MissingVariableError(
                    f"短信模板“{self.name}”需要变量 {piece.name}，但此人没有这项信息",
                    f"SMS template '{self.name}' needs variable '{piece.name}', "
                    "which is empty for this resident",
                )
            if cap is not None and len(value) > cap:
                raise VariableTooLongError(
                    f"变量 {piece.name} 的内容超过 {provider} 允许的 {cap} 个字",
                    f"variable '{piece.name}' is longer than the {cap} characters "
                    f"{provider} allows",
                )
            if "【" in value or "】" in value:
                raise TemplateFormatError(
                    f"变量 {piece.name} 的内容含【】，会被误认为签名",
                    f"variable '{piece.name}' contains 【】, which would read as a signature",
                )
            out.append(value)
            params.append((piece.name, value))
        return "".join(out), tuple(params)


def parse_sms(env: Environment, name: str, source: str) -> SmsTemplate:
    """Parse and check an SMS template's source; any construct beyond text and names is refused."""
    try:
        tree = env.parse(source.strip())
    except TemplateSyntaxError as exc:
        raise TemplateFormatError(
            f"短信模板“{name}”第 {exc.lineno} 行语法错误：{exc.message}",
            f"SMS template '{name}' line {exc.lineno}: {exc.message}",
        ) from exc
    pieces: list[Piece] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            raise _not_plain(name, type(node).__name__)
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                if pieces and isinstance(pieces[-1], str):
                    pieces[-1] += child.data
                else:
                    pieces.append(child.data)
            elif isinstance(child, nodes.Name):
                pieces.append(_slot(name, child.name, pieces))
            else:
                raise _not_plain(name, type(child).__name__)
    _check_text(name, pieces)
    return SmsTemplate(name, tuple(pieces))


def _slot(name: str, variable: str, before: list[Piece]) -> Slot:
    if not _VAR_NAME.fullmatch(variable) or variable.lower() in _RESERVED:
        raise TemplateFormatError(
            f"短信模板“{name}”的变量名 {variable} 不符合服务商规则"
            "（字母开头，字母数字下划线，最长25个，不能用 email/mobile/id/nick/site）",
            f"SMS template '{name}': variable name '{variable}' breaks provider rules",
        )
    if before and isinstance(before[-1], Slot):
        raise TemplateFormatError(
            f"短信模板“{name}”中变量 {before[-1].name} 和 {variable} 紧挨在一起，服务商不予审核",
            f"SMS template '{name}': variables '{before[-1].name}' and '{variable}' are adjacent",
        )
    if any(isinstance(p, Slot) and p.name == variable for p in before):
        raise TemplateFormatError(
            f"短信模板“{name}”中变量 {variable} 出现了不止一次",
            f"SMS template '{name}': variable '{variable}' appears more than once",
        )
    return Slot(variable)


def _check_text(name: str, pieces: list[Piece]) -> None:
    text = "".join(p for p in pieces if isinstance(p, str))
    if not text.strip():
        raise TemplateFormatError(
            f"短信模板“{name}”没有固定文字，服务商不审核只有变量的模板",
            f"SMS template '{name}' has no fixed text; providers refuse variable-only templates",
        )
    if "【" in text or "】" in text:
        raise TemplateFormatError(
            f"短信模板“{name}”正文含【】，会被误认为签名；签名由登记表提供",
            f"SMS template '{name}' contains 【】 in its text; "
            "the signature comes from the registry",
        )
    if "\n" in text or "\r" in text:
        raise TemplateFormatError(
            f"短信模板“{name}”应写成一行", f"SMS template '{name}' must be a single line"
        )


def _not_plain(name: str, construct: str) -> TemplateFormatError:
    return TemplateFormatError(
        f"短信模板“{name}”只能包含文字和 {{{{ 变量 }}}}，不能用 {construct}"
        "（服务商审核的是固定文字加变量）",
        f"SMS template '{name}' may hold only text and plain {{{{ variable }}}} slots, "
        f"not {construct} (providers approve fixed text with variables)",
    )
