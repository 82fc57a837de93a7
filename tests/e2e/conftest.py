"""End-to-end fixtures: the real ``smarketing`` CLI and daemon, run as subprocesses, against a
HubSpot emulator that this test process serves on 127.0.0.1 (or, where a test parametrizes the
``crm`` fixture with ``"salesforce"``, the Salesforce emulator over TLS: :class:`Crm` is what the
tests drive and read, the same way for both).

* **The CRM**: one emulator per session (``server``), reset for each test to a freshly seeded
  portal (:func:`reseed`). The seed and the seeding instant ``t0`` are the same for the whole
  session, so any two tests, and a crashed run and its fault-free reference, start from identical
  data. The emulator runs on the real clock with HubSpot's Professional-tier rate limits, headers
  included, as a real portal would.
* **The connector**: :class:`Cli` runs ``python -m connector --config <file> ...`` with a config
  written from the repo's ``config.toml`` (:func:`write_config`: only the CRM URL, the store, the
  schedule and the status port change; the shipped rules stay) and an environment holding the
  emulator's token and no other ``SMARKETING_*`` variable.
* **The verdict** is read from the emulator's portal and request log, never through the
  connector: tasks by our key property, the values and history of the properties we own, and the
  write requests the connector sent.

Time: cycles that must agree with each other run with ``--now`` at ``t0``. Engagement points decay
continuously, so two cycles seconds apart may legitimately round a score differently; a fixed
``--now`` makes "the same input gives the same writes" checkable (failure-modes R10).
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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx
import pytest

from adapters.hubspot.emulator import EmulatorOptions, HubSpotEmulator
from adapters.hubspot.emulator.objects import ObjectType as HsObject
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.salesforce.emulator import EmulatorOptions as SfOptions
from adapters.salesforce.emulator import SalesforceEmulator, checks, seeded_org

REPO = Path(__file__).resolve().parents[2]
REPO_CONFIG = REPO / "config.toml"
REPO_SALESFORCE_CONFIG = REPO / "config.salesforce.toml"
SEED = 7
PEOPLE = 400
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
CLI_TIMEOUT_S = 60.0
STOP_LIMIT_S = 10.0
"""failure-modes F03 and docs/configuration.md: a daemon stops within 10 s of SIGTERM."""

# What the connector writes, by the names a HubSpot admin sees (docs/rules.md, `smarketing setup`).
TASK_KEY = "smarketing_task_key"
SCORE = "smarketing_score"
OWNED = (SCORE, "smarketing_score_explanation", "smarketing_sla_status", "smarketing_sla_due")

OPTIONS = EmulatorOptions()
"""The real clock and the Professional tier's rate limits, with their headers."""

T = TypeVar("T")


# -- the emulated CRM ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def t0() -> datetime:
    """When the portal is seeded: MQL clocks are live, and ``--now`` for repeatable cycles."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="session")
def server() -> Iterator[HubSpotEmulator]:
    """One emulator for the session; tests reset it to a fresh portal."""
    with HubSpotEmulator(OPTIONS) as emulator:
        yield emulator


def reseed(server: HubSpotEmulator, t0: datetime, people: int = PEOPLE) -> HubSpotEmulator:
    """Give ``server`` a fresh portal of ``people`` seeded people, with fresh buckets and log."""
    server.reset(OPTIONS, seeded_portal(SEED, people, t0, OPTIONS))
    return server


@pytest.fixture(scope="session")
def salesforce_server() -> Iterator[SalesforceEmulator]:
    """One Salesforce emulator (TLS) for the session; tests reset it to a fresh org."""
    with SalesforceEmulator(SF_OPTIONS) as emulator:
        yield emulator


@pytest.fixture
def crm(request: pytest.FixtureRequest, t0: datetime) -> Crm:
    """The CRM under test, freshly seeded: HubSpot unless a test parametrizes ``crm``
    (``indirect``) with ``"salesforce"``."""
    name = getattr(request, "param", HUBSPOT)
    if name == HUBSPOT:
        chosen: Crm = HubSpotCrm(request.getfixturevalue("server"), t0)
    else:
        chosen = SalesforceCrm(request.getfixturevalue("salesforce_server"), t0)
        chosen.watch_saves(request.getfixturevalue("monkeypatch"))
    chosen.reseed()
    return chosen


@pytest.fixture
def emu(crm: Crm) -> HubSpotEmulator:
    """The session's HubSpot emulator with a freshly seeded portal of ``PEOPLE`` people."""
    assert isinstance(crm, HubSpotCrm), "a HubSpot-only fixture in a test of another CRM"
    return crm.emulator


# -- the connector as a user runs it -------------------------------------------------------------


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


