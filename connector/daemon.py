"""The daemon: one sync cycle every ``schedule.sync_every``, one replica at a time, stoppable.

The main thread serves /healthz and /metrics, hands ONE interval job to APScheduler (first run at
start, ``max_instances=1``, ``coalesce=True``) and waits on ``stop``. SIGTERM/SIGINT set it
(:func:`install_signal_handlers`); the running cycle gets the same event and finishes or abandons
its batch. Then no new tick starts, the daemon waits up to 8 s for the cycle, releases the lease,
stops the server and returns: under 10 s in all (F03).

Lease (F04): before each cycle the daemon verifies the lease it holds (a dropped PostgreSQL
connection takes the advisory lock with it) or tries, without waiting, to take it. A replica
without it stands by, logs ``standby`` once per change of role, and tries again next tick.

Failures never end the daemon:

* a cycle that raises or reports ``ok=False`` is logged (redacted; the traceback only at DEBUG)
  and counted as failed; /healthz turns 503 once no cycle succeeded within ``healthy_within``;
* a :class:`~adapters.base.errors.FatalError` (credentials refused, CRM set up wrong) turns
  /healthz 503 at once, since only a human can fix it; the daemon still tries again on schedule,
  so a renewed token or a fixed property is picked up without a restart;
* a :class:`~adapters.base.errors.QuotaExhaustedError` pauses cycles for its ``resume_after``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from adapters.base.errors import FatalError, QuotaExhaustedError, RetryLaterError, redact
from connector.config import Settings
from connector.config.runtime import say
from connector.logs import FIELDS, log_event
from connector.metrics import Metrics
from connector.status import Health, Role, StatusServer
from connector.store import StoreError, WallClock, utc_now
from connector.sync import CycleStopped

log = logging.getLogger("smarketing.daemon")

EXIT_OK = 0
EXIT_FAILURE = 1
STOP_TIMEOUT_S = 8.0
"""How long a stopping daemon waits for the running cycle; the rest of 10 s is for the server."""

_REPLICA = f"{socket.gethostname()}:{os.getpid()}"


class CycleReport(Protocol):
    """What one sync cycle reports (``connector.sync`` returns a frozen dataclass of this shape)."""

    @property
    def started_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime: ...
    @property
    def ok(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def pulled(self) -> Mapping[str, int]: ...
    @property
    def actions(self) -> Mapping[str, int]: ...
    @property
    def outcomes(self) -> Mapping[str, Mapping[str, int]]: ...
    @property
    def api_calls(self) -> Mapping[tuple[str, int], int]: ...
    @property
    def rate_limited(self) -> int: ...
    @property
    def open_breaches(self) -> Mapping[str, int]: ...
    @property
    def cursor_lag_seconds(self) -> Mapping[str, float]: ...


RunCycle = Callable[[threading.Event], CycleReport]
"""Runs one cycle; the event is set when the daemon stops (finish or abandon the batch, cleanly)."""


class LeaseLike(Protocol):
    """The exclusive right to be the active replica (:class:`connector.store.Lease`)."""

    @property
    def held(self) -> bool: ...
    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...
    def verify(self) -> bool: ...


class Scheduler(Protocol):
    """The part of a scheduler the daemon uses: run a job every interval until shut down."""

    def start(self, job: Callable[[], None], every: timedelta, jitter: timedelta) -> None: ...
    def shutdown(self) -> None: ...


class IntervalScheduler:
    """APScheduler 3's ``BackgroundScheduler`` (untyped) behind :class:`Scheduler`."""

    def __init__(self, on_skip: Callable[[], None] | None = None) -> None:
        """``on_skip`` is called (on the scheduler thread) when a tick finds the cycle running."""
        self._scheduler: Any = BackgroundScheduler(
            timezone=UTC, executors={"default": _DaemonThreadExecutor()}
        )
        if on_skip is not None:
            self._scheduler.add_listener(lambda _: on_skip(), EVENT_JOB_MAX_INSTANCES)

    def start(self, job: Callable[[], None], every: timedelta, jitter: timedelta) -> None:
        """Run ``job`` now, then every ``every`` (plus up to ``jitter``), one run at a time."""
        seconds = every.total_seconds()
        self._scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds, jitter=int(jitter.total_seconds()) or None),
            id="sync-cycle",
            name="sync cycle",
            max_instances=1,
            # Runs missed while a cycle overran (or the host slept) collapse into one, and a run
            # up to one interval late still happens rather than waiting for the next.
            coalesce=True,
            misfire_grace_time=max(1, round(seconds)),
            # The scheduler runs on the real clock, whatever clock the daemon judges health with.
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        """Start no more runs; a running one is left to finish (the daemon waits for it)."""
        self._scheduler.shutdown(wait=False)


