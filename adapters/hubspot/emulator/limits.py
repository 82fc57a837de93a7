"""Rate limits and their headers (fact sheet §4, §13, §19.6).

- a rolling burst bucket per app (``burst`` per ``interval_ms``) with ``X-HubSpot-RateLimit-Max``,
  ``-Remaining`` and ``-Interval-Milliseconds`` on every non-search response;
- a daily bucket shared by the account, reset at midnight in the account's time zone, with
  ``-Daily``/``-Daily-Remaining`` (omitted for OAuth apps);
- search: its own rolling 1-second bucket and **no** rate headers; its 429 says ``SECONDLY``.
Refused requests do not consume budget. Time comes from the injected monotonic and wall clocks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import RatePolicy, rate_limited
from .options import RateLimits


class Limiter:
    """The buckets of one emulated app and account."""

    def __init__(
        self,
        limits: RateLimits,
        monotonic: Callable[[], float],
        now: Callable[[], datetime],
        portal_id: int,
    ) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._now = now
        self._portal_id = portal_id
        self._zone = ZoneInfo(limits.account_timezone)
        self._burst: deque[float] = deque()
        self._search: deque[float] = deque()
        self._day: date | None = None
        self.daily_used = 0

    def admit(self, search: bool, request_id: str) -> dict[str, str]:
        """Count one request and return its rate headers (none for search).

        Raises:
            HubSpotError: 429 with HubSpot's body when a bucket is empty; nothing is consumed then.
        """
        limits = self.limits
        self._roll_day()
        moment = self._monotonic()
        counts_daily = limits.daily is not None and (not search or limits.search_counts_daily)
        bucket, capacity, window = (
            (self._search, limits.search_per_second, 1.0)
            if search
            else (self._burst, limits.burst, limits.interval_ms / 1000)
        )
        headers = {} if search else self._headers(refused=True)
        if capacity is not None:
            while bucket and bucket[0] <= moment - window:
                bucket.popleft()
            if len(bucket) >= capacity:
                policy = RatePolicy.SECONDLY if search else RatePolicy.TEN_SECONDLY_ROLLING
                raise rate_limited(policy, self._portal_id, request_id, self._retry_after(headers))
        if counts_daily and limits.daily is not None and self.daily_used >= limits.daily:
            raise rate_limited(
                RatePolicy.DAILY, self._portal_id, request_id, self._retry_after(headers)
            )
        if capacity is not None:
            bucket.append(moment)
        if counts_daily:
            self.daily_used += 1
        return {} if search else self._headers(refused=False)

    def _headers(self, refused: bool) -> dict[str, str]:
        limits = self.limits
        headers: dict[str, str] = {}
        if limits.burst is not None:
            remaining = 0 if refused else max(0, limits.burst - len(self._burst))
            headers["X-HubSpot-RateLimit-Max"] = str(limits.burst)
            headers["X-HubSpot-RateLimit-Remaining"] = str(remaining)
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(limits.interval_ms)
        if limits.daily is not None and not limits.oauth:
            used = self.daily_used
            headers["X-HubSpot-RateLimit-Daily"] = str(limits.daily)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, limits.daily - used))
        return headers

    def _retry_after(self, headers: dict[str, str]) -> dict[str, str]:
        if self.limits.retry_after_seconds is not None:
            return {**headers, "Retry-After": str(self.limits.retry_after_seconds)}
        return headers

    def _roll_day(self) -> None:
        today = self._now().astimezone(self._zone).date()
        if today != self._day:
            self._day, self.daily_used = today, 0
