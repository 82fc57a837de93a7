"""The daemon: scheduling, one cycle at a time, stopping in time, the lease, failures.

Most tests drive ticks by hand (:class:`ManualScheduler`) so they are deterministic; the ones about
APScheduler's own guarantees (first run at start, no overlap) use the real scheduler. Cycles
cooperate through events, so no test sleeps.
"""

from __future__ import annotations

import io
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from adapters.base.errors import AuthError, QuotaExhaustedError, ServerError
from connector.config import Settings, load_config
from connector.config.runtime import StatusSettings
from connector.config.schema import ScheduleSettings
from connector.daemon import (
    CycleReport,
    Daemon,
    IntervalScheduler,
    RunCycle,
    install_signal_handlers,
    run_daemon,
)
from connector.logs import configure_logging
from connector.metrics import Metrics
from connector.status import Role
from connector.store import Lease, StoreUnavailableError
from connector.sync import CycleStopped
from tests.unit.test_metrics import Report

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"
NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
WAIT = 5.0  # seconds an Event wait may take before the test fails; passing tests take far less


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ManualScheduler:
    """Records the job; the test calls :meth:`tick` to run it on the test thread."""

    stop: threading.Event = field(default_factory=threading.Event)
    job: Callable[[], None] | None = None
    every: timedelta | None = None
    started: threading.Event = field(default_factory=threading.Event)
    shut_down: bool = False

    def start(self, job: Callable[[], None], every: timedelta, jitter: timedelta) -> None:
        self.job, self.every = job, every
        self.started.set()

    def shutdown(self) -> None:
        self.shut_down = True

    def tick(self) -> None:
        assert self.job is not None
        self.job()


@dataclass
class FakeLease:
    """A lease whose answers the test scripts; raises what it is given."""

    acquire: list[bool | Exception] = field(default_factory=lambda: [True])
    verified: bool = True
    held: bool = False
    released: int = 0

    def try_acquire(self) -> bool:
        answer = self.acquire.pop(0) if len(self.acquire) > 1 else self.acquire[0]
        if isinstance(answer, Exception):
            raise answer
        self.held = answer
        return answer

    def verify(self) -> bool:
        self.held = self.held and self.verified
        return self.held

    def release(self) -> None:
        self.released += 1
        self.held = False


class Cycles:
    """A scripted RunCycle: each call takes the next outcome (a report, or an error to raise)."""

    def __init__(self, *outcomes: CycleReport | Exception) -> None:
        self.outcomes = list(outcomes) or [Report()]
        self.calls = 0

    def __call__(self, stop: threading.Event) -> CycleReport:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture(scope="module")
def shipped() -> Settings:
    return load_config(SHIPPED)


@pytest.fixture
def settings(shipped: Settings) -> Settings:
    return replace(shipped, status=StatusSettings(port=0))


def fast(settings: Settings, every: timedelta) -> Settings:
    """Settings with an interval far below the 1-minute minimum the config allows."""
    return replace(settings, schedule=ScheduleSettings.model_construct(sync_every=every))


@dataclass
class Run:
    """A daemon running on a thread: its exit code once ``returned`` is set."""

    codes: list[int] = field(default_factory=list)
    returned: threading.Event = field(default_factory=threading.Event)


@contextmanager
def running(
    daemon: Daemon, stop: threading.Event, scheduler: ManualScheduler | None = None
) -> Iterator[Run]:
    """Run ``daemon`` (built with ``stop``) on a thread; on exit stop it and check it returned."""
    run = Run()

    def main() -> None:
        run.codes.append(daemon.run())
        run.returned.set()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    if scheduler is not None:
        assert scheduler.started.wait(WAIT)
    try:
        yield run
    finally:
        stop.set()
        thread.join(WAIT)
        assert not thread.is_alive()


def manual(
    settings: Settings,
    run_cycle: RunCycle,
    lease: FakeLease | Lease | None = None,
    clock: Clock | None = None,
) -> tuple[Daemon, ManualScheduler, Metrics]:
    scheduler, metrics = ManualScheduler(), Metrics()
    daemon = Daemon(
        settings,
        run_cycle,
        lease=lease if lease is not None else FakeLease(),
        metrics=metrics,
        stop=scheduler.stop,
        clock=clock or Clock(),
        scheduler_factory=lambda: scheduler,
    )
    return daemon, scheduler, metrics


