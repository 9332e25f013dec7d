"""The `outreach` command: one Typer sub-app per command group, composed here."""

from cli.app import app, main

__all__ = ["app", "main"]
