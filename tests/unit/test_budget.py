"""The one rate budget (adapters/base/budget.py), on a fake clock that only the fake sleep moves."""

from __future__ import annotations

import bisect
import logging
import random
import threading
from collections import deque
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base.budget import LaneSettings, RateBudget
from adapters.base.errors import ConfigurationError, QuotaExhaustedError


class FakeClock:
    """Monotonic seconds that advance only when someone sleeps; safe to share between threads."""

    def __init__(self) -> None:
        self._now, self._lock = 0.0, threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


class RollingWindowServer:
    """A CRM that refuses a call when ``limit`` calls arrived in the last ``window`` seconds.

    A call that arrived exactly ``window`` ago still counts, which is stricter than the budget's
    own rule. Answers with HubSpot's rate-limit headers, as the real API does.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.arrivals: deque[float] = deque()
        self.refused = self.peak = 0

    def handle(self, now: float) -> dict[str, str]:
        while self.arrivals and self.arrivals[0] < now - self.window:
            self.arrivals.popleft()
        if len(self.arrivals) >= self.limit:
            self.refused += 1
        else:
            self.arrivals.append(now)
            self.peak = max(self.peak, len(self.arrivals))
        remaining = self.limit - len(self.arrivals)
        interval = round(self.window * 1000)
        return hubspot(max=self.limit, remaining=remaining, interval_milliseconds=interval)


def hubspot(**values: object) -> dict[str, str]:
    """HubSpot's rate-limit headers: ``hubspot(max=190)`` gives ``X-HubSpot-RateLimit-Max: 190``."""
    return {f"X-HubSpot-RateLimit-{k.replace('_', '-').title()}": str(v) for k, v in values.items()}


def budget_with(lane: LaneSettings) -> tuple[RateBudget, FakeClock]:
    clock = FakeClock()
    return RateBudget({"api": lane}, clock=clock, sleep=clock.sleep), clock


def max_in_any_window(admitted: Sequence[float], span: float) -> int:
    """The most admissions in any half-open window ``[t, t + span)`` (``admitted`` sorted)."""
    return max(
        (bisect.bisect_left(admitted, t + span) - i for i, t in enumerate(admitted)), default=0
    )


@pytest.mark.parametrize(
    ("limit", "window", "calls", "latency", "lane"),
    [
        (190, 10.0, 2000, 0.0, LaneSettings(limit=100)),
        (190, 10.0, 2000, 0.002, LaneSettings(limit=100)),
        (190, 10.0, 2000, 0.02, LaneSettings(limit=100)),
        (100, 10.0, 2000, 0.002, LaneSettings(limit=100)),
        (110, 10.0, 1000, 0.002, LaneSettings(limit=100)),
        (190, 10.0, 380, 0.002, LaneSettings(limit=190)),
        (5, 1.0, 1000, 0.02, LaneSettings(limit=5, window=1.0, margin=0, guard=0.05)),
    ],
)
def test_a_long_pull_is_never_refused_and_runs_near_the_limit_bound(
    limit: int, window: float, calls: int, latency: float, lane: LaneSettings
) -> None:
    budget, clock = budget_with(lane)
    server = RollingWindowServer(limit, window)
    jitter = random.Random(42)
    for _ in range(calls):
        sent = budget.acquire("api")
        clock.sleep(jitter.uniform(0, latency))  # request on its way
        headers = server.handle(clock())
        clock.sleep(jitter.uniform(0, latency))  # response on its way
        budget.observe("api", headers, sent_at=sent)
    bound = calls * window / limit
    assert server.refused == 0
    assert server.peak <= limit
    assert clock() <= 1.05 * bound


def test_the_advertised_limit_replaces_the_configured_assumption() -> None:
    budget, clock = budget_with(LaneSettings(limit=100))
    budget.observe("api", hubspot(max=190, remaining=190))
    for _ in range(188):
        budget.acquire("api")
    assert clock() < 10.0  # more than 100 in the first window
    assert budget.snapshot().lanes["api"].limit == 190