class _DaemonThreadExecutor(BaseExecutor):  # type: ignore[misc]  # APScheduler 3 is untyped
    """Runs each job on a daemon thread, which dies with the process (its transaction rolls back).

    APScheduler's thread pool joins its workers at interpreter exit (``concurrent.futures``): a
    cycle ignoring the stop event would keep the process alive past the 10 s of F03.
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def run() -> None:
            try:
                events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
            except Exception as exc:  # noqa: BLE001  # reported to the scheduler, as its pool does
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, events)

        threading.Thread(target=run, name="smarketing-cycle", daemon=True).start()


def install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM and SIGINT set ``stop``; a second signal ends the process at once.

    Call it from the main thread (the CLI's ``run``), never at import.

    Returns:
        A function that restores the handlers that were installed before.
    """
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.getsignal(signum) for signum in signals}

    def handle(signum: int, _: FrameType | None) -> None:
        # The handler runs on the main thread between two bytecodes, possibly while that thread
        # holds the event's internal lock inside stop.wait(): setting it here could deadlock.
        threading.Thread(target=stop.set, name="smarketing-signal", daemon=True).start()
        signal.signal(signum, signal.SIG_DFL)

    for signum in signals:
        signal.signal(signum, handle)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


class Daemon:
    """Scheduled cycles under a lease, with /healthz and /metrics; see the module docstring.

    Attributes:
        health: What /healthz reports.
        server: The status server (its port is known once :meth:`run` started it).
    """

    def __init__(
        self,
        settings: Settings,
        run_cycle: RunCycle,
        *,
        lease: LeaseLike,
        metrics: Metrics,
        stop: threading.Event | None = None,
        clock: WallClock = utc_now,
        scheduler_factory: Callable[[], Scheduler] | None = None,
        stop_timeout: float = STOP_TIMEOUT_S,
    ) -> None:
        """Prepare the daemon; nothing runs until :meth:`run`. See :func:`run_daemon`."""
        self._settings, self._run, self._lease, self._metrics = settings, run_cycle, lease, metrics
        self._stop = stop if stop is not None else threading.Event()
        self._clock = clock
        self._new_scheduler = scheduler_factory or IntervalScheduler
        self._stop_timeout = stop_timeout
        self.health = Health(settings.healthy_within, clock)
        self.server = StatusServer(
            self.health, metrics, bind=settings.status.bind, port=settings.status.port
        )
        # `idle` is clear while a tick runs; `guard` orders a tick's stop check before that.
        self._idle = threading.Event()
        self._idle.set()
        self._guard = threading.Lock()
        self._role: Role | None = None
        self._paused_until: datetime | None = None

    def run(self) -> int:
        """Serve status, run cycles until ``stop`` is set; returns as :func:`run_daemon` does."""
        try:
            self.server.start()
        except OSError as exc:
            where = f"{self._settings.status.bind}:{self._settings.status.port}"
            log_event(log, "cannot serve /healthz", level=logging.ERROR, at=where, error=str(exc))
            return EXIT_FAILURE
        self._metrics.set_lease_active(False)
        scheduler = self._new_scheduler()
        schedule = self._settings.schedule
        every, url = say(schedule.sync_every), self.server.url
        log_event(log, "daemon started", sync_every=every, status=url, replica=_REPLICA)
        try:
            scheduler.start(self.tick, schedule.sync_every, schedule.jitter)
            self._stop.wait()
        finally:
            clean = self._shut_down(scheduler)
        return EXIT_OK if clean else EXIT_FAILURE

    def tick(self) -> None:
        """One scheduled run: hold the lease, then run the cycle (on the cycle thread)."""
        with self._guard:
            if self._stop.is_set():
                return
            self._idle.clear()
        try:
            if not self._paused() and self._hold_lease():
                self._run_cycle()
        finally:
            self._idle.set()

    def _shut_down(self, scheduler: Scheduler) -> bool:
        self._stop.set()
        log_event(log, "stopping")
        scheduler.shutdown()
        with self._guard:
            pass  # any tick that passed its stop check has cleared `idle` by now
        finished = self._idle.wait(self._stop_timeout)
        if finished:
            self._lease.release()
        else:
            # Keep the lease: the cycle may still write, so no other replica may start yet.
            # The process exit ends the cycle thread, rolls its transaction back, frees the lease.
            message = "the cycle did not stop in time: abandoning it"
            log_event(log, message, level=logging.ERROR, waited_s=self._stop_timeout)
        self._metrics.set_lease_active(False)
        self.server.stop()
        log_event(log, "stopped", clean=finished)
        return finished

    def _paused(self) -> bool:
        if self._paused_until is None:
            return False
        if self._clock() < self._paused_until:
            return True
        self._paused_until = None
        log_event(log, "quota pause over: resuming cycles")
        return False

    def _hold_lease(self) -> bool:
        was_held = self._lease.held
        try:
            held = self._lease.verify() if was_held else self._lease.try_acquire()
        except StoreError as exc:
            self._metrics.set_lease_active(False)
            self.health.failed(f"cannot check the lease: {exc}")
            log_event(log, "cannot check the lease", level=logging.WARNING, error=str(exc))
            return False
        self._metrics.set_lease_active(held)
        if held:
            self._become(Role.ACTIVE, "lease acquired")
        elif was_held:
            why = "lease lost: the store connection dropped"
            self._become(Role.STANDBY, why, level=logging.WARNING)
        else:
            self._become(Role.STANDBY, "another replica holds the lease")
        return held

    def _become(self, role: Role, why: str, *, level: int = logging.INFO) -> None:
        if role is Role.ACTIVE:
            self.health.active()
        else:
            self.health.standby()
        if role is not self._role:
            self._role = role
            store = redact(self._settings.store.url)
            log_event(log, role.value, level=level, reason=why, replica=_REPLICA, store=store)

    def _run_cycle(self) -> None:
        started = self._clock()
        try:
            report = self._run(self._stop)
        except QuotaExhaustedError as exc:
            self._raised(exc, started, fatal=False)
            if exc.resume_after is not None:
                self._paused_until = self._clock() + timedelta(seconds=exc.resume_after)
                log_event(log, "API quota used up: pausing", resume_at=self._paused_until)
        except FatalError as exc:
            self._raised(exc, started, fatal=True)
        except CycleStopped as exc:
            # The cycle honoured our stop request: what it committed stays, the rest is judged
            # next time; that is a clean stop, not a failure. Any other error is one, even
            # while stopping: it must not hide behind the stop.
            log_event(log, "cycle stopped", reason=type(exc).__name__, detail=str(exc))
        except Exception as exc:  # noqa: BLE001  # one bad cycle must not end the daemon
            self._raised(exc, started, fatal=False)
        else:
            self._finished(report)

    def _finished(self, report: CycleReport) -> None:
        self._metrics.observe(report)
        fields: dict[str, object] = {
            "seconds": round((report.finished_at - report.started_at).total_seconds(), 3),
            "pulled": dict(report.pulled),
            "actions": dict(report.actions),
            "api_calls": sum(report.api_calls.values()),
            "rate_limited": report.rate_limited,
            "open_breaches": sum(report.open_breaches.values()),
        }
        if report.ok:
            self.health.succeeded(report.finished_at)
            log.info("cycle done", extra={FIELDS: fields})
        else:
            error = report.error or "the cycle gave no reason"
            self.health.failed(f"last cycle failed: {error}")
            log.error("cycle failed", extra={FIELDS: {"error": error, **fields}})

    def _raised(self, exc: Exception, started: datetime, *, fatal: bool) -> None:
        seconds = (self._clock() - started).total_seconds()
        self._metrics.cycle_raised(fatal=fatal, seconds=seconds)
        error = redact(str(exc) or type(exc).__name__)
        self.health.failed(f"last cycle failed: {error}", fatal=fatal)
        if fatal:
            every = say(self._settings.schedule.sync_every)
            hint = f"a human must fix this; retrying every {every}"
            log_event(log, "cycle failed", level=logging.ERROR, error=error, next=hint)
        else:
            level = logging.WARNING if isinstance(exc, RetryLaterError) else logging.ERROR
            log_event(log, "cycle failed", level=level, error=error, type=type(exc).__name__)
        log.debug("cycle failure traceback", exc_info=exc)


