"""`outreach pension …`: placeholder, replaced by the pension command group."""

import typer

app = typer.Typer(help="养老金测算 / Pension estimates.", no_args_is_help=True)


@app.command()
def retirement() -> None:
    """Placeholder."""
