"""Turn a template and a resident's variables into the message a gateway sends.

SMS: the text is the approved fixed text with the values put in (render_sms.py), plus the
opt-out instruction for promotional templates; the length counts the 【signature】 too, as
carriers bill it, and a message above the campaign's part limit is refused. Telegram: the bot
template is full Jinja, run in a sandbox (templates are files we ship, but a sandbox costs
nothing and keeps a careless edit from reaching Python internals).

`check` validates everything that does not depend on a resident before a campaign starts;
`render` is what the dispatcher calls per message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from campaigns.definition import MessageClass
from campaigns.personal import SAMPLE_VARIABLES, VARIABLES
from campaigns.render_errors import (
    MessageTooLong,
    MissingVariableError,
    TemplateError,
    TemplateFormatError,
    UnknownTemplateError,
    UnknownVariableError,
    UnsafeTemplateError,
)
from campaigns.render_sms import SmsTemplate, parse_sms
from campaigns.sms_length import sms_parts
from campaigns.templates import REPLY_SAMPLE, REPLY_VARIABLES, TemplateRegistry, TemplateUse

#: The opt-out instruction each provider expects at the end of a promotional SMS.
OPT_OUT = {"aliyun": "回T退订", "tencent": "拒收请回复R", "twilio": "拒收请回复R"}

TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a channel.

    `text` is the body as the resident reads it (opt-out included, signature not); `length`
    counts what the carrier counts (【signature】 + body); `parts` is None off SMS.
    """

    text: str
    params: tuple[tuple[str, str], ...]
    sign_name: str | None
    template_code: str | None
    length: int
    parts: int | None


