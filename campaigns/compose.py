"""Personalisation and rendering for one campaign, as the planner and the dispatcher use them.

`CampaignComposer` checks up front everything that can be checked without a resident (the
template exists for each channel, is approved by each SMS provider the campaign may use, uses
only known variables), so that a bad template is refused when the campaign is planned, never
discovered by a worker mid-send.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from campaigns.definition import CampaignDefinition, DefinitionError, MessageClass
from campaigns.personal import SAMPLE_VARIABLES, personal_variables
from campaigns.render import Rendered, Renderer
from campaigns.templates import TemplateRegistry, TemplateUse
from pension import load_parameters

_CLASS_ZH = {"notice": "通知", "promotional": "宣传"}


class CampaignComposer:
    """The planner's `Composer` and the dispatcher's `MessageRenderer` for campaigns."""

    def __init__(
        self,
        definition: CampaignDefinition,
        *,
        today: date,
        registry: TemplateRegistry | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.definition = definition
        self.today = today
        self.registry = registry or TemplateRegistry.load()
        self.renderer = renderer or Renderer(self.registry, max_sms_parts=definition.max_sms_parts)
        self.parameters = load_parameters(definition.province)
        self._used: frozenset[str] | None = None

    def check(self) -> None:
        """Refuse the campaign now if any channel or provider cannot send its template."""
        spec = self.registry.get(self.definition.template)
        if spec.use is not TemplateUse.CAMPAIGN:
            raise DefinitionError(
                f"模板“{spec.name}”用于答复居民的提问，活动不能使用",
                f"template {spec.name!r} answers residents' questions; a campaign cannot use it",
            )
        if self.definition.message_class not in (None, MessageClass(spec.message_class)):
            # The opt-out line and the provider's approval follow the template's class.
            raise DefinitionError(
                f"模板“{spec.name}”属于{_CLASS_ZH[spec.message_class]}类，活动不能改为其他类别",
                f"template {spec.name!r} is {spec.message_class}; the campaign cannot change that",
            )
        for channel in self.definition.channels:
            providers = self.definition.sms_providers() if channel == "sms" else ("telegram",)
            for provider in providers:
                self.renderer.check(self.definition.template, channel, provider)
                if channel == "sms":
                    # Typical values: a template that is too long for them is refused outright;
                    # a resident whose own values make it too long is excluded in the plan.
                    self.renderer.render(
                        self.definition.template, channel, provider, SAMPLE_VARIABLES
                    )

    @property
    def message_class(self) -> MessageClass:
        return self.definition.effective_class(
            self.registry.get(self.definition.template).message_class
        )

    # -- planner -------------------------------------------------------------------------
    def variables(self, resident: Any) -> dict[str, str]:
        """Only what the campaign's template files use: frozen in every message row."""
        if self._used is None:
            self._used = self.renderer.used_variables(self.definition.template)
        every = personal_variables(resident, as_of=self.today, parameters=self.parameters)
        return {k: v for k, v in every.items() if k in self._used}

    def sms_parts(self, variables: Mapping[str, str], provider: str) -> int:
        rendered = self.renderer.render(self.definition.template, "sms", provider, variables)
        return rendered.parts or 1

    # -- dispatcher ----------------------------------------------------------------------
    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered:
        return self.renderer.render(template, kind, provider, variables)


class SharedRenderer:
    """The dispatcher's renderer: every template, for any campaign.

    Length limits were applied when each campaign was planned, so this one only refuses what
    no gateway would take.
    """

    def __init__(self, registry: TemplateRegistry | None = None) -> None:
        self.registry = registry or TemplateRegistry.load()
        self.renderer = Renderer(self.registry, max_sms_parts=10)

    def render_message(
        self, template: str, kind: str, provider: str, variables: Mapping[str, str]
    ) -> Rendered:
        return self.renderer.render(template, kind, provider, variables)
