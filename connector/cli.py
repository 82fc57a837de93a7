"""The ``smarketing`` command line (contract: ``../shared/ARCHITECTURE.md``).

Exit codes: 0 success · 1 runtime failure · 2 invalid config or usage · 3 CRM refused credentials.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

from connector.check import summary_lines
from connector.config import ConfigError, ConfigFileMissing, Settings, load_config

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


# Where the config path came from, by click's parameter source, to say where we looked.
_CONFIG_ORIGINS = {
    "COMMANDLINE": "the path was given with --config",
    "ENVIRONMENT": "the path was taken from $SMARKETING_CONFIG",
}
_DEFAULT_ORIGIN = "no --config given and $SMARKETING_CONFIG unset, so ./config.toml was tried"


def load_settings(ctx: typer.Context) -> Settings:
    """Load the config named by the root options, or print every problem and exit 2.

    Raises:
        typer.Exit: With code 2 when the file is missing or invalid (no traceback).
    """
    path: Path = ctx.obj
    try:
        return load_config(path)
    except ConfigFileMissing as exc:
        source = ctx.parent.get_parameter_source("config") if ctx.parent else None
        origin = _CONFIG_ORIGINS.get(source.name if source else "", _DEFAULT_ORIGIN)
        typer.echo(f"{exc}\n{origin}; pass --config PATH or set SMARKETING_CONFIG.", err=True)
        raise typer.Exit(2) from None
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate config.toml (every problem with its key path) and summarise what the rules do."""
    for line in summary_lines(load_settings(ctx)):
        typer.echo(line)


def main() -> None:
    """Console-script entry point."""
    app()