def make_cli(
    emulator: HubSpotEmulator,
    directory: Path,
    *,
    store_url: str | None = None,
) -> Cli:
    """A config in ``directory`` pointing at ``emulator``; SQLite in ``directory`` by default.

    The schedule is the shortest the config allows ("1m"): the first cycle runs at start anyway.
    """
    directory.mkdir(parents=True, exist_ok=True)
    store = store_url or sqlite_url(directory / "store.db")
    changes: dict[tuple[str, str], str | int] = {
        ("crm.hubspot", "base_url"): emulator.base_url,
        ("store", "url"): store,
        ("schedule", "sync_every"): "1m",
        ("status", "bind"): "127.0.0.1",
        ("status", "port"): free_port(),
    }
    config = write_config(directory / "config.toml", changes)
    return Cli(config, connector_env(emulator.token), directory, store)


@pytest.fixture
def cli(crm: Crm, tmp_path: Path) -> Cli:
    """The CLI against this test's portal or org, with a fresh SQLite store."""
    return crm.make_cli(tmp_path / "connector")


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


# -- reading the CRM's state ---------------------------------------------------------------------


def tasks_per_key(emulator: HubSpotEmulator) -> Counter[str]:
    """How many live tasks carry each of our idempotency keys (the seed's tasks carry none)."""
    portal = emulator.state
    with portal.lock:
        return Counter(
            record.props[TASK_KEY]
            for record in portal.stores[HsObject.TASKS].iter_live()
            if record.props.get(TASK_KEY)
        )


def duplicates(counts: Counter[str]) -> dict[str, int]:
    """Keys held by more than one task (failure-modes: "dup tasks")."""
    return {key: n for key, n in counts.items() if n > 1}


def contact_ids(emulator: HubSpotEmulator) -> set[str]:
    """Ids of the live contacts."""
    with emulator.state.lock:
        return {str(r.id) for r in emulator.state.stores[HsObject.CONTACTS].iter_live()}


def owned_values(
    emulator: HubSpotEmulator, props: tuple[str, ...] = OWNED
) -> dict[tuple[str, str], str | None]:
    """``(contact id, property) -> value`` of the properties we own, for every live contact."""
    with emulator.state.lock:
        return {
            (str(r.id), prop): r.props.get(prop)
            for r in emulator.state.stores[HsObject.CONTACTS].iter_live()
            for prop in props
        }


def history_entries(emulator: HubSpotEmulator) -> int:
    """Property-history entries of our properties on contacts: one per value actually changed."""
    with emulator.state.lock:
        return sum(
            len(r.history.get(prop, ()))
            for r in emulator.state.stores[HsObject.CONTACTS].iter_live()
            for prop in OWNED
        )


def modified_stamps(emulator: HubSpotEmulator) -> dict[tuple[str, int], int]:
    """The modified time of every record of every object type: any write moves one."""
    portal = emulator.state
    with portal.lock:
        return {
            (str(obj), record.id): record.updated_ms
            for obj, store in portal.stores.items()
            for record in store.records.values()
        }


def requests(emulator: HubSpotEmulator) -> list[tuple[str, str, int]]:
    """The emulator's request log: ``(method, path, status)`` of every answered request."""
    # deque.copy() runs in C under the GIL, so it cannot see the server thread half-way.
    return list(emulator.runtime.log.copy())


def is_write(entry: tuple[str, str, int]) -> bool:
    """A request that may change the portal (searches and batch reads are POSTs but only read)."""
    method, path, _ = entry
    return method != "GET" and not path.endswith(("/search", "/batch/read"))


def writes_since(emulator: HubSpotEmulator, mark: int) -> list[tuple[str, str, int]]:
    """Write requests answered after the log held ``mark`` entries."""
    return [entry for entry in requests(emulator)[mark:] if is_write(entry)]


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


@pytest.fixture
def daemons() -> Iterator[Callable[[Cli, str], Daemon]]:
    """Start daemons with ``daemons(cli, name)``; any still running at the end are killed."""
    started: list[Daemon] = []

    def start(cli: Cli, name: str) -> Daemon:
        daemon = start_daemon(cli, name)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait(timeout=10)


# -- the CRM under test: HubSpot or Salesforce, behind one small interface ----------------------

HUBSPOT, SALESFORCE = "hubspot", "salesforce"
SF_OPTIONS = SfOptions()
"""The real clock and Salesforce's default daily API allocation."""
SF_OWNED = {
    SCORE: "Smarketing_Score__c",
    "smarketing_score_explanation": "Smarketing_Score_Explanation__c",
    "smarketing_sla_status": "Smarketing_SLA_Status__c",
    "smarketing_sla_due": "Smarketing_SLA_Due__c",
}
"""Our properties by the names a Salesforce admin sees (``adapters/salesforce/schema.py``)."""
SF_TASK_KEY = "Smarketing_Key__c"
SF_PEOPLE = ("Lead", "Contact")


