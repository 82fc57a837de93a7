"""Write-back scenarios only Salesforce has, against its emulator over real TLS sockets.

sObject Collections (200 per call, per-record SaveResults), the org's validation rule, Task keys
that cannot be External IDs, the daily allocation's 403, LeadHistory, describe-based checks
(salesforce-api.md §4, §5, §7, §10-§12; failure-modes R1, R3, R6, F02, F19, F20, F22, F25).
The CRM-neutral contract is ``test_adapter_apply.py``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.base.errors import ConfigurationError
from adapters.base.protocol import (
    Action,
    ActionOutcome,
    OutcomeStatus,
    PropertySpec,
    PropertyType,
    PropertyUpdate,
    TaskClose,
    TaskCreate,
)
from adapters.salesforce.apply import apply_actions
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.emulator import (
    Behaviour,
    FaultKind,
    Faults,
    Limits,
    Org,
    SalesforceEmulator,
    convert_lead,
    writes,
)
from adapters.salesforce.emulator.faults import FaultInjector, Traits
from adapters.salesforce.emulator.fields import number, text, typed
from adapters.salesforce.emulator.schema import FieldType
from adapters.salesforce.enrich import enrich_people
from adapters.salesforce.fields_setup import ensure_fields
from adapters.salesforce.schema import check_org
from rules.model import ObjectType, Person
from tests.contract.salesforce_harness import SalesforceHarness

pytest_plugins = ["tests.contract.conftest_crm"]

DONE, RETRY, REJECTED = OutcomeStatus.DONE, OutcomeStatus.RETRY_LATER, OutcomeStatus.REJECTED
LEAD = ObjectType.LEAD
DUE = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
COLLECTIONS = "/composite/sobjects"
OPEN = "Open - Not Contacted"
PERSON_SPECS = [
    PropertySpec(LEAD, "smarketing_score", "Score", PropertyType.NUMBER),
    PropertySpec(LEAD, "smarketing_score_explanation", "Why", PropertyType.STRING, max_length=1000),
    PropertySpec(LEAD, "smarketing_sla_status", "SLA status", PropertyType.STRING),
    PropertySpec(LEAD, "smarketing_sla_due", "SLA due", PropertyType.DATETIME),
]
OUR_FIELDS = {
    "Smarketing_Score__c": number("Smarketing_Score__c", FieldType.DOUBLE, 3),
    "Smarketing_Score_Explanation__c": typed("Smarketing_Score_Explanation__c", FieldType.TEXTAREA),
    "Smarketing_SLA_Status__c": text("Smarketing_SLA_Status__c", 20),
    "Smarketing_SLA_Due__c": typed("Smarketing_SLA_Due__c", FieldType.DATETIME),
}
TASK_FIELDS = {
    "Smarketing_Key__c": text("Smarketing_Key__c", 64),
    "Smarketing_Due__c": typed("Smarketing_Due__c", FieldType.DATETIME),
}


@pytest.fixture
def sf(salesforce_server: SalesforceEmulator) -> SalesforceHarness:
    """A fresh org on the session's emulator (each harness resets it)."""
    return SalesforceHarness(salesforce_server)


def add_fields(org: Org, *, skip: Sequence[str] = ()) -> None:
    """What an admin creates in Setup, but ``skip``."""
    with org.lock:
        for sobject, fields in (
            ("Lead", OUR_FIELDS),
            ("Contact", OUR_FIELDS),
            ("Task", TASK_FIELDS),
        ):
            for name, definition in fields.items():
                if name not in skip and org.object(sobject).field(name) is None:
                    org.add_field(sobject, definition)


def leads(sf: SalesforceHarness, count: int, skip: Sequence[str] = ()) -> list[str]:
    """``count`` plain Leads in the org, which gets our fields but those in ``skip``."""
    org = sf.org
    add_fields(org, skip=skip)
    with org.lock:
        rows = [
            org.insert_raw("Lead", {"LastName": f"Lead {i}", "Company": "Acme", "Status": OPEN})
            for i in range(count)
        ]
    return [str(row["Id"]) for row in rows]


