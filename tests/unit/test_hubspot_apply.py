"""The pure parts of HubSpot write-back: values, grouping, 207 outcomes, split retries, key
packing, task inputs, status history and activities. No server: batches go to fake senders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base.errors import (
    AuthError,
    MissingScopesError,
    NotFoundError,
    ServerError,
    ValidationError,
)
from adapters.base.protocol import (
    OutcomeStatus,
    PropertySpec,
    PropertyType,
    PropertyUpdate,
    TaskCreate,
)
from adapters.hubspot.apply import RecordWrite, convert_value, for_property, group_updates
from adapters.hubspot.batches import search_body
from adapters.hubspot.enrich import parse_instant, status_history, to_activity
from adapters.hubspot.outcomes import (
    MAX_SPLIT_CALLS,
    Failure,
    Item,
    Run,
    Verdict,
    interpret,
    send_items,
)
from adapters.hubspot.schema import conflict, definition
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.tasks import MAX_SEARCH_BODY, create_input, pack_keys
from rules.model import Activity, ActivityKind, ObjectType, StageEntry
from rules.ruleset import TaskPriority

DONE, RETRY, REJECTED = OutcomeStatus.DONE, OutcomeStatus.RETRY_LATER, OutcomeStatus.REJECTED
SETTINGS = HubSpotSettings(base_url="http://127.0.0.1:1", token="pat-na1-secret-token")
KEY = "smarketing_task_key"
T = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def ms(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    ("value", "kind", "sent"),
    [
        ("72", PropertyType.NUMBER, "72"),
        (" 7.5 ", PropertyType.NUMBER, "7.5"),
        ("", PropertyType.NUMBER, ""),
        ("2026-03-09T15:00:00+00:00", PropertyType.DATETIME, "2026-03-09T15:00:00.000Z"),
        ("2026-03-09T16:30:00.250+01:00", PropertyType.DATETIME, "2026-03-09T15:30:00.250Z"),
        ("2026-03-09T15:00:00Z", PropertyType.DATETIME, "2026-03-09T15:00:00.000Z"),
        ("", PropertyType.DATETIME, ""),
        ("Long\nexplanation", PropertyType.STRING, "Long\nexplanation"),
    ],
)
def test_values_are_sent_in_hubspot_form(value: str, kind: PropertyType, sent: str) -> None:
    assert convert_value(value, kind) == sent


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("seventy", PropertyType.NUMBER, "could not convert"),
        ("inf", PropertyType.NUMBER, "not a finite number"),
        ("2026-03-09 15:00", PropertyType.DATETIME, "no time zone"),
        ("tomorrow", PropertyType.DATETIME, "not an ISO-8601 instant"),
    ],
)
def test_values_that_cannot_be_valid_are_refused(
    value: str, kind: PropertyType, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        convert_value(value, kind)


def update(
    key: str, record: str, prop: str, value: str, kind: ObjectType = ObjectType.CONTACT
) -> PropertyUpdate:
    return PropertyUpdate(key, kind, record, prop, value)


def test_updates_are_grouped_per_record_and_bad_ones_rejected_locally() -> None:
    actions = [
        update("a", "1", "smarketing_score", "10"),
        update("b", "2", "smarketing_score", "20"),
        update("c", "1", "smarketing_sla_status", "overdue"),
        update("d", "1", "smarketing_score", "11"),  # a later value for the same property wins
        update("e", "3", "smarketing_score", "x"),
        update("f", "4", "smarketing_score", "1", ObjectType.LEAD),
        update("g", "1", "smarketing_score", "12", ObjectType.DEAL),
    ]
    writes, rejected = group_updates(
        list(enumerate(actions)), {"smarketing_score": PropertyType.NUMBER}
    )

    assert [(w.ref, w.properties) for w in writes] == [
        ((ObjectType.CONTACT, "1"), {"smarketing_score": "11", "smarketing_sla_status": "overdue"}),
        ((ObjectType.CONTACT, "2"), {"smarketing_score": "20"}),
        ((ObjectType.DEAL, "1"), {"smarketing_score": "12"}),
    ]
    assert [i for i, _ in writes[0].actions] == [0, 2, 3]
    assert sorted(rejected) == [4, 5]
    assert "contact 3, property smarketing_score" in (rejected[4].reason or "")
    assert "no lead object" in (rejected[5].reason or "")


def test_properties_refused_alongside_another_are_retried_not_rejected() -> None:
    write = RecordWrite(
        (ObjectType.CONTACT, "7"), {"smarketing_score": "1", "smarketing_sla_due": "x"}
    )
    failure = Failure("VALIDATION_ERROR", "Property values were not valid", ("smarketing_sla_due",))
    verdict = Verdict(REJECTED, reason="Property values were not valid", failure=failure)

    blamed = for_property(write, "smarketing_sla_due", verdict)
    innocent = for_property(write, "smarketing_score", verdict)

    assert blamed.status is REJECTED
    assert "contact 7, property smarketing_sla_due" in (blamed.reason or "")
    assert innocent.status is RETRY
    assert "smarketing_sla_due" in (innocent.reason or "")
    assert for_property(write, "smarketing_score", Verdict(DONE)).status is DONE


def items(*traces: str) -> list[Item]:
    return [Item(trace, {"id": trace}) for trace in traces]


def error(
    category: str, *, trace: str | None = None, ids: Sequence[str] = (), **extra: Any
) -> dict[str, Any]:
    context: dict[str, list[str]] = {}
    if trace is not None:
        context["objectWriteTraceId"] = [trace]
    if ids:
        context["ids"] = list(ids)
    return {
        "status": "error",
        "category": category,
        "message": f"{category} here",
        "context": context,
        **extra,
    }


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"results": [{"id": "1"}, {"id": "2"}]}, {"1": DONE, "2": DONE}),
        (200, {"results": []}, {"1": DONE, "2": DONE}),
        (
            207,
            {"results": [{"id": "1"}], "errors": [error("VALIDATION_ERROR", trace="2")]},
            {"1": DONE, "2": REJECTED},
        ),
        (
            207,
            {"results": [{"id": "1"}], "errors": [error("OBJECT_NOT_FOUND", ids=["2"])]},
            {"1": DONE, "2": REJECTED},
        ),
        (
            207,
            {"results": [{"id": "2"}], "errors": [error("RATE_LIMITS")]},
            {"1": RETRY, "2": DONE},
        ),
        (207, {"results": [{"id": "2"}], "errors": [error("LOCKED")]}, {"1": RETRY, "2": DONE}),
        (
            207,
            {"results": [{"id": "2"}], "errors": [error("SOMETHING_NEW")]},
            {"1": RETRY, "2": DONE},
        ),
        (207, {"results": [], "errors": []}, {"1": RETRY, "2": RETRY}),
        (
            207,
            {"results": [], "errors": [error("VALIDATION_ERROR"), error("OBJECT_NOT_FOUND")]},
            {"1": RETRY, "2": RETRY},
        ),
        (
            207,
            {"results": [], "errors": [error("VALIDATION_ERROR"), error("VALIDATION_ERROR")]},
            {"1": REJECTED, "2": REJECTED},
        ),
    ],
)
def test_each_input_of_an_answered_batch_gets_its_verdict(
    status: int, body: dict[str, Any], expected: dict[str, OutcomeStatus]
) -> None:
    verdicts = interpret(items("1", "2"), status, body)
    assert {trace: v.status for trace, v in verdicts.items()} == expected
    assert all(v.reason for v in verdicts.values() if v.status is not DONE)


@pytest.mark.parametrize(
    ("category", "raised"),
    [("MISSING_SCOPES", MissingScopesError), ("INVALID_AUTHENTICATION", AuthError)],
)
def test_an_auth_error_inside_a_batch_stops_the_run(category: str, raised: type[Exception]) -> None:
    body = {"results": [], "errors": [error(category, trace="1")]}
    with pytest.raises(raised):
        interpret(items("1"), 207, body)


def test_failures_name_properties_and_existing_records() -> None:
    detail = {"message": "bad", "context": {"propertyName": ["smarketing_score"]}}
    named = Failure.from_item({"category": "VALIDATION_ERROR", "message": "x", "errors": [detail]})
    listing = 'Property values were not valid: [{"isValid":false,"name":"smarketing_sla_due"}]'
    parsed = Failure.from_error(ValidationError(listing, code="VALIDATION_ERROR"))
    conflict = Failure.from_item(
        {"category": "CONFLICT", "message": "Task already exists. Existing ID: 812"}
    )
    token = Failure.from_item(
        {"category": "VALIDATION_ERROR", "message": "Bearer pat-na1-abc-123 refused"}
    )

    assert named.properties == ("smarketing_score",)
    assert parsed.properties == ("smarketing_sla_due",)
    assert conflict.existing_id == "812"
    assert "pat-na1-abc" not in token.message
    assert Failure.from_error(NotFoundError("gone")).category == "OBJECT_NOT_FOUND"


class FakeSender:
    """Refuses any batch holding a bad trace as a whole (400), like HubSpot may (R3)."""

    def __init__(self, bad: set[str], error: Exception | None = None) -> None:
        self.bad = bad
        self.error = error
        self.batches: list[list[str]] = []

    def __call__(self, group: Sequence[Item]) -> tuple[int, dict[str, Any]]:
        traces = [item.trace for item in group]
        self.batches.append(traces)
        if self.error is not None:
            raise self.error
        if self.bad & set(traces):
            raise ValidationError(
                "Property values were not valid", code="VALIDATION_ERROR", status=400
            )
        return 200, {"results": [{"id": trace} for trace in traces]}


def run() -> Run:
    return Run(client=None, settings=SETTINGS)  # type: ignore[arg-type]  # fake senders only


@pytest.mark.parametrize(
    ("size", "bad"), [(1, {"0"}), (8, {"5"}), (100, {"17"}), (100, {"3", "90"}), (230, {"150"})]
)
def test_a_batch_refused_as_a_whole_is_split_until_the_bad_inputs_are_alone(
    size: int, bad: set[str]
) -> None:
    sender = FakeSender(bad)
    verdicts = send_items(run(), items(*map(str, range(size))), sender)

    assert {t for t, v in verdicts.items() if v.status is REJECTED} == bad
    assert {t for t, v in verdicts.items() if v.status is DONE} == {
        str(i) for i in range(size)
    } - bad
    assert all(len(batch) <= 100 for batch in sender.batches)
    batches = -(-size // 100)
    assert len(sender.batches) <= batches + MAX_SPLIT_CALLS


def test_splitting_is_bounded_and_leaves_the_rest_for_later() -> None:
    every = {str(i) for i in range(100)}
    sender = FakeSender(every)

    verdicts = send_items(run(), items(*sorted(every)), sender)

    assert len(sender.batches) == 1 + MAX_SPLIT_CALLS
    assert {v.status for v in verdicts.values()} <= {REJECTED, RETRY}
    assert sum(v.status is RETRY for v in verdicts.values()) > 0


def test_when_retries_are_exhausted_nothing_more_is_sent() -> None:
    sender = FakeSender(set(), ServerError("contacts.batch_update: HubSpot failed (HTTP 503)"))
    state = run()

    verdicts = send_items(state, items(*map(str, range(250))), sender)

    assert len(sender.batches) == 1
    assert {v.status for v in verdicts.values()} == {RETRY}
    assert state.halted is not None
    assert "not sent" in (verdicts["249"].reason or "")


keys = st.lists(st.from_regex(r"smk-[0-9a-f]{32}", fullmatch=True), max_size=400, unique=True)


@given(keys)
def test_key_lookups_fit_the_search_limits(values: list[str]) -> None:
    chunks = pack_keys(values, KEY)

    assert [key for chunk in chunks for key in chunk] == values
    for chunk in chunks:
        body = search_body(
            [{"propertyName": KEY, "operator": "IN", "values": chunk}],
            [KEY, "hs_task_status"],
            "9800",
        )
        assert len(json.dumps(body)) <= MAX_SEARCH_BODY
        assert 0 < len(chunk) <= 100


def test_keys_are_looked_up_in_lowercase() -> None:
    assert pack_keys(["SMK-ABC", "smk-abc"], KEY) == [["smk-abc"]]


def test_a_task_input_carries_the_key_the_due_date_and_its_association() -> None:
    due = datetime(2026, 3, 10, 16, 0, tzinfo=timezone(timedelta(hours=1)))
    on_deal = TaskCreate(
        "smk-1", ObjectType.DEAL, "55", "r", "41629779", due, "Call", "Body", TaskPriority.MEDIUM
    )

    sent = create_input(on_deal, SETTINGS)

    assert sent["objectWriteTraceId"] == "smk-1"
    assert sent["properties"] == {
        "hs_task_subject": "Call",
        "hs_task_body": "Body",
        "hs_timestamp": "2026-03-10T15:00:00.000Z",
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "MEDIUM",
        "hs_task_type": "TODO",
        KEY: "smk-1",
        "hubspot_owner_id": "41629779",
    }
    types = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 216}]
    assert sent["associations"] == [{"to": {"id": "55"}, "types": types}]
    on_contact = TaskCreate("smk-2", ObjectType.CONTACT, "7", "r", None, due, "Call")
    assert (
        create_input(on_contact, SETTINGS)["associations"][0]["types"][0]["associationTypeId"]
        == 204
    )
    assert "hubspot_owner_id" not in create_input(on_contact, SETTINGS)["properties"]
    with pytest.raises(ValueError, match="no lead object"):
        create_input(TaskCreate("smk-3", ObjectType.LEAD, "7", "r", None, due, "Call"), SETTINGS)


def version(value: str, at: datetime) -> dict[str, str]:
    return {"value": value, "timestamp": ms(at), "sourceType": "CRM_UI"}


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("versions", "stays"),
    [
        ([], ()),
        ([version("NEW", T)], (StageEntry("NEW", T),)),
        (
            [
                version("CONNECTED", T + 2 * H),
                version("ATTEMPTED_TO_CONTACT", T + H),
                version("NEW", T),
            ],
            (
                StageEntry("NEW", T, T + H),
                StageEntry("ATTEMPTED_TO_CONTACT", T + H, T + 2 * H),
                StageEntry("CONNECTED", T + 2 * H),
            ),
        ),
        (
            [version("NEW", T), version("OPEN", T + H), version("OPEN", T + 2 * H)],
            (StageEntry("NEW", T, T + H), StageEntry("OPEN", T + H)),
        ),
        (
            [version("", T + H), version("NEW", T), version("OPEN", T + 2 * H)],
            (StageEntry("NEW", T, T + H), StageEntry("OPEN", T + 2 * H)),
        ),
        (
            [version("OPEN", T), version("NEW", T)],  # a tie keeps HubSpot's newest-first order
            (StageEntry("NEW", T, T), StageEntry("OPEN", T)),
        ),
        ([{"value": "NEW", "timestamp": "garbled"}], ()),
    ],
)
def test_status_history_is_oldest_first_whatever_order_hubspot_sends(
    versions: list[dict[str, str]], stays: tuple[StageEntry, ...]
) -> None:
    assert status_history(versions) == stays


def task_record(**props: str | None) -> dict[str, Any]:
    return {"id": "9", "properties": props}


@pytest.mark.parametrize(
    ("props", "activity"),
    [
        (
            {
                "hs_task_type": "CALL",
                "hs_task_status": "COMPLETED",
                "hs_task_completion_date": ms(T),
                "hs_timestamp": ms(T + H),
                "hubspot_owner_id": "41",
            },
            Activity(ActivityKind.CALL, T, "41", completed=True),
        ),
        (
            {"hs_task_type": "EMAIL", "hs_task_status": "COMPLETED", "hs_timestamp": ms(T + H)},
            Activity(ActivityKind.EMAIL, T + H, None, completed=True),
        ),
        (
            {"hs_task_type": "MEETING", "hs_task_status": "NOT_STARTED", "hs_timestamp": ms(T)},
            Activity(ActivityKind.MEETING, T, None, completed=False),
        ),
        (
            {"hs_task_type": "TODO", "hs_timestamp": "1773046800000"},
            Activity(ActivityKind.TASK, T, None, completed=False),
        ),
        ({"hs_task_type": "CALL", "hs_timestamp": ms(T), KEY: "smk-1"}, None),
        ({"hs_task_type": "CALL"}, None),
    ],
)
def test_tasks_become_activities_except_ours(
    props: dict[str, str], activity: Activity | None
) -> None:
    assert to_activity(task_record(**props), KEY) == activity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-09T09:00:00.000Z", T),
        ("1773046800000", T),
        ("2026-03-09T09:00:00", None),
        ("", None),
        (None, None),
    ],
)
def test_instants_are_read_aware_or_not_at_all(text: str | None, expected: datetime | None) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize(
    ("name", "kind", "type_and_field"),
    [
        ("smarketing_score", PropertyType.NUMBER, ("number", "number")),
        ("smarketing_sla_status", PropertyType.STRING, ("string", "text")),
        ("smarketing_score_explanation", PropertyType.STRING, ("string", "textarea")),
        ("smarketing_sla_due", PropertyType.DATETIME, ("datetime", "date")),
    ],
)
def test_property_definitions_map_our_types_to_hubspot_types(
    name: str, kind: PropertyType, type_and_field: tuple[str, str]
) -> None:
    sent = definition(PropertySpec(ObjectType.CONTACT, name, "Label", kind))
    assert (sent["type"], sent["fieldType"], sent["groupName"]) == (*type_and_field, "smarketing")


@pytest.mark.parametrize(
    ("existing", "problem"),
    [({"type": "number", "fieldType": "select"}, False), ({"type": "string"}, True)],
)
def test_an_existing_property_of_another_type_is_a_problem(
    existing: dict[str, str], problem: bool
) -> None:
    spec = PropertySpec(ObjectType.CONTACT, "smarketing_score", "Score", PropertyType.NUMBER)
    found = conflict("contacts", spec, existing)
    assert (found is not None) is problem
    assert found is None or ("smarketing_score" in found and "string" in found)
