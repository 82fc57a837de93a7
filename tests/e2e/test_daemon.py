"""``smarketing run`` end to end: health and metrics, SIGTERM, and two replicas on one PostgreSQL.

Every test runs against both CRMs, the emulated HubSpot portal and the emulated Salesforce org.
The daemons are real processes on the shortest schedule the config allows (``sync_every = "1m"``);
their first cycle runs at start. Tests watch them from outside, as an orchestrator would:
``/healthz``, ``/metrics``, the exit code and the log, and the portal or org they write to.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from connector.store import Store
from connector.store.values import RunStatus
from tests.e2e.conftest import crm_named
from tests.e2e.crms import HUBSPOT, SALESFORCE, SCORE, Crm, duplicates
from tests.e2e.processes import STOP_LIMIT_S, Cli, Daemon, start_daemon, wait_until

FIRST_CYCLE_S = 45.0
"""Start-up plus the first cycle of 400 people (a few seconds) on a slow machine."""
SYNC_EVERY_S = 60.0
HEALTH_KEYS = {"status", "role", "last_success", "age_seconds"}
"""docs/configuration.md: the body of a healthy /healthz."""
BOTH_CRMS = pytest.mark.parametrize("crm", [HUBSPOT, SALESFORCE], indirect=True)
"""Run a test against the emulated HubSpot portal and the emulated Salesforce org."""


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample, or ``None`` if it is absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    series = f"{name}{{{wanted}}}" if labels else name
    for line in metrics.splitlines():
        head, _, value = line.rpartition(" ")
        if head == series:
            return float(value)
    return None


def served(daemon: Daemon, role: str) -> dict[str, Any] | None:
    """The /healthz body once the daemon answers 200 in ``role`` (active: after a cycle)."""
    daemon.check_alive()
    answer = daemon.healthz()
    if answer is None:
        return None
    status, body = answer
    if status != 200 or body.get("role") != role:
        return None
    if role == "active" and body.get("last_success") is None:
        return None
    return body


@BOTH_CRMS
def test_daemon_serves_health_and_metrics_and_stops_on_sigterm(
    crm: Crm, cli: Cli, daemons: Callable[[Cli, str], Daemon]
) -> None:
    cli.ok("setup")
    daemon = daemons(cli, "solo")

    body = wait_until(
        lambda: served(daemon, "active"), timeout=FIRST_CYCLE_S, what="a first successful cycle"
    )
    assert body.keys() >= HEALTH_KEYS
    assert body["status"] == "ok"
    last_success = datetime.fromisoformat(body["last_success"])
    assert last_success.utcoffset() is not None
    assert last_success <= datetime.now(UTC)
    assert 0 <= body["age_seconds"] < FIRST_CYCLE_S

    metrics = daemon.metrics()
    assert (sample(metrics, "smarketing_cycles_total", result="ok") or 0) >= 1
    calls = re.findall(r"^smarketing_api_calls_total\{.*\} (\S+)$", metrics, re.MULTILINE)
    assert sum(float(n) for n in calls) > 0, "no API call counted"
    assert sample(metrics, "smarketing_lease_active") == 1
    # The cycle did its job in the CRM, once.
    assert crm.tasks_per_key()
    assert duplicates(crm.tasks_per_key()) == {}

    code, seconds = daemon.terminate()
    assert code == 0, daemon.log()
    assert seconds < STOP_LIMIT_S


# -- SIGTERM in the middle of a cycle (F03) --------------------------------------------------------

MID_PULL_PEOPLE = 1_000
MID_PULL_PAGE = 100
"""Ten pages of people (HubSpot's list page; Salesforce may serve fewer rows than the batchSize
asked for, §3): SIGTERM lands while later pages are still to come."""


@dataclass(frozen=True)
class StoppedMidPull:
    """What a daemon stopped during its first pull left, and what two later cycles made of it."""

    code: int
    seconds: float
    log: str
    running_runs: list[int]
    duplicates: dict[str, int]
    unscored: set[str]
    """People without a score whose updates the CRM accepts (Salesforce's validation rule refuses
    every save of a disqualified Lead without a reason)."""


@pytest.fixture(
    scope="module",
    # Three Salesforce cycles of 1,000 people take about 20 s: the slow step runs them.
    params=[HUBSPOT, pytest.param(SALESFORCE, marks=pytest.mark.slow)],
)
def stopped_mid_pull(
    request: pytest.FixtureRequest, t0: datetime, tmp_path_factory: pytest.TempPathFactory
) -> StoppedMidPull:
    """Start a daemon, SIGTERM it once the CRM served a second page of people, resume."""
    crm = crm_named(request.param, request, t0)
    crm.reseed(MID_PULL_PEOPLE, page_size=MID_PULL_PAGE)
    cli = crm.make_cli(tmp_path_factory.mktemp(f"mid-pull-{crm.name}"))
    cli.ok("setup")
    mark = len(crm.requests())
    daemon = start_daemon(cli, "mid-pull")
    try:
        # The pull is lazy: page 2 is asked for only after page 1 was stored with its cursor.
        wait_until(
            lambda: crm.served_second_page_of_people(mark) or None,
            timeout=FIRST_CYCLE_S,
            what="the daemon's second page of people",
            interval=0.005,
        )
        code, seconds = daemon.terminate()
    finally:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait(timeout=10)
    with Store.open(cli.store_url) as store:
        running = [run.id for run in store.last_runs(100) if run.status is RunStatus.RUNNING]
    for _ in range(2):
        cli.ok("sync", "--once")
    scores = crm.owned_values((SCORE,))
    return StoppedMidPull(
        code=code,
        seconds=seconds,
        log=daemon.log(),
        running_runs=running,
        duplicates=duplicates(crm.tasks_per_key()),
        unscored={
            rid
            for rid in crm.person_ids()
            if scores[rid, SCORE] is None and not crm.refuses_writes(rid)
        },
    )


def test_sigterm_mid_cycle_stops_cleanly_within_10s(stopped_mid_pull: StoppedMidPull) -> None:
    assert "cycle done" not in stopped_mid_pull.log, "the cycle ended before SIGTERM: no test"
    # The cycle honoured the stop request (the daemon names what ended it otherwise).
    assert 'msg="cycle stopped" reason=CycleStopped' in stopped_mid_pull.log
    assert stopped_mid_pull.code == 0, stopped_mid_pull.log
    assert stopped_mid_pull.seconds < STOP_LIMIT_S
    # The interrupted run is closed in the run log, not left "running" (no half-written state).
    assert stopped_mid_pull.running_runs == []
    assert stopped_mid_pull.duplicates == {}


def test_cycles_after_a_stop_mid_pull_score_everyone(stopped_mid_pull: StoppedMidPull) -> None:
    assert stopped_mid_pull.unscored == set()


# -- two replicas on one PostgreSQL database (F04) -----------------------------------------------

PG_URL = os.environ.get(
    "SMARKETING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""The server the store contract tests use too (tests/contract/conftest.py)."""


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A store URL on a fresh PostgreSQL schema (dropped afterwards), or a skip with the reason."""
    url = sa.make_url(PG_URL)
    admin = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    schema = f"smk_e2e_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL is not reachable at {url.host}:{url.port or 5432} "
            f"({type(exc).__name__}): start it or set SMARKETING_TEST_PG_URL"
        )
    try:
        # Each daemon's connections select the schema through search_path.
        options = {"options": f"-csearch_path={schema}"}
        yield url.update_query_dict(options).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@dataclass(frozen=True)
class Pair:
    """Two replicas on one store, once one has finished a cycle and the other stands by."""

    active: Daemon
    standby: Daemon
    store_url: str


def start_pair(
    crm: Crm, tmp_path: Path, store_url: str, daemons: Callable[[Cli, str], Daemon]
) -> Pair:
    """Set the CRM up once, start two daemons on ``store_url`` (each with its own status port),
    and wait until one has finished a cycle and the other stands by."""
    clis = {name: crm.make_cli(tmp_path / name, store_url=store_url) for name in ("a", "b")}
    clis["a"].ok("setup")
    started = [daemons(cli, name) for name, cli in clis.items()]

    def settled() -> Pair | None:
        bodies = {d.name: (d, served(d, "active") or served(d, "standby")) for d in started}
        if any(body is None for _, body in bodies.values()):
            return None
        roles = {d.name: body["role"] for d, body in bodies.values() if body is not None}
        active = [d for d in started if roles[d.name] == "active"]
        standby = [d for d in started if roles[d.name] == "standby"]
        assert len(active) <= 1, f"two active replicas: {roles}"
        if len(active) == 1 and len(standby) == 1:
            return Pair(active[0], standby[0], store_url)
        return None

    return wait_until(settled, timeout=FIRST_CYCLE_S, what="one active replica and one standby")


def cycles_logged(daemon: Daemon) -> int:
    """How many cycles the daemon logged as done."""
    return daemon.log().count('msg="cycle done"')


def runs(store_url: str) -> list[RunStatus]:
    """The statuses of the store's sync runs, newest first."""
    with Store.open(store_url) as store:
        return [run.status for run in store.last_runs(100)]