def client(sf: SalesforceHarness) -> SalesforceClient:
    """A client that remembers nothing: what a new adapter instance or process starts with."""
    return SalesforceClient(sf.settings())


def apply(
    sf: SalesforceHarness, actions: Sequence[Action], on: SalesforceClient | None = None
) -> list[ActionOutcome]:
    return apply_actions(on or client(sf), sf.settings(), actions)


def scores(ids: Sequence[str], score: int = 70) -> list[Action]:
    return [PropertyUpdate(f"p-{i}", LEAD, i, "smarketing_score", str(score)) for i in ids]


def task(record_id: str, number: int = 0, owner: str | None = None) -> TaskCreate:
    key = f"smk-{record_id[-8:].lower()}{number:024x}"
    return TaskCreate(key, LEAD, record_id, "mql-first-touch", owner, DUE, f"Call {key}")


def statuses(outcomes: Sequence[ActionOutcome]) -> list[OutcomeStatus]:
    return [outcome.status for outcome in outcomes]


def calls(sf: SalesforceHarness, method: str, path: str, status: int = 200) -> int:
    """Requests the emulator answered with ``status`` since its last reset."""
    log = sf.emulator.runtime.log
    return sum(1 for m, p, s in log if m == method and p.rstrip("/").endswith(path) and s == status)


def metered(sf: SalesforceHarness) -> int:
    """Requests under ``/services/data/vXX.X/`` (the login is not metered, §10)."""
    return sum(1 for _, path, _ in sf.emulator.runtime.log if path.startswith("/services/data/v"))


def field(sf: SalesforceHarness, record_id: str, name: str) -> Any:
    found = sf.org.find(record_id)
    assert found is not None
    return found[1].get(name)


def tasks_with(sf: SalesforceHarness, key: str) -> list[dict[str, Any]]:
    rows = sf.org.tables["Task"].rows.values()
    return [r for r in rows if r.get("Smarketing_Key__c") == key and not r["IsDeleted"]]


class OnNextWrites(FaultInjector):
    """The emulator's injector, with faults for the next writes only (not the lookups before)."""

    def __init__(self, faults: Faults, kinds: Sequence[FaultKind]) -> None:
        super().__init__(faults)
        self.pending = deque(kinds)

    def draw(self, traits: Traits) -> FaultKind | None:
        if traits.write and self.pending:
            kind = self.pending.popleft()
            self.injected.append(kind)
            return kind
        return super().draw(traits)


def on_next_writes(sf: SalesforceHarness, *kinds: FaultKind, lock_fraction: float = 0.2) -> None:
    sf.emulator.runtime.faults = OnNextWrites(Faults(lock_fraction=lock_fraction), kinds)


# --- field updates ------------------------------------------------------------------------


@pytest.mark.parametrize("records", [1, 200, 201, 450])
def test_updates_cost_one_collection_call_per_200_records(
    sf: SalesforceHarness, records: int
) -> None:
    ids = leads(sf, records)
    actions = [
        *scores(ids),
        *(
            PropertyUpdate(f"s-{i}", LEAD, i, "smarketing_sla_due", "2026-03-09T16:00:00+01:00")
            for i in ids
        ),
    ]

    outcomes = apply(sf, actions)

    assert statuses(outcomes) == [DONE] * len(actions)
    assert [o.key for o in outcomes] == [a.key for a in actions]
    assert calls(sf, "PATCH", COLLECTIONS) == math.ceil(records / 200)
    assert field(sf, ids[-1], "Smarketing_Score__c") == 70
    assert field(sf, ids[-1], "Smarketing_SLA_Due__c") == "2026-03-09T15:00:00.000+0000"


