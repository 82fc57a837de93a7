"""The one rate budget per CRM account: slow down before the CRM refuses, never after.

One :class:`RateBudget` serves every caller in the process that talks to one CRM account, with a
named *lane* per limit: HubSpot's rolling 10-second window (``X-HubSpot-RateLimit-*`` headers),
its search limit of 5 per second (no headers: a fixed local limit), Salesforce's daily allocation
(``Sforce-Limit-Info: api-usage=N/M``). Adapters call ``acquire()`` before each call (inside the
retried function, so retries are paced too), ``observe()`` with each response's headers, and
``pause()`` with a 429's ``Retry-After`` so every thread honours it.

Pacing, for a lane limited to ``limit`` calls per rolling ``window`` seconds:

* A sorted log holds when each admitted call leaves the window (admission + ``window``). A call
  is admitted only while the log holds fewer than ``cap = limit - margin``, so no rolling window
  ever holds more than ``cap`` of our calls.
* While the log holds less than ``burst_share`` of ``cap``, calls go at once: a cycle that needs
  a few dozen calls never waits. Beyond that they are spaced ``window / cap`` apart, so a long
  pull runs at ``cap`` per ``window``, within ``limit / cap`` of the bound (1.1 % at 190 per 10 s).
* Spacing is what makes the margin work. The CRM counts arrivals, not admissions: when latency
  varies, a call admitted as an old one leaves our log can reach the CRM before the old one leaves
  its window. With even spacing, jitter below ``margin * window / cap`` (105 ms at 190 per 10 s)
  cannot push the CRM's count past ``limit``. ``guard`` buys the same tolerance in seconds, which
  is cheaper for small limits.
* ``Remaining`` is a second opinion: a restart or another process with the same app uses the same
  window. When the CRM counts more calls than our log, the difference is logged as calls leaving
  a full ``window`` from now (the latest they can), so we wait until its window frees up. When it
  counts fewer (our calls in flight), the log stands. ``Max`` and ``Interval-Milliseconds``
  replace the configured limit, which is only an assumption until the first response.

Daily allocation: usage comes from the headers (HubSpot ``-Daily``/``-Daily-Remaining``, Salesforce
``api-usage``) plus our calls since. From ``pause_writes_at`` of it ``should_pause_writes()`` is
true (the outbox defers writes, losing nothing); from ``stop_at`` ``acquire()`` raises
``QuotaExhaustedError``, leaving the rest to other apps. Every ``quota_recheck`` seconds one call
goes through, since only a response shows a reset.

Thread safety: one lock guards all lanes and nobody sleeps holding it; a woken thread re-checks,
so admission is not strictly first come, first served.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from adapters.base.errors import ConfigurationError, QuotaExhaustedError

logger = logging.getLogger("smarketing.budget")

_HS: Final = "x-hubspot-ratelimit-"
# "per-app-api-usage=17/250" also contains "api-usage=": anchor at the start or a separator.
_SF_API_USAGE: Final = re.compile(r"(?:^|[\s,;])api-usage=(\d{1,15})/(\d{1,15})\b")
# A window limit beyond this can only come from a garbled header; trusting it would fill memory.
_MAX_WINDOW_LIMIT: Final = 10_000


@dataclass(frozen=True, slots=True)
class LaneSettings:
    """The limits of one lane.

    Attributes:
        limit: Calls per ``window``; ``None`` for a lane with only a daily allocation. For a lane
            that follows headers this is the assumption until the first response.
        window: Length of the rolling window, in seconds.
        margin: Calls kept in reserve below ``limit`` for latency jitter (see the module docs).
        guard: Seconds a call stays counted after ``window``, also for jitter; cheaper than
            ``margin`` for small limits (a margin of 1 costs 20 % of 5 per second).
        burst_share: Share of the window's capacity that may go back to back; 0: none.
        follow_headers: Take the window limit and remaining calls from ``X-HubSpot-RateLimit-*``
            (``False`` for a fixed local limit such as HubSpot search).
        pause_writes_at: Share of the daily allocation from which writes are deferred.
        stop_at: Share of the daily allocation from which calls are refused.
        quota_recheck: Seconds between probing calls once ``stop_at`` is reached.
        reset_hint: When the CRM resets the daily allocation, for the error message.

    Raises:
        ConfigurationError: Listing every invalid value at once.
    """

    limit: int | None = None
    window: float = 10.0
    margin: int = 2
    guard: float = 0.0
    burst_share: float = 0.5
    follow_headers: bool = True
    pause_writes_at: float = 0.8
    stop_at: float = 0.95
    quota_recheck: float = 600.0
    reset_hint: str = "the CRM resets the daily allocation within 24 hours"

    def __post_init__(self) -> None:
        checks = (
            (self.limit is None or self.limit >= 1, "limit must be at least 1 (or None)"),
            (self.window > 0, "window must be positive"),
            (self.margin >= 0, "margin must not be negative"),
            (self.guard >= 0, "guard must not be negative"),
            (0 <= self.burst_share <= 1, "burst_share must be between 0 and 1"),
            (
                0 < self.pause_writes_at <= self.stop_at <= 1,
                "need 0 < pause_writes_at <= stop_at <= 1",
            ),
            (self.quota_recheck > 0, "quota_recheck must be positive"),
        )
        problems = [text for ok, text in checks if not ok]
        if problems:
            raise ConfigurationError(f"invalid LaneSettings: {'; '.join(problems)} (got {self!r})")


@dataclass(frozen=True, slots=True)
class LaneSnapshot:
    """One lane at one moment, for metrics. ``in_window`` counts ours and, from headers, others'
    calls; ``headroom`` is what may still go now (``None`` without a window limit); ``daily_*``
    are ``None`` until a response reports them; ``admitted`` and ``waited`` (seconds) count since
    start; ``paused_for`` is what is left of a :meth:`RateBudget.pause`."""

    limit: int | None
    window: float
    in_window: int
    headroom: int | None
    daily_used: int | None
    daily_max: int | None
    admitted: int
    waited: float
    paused_for: float


@dataclass(frozen=True, slots=True)
class BudgetSnapshot:
    """Every lane of a budget at one moment."""

    lanes: Mapping[str, LaneSnapshot]


class _Lane:
    """The mutable state of one lane; the owning :class:`RateBudget` holds the lock."""

    def __init__(self, name: str, settings: LaneSettings) -> None:
        self.name, self.settings = name, settings
        self.limit, self.window = settings.limit, settings.window  # headers may change them
        self.leaves: deque[float] = deque()  # when each counted call leaves the window, sorted
        self.last_admit = self.paused_until = self.daily_seen_at = -math.inf
        self.daily_used: int | None = None
        self.daily_max: int | None = None
        self.admitted, self.waited = 0, 0.0

    @property
    def cap(self) -> int | None:
        return None if self.limit is None else max(1, self.limit - self.settings.margin)

    def admit(self, now: float) -> float:
        """Admit a call at ``now`` and return 0, or return how long to wait first."""
        probe = self._check_daily(now)
        self._forget(now)
        delay = max(self.paused_until - now, self._window_delay(now))
        if delay > 0:
            return delay
        if probe:
            self.daily_seen_at = now  # one probe per recheck period, not one per thread
        if self.limit is not None:
            bisect.insort(self.leaves, now + self.window + self.settings.guard)
        if self.daily_used is not None:
            self.daily_used += 1
        self.last_admit = now
        self.admitted += 1
        return 0.0

    def _window_delay(self, now: float) -> float:
        cap = self.cap
        if cap is None:
            return 0.0
        gone = bisect.bisect_right(self.leaves, now)
        counted = len(self.leaves) - gone
        if counted >= cap:
            return self.leaves[gone + counted - cap] - now
        free = int(cap * self.settings.burst_share)
        if counted < free:
            return 0.0
        spaced = self.last_admit + (self.window + self.settings.guard) / cap
        # Spacing stops mattering once enough calls leave that the log is below the burst share.
        below_free = self.leaves[gone + counted - free] if free > 0 else math.inf
        return min(spaced, below_free) - now

    def _check_daily(self, now: float) -> bool:
        """Raise when the daily share is used up; return True when a probe call is due."""
        used, allocation = self.daily_used, self.daily_max
        if used is None or allocation is None or used < self.settings.stop_at * allocation:
            return False
        age = now - self.daily_seen_at
        if age >= self.settings.quota_recheck:
            return True
        raise QuotaExhaustedError(
            f"rate budget lane {self.name!r}: {used:,} of {allocation:,} daily API calls used "
            f"({used / allocation:.0%}), at or above the {self.settings.stop_at:.0%} this "
            f"connector may use; {self.settings.reset_hint}. Calls resume when the CRM reports "
            f"lower usage (next check in {self.settings.quota_recheck - age:.0f} s)",
            lane=self.name,
            resume_after=self.settings.quota_recheck - age,
        )

    def should_pause_writes(self) -> bool:
        used, allocation = self.daily_used, self.daily_max
        share = self.settings.pause_writes_at
        return used is not None and allocation is not None and used >= share * allocation

    def observe(self, now: float, headers: Mapping[str, str], sent_at: float | None) -> None:
        lowered = {str(key).lower(): str(value) for key, value in headers.items()}
        if self.settings.follow_headers:
            self._observe_window(now, lowered, now if sent_at is None else min(sent_at, now))
        self._observe_daily(now, lowered)

    def _observe_window(self, now: float, headers: Mapping[str, str], sent_at: float) -> None:
        limit = _header_int(headers, _HS + "max")
        interval_ms = _header_int(headers, _HS + "interval-milliseconds")
        remaining = _header_int(headers, _HS + "remaining")
        if limit is None and remaining is None:
            logger.debug("lane %r: response without rate-limit headers", self.name)
            return
        if limit is not None and 1 <= limit <= _MAX_WINDOW_LIMIT:
            self.limit = limit
        elif limit is not None:
            logger.debug("lane %r: ignoring implausible rate limit %d", self.name, limit)
        if interval_ms is not None and interval_ms > 0:
            self.window = interval_ms / 1000
        if remaining is None or self.limit is None:
            return
        # The CRM counted its window when our call reached it, between ``sent_at`` and ``now``, so
        # our calls that left our log up to one round trip before ``sent_at`` may be in its count:
        # they are ours, not another app's.
        counted_by_crm = self.limit - min(remaining, self.limit)
        edge = sent_at - (now - sent_at)
        counted_by_us = len(self.leaves) - bisect.bisect_left(self.leaves, edge)
        missing = counted_by_crm - counted_by_us
        if missing > 0:
            leave, ours = now + self.window + self.settings.guard, len(self.leaves)
            self.leaves.extend([leave] * missing)
            if ours and self.leaves[ours - 1] > leave:  # only after the window shrank
                self.leaves = deque(sorted(self.leaves))

    def _observe_daily(self, now: float, headers: Mapping[str, str]) -> None:
        reading = _hubspot_daily(headers) or _salesforce_daily(headers)
        if reading is not None:
            self.daily_used, self.daily_max = reading
            self.daily_seen_at = now

    def _forget(self, now: float) -> None:
        # Keep one past window: ``observe`` counts the log as it was when a call was sent.
        while self.leaves and self.leaves[0] <= now - self.window:
            self.leaves.popleft()

    def snapshot(self, now: float) -> LaneSnapshot:
        self._forget(now)
        cap, counted = self.cap, len(self.leaves) - bisect.bisect_right(self.leaves, now)
        return LaneSnapshot(
            limit=self.limit,
            window=self.window,
            in_window=counted,
            headroom=None if cap is None else max(0, cap - counted),
            daily_used=self.daily_used,
            daily_max=self.daily_max,
            admitted=self.admitted,
            waited=self.waited,
            paused_for=max(0.0, self.paused_until - now),
        )


class RateBudget:
    """Paces the calls to one CRM account (see the module docstring).

    Args:
        lanes: The lanes by name, e.g. ``{"api": LaneSettings(limit=100), "search": LaneSettings(
            limit=5, window=1.0, margin=0, guard=0.05, follow_headers=False)}``.
        clock: Monotonic seconds; tests pass a fake.
        sleep: Waits; tests pass a fake that advances the fake clock.

    Raises:
        ConfigurationError: If no lane is given.
    """

    def __init__(
        self,
        lanes: Mapping[str, LaneSettings],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not lanes:
            raise ConfigurationError("RateBudget needs at least one lane")
        self._lanes = {name: _Lane(name, settings) for name, settings in lanes.items()}
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, lane: str) -> float:
        """Wait until a call on ``lane`` keeps within every limit, and count it.

        Args:
            lane: The lane's name.

        Returns:
            The clock reading at which the call was admitted.

        Raises:
            QuotaExhaustedError: The lane's share of the daily allocation is used up.
            LookupError: ``lane`` is not one of the budget's lanes.
        """
        state = self._lane(lane)
        started: float | None = None
        while True:
            with self._lock:
                now = self._clock()
                started = now if started is None else started
                delay = state.admit(now)
                if delay <= 0:
                    state.waited += now - started
                    return now
            self._sleep(delay)

    def observe(
        self, lane: str, headers: Mapping[str, str], *, sent_at: float | None = None
    ) -> None:
        """Update ``lane`` from a response's headers (any case); unreadable values are ignored.

        Args:
            lane: The lane the call was made on.
            headers: The response headers, error responses included.
            sent_at: What :meth:`acquire` returned for this call. Without it the CRM's count is
                compared with ours now, which takes the call's latency for other apps' usage.
        """
        state = self._lane(lane)
        with self._lock:
            state.observe(self._clock(), headers, sent_at)

    def pause(self, lane: str, seconds: float) -> None:
        """Admit nothing on ``lane`` for ``seconds`` (e.g. a 429's ``Retry-After``)."""
        state = self._lane(lane)
        with self._lock:
            state.paused_until = max(state.paused_until, self._clock() + seconds)

    def should_pause_writes(self, lane: str) -> bool:
        """Whether the lane's daily usage has reached its ``pause_writes_at`` share."""
        state = self._lane(lane)
        with self._lock:
            return state.should_pause_writes()

    def snapshot(self) -> BudgetSnapshot:
        """Every lane's state now, for metrics."""
        with self._lock:
            now = self._clock()
            lanes = {name: state.snapshot(now) for name, state in self._lanes.items()}
        return BudgetSnapshot(MappingProxyType(lanes))

    def _lane(self, name: str) -> _Lane:
        try:
            return self._lanes[name]
        except KeyError:
            known = ", ".join(sorted(self._lanes))
            raise LookupError(f"no rate-budget lane {name!r}; lanes are: {known}") from None


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number >= 0:
        return number
    logger.debug("ignoring unreadable header %s: %.40r", name, value)
    return None


def _hubspot_daily(headers: Mapping[str, str]) -> tuple[int, int] | None:
    allocation = _header_int(headers, _HS + "daily")
    remaining = _header_int(headers, _HS + "daily-remaining")
    if allocation is None or remaining is None or allocation == 0:
        return None
    return allocation - min(remaining, allocation), allocation


def _salesforce_daily(headers: Mapping[str, str]) -> tuple[int, int] | None:
    info = headers.get("sforce-limit-info")
    match = _SF_API_USAGE.search(info) if info is not None else None
    if match is None:
        if info is not None:
            logger.debug("ignoring unreadable header sforce-limit-info: %.60r", info)
        return None
    used, allocation = int(match[1]), int(match[2])
    return (used, allocation) if allocation > 0 else None