def test_a_few_calls_go_at_once_when_plenty_remains() -> None:
    budget, clock = budget_with(LaneSettings(limit=190))
    for _ in range(94):  # half of 188
        budget.acquire("api")
    assert clock() == 0.0
    assert budget.acquire("api") == pytest.approx(10.0 / 188)  # then evenly spaced
    assert budget.acquire("api") == pytest.approx(2 * 10.0 / 188)


def test_a_burst_share_of_zero_spaces_every_call() -> None:
    budget, clock = budget_with(LaneSettings(limit=12, window=1.0, burst_share=0.0))
    admitted = [budget.acquire("api") for _ in range(4)]
    assert admitted == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert clock() == pytest.approx(0.3)


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(1, 25),
    margin=st.integers(0, 3),
    guard=st.sampled_from([0.0, 0.05]),
    burst_share=st.floats(0.0, 1.0),
    window=st.sampled_from([1.0, 10.0]),
    steps=st.lists(
        st.tuples(st.floats(0.0, 3.0), st.one_of(st.none(), st.integers(0, 30))),
        min_size=1,
        max_size=120,
    ),
)
def test_no_rolling_window_ever_holds_more_than_max_minus_margin(
    *,
    limit: int,
    margin: int,
    guard: float,
    burst_share: float,
    window: float,
    steps: list[tuple[float, int | None]],
) -> None:
    lane = LaneSettings(
        limit=limit, window=window, margin=margin, guard=guard, burst_share=burst_share
    )
    budget, clock = budget_with(lane)
    admitted = []
    for gap, remaining in steps:
        clock.sleep(gap)
        sent = budget.acquire("api")
        admitted.append(sent)
        if remaining is not None:  # whatever the CRM claims, our own calls stay under the cap
            headers = {**hubspot(max=limit, remaining=remaining)}
            budget.observe("api", headers, sent_at=sent)
    assert max_in_any_window(admitted, window) <= max(1, limit - margin)


def test_when_the_crm_counts_more_calls_than_ours_we_wait_for_its_window() -> None:
    budget, clock = budget_with(LaneSettings(limit=10, window=10.0, margin=2))
    sent = budget.acquire("api")
    clock.sleep(1.0)
    # Another process used the rest of the window: only our call is ours.
    budget.observe(
        "api", {"x-hubspot-ratelimit-max": "10", "x-hubspot-ratelimit-remaining": "0"}, sent_at=sent
    )
    assert budget.snapshot().lanes["api"].headroom == 0
    assert budget.acquire("api") == pytest.approx(11.0)  # the others leave 10 s after we heard


def test_when_the_crm_counts_fewer_calls_our_own_count_stands() -> None:
    budget, _ = budget_with(LaneSettings(limit=10, window=10.0, margin=2))
    for _ in range(4):
        sent = budget.acquire("api")
    budget.observe("api", hubspot(max=10, remaining=9), sent_at=sent)
    assert budget.snapshot().lanes["api"].in_window == 4


@pytest.mark.parametrize(
    "headers",
    [
        hubspot(max=150, interval_milliseconds=5000),
        {"x-hubspot-ratelimit-max": "150", "x-hubspot-ratelimit-interval-milliseconds": "5000"},
        {"X-HUBSPOT-RATELIMIT-MAX": " 150 ", "X-Hubspot-Ratelimit-Interval-Milliseconds": "5000"},
    ],
)
def test_header_names_are_case_insensitive(headers: dict[str, str]) -> None:
    budget, _ = budget_with(LaneSettings(limit=100))
    budget.observe("api", headers)
    lane = budget.snapshot().lanes["api"]
    assert (lane.limit, lane.window) == (150, 5.0)


