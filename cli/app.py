"""Root of the `outreach` command: mounts each command group."""

from __future__ import annotations

import typer

from cli import pension

app = typer.Typer(
    name="outreach",
    help="参保扩面外联服务 / Social-insurance enrollment outreach.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(pension.app, name="pension")


def main() -> None:
    """Entry point of the console script."""
    app()
