"""Rendering: shipped templates for real residents, lengths and parts, and every refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from campaigns.definition import MessageClass
from campaigns.personal import SAMPLE_VARIABLES, personal_variables
from campaigns.render import OPT_OUT, Renderer
from campaigns.render_errors import (
    MessageTooLong,
    MissingVariableError,
    TemplateError,
    TemplateFormatError,
    TemplateNotApproved,
    UnknownVariableError,
    UnsafeTemplateError,
    VariableTooLongError,
)
from campaigns.templates import TemplateRegistry
from ledger import Resident
from pension import Parameters, load_parameters
from tests.campaigns.residents import resident
from tests.conftest import TODAY

PROVIDERS = ("aliyun", "tencent", "twilio")

#: A resident of each template's segment, built with the shared ledger builders.
SEGMENT_RESIDENTS: dict[str, dict[str, Any]] = {
    "lapsed_priority": {"birth": "19700315", "name": "欧阳建国"},
    "lapsed_this_year": {"birth": "19790101", "male": False, "name": "王芳"},
    "new_form_workers": {
        "birth": "19920611",
        "identity_group": "rider",
        "pension_scheme": None,
        "pension_status": "never",
        "pension_last_paid": None,
    },
    "migrant_workers": {
        "birth": "19850220",
        "male": False,
        "identity_group": "migrant_worker",
        "pension_status": "never",
        "pension_scheme": None,
        "pension_last_paid": None,
    },
    "land_expropriated_farmers": {
        "birth": "19750808",
        "identity_group": "land_expropriated_farmer",
    },
    "over_60_backpay": {"birth": "19620101", "pension_status": "never", "pension_last_paid": None},
    "medical_window": {"birth": "19881010", "medical_status": "lapsed", "name": "司马云"},
    "government_paid": {"birth": "19660505", "special_category": "minimum_living"},
}


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters("yunnan")


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return Renderer(TemplateRegistry.load())


def registry_with(
    tmp_path: Path,
    *,
    sms: str | None = "{{ address }}您好：请按时缴费。",
    bot: str | None = "{{ address }}您好！",
    message_class: str = "notice",
    approvals: dict[str, Any] | None = None,
) -> TemplateRegistry:
    """A one-template registry ('t') in tmp_path."""
    files: dict[str, str] = {}
    for kind, folder, text in (("sms", "sms", sms), ("telegram", "bot", bot)):
        if text is not None:
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / "t.j2").write_text(text, encoding="utf-8")
            files[kind] = f"{folder}/t.j2"
    entry = {
        "name": "t",
        "description": "测试模板",
        "message_class": message_class,
        "class_reason": "测试",
        "segment": "lapsed",
        "files": files,
        "approvals": approvals
        or {
            "aliyun": {"template_code": "SMS_100", "sign_name": "测试"},
            "tencent": {"template_code": "100", "sign_name": "测试"},
            "twilio": {"sign_name": "测试"},
        },
    }
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"templates": [entry]}, allow_unicode=True), encoding="utf-8")
    return TemplateRegistry.load(path)


VARS = {**SAMPLE_VARIABLES, "address": "张先生"}


# -- shipped templates ----------------------------------------------------------------------
def test_every_shipped_template_passes_its_checks(shipped: Renderer) -> None:
    shipped.check_all()
    campaign_templates = {spec.name for spec in shipped.registry.campaign_templates()}
    assert campaign_templates == set(SEGMENT_RESIDENTS)


@pytest.mark.parametrize("name", sorted(SEGMENT_RESIDENTS))
def test_every_template_renders_for_a_resident_of_its_segment(
    shipped: Renderer, params: Parameters, name: str
) -> None:
    person = Resident(**resident(3, **SEGMENT_RESIDENTS[name]))
    variables = personal_variables(person, as_of=TODAY, parameters=params)
    promotional = shipped.registry.get(name).message_class is MessageClass.PROMOTIONAL
    for provider in PROVIDERS:
        rendered = shipped.render(name, "sms", provider, variables)
        approval = shipped.registry.approval(name, provider)
        assert rendered.text.startswith(variables["address"])
        assert rendered.text.endswith(OPT_OUT[provider]) is promotional
        assert rendered.length == len(approval.sign_name) + 2 + len(rendered.text)
        assert rendered.parts is not None
        assert rendered.parts <= 2
        assert rendered.sign_name == approval.sign_name
        assert rendered.template_code == approval.template_code
        assert "{" not in rendered.text
        assert "}" not in rendered.text
    bot = shipped.render(name, "telegram", "telegram", variables)
    assert bot.text.startswith(variables["address"])
    assert bot.parts is None
    assert bot.params == ()
    assert bot.sign_name is None
    if variables["monthly_estimate"] and "monthly_estimate" in shipped.sms_template(name).variables:
        # The bot version shows the estimate's parts and says it is an estimate.
        assert f"每月约{variables['monthly_estimate']}元" in bot.text
        assert f"基础养老金约{variables['estimate_basic']}元" in bot.text
        assert "以上是估算" in bot.text


@pytest.mark.parametrize("name", sorted(SEGMENT_RESIDENTS))
@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_the_approved_content_fills_to_exactly_the_text_sent(
    shipped: Renderer, name: str, provider: str
) -> None:
    content = shipped.provider_content(name, provider)
    rendered = shipped.render(name, "sms", provider, VARS)
    for number, (key, value) in enumerate(rendered.params, start=1):
        slot = "${" + key + "}" if provider == "aliyun" else "{" + str(number) + "}"
        assert content.count(slot) == 1
        content = content.replace(slot, value)
    assert content == rendered.text


def test_the_bot_estimate_says_when_past_months_are_not_counted(
    shipped: Renderer, params: Parameters
) -> None:
    lapsed = Resident(**resident(4, **SEGMENT_RESIDENTS["lapsed_priority"]))
    text = shipped.render(
        "lapsed_priority",
        "telegram",
        "telegram",
        personal_variables(lapsed, as_of=TODAY, parameters=params),
    ).text
    assert "只算了今后的缴费" in text
    assert "已经停缴41个月" in text
    assert "勐海镇社保服务点" in text


def test_the_bot_falls_back_when_there_is_no_estimate(shipped: Renderer) -> None:
    text = shipped.render(
        "new_form_workers", "telegram", "telegram", {**VARS, "monthly_estimate": ""}
    ).text
    assert "每月约" not in text
    assert "帮您测算" in text


def test_an_sms_needing_an_estimate_is_refused_without_one(shipped: Renderer) -> None:
    with pytest.raises(MissingVariableError) as caught:
        shipped.render("new_form_workers", "sms", "aliyun", {**VARS, "monthly_estimate": ""})
    assert "monthly_estimate" in caught.value.en


# -- length and parts -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filler", "message_class", "provider", "length", "parts"),
    [
        # 【测试】 (4) + 张先生 (3) + 您好： (3) + filler.
        (60, "notice", "aliyun", 70, 1),
        (61, "notice", "aliyun", 71, 2),
        (124, "notice", "tencent", 134, 2),
        (125, "notice", "tencent", 135, 3),
        # Promotional: + 回T退订 (4) for aliyun, + 拒收请回复R (6) for tencent and twilio.
        (56, "promotional", "aliyun", 70, 1),
        (57, "promotional", "aliyun", 71, 2),
        (54, "promotional", "tencent", 70, 1),
        (55, "promotional", "twilio", 71, 2),
    ],
)
def test_length_counts_signature_body_and_opt_out(
    tmp_path: Path, filler: int, message_class: str, provider: str, length: int, parts: int
) -> None:
    registry = registry_with(
        tmp_path, sms="{{ address }}您好：" + "汉" * filler, message_class=message_class
    )
    rendered = Renderer(registry).render("t", "sms", provider, VARS)
    assert (rendered.length, rendered.parts) == (length, parts)
    assert rendered.text.startswith("张先生您好：")
    assert rendered.text.endswith("汉" if message_class == "notice" else OPT_OUT[provider])


def test_a_message_above_the_part_limit_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, sms="{{ address }}您好：" + "汉" * 61)
    assert Renderer(registry, max_sms_parts=2).render("t", "sms", "aliyun", VARS).parts == 2
    with pytest.raises(MessageTooLong) as caught:
        Renderer(registry, max_sms_parts=1).render("t", "sms", "aliyun", VARS)
    assert "too long" in caught.value.en  # what the planner looks for
    assert "71" in caught.value.zh


def test_params_follow_the_template_order(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path, sms="您在{{ township }}的缴费，{{ address }}，请在{{ deadline }}前办理。"
    )
    rendered = Renderer(registry).render("t", "sms", "tencent", VARS)
    assert rendered.params == (
        ("township", "勐海镇"),
        ("address", "张先生"),
        ("deadline", VARS["deadline"]),
    )
    assert rendered.text == f"您在勐海镇的缴费，张先生，请在{VARS['deadline']}前办理。"


def test_provider_content(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path, sms="{{ address }}您好，{{ township }}通知。", message_class="promotional"
    )
    renderer = Renderer(registry)
    assert renderer.provider_content("t", "aliyun") == "${address}您好，${township}通知。回T退订"
    assert renderer.provider_content("t", "tencent") == "{1}您好，{2}通知。拒收请回复R"
    with pytest.raises(TemplateError):
        renderer.provider_content("t", "twilio")


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sms", "telegram"])
def test_an_unknown_variable_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    text = "{{ adress }}您好：请缴费。"
    registry = registry_with(tmp_path, sms=text, bot=text)
    with pytest.raises(UnknownVariableError) as caught:
        Renderer(registry).check("t", kind, "aliyun" if kind == "sms" else "telegram")
    assert "adress" in caught.value.zh
    assert "adress" in caught.value.en


def test_an_unknown_variable_in_an_included_file_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, bot='{{ address }}{% include "bot/part.j2" %}')
    (tmp_path / "bot" / "part.j2").write_text("{{ secret_field }}", encoding="utf-8")
    with pytest.raises(UnknownVariableError) as caught:
        Renderer(registry).check("t", "telegram", "telegram")
    assert "secret_field" in caught.value.en


def test_a_provider_that_has_not_approved_is_refused(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path, approvals={"aliyun": {"template_code": "SMS_1", "sign_name": "测试"}}
    )
    renderer = Renderer(registry)
    renderer.check("t", "sms", "aliyun")
    for call in (
        lambda: renderer.check("t", "sms", "tencent"),
        lambda: renderer.render("t", "sms", "tencent", VARS),
    ):
        with pytest.raises(TemplateNotApproved) as caught:
            call()
        assert "tencent" in caught.value.en


@pytest.mark.parametrize(
    ("sms", "word"),
    [
        ("{{ address|upper }}您好", "Filter"),
        ("{% if address %}您好{% endif %}", "If"),
        ("{{ address.title }}您好", "Getattr"),
        ("{{ address ~ township }}您好", "Concat"),
        ("{% for x in address %}{{ x }}{% endfor %}", "For"),
        ("您好{{ address }}{{ township }}", "adjacent"),
        ("{{ address }}您好，{{ address }}", "more than once"),
        ("【人社】{{ address }}您好", "【】"),
        ("{{ address }}", "no fixed text"),
        ("{{ address }}您好\n请缴费", "single line"),
        ("{{ mobile }}您好", "mobile"),
        ("{{ address }您好", "line 1"),
    ],
)
def test_sms_templates_hold_only_text_and_plain_variables(
    tmp_path: Path, sms: str, word: str
) -> None:
    registry = registry_with(tmp_path, sms=sms)
    with pytest.raises(TemplateFormatError) as caught:
        Renderer(registry).check("t", "sms", "aliyun")
    assert word in caught.value.en


def test_bot_templates_may_use_jinja(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        bot="{% if monthly_estimate %}每月约{{ monthly_estimate|int + 0 }}元{% endif %}"
        "{{ address|replace('先生', '') }}",
    )
    assert Renderer(registry).render("t", "telegram", "telegram", VARS).text == "每月约1862元张"


@pytest.mark.parametrize(
    "bot",
    [
        "{{ address.__class__ }}",
        "{{ address.__class__.__mro__[1].__subclasses__() }}",
        "{{ address.format.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_the_sandbox_refuses_unsafe_attributes(tmp_path: Path, bot: str) -> None:
    renderer = Renderer(registry_with(tmp_path, bot=bot))
    with pytest.raises((UnsafeTemplateError, MissingVariableError, UnknownVariableError)):
        renderer.render("t", "telegram", "telegram", VARS)
    with pytest.raises(UnsafeTemplateError):
        Renderer(registry_with(tmp_path, bot="{{ address.__class__ }}")).render(
            "t", "telegram", "telegram", VARS
        )


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_or_absent_sms_variable_is_refused_by_name(
    tmp_path: Path, value: str | None
) -> None:
    registry = registry_with(tmp_path, sms="{{ address }}您好，您已停缴{{ months_lapsed }}个月。")
    variables = {k: v for k, v in VARS.items() if k != "months_lapsed"}
    if value is not None:
        variables["months_lapsed"] = value
    with pytest.raises(MissingVariableError) as caught:
        Renderer(registry).render("t", "sms", "aliyun", variables)
    assert "months_lapsed" in caught.value.en


def test_a_missing_bot_variable_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, bot="{{ address }}您好，{{ township }}")
    with pytest.raises(MissingVariableError) as caught:
        Renderer(registry).render("t", "telegram", "telegram", {"address": "张先生"})
    assert "township" in caught.value.en


def test_a_variable_longer_than_the_provider_cap_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, sms="{{ address }}您好，{{ village }}通知。")
    renderer = Renderer(registry)
    assert renderer.render("t", "sms", "aliyun", {**VARS, "village": "村" * 35}).parts == 1
    with pytest.raises(VariableTooLongError) as caught:
        renderer.render("t", "sms", "aliyun", {**VARS, "village": "村" * 36})
    assert "village" in caught.value.en
    # Twilio-style gateways fill no provider template: no cap of theirs applies.
    twilio = renderer.render("t", "sms", "twilio", {**VARS, "village": "村" * 36})
    assert twilio.params[1] == ("village", "村" * 36)


def test_a_value_cannot_forge_a_signature(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, sms="{{ address }}您好，{{ village }}通知。")
    with pytest.raises(TemplateFormatError):
        Renderer(registry).render("t", "sms", "aliyun", {**VARS, "village": "【银行】"})


def test_a_kind_without_a_file_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, bot=None)
    with pytest.raises(TemplateError) as caught:
        Renderer(registry).check("t", "telegram", "telegram")
    assert "telegram" in caught.value.en


def test_used_variables_cover_both_files(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        sms="{{ address }}您好，请在{{ deadline }}前缴费。",
        bot='{{ address }}{% include "bot/part.j2" %}',
    )
    (tmp_path / "bot" / "part.j2").write_text("{{ monthly_estimate }}", encoding="utf-8")
    renderer = Renderer(registry)
    assert renderer.used_variables("t") == {"address", "deadline", "monthly_estimate"}
    only = {k: VARS[k] for k in renderer.used_variables("t")}
    assert renderer.render("t", "sms", "aliyun", only).text.startswith("张先生您好")
    assert renderer.render("t", "telegram", "telegram", only).text == "张先生1862"