def cycles_total(metrics: Metrics, result: str) -> float | None:
    return metrics.registry.get_sample_value("smarketing_cycles_total", {"result": result})


# --- scheduling ------------------------------------------------------------------------------


def test_the_first_cycle_runs_at_start(settings: Settings) -> None:
    ran = threading.Event()

    def cycle(stop: threading.Event) -> CycleReport:
        ran.set()
        return Report()

    stop = threading.Event()
    daemon = Daemon(settings, cycle, lease=FakeLease(), metrics=Metrics(), stop=stop, clock=Clock())
    with running(daemon, stop) as run:
        assert ran.wait(WAIT)

    assert run.codes == [0]


def test_a_slow_cycle_never_overlaps_the_next_tick(settings: Settings) -> None:
    skipped, entered, release = threading.Event(), threading.Event(), threading.Event()
    lock = threading.Lock()
    running_now, most = 0, 0

    def slow(stop: threading.Event) -> CycleReport:
        nonlocal running_now, most
        with lock:
            running_now += 1
            most = max(most, running_now)
        entered.set()
        release.wait(WAIT)
        with lock:
            running_now -= 1
        return Report()

    stop = threading.Event()
    daemon = Daemon(
        fast(settings, timedelta(milliseconds=20)),
        slow,
        lease=FakeLease(),
        metrics=Metrics(),
        stop=stop,
        clock=Clock(),
        scheduler_factory=lambda: IntervalScheduler(on_skip=skipped.set),
    )
    with running(daemon, stop):
        assert entered.wait(WAIT)
        assert skipped.wait(WAIT), "the scheduler never tried to start a second run"
        release.set()

    assert most == 1


def test_ticks_follow_sync_every(settings: Settings) -> None:
    daemon, scheduler, _ = manual(settings, Cycles())

    with running(daemon, scheduler.stop, scheduler):
        assert scheduler.every == timedelta(minutes=5)

    assert scheduler.shut_down


# --- stopping (F03) --------------------------------------------------------------------------


def test_stop_during_a_cycle_returns_quickly_and_releases_the_lease(
    settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    entered, saw_stop = threading.Event(), threading.Event()

    def cooperative(stop: threading.Event) -> CycleReport:
        entered.set()
        if stop.wait(WAIT):
            saw_stop.set()
        return Report()

    stop = threading.Event()
    lease = Lease(url, account="acme")
    daemon = Daemon(settings, cooperative, lease=lease, metrics=Metrics(), stop=stop, clock=Clock())
    with running(daemon, stop) as run:
        assert entered.wait(WAIT)
        started = time.monotonic()
        stop.set()
        assert run.returned.wait(WAIT)
        elapsed = time.monotonic() - started

    assert run.codes == [0]
    assert saw_stop.is_set()
    assert elapsed < 1.0
    assert not lease.held
    with Lease(url, account="acme") as successor:
        assert successor.held


def test_a_cycle_that_stops_on_request_is_not_a_failure(settings: Settings) -> None:
    entered = threading.Event()

    def stopping(stop: threading.Event) -> CycleReport:
        entered.set()
        stop.wait(WAIT)
        raise CycleStopped("stopped while pulling contact")  # what SyncCycle raises

    stop = threading.Event()
    metrics = Metrics()
    daemon = Daemon(
        settings, stopping, lease=FakeLease(), metrics=metrics, stop=stop, clock=Clock()
    )
    with running(daemon, stop) as run:
        assert entered.wait(WAIT)
        stop.set()
        assert run.returned.wait(WAIT)

    assert run.codes == [0]
    assert b'smarketing_cycles_total{result="failed"} 1.0' not in metrics.exposition()


def test_an_error_while_stopping_is_still_a_failure(settings: Settings) -> None:
    entered = threading.Event()

    def failing(stop: threading.Event) -> CycleReport:
        entered.set()
        stop.wait(WAIT)
        raise RuntimeError("the store connection broke")  # not a stop: must not look like one

    stop = threading.Event()
    metrics = Metrics()
    daemon = Daemon(settings, failing, lease=FakeLease(), metrics=metrics, stop=stop, clock=Clock())
    with running(daemon, stop) as run:
        assert entered.wait(WAIT)
        stop.set()
        assert run.returned.wait(WAIT)

    assert run.codes == [0]
    assert b'smarketing_cycles_total{result="failed"} 1.0' in metrics.exposition()


def test_a_cycle_that_ignores_stop_is_abandoned_within_the_bound(settings: Settings) -> None:
    entered, never = threading.Event(), threading.Event()

    def stubborn(stop: threading.Event) -> CycleReport:
        entered.set()
        never.wait(WAIT)
        return Report()

    lease = FakeLease()
    stop = threading.Event()
    daemon = Daemon(settings, stubborn, lease=lease, metrics=Metrics(), stop=stop, stop_timeout=0.1)
    try:
        with running(daemon, stop) as run:
            assert entered.wait(WAIT)
            started = time.monotonic()
            stop.set()
            assert run.returned.wait(WAIT)
            elapsed = time.monotonic() - started
    finally:
        never.set()

    assert run.codes == [1]
    assert elapsed < 1.0
    assert lease.released == 0, "a cycle that may still write keeps the lease"


def test_no_cycle_starts_once_stopping(settings: Settings) -> None:
    cycles = Cycles()
    daemon, scheduler, _ = manual(settings, cycles)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.stop.set()
        scheduler.tick()

    assert cycles.calls == 0


def test_a_signal_sets_the_stop_event_and_a_second_one_ends_the_process() -> None:
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGINT)
    restore = install_signal_handlers(stop)
    try:
        installed = signal.getsignal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
        assert stop.wait(WAIT)
        after_first = signal.getsignal(signal.SIGTERM)
    finally:
        restore()

    assert installed not in (previous, signal.SIG_DFL)
    assert after_first is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is previous


