"""The connector as a user runs it: ``python -m connector ...`` as a subprocess, in a directory
of its own, with a config written from the repo's and an environment holding only its
credentials; ``smarketing run`` as a :class:`Daemon` watched from outside.

* :func:`write_config` changes only the CRM URL, the store, the schedule and the status port of
  the repo's ``config.toml`` (or ``config.salesforce.toml``): the shipped rules stay.
* :func:`connector_env` drops every ``SMARKETING_*`` variable of this process.
* :func:`wait_until` polls other processes and servers, which offer no event to wait on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
REPO_CONFIG = REPO / "config.toml"
REPO_SALESFORCE_CONFIG = REPO / "config.salesforce.toml"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
CLI_TIMEOUT_S = 60.0
STOP_LIMIT_S = 10.0
"""failure-modes F03 and docs/configuration.md: a daemon stops within 10 s of SIGTERM."""

T = TypeVar("T")


def _toml_value(value: str | int) -> str:
    # A JSON string is a valid TOML basic string for the plain values written here.
    return json.dumps(value)


def write_config(
    path: Path, changes: Mapping[tuple[str, str], str | int], source: Path = REPO_CONFIG
) -> Path:
    """Write the repo's ``config.toml`` (or ``source``) to ``path`` with ``changes`` replaced.

    Only the named lines change (a key the file lacks is added at the end of its table, a table it
    lacks at the end of the file), so the rules are exactly the shipped ones. The file is read
    back to prove every change took.
    """
    pending = dict(changes)
    table, lines = "", []

    def flush(name: str) -> None:
        for key in [k for t, k in pending if t == name]:
            lines.append(f"{key} = {_toml_value(pending.pop((name, key)))}")

    for line in source.read_text(encoding="utf-8").splitlines():
        header = re.match(r"\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$", line)
        assignment = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if header:
            flush(table)  # keys this table lacked go before the next header
            table = header.group(1)
            lines.append(line)
        elif assignment and (table, assignment.group(1)) in pending:
            key = assignment.group(1)
            lines.append(f"{key} = {_toml_value(pending.pop((table, key)))}")
        else:
            lines.append(line)
    flush(table)
    for name in dict.fromkeys(t for t, _ in pending):
        lines.append(f"[{name}]")
        flush(name)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    for (name, key), value in changes.items():
        node: Any = written
        for part in name.split("."):
            node = node[part]
        assert node[key] == value, f"{path}: [{name}] {key} was not written"
    return path


class CliResult(NamedTuple):
    """What one CLI run left behind."""

    code: int
    stdout: str
    stderr: str


def connector_env(token: str | None) -> dict[str, str]:
    """This process's environment without any ``SMARKETING_*`` variable (a stray
    ``SMARKETING_FAILPOINT`` or ``SMARKETING_CONFIG`` would change what runs), plus ``token``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARKETING_")}
    env.pop(TOKEN_ENV, None)
    if token is not None:
        env[TOKEN_ENV] = token
    return env


@dataclass(frozen=True)
class Cli:
    """``python -m connector --config <config> ...`` in a directory of its own."""

    config: Path
    env: Mapping[str, str]
    cwd: Path
    store_url: str

    def command(self, *args: str) -> list[str]:
        """The argv of one invocation."""
        return [sys.executable, "-m", "connector", "--config", str(self.config), *args]

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = CLI_TIMEOUT_S
    ) -> CliResult:
        """Run a command to its end (or fail the test after ``timeout`` seconds)."""
        done = subprocess.run(  # noqa: S603  # our own interpreter and arguments
            self.command(*args),
            env={**self.env, **(env or {})},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run a command that must succeed; return its standard output."""
        result = self.run(*args, env=env)
        assert result.code == 0, f"smarketing {' '.join(args)} exited {result.code}:\n{result}"
        return result.stdout

    def plan(self, now: str | None = None) -> dict[str, Any]:
        """The dry-run plan (``sync --once --dry-run --format json``), as of ``now``."""
        at = ("--now", now) if now else ()
        document: dict[str, Any] = json.loads(
            self.ok("sync", "--once", "--dry-run", "--format", "json", *at)
        )
        return document


def sqlite_url(path: Path) -> str:
    """The store URL of a SQLite file."""
    return f"sqlite:///{path}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the daemon binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def store_rows(cli: Cli) -> dict[str, int]:
    """Rows per table of the CLI's SQLite store (empty if the file does not exist)."""
    path = Path(cli.store_url.removeprefix("sqlite:///"))
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "alembic_version"
        ]
        return {
            # The names come from sqlite_master, not from any input.
            name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in tables
        }


def wait_until(
    condition: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.1
) -> T:
    """Poll ``condition`` until it returns something other than ``None``; fail after ``timeout``.

    Only for watching other processes and servers, which offer no event to wait on.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# -- daemons ------------------------------------------------------------------------------------


@dataclass
class Daemon:
    """A ``smarketing run`` process with its status port and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def healthz(self) -> tuple[int, dict[str, Any]] | None:
        """``(status code, body)`` of ``GET /healthz``, or ``None`` while nothing listens."""
        try:
            response = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except httpx.TransportError:
            return None
        return response.status_code, response.json()

    def metrics(self) -> str:
        """The Prometheus text of ``GET /metrics``."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2)
        assert response.status_code == 200, response.text
        return response.text

    def log(self) -> str:
        """Everything the daemon wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def check_alive(self) -> None:
        """Fail the test, with the log, if the daemon has exited."""
        code = self.process.poll()
        if code is not None:
            pytest.fail(f"daemon {self.name} exited with {code}:\n{self.log()}")

    def terminate(self) -> tuple[int, float]:
        """SIGTERM it and wait; return its exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_LIMIT_S + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"daemon {self.name} ignored SIGTERM for 20 s:\n{self.log()}")
        return code, time.monotonic() - started


def start_daemon(cli: Cli, name: str) -> Daemon:
    """Start ``smarketing run`` with ``cli``'s config, logging to a file next to it."""
    config = tomllib.loads(cli.config.read_text(encoding="utf-8"))
    log_path = cli.cwd / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and arguments
            cli.command("run"), env=dict(cli.env), cwd=cli.cwd, stdout=log, stderr=log
        )
    return Daemon(name, process, int(config["status"]["port"]), log_path)
