"""A manual clock for tests: one object drives the wall clock and the monotonic clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class ManualClock:
    """Time that moves only when told; pass ``clock.now`` and ``clock.monotonic`` to the options."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now = start or datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._mono = 1000.0

    def now(self) -> datetime:
        """The wall clock."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """The monotonic clock, in seconds."""
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
