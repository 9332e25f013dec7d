"""Logs never carry a raw ID number or phone, wherever in an event it hides."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any, NamedTuple

import pytest
import structlog

from core import configure_logging, get_logger, mask_processor
from ledger import check_character, parse_id_number

ID = "532504199001011234"
ID_MASKED = "5325**********1234"
ID_X = "11010519491231002X"
ID_X_MASKED = "1101**********002X"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"
OTHER_PHONE = "13987654321"
OTHER_PHONE_MASKED = "139****4321"
RAW = (ID, ID_X, PHONE, OTHER_PHONE, ID[4:14], PHONE[3:7] + PHONE[7:])


class Contact(NamedTuple):
    name: str
    phone: str


pytestmark = pytest.mark.usefixtures("restore_logging")


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """Captured stderr; tests call _configure() first, as pytest swaps stderr after setup."""
    return capsys


def _configure(level: str = "DEBUG") -> None:
    configure_logging(level=level, fmt="json")


def _lines(capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, Any]]]:
    err = capsys.readouterr().err
    return err, [json.loads(line) for line in err.splitlines() if line.strip()]


def _assert_clean(err: str) -> None:
    for raw in RAW:
        assert raw not in err, raw


def test_structlog_event_is_masked_everywhere(json_logs: pytest.CaptureFixture[str]) -> None:
    """Message, bound context, nested dicts and lists, tuples and long ints are all masked."""
    _configure()
    structlog.contextvars.bind_contextvars(resident=ID, caller=f"tel {PHONE}")
    get_logger("test").info(
        f"联系 {ID} 电话 {PHONE}",
        row={"id_number": ID_X, "contacts": [OTHER_PHONE, {"deep": [f"+86 {PHONE}"]}]},
        pair=(ID, 7),
        as_int=int(ID),
        phone_int=int(OTHER_PHONE),
    )
    err, lines = _lines(json_logs)
    _assert_clean(err)
    (line,) = lines
    assert line["event"] == f"联系 {ID_MASKED} 电话 {PHONE_MASKED}"
    assert line["resident"] == ID_MASKED
    assert line["caller"] == f"tel {PHONE_MASKED}"
    assert line["row"] == {
        "id_number": ID_X_MASKED,
        "contacts": [OTHER_PHONE_MASKED, {"deep": [PHONE_MASKED]}],
    }
    assert line["pair"] == [ID_MASKED, 7]
    assert line["as_int"] == ID_MASKED
    assert line["phone_int"] == OTHER_PHONE_MASKED
    assert line["level"] == "info"


def test_other_values_pass_through(json_logs: pytest.CaptureFixture[str]) -> None:
    """Short ints, bools, floats, None and text without identifiers are left as they are."""
    _configure()
    get_logger().info("导入完成", rows=12345, ok=True, rate=0.25, note=None, day="2026-11-22")
    _, (line,) = _lines(json_logs)
    assert line["event"] == "导入完成"
    assert line["rows"] == 12345
    assert line["ok"] is True
    assert line["rate"] == 0.25
    assert line["note"] is None
    assert line["day"] == "2026-11-22"


def test_exception_text_is_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    """A traceback whose message holds an ID number is rendered, then masked."""
    _configure()
    try:
        raise ValueError(f"bad row {ID} {PHONE}")
    except ValueError:
        get_logger().exception("import failed")
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    assert f"ValueError: bad row {ID_MASKED} {PHONE_MASKED}" in line["exception"]


def test_stdlib_logging_is_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    """A library logging through stdlib gets the same masking, its %-args included."""
    _configure()
    structlog.contextvars.bind_contextvars(job=f"call {OTHER_PHONE}")
    logging.getLogger("some.library").warning("resident %s phone %s", ID, PHONE)
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    assert line["event"] == f"resident {ID_MASKED} phone {PHONE_MASKED}"
    assert line["job"] == f"call {OTHER_PHONE_MASKED}"
    assert line["level"] == "warning"


def test_stdlib_exception_is_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    """A stdlib logger.exception's traceback is masked too."""
    _configure()
    try:
        raise KeyError(ID)
    except KeyError:
        logging.getLogger("some.library").exception("lookup failed for %s", PHONE)
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    assert line["event"] == f"lookup failed for {PHONE_MASKED}"
    assert f"KeyError: '{ID_MASKED}'" in line["exception"]


def test_dict_keys_are_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    """A dict keyed by ID number or phone (errors per resident, say) does not leak its keys."""
    _configure()
    get_logger().info("rejected", errors={ID: "重复", int(PHONE): "空号", "total": 2})
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    assert line["errors"] == {ID_MASKED: "重复", PHONE_MASKED: "空号", "total": 2}


def test_sets_are_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    """Identifiers inside a set or frozenset are masked, not rendered raw through repr."""
    _configure()
    get_logger().info("dupes", ids={ID}, phones=frozenset({PHONE}))
    err, _ = _lines(json_logs)
    _assert_clean(err)
    assert ID_MASKED in err
    assert PHONE_MASKED in err


