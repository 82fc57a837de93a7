"""What the HubSpot adapter needs to know: where to call, with what token, which properties to read.

One frozen object, validated on construction so that every problem is reported at once with the
setting's name (``crm.hubspot.<name>``). The token is never part of ``repr`` (STYLE: secrets are
masked in logs and errors). ``sleep`` and ``monotonic`` are injected so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from adapters.base.errors import ConfigurationError
from adapters.base.retry import RetrySettings

_KEY = "crm.hubspot"


@dataclass(frozen=True)
class HubSpotSettings:
    """Configuration of one HubSpot account connection.

    Attributes:
        base_url: ``https://api.hubapi.com`` or a local emulator's URL.
        token: The private-app bearer token; never shown in ``repr``.
        person_properties: Extra contact properties the rules read; the adapter adds the standard
            ones it maps itself (email, lifecycle stage, owner, stage dates...).
        deal_properties: Extra deal properties the rules read.
        lifecycle_values: Lifecycle stage values whose ``hs_v2_date_entered_*`` and
            ``hs_v2_date_exited_*`` dates build a contact's stage history (hubspot-api.md §10).
        owned_properties: Properties the connector writes; they are read back so the planner can
            compare what the CRM holds with what it last wrote.
        task_key_property: Task property holding our idempotency key (hubspot-api.md §8).
        rejection_reason_property: Contact property holding the rejection reason; ``None`` when
            the portal has none (HubSpot has no built-in one, §10).
        lookback: How far before the cursor an incremental pull re-reads, for search index lag.
        archived_every: How often the ``archived=true`` pass reports deleted records.
        timeout: ``(connect, read)`` seconds on every call; urllib3 has no default (§16).
        retry: The one retry policy's limits.
        api_limit: Calls per 10 s assumed until the rate-limit headers say otherwise (§13).
        search_per_second: The search lane's fixed limit; search responses carry no headers (§4).
        sleep: Waits (retries and pacing); tests pass a fake.
        monotonic: The pacing clock; tests pass a fake.

    Raises:
        ConfigurationError: Listing every invalid setting at once.
    """

    base_url: str
    token: str = field(repr=False)
    person_properties: tuple[str, ...] = ()
    deal_properties: tuple[str, ...] = ()
    lifecycle_values: tuple[str, ...] = ()
    owned_properties: tuple[str, ...] = (
        "smarketing_score",
        "smarketing_score_explanation",
        "smarketing_sla_status",
        "smarketing_sla_due",
    )
    task_key_property: str = "smarketing_task_key"
    rejection_reason_property: str | None = "smarketing_rejection_reason"
    lookback: timedelta = timedelta(minutes=10)
    archived_every: timedelta = timedelta(hours=6)
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetrySettings = field(default_factory=RetrySettings)
    api_limit: int = 100
    search_per_second: int = 5
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        checks = (
            (self.base_url.startswith(("http://", "https://")), "base_url", "must be http(s)"),
            (bool(self.token.strip()), "token", "is empty: set the private-app token"),
            (self.lookback >= timedelta(0), "lookback", "must not be negative"),
            (self.archived_every > timedelta(0), "archived_every", "must be positive"),
            (all(t > 0 for t in self.timeout), "timeout", "both (connect, read) must be positive"),
            (self.api_limit >= 1, "api_limit", "must be at least 1"),
            (self.search_per_second >= 1, "search_per_second", "must be at least 1"),
            (bool(self.task_key_property), "task_key_property", "must not be empty"),
        )
        problems = [f"{_KEY}.{key} {text}" for ok, key, text in checks if not ok]
        if problems:
            raise ConfigurationError("invalid HubSpot settings: " + "; ".join(problems))
