"""The reader's exceptions: XlsxError for callers, ScanError between the scan and expat."""

from __future__ import annotations


class XlsxError(ValueError):
    """The workbook cannot be read: not a zip, no worksheet, malformed XML."""


class ScanError(Exception):
    """The scan met something it does not recognise; expat reads it instead."""
