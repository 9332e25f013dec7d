"""Every line, whoever logs it, reaches stderr in one format, masked, with its context."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import warnings
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web

from core import configure_logging, get_logger, resident_ref, run_bound

pytestmark = pytest.mark.usefixtures("restore_logging")

ID = "532504199001011234"
ID_MASKED = "5325**********1234"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"
OTHER_PHONE = "13987654321"
OTHER_PHONE_MASKED = "139****4321"


def _lines(capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, Any]]]:
    err = capsys.readouterr().err
    return err, [json.loads(line) for line in err.splitlines() if line.strip()]


def test_a_json_line_carries_timestamp_level_logger_and_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One JSON object per line: UTC ISO timestamp, level, the logger's name, the event."""
    configure_logging("INFO", "json")
    get_logger("campaigns.test").info("campaign_started", campaign_id=7)
    logging.getLogger("aiogram.event").info("Update id=%s is handled", 42)
    _, (ours, library) = _lines(capsys)
    assert ours["event"] == "campaign_started"
    assert ours["level"] == "info"
    assert ours["logger"] == "campaigns.test"
    assert ours["campaign_id"] == 7
    stamp = datetime.fromisoformat(ours["timestamp"])
    assert stamp.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 600
    assert library["event"] == "Update id=42 is handled"
    assert library["logger"] == "aiogram.event"
    assert library["level"] == "info"
    assert datetime.fromisoformat(library["timestamp"]).utcoffset() == UTC.utcoffset(None)


def test_positional_arguments_of_our_loggers_are_formatted_then_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A developer writing stdlib-style %-arguments gets them formatted, and masked."""
    configure_logging("INFO", "json")
    get_logger("test").info("resident %s phone %s", ID, PHONE)
    err, (line,) = _lines(capsys)
    assert line["event"] == f"resident {ID_MASKED} phone {PHONE_MASKED}"
    assert ID not in err
    assert PHONE not in err


def test_auto_is_json_off_a_terminal_and_readable_on_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auto` writes JSON where stderr is a file or pipe, and a console rendering in a terminal
    (masked as well)."""
    configure_logging("INFO", "auto")
    get_logger("test").info("piped", phone=PHONE)
    _, (line,) = _lines(capsys)
    assert line["phone"] == PHONE_MASKED

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    configure_logging("INFO", "auto")
    get_logger("console.test").info("in_a_terminal", phone=PHONE)
    text = terminal.getvalue()
    assert "in_a_terminal" in text
    assert "console.test" in text
    assert PHONE_MASKED in text
    assert PHONE not in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])


def test_console_format_is_masked_off_a_terminal_too(capsys: pytest.CaptureFixture[str]) -> None:
    """LOG_FORMAT=console forces the readable rendering (without colours) and still masks."""
    configure_logging("INFO", "console")
    logging.getLogger("aiohttp.server").error("bad request from %s", PHONE)
    err = capsys.readouterr().err
    assert f"bad request from {PHONE_MASKED}" in err
    assert PHONE not in err
    assert "\x1b[" not in err


def test_chatty_libraries_stay_below_their_floor(capsys: pytest.CaptureFixture[str]) -> None:
    """At DEBUG our lines and aiohttp's show, SQLAlchemy's statements (with their parameters)
    and aiosqlite's calls do not; their warnings still do, masked."""
    configure_logging("DEBUG", "json")
    get_logger("campaigns.test").debug("ours")
    logging.getLogger("aiohttp.client").debug("theirs")
    logging.getLogger("sqlalchemy.engine.Engine").info("INSERT ... (%s)", PHONE)
    logging.getLogger("aiosqlite").debug("executing")
    logging.getLogger("apscheduler.executors.default").info("Job ran")
    logging.getLogger("sqlalchemy.pool").warning("pool overflow for %s", PHONE)
    _, lines = _lines(capsys)
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("campaigns.test", "ours"),
        ("aiohttp.client", "theirs"),
        ("sqlalchemy.pool", f"pool overflow for {PHONE_MASKED}"),
    ]


def test_a_library_printing_through_its_own_handler_is_routed_through_ours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """jieba attaches its own stderr handler; after configuration its lines are JSON, masked,
    and printed once."""
    own = logging.getLogger("test.selfish_library")
    own.addHandler(logging.StreamHandler(sys.stderr))
    own.propagate = False
    try:
        configure_logging("INFO", "json")
        own.warning("dictionary of %s", PHONE)
        err, (line,) = _lines(capsys)
    finally:
        own.handlers.clear()
    assert line["event"] == f"dictionary of {PHONE_MASKED}"
    assert line["logger"] == "test.selfish_library"
    assert PHONE not in err


