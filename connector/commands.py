"""The commands that talk to a CRM: ``check --online``, ``setup``, ``sync --once``, ``run``,
``migrate``, ``emulator``. Registered on the typer app in :mod:`connector.cli`.

Errors become exit codes here and nowhere else: 1 runtime failure, 2 invalid config or usage,
3 the CRM refused credentials or scopes; the message names what failed, never a secret, and no
traceback reaches the user.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, ParamSpec, TypeVar

import typer

from adapters.base.errors import AuthError, ConfigurationError, SmarketingError, redact
from connector.config import Settings
from connector.daemon_main import run_forever
from connector.render import plan_json, plan_text
from connector.runtime import OWNED_SPECS, build_adapter, build_cycle, utc_now
from connector.store import Store
from connector.store.errors import StoreError
from connector.store.migrate import migrate as migrate_store

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("smarketing.cli")


def exits_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into a one-line message and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except AuthError as exc:
            typer.echo(f"The CRM refused the credentials: {exc}", err=True)
            raise typer.Exit(3) from None
        except ConfigurationError as exc:
            typer.echo(f"Configuration problem: {exc}", err=True)
            raise typer.Exit(2) from None
        except (SmarketingError, StoreError) as exc:
            typer.echo(f"Failed: {redact(str(exc))}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def parse_now(value: str | None) -> datetime | None:
    """``--now`` as an aware instant; a naive one is a usage error."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO-8601 instant") from None
    if parsed.utcoffset() is None:
        raise typer.BadParameter(f"{value!r} has no time zone (add Z or +02:00)")
    return parsed


@contextlib.contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings.store.url)
    try:
        yield store
    finally:
        store.close()


def register(app: typer.Typer, load_settings: Callable[[typer.Context], Settings]) -> None:
    """Add the CRM commands to ``app``."""

    @app.command()
    @exits_cleanly
    def setup(ctx: typer.Context) -> None:
        """Create the properties the connector writes (idempotent) and report what exists."""
        settings = load_settings(ctx)
        adapter = build_adapter(settings)
        created = adapter.ensure_schema(OWNED_SPECS)
        for name in created:
            typer.echo(f"created {name}")
        report = adapter.check()
        for problem in report.problems:
            typer.echo(f"problem: {problem}", err=True)
        typer.echo("setup complete" if report.ok else "setup finished with problems")
        if not report.ok:
            raise typer.Exit(1)

    @app.command()
    @exits_cleanly
    def sync(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Plan only: write nothing anywhere.")
        ] = False,
        now: Annotated[
            str | None, typer.Option("--now", help="Judge as of this ISO-8601 instant.")
        ] = None,
        output: Annotated[
            str, typer.Option("--format", help="text or json (the dry-run plan)")
        ] = "text",
    ) -> None:
        """Run one sync cycle (pull, judge, write back); see `run` for the daemon."""
        if not once:
            raise typer.BadParameter("use --once for one cycle, or `smarketing run` for the daemon")
        if output not in ("text", "json"):
            raise typer.BadParameter(f"--format {output!r}: use text or json")
        settings = load_settings(ctx)
        as_of = parse_now(now)
        adapter = build_adapter(settings)
        with opened_store(settings) as store:
            report = build_cycle(settings, adapter, store).run(now=as_of, dry_run=dry_run)
        crm = str(settings.crm.kind)
        typer.echo(plan_json(report, crm) if output == "json" else plan_text(report, crm))

    @app.command()
    @exits_cleanly
    def migrate(ctx: typer.Context) -> None:
        """Bring the store's schema up to date (also done automatically at start)."""
        settings = load_settings(ctx)
        typer.echo(f"store at revision {migrate_store(settings.store.url)}")

    @app.command()
    @exits_cleanly
    def run(ctx: typer.Context) -> None:
        """The daemon: scheduled cycles, /healthz and /metrics, graceful stop on SIGTERM."""
        settings = load_settings(ctx)
        raise typer.Exit(run_forever(settings, threading.Event(), clock=utc_now))