class Renderer:
    """Renders registry templates for a channel kind and provider."""

    def __init__(
        self,
        registry: TemplateRegistry,
        *,
        max_sms_parts: int = 3,
        variables: Collection[str] = VARIABLES,
    ) -> None:
        self.registry = registry
        self.max_sms_parts = max_sms_parts
        self.variables = frozenset(variables)
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(registry.root),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._sms: dict[str, SmsTemplate] = {}
        self._bot_vars: dict[str, frozenset[str]] = {}

    # -- up-front checks ---------------------------------------------------------------------
    def sms_template(self, name: str) -> SmsTemplate:
        """The parsed SMS template of `name`, checked once (plain variables, known names)."""
        found = self._sms.get(name)
        if found is None:
            source = self._source(name, "sms")
            found = parse_sms(self.env, name, source)
            self._known(name, found.variables, self._allowed(name))
            self._sms[name] = found
        return found

    def provider_content(self, name: str, provider: str) -> str:
        """The SMS text to submit to `provider` for approval, opt-out included if promotional."""
        body = self.sms_template(name).content(provider)
        return body + self._opt_out(name, provider)

    def check(self, name: str, kind: str, provider: str) -> None:
        """Refuse now what would fail for every resident: a missing, malformed or unapproved
        template, an unknown variable, or a text too long even with sample values."""
        spec = self.registry.get(name)
        if kind == "sms":
            if provider == TELEGRAM:
                raise UnknownTemplateError(
                    "短信不能通过 Telegram 发送", "an SMS cannot go through the telegram channel"
                )
            self.registry.approval(spec.name, provider)
            self.sms_template(name)
        elif kind == TELEGRAM:
            self._check_bot(name)
        else:
            raise UnknownTemplateError(f"未知的渠道类型“{kind}”", f"unknown channel kind '{kind}'")
        self.render(name, kind, provider, SAMPLE_VARIABLES | REPLY_SAMPLE)

    def used_variables(self, name: str) -> frozenset[str]:
        """Variables any file of `name` uses: what a message of it needs frozen at launch.

        Personal variables hold every variable any template may use (about 600 bytes as JSON);
        keeping only these keeps a million message rows small.
        """
        spec = self.registry.get(name)
        used: set[str] = set()
        if "sms" in spec.files:
            used.update(self.sms_template(name).variables)
        if TELEGRAM in spec.files:
            used.update(self._check_bot(name))
        return frozenset(used)

    def check_all(self) -> None:
        """Check every template of the registry for every kind and provider it declares."""
        for spec in self.registry:
            for kind in spec.files:
                providers = tuple(spec.approvals) if kind == "sms" else (TELEGRAM,)
                for provider in providers:
                    self.check(spec.name, kind, provider)

    # -- rendering ---------------------------------------------------------------------------
    def render(self, name: str, kind: str, provider: str, variables: Mapping[str, str]) -> Rendered:
        """The message of template `name` for one resident's `variables`."""
        if kind == TELEGRAM:
            return self._render_bot(name, variables)
        if kind != "sms":
            raise UnknownTemplateError(f"未知的渠道类型“{kind}”", f"unknown channel kind '{kind}'")
        approval = self.registry.approval(name, provider)
        body, params = self.sms_template(name).fill(variables, provider, cap=approval.variable_max)
        text = body + self._opt_out(name, provider)
        signed = f"【{approval.sign_name}】{text}"
        parts = sms_parts(signed)
        if parts > self.max_sms_parts:
            raise MessageTooLong(
                f"短信太长：含签名共 {len(signed)} 个字，需分 {parts} 条发送，"
                f"超过上限 {self.max_sms_parts} 条",
                f"SMS too long: {len(signed)} characters with the signature, {parts} parts, "
                f"above the limit of {self.max_sms_parts} parts",
            )
        return Rendered(
            text=text,
            params=params,
            sign_name=approval.sign_name,
            template_code=approval.template_code,
            length=len(signed),
            parts=parts,
        )

    # -- internals ---------------------------------------------------------------------------
    def _opt_out(self, name: str, provider: str) -> str:
        if self.registry.get(name).message_class is not MessageClass.PROMOTIONAL:
            return ""
        return OPT_OUT.get(provider, OPT_OUT["tencent"])

    def _source(self, name: str, kind: str) -> str:
        path = self.registry.file(name, kind)
        try:
            source, _filename, _uptodate = self.env.loader.get_source(self.env, path)  # type: ignore[union-attr]
        except TemplateNotFound as exc:
            raise UnknownTemplateError(
                f"模板“{name}”的文件 {path} 不存在", f"template '{name}': file {path} not found"
            ) from exc
        return source

    def _allowed(self, name: str) -> frozenset[str]:
        """The variables `name` may use: reply templates may also use the reply variables."""
        if self.registry.get(name).use is TemplateUse.REPLY:
            return self.variables | frozenset(REPLY_VARIABLES)
        return self.variables

    def _known(self, name: str, used: Collection[str], allowed: frozenset[str]) -> None:
        unknown = sorted(set(used) - allowed)
        if unknown:
            listed = ", ".join(unknown)
            raise UnknownVariableError(
                f"模板“{name}”用了未知变量：{listed}（可用变量：{', '.join(sorted(allowed))}）",
                f"template '{name}' uses unknown variable(s): {listed}",
            )

    def _check_bot(self, name: str) -> frozenset[str]:
        known = self._bot_vars.get(name)
        if known is not None:
            return known
        used: set[str] = set()
        pending = [self.registry.file(name, TELEGRAM)]
        seen: set[str] = set()
        while pending:
            # Included files share the resident's variables: check them with the template.
            path = pending.pop()
            seen.add(path)
            tree = self._parse_bot(name, path)
            found = meta.find_undeclared_variables(tree)
            self._known(name, found, self._allowed(name))
            used.update(found)
            for included in meta.find_referenced_templates(tree):
                if included is None:
                    raise TemplateFormatError(
                        f"机器人模板“{name}”引用的文件名必须写死",
                        f"bot template '{name}' may include only fixed file names",
                    )
                if included not in seen:
                    pending.append(included)
        self._bot_vars[name] = frozenset(used)
        return self._bot_vars[name]

    def _parse_bot(self, name: str, path: str) -> nodes.Template:
        try:
            source, _filename, _uptodate = self.env.loader.get_source(self.env, path)  # type: ignore[union-attr]
            return self.env.parse(source)
        except TemplateNotFound as exc:
            raise UnknownTemplateError(
                f"机器人模板“{name}”的文件 {path} 不存在",
                f"bot template '{name}': file {path} not found",
            ) from exc
        except TemplateSyntaxError as exc:
            raise TemplateFormatError(
                f"机器人模板“{name}”（{path}）第 {exc.lineno} 行语法错误：{exc.message}",
                f"bot template '{name}' ({path}) line {exc.lineno}: {exc.message}",
            ) from exc

    def _render_bot(self, name: str, variables: Mapping[str, str]) -> Rendered:
        self._check_bot(name)
        template = self.env.get_template(self.registry.file(name, TELEGRAM))
        try:
            text = template.render(dict(variables))
        except SecurityError as exc:
            raise UnsafeTemplateError(
                f"机器人模板“{name}”做了沙箱禁止的操作：{exc}",
                f"bot template '{name}' did something the sandbox forbids: {exc}",
            ) from exc
        except UndefinedError as exc:
            raise MissingVariableError(
                f"机器人模板“{name}”缺少变量：{exc.message}",
                f"bot template '{name}' is missing a variable: {exc.message}",
            ) from exc
        except Exception as exc:
            # Whatever else a template raises at run time is the template's fault, not the send's.
            raise TemplateError(
                f"机器人模板“{name}”渲染失败：{type(exc).__name__}",
                f"bot template '{name}' failed to render: {type(exc).__name__}: {exc}",
            ) from exc
        text = text.strip()
        return Rendered(
            text=text, params=(), sign_name=None, template_code=None, length=len(text), parts=None
        )
