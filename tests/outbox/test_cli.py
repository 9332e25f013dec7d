"""`outreach outbox status|deadletters|replay` on both stores."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from cli import app
from core import create_engine
from outbox.table import EVENTS
from tests.outbox.standin import T0, add_events, resident_id

runner = CliRunner()


@pytest.fixture(autouse=True)
def dead_letters(database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Three events of which the first two gave up after the retry horizon."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.delenv("LEDGER_WEBHOOK_URL", raising=False)

    async def seed() -> list[int]:
        engine = create_engine(database_url)
        ids = await add_events(engine, residents=3, per_resident=1)
        async with engine.begin() as connection:
            await connection.execute(
                update(EVENTS)
                .where(EVENTS.c.id.in_(ids[:2]))
                .values(relay_dead_at=T0, relay_attempts=14, relay_since=T0, relay_error="HTTP 503")
            )
        await engine.dispose()
        return ids

    return asyncio.run(seed())


def invoke(*args: str) -> Any:
    result = runner.invoke(app, ["outbox", *args])
    assert result.exit_code == 0, result.stderr
    return result


def test_dead_letters_are_listed_masked(dead_letters: list[int]) -> None:
    rows = json.loads(invoke("deadletters", "--json").stdout)
    assert [row["id"] for row in rows] == dead_letters[:2]
    assert rows[0]["attempts"] == 14
    assert rows[0]["error"] == "HTTP 503"
    assert rows[0]["resident"] == "5325**********001X"
    table = invoke("deadletters").stdout
    assert "outbox replay" in table
    assert resident_id(0) not in table
    assert "5325*" in table


def test_replay_one_then_all(dead_letters: list[int]) -> None:
    assert json.loads(invoke("status", "--json").stdout) == {
        "pending": 1,
        "dead": 2,
        "relay_enabled": False,
    }
    assert "1 条" in invoke("replay", "--id", str(dead_letters[0])).stdout
    assert json.loads(invoke("status", "--json").stdout)["dead"] == 1
    assert "1 条" in invoke("replay", "--all").stdout
    assert json.loads(invoke("status", "--json").stdout)["pending"] == 3
    assert json.loads(invoke("deadletters", "--json").stdout) == []


def test_replay_needs_ids_or_all() -> None:
    result = runner.invoke(app, ["outbox", "replay"])
    assert result.exit_code == 2
    assert "--all" in result.stderr
