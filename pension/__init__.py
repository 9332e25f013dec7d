"""Pension rules and estimates."""
