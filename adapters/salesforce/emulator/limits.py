"""The daily API allocation and its headers (fact sheet §10, §18.6).

A rolling 24-hour window per org: every metered call counts one (a collection or a composite call
counts once, a ``composite/batch`` subrequest once each); refused calls do not count. Every REST
response under ``/services/data/vXX.X/`` carries ``Sforce-Limit-Info: api-usage=N/M``, and
``GET /limits`` reports the same numbers. Time comes from the injected wall clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .errors import request_limit_exceeded
from .options import Limits

UNLIMITED_MAX = 5_000_000  # reported when the quota is off: the largest allocation (§10 sandboxes)
_DAY = timedelta(days=1)


class Limiter:
    """Counts metered calls in a rolling day."""

    def __init__(self, limits: Limits, now: Callable[[], datetime]) -> None:
        self.limits = limits
        self._now = now
        self._calls: deque[datetime] = deque()

    @property
    def maximum(self) -> int:
        """The daily allocation shown in headers."""
        return self.limits.daily_api_requests or UNLIMITED_MAX

    @property
    def used(self) -> int:
        """Calls in the last 24 hours."""
        cutoff = self._now() - _DAY
        while self._calls and self._calls[0] <= cutoff:
            self._calls.popleft()
        return len(self._calls)

    def admit(self, cost: int = 1) -> None:
        """Count ``cost`` calls, or refuse when the allocation is used up.

        Raises:
            SalesforceError: 403 ``REQUEST_LIMIT_EXCEEDED`` (§10: not 429); nothing is counted.
        """
        if self.limits.daily_api_requests is not None and self.used + cost > self.maximum:
            raise request_limit_exceeded()
        moment = self._now()
        self._calls.extend([moment] * cost)

    def header(self) -> str:
        """The ``Sforce-Limit-Info`` value."""
        return f"api-usage={self.used}/{self.maximum}"

    def snapshot(self) -> dict[str, Any]:
        """The body of ``GET /limits`` (§10)."""
        remaining = max(0, self.maximum - self.used)

        def pair(maximum: int, left: int | None = None) -> dict[str, int]:
            return {"Max": maximum, "Remaining": maximum if left is None else left}

        return {
            "ConcurrentAsyncGetReportInstances": pair(200),
            "ConcurrentPerOrgLongTxn": pair(25),
            "DailyApiRequests": pair(self.maximum, remaining),
            "DailyBulkV2QueryFileStorageMB": pair(976_562),
            "DailyBulkV2QueryJobs": pair(10_000),
            "DataStorageMB": pair(1_024),
            "FileStorageMB": pair(1_024),
        }
