"""What the adapter contract tests need from a CRM, and the HubSpot implementation.

A contract test takes the ``crm`` fixture (parametrized by CRM) and speaks only to
:class:`CrmHarness`: it seeds and edits records the way people and the CRM itself would, injects
faults, and reads back what the CRM holds. Each CRM implements the harness against its emulator, so
the same tests run for every adapter (STYLE: one contract suite, run against every
implementation). Time is the emulator's manual clock: the adapter's injected ``sleep`` advances it,
so retries and pacing never wait for real.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from adapters.base.protocol import CrmAdapter, Cursor
from adapters.hubspot import HubSpotAdapter, HubSpotSettings
from adapters.hubspot.emulator import (
    EmulatorOptions,
    FaultKind,
    HubSpotEmulator,
    ManualClock,
    RateLimits,
    Source,
    TokenSpec,
)
from adapters.hubspot.emulator import ObjectType as HsObject
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.hubspot.emulator.timefmt import iso_ms, to_ms
from adapters.hubspot.emulator.writes import archive, merge, update
from rules.model import ObjectType

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)

# Capabilities: what a CRM (or its harness) offers beyond the shared contract. A test that needs
# one is skipped, with the reason, for harnesses without it (see ``conftest_crm.NEEDS``).
BURST_429 = "burst_429"
"""Bursts are refused with 429 and Retry-After (HubSpot); Salesforce sends 403
REQUEST_LIMIT_EXCEEDED for concurrent requests and has no burst window (salesforce-api.md §10)."""
ARCHIVED_PASS = "archived_pass"
"""Deletes are found by a periodic archived pass (``archived_every``, HubSpot); Salesforce reports
them in every incremental pull through queryAll (salesforce-api.md §14)."""
STATIC_TOKEN = "static_token"
"""The credential is a token checked on every call (HubSpot private app), so once it stops working
calls answer 401; Salesforce logs in with OAuth, so revoked credentials already fail at the login
(400 ``invalid_client_id``, salesforce-api.md §2)."""
APPLY = "apply"
"""The write-back contract runs: the adapter writes and the CRM has its ``ApplyExtras``."""
CREATES_FIELDS = "creates_fields"
"""``ensure_schema`` creates missing fields through the CRM's API and names them as the specs do
(HubSpot's properties API), so a test can start from a CRM without them. The Salesforce adapter
creates fields through the Tooling API, names them ``Object.Field__c`` (one spec is a field on Lead
and on Contact), and its harness seeds the fields an admin would have made: its creation path is
tested in ``test_adapter_schema_salesforce.py``."""
REFUSES_TASKS_ON_HIDDEN = "refuses_tasks_on_hidden"
"""A task on a person the credentials may no longer read is refused, naming the missing scope
(HubSpot: 403 ``MISSING_SCOPES``). The Salesforce emulator hides the object from queries and
describes only (``SalesforceFaults.revoke_read``): it still saves a Task whose ``WhoId`` is a
hidden Lead, so the adapter has nothing to report."""

CAPABILITIES: Mapping[str, str] = {
    BURST_429: "bursts refused with 429 and Retry-After",
    ARCHIVED_PASS: "deletes found by a periodic archived pass",
    STATIC_TOKEN: "a static token that answers 401 once it stops working",
    APPLY: "write-back extras (test_adapter_apply.EXTRAS)",
    CREATES_FIELDS: "ensure_schema on a CRM seeded without our fields, named as the specs are",
    REFUSES_TASKS_ON_HIDDEN: "an emulator that refuses a task write on an object it hides",
}
"""Each capability in a few words, for the reason of a skipped test."""


@dataclass(frozen=True, slots=True)
class CrmTask:
    """A task as the CRM holds it."""

    id: str
    key: str | None
    subject: str
    completed: bool


class CrmFaults(Protocol):
    """Faults a contract test can inject into the CRM's next requests."""

    def rate_limit_storm(self, count: int) -> None:
        """The next ``count`` requests are refused with the burst limit (429)."""
        ...

    def server_errors(self, count: int) -> None:
        """The next ``count`` requests fail with a mix of 5xx statuses."""
        ...

    def expire_token(self) -> None:
        """The credentials stop working from the next request on."""
        ...

    def revoke_read(self, object_type: ObjectType) -> str:
        """Withdraw the permission to read ``object_type``; return the scope the CRM will name."""
        ...


class CrmHarness(Protocol):
    """One CRM's emulator, driven the way the contract tests need.

    Record fields are named like the model's attributes (``email``, ``owner_id``, ``lifecycle``,
    ``company``, ``lead_status``; ``name``, ``stage``, ``amount``, ``person_ids`` for deals); each
    harness maps them to its CRM's fields.
    """

    name: str
    person_type: ObjectType
    slept: list[float]
    capabilities: frozenset[str]

    @property
    def faults(self) -> CrmFaults: ...

    def adapter(self, **overrides: Any) -> CrmAdapter:
        """A fresh adapter against the emulator; ``overrides`` replace settings fields."""
        ...

    def seed_people(self, count: int, *, seed: int = 7) -> list[str]:
        """Replace the CRM's data with ``count`` generated people (and their deals, owners)."""
        ...

    def expected(self, object_type: ObjectType) -> dict[str, dict[str, object]]:
        """Every live record of ``object_type`` with its key fields, read from the CRM's state."""
        ...

    def touch_as_rep(
        self,
        record_id: str,
        changes: Mapping[str, str],
        *,
        object_type: ObjectType | None = None,
        visible: bool = True,
    ) -> None:
        """A human edit of a person (or a deal): the modified time moves to now.
        ``visible=False`` keeps it out of the search index until :meth:`reveal` (index lag, F09)."""
        ...

    def reveal(self) -> None:
        """Make every hidden edit visible to search."""
        ...

    def set_modified(self, ids: Sequence[str], same_timestamp: datetime) -> None:
        """Give these people one modification time, as a bulk update does (ties, F07)."""
        ...

    def archive(self, record_id: str) -> None:
        """Delete a person to the recycle bin."""
        ...

    def merge(self, loser: str, survivor: str) -> str:
        """Merge ``loser`` into ``survivor``; return the surviving id."""
        ...

    def advance(self, seconds: float) -> None:
        """Move the CRM's clock (and the adapter's) forward."""
        ...

    def now(self) -> datetime:
        """The CRM's clock: what the connector passes as ``started_at``."""
        ...

    def unreadable_cursor(self) -> Cursor:
        """A stored cursor whose adapter-specific ``extra`` is corrupt (failure-modes F11)."""
        ...

    def crm_tasks(self, key: str | None = None) -> list[CrmTask]:
        """Tasks the CRM holds, optionally only those carrying idempotency key ``key``."""
        ...

    def crm_values(self, record_id: str, props: Sequence[str]) -> dict[str, str | None]:
        """Raw CRM values of a person's properties (CRM names)."""
        ...


_PERSON_FIELDS = {
    "email": "email",
    "company": "company",
    "lifecycle": "lifecyclestage",
    "lead_status": "hs_lead_status",
    "owner_id": "hubspot_owner_id",
}
_DEAL_FIELDS = {"name": "dealname", "stage": "dealstage", "amount": "amount"}
_EVERY_SCOPE = frozenset(
    f"crm.{family}.{name}.{mode}"
    for family in ("objects", "schemas")
    for name in ("contacts", "companies", "deals")
    for mode in ("read", "write")
) | {"crm.objects.owners.read"}
_SERVER_FAULTS = (
    FaultKind.SERVER_ERROR,
    FaultKind.BAD_GATEWAY,
    FaultKind.UNAVAILABLE,
    FaultKind.GATEWAY_TIMEOUT,
)


class HubSpotFaults:
    """Faults through the emulator's injector and token table."""

    def __init__(self, emulator: HubSpotEmulator) -> None:
        self._emu = emulator

    def rate_limit_storm(self, count: int) -> None:
        self._emu.faults.script(*[FaultKind.RATE_LIMIT] * count)

    def server_errors(self, count: int) -> None:
        self._emu.faults.script(*(_SERVER_FAULTS[i % len(_SERVER_FAULTS)] for i in range(count)))

    def expire_token(self) -> None:
        self._emu.runtime.auth.add(TokenSpec(self._emu.token, expires_after_requests=0))

    def revoke_read(self, object_type: ObjectType) -> str:
        scope = f"crm.objects.{'deals' if object_type is ObjectType.DEAL else 'contacts'}.read"
        self._emu.runtime.auth.add(TokenSpec(self._emu.token, scopes=_EVERY_SCOPE - {scope}))
        return scope


class HubSpotHarness:
    """The HubSpot emulator behind :class:`CrmHarness`.

    Args:
        server: The session's emulator; it is reset to a fresh portal on the manual clock.
    """

    name = "hubspot"
    person_type = ObjectType.CONTACT
    capabilities = frozenset(
        {BURST_429, ARCHIVED_PASS, STATIC_TOKEN, APPLY, CREATES_FIELDS, REFUSES_TASKS_ON_HIDDEN}
    )

    def __init__(self, server: HubSpotEmulator) -> None:
        self.clock = ManualClock(T0)
        self.slept: list[float] = []
        self._emu = server
        self._options = EmulatorOptions(
            limits=RateLimits.unlimited(), now=self.clock.now, monotonic=self.clock.monotonic
        )
        self._hidden: list[tuple[HsObject, int, int]] = []
        server.reset(self._options)

    @property
    def emulator(self) -> HubSpotEmulator:
        """The emulator, for HubSpot-only tests."""
        return self._emu

    @property
    def faults(self) -> HubSpotFaults:
        return HubSpotFaults(self._emu)

    def configure(self, **changes: Any) -> None:
        """Replace emulator options (limits, behaviour), keeping the portal's data."""
        self._options = replace(self._options, **changes)
        self._emu.reset(self._options, self._emu.state)

    def adapter(self, **overrides: Any) -> HubSpotAdapter:
        settings = HubSpotSettings(
            base_url=self._emu.base_url,
            token=self._emu.token,
            sleep=self._sleep,
            monotonic=self.clock.monotonic,
            **overrides,
        )
        return HubSpotAdapter(settings)

    def seed_people(self, count: int, *, seed: int = 7) -> list[str]:
        portal = seeded_portal(seed, count, self.clock.now(), self._options)
        self._emu.reset(self._options, portal)
        return [str(r.id) for r in portal.stores[HsObject.CONTACTS].iter_live()]

    def expected(self, object_type: ObjectType) -> dict[str, dict[str, object]]:
        portal = self._emu.state
        with portal.lock:
            if object_type is ObjectType.DEAL:
                return {str(r.id): self._deal(r) for r in portal.stores[HsObject.DEALS].iter_live()}
            return {
                str(r.id): {key: r.props.get(name) for key, name in _PERSON_FIELDS.items()}
                for r in portal.stores[HsObject.CONTACTS].iter_live()
            }

    def _deal(self, record: Any) -> dict[str, object]:
        links = self._emu.state.associations.targets(HsObject.DEALS, HsObject.CONTACTS, record.id)
        amount = record.props.get("amount")
        return {
            "name": record.props.get("dealname"),
            "stage": record.props.get("dealstage"),
            "amount": float(amount) if amount else None,
            "person_ids": tuple(sorted(str(i) for i in links)),
        }

    def touch_as_rep(
        self,
        record_id: str,
        changes: Mapping[str, str],
        *,
        object_type: ObjectType | None = None,
        visible: bool = True,
    ) -> None:
        portal, deal = self._emu.state, object_type is ObjectType.DEAL
        obj, names = (HsObject.DEALS, _DEAL_FIELDS) if deal else (HsObject.CONTACTS, _PERSON_FIELDS)
        values = {names.get(key, key): value for key, value in changes.items()}
        with portal.lock:
            record = portal.record(obj, int(record_id))
            update(portal, obj, record, values, Source("CRM_UI", "userId:1", 1))
            if not visible:
                portal.stores[obj].modified.remove((record.updated_ms, record.id))
                self._hidden.append((obj, record.updated_ms, record.id))

    def reveal(self) -> None:
        with self._emu.state.lock:
            for obj, modified_ms, record_id in self._hidden:
                bisect.insort(self._emu.state.stores[obj].modified, (modified_ms, record_id))
            self._hidden.clear()

    def set_modified(self, ids: Sequence[str], same_timestamp: datetime) -> None:
        portal, stamp = self._emu.state, to_ms(same_timestamp)
        store = portal.stores[HsObject.CONTACTS]
        with portal.lock:
            for record_id in ids:
                record = store.records[int(record_id)]
                record.updated_ms = stamp
                record.props["lastmodifieddate"] = iso_ms(stamp)
            store.rebuild_index()

    def archive(self, record_id: str) -> None:
        portal = self._emu.state
        archive(portal, HsObject.CONTACTS, portal.record(HsObject.CONTACTS, int(record_id)))

    def merge(self, loser: str, survivor: str) -> str:
        return str(merge(self._emu.state, HsObject.CONTACTS, survivor, loser).id)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def now(self) -> datetime:
        return self.clock.now()

    def unreadable_cursor(self) -> Cursor:
        return Cursor(datetime(1970, 1, 1, tzinfo=UTC), extra={"full_after": "x"})

    def crm_tasks(self, key: str | None = None) -> list[CrmTask]:
        with self._emu.state.lock:
            tasks = [
                CrmTask(
                    str(r.id),
                    r.props.get("smarketing_task_key"),
                    r.props.get("hs_task_subject", ""),
                    r.props.get("hs_task_status") == "COMPLETED",
                )
                for r in self._emu.state.stores[HsObject.TASKS].iter_live()
            ]
        return [t for t in tasks if key is None or t.key == key]

    def crm_values(self, record_id: str, props: Sequence[str]) -> dict[str, str | None]:
        with self._emu.state.lock:
            record = self._emu.state.record(HsObject.CONTACTS, int(record_id))
            return {name: record.props.get(name) for name in props}

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)
