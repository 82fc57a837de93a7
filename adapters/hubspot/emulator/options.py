"""Per-instance configuration of the emulator: limits, faults, tokens, behaviour switches.

Everything the fact sheet marks UNCONFIRMED is a switch here (§18), with the default named in each
field's comment. Clocks and sleep are injected so tests move time without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


def system_now() -> datetime:
    """The wall clock, aware UTC."""
    return datetime.now(UTC)


class FaultKind(StrEnum):
    """Faults the injector can apply to a request (§19.8, failure-modes F18/F20/F26/F29)."""

    RATE_LIMIT = "429"
    LOCKED = "423"
    MIGRATION = "477"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    GATEWAY_TIMEOUT = "504"
    ORIGIN_TIMEOUT = "524"
    SLOW = "slow"
    DROP = "drop"
    LOST_RESPONSE = "lost_response"
    PARTIAL_BATCH = "partial_batch"


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """A bearer token the emulator accepts.

    Attributes:
        token: The secret, shaped like a private-app token (§1).
        scopes: Granted scopes; ``None`` grants every scope.
        expires_after_requests: The token answers 401 once it has served this many requests.
        expires_at: The token answers 401 from this instant of the emulator's ``now`` clock.
    """

    token: str = "pat-na1-00000000-0000-4000-8000-000000000000"  # noqa: S105 - a fake test token
    scopes: frozenset[str] | None = None
    expires_after_requests: int | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Rate limits and their headers (§13). ``None`` disables a bucket and its headers.

    Defaults are the Professional tier: 190 per 10 s per app, 625,000 per day, search 5/s.
    """

    burst: int | None = 190
    interval_ms: int = 10_000
    daily: int | None = 625_000
    search_per_second: int | None = 5
    search_counts_daily: bool = True  # UNCONFIRMED (§4): conservative default
    oauth: bool = False  # OAuth apps get no Daily headers (§13)
    retry_after_seconds: int | None = None  # Retry-After on CRM 429s is UNCONFIRMED (§13)
    account_timezone: str = "UTC"  # the daily bucket resets at midnight here

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No bucket at all (benchmarks)."""
        return cls(burst=None, daily=None, search_per_second=None)


@dataclass(frozen=True, slots=True)
class Faults:
    """Random faults, repeatable for a seed when requests arrive in the same order.

    Attributes:
        seed: Seeds the fault RNG.
        rates: Probability of each fault per request; the sum must stay <= 1.
        slow_seconds: Delay of a ``SLOW`` response, passed to the injected sleep.
        partial_fraction: Share of inputs that fail in a ``PARTIAL_BATCH`` 207.
        partial_category: ``category`` of those injected per-input errors.
        migration_retry_after: ``Retry-After`` seconds of a 477 (§12).
    """

    seed: int = 0
    rates: Mapping[FaultKind, float] = field(default_factory=dict)
    slow_seconds: float = 30.0
    partial_fraction: float = 0.1
    partial_category: str = "RATE_LIMITS"
    migration_retry_after: int = 30


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Behaviour switches for facts HubSpot leaves open (§18, §19.5)."""

    forward_only_lifecycle: bool = True  # direct backward lifecycle moves → 400
    search_index_lag_seconds: float = 0.0  # records modified this recently are invisible to search
    contacts_hs_lastmodifieddate: bool = False  # §14: on contacts it is reportedly null
    merge_mints_new_id: bool = False  # §11: a merge can mint a new id
    owners_max_limit: int = 500  # UNCONFIRMED (§6)
    search_results_cap: int = 10_000  # §4: paging past it gives 400


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Everything that configures one emulator instance."""

    tokens: tuple[TokenSpec, ...] = (TokenSpec(),)
    limits: RateLimits = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)
    behaviour: Behaviour = field(default_factory=Behaviour)
    portal_id: int = 62515
    app_id: int = 3456789
    now: Callable[[], datetime] = system_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
