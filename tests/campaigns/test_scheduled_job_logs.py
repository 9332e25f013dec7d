"""A scheduled job's lines say which job logged them, its failure included."""

from __future__ import annotations

import json

import pytest
import structlog

from campaigns.scheduling import _logged
from core import configure_logging, get_logger

pytestmark = pytest.mark.usefixtures("restore_logging")


async def test_job_lines_carry_the_job_name(capsys: pytest.CaptureFixture[str]) -> None:
    async def triage() -> None:
        get_logger("campaigns.replies").info("question_triaged")
        raise RuntimeError("database gone")

    configure_logging("INFO", "json")
    await _logged("question_triage", triage)()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["event"], line["job"]) for line in lines] == [
        ("question_triaged", "question_triage"),
        ("scheduled_job_failed", "question_triage"),
    ]
    assert "RuntimeError: database gone" in lines[1]["exception"]
    assert structlog.contextvars.get_contextvars() == {}
