"""End-to-end fixtures: the real ``smarketing`` CLI and daemon, run as subprocesses, against an
emulated CRM that this test process serves on 127.0.0.1: HubSpot over plain HTTP, or, where a
test parametrizes the ``crm`` fixture (``indirect``) with ``"salesforce"``, Salesforce over TLS.
:class:`~tests.e2e.crms.Crm` is what the tests drive and read, the same way for both.

* **The CRM** (:mod:`tests.e2e.crms`): one emulator of each kind per session, reset for each test
  to a freshly seeded portal or org (:meth:`Crm.reseed`). The seed and the seeding instant ``t0``
  are the same for the whole session, so any two tests, and a crashed run and its fault-free
  reference, start from identical data. The emulators run on the real clock with the vendors' rate
  limits and their headers, as a real portal or org would.
* **The connector** (:mod:`tests.e2e.processes`): :class:`Cli` runs
  ``python -m connector --config <file> ...`` with a config written from the repo's
  ``config.toml`` or ``config.salesforce.toml`` (only the CRM URL, the store, the schedule and the
  status port change; the shipped rules stay) and an environment holding the CRM's credentials
  and no ``SMARKETING_*`` variable; :class:`Daemon` is ``smarketing run`` watched from outside.
* **The verdict** is read from the emulator's records and request log, never through the
  connector: tasks by our key property, the values and history of the properties we own, and the
  write requests the connector sent.

Time: cycles that must agree with each other run with ``--now`` at ``t0``. Engagement points decay
continuously, so two cycles seconds apart may legitimately round a score differently; a fixed
``--now`` makes "the same input gives the same writes" checkable (failure-modes R10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.hubspot.emulator import HubSpotEmulator
from adapters.salesforce.emulator import SalesforceEmulator
from tests.e2e.crms import (
    HUBSPOT,
    OPTIONS,
    SALESFORCE,
    SCORE,
    SF_OPTIONS,
    Crm,
    HubSpotCrm,
    SalesforceCrm,
    duplicates,
)
from tests.e2e.processes import (
    REPO,
    REPO_CONFIG,
    Cli,
    Daemon,
    connector_env,
    start_daemon,
    store_rows,
)

__all__ = [  # what the test modules import from here
    "HUBSPOT",
    "REPO",
    "REPO_CONFIG",
    "SALESFORCE",
    "SCORE",
    "Cli",
    "Crm",
    "connector_env",
    "duplicates",
    "store_rows",
]


@pytest.fixture(scope="session")
def t0() -> datetime:
    """When the portal is seeded: MQL clocks are live, and ``--now`` for repeatable cycles."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="session")
def server() -> Iterator[HubSpotEmulator]:
    """One HubSpot emulator for the session; tests reset it to a fresh portal."""
    with HubSpotEmulator(OPTIONS) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def salesforce_server() -> Iterator[SalesforceEmulator]:
    """One Salesforce emulator (TLS) for the session; tests reset it to a fresh org."""
    with SalesforceEmulator(SF_OPTIONS) as emulator:
        yield emulator


def crm_named(name: str, request: pytest.FixtureRequest, t0: datetime) -> Crm:
    """The CRM ``name`` (``HUBSPOT`` or ``SALESFORCE``) on its session emulator, not reseeded.

    For fixtures of any scope: only the session-scoped emulators are requested.
    """
    if name == HUBSPOT:
        return HubSpotCrm(request.getfixturevalue("server"), t0)
    if name == SALESFORCE:
        return SalesforceCrm(request.getfixturevalue("salesforce_server"), t0)
    raise ValueError(f"no emulated CRM named {name!r}: {HUBSPOT!r} or {SALESFORCE!r}")


@pytest.fixture
def crm(request: pytest.FixtureRequest, t0: datetime) -> Crm:
    """The CRM under test, freshly seeded: HubSpot unless a test parametrizes ``crm``
    (``indirect``) with ``"salesforce"``."""
    chosen = crm_named(getattr(request, "param", HUBSPOT), request, t0)
    if isinstance(chosen, SalesforceCrm):
        chosen.watch_saves(request.getfixturevalue("monkeypatch"))
    chosen.reseed()
    return chosen


@pytest.fixture
def cli(crm: Crm, tmp_path: Path) -> Cli:
    """The CLI against this test's portal or org, with a fresh SQLite store."""
    return crm.make_cli(tmp_path / "connector")


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
