"""The Salesforce emulator behind :class:`~tests.contract.crm_harness.CrmHarness`.

People are **Leads** (``person_type = LEAD``): a seeded org holds every generated person as a
Lead, and the converted ones also as a Contact (see ``adapters/salesforce/emulator/seed.py``). A
Lead pull reports converted Leads as merged into their Contact, so :meth:`seed_people` and
:meth:`expected` list the Leads that are still Leads. Deals are Opportunities, and their people
are the Contacts converted into them (``adapters/salesforce/links.py``).

The adapter logs in with OAuth client credentials over real TLS sockets, on the emulator's manual
clock; its injected ``sleep`` advances that clock, so retries never wait for real.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from adapters.base.protocol import Cursor
from adapters.salesforce import SalesforceAdapter, SalesforceSettings
from adapters.salesforce.emulator import (
    Actor,
    ClientSpec,
    EmulatorOptions,
    FaultKind,
    Limits,
    ManualClock,
    Org,
    SalesforceEmulator,
    merge,
    seeded_org,
)
from adapters.salesforce.emulator.fields import number, text, typed
from adapters.salesforce.emulator.schema import FieldDef, FieldType, ObjectDef
from adapters.salesforce.emulator.timefmt import parse_datetime, sf_datetime
from adapters.salesforce.emulator.writes import delete, update
from rules.model import ObjectType, StageEntry
from tests.contract.crm_harness import APPLY, T0, CrmTask

LEAD_FIELDS = {
    "email": "Email",
    "company": "Company",
    "lifecycle": "Lifecycle_Stage__c",
    "lead_status": "Status",
    "owner_id": "OwnerId",
}
DEAL_FIELDS = {"name": "Name", "stage": "StageName", "amount": "Amount"}
SOBJECTS = {ObjectType.LEAD: "Lead", ObjectType.CONTACT: "Contact", ObjectType.DEAL: "Opportunity"}
PAGE = 200  # the smallest batchSize Salesforce honours (§3): small seeds still page
HIDDEN_FOR = 10 * 365 * 86_400.0  # a "late commit" that only reveal() ends
_PERSON_FIELDS = (
    number("Smarketing_Score__c", FieldType.DOUBLE, 3),
    FieldDef("Smarketing_Score_Explanation__c", FieldType.TEXTAREA, length=1_000),
    text("Smarketing_SLA_Status__c", 20),
    typed("Smarketing_SLA_Due__c", FieldType.DATETIME),
)
CONNECTOR_FIELDS: Mapping[str, tuple[FieldDef, ...]] = {
    "Lead": _PERSON_FIELDS,
    "Contact": _PERSON_FIELDS,
    "Task": (text("Smarketing_Key__c", 64), typed("Smarketing_Due__c", FieldType.DATETIME)),
}
"""The fields an admin creates for the connector (docs/salesforce.md; the adapter's defaults)."""


async def no_sleep(_: float) -> None:
    """The emulator's slow replies never wait in contract tests."""


class SalesforceFaults:
    """Faults through the emulator's injector, sessions and schema."""

    def __init__(self, emulator: SalesforceEmulator) -> None:
        self._emu = emulator

    def rate_limit_storm(self, count: int) -> None:
        # §10: Salesforce refuses bursts of long requests with 403 REQUEST_LIMIT_EXCEEDED, the
        # concurrent-request limit, never with 429.
        self._emu.faults.script(*[FaultKind.REQUEST_LIMIT] * count)

    def server_errors(self, count: int) -> None:
        kinds = (FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE)
        self._emu.faults.script(*(kinds[i % 2] for i in range(count)))

    def expire_token(self) -> None:
        """Every session dies and the External Client App is gone: logins are refused too."""
        auth = self._emu.runtime.auth
        auth.options = replace(auth.options, clients=())
        self._emu.expire_sessions()

    def revoke_read(self, object_type: ObjectType) -> str:
        """Hide the object from the run-as user, as a profile without Read does (§11)."""
        org, hidden = self._emu.org, SOBJECTS[object_type]
        visible = org.lookup

        def lookup(name: str) -> ObjectDef | None:
            return None if name.lower() == hidden.lower() else visible(name)

        org.lookup = lookup  # type: ignore[method-assign]
        return f"Read on {hidden}"


class SalesforceHarness:
    """The Salesforce emulator behind :class:`CrmHarness`.

    Args:
        server: The session's emulator; it is reset to a fresh org on the manual clock.
    """

    name = "salesforce"
    person_type = ObjectType.LEAD
    capabilities = frozenset({APPLY})

    def __init__(self, server: SalesforceEmulator) -> None:
        self.clock = ManualClock(T0)
        self.slept: list[float] = []
        self._emu = server
        self._options = EmulatorOptions(
            limits=Limits.unlimited(),
            now=self.clock.now,
            monotonic=self.clock.monotonic,
            sleep=no_sleep,
        )
        self._hidden: list[str] = []
        server.reset(self._options, Org(self._options.now, self._options.behaviour))

    @property
    def emulator(self) -> SalesforceEmulator:
        """The emulator, for Salesforce-only tests."""
        return self._emu

    @property
    def org(self) -> Org:
        """The org being served."""
        return self._emu.org

    @property
    def faults(self) -> SalesforceFaults:
        return SalesforceFaults(self._emu)

    def configure(self, **changes: Any) -> None:
        """Replace emulator options (limits, behaviour, clients), keeping the org's data."""
        self._options = replace(self._options, **changes)
        self._emu.reset(self._options, self._emu.org)

    def settings(self, **overrides: Any) -> SalesforceSettings:
        """Client-credentials settings against the emulator; ``overrides`` replace fields."""
        client = self._options.clients[0] if self._options.clients else ClientSpec()
        values: dict[str, Any] = {
            "instance_url": self._emu.instance_url,
            "auth": "client_credentials",
            "client_id": client.consumer_key,
            "client_secret": client.consumer_secret,
            "ca_bundle": self._emu.ca_bundle_path,
            "batch_size": PAGE,
            "sleep": self._sleep,
            "monotonic": self.clock.monotonic,
            "clock": self.clock.now,
        }
        return SalesforceSettings(**{**values, **overrides})

    def adapter(self, **overrides: Any) -> SalesforceAdapter:
        return SalesforceAdapter(self.settings(**overrides))

    def behave(self, **changes: Any) -> None:
        """Change the org's behaviour switches, now and in every org :meth:`seed_people` makes."""
        self._options = replace(
            self._options, behaviour=replace(self._options.behaviour, **changes)
        )
        with self.org.lock:
            self.org.behaviour = self._options.behaviour

    def seed_people(self, count: int, *, seed: int = 7, connector_fields: bool = True) -> list[str]:
        """A seeded org that also holds the connector's fields, as after an admin's setup
        (``connector_fields=False``: as before it, for ``ensure_schema`` to create them)."""
        org = seeded_org(
            seed, count, self.clock.now(), self._options, connector_fields=connector_fields
        )
        if connector_fields:
            add_connector_fields(org)
        self._emu.reset(self._options, org)
        return sorted(self.expected(ObjectType.LEAD))

    def expected(self, object_type: ObjectType) -> dict[str, dict[str, object]]:
        org = self.org
        with org.lock:
            rows = [
                r for r in org.tables[SOBJECTS[object_type]].rows.values() if not r["IsDeleted"]
            ]
            if object_type is ObjectType.DEAL:
                people = self._deal_people()
                return {r["Id"]: self._deal(r, people.get(r["Id"], ())) for r in rows}
            names = LEAD_FIELDS if object_type is ObjectType.LEAD else {"email": "Email"}
            return {
                r["Id"]: {key: r.get(name) for key, name in names.items()}
                for r in rows
                if not r.get("IsConverted")
            }

    def stage_histories(self) -> dict[str, tuple[StageEntry, ...]]:
        """What the org's OpportunityHistory says (§12), by live Opportunity: each run of rows
        with one ``StageName``, in ``CreatedDate`` then ``Id`` order, is a stay that the next run
        ends."""
        with self.org.lock:
            live = {i for i, r in self.org.tables["Opportunity"].rows.items() if not r["IsDeleted"]}
            rows = sorted(
                (r["OpportunityId"], parse_datetime(r["CreatedDate"]), r["Id"], r["StageName"])
                for r in self.org.tables["OpportunityHistory"].rows.values()
                if not r["IsDeleted"] and r["OpportunityId"] in live
            )
        found: dict[str, list[StageEntry]] = {key: [] for key in live}
        for opportunity, at, _, stage in rows:
            stays = found[opportunity]
            if stays and stays[-1].value == stage:
                continue
            if stays:
                stays[-1] = replace(stays[-1], exited_at=at)
            stays.append(StageEntry(stage, at))
        return {key: tuple(stays) for key, stays in found.items()}

    def _deal_people(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, set[str]] = {}
        for lead in self.org.tables["Lead"].rows.values():
            if (
                lead["IsConverted"]
                and lead["ConvertedOpportunityId"]
                and lead["ConvertedContactId"]
            ):
                found.setdefault(lead["ConvertedOpportunityId"], set()).add(
                    lead["ConvertedContactId"]
                )
        return {key: tuple(sorted(ids)) for key, ids in found.items()}

    @staticmethod
    def _deal(row: Mapping[str, Any], people: tuple[str, ...]) -> dict[str, object]:
        amount = row.get("Amount")
        return {
            "name": row.get("Name"),
            "stage": row.get("StageName"),
            "amount": None if amount is None else float(amount),
            "person_ids": people,
        }

    def touch_as_rep(
        self,
        record_id: str,
        changes: Mapping[str, str],
        *,
        object_type: ObjectType | None = None,
        visible: bool = True,
    ) -> None:
        deal = object_type is ObjectType.DEAL
        names = DEAL_FIELDS if deal else LEAD_FIELDS
        sobject = "Opportunity" if deal else SOBJECTS[object_type or self.person_type]
        body = {names.get(key, key): value for key, value in changes.items()}
        actor = Actor(late_seconds=None if visible else HIDDEN_FOR)
        with self.org.lock:
            update(self.org, sobject, record_id, body, actor)
        if not visible:
            self._hidden.append(record_id)

    def reveal(self) -> None:
        with self.org.lock:
            for table in self.org.tables.values():
                for record_id in self._hidden:
                    table.hidden.pop(record_id, None)
        self._hidden.clear()

    def set_modified(self, ids: Sequence[str], same_timestamp: datetime) -> None:
        stamp = sf_datetime(same_timestamp)
        table = self.org.tables["Lead"]
        with self.org.lock:
            for record_id in ids:
                row = table.rows[record_id]
                table.put({**row, "SystemModstamp": stamp, "LastModifiedDate": stamp})

    def archive(self, record_id: str) -> None:
        with self.org.lock:
            delete(self.org, SOBJECTS[self.person_type], record_id)

    def merge(self, loser: str, survivor: str) -> str:
        merge(self.org, SOBJECTS[self.person_type], survivor, [loser])
        return survivor

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def now(self) -> datetime:
        return self.clock.now()

    def unreadable_cursor(self) -> Cursor:
        return Cursor(datetime(1970, 1, 1, tzinfo=UTC), extra={"full_after": "x"})

    def crm_tasks(self, key: str | None = None) -> list[CrmTask]:
        key_field = self.settings().task_key_field
        with self.org.lock:
            tasks = [
                CrmTask(r["Id"], r.get(key_field), r.get("Subject") or "", bool(r["IsClosed"]))
                for r in self.org.tables["Task"].rows.values()
                if not r["IsDeleted"]
            ]
        return [t for t in tasks if key is None or t.key == key]

    def crm_values(self, record_id: str, props: Sequence[str]) -> dict[str, str | None]:
        """Our property names (``smarketing_score``) read from their Salesforce fields.

        Values are spelled as the shared tests expect (HubSpot's spelling): a whole number without
        ``.0`` (the emulator stores every Number as a float) and a datetime in UTC ending in ``Z``
        (Salesforce answers ``+0000``, §1).
        """
        names = dict(zip(OWNED_PROPERTIES, self.settings().owned_fields, strict=True))
        with self.org.lock:
            found = self.org.find(record_id)
            if found is None:
                raise KeyError(f"no record {record_id} in the org")
            table, row = found
            fields = {prop: names.get(prop, prop) for prop in props}
            return {
                prop: _spelled(row.get(name), table.obj.field(name))
                for prop, name in fields.items()
            }

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)


def add_connector_fields(org: Org) -> None:
    """Add the connector's fields the org lacks, as an admin does in Setup (tests that need the
    adapter to create them through the Tooling API seed without them instead).

    Only missing fields are added, so an org whose seed already defines them keeps its own.
    """
    with org.lock:
        for sobject, fields in CONNECTOR_FIELDS.items():
            for definition in fields:
                if org.object(sobject).field(definition.name) is None:
                    org.add_field(sobject, definition)


def _spelled(value: Any, definition: FieldDef | None) -> str | None:
    """A stored value as the shared tests spell it (see :meth:`SalesforceHarness.crm_values`)."""
    kind = None if definition is None else definition.type
    if value is None:
        return None
    if kind is FieldType.DATETIME:
        return parse_datetime(str(value)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


OWNED_PROPERTIES = (
    "smarketing_score",
    "smarketing_score_explanation",
    "smarketing_sla_status",
    "smarketing_sla_due",
)
"""Our person property names, in the order of ``SalesforceSettings.owned_fields``."""
