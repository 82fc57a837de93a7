"""Per-instance configuration of the Salesforce emulator: limits, faults, credentials, switches.

Everything the fact sheet marks UNCONFIRMED is a switch in :class:`Behaviour` (§17, §18), with the
default named in each field's comment. Clocks and sleep are injected so tests move time without
sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

# A fake session id shaped like Salesforce's (org id, '!', opaque part); not a secret.
DEFAULT_TOKEN = "00D5g000004SIMB!AQ0AQEmulatorSessionToken.0000000000000000000000000000"  # noqa: S105


def system_now() -> datetime:
    """The wall clock, aware UTC."""
    return datetime.now(UTC)


class FaultKind(StrEnum):
    """Faults the injector can apply to one request (§18.7, failure-modes F19/F20/F26/F29/F38)."""

    LOCK_ROW = "UNABLE_TO_LOCK_ROW"  # the whole request fails (status: Behaviour.lock_row_status)
    LOCK_RECORDS = "UNABLE_TO_LOCK_ROW per record"  # collections: some records fail
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    REQUEST_LIMIT = "403"  # a refusal such as the concurrent long-running request limit (§10)
    QUERY_TIMEOUT = "QUERY_TIMEOUT"  # query requests only
    SESSION_EXPIRED = "INVALID_SESSION_ID"  # the token dies now; this request gets 401
    SLOW = "slow"  # the answer waits ``Faults.slow_seconds`` on the injected sleep
    DROP = "drop"  # the connection closes before anything is done
    LOST_RESPONSE = "lost_response"  # writes only: applied, then the connection closes
    LATE_COMMIT = "late_commit"  # writes only: rows stay invisible for ``late_seconds``


@dataclass(frozen=True, slots=True)
class TokenSpec:
    """A session id the emulator accepts without a login (simple-salesforce's direct mode, §2).

    Attributes:
        token: The session id (``Authorization: Bearer <token>``).
        user: Username of the running user; ``None`` is the integration user.
        expires_after_requests: The session answers 401 once it has served this many requests.
    """

    token: str = DEFAULT_TOKEN
    user: str | None = None
    expires_after_requests: int | None = None


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """An External Client App that may obtain tokens at ``/services/oauth2/token`` (§2).

    Attributes:
        consumer_key: ``client_id``; the JWT ``iss``.
        consumer_secret: For the client-credentials grant (HTTP Basic or form fields).
        run_as: Username of the client-credentials "run-as" user; ``None`` is the integration user.
        certificate_pem: PEM public key or certificate that verifies JWT-bearer assertions (RS256);
            ``None`` refuses the JWT grant for this client.
    """

    consumer_key: str = "3MVG9emulator.consumer.key"
    consumer_secret: str = "emulator-consumer-secret"  # noqa: S105 - a fake test secret
    run_as: str | None = None
    certificate_pem: bytes | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """The daily API allocation (§10): rolling 24 h, per org. ``None`` disables the quota."""

    daily_api_requests: int | None = 100_000
    token_calls_count: bool = False  # UNCONFIRMED (§10, §17): whether logins are metered

    @classmethod
    def unlimited(cls) -> Limits:
        """No quota (benchmarks); usage is still counted and reported against a large maximum."""
        return cls(daily_api_requests=None)


@dataclass(frozen=True, slots=True)
class Faults:
    """Random faults, repeatable for a seed when requests arrive in the same order.

    Attributes:
        seed: Seeds the fault RNG.
        rates: Probability of each fault per request; the sum must stay <= 1.
        slow_seconds: Delay of a ``SLOW`` response, passed to the injected sleep.
        lock_fraction: Share of the records of a collection that fail with ``LOCK_RECORDS``.
        late_seconds: How long rows written under ``LATE_COMMIT`` stay invisible.
    """

    seed: int = 0
    rates: Mapping[FaultKind, float] = field(default_factory=dict)
    slow_seconds: float = 30.0
    lock_fraction: float = 0.2
    late_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Switches for facts Salesforce leaves open or orgs configure differently (§17)."""

    validation_rule: bool = True  # §11: a reason is required when Status is a rejected value
    rejected_statuses: tuple[str, ...] = ("Unqualified",)
    # The Lead field the rule demands; §12 calls it Disqualification_Reason__c, the seed Rejection_…
    reason_field: str = "Rejection_Reason__c"
    lead_history_fields: tuple[str, ...] = (
        "Status",
        "OwnerId",
        "Lifecycle_Stage__c",
        "Rejection_Reason__c",
    )  # §12: only fields with history tracking get LeadHistory rows
    # §12: WhatId must be null when WhoId is a Lead (UNCONFIRMED)
    task_lead_forbids_what: bool = True
    converted_lead_read_only: bool = True  # §14; CANNOT_UPDATE_CONVERTED_LEAD is UNCONFIRMED
    upsert_update_status: int = 204  # §4: 200 with "created": false in v46+ is UNCONFIRMED
    lock_row_status: int = 400  # §11: UNABLE_TO_LOCK_ROW's HTTP status is UNCONFIRMED
    not_found_message: str = "The requested resource does not exist"  # §4: UNCONFIRMED wording
    session_idle_seconds: float = 7200.0  # §2: sessions time out after 2 h of inactivity
    query_locator_ttl_seconds: float = 2 * 86_400.0  # §3: results stay available for 2 days
    deleted_window_days: int = 15  # §8
    updated_window_days: int = 30  # §8
    composite_limit: int = 25  # §6
    collection_limit: int = 200  # §5
    page_size_override: int | None = None  # §18.2: a test override for small pages
    query_all_continuation: bool = False  # §3: /queryAll/<locator> continuations are UNCONFIRMED


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Everything that configures one emulator instance."""

    tokens: tuple[TokenSpec, ...] = (TokenSpec(),)
    clients: tuple[ClientSpec, ...] = (ClientSpec(),)
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    behaviour: Behaviour = field(default_factory=Behaviour)
    now: Callable[[], datetime] = system_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # The Tooling API's CustomField create (:mod:`.tooling`); False is an org without it, whose
    # tooling paths answer 404 NOT_FOUND, as `smarketing setup` must handle (it lists the fields).
    tooling_api: bool = True
    # Usernames holding "Customize Application", which creating fields needs; None: every user.
    customizers: frozenset[str] | None = None
