"""The fault deck both emulators draw from: scripted faults first, then seeded random ones.

Each draw takes one number from a seeded RNG (only when some rate is set), so the same seed and the
same request sequence give the same faults; tests can also script exact faults for the next
requests. What a fault means (a status, a dropped connection, a partial batch) is each
emulator's business.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from typing import Generic, TypeVar

K = TypeVar("K")


class FaultDeck(Generic[K]):
    """Scripted and seeded random faults of one emulator run."""

    def __init__(self, rates: Mapping[K, float], seed: int) -> None:
        """Check that ``rates`` are probabilities that sum to at most 1.

        Raises:
            ValueError: A negative rate, or rates summing to more than 1.
        """
        if sum(rates.values()) > 1.0 or any(rate < 0 for rate in rates.values()):
            raise ValueError(f"fault rates must be >= 0 and sum to <= 1, got {dict(rates)}")
        self.rates = dict(rates)
        self.rng = random.Random(seed)  # noqa: S311 - repeatable faults, not security
        self._script: deque[K] = deque()
        self.injected: list[K] = []

    def script(self, *kinds: K) -> None:
        """Apply these faults, in order, to the next draws (before any random draw)."""
        self._script.extend(kinds)

    def next(self) -> K | None:
        """The scripted fault if any, else a seeded random one (or ``None``)."""
        if self._script:
            return self._script.popleft()
        if not self.rates:
            return None
        point, cumulative = self.rng.random(), 0.0
        for candidate, rate in self.rates.items():
            cumulative += rate
            if point < cumulative:
                return candidate
        return None

    def keep(self, kind: K) -> K:
        """Record ``kind`` as injected (after the emulator decided it fits the request)."""
        self.injected.append(kind)
        return kind
