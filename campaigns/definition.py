"""What staff write to define a campaign (YAML or JSON), validated into `CampaignDefinition`.

name: 50岁以上断缴男性续缴提醒
segment: lapsed_men_50_plus        # a built-in segment, or an inline segment spec
template: lapsed_men_50            # a name in templates/registry.yaml
channels: [telegram, sms]          # preference order; a resident gets the first reachable
sms_provider: aliyun               # primary SMS gateway
sms_fallback: tencent              # optional: used while the primary is down
message_class: promotional         # notice | promotional (default: the template's class)
schedule: {at: 2026-11-23T09:00:00+08:00}   # or {cron: "0 9 * * 1"}, or
                                   # {relative: {to: contribution_year_end, days: -30}}
window: {start: "08:00", end: "20:00"}      # Asia/Shanghai; outside it messages are held
frequency_cap_days: 7              # at most one outreach message per resident in N days
province: yunnan                   # pension parameters for the estimate
"""

from __future__ import annotations

import json
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core import RESIDENT_TZ, BilingualError
from ledger.segments import Segment, SpecError, builtin_segments, parse_segment


class DefinitionError(BilingualError):
    """A campaign file staff must fix; the message names the field."""


class MessageClass(StrEnum):
    NOTICE = "notice"  # about the person's own insurance: a payment window, a deadline
    PROMOTIONAL = "promotional"  # publicity about enrolling: consent rules and quiet hours apply


class Priority:
    """Lower is sooner: replies to residents, then notices, then promotional messages."""

    REPLY = 0
    NOTICE = 1
    PROMOTIONAL = 2


SMS_PROVIDERS = ("aliyun", "tencent", "twilio")
CHANNEL_KINDS = ("sms", "telegram")

#: Promotional SMS may not be sent 20:00–08:00 (mainland rule); a wider window is refused.
PROMOTIONAL_EARLIEST = time(8, 0)
PROMOTIONAL_LATEST = time(20, 0)


class RelativeTo(StrEnum):
    CONTRIBUTION_YEAR_END = "contribution_year_end"  # 31 December of the current year
    AGE_60 = "age_60"  # the resident's 60th birthday


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start >= self.end:
            raise ValueError("window start must be before its end")
        return self


class Relative(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    to: RelativeTo
    days: int = Field(ge=-366, le=366)


class Schedule(BaseModel):
    """Exactly one of: nothing (now), `at`, `cron`, `relative`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime | None = None
    cron: str | None = None
    relative: Relative | None = None

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if sum(x is not None for x in (self.at, self.cron, self.relative)) > 1:
            raise ValueError("give at most one of at, cron, relative")
        if self.at is not None and self.at.tzinfo is None:
            object.__setattr__(self, "at", self.at.replace(tzinfo=RESIDENT_TZ))
        if self.cron is not None:
            CronTrigger.from_crontab(self.cron, timezone=RESIDENT_TZ)  # raises ValueError
        return self

    @property
    def kind(self) -> Literal["now", "at", "cron", "relative"]:
        if self.at is not None:
            return "at"
        if self.cron is not None:
            return "cron"
        if self.relative is not None:
            return "relative"
        return "now"


class CampaignDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    segment: str | dict[str, Any]
    template: str = Field(min_length=1)
    channels: tuple[Literal["sms", "telegram"], ...] = ("sms",)
    sms_provider: Literal["aliyun", "tencent", "twilio"] = "aliyun"
    sms_fallback: Literal["aliyun", "tencent", "twilio"] | None = None
    message_class: MessageClass | None = None
    schedule: Schedule = Schedule()
    window: Window | None = None
    frequency_cap_days: int = Field(default=7, ge=0, le=365)
    province: str = "national"
    max_sms_parts: int = Field(default=3, ge=1, le=10)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one channel")
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value

    @model_validator(mode="after")
    def _fallback_differs(self) -> CampaignDefinition:
        if self.sms_fallback is not None and self.sms_fallback == self.sms_provider:
            raise ValueError("sms_fallback must differ from sms_provider")
        return self

    def segment_spec(self) -> Segment:
        """The segment: a built-in by name, or the inline spec."""
        if isinstance(self.segment, str):
            found = builtin_segments().get(self.segment)
            if found is None:
                raise DefinitionError(
                    f"没有名为“{self.segment}”的内置人群", f"no built-in segment '{self.segment}'"
                )
            return found
        try:
            return parse_segment({"name": self.name, **self.segment})
        except SpecError as exc:
            raise DefinitionError(f"人群定义有误：{exc.zh}", f"bad segment: {exc.en}") from exc

    def effective_class(self, template_class: str) -> MessageClass:
        return self.message_class or MessageClass(template_class)

    def effective_window(self, message_class: MessageClass) -> Window:
        """The send window; promotional messages may never leave 08:00–20:00."""
        window = self.window or Window(start=time(8, 0), end=time(20, 0))
        if message_class is MessageClass.PROMOTIONAL and (
            window.start < PROMOTIONAL_EARLIEST or window.end > PROMOTIONAL_LATEST
        ):
            raise DefinitionError(
                "宣传类短信只能在 08:00–20:00 之间发送，请缩小发送时段",
                "promotional messages may only be sent 08:00-20:00; narrow the window",
            )
        return window

    def sms_providers(self) -> tuple[str, ...]:
        return (
            (self.sms_provider,)
            if self.sms_fallback is None
            else (
                self.sms_provider,
                self.sms_fallback,
            )
        )

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> CampaignDefinition:
        return cls.model_validate_json(text)


def priority_of(message_class: MessageClass) -> int:
    return Priority.NOTICE if message_class is MessageClass.NOTICE else Priority.PROMOTIONAL


def parse_definition(data: object) -> CampaignDefinition:
    """Validate a parsed YAML/JSON document; errors name the field in both languages."""
    if not isinstance(data, dict):
        raise DefinitionError("活动定义应为键值表", "a campaign definition must be a mapping")
    try:
        return CampaignDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise DefinitionError(
            f"活动定义字段 {where} 有误：{first['msg']}",
            f"campaign field {where}: {first['msg']}",
        ) from exc


def load_definition(path: Path) -> CampaignDefinition:
    """Read a campaign file (.yaml, .yml or .json)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(
            f"无法读取活动文件 {path}", f"cannot read campaign file {path}"
        ) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DefinitionError(
            f"活动文件 {path.name} 格式错误", f"campaign file {path.name} is not valid YAML/JSON"
        ) from exc
    return parse_definition(data)
