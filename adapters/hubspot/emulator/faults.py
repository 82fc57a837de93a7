"""Switchable fault injection, repeatable for a seed (fact sheet §12, §19.8; failure-modes F18+).

Each request draws one number from a seeded RNG (only when some rate is set), so the same seed
and the same request sequence give the same faults. Tests can also script exact faults for the
next requests.
"""

from __future__ import annotations

from adapters.emulation.faults import FaultDeck

from .errors import Category, HubSpotError, RatePolicy, rate_limited
from .options import FaultKind, Faults

_STATUS = {
    FaultKind.LOCKED: 423,
    FaultKind.MIGRATION: 477,
    FaultKind.SERVER_ERROR: 500,
    FaultKind.BAD_GATEWAY: 502,
    FaultKind.UNAVAILABLE: 503,
    FaultKind.GATEWAY_TIMEOUT: 504,
    FaultKind.ORIGIN_TIMEOUT: 524,
}
_MESSAGES = {
    423: "The resource is locked: too many concurrent writes to the same records. Wait and retry.",
    477: "Migration in progress. Retry after the time given in Retry-After.",
    500: "Internal error.",
    502: "Bad gateway: the request exceeded a processing limit.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
    524: "A timeout occurred: the origin did not answer in 100 seconds.",
}
WRITE_ONLY = frozenset({FaultKind.LOST_RESPONSE})
BATCH_ONLY = frozenset({FaultKind.PARTIAL_BATCH})


class FaultInjector:
    """Decides the fault of each request."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._deck: FaultDeck[FaultKind] = FaultDeck(faults.rates, faults.seed)

    @property
    def injected(self) -> list[FaultKind]:
        """Every fault injected so far, in order."""
        return self._deck.injected

    def script(self, *kinds: FaultKind) -> None:
        """Apply these faults, in order, to the next requests (before any random draw)."""
        self._deck.script(*kinds)

    def draw(self, write: bool, batch: bool) -> FaultKind | None:
        """The fault for this request, or ``None``; misfits are dropped."""
        kind = self._deck.next()
        if kind is None or (kind in WRITE_ONLY and not write) or (kind in BATCH_ONLY and not batch):
            return None
        return self._deck.keep(kind)

    def failing_inputs(self, count: int) -> set[int]:
        """Indexes of the inputs that fail in an injected 207 (at least one)."""
        size = min(count, max(1, round(count * self.faults.partial_fraction)))
        return set(self._deck.rng.sample(range(count), size))

    def error(self, kind: FaultKind, portal_id: int, request_id: str) -> HubSpotError:
        """The response of a status fault."""
        if kind is FaultKind.RATE_LIMIT:
            return rate_limited(RatePolicy.TEN_SECONDLY_ROLLING, portal_id, request_id)
        status = _STATUS[kind]
        headers = {"Retry-After": str(self.faults.migration_retry_after)} if status == 477 else {}
        category = Category.LOCKED if status == 423 else Category.INTERNAL_ERROR
        return HubSpotError(status, category, _MESSAGES[status], headers=headers)

    def partial_error(self) -> HubSpotError:
        """The per-input error of an injected partial batch failure."""
        return HubSpotError(
            429 if self.faults.partial_category == "RATE_LIMITS" else 500,
            self.faults.partial_category,
            "This input could not be processed now; retry it.",
        )