@BOTH_CRMS
@pytest.mark.postgres
def test_two_daemons_on_one_postgres_run_one_at_a_time(
    crm: Crm,
    tmp_path: Path,
    pg_store_url: str,
    daemons: Callable[[Cli, str], Daemon],
) -> None:
    pair = start_pair(crm, tmp_path, pg_store_url, daemons)

    assert duplicates(crm.tasks_per_key()) == {}
    assert crm.tasks_per_key()
    # Runs do not name their process, so the logs tell who ran them: all from the active one.
    statuses = runs(pair.store_url)
    assert statuses
    assert set(statuses) == {RunStatus.OK}
    assert cycles_logged(pair.active) == len(statuses)
    assert cycles_logged(pair.standby) == 0
    assert 'msg=standby reason="another replica holds the lease"' in pair.standby.log()
    metrics = pair.standby.metrics()
    assert sample(metrics, "smarketing_lease_active") == 0
    assert (sample(metrics, "smarketing_cycles_total", result="ok") or 0) == 0

    for daemon in (pair.active, pair.standby):
        code, seconds = daemon.terminate()
        assert code == 0, daemon.log()
        assert seconds < STOP_LIMIT_S


@BOTH_CRMS
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_standby_takes_over_when_the_active_replica_stops(
    crm: Crm,
    tmp_path: Path,
    pg_store_url: str,
    daemons: Callable[[Cli, str], Daemon],
) -> None:
    pair = start_pair(crm, tmp_path, pg_store_url, daemons)
    before = len(runs(pair.store_url))

    code, seconds = pair.active.terminate()
    assert code == 0, pair.active.log()
    assert seconds < STOP_LIMIT_S
    stopped = time.monotonic()

    # The standby tries the lease on its next tick (within sync_every) and then runs a cycle.
    wait_until(
        lambda: served(pair.standby, "active"),
        timeout=SYNC_EVERY_S + FIRST_CYCLE_S,
        what="the standby to take over and finish a cycle",
        interval=0.5,
    )
    took = time.monotonic() - stopped
    assert took < SYNC_EVERY_S + FIRST_CYCLE_S
    assert 'msg=active reason="lease acquired"' in pair.standby.log()
    assert cycles_logged(pair.standby) >= 1
    assert len(runs(pair.store_url)) > before
    assert duplicates(crm.tasks_per_key()) == {}
    code, _ = pair.standby.terminate()
    assert code == 0, pair.standby.log()