def test_leads_and_contacts_share_collection_calls(sf: SalesforceHarness) -> None:
    lead_ids = leads(sf, 150)
    with sf.org.lock:
        contact_ids = [
            str(sf.org.insert_raw("Contact", {"LastName": f"C {i}"})["Id"]) for i in range(100)
        ]
    contact_scores = [
        PropertyUpdate(f"c-{i}", ObjectType.CONTACT, i, "smarketing_score", "55")
        for i in contact_ids
    ]

    outcomes = apply(sf, [*contact_scores, *scores(lead_ids)])

    assert set(statuses(outcomes)) == {DONE}
    assert calls(sf, "PATCH", COLLECTIONS) == 2  # 250 records of two types, 200 per call (§5)
    assert {field(sf, i, "Smarketing_Score__c") for i in contact_ids} == {55}


def test_an_empty_value_clears_the_field(sf: SalesforceHarness) -> None:
    (lead,) = leads(sf, 1)
    apply(sf, [PropertyUpdate("a", LEAD, lead, "smarketing_sla_status", "overdue")])

    outcomes = apply(sf, [PropertyUpdate("b", LEAD, lead, "smarketing_sla_status", "")])

    assert statuses(outcomes) == [DONE]
    assert field(sf, lead, "Smarketing_SLA_Status__c") is None


def test_locked_rows_are_retried_later_and_the_rest_is_done(sf: SalesforceHarness) -> None:
    ids = leads(sf, 20)
    actions = scores(ids)
    on_next_writes(sf, FaultKind.LOCK_RECORDS, lock_fraction=0.25)

    outcomes = apply(sf, actions)

    failed = [a for a, o in zip(actions, outcomes, strict=True) if o.status is not DONE]
    assert len(failed) == 5
    assert {o.status for o in outcomes if o.status is not DONE} == {RETRY}
    assert all(
        "UNABLE_TO_LOCK_ROW" in (o.reason or "") and a.record_id in (o.reason or "")
        for a, o in zip(actions, outcomes, strict=True)
        if o.status is not DONE
    )
    assert {field(sf, a.record_id, "Smarketing_Score__c") for a in failed} == {None}
    assert calls(sf, "PATCH", COLLECTIONS) == 1

    again = apply(sf, failed)

    assert statuses(again) == [DONE] * len(failed)
    assert calls(sf, "PATCH", COLLECTIONS) == 2
    assert {field(sf, i, "Smarketing_Score__c") for i in ids} == {70}


@pytest.mark.parametrize(("rule", "expected"), [(True, REJECTED), (False, DONE)])
def test_the_validation_rule_refusing_a_disqualified_lead_without_a_reason(
    sf: SalesforceHarness, rule: bool, expected: OutcomeStatus
) -> None:
    sf.seed_people(5)
    sf.org.behaviour = Behaviour(validation_rule=rule)
    add_fields(sf.org)
    with sf.org.lock:  # set by a data load that skipped the rule: disqualified, no reason
        bad = sf.org.insert_raw("Lead", {"LastName": "Q", "Company": "X", "Status": "Unqualified"})
    good = leads(sf, 1)[0]

    outcomes = apply(sf, scores([good, bad["Id"]]))

    assert statuses(outcomes) == [DONE, expected]
    if rule:
        assert outcomes[1].reason == (
            f"property smarketing_score (Smarketing_Score__c) of Lead {bad['Id']}: A rejection "
            "reason is required when a lead is disqualified. (FIELD_CUSTOM_VALIDATION_EXCEPTION)"
        )


def test_writes_to_deleted_and_unknown_records_are_rejected_by_name(sf: SalesforceHarness) -> None:
    ids = leads(sf, 3)
    sf.archive(ids[1])
    unknown = "00Q5g00000009ZZZZZ"

    outcomes = apply(sf, scores([*ids, unknown]))

    assert statuses(outcomes) == [DONE, REJECTED, DONE, REJECTED]
    assert "ENTITY_IS_DELETED" in (outcomes[1].reason or "")
    assert ids[1] in (outcomes[1].reason or "")
    assert unknown in (outcomes[3].reason or "")


