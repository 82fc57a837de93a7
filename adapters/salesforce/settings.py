"""What the Salesforce adapter needs to know: where to call, how to log in, which fields to read.

One frozen object, validated on construction so that every problem is reported at once with the
setting's name (``crm.salesforce.<name>``). Secrets (client id and secret, private key) are never
part of ``repr`` (STYLE: secrets are masked in logs and errors). ``sleep``, ``monotonic`` and
``clock`` are injected so tests never wait and can move time.

Section numbers (§) refer to ``shared/crm/salesforce-api.md``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final, Literal

from adapters.base.errors import ConfigurationError
from adapters.base.retry import RetrySettings
from adapters.salesforce.soql import is_field_path

_KEY: Final = "crm.salesforce"
AUTH_FLOWS: Final = ("client_credentials", "jwt")
AuthFlow = Literal["client_credentials", "jwt"]
DEFAULT_JWT_LOGIN: Final = "https://login.salesforce.com"
DEFAULT_LIFECYCLE_FIELD: Final = "Lifecycle_Stage__c"  # a seeded org's; Salesforce has none (§12)
MIN_BATCH, MAX_BATCH = 200, 2_000  # §3: Sforce-Query-Options batchSize bounds
_VERSION: Final = re.compile(r"^\d{2,3}\.\d$")

DEFAULT_STAGE_DATES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "MQL": "MQL_Date__c",
        "SAL": "SAL_Date__c",
        "SQL": "SQL_Date__c",
        "Opportunity": "Opportunity_Date__c",
        "Customer": "Customer_Date__c",
    }
)
"""Lifecycle values of a seeded org and the custom datetime fields holding their entry times."""


def utc_now() -> datetime:
    """The wall clock, aware UTC (the default of :attr:`SalesforceSettings.clock`)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class SalesforceSettings:
    """Configuration of one Salesforce org connection.

    Attributes:
        instance_url: ``https://acme.my.salesforce.com`` or a local emulator's URL; data calls go
            to the ``instance_url`` the token response names (§2), this one until then.
        auth: ``"client_credentials"`` (an External Client App's run-as user) or ``"jwt"`` (JWT
            bearer). Password flows are refused by design (§0.2, §2).
        client_id: The consumer key; never shown in ``repr``.
        client_secret: The consumer secret (client credentials only).
        username: The user the JWT bearer flow logs in as (``sub``).
        private_key: PEM text of the key that signs the JWT assertion (RS256).
        login_url: Base of the token endpoint ``/services/oauth2/token``; ``None`` means the
            instance for client credentials (it needs My Domain, §2) and
            ``https://login.salesforce.com`` for JWT.
        jwt_audience: The assertion's ``aud``; ``None`` derives it from ``login_url``
            (``https://test.salesforce.com`` for sandboxes, else ``https://login.salesforce.com``).
        api_version: REST API version (§1: 31.0 and later are supported).
        ca_bundle: A CA file to trust instead of the system store (an emulator, a TLS proxy); the
            session then ignores ``REQUESTS_CA_BUNDLE`` and proxy variables (requests#3829).
        person_fields: Extra Lead/Contact fields the rules read.
        deal_fields: Extra Opportunity fields the rules read.
        lifecycle_field: The picklist holding the lifecycle stage (no standard field, §12).
        lead_statuses: The Lead ``Status`` values the config maps; ``check`` reports each one
            the org's LeadStatus picklist lacks (§12).
        stage_date_fields: Lifecycle value → the datetime field holding its entry time; they build
            the stage history.
        rejection_reason_field: The Lead/Contact field holding the rejection reason; ``None``
            when the org has none (§12: no standard field).
        owned_fields: Fields the connector writes; read back so the planner can compare.
        task_key_field: The Task text field holding our idempotency key (§0.4, §4).
        task_due_field: The Task datetime field holding the exact due time (ActivityDate is a date
            only, §12).
        lookback: How far before the cursor an incremental pull re-reads (§14: late commits).
        session_idle_timeout: Sessions die after this much inactivity (org policy, 2 h by
            default, §2); the client logs in again shortly before rather than after.
        batch_size: Records per query page (``Sforce-Query-Options``, 200-2,000, §3).
        timeout: ``(connect, read)`` seconds on every request; simple-salesforce has none (§13).
        retry: The one retry policy's limits.
        stop_writes_at: Share of the daily allocation from which writes are deferred (§10).
        stop_at: Share of the daily allocation from which every call is refused, leaving the
            rest to other apps (failure-modes R6).
        sleep: Waits (retries and pacing); tests pass a fake.
        monotonic: The pacing clock; tests pass a fake.
        clock: The wall clock (JWT expiry, session idleness); tests pass a fake.

    Raises:
        ConfigurationError: Listing every invalid setting at once.
    """

    instance_url: str
    auth: AuthFlow
    client_id: str = field(repr=False)
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    private_key: str | None = field(default=None, repr=False)
    login_url: str | None = None
    jwt_audience: str | None = None
    api_version: str = "59.0"
    ca_bundle: str | None = None
    person_fields: tuple[str, ...] = ()
    deal_fields: tuple[str, ...] = ()
    lifecycle_field: str = DEFAULT_LIFECYCLE_FIELD
    lead_statuses: tuple[str, ...] = ()
    stage_date_fields: Mapping[str, str] = field(default_factory=lambda: DEFAULT_STAGE_DATES)
    rejection_reason_field: str | None = "Rejection_Reason__c"
    owned_fields: tuple[str, ...] = (
        "Smarketing_Score__c",
        "Smarketing_Score_Explanation__c",
        "Smarketing_SLA_Status__c",
        "Smarketing_SLA_Due__c",
    )
    task_key_field: str = "Smarketing_Key__c"
    task_due_field: str = "Smarketing_Due__c"
    lookback: timedelta = timedelta(minutes=10)
    session_idle_timeout: timedelta = timedelta(hours=2)
    batch_size: int = MAX_BATCH
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetrySettings = field(default_factory=RetrySettings)
    stop_writes_at: float = 0.8
    stop_at: float = 0.95
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)
    clock: Callable[[], datetime] = field(default=utc_now, repr=False)

    def __post_init__(self) -> None:
        problems = [f"{_KEY}.{key} {text}" for key, text in self._problems()]
        if problems:
            raise ConfigurationError("invalid Salesforce settings: " + "; ".join(problems))

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint (§2)."""
        base = self.login_url or (DEFAULT_JWT_LOGIN if self.auth == "jwt" else self.instance_url)
        return base.rstrip("/") + "/services/oauth2/token"

    @property
    def audience(self) -> str:
        """The JWT ``aud`` claim: a login host, never My Domain (§2)."""
        if self.jwt_audience:
            return self.jwt_audience
        host = (self.login_url or DEFAULT_JWT_LOGIN).lower()
        sandbox = "test.salesforce.com" in host or ".sandbox." in host
        return "https://test.salesforce.com" if sandbox else DEFAULT_JWT_LOGIN

    def _problems(self) -> list[tuple[str, str]]:
        found = [(key, text) for ok, key, text in self._checks() if not ok]
        found += self._auth_problems()
        found += [
            (key, f"has an invalid field name {name!r} (letters, digits, _, then __c/__r)")
            for key, names in self._field_settings()
            for name in names
            if not is_field_path(name)
        ]
        return found

    def _checks(self) -> Iterable[tuple[bool, str, str]]:
        yield (
            self.instance_url.startswith("https://"),
            "instance_url",
            "must start with https:// (simple-salesforce only speaks https, §13)",
        )
        yield (
            self.login_url is None or self.login_url.startswith("https://"),
            "login_url",
            "must start with https://",
        )
        yield bool(_VERSION.match(self.api_version)), "api_version", "must look like 59.0"
        yield (
            self.ca_bundle is None or os.path.isfile(self.ca_bundle),
            "ca_bundle",
            f"names no readable file (looked for {self.ca_bundle!r})",
        )
        yield self.lookback >= timedelta(0), "lookback", "must not be negative"
        yield (
            self.session_idle_timeout > timedelta(minutes=10),
            "session_idle_timeout",
            "must be longer than 10 minutes",
        )
        yield (
            MIN_BATCH <= self.batch_size <= MAX_BATCH,
            "batch_size",
            f"must be between {MIN_BATCH} and {MAX_BATCH} (§3)",
        )
        yield all(t > 0 for t in self.timeout), "timeout", "both (connect, read) must be positive"
        yield (
            0 < self.stop_writes_at <= self.stop_at <= 1,
            "stop_writes_at",
            "need 0 < stop_writes_at <= stop_at <= 1",
        )

    def _auth_problems(self) -> list[tuple[str, str]]:
        if self.auth not in AUTH_FLOWS:
            return [("auth", f"must be one of {', '.join(AUTH_FLOWS)} (got {self.auth!r})")]
        found: list[tuple[str, str]] = []
        if not self.client_id.strip():
            found.append(("client_id", "is empty: set the External Client App's consumer key"))
        if self.auth == "client_credentials" and not (self.client_secret or "").strip():
            found.append(("client_secret", "is empty: client credentials need the secret"))
        if self.auth == "jwt":
            if not (self.username or "").strip():
                found.append(("username", "is empty: the JWT bearer flow logs in as a user"))
            if "PRIVATE KEY" not in (self.private_key or ""):
                found.append(("private_key", "is not a PEM private key (needed for jwt)"))
        return found

    def _field_settings(self) -> Iterable[tuple[str, Iterable[str]]]:
        reason = self.rejection_reason_field
        yield "person_fields", self.person_fields
        yield "deal_fields", self.deal_fields
        yield "lifecycle_field", (self.lifecycle_field,)
        yield "stage_date_fields", tuple(self.stage_date_fields.values())
        yield "rejection_reason_field", () if reason is None else (reason,)
        yield "owned_fields", self.owned_fields
        yield "task_key_field", (self.task_key_field,)
        yield "task_due_field", (self.task_due_field,)
