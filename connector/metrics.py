"""Prometheus metrics of the daemon, in a registry of their own.

Our own :class:`~prometheus_client.CollectorRegistry`, not the global one: two daemons in one test
process (or a library importing us) never collide, and ``/metrics`` shows exactly these series.

======================================================  =========  ==============================
metric                                                  type       labels
======================================================  =========  ==============================
``smarketing_cycles_total``                             counter    ``result``: ok, failed, fatal
``smarketing_cycle_duration_seconds``                   histogram
``smarketing_api_calls_total``                          counter    ``endpoint``, ``status``
``smarketing_rate_limited_total``                       counter
``smarketing_actions_planned_total``                    counter    ``kind``
``smarketing_actions_total``                            counter    ``kind``, ``outcome``
``smarketing_open_breaches``                            gauge      ``rule``
``smarketing_cursor_lag_seconds``                       gauge      ``object``
``smarketing_last_success_timestamp_seconds``           gauge
``smarketing_lease_active``                             gauge
======================================================  =========  ==============================

Planned actions have their own counter so that ``sum(smarketing_actions_total)`` counts each
action once, by what became of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

if TYPE_CHECKING:
    from connector.daemon import CycleReport

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The ``Content-Type`` of :meth:`Metrics.exposition`."""

# A cycle takes seconds when little changed and minutes on a first full pull.
_DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class CycleResult(StrEnum):
    """How a cycle ended, as ``smarketing_cycles_total{result}`` counts it."""

    OK = "ok"
    FAILED = "failed"
    FATAL = "fatal"


class Metrics:
    """The daemon's metrics; safe to update from the cycle thread while ``/metrics`` reads them."""

    def __init__(self) -> None:
        """Create every metric in a new registry (each result starts at 0, so alerts see it)."""
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self._cycles = Counter(
            "smarketing_cycles", "Sync cycles run, by result.", ["result"], registry=reg
        )
        for result in CycleResult:
            self._cycles.labels(result=result.value)
        self._duration = Histogram(
            "smarketing_cycle_duration_seconds",
            "Wall-clock duration of one sync cycle.",
            buckets=_DURATION_BUCKETS,
            registry=reg,
        )
        self._api_calls = Counter(
            "smarketing_api_calls",
            "CRM API calls, by endpoint and HTTP status.",
            ["endpoint", "status"],
            registry=reg,
        )
        self._rate_limited = Counter(
            "smarketing_rate_limited", "CRM responses with HTTP 429.", registry=reg
        )
        self._planned = Counter(
            "smarketing_actions_planned",
            "Write-back actions planned, by kind.",
            ["kind"],
            registry=reg,
        )
        self._actions = Counter(
            "smarketing_actions",
            "Write-back actions sent, by kind and outcome.",
            ["kind", "outcome"],
            registry=reg,
        )
        self._breaches = Gauge(
            "smarketing_open_breaches",
            "SLA breaches open after the last cycle.",
            ["rule"],
            registry=reg,
        )
        self._cursor_lag = Gauge(
            "smarketing_cursor_lag_seconds",
            "How far each object type's cursor trails the end of the last cycle.",
            ["object"],
            registry=reg,
        )
        self._last_success = Gauge(
            "smarketing_last_success_timestamp_seconds",
            "Unix time the last successful cycle finished.",
            registry=reg,
        )
        self._lease = Gauge(
            "smarketing_lease_active", "1 while this replica holds the lease.", registry=reg
        )
        self._breach_rules: set[str] = set()

    def observe(self, report: CycleReport) -> None:
        """Account for one finished cycle (successful or not) from its report."""
        result = CycleResult.OK if report.ok else CycleResult.FAILED
        seconds = (report.finished_at - report.started_at).total_seconds()
        self._finished(result, seconds)
        for (endpoint, status), count in report.api_calls.items():
            self._api_calls.labels(endpoint=endpoint, status=str(status)).inc(count)
        self._rate_limited.inc(report.rate_limited)
        for kind, count in report.actions.items():
            self._planned.labels(kind=kind).inc(count)
        for kind, outcomes in report.outcomes.items():
            for outcome, count in outcomes.items():
                self._actions.labels(kind=kind, outcome=outcome).inc(count)
        self._set_breaches(report.open_breaches)
        for object_type, lag in report.cursor_lag_seconds.items():
            self._cursor_lag.labels(object=object_type).set(lag)
        if report.ok:
            self._last_success.set(report.finished_at.timestamp())

    def cycle_raised(self, *, fatal: bool, seconds: float) -> None:
        """Account for a cycle that raised instead of returning a report."""
        self._finished(CycleResult.FATAL if fatal else CycleResult.FAILED, seconds)

    def set_lease_active(self, active: bool) -> None:
        """Record whether this replica holds the lease."""
        self._lease.set(1 if active else 0)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format (see :data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)

    def _finished(self, result: CycleResult, seconds: float) -> None:
        self._cycles.labels(result=result.value).inc()
        self._duration.observe(max(0.0, seconds))

    def _set_breaches(self, open_breaches: Mapping[str, int]) -> None:
        # A rule removed from the config (or with nothing open) must read 0, not its last value.
        for rule in self._breach_rules - open_breaches.keys():
            self._breaches.labels(rule=rule).set(0)
        for rule, count in open_breaches.items():
            self._breaches.labels(rule=rule).set(count)
        self._breach_rules |= open_breaches.keys()