def test_a_field_the_org_lacks_stops_the_run_naming_it(sf: SalesforceHarness) -> None:
    ids = leads(sf, 2, skip=("Smarketing_SLA_Status__c",))
    status = [PropertyUpdate(f"s-{i}", LEAD, i, "smarketing_sla_status", "overdue") for i in ids]

    assert statuses(apply(sf, scores(ids))) == [DONE, DONE]
    with pytest.raises(ConfigurationError, match=r"Lead 00Q\w+: No such column 'Smarketing_SLA_St"):
        apply(sf, status)


# --- the daily allocation -----------------------------------------------------------------


def other_apps_used(sf: SalesforceHarness, calls_used: int, allocation: int = 1_000) -> None:
    sf.configure(limits=Limits(daily_api_requests=allocation))
    now = sf.clock.now()
    sf.emulator.runtime.limiter._calls.extend([now] * calls_used)


def test_writes_wait_once_the_stop_writes_share_is_used(sf: SalesforceHarness) -> None:
    ids = leads(sf, 2)
    other_apps_used(sf, 850)
    shared = client(sf)
    first = apply(sf, scores(ids[:1]), shared)  # its answer reports 851 of 1,000 calls used
    before = calls(sf, "PATCH", COLLECTIONS)

    later = apply(sf, [*scores(ids[1:]), task(ids[1])], shared)

    assert statuses(first) == [DONE]
    assert statuses(later) == [RETRY, RETRY]
    assert all(
        "851 of 1,000 (85%)" in (o.reason or "") and "80%" in (o.reason or "") for o in later
    )
    assert calls(sf, "PATCH", COLLECTIONS) == before
    assert metered(sf) == 1  # the first apply's update only


def test_request_limit_exceeded_defers_every_action_without_a_write(sf: SalesforceHarness) -> None:
    ids = leads(sf, 2)
    other_apps_used(sf, 1_000)

    outcomes = apply(sf, [*scores(ids), task(ids[0]), TaskClose("k", LEAD, ids[1], "r")])

    assert statuses(outcomes) == [RETRY] * 4
    assert all("REQUEST_LIMIT_EXCEEDED" in (o.reason or "") for o in outcomes)
    assert all("daily API allocation" in (o.reason or "") for o in outcomes)
    assert calls(sf, "PATCH", COLLECTIONS) == calls(sf, "POST", COLLECTIONS) == 0
    assert metered(sf) == 1  # refused once, then nothing more was sent
    assert {field(sf, i, "Smarketing_Score__c") for i in ids} == {None}


# --- tasks --------------------------------------------------------------------------------


def test_a_lost_local_store_finds_the_task_by_key(sf: SalesforceHarness) -> None:
    ids = leads(sf, 2)
    create = task(ids[0])
    first = apply(sf, [create])

    second = apply(sf, [create])  # a new adapter instance that remembers nothing

    assert statuses(first + second) == [DONE, DONE]
    assert first[0].crm_id == second[0].crm_id
    assert [t["Id"] for t in tasks_with(sf, create.key)] == [first[0].crm_id]
    assert calls(sf, "POST", COLLECTIONS) == 1


@pytest.mark.parametrize(
    ("faults", "first", "posts"),
    [
        ([FaultKind.LOST_RESPONSE], DONE, 1),  # applied, answer lost: found by key, not re-sent
        ([FaultKind.DROP, FaultKind.LOST_RESPONSE], DONE, 2),
        ([FaultKind.DROP, FaultKind.SERVER_ERROR], DONE, 3),
        ([FaultKind.DROP] * 6, RETRY, 7),  # beyond the retry budget: the next apply creates
    ],
)
def test_a_create_applied_but_answered_never_leaves_one_task_per_key(
    sf: SalesforceHarness, faults: list[FaultKind], first: OutcomeStatus, posts: int
) -> None:
    ids = leads(sf, 3)
    creates = [task(i) for i in ids]
    on_next_writes(sf, *faults)

    outcomes = apply(sf, creates)
    assert statuses(outcomes) == [first] * 3
    pending = [c for c, o in zip(creates, outcomes, strict=True) if o.status is RETRY]
    outcomes = [o for o in outcomes if o.status is not RETRY] + apply(sf, pending)

    assert statuses(outcomes) == [DONE] * 3
    assert (
        sum(1 for m, p, _ in sf.emulator.runtime.log if m == "POST" and p.endswith(COLLECTIONS))
        == posts
    )
    for create in creates:
        found = tasks_with(sf, create.key)
        assert [t["Id"] for t in found] == [o.crm_id for o in outcomes if o.key == create.key]


