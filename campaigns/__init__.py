"""Outreach campaigns: planner, rendering, dispatch queue, scheduling and reports (issue 4)."""
