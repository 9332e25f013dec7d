"""Repeatable measurements; each script prints one JSON object."""
