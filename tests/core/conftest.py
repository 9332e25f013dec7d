"""Fixtures of the core tests."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put structlog, bound context, the root logger and the hooks `configure_logging` sets
    back as they were after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    excepthook, thread_hook = sys.excepthook, threading.excepthook
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook = excepthook, thread_hook
    logging.captureWarnings(False)