class Crm:
    """One emulated CRM as the e2e tests drive and judge it; see the two subclasses.

    Attributes:
        name: The CRM's ``[crm] kind``, also the plan's ``crm``.
        record_types: The plan's ``record_type`` of people.
        setup_says: Something ``smarketing setup`` prints on a fresh portal or org.
    """

    name: str
    record_types: frozenset[str]
    setup_says: str

    def __init__(self, t0: datetime) -> None:
        self.t0 = t0

    def reseed(self, people: int = PEOPLE) -> None:
        """A freshly seeded portal or org of ``people`` people, fresh limits and request log."""
        raise NotImplementedError

    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        """A config in ``directory`` pointing at this CRM; SQLite in ``directory`` by default."""
        raise NotImplementedError

    def tasks_per_key(self) -> Counter[str]:
        """How many live tasks carry each of our idempotency keys."""
        raise NotImplementedError

    def person_ids(self) -> set[str]:
        """Ids of the live people the connector scores."""
        raise NotImplementedError

    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        """``(person id, property) -> value`` of our properties (plan names), spelled as text."""
        raise NotImplementedError

    def history_entries(self) -> int:
        """Changes of our properties' values on people: one per value actually changed."""
        raise NotImplementedError

    def refuses_writes(self, record_id: str) -> bool:
        """Whether the CRM's own rules refuse every update of this record as it stands."""
        return False

    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        """The modified time of every record of every object type: any write moves one."""
        raise NotImplementedError

    def requests(self) -> list[tuple[str, str, int]]:
        """The request log: ``(method, path, status)`` of every answered request."""
        raise NotImplementedError

    def is_write(self, entry: tuple[str, str, int]) -> bool:
        """A request that may change the CRM's data."""
        raise NotImplementedError

    def is_task_create(self, entry: tuple[str, str, int]) -> bool:
        """A request that may create a task."""
        raise NotImplementedError

    def writes_since(self, mark: int) -> list[tuple[str, str, int]]:
        """Write requests answered after the log held ``mark`` entries."""
        return [entry for entry in self.requests()[mark:] if self.is_write(entry)]


class HubSpotCrm(Crm):
    """The session's HubSpot emulator (plain HTTP, a private-app token)."""

    name = HUBSPOT
    record_types = frozenset({"contact"})
    setup_says = "created smarketing_score"

    def __init__(self, emulator: HubSpotEmulator, t0: datetime) -> None:
        super().__init__(t0)
        self.emulator = emulator

    def reseed(self, people: int = PEOPLE) -> None:
        reseed(self.emulator, self.t0, people)

    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        return make_cli(self.emulator, directory, store_url=store_url)

    def tasks_per_key(self) -> Counter[str]:
        return tasks_per_key(self.emulator)

    def person_ids(self) -> set[str]:
        return contact_ids(self.emulator)

    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        return owned_values(self.emulator, props)

    def history_entries(self) -> int:
        return history_entries(self.emulator)

    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        return {(obj, str(rid)): ms for (obj, rid), ms in modified_stamps(self.emulator).items()}

    def requests(self) -> list[tuple[str, str, int]]:
        return requests(self.emulator)

    def is_write(self, entry: tuple[str, str, int]) -> bool:
        return is_write(entry)

    def is_task_create(self, entry: tuple[str, str, int]) -> bool:
        return self.is_write(entry) and entry[1].startswith("/crm/v3/objects/tasks")