def test_tasks_carry_the_key_the_due_instant_and_the_owners_local_date(
    sf: SalesforceHarness,
) -> None:
    (lead,) = leads(sf, 1)
    with sf.org.lock:
        rep = sf.org.insert_raw(
            "User",
            {
                "Username": "rep@x.example",
                "LastName": "Rep",
                "Email": "rep@x.example",
                "TimeZoneSidKey": "America/Los_Angeles",
            },
        )
    create = task(lead, owner=rep["Id"])

    (outcome,) = apply(sf, [create])

    (row,) = tasks_with(sf, create.key)
    assert outcome.crm_id == row["Id"]
    assert {name: row[name] for name in ("WhoId", "WhatId", "OwnerId", "Status", "Priority")} == {
        "WhoId": lead,
        "WhatId": None,
        "OwnerId": rep["Id"],
        "Status": "Not Started",
        "Priority": "High",
    }
    assert row["ActivityDate"] == "2026-03-09"  # 02:00 UTC is the evening before in Los Angeles
    assert row["Smarketing_Due__c"] == "2026-03-10T02:00:00.000+0000"


def test_a_task_a_rep_deleted_is_not_created_again(sf: SalesforceHarness) -> None:
    (lead,) = leads(sf, 1)
    create = task(lead)
    (made,) = apply(sf, [create])
    with sf.org.lock:
        sf.org.tables["Task"].rows[str(made.crm_id)]["IsDeleted"] = True

    again = apply(sf, [create])

    assert statuses(again) == [DONE]
    assert again[0].crm_id == made.crm_id
    assert calls(sf, "POST", COLLECTIONS) == 1


def test_tasks_are_completed_and_completing_twice_is_fine(sf: SalesforceHarness) -> None:
    ids = leads(sf, 3)
    made = apply(sf, [task(i) for i in ids])
    by_key = TaskClose(task(ids[0]).key, LEAD, ids[0], "mql-first-touch")
    by_id = TaskClose(task(ids[1]).key, LEAD, ids[1], "r", crm_task_id=made[1].crm_id)
    never = TaskClose("smk-" + "f" * 32, LEAD, ids[2], "r")

    first = apply(sf, [by_key, by_id, never])
    closes_before = calls(sf, "PATCH", COLLECTIONS)
    second = apply(sf, [by_key, by_id])

    assert statuses(first) == [DONE, DONE, DONE]
    assert statuses(second) == [DONE, DONE]
    assert [o.crm_id for o in first[:2]] == [made[0].crm_id, made[1].crm_id]
    for create in (task(ids[0]), task(ids[1])):
        (row,) = tasks_with(sf, create.key)
        assert (row["Status"], row["IsClosed"]) == ("Completed", True)
    assert tasks_with(sf, task(ids[2]).key)[0]["IsClosed"] is False
    assert calls(sf, "PATCH", COLLECTIONS) == closes_before + 1  # by key: found closed, no call


def test_closing_a_deleted_task_is_done(sf: SalesforceHarness) -> None:
    (lead,) = leads(sf, 1)
    (made,) = apply(sf, [task(lead)])
    with sf.org.lock:
        sf.org.tables["Task"].rows[str(made.crm_id)]["IsDeleted"] = True
    closes = [
        TaskClose(task(lead).key, LEAD, lead, "r", crm_task_id=made.crm_id),
        TaskClose(task(lead, 1).key, LEAD, lead, "r", crm_task_id="00T5g00000009ZZZZZ"),
    ]

    assert statuses(apply(sf, closes)) == [DONE, DONE]