@pytest.mark.parametrize(
    "headers",
    [
        hubspot(max="lots", remaining=-4),
        hubspot(max="1e3", interval_milliseconds="ten"),
        hubspot(max="9" * 5000),
        hubspot(max=10**6),
        hubspot(daily="", daily_remaining="x"),
        {"Sforce-Limit-Info": "api-usage=lots/100000"},
        {"Sforce-Limit-Info": "api-usage=5/0"},
    ],
)
def test_garbled_headers_are_ignored_with_a_debug_log(
    headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    budget, _ = budget_with(LaneSettings(limit=100))
    before = budget.snapshot()
    with caplog.at_level(logging.DEBUG, logger="smarketing.budget"):
        budget.observe("api", headers)
    assert budget.snapshot() == before
    assert any(record.levelno == logging.DEBUG for record in caplog.records)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [*hubspot(max=0, remaining=0, interval_milliseconds=0, daily=0, daily_remaining=0)]
        )
        | st.just("Sforce-Limit-Info")
        | st.text(max_size=30),
        st.text(max_size=40) | st.integers(-5, 10**6).map(str),
    )
)
def test_no_header_value_crashes_observe_or_the_next_acquire(headers: dict[str, str]) -> None:
    budget, _ = budget_with(LaneSettings(limit=100, stop_at=1.0, pause_writes_at=1.0))
    budget.observe("api", headers, sent_at=0.0)
    budget.acquire("api")


def test_daily_exhaustion_names_the_lane_and_when_it_resets() -> None:
    budget, _ = budget_with(
        LaneSettings(
            limit=100,
            stop_at=0.95,
            reset_hint="HubSpot resets it at midnight in the account's time zone",
        )
    )
    budget.observe("api", hubspot(daily=250000, daily_remaining=12500))
    with pytest.raises(
        QuotaExhaustedError,
        match=r"lane 'api': 237,500 of 250,000 daily API calls used \(95%\).*resets it at midnight",
    ) as caught:
        budget.acquire("api")
    assert (caught.value.lane, caught.value.resume_after) == ("api", 600.0)


def test_once_exhausted_one_probe_per_recheck_period_reads_the_usage_again() -> None:
    budget, clock = budget_with(LaneSettings(limit=None, quota_recheck=60.0))
    budget.observe("api", {"Sforce-Limit-Info": "api-usage=99000/100000"})
    with pytest.raises(QuotaExhaustedError):
        budget.acquire("api")
    clock.sleep(60.0)
    budget.acquire("api")  # the probe
    with pytest.raises(QuotaExhaustedError):
        budget.acquire("api")  # nobody else until its response arrives
    budget.observe("api", {"Sforce-Limit-Info": "api-usage=3/100000"})  # the allocation rolled over
    budget.acquire("api")


@pytest.mark.parametrize(
    ("header", "used", "allocation"),
    [
        ("api-usage=10018/100000", 10018, 100000),
        ("per-app-api-usage=17/250(appName=Smarketing), api-usage=18/15000", 18, 15000),
        ("api-usage=18/15000; api-bursts=1/750", 18, 15000),
        ("per-app-api-usage=17/250(appName=Smarketing)", None, None),
        ("api-usage=", None, None),
    ],
)
def test_salesforce_api_usage_is_read_from_sforce_limit_info(
    header: str, used: int | None, allocation: int | None
) -> None:
    budget, _ = budget_with(LaneSettings(limit=None))
    budget.observe("api", {"Sforce-Limit-Info": header})
    lane = budget.snapshot().lanes["api"]
    assert (lane.daily_used, lane.daily_max) == (used, allocation)


@pytest.mark.parametrize(("used", "pause"), [(0, False), (79, False), (80, True), (94, True)])
def test_writes_pause_at_their_share_of_the_daily_allocation(used: int, pause: bool) -> None:
    budget, _ = budget_with(LaneSettings(limit=None, pause_writes_at=0.8))
    budget.observe("api", {"Sforce-Limit-Info": f"api-usage={used}/100"})
    assert budget.should_pause_writes("api") is pause