def test_a_busy_status_port_fails_at_start(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = replace(settings, status=StatusSettings(port=taken.getsockname()[1]))

        code = run_daemon(busy, Cycles(), lease=FakeLease(), metrics=Metrics())

    assert code == 1


# --- lease and standby (F04) -----------------------------------------------------------------


def test_standby_until_the_active_replica_releases(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first_cycles, second_cycles = Cycles(), Cycles()
    first, first_ticks, _ = manual(settings, first_cycles, Lease(url, account="acme"))
    second, second_ticks, metrics = manual(settings, second_cycles, Lease(url, account="acme"))
    caplog.set_level(logging.INFO, logger="smarketing.daemon")

    with running(second, second_ticks.stop, second_ticks):
        with running(first, first_ticks.stop, first_ticks):
            first_ticks.tick()
            second_ticks.tick()
            second_ticks.tick()
            standby_verdict = second.health.verdict()
            lease_gauge = metrics.registry.get_sample_value("smarketing_lease_active")
        second_ticks.tick()

    assert (first_cycles.calls, second_cycles.calls) == (1, 1)
    assert (standby_verdict.healthy, standby_verdict.body["role"]) == (True, "standby")
    assert lease_gauge == 0
    roles = [r.getMessage() for r in caplog.records if r.getMessage() in ("active", "standby")]
    assert roles == ["active", "standby", "active"]
    standby = next(r for r in caplog.records if r.getMessage() == "standby")
    assert vars(standby)["fields"]["reason"] == "another replica holds the lease"
    assert "replica" in vars(standby)["fields"]


def test_a_lost_lease_stops_cycles_until_it_is_regained(settings: Settings) -> None:
    lease = FakeLease(acquire=[True, False, True])
    cycles = Cycles()
    daemon, scheduler, metrics = manual(settings, cycles, lease)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()
        lease.verified = False
        scheduler.tick()
        lost = daemon.health.state.role
        gauge = metrics.registry.get_sample_value("smarketing_lease_active")
        scheduler.tick()
        lease.verified = True
        scheduler.tick()

    assert cycles.calls == 2
    assert (lost, gauge) == (Role.STANDBY, 0)
    assert daemon.health.state.role is Role.ACTIVE


def test_an_unreachable_store_is_unhealthy_even_in_standby(settings: Settings) -> None:
    lease = FakeLease(acquire=[False, StoreUnavailableError("connection refused")])
    cycles = Cycles()
    daemon, scheduler, _ = manual(settings, cycles, lease)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()
        scheduler.tick()
        verdict = daemon.health.verdict()

    assert cycles.calls == 0
    assert (verdict.healthy, verdict.body["reason"]) == (
        False,
        "cannot check the lease: connection refused",
    )


# --- failures --------------------------------------------------------------------------------


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, object]]]]:
    """Configure JSON logging at DEBUG into a buffer; yield a reader of its lines."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_a_raising_cycle_keeps_the_daemon_alive_and_marks_it_unhealthy(
    settings: Settings, log_lines: Callable[[], list[dict[str, object]]]
) -> None:
    cycles = Cycles(RuntimeError("boom Bearer abc.def"), Report())
    daemon, scheduler, metrics = manual(settings, cycles)

    with running(daemon, scheduler.stop, scheduler) as run:
        scheduler.tick()
        failed = httpx.get(f"{daemon.server.url}/healthz", timeout=WAIT)
        scheduler.tick()
        recovered = httpx.get(f"{daemon.server.url}/healthz", timeout=WAIT)

    assert run.codes == [0]
    assert failed.status_code == 503
    assert failed.json()["reason"] == "no cycle has succeeded yet"
    assert failed.json()["last_error"] == "last cycle failed: boom Bearer ***"
    assert recovered.status_code == 200
    assert (cycles_total(metrics, "failed"), cycles_total(metrics, "ok")) == (1, 1)
    lines = [line for line in log_lines() if line["logger"] == "smarketing.daemon"]
    assert "abc.def" not in json.dumps(lines)
    failure = next(line for line in lines if line["msg"] == "cycle failed")
    assert (failure["level"], failure["error"], "exc" in failure) == (
        "error",
        "boom Bearer ***",
        False,
    )
    assert [line["level"] for line in lines if "exc" in line] == ["debug"]


def test_a_transient_failure_after_a_success_stays_healthy_within_the_window(
    settings: Settings,
) -> None:
    clock = Clock()
    cycles = Cycles(Report(finished_at=NOW), ServerError("HTTP 503"))
    daemon, scheduler, _ = manual(settings, cycles, clock=clock)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()
        scheduler.tick()
        within = daemon.health.verdict()
        clock.now = NOW + timedelta(minutes=16)
        beyond = daemon.health.verdict()

    assert (within.healthy, within.body["last_error"]) == (True, "last cycle failed: HTTP 503")
    assert (beyond.healthy, beyond.body["reason"]) == (
        False,
        "last success 960 s ago (limit 900 s)",
    )


def test_a_fatal_error_is_unhealthy_at_once_and_retried_on_schedule(settings: Settings) -> None:
    cycles = Cycles(Report(finished_at=NOW), AuthError("token expired"), Report(finished_at=NOW))
    daemon, scheduler, metrics = manual(settings, cycles)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()
        scheduler.tick()
        fatal = daemon.health.verdict()
        scheduler.tick()
        fixed = daemon.health.verdict()

    assert (fatal.healthy, fatal.body["reason"]) == (False, "last cycle failed: token expired")
    assert cycles.calls == 3
    assert cycles_total(metrics, "fatal") == 1
    assert fixed.healthy


def test_a_failed_report_is_a_failed_cycle(settings: Settings) -> None:
    cycles = Cycles(Report(ok=False, error="pull failed: access_token=s3cr3t"))
    daemon, scheduler, metrics = manual(settings, cycles)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()

    assert daemon.health.state.problem == "last cycle failed: pull failed: access_token=***"
    assert cycles_total(metrics, "failed") == 1


def test_an_exhausted_quota_pauses_cycles_until_it_resets(settings: Settings) -> None:
    clock = Clock()
    cycles = Cycles(QuotaExhaustedError("daily limit", resume_after=600), Report())
    daemon, scheduler, _ = manual(settings, cycles, clock=clock)

    with running(daemon, scheduler.stop, scheduler):
        scheduler.tick()
        clock.now = NOW + timedelta(minutes=5)
        scheduler.tick()
        paused_calls = cycles.calls
        clock.now = NOW + timedelta(minutes=10)
        scheduler.tick()

    assert paused_calls == 1
    assert cycles.calls == 2
