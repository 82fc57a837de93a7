"""The write-back contract, run against every CRM's emulator: exactly once, one outcome each.

The adapter sends exactly the actions it is given, batched; partial failures keep what succeeded;
faults change retries, not the final state; a task exists once per key across lost answers and a
lost local store; fatal errors raise, record errors become outcomes (failure-modes R1, R3, R9,
F02, F18, F20, F26, F29). What the shared harness cannot express yet (losing a write's answer,
index lag on new tasks, counting writes) lives in :class:`ApplyExtras`, one per CRM.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any, Protocol

import pytest

from adapters.base.errors import AuthError, MissingScopesError
from adapters.base.protocol import (
    Action,
    ActionOutcome,
    CrmAdapter,
    OutcomeStatus,
    PropertySpec,
    PropertyType,
    PropertyUpdate,
    TaskClose,
    TaskCreate,
)
from adapters.hubspot.emulator import Behaviour, FaultKind, Faults, RateLimits
from adapters.hubspot.emulator import ObjectType as HsObject
from adapters.hubspot.emulator.errors import validation
from adapters.hubspot.emulator.faults import FaultInjector
from adapters.hubspot.emulator.schema import PropertyDef, PropertyGroup, PropertyRegistry
from adapters.hubspot.emulator.writes import archive
from adapters.salesforce.emulator import FaultKind as SfFault
from adapters.salesforce.emulator import Faults as SfFaults
from adapters.salesforce.emulator import Limits as SfLimits
from adapters.salesforce.emulator.errors import SalesforceError
from adapters.salesforce.emulator.faults import FaultInjector as SfInjector
from adapters.salesforce.emulator.faults import Traits
from adapters.salesforce.emulator.writes import delete as sf_delete
from tests.contract.crm_harness import CrmHarness, HubSpotHarness
from tests.contract.salesforce_harness import SalesforceHarness

pytest_plugins = ["tests.contract.conftest_crm"]

DONE, RETRY, REJECTED = OutcomeStatus.DONE, OutcomeStatus.RETRY_LATER, OutcomeStatus.REJECTED
OWNED = ("smarketing_score", "smarketing_sla_status", "smarketing_sla_due")
DUE = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def specs(crm: CrmHarness) -> list[PropertySpec]:
    person = crm.person_type
    return [
        PropertySpec(person, "smarketing_score", "Smarketing score", PropertyType.NUMBER),
        PropertySpec(person, "smarketing_score_explanation", "Why", PropertyType.STRING),
        PropertySpec(person, "smarketing_sla_status", "SLA status", PropertyType.STRING),
        PropertySpec(person, "smarketing_sla_due", "SLA due", PropertyType.DATETIME),
    ]


def ready(crm: CrmHarness, people: int) -> tuple[CrmAdapter, list[str]]:
    """Seeded people and the properties the connector writes."""
    ids = crm.seed_people(people)
    adapter = crm.adapter()
    adapter.ensure_schema(specs(crm))
    return adapter, ids


def updates(crm: CrmHarness, ids: Sequence[str], score: int = 70) -> list[Action]:
    return [
        PropertyUpdate(f"p-{record_id}-{name}", crm.person_type, record_id, name, value)
        for record_id in ids
        for name, value in (
            ("smarketing_score", str(score)),
            ("smarketing_sla_status", "overdue"),
            ("smarketing_sla_due", "2026-03-09T15:00:00+00:00"),
        )
    ]


def task(crm: CrmHarness, record_id: str, number: int = 0) -> TaskCreate:
    """Task ``number`` of a record, keyed like the connector's keys (36 characters).

    Ids are numbers in HubSpot and 18 characters in Salesforce: the key's number comes from a
    hash of the id, so every CRM's ids give distinct, stable keys.
    """
    record = int.from_bytes(hashlib.sha256(record_id.encode()).digest()[:12], "big")
    key = f"smk-{record * 1000 + number:032x}"
    return TaskCreate(key, crm.person_type, record_id, "mql-first-touch", None, DUE, f"Call {key}")


def statuses(outcomes: Sequence[ActionOutcome]) -> list[OutcomeStatus]:
    return [outcome.status for outcome in outcomes]


def until_settled(adapter: CrmAdapter, actions: Sequence[Action], rounds: int = 6) -> None:
    """Apply, then re-apply what is left for later, as the outbox does in later cycles."""
    pending = list(actions)
    for _ in range(rounds):
        outcomes = adapter.apply(pending)
        assert len(outcomes) == len(pending)
        pending = [a for a, o in zip(pending, outcomes, strict=True) if o.status is RETRY]
        if not pending:
            return
    pytest.fail(f"{len(pending)} actions still pending after {rounds} rounds")


Snapshot = tuple[dict[str, dict[str, str | None]], list[tuple[str, str, bool]]]


def snapshot(crm: CrmHarness, ids: Sequence[str]) -> Snapshot:
    values = {record_id: crm.crm_values(record_id, OWNED) for record_id in ids}
    tasks = sorted((t.key, t.subject, t.completed) for t in crm.crm_tasks() if t.key)
    return values, tasks


@pytest.fixture(autouse=True)
def extras(crm: CrmHarness) -> ApplyExtras:
    """The CRM's extras, for every test: making them also puts the CRM in the suite's shape."""
    return EXTRAS[crm.name](crm)


@pytest.mark.parametrize("people", [1, 100, 150, 250])
def test_updates_cost_one_call_per_batch_of_records(
    crm: CrmHarness, extras: ApplyExtras, people: int
) -> None:
    adapter, ids = ready(crm, people)
    actions = updates(crm, ids)
    before = extras.write_calls()

    outcomes = adapter.apply(actions)

    assert statuses(outcomes) == [DONE] * len(actions)
    assert [o.key for o in outcomes] == [a.key for a in actions]
    assert extras.write_calls() - before == math.ceil(len(ids) / extras.batch_size)
    assert crm.crm_values(ids[-1], OWNED) == {
        "smarketing_score": "70",
        "smarketing_sla_status": "overdue",
        "smarketing_sla_due": "2026-03-09T15:00:00.000Z",
    }


@pytest.mark.parametrize(("transient", "expected"), [(True, RETRY), (False, REJECTED)])
def test_a_partial_failure_keeps_what_succeeded_and_resends_only_the_rest(
    crm: CrmHarness, extras: ApplyExtras, transient: bool, expected: OutcomeStatus
) -> None:
    adapter, ids = ready(crm, 40)
    actions = [a for a in updates(crm, ids) if isinstance(a, PropertyUpdate)]
    actions = [a for a in actions if a.property == "smarketing_score"]
    extras.fail_part_of_next_write(0.25, transient=transient)
    before = extras.write_calls()

    outcomes = adapter.apply(actions)

    failed = [a for a, o in zip(actions, outcomes, strict=True) if o.status is not DONE]
    assert 0 < len(failed) < len(actions)
    assert {o.status for o in outcomes if o.status is not DONE} == {expected}
    assert all(
        o.reason and a.record_id in o.reason
        for a, o in zip(actions, outcomes, strict=True)
        if o.status is not DONE
    )
    assert extras.write_calls() - before == 1  # what succeeded was not sent again
    done = [a.record_id for a, o in zip(actions, outcomes, strict=True) if o.status is DONE]
    assert {crm.crm_values(i, OWNED)["smarketing_score"] for i in done} == {"70"}
    assert {crm.crm_values(a.record_id, OWNED)["smarketing_score"] for a in failed} == {None}

    again = adapter.apply(failed)

    assert statuses(again) == [DONE] * len(failed)
    assert extras.write_calls() - before == 2
    assert {crm.crm_values(i, OWNED)["smarketing_score"] for i in ids} == {"70"}


def test_a_record_that_is_gone_is_rejected_by_name_and_the_rest_applied(crm: CrmHarness) -> None:
    adapter, ids = ready(crm, 10)
    crm.archive(ids[3])

    outcomes = adapter.apply(updates(crm, ids))

    by_record = {(o.key.split("-")[1], o.status) for o in outcomes}
    assert {status for record, status in by_record if record == ids[3]} == {REJECTED}
    assert {status for record, status in by_record if record != ids[3]} == {DONE}
    rejected = [o for o in outcomes if o.status is REJECTED]
    assert all(ids[3] in (o.reason or "") and "smarketing_" in (o.reason or "") for o in rejected)


def test_writes_to_records_that_are_all_gone_are_rejected_without_splitting(
    crm: CrmHarness, extras: ApplyExtras
) -> None:
    adapter, ids = ready(crm, 6)
    made = adapter.apply([task(crm, record_id) for record_id in ids[:4]])
    for record_id in ids:
        crm.archive(record_id)
    for outcome in made:
        extras.delete_task(str(outcome.crm_id))
    closes = [
        TaskClose(o.key, crm.person_type, i, "r", crm_task_id=o.crm_id)
        for i, o in zip(ids, made, strict=False)
    ]
    before = extras.write_calls()

    outcomes = adapter.apply([*updates(crm, ids), *closes])

    assert statuses(outcomes) == [REJECTED] * 3 * len(ids) + [DONE] * len(closes)
    assert extras.write_calls() - before == 2  # one refused update per object type, no halving


def test_writes_wait_when_the_daily_allocation_runs_low(
    crm: CrmHarness, extras: ApplyExtras
) -> None:
    adapter, ids = ready(crm, 2)
    extras.use_daily_allocation(0.9)
    first = adapter.apply(updates(crm, ids[:1]))  # its answer tells the adapter the usage
    before = extras.write_calls()

    later = adapter.apply(updates(crm, ids[1:]))

    assert statuses(first) == [DONE] * 3
    assert statuses(later) == [RETRY] * 3
    assert all("daily" in (o.reason or "") for o in later)
    assert extras.write_calls() == before


def test_an_invalid_value_is_rejected_without_a_call(crm: CrmHarness, extras: ApplyExtras) -> None:
    adapter, ids = ready(crm, 1)
    before = extras.write_calls()
    bad = [
        PropertyUpdate("k1", crm.person_type, ids[0], "smarketing_score", "seventy"),
        PropertyUpdate("k2", crm.person_type, ids[0], "smarketing_sla_due", "2026-03-09 15:00"),
    ]

    outcomes = adapter.apply(bad)

    assert statuses(outcomes) == [REJECTED, REJECTED]
    assert "smarketing_score" in (outcomes[0].reason or "")
    assert "smarketing_sla_due" in (outcomes[1].reason or "")
    assert extras.write_calls() == before


@pytest.mark.parametrize("fault", ["rate_limit_storm", "server_errors", "lost_answers"])
def test_faults_during_apply_reach_the_fault_free_state(
    crm: CrmHarness, extras: ApplyExtras, fault: str
) -> None:
    def run(inject: bool) -> Snapshot:
        adapter, ids = ready(crm, 30)
        creates = [task(crm, record_id) for record_id in ids[:5]]
        close = TaskClose(creates[0].key, crm.person_type, ids[0], "mql-first-touch")
        for step in (updates(crm, ids), creates, [*creates, *updates(crm, ids, 80)], [close]):
            if inject:
                inject_fault(crm, extras, fault)
            until_settled(adapter, step)
        return snapshot(crm, ids)

    expected = run(inject=False)
    assert run(inject=True) == expected
    assert all(len(crm.crm_tasks(key)) == 1 for key, _, _ in expected[1])


def inject_fault(crm: CrmHarness, extras: ApplyExtras, fault: str) -> None:
    if fault == "rate_limit_storm":
        crm.faults.rate_limit_storm(9)  # longer than one call's retry budget: later rounds finish
    elif fault == "server_errors":
        crm.faults.server_errors(7)
    else:
        extras.lose_next_write_answers(3)


@pytest.mark.parametrize("lag", [0.0, 120.0])
@pytest.mark.parametrize("key_field", ["unique", "plain", "uniqueness refused"])
def test_a_lost_answer_to_a_create_leaves_one_task_per_key(
    crm: CrmHarness, extras: ApplyExtras, lag: float, key_field: str
) -> None:
    ids = crm.seed_people(3)
    if key_field == "plain":
        extras.plain_task_key()
    elif key_field == "uniqueness refused":
        extras.refuse_unique_task_keys()
    adapter = crm.adapter()
    created = adapter.ensure_schema(specs(crm))
    assert ("smarketing_task_key" in created) is (extras.unique_task_keys and key_field != "plain")
    extras.index_lag(lag)
    creates = [task(crm, record_id) for record_id in ids]
    extras.lose_next_write_answers(1)

    outcomes = adapter.apply(creates)

    assert statuses(outcomes) == [DONE] * 3
    for create, outcome in zip(creates, outcomes, strict=True):
        found = crm.crm_tasks(create.key)
        assert [t.id for t in found] == [outcome.crm_id]


@pytest.mark.parametrize(("lag", "unique_key"), [(0.0, False), (0.0, True), (120.0, True)])
def test_a_lost_local_store_finds_the_task_by_key(
    crm: CrmHarness, extras: ApplyExtras, lag: float, unique_key: bool
) -> None:
    ids = crm.seed_people(2)
    if not unique_key:
        extras.plain_task_key()
    crm.adapter().ensure_schema(specs(crm))
    extras.index_lag(lag)
    create = task(crm, ids[0])
    first = crm.adapter().apply([create])

    second = crm.adapter().apply([create])  # a new process that remembers nothing

    assert statuses(first + second) == [DONE, DONE]
    assert first[0].crm_id == second[0].crm_id
    assert len(crm.crm_tasks(create.key)) == 1


def test_tasks_are_closed_once_and_closing_again_is_fine(
    crm: CrmHarness, extras: ApplyExtras
) -> None:
    adapter, ids = ready(crm, 3)
    made = adapter.apply([task(crm, i) for i in ids])
    keys = [task(crm, i).key for i in ids]
    extras.delete_task(str(made[2].crm_id))
    by_key = TaskClose(keys[0], crm.person_type, ids[0], "mql-first-touch")
    by_id = TaskClose(keys[1], crm.person_type, ids[1], "r", crm_task_id=made[1].crm_id)
    gone = TaskClose(keys[2], crm.person_type, ids[2], "r", crm_task_id=made[2].crm_id)
    never = TaskClose("smk-" + "f" * 32, crm.person_type, ids[0], "mql-first-touch")

    first = adapter.apply([by_key, by_id, gone, never])
    second = crm.adapter().apply([by_key, by_id])

    assert statuses(first) == [DONE] * 4
    assert statuses(second) == [DONE] * 2
    assert [t.completed for t in crm.crm_tasks(keys[0]) + crm.crm_tasks(keys[1])] == [True, True]
    assert crm.crm_tasks(keys[2]) == []


def test_an_expired_token_raises(crm: CrmHarness) -> None:
    adapter, ids = ready(crm, 2)
    crm.faults.expire_token()
    with pytest.raises(AuthError):
        adapter.apply(updates(crm, ids))


def test_missing_scopes_raise_naming_the_scope(crm: CrmHarness) -> None:
    adapter, ids = ready(crm, 2)
    scope = crm.faults.revoke_read(crm.person_type)
    with pytest.raises(MissingScopesError) as raised:
        adapter.apply([task(crm, ids[0])])
    assert scope in raised.value.scopes


def test_reasons_name_what_failed_and_never_the_token(crm: CrmHarness, extras: ApplyExtras) -> None:
    adapter, ids = ready(crm, 4)
    crm.archive(ids[1])
    actions = [*updates(crm, ids), task(crm, ids[1])]

    outcomes = adapter.apply(actions)

    reasons = [o.reason or "" for o in outcomes if o.status is not DONE]
    assert reasons
    assert all(ids[1] in reason for reason in reasons)
    assert not any(extras.token in reason for reason in reasons)


def test_enrich_reads_status_history_and_activities_but_not_our_tasks(
    crm: CrmHarness, extras: ApplyExtras
) -> None:
    adapter, _ = ready(crm, 60)
    pulled = adapter.pull(crm.person_type, None, started_at=crm.now())
    people = [person for batch in pulled for person in batch.people]
    before = {p.id: p for p in adapter.enrich(crm.person_type, people)}
    active = next(p for p in before.values() if p.activities)
    adapter.apply([task(crm, active.id)])

    calls = extras.calls()
    after = {p.id: p for p in adapter.enrich(crm.person_type, people)}
    tasks = sum(len(p.activities) for p in before.values()) + 1
    assert extras.calls() - calls <= extras.enrich_call_budget(len(people), tasks)

    assert [p.id for p in after.values()] == [p.id for p in people]
    assert after[active.id].activities == active.activities
    assert all(a.owner_id for a in active.activities)
    with_status = [p for p in after.values() if p.lead_status]
    assert with_status
    for person in with_status:
        history = person.status_history
        assert [h.entered_at for h in history] == sorted(h.entered_at for h in history)
        assert history[-1].value == person.lead_status
        assert history[-1].exited_at is None
        assert all(h.exited_at == n.entered_at for h, n in pairwise(history) if h.exited_at)


def test_ensure_schema_twice_creates_once(crm: CrmHarness) -> None:
    crm.seed_people(1)
    adapter = crm.adapter()

    first = adapter.ensure_schema(specs(crm))
    second = crm.adapter().ensure_schema(specs(crm))

    assert {s.name for s in specs(crm)} <= set(first)
    assert second == ()


def test_check_names_a_missing_property_and_a_missing_scope(crm: CrmHarness) -> None:
    crm.seed_people(1)
    missing = crm.adapter().check()
    assert any("smarketing_score" in p and "setup" in p for p in missing.problems)

    crm.adapter().ensure_schema(specs(crm))
    assert crm.adapter().check().ok
    scope = crm.faults.revoke_read(crm.person_type)
    refused = crm.adapter().check()
    assert any(scope in problem for problem in refused.problems)


def test_check_reports_a_refused_token(crm: CrmHarness) -> None:
    crm.seed_people(1)
    crm.faults.expire_token()
    report = crm.adapter().check()
    assert not report.ok
    assert any("refused" in problem for problem in report.problems)


def test_a_due_date_in_another_zone_is_written_as_the_same_instant(crm: CrmHarness) -> None:
    adapter, ids = ready(crm, 1)
    paris = datetime(2026, 3, 9, 18, 0, tzinfo=timezone(timedelta(hours=1))).isoformat()

    outcomes = adapter.apply(
        [PropertyUpdate("k", crm.person_type, ids[0], "smarketing_sla_due", paris)]
    )

    assert statuses(outcomes) == [DONE]
    assert crm.crm_values(ids[0], OWNED)["smarketing_sla_due"] == "2026-03-09T17:00:00.000Z"


# CRM-specific helpers the shared harness does not offer (yet): one implementation per CRM.


class ApplyExtras(Protocol):
    """Faults and probes of write-back tests, beyond :class:`CrmHarness`."""

    token: str
    batch_size: int
    """Records per batch write (HubSpot 100, hubspot-api.md §3; Salesforce 200, §5)."""
    unique_task_keys: bool
    """Whether setup makes the task key unique (HubSpot); Task keys stay plain in Salesforce."""

    def write_calls(self) -> int:
        """Batch writes of records the CRM answered since its last reset."""
        ...

    def calls(self) -> int:
        """Requests of any kind the CRM answered since its last reset."""
        ...

    def enrich_call_budget(self, people: int, tasks: int) -> int:
        """The calls enriching ``people`` with ``tasks`` associated tasks may cost at most."""
        ...

    def use_daily_allocation(self, share: float) -> None:
        """The account has used ``share`` of its daily API allocation (other apps' calls)."""
        ...

    def fail_part_of_next_write(self, fraction: float, *, transient: bool) -> None:
        """The next batch write fails for ``fraction`` of its inputs (a 207, F18)."""
        ...

    def lose_next_write_answers(self, count: int) -> None:
        """The next ``count`` writes are applied, but their answers are lost (F20)."""
        ...

    def index_lag(self, seconds: float) -> None:
        """Records changed in the last ``seconds`` are invisible to search (§4)."""
        ...

    def plain_task_key(self) -> None:
        """Define the task key field without a uniqueness constraint, as setup falls back to."""
        ...

    def refuse_unique_task_keys(self) -> None:
        """The CRM refuses a uniqueness constraint on the task key field (UNCONFIRMED, §3)."""
        ...

    def delete_task(self, task_id: str) -> None:
        """A rep deletes a task."""
        ...


class _OnNextWrites(FaultInjector):
    """The emulator's injector, with faults for the next writes only (not the lookups before)."""

    def __init__(self, faults: Faults, kinds: Sequence[FaultKind]) -> None:
        super().__init__(faults)
        self.pending = deque(kinds)

    def draw(self, write: bool, batch: bool) -> FaultKind | None:
        if write and self.pending:
            kind = self.pending.popleft()
            self.injected.append(kind)
            return kind
        return super().draw(write, batch)


class _NoUniqueRegistry(PropertyRegistry):
    """Task properties of a portal that refuses unique values on tasks."""

    def create(self, body: Mapping[str, Any], now_ms: int) -> PropertyDef:
        if body.get("hasUniqueValue"):
            raise validation("Unique values are not supported on this object type.")
        return super().create(body, now_ms)


class HubSpotApplyExtras:
    """:class:`ApplyExtras` on the HubSpot emulator."""

    def __init__(self, harness: CrmHarness) -> None:
        assert isinstance(harness, HubSpotHarness)
        self.harness = harness
        self.emulator = harness.emulator
        self.token = harness.emulator.token
        self.batch_size = 100
        self.unique_task_keys = True

    def write_calls(self) -> int:
        return sum(
            1
            for method, path, _ in self.emulator.runtime.log
            if method == "POST" and "/objects/" in path and path.endswith(("update", "create"))
        )

    def calls(self) -> int:
        return len(self.emulator.runtime.log)

    def enrich_call_budget(self, people: int, tasks: int) -> int:
        # history reads (50 per call), association reads (1,000), task reads (100): §3, §9
        return math.ceil(people / 50) + math.ceil(people / 1000) + math.ceil(tasks / 100)

    def use_daily_allocation(self, share: float) -> None:
        daily = 1_000
        self.harness.configure(limits=RateLimits(burst=None, daily=daily, search_per_second=None))
        limiter = self.emulator.runtime.limiter
        limiter.admit(search=False, request_id="other-app")  # opens the day
        limiter.daily_used = int(share * daily)

    def fail_part_of_next_write(self, fraction: float, *, transient: bool) -> None:
        category = "RATE_LIMITS" if transient else "VALIDATION_ERROR"
        self.harness.configure(faults=Faults(partial_fraction=fraction, partial_category=category))
        self._on_next_writes([FaultKind.PARTIAL_BATCH])

    def lose_next_write_answers(self, count: int) -> None:
        self._on_next_writes([FaultKind.LOST_RESPONSE] * count)

    def index_lag(self, seconds: float) -> None:
        self.harness.configure(behaviour=Behaviour(search_index_lag_seconds=seconds))

    def plain_task_key(self) -> None:
        portal = self.emulator.state
        with portal.lock:
            registry = portal.registries[HsObject.TASKS]
            registry.groups.setdefault("smarketing", PropertyGroup("smarketing", "Smarketing"))
            body = {"name": "smarketing_task_key", "label": "Key", "type": "string"}
            registry.create({**body, "fieldType": "text", "groupName": "smarketing"}, 0)

    def refuse_unique_task_keys(self) -> None:
        portal = self.emulator.state
        with portal.lock:
            current = portal.registries[HsObject.TASKS]
            portal.registries[HsObject.TASKS] = _NoUniqueRegistry(
                current.properties, current.groups
            )

    def delete_task(self, task_id: str) -> None:
        portal = self.emulator.state
        archive(portal, HsObject.TASKS, portal.record(HsObject.TASKS, int(task_id)))

    def _on_next_writes(self, kinds: Sequence[FaultKind]) -> None:
        runtime = self.emulator.runtime
        runtime.faults = _OnNextWrites(runtime.options.faults, kinds)


# Salesforce: the emulator behind the same probes (salesforce-api.md §5, §10, §18.7).

_SF_COLLECTIONS = "/composite/sobjects"
_SF_QUERY_IDS = 250
"""18-character ids one packed SOQL ``IN`` list holds, rounded down (adapters/salesforce/enrich)."""


class _SfOnNextWrites(SfInjector):
    """The emulator's injector, with faults for the next writes only (not the lookups before).

    A partial failure (``LOCK_RECORDS``) fails its records with ``UNABLE_TO_LOCK_ROW``, or, when
    ``permanent``, with a validation rule's ``FIELD_CUSTOM_VALIDATION_EXCEPTION`` (§11).
    """

    def __init__(self, kinds: Sequence[SfFault], fraction: float, *, permanent: bool) -> None:
        super().__init__(SfFaults(lock_fraction=fraction))
        self.pending = deque(kinds)
        self.permanent = permanent

    def draw(self, traits: Traits) -> SfFault | None:
        if traits.write and self.pending:
            kind = self.pending.popleft()
            self.injected.append(kind)
            return kind
        return super().draw(traits)

    def lock_error(self, record_id: str | None) -> SalesforceError:
        if self.permanent:
            message = "The score of this lead is under review."
            return SalesforceError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", message, [])
        return super().lock_error(record_id)


class SalesforceApplyExtras:
    """:class:`ApplyExtras` on the Salesforce emulator.

    SOQL reads committed rows at once (§3), so there is no index lag to simulate, and the task key
    field is always a plain text field: Task may refuse External ID and Unique (§0.4, §4).

    The org's disqualification rule (a reason is required when a Lead is ``Unqualified``, §11) is
    off: seeded orgs hold disqualified Leads without a reason, which Salesforce would rightly
    refuse to update, and the shared tests write to any seeded person. The rule has its own tests
    in ``test_adapter_apply_salesforce.py``.
    """

    token = "!AQ.emulator."
    """The secret part of every session id the emulator issues (what a reason must never show)."""
    batch_size = 200
    unique_task_keys = False

    def __init__(self, harness: CrmHarness) -> None:
        assert isinstance(harness, SalesforceHarness)
        self.harness = harness
        self.emulator = harness.emulator
        harness.behave(validation_rule=False)

    def write_calls(self) -> int:
        return sum(
            1
            for m, p, _ in self.emulator.runtime.log
            if m in ("POST", "PATCH") and p.endswith(_SF_COLLECTIONS)
        )

    def calls(self) -> int:
        return sum(1 for _, p, _ in self.emulator.runtime.log if p.startswith("/services/data/v"))

    def enrich_call_budget(self, people: int, tasks: int) -> int:
        # one LeadHistory and one Task query per packed id list, one call per 2,000 more rows (§3)
        return 2 * math.ceil(people / _SF_QUERY_IDS) + math.ceil(tasks / 2_000)

    def use_daily_allocation(self, share: float) -> None:
        daily = 1_000
        self.harness.configure(limits=SfLimits(daily_api_requests=daily))
        now = self.harness.now()
        self.emulator.runtime.limiter._calls.extend([now] * int(share * daily))

    def fail_part_of_next_write(self, fraction: float, *, transient: bool) -> None:
        kinds = [SfFault.LOCK_RECORDS]
        self.emulator.runtime.faults = _SfOnNextWrites(kinds, fraction, permanent=not transient)

    def lose_next_write_answers(self, count: int) -> None:
        kinds = [SfFault.LOST_RESPONSE] * count
        self.emulator.runtime.faults = _SfOnNextWrites(kinds, 0.2, permanent=False)

    def index_lag(self, seconds: float) -> None:
        """Nothing to do: SOQL sees committed rows at once (§3)."""

    def plain_task_key(self) -> None:
        """Nothing to do: the Task key field is always plain text (§4)."""

    def refuse_unique_task_keys(self) -> None:
        """Nothing to do: the emulator always refuses Unique on Task fields (§18.5)."""

    def delete_task(self, task_id: str) -> None:
        org = self.harness.org
        with org.lock:
            sf_delete(org, "Task", task_id)


EXTRAS: Mapping[str, Callable[[CrmHarness], ApplyExtras]] = {
    "hubspot": HubSpotApplyExtras,
    "salesforce": SalesforceApplyExtras,
}
"""Each CRM's extras; a CRM missing here lacks the ``apply`` capability (``conftest_crm``)."""