def run_daemon(
    settings: Settings,
    run_cycle: RunCycle,
    *,
    lease: LeaseLike,
    metrics: Metrics,
    stop: threading.Event | None = None,
    clock: WallClock = utc_now,
    scheduler_factory: Callable[[], Scheduler] | None = None,
) -> int:
    """Run the daemon until ``stop`` is set (by SIGTERM/SIGINT via :func:`install_signal_handlers`).

    Args:
        settings: The configuration: schedule, status server, store (named in logs).
        run_cycle: Runs one cycle; it receives ``stop`` and must finish or abandon its batch
            cleanly once it is set.
        lease: The store's lease for this CRM account; released on a clean stop.
        metrics: Updated from every cycle and served on /metrics.
        stop: Set it to stop the daemon; a new event if omitted.
        clock: The wall clock health is judged by (ages, the quota pause).
        scheduler_factory: Makes the scheduler; :class:`IntervalScheduler` by default.

    Returns:
        The process exit code: 0 after a clean stop, 1 if the status port could not be bound or
        the running cycle did not stop within ``STOP_TIMEOUT_S``. It returns within 10 s of
        ``stop`` being set.
    """
    daemon = Daemon(
        settings,
        run_cycle,
        lease=lease,
        metrics=metrics,
        stop=stop,
        clock=clock,
        scheduler_factory=scheduler_factory,
    )
    return daemon.run()
