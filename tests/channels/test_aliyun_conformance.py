"""The aliyun stand-in holds against Alibaba Cloud's official Python SDK."""

from __future__ import annotations

from pathlib import Path

from tests.channels.conformance import run_conformance
from tests.channels.test_aliyun_helpers import KEY, SECRET, stand_in


async def test_official_sdk_accepts_the_stand_in(tmp_path: Path) -> None:
    """v3 and v1 sends succeed, a wrong secret and a bad number are refused as the SDK expects."""
    async with stand_in(tmp_path) as gw:
        status, output = await run_conformance("aliyun", gw.url, "--key", KEY, "--secret", SECRET)
        assert status == 0, output
        refs = [line["ref"] for line in gw.logged()]
        assert refs == ["conformance-1", "conformance-1"]


async def test_official_sdk_with_approved_templates_and_signs(tmp_path: Path) -> None:
    """With a template registry and approved signs set, the SDK's sends still pass and fill text."""
    templates = {"SMS_200001": "${name}您好，请查收社保缴费提醒。"}
    async with stand_in(tmp_path, templates=templates, signs={"社保服务"}) as gw:
        status, output = await run_conformance(
            "aliyun",
            gw.url,
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--sign",
            "社保服务",
            "--template",
            "SMS_200001",
        )
        assert status == 0, output
        texts = {line["text"] for line in gw.logged()}
        assert texts == {"张先生您好，请查收社保缴费提醒。"}
