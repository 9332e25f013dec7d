"""The template registry: the shipped file, lookups, approvals and a malformed file refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from campaigns.definition import MessageClass
from campaigns.render_errors import RegistryError, TemplateNotApproved, UnknownTemplateError
from campaigns.templates import DEFAULT_REGISTRY, Approval, TemplateRegistry
from ledger.segments import builtin_segments

#: One template per seed segment the product targets.
SEED_SEGMENTS = {
    "lapsed-priority",
    "lapsed-this-year",
    "new-form-workers",
    "migrant-workers-unenrolled",
    "land-expropriated-farmers",
    "over-60-never-enrolled",
    "medical-unpaid",
    "special-categories",
}


def write_registry(tmp_path: Path, entry: dict[str, Any]) -> Path:
    (tmp_path / "sms").mkdir(exist_ok=True)
    (tmp_path / "sms" / "t.j2").write_text("{{ address }}您好：测试。", encoding="utf-8")
    path = tmp_path / "registry.yaml"
    base = {
        "name": "t",
        "description": "测试",
        "message_class": "notice",
        "class_reason": "测试",
        "segment": "lapsed",
        "files": {"sms": "sms/t.j2"},
        "approvals": {"aliyun": {"template_code": "SMS_1", "sign_name": "测试"}},
    }
    path.write_text(
        yaml.safe_dump({"templates": [{**base, **entry}]}, allow_unicode=True), encoding="utf-8"
    )
    return path


def test_the_shipped_registry_covers_every_seed_segment() -> None:
    registry = TemplateRegistry.load()
    assert registry.root == DEFAULT_REGISTRY.parent
    specs = list(registry.campaign_templates())
    assert {spec.segment for spec in specs} >= SEED_SEGMENTS
    for spec in specs:
        assert spec.segment in builtin_segments()
        assert set(spec.files) == {"sms", "telegram"}
        assert set(spec.approvals) == {"aliyun", "tencent", "twilio"}
        assert spec.class_reason


def test_classes_follow_the_rule_notice_for_own_insurance_promotional_for_publicity() -> None:
    registry = TemplateRegistry.load()
    classes = {spec.name: spec.message_class for spec in registry}
    for name in ("lapsed_priority", "lapsed_this_year", "medical_window", "government_paid"):
        assert classes[name] is MessageClass.NOTICE
    for name in ("new_form_workers", "migrant_workers", "land_expropriated_farmers"):
        assert classes[name] is MessageClass.PROMOTIONAL
    assert classes["over_60_backpay"] is MessageClass.PROMOTIONAL


def test_approval_per_provider() -> None:
    registry = TemplateRegistry.load()
    aliyun = registry.approval("lapsed_priority", "aliyun")
    assert aliyun.template_code is not None
    assert aliyun.template_code.startswith("SMS_")
    assert registry.approval("lapsed_priority", "twilio") == Approval(None, aliyun.sign_name)


def test_unknown_template_names_the_known_ones() -> None:
    registry = TemplateRegistry.load()
    with pytest.raises(UnknownTemplateError) as caught:
        registry.get("no_such")
    assert "no_such" in caught.value.zh
    assert "lapsed_priority" in caught.value.en


def test_a_provider_that_has_not_approved_is_refused(tmp_path: Path) -> None:
    registry = TemplateRegistry.load(write_registry(tmp_path, {}))
    with pytest.raises(TemplateNotApproved) as caught:
        registry.approval("t", "tencent")
    assert "tencent" in caught.value.zh
    assert "aliyun" in caught.value.en  # says who did approve it


@pytest.mark.parametrize(
    ("entry", "word"),
    [
        ({"message_class": "marketing"}, "message_class"),
        ({"segment": "nobody"}, "nobody"),
        ({"files": {"sms": "sms/missing.j2"}}, "missing.j2"),
        ({"files": {"fax": "sms/t.j2"}}, "fax"),
        ({"approvals": {"aliyun": {"template_code": "123", "sign_name": "测试"}}}, "aliyun"),
        ({"approvals": {"tencent": {"template_code": "SMS_1", "sign_name": "测试"}}}, "tencent"),
        ({"approvals": {"twilio": {"template_code": "1", "sign_name": "测试"}}}, "template_code"),
        ({"approvals": {"aliyun": {"template_code": "SMS_1", "sign_name": "【测试】"}}}, "sign"),
        ({"approvals": {"smpp": {"sign_name": "测试"}}}, "smpp"),
        ({"name": "Bad Name"}, "Bad Name"),
        ({"class_reason": ""}, "class_reason"),
    ],
)
def test_a_malformed_entry_is_refused_with_what_to_fix(
    tmp_path: Path, entry: dict[str, Any], word: str
) -> None:
    with pytest.raises(RegistryError) as caught:
        TemplateRegistry.load(write_registry(tmp_path, entry))
    assert word in caught.value.en


def test_a_missing_file_or_a_duplicate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError):
        TemplateRegistry.load(tmp_path / "nothing.yaml")
    path = write_registry(tmp_path, {})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["templates"].append(data["templates"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        TemplateRegistry.load(path)
    assert "twice" in caught.value.en
