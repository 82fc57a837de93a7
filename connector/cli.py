"""The ``smarketing`` command line (contract: ``../shared/ARCHITECTURE.md``).

Exit codes: 0 success · 1 runtime failure · 2 invalid config or usage · 3 CRM refused credentials.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

from connector.check import summary_lines
from connector.commands import exits_cleanly, register
from connector.config import ConfigError, ConfigFileMissing, Settings, load_config
from connector.demo import PORTALS, run_demo, serve_hubspot, serve_salesforce
from connector.runtime import build_adapter

CRMS = tuple(PORTALS)
SALESFORCE_CONFIG = "config.salesforce.toml"

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
@exits_cleanly
def check(
    ctx: typer.Context,
    online: Annotated[
        bool, typer.Option("--online", help="Also check credentials, scopes and properties.")
    ] = False,
) -> None:
    """Validate config.toml (every problem with its key path) and summarise what the rules do."""
    settings = load_settings(ctx)
    for line in summary_lines(settings):
        typer.echo(line)
    if not online:
        return
    report = build_adapter(settings).check()
    typer.echo(f"CRM account: {report.account}")
    for name, value in sorted(report.details.items()):
        typer.echo(f"  {name}: {value}")
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)
    if not report.ok:
        raise typer.Exit(3)
    typer.echo("online check passed")


@app.command()
@exits_cleanly
def demo(
    ctx: typer.Context,
    crm: Annotated[str, typer.Option("--crm", help="hubspot or salesforce")] = "hubspot",
    people: Annotated[int, typer.Option("--people", min=50, max=100_000)] = 2_000,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """Run the whole loop offline against a built-in emulated CRM with seeded data."""
    if crm not in CRMS:
        raise typer.BadParameter(f"--crm {crm!r}: use {' or '.join(CRMS)}")
    if crm == "salesforce" and not _config_given(ctx):
        ctx.obj = _salesforce_config()
    settings = load_settings(ctx)
    if str(settings.crm.kind) != crm:
        typer.echo(
            f"note: {settings.source.name} is written for {settings.crm.kind}; its stage values "
            f"and field names may not be {crm}'s (see config.{crm}.toml)",
            err=True,
        )
    raise typer.Exit(run_demo(settings, typer.echo, crm=crm, people=people, seed=seed))


def _config_given(ctx: typer.Context) -> bool:
    """Whether --config or $SMARKETING_CONFIG named the file (not the ./config.toml default)."""
    source = ctx.parent.get_parameter_source("config") if ctx.parent else None
    return source is not None and source.name in _CONFIG_ORIGINS


def _salesforce_config() -> Path:
    """``./config.salesforce.toml``: the Salesforce demo's rules when no config was named."""
    path = Path(SALESFORCE_CONFIG)
    if not path.is_file():
        typer.echo(
            f"The Salesforce demo needs a Salesforce config: ./{SALESFORCE_CONFIG} is not here "
            f"(in {Path.cwd()}). Run it from the repository root, copy {SALESFORCE_CONFIG} from "
            "there, or pass --config PATH.",
            err=True,
        )
        raise typer.Exit(2)
    return path


@app.command()
def emulator(
    crm: Annotated[str, typer.Argument(help="hubspot or salesforce")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8765,
    seed: Annotated[int, typer.Option("--seed")] = 42,
    records: Annotated[int, typer.Option("--records", min=0)] = 2_000,
) -> None:
    """Serve an emulated CRM on 127.0.0.1 for trying configs (Ctrl-C stops it)."""
    serve = {"hubspot": serve_hubspot, "salesforce": serve_salesforce}.get(crm)
    if serve is None:
        raise typer.BadParameter(f"{crm!r}: use {' or '.join(CRMS)}")
    serve(port=port, seed=seed, records=records, echo=typer.echo)


register(app, load_settings)


def main() -> None:
    """Console-script entry point."""
    app()