class SalesforceCrm(Crm):
    """The session's Salesforce emulator: TLS with a throw-away CA (``ca_bundle``), OAuth client
    credentials of the emulator's test app, people as Leads and (converted) Contacts.

    Salesforce keeps no history of our fields, so the emulator's Lead and Contact tables are
    watched in-process: every stored row that changes one of our fields' values counts. The org's
    validation rule refuses any save of a disqualified Lead without a reason
    (:meth:`refuses_writes`); a write request that only retried such saves changes nothing and is
    not counted as a write (:meth:`watch_saves`).
    """

    name = SALESFORCE
    record_types = frozenset({"lead", "contact"})
    setup_says = "setup complete"

    def __init__(self, emulator: SalesforceEmulator, t0: datetime) -> None:
        super().__init__(t0)
        self.emulator = emulator
        self._changes = 0
        self._saves: list[tuple[int, str]] = []

    def reseed(self, people: int = PEOPLE) -> None:
        self.emulator.reset(SF_OPTIONS, seeded_org(SEED, people, self.t0, SF_OPTIONS))
        self._changes = 0
        self._saves.clear()
        for sobject in SF_PEOPLE:
            self._watch(self.emulator.org.tables[sobject])

    def _watch(self, table: Any) -> None:
        put = table.put

        def counting_put(row: dict[str, Any], *, index: bool = True) -> None:
            old = table.rows.get(row["Id"]) or {}
            self._changes += sum(old.get(f) != row.get(f) for f in SF_OWNED.values())
            put(row, index=index)

        table.put = counting_put

    def watch_saves(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Note ``(log position of its request, record id)`` of every save the org checks."""
        check_rules = checks.check_rules

        def noting(org: Any, obj: Any, row: dict[str, Any]) -> None:
            if org is self.emulator.org:
                # Requests are answered one at a time: the log's length is this request's index.
                self._saves.append((len(self.emulator.runtime.log), str(row.get("Id"))))
            check_rules(org, obj, row)

        monkeypatch.setattr(checks, "check_rules", noting)

    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        directory.mkdir(parents=True, exist_ok=True)
        store = store_url or sqlite_url(directory / "store.db")
        changes: dict[tuple[str, str], str | int] = {
            ("crm.salesforce", "instance_url"): self.emulator.instance_url,
            ("crm.salesforce", "ca_bundle"): self.emulator.ca_bundle_path,
            ("store", "url"): store,
            ("schedule", "sync_every"): "1m",
            ("status", "bind"): "127.0.0.1",
            ("status", "port"): free_port(),
        }
        config = write_config(directory / "config.toml", changes, REPO_SALESFORCE_CONFIG)
        section = tomllib.loads(config.read_text(encoding="utf-8"))["crm"]["salesforce"]
        app = SF_OPTIONS.clients[0]
        env = connector_env(token=None)
        env[section["client_id_env"]] = app.consumer_key
        env[section["client_secret_env"]] = app.consumer_secret
        return Cli(config, env, directory, store)

    def _live(self, sobject: str) -> list[dict[str, Any]]:
        return [r for r in self.emulator.org.tables[sobject].rows.values() if not r["IsDeleted"]]

    def _people(self) -> list[dict[str, Any]]:
        # Converted Leads are merged into their Contact: the connector judges the Contact.
        return [r for s in SF_PEOPLE for r in self._live(s) if not r.get("IsConverted")]

    def tasks_per_key(self) -> Counter[str]:
        with self.emulator.org.lock:
            return Counter(r[SF_TASK_KEY] for r in self._live("Task") if r.get(SF_TASK_KEY))

    def person_ids(self) -> set[str]:
        with self.emulator.org.lock:
            return {r["Id"] for r in self._people()}

    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        with self.emulator.org.lock:
            return {
                (r["Id"], prop): _spelled(r.get(SF_OWNED[prop]))
                for r in self._people()
                for prop in props
            }

    def history_entries(self) -> int:
        return self._changes

    def refuses_writes(self, record_id: str) -> bool:
        # The org's validation rule: a disqualified Lead without a rejection reason cannot be
        # saved, so the connector's values for it are refused (and recorded as rejected).
        org = self.emulator.org
        rules = org.behaviour
        with org.lock:
            lead = org.tables["Lead"].live(record_id)
            return bool(
                rules.validation_rule
                and lead is not None
                and lead.get("Status") in rules.rejected_statuses
                and not lead.get(rules.reason_field)
            )

    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        org = self.emulator.org
        with org.lock:
            return {
                (name, rid): row.get("SystemModstamp")
                for name, table in org.tables.items()
                for rid, row in table.rows.items()
            }

    def requests(self) -> list[tuple[str, str, int]]:
        return list(self.emulator.runtime.log.copy())

    def is_write(self, entry: tuple[str, str, int]) -> bool:
        # Queries and describes are GETs; the OAuth login is a POST that changes no record.
        method, path, _ = entry
        return method != "GET" and "/oauth2/" not in path

    def is_task_create(self, entry: tuple[str, str, int]) -> bool:
        # The connector creates no other record: every POST of records is a Task create.
        return self.is_write(entry) and entry[0] == "POST"

    def writes_since(self, mark: int) -> list[tuple[str, str, int]]:
        saved: dict[int, list[str]] = {}
        for position, record_id in list(self._saves):
            saved.setdefault(position, []).append(record_id)
        return [
            entry
            for position, entry in enumerate(self.requests())
            if position >= mark
            and self.is_write(entry)
            and not (saved.get(position) and all(map(self.refuses_writes, saved.get(position, ()))))
        ]


def _spelled(value: Any) -> str | None:
    """A stored Salesforce value as text: whole numbers (Number fields are doubles) without
    ``.0``, so a score reads as the plan spells it."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
