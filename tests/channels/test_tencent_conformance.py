"""The tencent stand-in holds against Tencent Cloud's official Python SDK."""

from __future__ import annotations

from pathlib import Path

from tests.channels.conformance import run_conformance
from tests.channels.test_tencent_helpers import KEY, SECRET, stand_in


async def test_official_sdk_accepts_the_stand_in(tmp_path: Path) -> None:
    """A valid send succeeds with SessionContext echoed; wrong secret and bad number are refused."""
    async with stand_in(tmp_path) as gw:
        status, output = await run_conformance("tencent", gw.url, "--key", KEY, "--secret", SECRET)
        assert status == 0, output
        assert [line["ref"] for line in gw.logged()] == ["conformance-1"]


async def test_official_sdk_with_approved_templates_and_signs(tmp_path: Path) -> None:
    """With a template registry and approved signs set, the SDK's send passes and fills text."""
    templates = {"1234567": "{1}您好，请查收社保缴费提醒。"}
    async with stand_in(tmp_path, templates=templates, signs={"社保服务"}) as gw:
        status, output = await run_conformance(
            "tencent",
            gw.url,
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--sign",
            "社保服务",
            "--template",
            "1234567",
        )
        assert status == 0, output
        assert [line["text"] for line in gw.logged()] == ["张先生您好，请查收社保缴费提醒。"]
