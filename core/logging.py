"""structlog configuration: one line per unit of work, personal identifiers always masked."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from core.masking import mask_text


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
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
        if 1e10 <= abs(value) < 1e19 and float(value).is_integer():
            return mask_text(str(int(value)))
        return value
    # Anything else is rendered through repr by both renderers: mask that text now.
    return mask_text(repr(value))


def mask_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask ID numbers and phones in the event and every bound value, however nested."""
    for key, value in list(event_dict.items()):
        event_dict[key] = _mask(value)
    return event_dict


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the time of writing, not at configuration: a
    caller that swaps stderr for a while (a test runner capturing a command's output) and
    closes its stream afterwards must not leave logging writing to a closed file."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Route structlog and stdlib logging to stderr; JSON unless stderr is a terminal."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A logger for a module; bind ids per unit of work."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