def test_the_task_key_field_is_plain_text_and_check_accepts_it(sf: SalesforceHarness) -> None:
    sf.seed_people(1)  # the seeded org's Smarketing_Key__c: Text(80), not External ID or Unique
    add_fields(sf.org)
    key = sf.org.object("Task").field("Smarketing_Key__c")
    assert key is not None
    assert (key.external_id, key.unique) == (False, False)
    with pytest.raises(ValueError, match="cannot be External ID or Unique"):
        sf.org.add_field("Task", text("Other_Key__c", 64, external_id=True))

    report = check_org(client(sf), sf.settings(), PERSON_SPECS)

    assert report.ok, report.problems


# --- enrichment ---------------------------------------------------------------------------


def test_enrich_reads_lead_history_and_owner_tasks_but_not_ours(sf: SalesforceHarness) -> None:
    ids = sf.seed_people(80)
    add_fields(sf.org)
    org = sf.org
    people = [
        Person(id=i, object_type=LEAD, lead_status=org.tables["Lead"].rows[i]["Status"])
        for i in ids
    ]
    shared = client(sf)
    before = enrich_people(shared, sf.settings(), LEAD, people)
    active = next(p for p in before if p.activities)
    made = apply(sf, [task(active.id)], shared)
    apply(sf, [TaskClose(task(active.id).key, LEAD, active.id, "r", made[0].crm_id)], shared)
    queries = calls(sf, "GET", "/query")

    after = enrich_people(shared, sf.settings(), LEAD, people)

    assert calls(sf, "GET", "/query") - queries == 2  # one LeadHistory, one Task query
    assert [p.id for p in after] == ids
    assert next(p for p in after if p.id == active.id).activities == active.activities
    for person in after:
        changes = sorted(
            (r["CreatedDate"], r["NewValue"])
            for r in org.tables["LeadHistory"].rows.values()
            if r["LeadId"] == person.id and r["Field"] == "Status"
        )
        assert [s.value for s in person.status_history][1:] == [new for _, new in changes]
        assert person.status_history[-1].value == person.lead_status
        assert person.status_history[-1].exited_at is None
    owners = {
        r["OwnerId"] for r in org.tables["Task"].rows.values() if r.get("Smarketing_Key__c") is None
    }
    assert {a.owner_id for p in after for a in p.activities} <= owners


def test_contacts_have_activities_and_the_status_history_of_their_converted_lead(
    sf: SalesforceHarness,
) -> None:
    sf.seed_people(80)
    add_fields(sf.org)
    org = sf.org
    converted = {
        r["ConvertedContactId"]: r["Id"]
        for r in org.tables["Lead"].rows.values()
        if r["IsConverted"]
    }
    contacts = [Person(id=i, object_type=ObjectType.CONTACT) for i in org.tables["Contact"].rows]

    enriched = enrich_people(client(sf), sf.settings(), ObjectType.CONTACT, contacts)

    assert any(p.activities for p in enriched)
    for person in enriched:
        changes = sorted(
            (r["CreatedDate"], r["NewValue"])
            for r in org.tables["LeadHistory"].rows.values()
            if r["LeadId"] == converted[person.id] and r["Field"] == "Status"
        )
        assert [s.value for s in person.status_history][1:] == [new for _, new in changes]
        assert person.status_history[-1].value == "Closed - Converted"


