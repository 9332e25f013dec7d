"""structlog configuration: one line per unit of work, personal identifiers always masked.

Every line goes through one handler on stderr: structlog's own events and the standard-library
logging of libraries (aiohttp, aiogram, SQLAlchemy, APScheduler, Alembic, asyncio, warnings,
uncaught exceptions), with the same timestamp (ISO, UTC), level, logger name and masking. JSON
lines when stderr is not a terminal (`LOG_FORMAT=auto`, as in production) or `LOG_FORMAT=json`;
a readable console rendering in a terminal or with `LOG_FORMAT=console`.

Context: the ids of the unit of work at hand (campaign_id, message_id, event ids, the Telegram
update_id, the resident as a masked ID number) are bound with `structlog.contextvars` where that
work happens, and appear on every line logged inside it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Awaitable, Mapping, MutableMapping
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote

import structlog

from core.masking import mask_id_number, mask_text

T = TypeVar("T")

#: A percent-encoded byte ("%20", "%2B"): a request line or URL in a library's log may hide a
#: phone behind one ("?to=%2013812345678", where the digits touch the escape's own digits).
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")

#: Libraries whose chatter below these levels is noise or worse: SQLAlchemy logs every statement
#: with its parameters at INFO, aiosqlite every call at DEBUG, APScheduler's executor each run
#: of a job, Alembic its dialect on every command. Above them they use the same handler,
#: formatter and masking as everything else.
LIBRARY_FLOORS: dict[str, int] = {
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "alembic": logging.WARNING,
    "apscheduler.executors": logging.WARNING,
}


#: Every identifier `mask_text` looks for has at least 11 digits (a phone; ID numbers 15 or
#: 18), ASCII or full-width: a string with fewer, and no percent escape that could hide more,
#: has nothing to mask. Most logged values (ids, codes, names of things) are such strings.
_DROP_DIGITS = str.maketrans(dict.fromkeys("0123456789０１２３４５６７８９"))
_FEWEST_DIGITS = 11
#: Numbers at least this large may be a phone or ID number read from a spreadsheet.
_SMALLEST_NUMBER_MASKED = 10**10
#: Keys our own processors fill (from the clock, the level and the logger's name), never with
#: a resident's data.
_OWN_KEYS = frozenset({"_record", "timestamp", "level", "logger"})


def _may_hold_identifier(value: str) -> bool:
    if len(value) < _FEWEST_DIGITS:
        return False
    return "%" in value or len(value) - len(value.translate(_DROP_DIGITS)) >= _FEWEST_DIGITS


def _mask_str(value: str) -> str:
    if not _may_hold_identifier(value):
        return value
    if "%" in value and _PERCENT.search(value):
        decoded = unquote(value)
        masked = mask_text(decoded)
        if masked != decoded:
            # An identifier shows once decoded: log the decoded text, masked.
            return masked
    return mask_text(value)


def _mask(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return _mask_str(value)
    if kind is int and -_SMALLEST_NUMBER_MASKED < value < _SMALLEST_NUMBER_MASKED:
        return value  # the usual ids and counts, before the checks below
    if isinstance(value, str):
        return _mask_str(value)
    if isinstance(value, Mapping):
        # Keys too: a dict of errors keyed by ID number is a natural thing to log.
        return {_mask(k): _mask(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_make"):
        # A NamedTuple's constructor takes fields, not one iterable.
        return value._make(_mask(v) for v in value)
    if isinstance(value, list | tuple | set | frozenset):
        # Sets too: JSON renders them through repr, unmasked.
        return type(value)(_mask(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        # A phone or ID number read as a number from a spreadsheet (13812345678.0).
        if _SMALLEST_NUMBER_MASKED <= abs(value) < 1e19 and float(value).is_integer():
            return mask_text(str(int(value)))
        return value
    # Anything else is rendered through repr by both renderers: mask that text now.
    return _mask_str(repr(value))


def mask_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask ID numbers and phones in the event and every bound value, however nested."""
    for key, value in list(event_dict.items()):
        # The stdlib record travels along and is never rendered; the others are ours.
        if key not in _OWN_KEYS:
            event_dict[key] = _mask(value)
    return event_dict


def resident_ref(resident_id: str | None) -> str | None:
    """How a resident appears in log context: the masked ID number (residents have no other
    key), the same text the masking would make of the raw one."""
    return None if resident_id is None else mask_id_number(resident_id)


async def run_bound(work: Awaitable[T], **context: Any) -> T:
    """Await `work` with `context` (ids of the unit of work) on every line it logs.

    For work started as a task (asyncio.gather, create_task): the binding lives in that
    task's context only, so concurrent units of work never see each other's ids.

    Afterwards each key is as it was before (bound to its earlier value, or not bound), as
    with structlog's `bound_contextvars`; resetting the variables by their tokens does it
    without reading every bound variable first, which that context manager does (it runs
    for every bot update).
    """
    tokens = structlog.contextvars.bind_contextvars(**context)
    try:
        return await work
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the time of writing, not at configuration: a
    caller that swaps stderr for a while (a test runner capturing a command's output) and
    closes its stream afterwards must not leave logging writing to a closed file."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _is_console_stream(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return type(handler) is logging.StreamHandler and stream in {
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    }


def _adopt_library_handlers() -> None:
    """Libraries that print through their own stderr handler (jieba does) go through ours."""
    for logger in list(logging.root.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue
        for handler in [h for h in logger.handlers if _is_console_stream(h)]:
            logger.removeHandler(handler)
        logger.propagate = True


def _log_uncaught(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    logging.getLogger("uncaught").critical("uncaught_exception", exc_info=(kind, error, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    logging.getLogger("uncaught").critical(
        "uncaught_exception_in_thread",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Route structlog and stdlib logging to stderr; JSON unless stderr is a terminal."""
    terminal = sys.stderr.isatty()
    use_json = fmt == "json" or (fmt == "auto" and not terminal)
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=terminal)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    # Our lines show none of the caller's file and line, thread or process that the standard
    # library would look up for every record (the logging HOWTO's "Optimization" section):
    # a third of the cost of a line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    threshold = logging.getLevelName(level.upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(threshold)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(threshold, floor))
    _adopt_library_handlers()
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A logger for a module; bind ids per unit of work."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
