"""The pure parts of Salesforce write-back: values, grouping, outcomes, tasks, history, schema."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base.errors import ConfigurationError
from adapters.base.protocol import OutcomeStatus, PropertySpec, PropertyType, PropertyUpdate
from adapters.base.protocol import TaskCreate as Create
from adapters.salesforce.apply import convert_value, for_field, group_updates
from adapters.salesforce.enrich import queries_in, status_history, to_activity
from adapters.salesforce.fields_setup import tooling_body
from adapters.salesforce.outcomes import Item, interpret, verdict_of
from adapters.salesforce.schema import (
    SHAPES,
    TASK_KEY,
    OwnedField,
    field_names,
    fit_problems,
    missing_text,
    status_problems,
    written_fields,
)
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Soql, in_
from adapters.salesforce.tasks import activity_date, task_record
from rules.model import ActivityKind, ObjectType, StageEntry
from rules.ruleset import TaskPriority

DONE, RETRY, REJECTED = OutcomeStatus.DONE, OutcomeStatus.RETRY_LATER, OutcomeStatus.REJECTED
LEAD, CONTACT, DEAL = ObjectType.LEAD, ObjectType.CONTACT, ObjectType.DEAL
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
SETTINGS = SalesforceSettings(
    instance_url="https://acme.my.salesforce.com",
    auth="client_credentials",
    client_id="key",
    client_secret="secret",
)
NAMES = field_names(SETTINGS)


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("72", PropertyType.NUMBER, 72),
        ("72.5", PropertyType.NUMBER, 72.5),
        (" 1E02 ", PropertyType.NUMBER, 100),
        ("", PropertyType.NUMBER, None),
        ("2026-03-09T15:00:00+00:00", PropertyType.DATETIME, "2026-03-09T15:00:00.000Z"),
        ("2026-03-09T18:00:00.250+01:00", PropertyType.DATETIME, "2026-03-09T17:00:00.250Z"),
        ("2026-03-09T15:00:00Z", PropertyType.DATETIME, "2026-03-09T15:00:00.000Z"),
        ("", PropertyType.DATETIME, None),
        ("overdue", PropertyType.STRING, "overdue"),
        ("", PropertyType.STRING, None),
        ("<b>'; DROP --", PropertyType.STRING, "<b>'; DROP --"),
    ],
)
def test_values_are_converted_by_field_type(value: str, kind: PropertyType, expected: Any) -> None:
    assert convert_value(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "match"),
    [
        ("seventy", PropertyType.NUMBER, "could not convert"),
        ("inf", PropertyType.NUMBER, "not a finite number"),
        ("nan", PropertyType.NUMBER, "not a finite number"),
        ("2026-03-09 15:00", PropertyType.DATETIME, "no time zone"),
        ("next tuesday", PropertyType.DATETIME, "not an ISO-8601 instant"),
    ],
)
def test_impossible_values_are_refused(value: str, kind: PropertyType, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        convert_value(value, kind)


# --- grouping -----------------------------------------------------------------------------


def update(key: str, record: str, prop: str, value: str, kind: ObjectType = LEAD) -> PropertyUpdate:
    return PropertyUpdate(key, kind, record, prop, value)


def test_updates_are_grouped_per_record_with_all_their_fields_sorted_by_object() -> None:
    updates = [
        update("a", "00Q1", "smarketing_score", "70"),
        update("b", "0031", "smarketing_score", "50", CONTACT),
        update("c", "00Q1", "smarketing_sla_status", "overdue"),
        update("d", "00Q1", "smarketing_score", "71"),
    ]

    writes, rejected = group_updates(list(enumerate(updates)), NAMES)

    assert rejected == {}
    assert [(w.sobject, w.record_id) for w in writes] == [("Contact", "0031"), ("Lead", "00Q1")]
    lead = writes[1]
    assert lead.record() == {
        "attributes": {"type": "Lead"},
        "id": "00Q1",
        "Smarketing_Score__c": 71,  # the later value of a property updated twice wins
        "Smarketing_SLA_Status__c": "overdue",
    }
    assert [index for index, _, _ in lead.updates] == [0, 2, 3]


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (update("k", "00Q1", "hubspot_thing", "1"), "no field mapped"),
        (update("k", "00Q1", "smarketing_score", "seventy"), "Smarketing_Score__c"),
        (update("k", "00Q1", "smarketing_sla_due", "2026-03-09 15:00"), "smarketing_sla_due"),
    ],
)
def test_updates_that_cannot_be_written_are_rejected_without_a_call(
    action: PropertyUpdate, match: str
) -> None:
    writes, rejected = group_updates([(0, action)], NAMES)

    assert writes == []
    assert rejected[0].status is REJECTED
    assert match in (rejected[0].reason or "")
    assert "00Q1" in (rejected[0].reason or "")


def test_owned_fields_must_name_one_field_per_property() -> None:
    short = SalesforceSettings(
        instance_url="https://acme.my.salesforce.com",
        auth="client_credentials",
        client_id="key",
        client_secret="secret",
        owned_fields=("Score__c",),
    )
    with pytest.raises(ConfigurationError, match="needs 4, in this order: smarketing_score"):
        field_names(short)


# --- outcomes -----------------------------------------------------------------------------


def failed(code: str, message: str = "no", fields: tuple[str, ...] = ()) -> dict[str, Any]:
    error = {"statusCode": code, "message": message, "fields": list(fields)}
    return {"id": "00Q1", "success": False, "errors": [error]}


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ({"id": "00Q1", "success": True, "errors": []}, DONE),
        (failed("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access"), RETRY),
        (failed("ALL_OR_NONE_OPERATION_ROLLED_BACK"), RETRY),
        (failed("ENTITY_IS_DELETED", "entity is deleted"), REJECTED),
        (failed("INVALID_CROSS_REFERENCE_KEY"), REJECTED),
        (failed("MALFORMED_ID"), REJECTED),
        (failed("FIELD_CUSTOM_VALIDATION_EXCEPTION", "A reason is required."), REJECTED),
        (failed("STRING_TOO_LONG", fields=("Smarketing_SLA_Status__c",)), REJECTED),
        (failed("CANNOT_UPDATE_CONVERTED_LEAD"), REJECTED),
        (failed("SOMETHING_NEW"), RETRY),
        ({"success": False, "errors": []}, RETRY),
    ],
)
def test_save_results_become_verdicts(result: Mapping[str, Any], status: OutcomeStatus) -> None:
    verdict = verdict_of(result, "Lead 00Q1")

    assert verdict.status is status
    if status is not DONE:
        assert (verdict.reason or "").startswith("Lead 00Q1: ")
        assert str(verdict.code) in (verdict.reason or "")


def test_a_validation_rule_message_reaches_the_reason() -> None:
    result = failed("FIELD_CUSTOM_VALIDATION_EXCEPTION", "A rejection reason is required.")
    verdict = verdict_of(result, "Lead 00Q1")
    assert verdict.reason == (
        "Lead 00Q1: A rejection reason is required. (FIELD_CUSTOM_VALIDATION_EXCEPTION)"
    )


@pytest.mark.parametrize(
    "code", ["INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_TYPE"]
)
def test_a_missing_field_stops_the_run(code: str) -> None:
    result = failed(code, "No such column 'Smarketing_Score__c'", ("Smarketing_Score__c",))
    with pytest.raises(ConfigurationError, match=r"Lead 00Q1.*Smarketing_Score__c.*check --online"):
        verdict_of(result, "Lead 00Q1")


def test_records_without_a_result_are_retried_later() -> None:
    items = [Item(ref, f"Lead {ref}", {}) for ref in ("a", "b")]

    verdicts = interpret(items, [{"id": "a", "success": True, "errors": []}])

    assert verdicts["a"].status is DONE
    assert verdicts["b"].status is RETRY
    assert "Lead b" in (verdicts["b"].reason or "")


def test_fields_saved_with_a_blamed_field_are_retried_the_blamed_one_rejected() -> None:
    updates = [
        update("a", "00Q1", "smarketing_score", "70"),
        update("b", "00Q1", "smarketing_sla_status", "x" * 30),
    ]
    (write,), _ = group_updates(list(enumerate(updates)), NAMES)
    verdict = verdict_of(failed("STRING_TOO_LONG", "too long", ("Smarketing_SLA_Status__c",)), "L")

    score = for_field(write, "smarketing_score", "Smarketing_Score__c", verdict)
    status = for_field(write, "smarketing_sla_status", "Smarketing_SLA_Status__c", verdict)

    assert score.status is RETRY
    assert "not applied because Salesforce refused Smarketing_SLA_Status__c" in (score.reason or "")
    assert status.status is REJECTED
    assert (status.reason or "").startswith("property smarketing_sla_status")


# --- tasks --------------------------------------------------------------------------------

LA, PHOENIX, KIRITIMATI = (
    ZoneInfo(z) for z in ("America/Los_Angeles", "America/Phoenix", "Pacific/Kiritimati")
)


@pytest.mark.parametrize(
    ("due", "zone", "expected"),
    [
        (datetime(2026, 3, 10, 2, 0, tzinfo=UTC), None, date(2026, 3, 10)),
        (datetime(2026, 3, 10, 2, 0, tzinfo=UTC), LA, date(2026, 3, 9)),
        (datetime(2025, 3, 9, 9, 59, tzinfo=UTC), LA, date(2025, 3, 9)),  # just after DST starts
        (datetime(2025, 11, 2, 7, 30, tzinfo=UTC), LA, date(2025, 11, 2)),  # inside the repeat
        (datetime(2026, 3, 10, 6, 59, tzinfo=UTC), PHOENIX, date(2026, 3, 9)),
        (datetime(2026, 3, 9, 10, 0, tzinfo=UTC), KIRITIMATI, date(2026, 3, 10)),
        (
            datetime(2026, 3, 9, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
            None,
            date(2026, 3, 10),
        ),
    ],
)
def test_activity_date_is_the_due_date_in_the_owners_zone_else_utc(
    due: datetime, zone: ZoneInfo | None, expected: date
) -> None:
    assert activity_date(due, zone) == expected


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from([LA, PHOENIX, KIRITIMATI, ZoneInfo("Europe/Kyiv"), ZoneInfo("Asia/Kolkata")]),
)
def test_the_activity_date_is_the_owners_local_day_that_holds_the_due_instant(
    due: datetime, zone: ZoneInfo
) -> None:
    day = activity_date(due, zone)
    starts = datetime.combine(day, time(), zone).astimezone(UTC)
    ends = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    assert starts <= due < ends


def test_a_naive_due_has_no_activity_date() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        activity_date(datetime(2026, 3, 10, 2, 0), None)


def create(kind: ObjectType = LEAD, **changes: Any) -> Create:
    values: dict[str, Any] = {
        "key": "smk-" + "a" * 32,
        "record_type": kind,
        "record_id": "00Q1",
        "rule": "mql-first-touch",
        "owner_id": "0051",
        "due": datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        "subject": "Call the lead",
        "body": "Why: MQL",
        "priority": TaskPriority.HIGH,
    } | changes
    return Create(**values)


def test_a_task_record_carries_the_key_the_due_instant_and_the_local_date() -> None:
    assert task_record(create(), SETTINGS, LA) == {
        "attributes": {"type": "Task"},
        "Subject": "Call the lead",
        "Description": "Why: MQL",
        "Status": "Not Started",
        "Priority": "High",
        "ActivityDate": "2026-03-09",
        "Smarketing_Due__c": "2026-03-10T02:00:00.000Z",
        "Smarketing_Key__c": "smk-" + "a" * 32,
        "OwnerId": "0051",
        "WhoId": "00Q1",
    }


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (create(CONTACT), {"WhoId": "00Q1"}),
        (create(DEAL), {"WhatId": "00Q1"}),
        (create(owner_id=None), {"OwnerId": None}),
        (create(priority=TaskPriority.MEDIUM), {"Priority": "Normal"}),
        (create(priority=TaskPriority.LOW), {"Priority": "Low"}),
        (create(subject="s" * 300), {"Subject": "s" * 254 + "…"}),
    ],
)
def test_task_records_follow_the_task_object(task: Create, expected: Mapping[str, Any]) -> None:
    record = task_record(task, SETTINGS, None)
    assert {name: record.get(name) for name in expected} == expected
    assert not ("WhoId" in record and "WhatId" in record)  # §12: no WhatId beside a Lead


# --- queries ------------------------------------------------------------------------------


def by_ids(chunk: tuple[str, ...]) -> Soql:
    return Soql.select("Task", ["Id"]).where(in_("WhoId", chunk))


@pytest.mark.parametrize(("count", "limit"), [(0, 8_000), (1, 8_000), (700, 8_000), (90, 500)])
def test_in_lists_are_packed_into_as_few_queries_as_the_url_allows(count: int, limit: int) -> None:
    ids = [f"00Q5g{i:013d}" for i in range(count)]

    queries = queries_in(by_ids, [*ids, *ids], limit)

    assert all(len(quote_plus(q.text)) <= limit for q in queries)
    covered = [v for q in queries for v in q.text.split("(", 1)[1].rstrip(")").split(", ")]
    assert covered == [f"'{i}'" for i in ids]
    one = len(quote_plus(by_ids((ids[0],)).text)) if ids else 0
    per_query = 1 + (limit - one) // len(quote_plus(f", '{ids[0]}'")) if ids else 1
    assert len(queries) == -(-count // per_query)


def test_a_value_too_long_for_any_query_still_gets_one() -> None:
    assert len(queries_in(by_ids, ["x" * 100, "y"], limit=50)) == 2


# --- enrichment ---------------------------------------------------------------------------


def row(field: str, old: str | None, new: str | None, at: datetime) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {"Field": field, "OldValue": old, "NewValue": new, "CreatedDate": stamp}


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("rows", "current", "created", "expected"),
    [
        ([], "Open", T0, [("Open", T0, None)]),
        ([], "Open", None, []),
        ([row("created", None, None, T0)], "Open", None, [("Open", T0, None)]),
        (
            [
                row("Status", "Working", "Qualified", T0 + 2 * H),
                row("Status", "Open", "Working", T0 + H),
            ],
            "Qualified",
            T0,
            [
                ("Open", T0, T0 + H),
                ("Working", T0 + H, T0 + 2 * H),
                ("Qualified", T0 + 2 * H, None),
            ],
        ),
        (
            [
                row("Status", "Open", "Working", T0 + H),
                row("Status", "Working", "Working", T0 + 2 * H),
            ],
            "Working",
            T0,
            [("Open", T0, T0 + H), ("Working", T0 + H, None)],
        ),
        (
            [row("Status", "Open", "Working", T0 + H)],
            "Working",
            None,
            [("Working", T0 + H, None)],  # when "Open" began is unknown: left out, not guessed
        ),
        (
            [
                row("Status", "Open", "Working", T0 + H),
                {"Field": "Status", "CreatedDate": "garbage"},
            ],
            "Working",
            T0,
            [("Open", T0, T0 + H), ("Working", T0 + H, None)],
        ),
    ],
)
def test_lead_history_becomes_status_stays_oldest_first(
    rows: list[dict[str, Any]],
    current: str,
    created: datetime | None,
    expected: list[tuple[str, datetime, datetime | None]],
) -> None:
    assert status_history(rows, current, created) == tuple(StageEntry(*e) for e in expected)


@pytest.mark.parametrize(
    ("subtype", "kind", "expected"),
    [
        ("Call", None, ActivityKind.CALL),
        ("Email", "Other", ActivityKind.EMAIL),
        ("ListEmail", None, ActivityKind.EMAIL),
        ("Task", "Meeting", ActivityKind.MEETING),
        (None, "Call", ActivityKind.CALL),
        ("Task", "Other", ActivityKind.TASK),
        ("LinkedIn", None, ActivityKind.TASK),
    ],
)
def test_task_types_become_activity_kinds(
    subtype: str | None, kind: str | None, expected: ActivityKind
) -> None:
    task = {
        "TaskSubtype": subtype,
        "Type": kind,
        "CompletedDateTime": "2026-03-09T09:00:00.000+0000",
    }
    activity = to_activity(task | {"OwnerId": "0051"})
    assert activity is not None
    assert (activity.kind, activity.at, activity.owner_id) == (expected, T0, "0051")


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {
                "CompletedDateTime": "2026-03-09T09:00:00.000Z",
                "LastModifiedDate": "2026-03-10T09:00:00.000Z",
            },
            T0,
        ),
        ({"CompletedDateTime": None, "LastModifiedDate": "2026-03-09T09:00:00.000+0000"}, T0),
        ({"CompletedDateTime": None, "LastModifiedDate": None}, None),
    ],
)
def test_an_activity_happened_at_completion_else_at_the_last_change(
    task: dict[str, Any], expected: datetime | None
) -> None:
    activity = to_activity(task)
    assert (activity.at if activity else None) == expected


# --- schema -------------------------------------------------------------------------------


def owned(role: str, sobject: str = "Lead", name: str = "X__c") -> OwnedField:
    return OwnedField(role, sobject, name, SHAPES[role])


@pytest.mark.parametrize(
    ("field", "parts"),
    [
        (
            owned("smarketing_score"),
            ["Lead.X__c", "API name X__c", "type Number, length 3, decimal places 0", "updateable"],
        ),
        (owned("smarketing_score_explanation"), ["type Long Text Area, length 1,000"]),
        (owned("smarketing_sla_status", "Contact"), ["Contact.X__c", "type Text, length 20"]),
        (owned("smarketing_sla_due"), ["type Date/Time,"]),
        (
            owned(TASK_KEY, "Task"),
            [
                "Activity (Task and Event share",
                "type Text, length 64",
                "leave External ID and Unique off",
            ],
        ),
    ],
)
def test_a_missing_field_says_exactly_what_to_create(field: OwnedField, parts: list[str]) -> None:
    text = missing_text(field)
    assert all(part in text for part in parts), text


@pytest.mark.parametrize(
    ("role", "found", "problem"),
    [
        ("smarketing_score", {"type": "double", "precision": 3, "updateable": True}, None),
        (
            "smarketing_score",
            {"type": "string", "length": 3, "updateable": True},
            "has type string",
        ),
        (
            "smarketing_score",
            {"type": "double", "precision": 2, "updateable": True},
            "holds 2 digits",
        ),
        ("smarketing_sla_status", {"type": "string", "length": 10, "updateable": True}, "needs 20"),
        (
            "smarketing_score_explanation",
            {"type": "textarea", "length": 32_000, "updateable": True},
            None,
        ),
        (
            "smarketing_score_explanation",
            {"type": "string", "length": 255, "updateable": True},
            "needs 1,000",
        ),
        ("smarketing_sla_due", {"type": "date", "updateable": True}, "has type date"),
        ("smarketing_sla_due", {"type": "datetime", "updateable": False}, "not updateable"),
    ],
)
def test_an_existing_field_must_fit_our_values(
    role: str, found: Mapping[str, Any], problem: str | None
) -> None:
    problems = fit_problems(owned(role), found)
    assert problems == [] if problem is None else any(problem in p for p in problems)


def test_a_task_field_must_also_be_createable() -> None:
    found = {"type": "string", "length": 80, "createable": False, "updateable": True}
    assert fit_problems(owned(TASK_KEY, "Task"), found) == [
        "Task.X__c is not createable by the integration user: grant Edit access in its "
        "field-level security (or the user's permission set)"
    ]


def test_missing_lead_statuses_are_named_with_what_the_org_has() -> None:
    lead = {
        "status": {
            "picklistValues": [{"value": "Open", "active": True}, {"value": "Old", "active": False}]
        }
    }

    problems = status_problems(lead, ["Open", "Old", "Qualified"])

    assert [p.split(" is not")[0] for p in problems] == [
        "Lead status 'Old'",
        "Lead status 'Qualified'",
    ]
    assert "(it has: Open)" in problems[0]


def test_lead_statuses_match_ignoring_case_as_the_rules_do() -> None:
    lead = {"status": {"picklistValues": [{"value": "Working - Contacted", "active": True}]}}

    assert status_problems(lead, ["working - contacted", "WORKING - CONTACTED"]) == []
    assert len(status_problems(lead, ["Working-Contacted"])) == 1


def test_person_properties_are_fields_on_leads_and_contacts_plus_the_task_fields() -> None:
    spec = PropertySpec(CONTACT, "smarketing_score", "Score", PropertyType.NUMBER)

    fields = written_fields(SETTINGS, [spec])

    assert [f.where for f in fields] == [
        "Lead.Smarketing_Score__c",
        "Contact.Smarketing_Score__c",
        "Task.Smarketing_Key__c",
        "Task.Smarketing_Due__c",
    ]


def test_tooling_bodies_never_ask_for_external_id_or_unique() -> None:
    fields = written_fields(
        SETTINGS, [PropertySpec(LEAD, "smarketing_score", "S", PropertyType.NUMBER)]
    )

    bodies = [tooling_body(f) for f in fields]

    assert [b["FullName"] for b in bodies] == [
        "Lead.Smarketing_Score__c",
        "Contact.Smarketing_Score__c",
        "Activity.Smarketing_Key__c",
        "Activity.Smarketing_Due__c",
    ]
    assert bodies[2]["Metadata"] == {
        "type": "Text",
        "length": 64,
        "label": "Smarketing Key",
        "description": "Written by Smarketing",
    }
    assert not any({"externalId", "unique"} & b["Metadata"].keys() for b in bodies)
