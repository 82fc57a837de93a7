"""Switchable fault injection, repeatable for a seed (fact sheet §18.7; failure-modes F19-F29).

Each guarded request draws one number from a seeded RNG (only when some rate is set), so the same
seed and the same request sequence give the same faults. Tests can also script exact faults for the
next requests. Faults that make no sense for a request (a lost response on a read, per-record locks
outside collections, a query timeout on a write) are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.emulation.faults import FaultDeck

from .errors import SalesforceError, request_limit_exceeded
from .options import FaultKind, Faults

WRITE_ONLY = frozenset({FaultKind.LOST_RESPONSE, FaultKind.LATE_COMMIT, FaultKind.LOCK_ROW})
COLLECTION_ONLY = frozenset({FaultKind.LOCK_RECORDS})
QUERY_ONLY = frozenset({FaultKind.QUERY_TIMEOUT})
LOCK_MESSAGE = "unable to obtain exclusive access to this record"


@dataclass(frozen=True, slots=True)
class Traits:
    """What kind of request a fault is drawn for."""

    write: bool = False
    collection: bool = False
    query: bool = False


class FaultInjector:
    """Decides the fault of each request."""

    def __init__(self, faults: Faults, lock_row_status: int = 400) -> None:
        self.faults = faults
        self.lock_row_status = lock_row_status
        self._deck: FaultDeck[FaultKind] = FaultDeck(faults.rates, faults.seed)

    @property
    def injected(self) -> list[FaultKind]:
        """Every fault injected so far, in order."""
        return self._deck.injected

    def script(self, *kinds: FaultKind) -> None:
        """Apply these faults, in order, to the next guarded requests (before any random draw)."""
        self._deck.script(*kinds)

    def draw(self, traits: Traits) -> FaultKind | None:
        """The fault for this request, or ``None``; misfits are dropped."""
        kind = self._deck.next()
        if (
            kind is None
            or (kind in WRITE_ONLY and not traits.write)
            or (kind in COLLECTION_ONLY and not traits.collection)
            or (kind in QUERY_ONLY and not traits.query)
        ):
            return None
        return self._deck.keep(kind)

    def failing_records(self, count: int) -> set[int]:
        """Indexes of the records of a collection that fail with a row lock (at least one)."""
        size = min(count, max(1, round(count * self.faults.lock_fraction)))
        return set(self._deck.rng.sample(range(count), size))

    def error(self, kind: FaultKind) -> SalesforceError | None:
        """The error response of a request-level fault, or ``None`` for the others."""
        if kind is FaultKind.LOCK_ROW:
            return SalesforceError(self.lock_row_status, "UNABLE_TO_LOCK_ROW", LOCK_MESSAGE, [])
        if kind is FaultKind.SERVER_ERROR:
            return SalesforceError(
                500,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact "
                "support: 1016388423-51960 (-1294626432)",
            )
        if kind is FaultKind.UNAVAILABLE:
            return SalesforceError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable.")
        if kind is FaultKind.REQUEST_LIMIT:
            return request_limit_exceeded("ConcurrentPerOrgLongTxn Limit exceeded.")
        if kind is FaultKind.QUERY_TIMEOUT:
            return SalesforceError(
                400, "QUERY_TIMEOUT", "Your query request was running for too long."
            )
        return None

    def lock_error(self, record_id: str | None) -> SalesforceError:
        """The per-record error of ``LOCK_RECORDS`` (§11: retry with backoff)."""
        suffix = f" or 1 records: {record_id}" if record_id else ""
        return SalesforceError(
            self.lock_row_status, "UNABLE_TO_LOCK_ROW", LOCK_MESSAGE + suffix, []
        )
