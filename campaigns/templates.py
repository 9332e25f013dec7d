"""The template registry (templates/registry.yaml): what each template is for and who approved it.

Mainland SMS providers send only text they approved in advance, under an approved signature,
so the registry records, per template: the message class (notice or promotional, with the
reason), the built-in segment it was written for, its file per channel kind, and each provider's
approval (template code and sign name). Sending through a provider that has not approved the
template is refused here, before any gateway is asked.

A template's `use` is `campaign` (the default: written for a segment) or `reply` (answers to a
resident's own SMS question; no segment, and it may use the reply variables, `REPLY_VARIABLES`).
An approval may raise the provider's limit on one variable's length (`variable_max`) where the
provider's account allows it (Tencent Cloud for organisation-verified accounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from campaigns.definition import CHANNEL_KINDS, SMS_PROVIDERS, MessageClass
from campaigns.render_errors import RegistryError, TemplateNotApproved, UnknownTemplateError
from ledger.segments import builtin_segments

#: templates/ at the project root: next to campaigns/, not package data.
TEMPLATES_ROOT = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_REGISTRY = TEMPLATES_ROOT / "registry.yaml"

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: What each provider's template code looks like; Twilio-style gateways approve no templates.
_CODE = {"aliyun": re.compile(r"SMS_\d{1,20}"), "tencent": re.compile(r"\d{1,20}"), "twilio": None}


class TemplateUse(StrEnum):
    CAMPAIGN = "campaign"  # a campaign's message to a segment
    REPLY = "reply"  # an answer to a resident's own SMS question


#: Variables a reply template may use besides the personal ones: the short answer.
REPLY_VARIABLES: tuple[str, ...] = ("answer",)
REPLY_SAMPLE: dict[str, str] = {
    "answer": "以前交的年限不会作废，个人账户里的钱和利息也都保留。详询12333。",
}


@dataclass(frozen=True, slots=True)
class Approval:
    """A provider's approval: the template code (None where the provider has none) and sign;
    `variable_max` is this approval's limit on a variable's length (None: the provider's)."""

    template_code: str | None
    sign_name: str
    variable_max: int | None = None


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One registry entry."""

    name: str
    description: str
    message_class: MessageClass
    class_reason: str
    segment: str | None  # None for reply templates
    files: Mapping[str, str]
    approvals: Mapping[str, Approval]
    use: TemplateUse = TemplateUse.CAMPAIGN


class TemplateRegistry:
    """Every template by name, with the folder its files are read from."""

    def __init__(self, specs: Mapping[str, TemplateSpec], root: Path) -> None:
        self._specs = dict(specs)
        self.root = root

    @classmethod
    def load(cls, path: Path | None = None) -> TemplateRegistry:
        """Read and validate a registry file; template files are relative to its folder."""
        path = path or DEFAULT_REGISTRY
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RegistryError(
                f"无法读取模板登记表 {path}：{exc.strerror}",
                f"cannot read the template registry {path}: {exc.strerror}",
            ) from exc
        except yaml.YAMLError as exc:
            raise RegistryError(
                f"模板登记表 {path} 不是有效的 YAML", f"the template registry {path} is not YAML"
            ) from exc
        entries = raw.get("templates") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise RegistryError(
                "模板登记表应有 templates 列表", "the template registry needs a 'templates' list"
            )
        specs: dict[str, TemplateSpec] = {}
        for entry in entries:
            spec = _spec(entry, path.parent)
            if spec.name in specs:
                raise RegistryError(
                    f"模板“{spec.name}”登记了两次", f"template '{spec.name}' is listed twice"
                )
            specs[spec.name] = spec
        return cls(specs, path.parent)

    def names(self) -> tuple[str, ...]:
        """Template names in registry order."""
        return tuple(self._specs)

    def __iter__(self) -> Iterator[TemplateSpec]:
        return iter(self._specs.values())

    def campaign_templates(self) -> tuple[TemplateSpec, ...]:
        """The templates campaigns may use (not the replies to residents' questions)."""
        return tuple(s for s in self._specs.values() if s.use is TemplateUse.CAMPAIGN)

    def get(self, name: str) -> TemplateSpec:
        """The entry of `name`; an unknown name lists the known ones."""
        spec = self._specs.get(name)
        if spec is None:
            known = "、".join(self._specs) or "（无）"
            raise UnknownTemplateError(
                f"没有名为“{name}”的消息模板，已登记：{known}",
                f"no message template '{name}'; known: {', '.join(self._specs) or '(none)'}",
            )
        return spec

    def file(self, name: str, kind: str) -> str:
        """The template file of `name` for a channel kind, relative to `root`."""
        spec = self.get(name)
        found = spec.files.get(kind)
        if found is None:
            raise UnknownTemplateError(
                f"模板“{name}”没有{_KIND_ZH.get(kind, kind)}版本",
                f"template '{name}' has no {kind} version",
            )
        return found

    def approval(self, name: str, provider: str) -> Approval:
        """The provider's approval of `name`; refused when that provider has not approved it."""
        spec = self.get(name)
        found = spec.approvals.get(provider)
        if found is None:
            approved = "、".join(spec.approvals) or "（无）"
            raise TemplateNotApproved(
                f"模板“{name}”未经短信服务商 {provider} 审核通过，不能通过它发送；"
                f"已通过审核的服务商：{approved}",
                f"template '{name}' is not approved by SMS provider '{provider}'; "
                f"approved by: {', '.join(spec.approvals) or '(none)'}",
            )
        return found


_KIND_ZH = {"sms": "短信", "telegram": "Telegram 机器人"}


def _spec(entry: Any, root: Path) -> TemplateSpec:
    """One validated entry."""
    if not isinstance(entry, dict):
        raise RegistryError("每个模板登记应为键值表", "each template entry must be a mapping")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(
            f"模板名称应为小写字母、数字和下划线：{name!r}",
            f"a template name must be lower-case letters, digits and underscores: {name!r}",
        )
    description = _text(entry, "description", name)
    try:
        message_class = MessageClass(str(entry.get("message_class")))
    except ValueError:
        raise RegistryError(
            f"模板“{name}”的 message_class 应为 notice（通知）或 promotional（宣传）",
            f"template '{name}': message_class must be notice or promotional",
        ) from None
    reason = _text(entry, "class_reason", name)
    try:
        use = TemplateUse(str(entry.get("use", TemplateUse.CAMPAIGN.value)))
    except ValueError:
        raise RegistryError(
            f"模板“{name}”的 use 应为 campaign（活动）或 reply（答复居民提问）",
            f"template '{name}': use must be campaign or reply",
        ) from None
    segment: str | None = None
    if use is TemplateUse.CAMPAIGN:
        segment = _text(entry, "segment", name)
        if segment not in builtin_segments():
            raise RegistryError(
                f"模板“{name}”对应的人群“{segment}”不是内置人群",
                f"template '{name}': segment '{segment}' is not a built-in segment",
            )
    return TemplateSpec(
        name=name,
        description=description,
        message_class=message_class,
        class_reason=reason,
        segment=segment,
        files=_files(entry.get("files"), name, root),
        approvals=_approvals(entry.get("approvals") or {}, name),
        use=use,
    )


def _text(entry: Mapping[str, Any], key: str, name: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"模板“{name}”缺少 {key}", f"template '{name}' needs a {key}")
    return value.strip()


def _files(raw: Any, name: str, root: Path) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise RegistryError(
            f"模板“{name}”缺少 files（各渠道的模板文件）",
            f"template '{name}' needs files (one per channel kind)",
        )
    files: dict[str, str] = {}
    for kind, relative in raw.items():
        if kind not in CHANNEL_KINDS:
            raise RegistryError(
                f"模板“{name}”的渠道“{kind}”未知，可选：{'、'.join(CHANNEL_KINDS)}",
                f"template '{name}': unknown channel kind '{kind}'; use {', '.join(CHANNEL_KINDS)}",
            )
        if not isinstance(relative, str) or not (root / relative).is_file():
            raise RegistryError(
                f"模板“{name}”的文件 {relative} 不存在", f"template '{name}': no file {relative}"
            )
        files[kind] = relative
    return files


def _approvals(raw: Any, name: str) -> dict[str, Approval]:
    if not isinstance(raw, dict):
        raise RegistryError(
            f"模板“{name}”的 approvals 应为键值表",
            f"template '{name}': approvals must be a mapping",
        )
    approvals: dict[str, Approval] = {}
    for provider, item in raw.items():
        if provider not in SMS_PROVIDERS:
            raise RegistryError(
                f"模板“{name}”的短信服务商“{provider}”未知，可选：{'、'.join(SMS_PROVIDERS)}",
                f"template '{name}': unknown SMS provider '{provider}'",
            )
        item = item if isinstance(item, dict) else {}
        sign = item.get("sign_name")
        if not isinstance(sign, str) or not sign.strip() or "【" in sign or "】" in sign:
            raise RegistryError(
                f"模板“{name}”在 {provider} 的签名缺失或含【】",
                f"template '{name}': the {provider} sign_name is missing or contains 【】",
            )
        code = item.get("template_code")
        pattern = _CODE[provider]
        if pattern is None:
            if code is not None:
                raise RegistryError(
                    f"{provider} 没有模板编号，请删除模板“{name}”的 template_code",
                    f"{provider} has no template codes; remove template_code of '{name}'",
                )
        elif not isinstance(code, str) or not pattern.fullmatch(code):
            raise RegistryError(
                f"模板“{name}”在 {provider} 的模板编号格式不对：{code!r}",
                f"template '{name}': bad {provider} template_code {code!r}",
            )
        variable_max = item.get("variable_max")
        if variable_max is not None and (
            isinstance(variable_max, bool) or not isinstance(variable_max, int) or variable_max < 1
        ):
            raise RegistryError(
                f"模板“{name}”在 {provider} 的 variable_max 应为正整数",
                f"template '{name}': the {provider} variable_max must be a positive integer",
            )
        approvals[provider] = Approval(
            template_code=code, sign_name=sign.strip(), variable_max=variable_max
        )
    return approvals