def test_named_tuple_is_masked_not_crashed(json_logs: pytest.CaptureFixture[str]) -> None:
    """Logging a NamedTuple neither raises nor leaks its fields."""
    _configure()
    get_logger().info("contact", contact=Contact("张三", PHONE))
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    assert line["contact"] == ["张三", PHONE_MASKED]


def test_mask_processor_keeps_container_types() -> None:
    """The processor masks in place of each value and keeps tuples, lists and NamedTuples."""
    event: dict[str, Any] = {
        "event": PHONE,
        "t": (ID, 1),
        "l": [ID],
        "c": Contact("李四", OTHER_PHONE),
        "small": 10**10 - 1,
        "flag": True,
        "negative": -int(PHONE),
    }
    masked = mask_processor(None, "info", event)
    assert masked["event"] == PHONE_MASKED
    assert masked["t"] == (ID_MASKED, 1)
    assert type(masked["t"]) is tuple
    assert masked["l"] == [ID_MASKED]
    assert masked["c"] == Contact("李四", OTHER_PHONE_MASKED)
    assert type(masked["c"]) is Contact
    assert masked["small"] == 10**10 - 1
    assert masked["flag"] is True
    assert masked["negative"] == f"-{PHONE_MASKED}"


def test_debug_is_filtered_below_the_configured_level(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    """configure_logging's level drops structlog events below it."""
    _configure("warning")
    get_logger().info("quiet")
    get_logger().warning("loud")
    _, lines = _lines(json_logs)
    assert [line["event"] for line in lines] == ["loud"]


def test_spreadsheet_floats_and_objects_are_masked() -> None:
    """A phone read as a float, and an object rendered through repr, reach the log masked."""
    first17 = "53250419900101123"
    number = first17 + check_character(first17)
    holder = parse_id_number(number, today=date(2026, 11, 22))

    event = mask_processor(None, "info", {"event": "x", "phone": 13812345678.0, "who": holder})

    assert event["phone"] == "138****5678"
    assert "IdNumber(" in event["who"]
    assert number not in event["who"]
    assert number[:4] + "*" * 10 + number[-4:] in event["who"]


def _dial() -> None:
    raise ConnectionError("line busy")  # 13812345678: the traceback prints this source line


def test_traceback_source_lines_causes_and_groups_are_masked(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    """Not only the exception's message: the source lines a traceback quotes, the causes it
    chains and every exception of a group are masked."""
    _configure()
    try:
        try:
            _dial()
        except ConnectionError as cause:
            raise ExceptionGroup(
                f"batch for {ID}", [ValueError(OTHER_PHONE), KeyError({"id": ID_X})]
            ) from cause
    except ExceptionGroup:
        get_logger().exception("send_failed")
    err, (line,) = _lines(json_logs)
    _assert_clean(err)
    text = line["exception"]
    assert f"# {PHONE_MASKED}: the traceback prints this source line" in text
    assert "ConnectionError: line busy" in text
    assert f"batch for {ID_MASKED}" in text
    assert f"ValueError: {OTHER_PHONE_MASKED}" in text
    assert ID_X_MASKED in text


def test_percent_encoded_identifiers_are_masked() -> None:
    """A URL in a log line hides a phone behind %20 or %2B86 and an ID number behind %22:
    such text is logged decoded and masked; other percent signs are left alone."""
    event = mask_processor(
        None,
        "info",
        {
            "event": f"GET /cb?to=%20{PHONE}&alt=%2B86{OTHER_PHONE}&id=%22{ID}%22",
            "progress": "50%20 done",
        },
    )
    masked = f'GET /cb?to= {PHONE_MASKED}&alt={OTHER_PHONE_MASKED}&id="{ID_MASKED}"'
    assert event["event"] == masked
    assert event["progress"] == "50%20 done"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (PHONE, PHONE_MASKED),  # 11 characters, all digits: the shortest thing masked
        ("１３８１２３４５６７８", PHONE_MASKED),  # full-width digits count as digits
        ("13-8-1-2-3-4-5-6-7-8", PHONE_MASKED),  # digits spread apart
        ("+86 138 1234 5678", PHONE_MASKED),
        ("110105491231002", "1101*******1002"),  # a 15-digit ID number
        (ID_X, ID_X_MASKED),
    ],
)
def test_the_shortest_identifiers_are_still_masked(raw: str, masked: str) -> None:
    """Strings with fewer than 11 digits skip the masking: the fewest an identifier has."""
    assert mask_processor(None, "info", {"event": "x", "value": raw})["value"] == masked


def test_short_digit_strings_and_own_keys_are_left_alone() -> None:
    """Ten digits cannot be a phone or an ID number; the timestamp, level and logger name are
    written by our own processors, with as many digits as the clock gives them."""
    event = {"event": "1381234567", "timestamp": "2026-12-06T13:81:23.456789Z", "level": "info"}
    assert mask_processor(None, "info", dict(event)) == event
