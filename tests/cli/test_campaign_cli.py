"""`outreach campaign …` as staff use it: plans as JSON, clear refusals, state changes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from core import create_engine
from tests.campaigns.residents import add_residents, resident

runner = CliRunner()


@pytest.fixture(autouse=True)
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("ALIYUN_RATE", "10")

    async def seed() -> None:
        engine = create_engine(database_url)
        await add_residents(
            engine,
            [resident(i, birth="19700315", name=f"王{i}山") for i in range(1, 21)]
            + [resident(21, birth="19700315", name="李四", phone=None)],
        )
        await engine.dispose()

    asyncio.run(seed())


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def campaign_file(tmp_path: Path, **changes: Any) -> Path:
    data = {
        "name": "断缴提醒",
        "segment": "lapsed-priority",
        "template": "lapsed_priority",
        "channels": ["sms"],
        "sms_provider": "aliyun",
    }
    data.update(changes)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_create_plan_launch_status_and_transitions(tmp_path: Path) -> None:
    code, out, err = invoke("campaign", "create", str(campaign_file(tmp_path)), "--json")
    assert code == 0, err
    campaign_id = json.loads(out)["id"]

    code, out, err = invoke("campaign", "plan", str(campaign_id), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["segment_size"] == 21
    assert plan["recipients"] == 20
    assert plan["excluded"] == {"no_reachable_channel": 1}
    assert plan["sms_parts"]["per_message"] == {"2": 20}
    assert plan["sms_parts"]["total"] == 40
    assert plan["estimated_seconds"] == 2.0  # 20 messages at 10 a second
    assert plan["message_class"] == "notice"

    code, out, err = invoke("campaign", "launch", str(campaign_id), "--json")
    assert code == 0, err
    assert json.loads(out)["state"] == "running"

    code, _, err = invoke("campaign", "launch", str(campaign_id))
    assert code == 2
    assert "不能启动" in err
    assert "cannot launch" in err

    code, out, _ = invoke("campaign", "status", str(campaign_id), "--json")
    status = json.loads(out)
    assert (status["total"], status["counts"]["queued"]) == (20, 20)

    assert invoke("campaign", "pause", str(campaign_id))[0] == 0
    code, out, _ = invoke("campaign", "resume", str(campaign_id), "--json")
    assert json.loads(out)["state"] == "running"
    code, out, _ = invoke("campaign", "cancel", str(campaign_id), "--json")
    assert json.loads(out)["counts"]["cancelled"] == 20


@pytest.mark.parametrize(
    ("changes", "zh", "en"),
    [
        ({"template": "no_such_template"}, "no_such_template", "no_such_template"),
        ({"max_sms_parts": 1}, "", "too long"),
        ({"segment": "no-such-segment"}, "no-such-segment", "no built-in segment"),
        ({"message_class": "promotional"}, "不能改为其他类别", "cannot change"),
        (
            {"message_class": None, "window": {"start": "07:00", "end": "21:00"}},
            "",
            "",
        ),
    ],
)
def test_bad_campaigns_are_refused_with_a_reason(
    tmp_path: Path, changes: dict[str, Any], zh: str, en: str
) -> None:
    code, _, err = invoke("campaign", "create", str(campaign_file(tmp_path, **changes)))
    if not zh and not en:  # a wider window is fine for a notice
        assert code == 0, err
        return
    assert code == 2
    assert "错误" in err
    assert zh in err
    assert en in err
    assert "Traceback" not in err


def test_promotional_window_may_not_reach_into_the_night(tmp_path: Path) -> None:
    path = campaign_file(
        tmp_path,
        template="new_form_workers",
        segment="new-form-workers",
        window={"start": "07:00", "end": "21:00"},
    )
    code, _, err = invoke("campaign", "create", str(path))
    assert code == 2
    assert "08:00–20:00" in err
