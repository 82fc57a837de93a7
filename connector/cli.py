"""The ``smarketing`` command line (contract: ``../shared/ARCHITECTURE.md``).

Exit codes: 0 success · 1 runtime failure · 2 invalid config or usage · 3 CRM refused credentials.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="smarketing",
    help="Sales + marketing alignment connector: SLA, scoring and funnel rules for your CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"smarketing {version('smarketing')}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="SMARKETING_CONFIG",
            help="Path of config.toml (default: $SMARKETING_CONFIG, else ./config.toml).",
        ),
    ] = None,
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Smarketing: one funnel, one SLA, both teams looking at the same numbers."""
    ctx.obj = config if config is not None else Path("config.toml")


def main() -> None:
    """Console-script entry point."""
    app()