def test_our_calls_count_against_the_daily_allocation_between_responses() -> None:
    budget, _ = budget_with(LaneSettings(limit=None, pause_writes_at=0.8))
    budget.observe("api", {"Sforce-Limit-Info": "api-usage=78/100"})
    budget.acquire("api")
    assert not budget.should_pause_writes("api")
    budget.acquire("api")
    assert budget.should_pause_writes("api")
    assert budget.snapshot().lanes["api"].daily_used == 80


def test_no_daily_reading_means_no_pause() -> None:
    budget, clock = budget_with(LaneSettings(limit=None))
    for _ in range(1000):
        budget.acquire("api")
    assert (clock(), budget.should_pause_writes("api")) == (0.0, False)


def test_a_pause_holds_every_caller_of_the_lane() -> None:
    clock = FakeClock()
    budget = RateBudget(
        {
            "api": LaneSettings(limit=100),
            "search": LaneSettings(limit=5, window=1.0, follow_headers=False),
        },
        clock=clock,
        sleep=clock.sleep,
    )
    budget.pause("api", 3.0)
    assert budget.snapshot().lanes["api"].paused_for == 3.0
    assert budget.acquire("search") == 0.0
    assert budget.acquire("api") == 3.0


def test_a_fixed_lane_ignores_rate_limit_headers() -> None:
    budget, _ = budget_with(LaneSettings(limit=5, window=1.0, follow_headers=False))
    budget.observe("api", hubspot(max=190, remaining=0))
    lane = budget.snapshot().lanes["api"]
    assert (lane.limit, lane.window, lane.in_window) == (5, 1.0, 0)


def test_snapshot_reports_counts_and_waits() -> None:
    budget, clock = budget_with(LaneSettings(limit=4, window=1.0, margin=0, burst_share=1.0))
    for _ in range(5):
        budget.acquire("api")
    lane = budget.snapshot().lanes["api"]
    assert (lane.in_window, lane.headroom, lane.admitted) == (1, 3, 5)
    assert lane.waited == pytest.approx(1.0)
    assert clock() == pytest.approx(1.0)


def test_an_unknown_lane_names_the_known_ones() -> None:
    budget, _ = budget_with(LaneSettings(limit=5))
    with pytest.raises(LookupError, match="no rate-budget lane 'serach'; lanes are: api"):
        budget.acquire("serach")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"limit": 0}, "limit must be at least 1"),
        ({"window": 0.0}, "window must be positive"),
        ({"margin": -1}, "margin must not be negative"),
        ({"guard": -0.1}, "guard must not be negative"),
        ({"burst_share": 1.5}, "burst_share must be between 0 and 1"),
        ({"pause_writes_at": 0.9, "stop_at": 0.8}, "need 0 < pause_writes_at <= stop_at <= 1"),
        ({"stop_at": 1.2}, "need 0 < pause_writes_at <= stop_at <= 1"),
        ({"quota_recheck": 0.0}, "quota_recheck must be positive"),
    ],
)
def test_invalid_lane_settings_say_what_is_wrong(changes: dict[str, float], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        LaneSettings(**changes)  # type: ignore[arg-type]


def test_a_budget_needs_a_lane() -> None:
    with pytest.raises(ConfigurationError, match="at least one lane"):
        RateBudget({})


def test_threads_sharing_a_budget_stay_under_the_cap_and_lose_no_count() -> None:
    budget, _ = budget_with(LaneSettings(limit=20, window=1.0, margin=2))
    admitted: list[float] = []
    record = threading.Lock()

    def worker() -> None:
        for _ in range(150):
            sent = budget.acquire("api")
            with record:
                admitted.append(sent)
            budget.observe("api", hubspot(max=20, remaining=19), sent_at=sent)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert budget.snapshot().lanes["api"].admitted == len(admitted) == 600
    assert max_in_any_window(sorted(admitted), 1.0) <= 18