def test_warnings_are_logged_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """A library's warning goes through logging (py.warnings), not raw to stderr."""
    configure_logging("INFO", "json")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"odd number {PHONE}", UserWarning, stacklevel=1)
    err, (line,) = _lines(capsys)
    assert line["logger"] == "py.warnings"
    assert PHONE_MASKED in line["event"]
    assert PHONE not in err


def test_an_uncaught_exception_is_logged_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """A crash's traceback reaches stderr as a masked JSON line, not as raw text."""
    configure_logging("INFO", "json")
    try:
        raise RuntimeError(f"no resident {ID}")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    err, (line,) = _lines(capsys)
    assert line["level"] == "critical"
    assert line["event"] == "uncaught_exception"
    assert f"RuntimeError: no resident {ID_MASKED}" in line["exception"]
    assert ID not in err


async def test_aiohttp_access_log_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """aiohttp's access log writes the request line: phones in a callback's query string are
    masked, percent-encoded ones too (%20 before a phone would hide it from a plain scan)."""
    configure_logging("INFO", "json")

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_get("/callbacks/test/receipts", ok)
    runner = web.AppRunner(app)  # the default access log: logger aiohttp.access
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    query = f"mobile={PHONE}&to=%20{OTHER_PHONE}&quoted=%22{ID}%22"
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://{host}:{port}/callbacks/test/receipts?{query}") as response,
        ):
            assert response.status == 200
        for _ in range(50):  # the access line is written after the response is sent
            if "aiohttp.access" in (err := capsys.readouterr().err):
                break
            await asyncio.sleep(0.02)
    finally:
        await runner.cleanup()
    (line,) = [json.loads(raw) for raw in err.splitlines() if "aiohttp.access" in raw]
    assert "/callbacks/test/receipts" in line["event"]
    assert PHONE_MASKED in line["event"]
    assert OTHER_PHONE_MASKED in line["event"]
    assert ID_MASKED in line["event"]
    for raw in (PHONE, OTHER_PHONE, ID):
        assert raw not in err


async def test_bound_ids_reach_every_line_of_their_unit_of_work_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """run_bound puts a unit's ids on the lines logged inside it, library lines included;
    concurrent units keep their own; nothing stays bound after."""
    configure_logging("INFO", "json")
    log = get_logger("campaigns.test")

    async def send(message_id: int) -> None:
        await asyncio.sleep(0.01 * (3 - message_id))  # interleave the two units
        log.info("sending")
        logging.getLogger("aiohttp.client").warning("slow")

    await asyncio.gather(
        *(
            run_bound(send(i), campaign_id=9, message_id=i, resident=resident_ref(ID))
            for i in (1, 2)
        )
    )
    log.info("after")
    _, lines = _lines(capsys)
    by_message = sorted(
        (line["message_id"], line["logger"], line["campaign_id"], line["resident"])
        for line in lines
        if "message_id" in line
    )
    assert by_message == [
        (1, "aiohttp.client", 9, ID_MASKED),
        (1, "campaigns.test", 9, ID_MASKED),
        (2, "aiohttp.client", 9, ID_MASKED),
        (2, "campaigns.test", 9, ID_MASKED),
    ]
    assert lines[-1]["event"] == "after"
    assert "message_id" not in lines[-1]
    assert structlog.contextvars.get_contextvars() == {}


async def test_run_bound_leaves_each_key_as_it_was_before() -> None:
    """Nested in one task: the inner unit's ids replace the outer's while it runs, and the
    outer's are back afterwards, even when the inner unit fails; nothing stays bound."""
    get = structlog.contextvars.get_contextvars

    async def inner(fail: bool) -> dict[str, Any]:
        if fail:
            raise ValueError("inner")
        return get()

    async def outer() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        seen = await run_bound(inner(False), job="inner", update_id=1)
        after = get()
        with pytest.raises(ValueError, match="inner"):
            await run_bound(inner(True), job="failing", update_id=2)
        return seen, after, get()

    assert get() == {}
    seen, after, after_failure = await run_bound(outer(), job="outer")
    assert seen == {"job": "inner", "update_id": 1}
    assert after == after_failure == {"job": "outer"}
    assert get() == {}