def test_a_status_change_before_conversion_stays_with_the_person_as_a_contact(
    sf: SalesforceHarness,
) -> None:
    # LeadHistory stays on the converted Lead and a Contact has no Status (§12, §14): without
    # reading the Lead's history, a Contact's SLA clock never sees the touch that met it.
    add_fields(sf.org)
    with sf.org.lock:
        lead = writes.create(
            sf.org, "Lead", {"LastName": "Kelly", "Company": "Acme", "Status": OPEN}
        )
    created = sf.now()
    sf.advance(3_600)
    with sf.org.lock:
        writes.update(sf.org, "Lead", lead["Id"], {"Status": "Working - Contacted"})
    contacted = sf.now()
    sf.advance(3_600)
    contact = convert_lead(sf.org, lead["Id"]).contact_id
    queries = calls(sf, "GET", "/query")

    (person,) = enrich_people(
        client(sf), sf.settings(), ObjectType.CONTACT, [Person(contact, ObjectType.CONTACT)]
    )

    stays = [(s.value, s.entered_at) for s in person.status_history]
    converted = sf.now()
    assert stays == [
        (OPEN, created),
        ("Working - Contacted", contacted),
        ("Closed - Converted", converted),
    ]
    assert calls(sf, "GET", "/query") - queries == 3  # converted Leads, LeadHistory, Tasks


# --- check and setup ----------------------------------------------------------------------


def test_check_names_every_missing_field_and_status(sf: SalesforceHarness) -> None:
    add_fields(sf.org, skip=("Smarketing_Score__c", "Smarketing_Due__c"))  # a bare org

    statuses = ["Working - Contacted", "Hot"]
    report = check_org(client(sf), sf.settings(), PERSON_SPECS, statuses=statuses)

    assert len(report.problems) == 4
    lead, contact, due, status = report.problems
    for problem, where in ((lead, "Lead"), (contact, "Contact")):
        assert problem.startswith(f"{where}.Smarketing_Score__c (smarketing_score) is missing")
        assert "API name Smarketing_Score__c, type Number, length 3, decimal places 0" in problem
        assert "updateable by the integration user" in problem
    assert due.startswith("Task.Smarketing_Due__c (task due) is missing")
    assert "type Date/Time" in due
    assert status.startswith("Lead status 'Hot' is not a LeadStatus value")


def test_check_reports_a_refused_session_as_a_problem(sf: SalesforceHarness) -> None:
    sf.faults.expire_token()

    report = check_org(client(sf), sf.settings(), PERSON_SPECS)

    assert not report.ok
    assert "refused" in report.problems[0]


def test_check_reports_an_object_the_user_cannot_read(sf: SalesforceHarness) -> None:
    add_fields(sf.org)
    scope = sf.faults.revoke_read(ObjectType.DEAL)

    report = check_org(client(sf), sf.settings(), PERSON_SPECS)

    assert len(report.problems) == 1
    assert scope in report.problems[0]


@pytest.mark.parametrize("create", [False, True])
def test_setup_lists_what_an_admin_must_create(sf: SalesforceHarness, create: bool) -> None:
    sf.configure(tooling_api=False)  # with create, an org without the Tooling API (404)
    add_fields(sf.org, skip=("Smarketing_SLA_Status__c",))  # a bare org

    with pytest.raises(ConfigurationError) as raised:
        ensure_fields(client(sf), sf.settings(), PERSON_SPECS, create=create)

    text = str(raised.value)
    assert "Lead.Smarketing_SLA_Status__c (smarketing_sla_status) is missing" in text
    assert "Contact.Smarketing_SLA_Status__c" in text
    assert "type Text, length 20" in text
    assert ("no Tooling API" in text) is create
    assert calls(sf, "POST", "/tooling/sobjects/CustomField", 404) == int(create)


def test_setup_with_every_field_present_creates_nothing(sf: SalesforceHarness) -> None:
    add_fields(sf.org)

    assert ensure_fields(client(sf), sf.settings(), PERSON_SPECS, create=True) == ()
    assert ensure_fields(client(sf), sf.settings(), PERSON_SPECS) == ()


def test_dates_far_apart_give_each_task_its_own_day(sf: SalesforceHarness) -> None:
    ids = leads(sf, 2)
    creates = [
        task(ids[0]),
        TaskCreate("smk-late", LEAD, ids[1], "r", None, DUE + timedelta(days=40), "Later"),
    ]

    outcomes = apply(sf, creates)

    assert statuses(outcomes) == [DONE, DONE]
    assert [tasks_with(sf, c.key)[0]["ActivityDate"] for c in creates] == [
        "2026-03-10",
        "2026-04-19",
    ]
