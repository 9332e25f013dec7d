"""The `events` table as the relay uses it: the events and their relay state (migration 0006).

One description of the table, campaigns' model; this module names it for the relay.
"""

from __future__ import annotations

from campaigns.model import EVENTS

__all__ = ["EVENTS"]
