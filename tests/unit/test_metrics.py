"""Metrics: what one CycleReport (or a raised cycle) turns into, read back from the registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from connector.metrics import CONTENT_TYPE, Metrics

T0 = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Report:
    """A CycleReport as connector.sync returns it (the daemon's Protocol is structural)."""

    started_at: datetime = T0
    finished_at: datetime = T0 + timedelta(seconds=12)
    ok: bool = True
    error: str | None = None
    pulled: Mapping[str, int] = field(default_factory=lambda: {"contact": 12})
    actions: Mapping[str, int] = field(default_factory=lambda: {"create_task": 2})
    outcomes: Mapping[str, Mapping[str, int]] = field(
        default_factory=lambda: {"create_task": {"done": 1, "rejected": 1}}
    )
    api_calls: Mapping[tuple[str, int], int] = field(
        default_factory=lambda: {("contacts.search", 200): 3, ("tasks.batch", 207): 1}
    )
    rate_limited: int = 1
    open_breaches: Mapping[str, int] = field(default_factory=lambda: {"mql-first-touch": 4})
    cursor_lag_seconds: Mapping[str, float] = field(default_factory=lambda: {"contact": 42.5})


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_observe_records_every_metric_of_a_successful_cycle() -> None:
    metrics = Metrics()

    metrics.observe(Report())

    assert value(metrics, "smarketing_cycles_total", result="ok") == 1
    assert value(metrics, "smarketing_cycle_duration_seconds_sum") == 12
    assert value(metrics, "smarketing_cycle_duration_seconds_bucket", le="15.0") == 1
    assert value(metrics, "smarketing_cycle_duration_seconds_bucket", le="5.0") == 0
    assert (
        value(metrics, "smarketing_api_calls_total", endpoint="contacts.search", status="200") == 3
    )
    assert value(metrics, "smarketing_api_calls_total", endpoint="tasks.batch", status="207") == 1
    assert value(metrics, "smarketing_rate_limited_total") == 1
    assert value(metrics, "smarketing_actions_planned_total", kind="create_task") == 2
    assert value(metrics, "smarketing_actions_total", kind="create_task", outcome="done") == 1
    assert value(metrics, "smarketing_actions_total", kind="create_task", outcome="rejected") == 1
    assert value(metrics, "smarketing_open_breaches", rule="mql-first-touch") == 4
    assert value(metrics, "smarketing_cursor_lag_seconds", object="contact") == 42.5
    assert (
        value(metrics, "smarketing_last_success_timestamp_seconds")
        == (T0 + timedelta(seconds=12)).timestamp()
    )


def test_counters_add_up_across_cycles() -> None:
    metrics = Metrics()

    metrics.observe(Report())
    metrics.observe(Report(rate_limited=2))

    assert value(metrics, "smarketing_cycles_total", result="ok") == 2
    assert (
        value(metrics, "smarketing_api_calls_total", endpoint="contacts.search", status="200") == 6
    )
    assert value(metrics, "smarketing_rate_limited_total") == 3


def test_a_failed_report_counts_as_failed_and_keeps_the_last_success() -> None:
    metrics = Metrics()
    metrics.observe(Report())

    metrics.observe(Report(ok=False, error="boom", finished_at=T0 + timedelta(hours=1)))

    assert value(metrics, "smarketing_cycles_total", result="failed") == 1
    assert (
        value(metrics, "smarketing_last_success_timestamp_seconds")
        == (T0 + timedelta(seconds=12)).timestamp()
    )


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        ([{"a": 4}], {"a": 4}),
        ([{"a": 4}, {"a": 1}], {"a": 1}),
        ([{"a": 4, "b": 2}, {"b": 3}], {"a": 0, "b": 3}),
        ([{"a": 4}, {}], {"a": 0}),
        ([{"a": 4}, {}, {"a": 2}], {"a": 2}),
    ],
    ids=["set", "replaced", "rule-gone-reads-0", "nothing-open", "back-again"],
)
def test_open_breaches_follow_the_last_report(
    reports: list[dict[str, int]], expected: dict[str, int]
) -> None:
    metrics = Metrics()

    for breaches in reports:
        metrics.observe(Report(open_breaches=breaches))

    assert {rule: value(metrics, "smarketing_open_breaches", rule=rule) for rule in expected} == (
        expected
    )


@pytest.mark.parametrize(
    ("fatal", "result"), [(False, "failed"), (True, "fatal")], ids=["failed", "fatal"]
)
def test_a_raised_cycle_is_counted_by_result(fatal: bool, result: str) -> None:
    metrics = Metrics()

    metrics.cycle_raised(fatal=fatal, seconds=2.0)

    assert value(metrics, "smarketing_cycles_total", result=result) == 1
    assert value(metrics, "smarketing_cycle_duration_seconds_count") == 1
    assert value(metrics, "smarketing_last_success_timestamp_seconds") == 0


def test_every_result_is_exported_from_the_start() -> None:
    metrics = Metrics()

    assert [
        value(metrics, "smarketing_cycles_total", result=r) for r in ("ok", "failed", "fatal")
    ] == [
        0,
        0,
        0,
    ]


@pytest.mark.parametrize(("active", "expected"), [(True, 1), (False, 0)])
def test_lease_gauge(active: bool, expected: int) -> None:
    metrics = Metrics()

    metrics.set_lease_active(active)

    assert value(metrics, "smarketing_lease_active") == expected


@pytest.mark.parametrize(
    "name",
    [
        "smarketing_cycles_total",
        "smarketing_cycle_duration_seconds",
        "smarketing_api_calls_total",
        "smarketing_rate_limited_total",
        "smarketing_actions_planned_total",
        "smarketing_actions_total",
        "smarketing_open_breaches",
        "smarketing_cursor_lag_seconds",
        "smarketing_last_success_timestamp_seconds",
        "smarketing_lease_active",
    ],
)
def test_exposition_names_every_metric(name: str) -> None:
    metrics = Metrics()
    metrics.observe(Report())

    text = metrics.exposition().decode()

    assert f"# TYPE {name} " in text
    assert "text/plain" in CONTENT_TYPE


def test_each_instance_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()

    first.observe(Report())

    assert value(second, "smarketing_cycles_total", result="ok") == 0
