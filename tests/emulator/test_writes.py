"""Writes: validation envelopes, clearing, server-maintained dates, lifecycle rules, archive, merge,
tasks, unique values and batches (fact sheet §2, §3, §8, §10, §11)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.hubspot.emulator import Behaviour, HubSpotEmulator, ManualClock, ObjectType

from .conftest import configure, make_contacts

CONTACTS = "/crm/v3/objects/contacts"


def _patch(http: httpx.Client, contact_id: int, props: dict[str, Any]) -> httpx.Response:
    return http.patch(f"{CONTACTS}/{contact_id}", json={"properties": props})


def _get(http: httpx.Client, contact_id: int, *names: str) -> dict[str, Any]:
    params = {"properties": ",".join(names)} if names else {}
    body: dict[str, Any] = http.get(f"{CONTACTS}/{contact_id}", params=params).json()
    return body


@pytest.mark.parametrize(
    ("props", "code"),
    [
        ({"nonexistent": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_object_id": "5"}, "READ_ONLY_VALUE"),
        ({"lastmodifieddate": "2026-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
        ({"hs_v2_date_entered_lead": "2026-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
        ({"lifecyclestage": "Lead"}, "INVALID_OPTION"),
        ({"hubspot_owner_id": "123"}, "INVALID_OPTION"),
        ({"numemployees": "12"}, "INVALID_OPTION"),
    ],
)
def test_invalid_properties_envelope(
    emu: HubSpotEmulator, http: httpx.Client, props: dict[str, str], code: str
) -> None:
    (contact_id,) = make_contacts(emu, 1)
    response = _patch(http, contact_id, props)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid")
    assert len(body["correlationId"]) == 36
    (error,) = body["errors"]
    assert error["code"] == code
    assert error["context"]["propertyName"] == [next(iter(props))]


def test_every_invalid_property_is_listed(emu: HubSpotEmulator, http: httpx.Client) -> None:
    response = http.post(CONTACTS, json={"properties": {"a": "1", "b": "2", "hs_object_id": "3"}})
    assert [e["context"]["propertyName"][0] for e in response.json()["errors"]] == [
        "a",
        "b",
        "hs_object_id",
    ]


def test_correlation_ids_are_fresh(emu: HubSpotEmulator, http: httpx.Client) -> None:
    ids = {http.get(f"{CONTACTS}/1").json()["correlationId"] for _ in range(3)}
    assert len(ids) == 3


def test_empty_string_clears_and_differs_from_null(
    emu: HubSpotEmulator, http: httpx.Client
) -> None:
    (contact_id,) = make_contacts(emu, 1, firstname="Ann")
    assert _patch(http, contact_id, {"firstname": ""}).status_code == 200
    props = _get(http, contact_id, "firstname", "lastname")["properties"]
    assert props == {"firstname": "", "lastname": None}


@pytest.mark.parametrize(
    ("name", "sent", "stored"),
    [
        ("hs_timestamp", "1772960400000", "2026-03-08T09:00:00.000Z"),
        ("hs_timestamp", "2026-03-08T09:00:00Z", "2026-03-08T09:00:00.000Z"),
        ("hs_timestamp", "2026-03-08T11:00:00+02:00", "2026-03-08T09:00:00.000Z"),
    ],
)
def test_datetime_values_normalised(
    emu: HubSpotEmulator, http: httpx.Client, name: str, sent: str, stored: str
) -> None:
    body = http.post("/crm/v3/objects/tasks", json={"properties": {name: sent}}).json()
    assert body["properties"][name] == stored


def test_dates_must_be_midnight_utc(emu: HubSpotEmulator, http: httpx.Client) -> None:
    emu.state.registries[ObjectType.DEALS].create(
        {
            "name": "renewal_date",
            "label": "R",
            "type": "date",
            "fieldType": "date",
            "groupName": "dealinformation",
        },
        0,
    )
    ok = http.post("/crm/v3/objects/deals", json={"properties": {"renewal_date": "2026-03-31"}})
    bad = http.post(
        "/crm/v3/objects/deals", json={"properties": {"renewal_date": "2026-04-01T01:09:00Z"}}
    )
    assert ok.json()["properties"]["renewal_date"] == "2026-03-31"
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "INVALID_DATE"


def test_server_maintained_dates(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    created = http.post(CONTACTS, json={"properties": {"email": "a@example.com"}}).json()
    assert created["properties"]["hs_object_id"] == created["id"]
    assert created["properties"]["createdate"] == created["createdAt"] == "2026-03-09T09:00:00.000Z"
    clock.advance(60)
    updated = _patch(http, int(created["id"]), {"firstname": "A"}).json()
    assert (
        updated["properties"]["lastmodifieddate"]
        == updated["updatedAt"]
        == "2026-03-09T09:01:00.000Z"
    )
    assert updated["createdAt"] == created["createdAt"]
    clock.advance(60)
    same = _patch(http, int(created["id"]), {"firstname": "A"}).json()
    assert same["updatedAt"] == updated["updatedAt"], "a no-op write keeps the modified date"


def test_other_objects_use_hs_lastmodifieddate(emu: HubSpotEmulator, http: httpx.Client) -> None:
    deal = http.post("/crm/v3/objects/deals", json={"properties": {"dealname": "D"}}).json()
    assert deal["properties"]["hs_lastmodifieddate"] == deal["updatedAt"]
    assert "lastmodifieddate" not in deal["properties"]


def test_lifecycle_forward_backward_and_stage_dates(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    (contact_id,) = make_contacts(emu, 1, lifecyclestage="lead")
    clock.advance(3600)
    assert _patch(http, contact_id, {"lifecyclestage": "salesqualifiedlead"}).status_code == 200
    backward = _patch(http, contact_id, {"lifecyclestage": "marketingqualifiedlead"})
    assert backward.status_code == 400
    assert backward.json()["errors"][0]["context"]["propertyName"] == ["lifecyclestage"]
    clock.advance(3600)
    assert _patch(http, contact_id, {"lifecyclestage": ""}).status_code == 200
    clock.advance(3600)
    assert _patch(http, contact_id, {"lifecyclestage": "marketingqualifiedlead"}).status_code == 200
    names = [
        "lifecyclestage",
        "hs_lifecyclestage_lead_date",
        "hs_lifecyclestage_salesqualifiedlead_date",
        "hs_lifecyclestage_marketingqualifiedlead_date",
        "hs_v2_date_entered_salesqualifiedlead",
        "hs_v2_date_exited_salesqualifiedlead",
        "hs_v2_date_entered_marketingqualifiedlead",
        "hs_v2_date_exited_lead",
    ]
    assert _get(http, contact_id, *names)["properties"] == {
        "lifecyclestage": "marketingqualifiedlead",
        "hs_lifecyclestage_lead_date": "2026-03-09T09:00:00.000Z",
        "hs_lifecyclestage_salesqualifiedlead_date": "",  # a backward move clears the legacy date
        "hs_lifecyclestage_marketingqualifiedlead_date": "2026-03-09T12:00:00.000Z",
        "hs_v2_date_entered_salesqualifiedlead": "2026-03-09T10:00:00.000Z",  # v2 dates stay
        "hs_v2_date_exited_salesqualifiedlead": "2026-03-09T11:00:00.000Z",
        "hs_v2_date_entered_marketingqualifiedlead": "2026-03-09T12:00:00.000Z",
        "hs_v2_date_exited_lead": "2026-03-09T10:00:00.000Z",
    }


def test_backward_lifecycle_switch(emu: HubSpotEmulator, http: httpx.Client) -> None:
    configure(emu, behaviour=Behaviour(forward_only_lifecycle=False))
    (contact_id,) = make_contacts(emu, 1, lifecyclestage="customer")
    assert _patch(http, contact_id, {"lifecyclestage": "lead"}).status_code == 200


def test_deal_stage_dates_and_pipeline_check(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    deal = http.post(
        "/crm/v3/objects/deals", json={"properties": {"dealstage": "appointmentscheduled"}}
    ).json()
    clock.advance(60)
    moved = http.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"dealstage": "closedwon"}}
    ).json()
    props = moved["properties"]
    assert props["pipeline"] == "default"
    assert props["hs_v2_date_exited_appointmentscheduled"] == props["hs_v2_date_entered_closedwon"]
    assert props["hs_is_closed_won"] == "true"
    bad = http.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"pipeline": "other"}}
    )
    assert bad.status_code == 400


def test_archive_keeps_modified_date_and_hides_record(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    (contact_id,) = make_contacts(emu, 1)
    before = _get(http, contact_id)["updatedAt"]
    clock.advance(600)
    assert http.delete(f"{CONTACTS}/{contact_id}").status_code == 204
    assert http.get(f"{CONTACTS}/{contact_id}").status_code == 404
    archived = http.get(f"{CONTACTS}/{contact_id}", params={"archived": "true"}).json()
    assert archived["updatedAt"] == before
    assert archived["archivedAt"] == "2026-03-09T09:10:00.000Z"
    search = http.post(f"{CONTACTS}/search", json={}).json()
    assert search["total"] == 0
    assert http.delete(f"{CONTACTS}/{contact_id}").status_code == 204


@pytest.mark.parametrize("mint", [False, True])
def test_merge(emu: HubSpotEmulator, http: httpx.Client, mint: bool) -> None:
    configure(emu, behaviour=Behaviour(merge_mints_new_id=mint))
    primary, loser = make_contacts(emu, 2)
    _patch(http, loser, {"firstname": "Lou", "jobtitle": "CTO"})
    _patch(http, primary, {"firstname": "Pri"})
    response = http.post(
        f"{CONTACTS}/merge", json={"primaryObjectId": str(primary), "objectIdToMerge": str(loser)}
    )
    assert response.status_code == 200
    survivor = response.json()
    assert survivor["properties"]["firstname"] == "Pri"
    assert survivor["properties"]["jobtitle"] == "CTO"
    assert http.get(f"{CONTACTS}/{loser}").status_code == 404
    merged = survivor["properties"]["hs_merged_object_ids"].split(";")
    assert str(loser) in merged
    if mint:
        assert survivor["id"] not in (str(primary), str(loser))
        assert str(primary) in merged
        assert http.get(f"{CONTACTS}/{primary}").status_code == 404
    else:
        assert survivor["id"] == str(primary)


@pytest.mark.parametrize(
    ("props", "status"),
    [
        ({"hs_task_subject": "Call back"}, 400),
        ({"hs_timestamp": "2026-03-09T15:00:00Z", "hs_task_status": "NOT_STARTED"}, 201),
        ({"hs_timestamp": "2026-03-09T15:00:00Z", "hs_task_status": "DONE"}, 400),
        (
            {
                "hs_timestamp": "2026-03-09T15:00:00Z",
                "hs_task_priority": "HIGH",
                "hs_task_type": "CALL",
            },
            201,
        ),
    ],
)
def test_task_rules(
    emu: HubSpotEmulator, http: httpx.Client, props: dict[str, str], status: int
) -> None:
    assert http.post("/crm/v3/objects/tasks", json={"properties": props}).status_code == status


def test_task_with_association_and_completion(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    task = http.post(
        "/crm/v3/objects/tasks",
        json={
            "properties": {"hs_timestamp": "2026-03-09T15:00:00Z", "hubspot_owner_id": "41629779"},
            "associations": [
                {
                    "to": {"id": str(contact_id)},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
                }
            ],
        },
    ).json()
    done = http.patch(
        f"/crm/v3/objects/tasks/{task['id']}", json={"properties": {"hs_task_status": "COMPLETED"}}
    ).json()
    assert done["properties"]["hs_task_completion_date"] == "2026-03-09T09:00:00.000Z"
    links = http.get(f"/crm/v4/objects/contacts/{contact_id}/associations/tasks").json()["results"]
    assert links == [
        {
            "toObjectId": task["id"],
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 203, "label": None}],
        }
    ]


@pytest.mark.parametrize("type_id", [3, 999])
def test_bad_inline_association(emu: HubSpotEmulator, http: httpx.Client, type_id: int) -> None:
    (contact_id,) = make_contacts(emu, 1)
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    body = {
        "properties": {"hs_timestamp": "0"},
        "associations": [{"to": {"id": str(contact_id)}, "types": [spec]}],
    }
    assert http.post("/crm/v3/objects/tasks", json=body).status_code == 400


def test_duplicate_email_conflicts(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    response = http.post(CONTACTS, json={"properties": {"email": "PERSON0@example.com"}})
    assert response.status_code == 409
    assert response.json()["message"] == f"Contact already exists. Existing ID: {contact_id}"


def test_batch_create_partial_failure_echoes_trace_ids(
    emu: HubSpotEmulator, http: httpx.Client
) -> None:
    inputs = [
        {"properties": {"email": "ok@example.com"}, "objectWriteTraceId": "key-1"},
        {"properties": {"bogus": "x"}, "objectWriteTraceId": "key-2"},
    ]
    response = http.post(f"{CONTACTS}/batch/create", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["key-1"]
    assert body["errors"][0]["context"]["objectWriteTraceId"] == ["key-2"]
    assert body["errors"][0]["category"] == "VALIDATION_ERROR"


def test_batch_all_invalid_is_a_plain_400(emu: HubSpotEmulator, http: httpx.Client) -> None:
    inputs = [{"properties": {"bogus": "x"}}] * 2
    assert http.post(f"{CONTACTS}/batch/create", json={"inputs": inputs}).status_code == 400


@pytest.mark.parametrize(
    ("op", "count", "status"),
    [
        ("create", 100, 201),
        ("create", 101, 400),
        ("update", 101, 400),
        ("upsert", 101, 400),
        ("archive", 101, 400),
    ],
)
def test_batch_input_caps(
    emu: HubSpotEmulator, http: httpx.Client, op: str, count: int, status: int
) -> None:
    inputs = [{"id": str(i), "properties": {"email": f"e{i}@example.com"}} for i in range(count)]
    assert http.post(f"{CONTACTS}/batch/{op}", json={"inputs": inputs}).status_code == status


def test_batch_update_and_duplicates(emu: HubSpotEmulator, http: httpx.Client) -> None:
    ids = make_contacts(emu, 2)
    ok = http.post(
        f"{CONTACTS}/batch/update",
        json={"inputs": [{"id": str(i), "properties": {"firstname": "X"}} for i in ids]},
    )
    assert ok.status_code == 200
    missing = http.post(
        f"{CONTACTS}/batch/update",
        json={
            "inputs": [
                {"id": str(ids[0]), "properties": {"firstname": "Y"}},
                {"id": "7", "properties": {}},
            ]
        },
    )
    assert missing.status_code == 207
    dup = http.post(
        f"{CONTACTS}/batch/update", json={"inputs": [{"id": "1", "properties": {}}] * 2}
    )
    assert dup.status_code == 400


def test_upsert_on_unique_custom_property(emu: HubSpotEmulator, http: httpx.Client) -> None:
    prop = {
        "name": "ext_key",
        "label": "Key",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
        "hasUniqueValue": True,
    }
    assert http.post("/crm/v3/properties/contacts", json=prop).status_code == 201
    body = {"inputs": [{"id": "k1", "idProperty": "ext_key", "properties": {"firstname": "A"}}]}
    first = http.post(f"{CONTACTS}/batch/upsert", json=body).json()["results"][0]
    second = http.post(f"{CONTACTS}/batch/upsert", json=body).json()["results"][0]
    assert (first["new"], second["new"]) == (True, False)
    assert first["id"] == second["id"]
    assert first["properties"]["ext_key"] == "k1"


def test_gdpr_delete(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    body = {"objectId": "person0@example.com", "idProperty": "email"}
    assert http.post(f"{CONTACTS}/gdpr-delete", json=body).status_code == 204
    assert http.get(f"{CONTACTS}/{contact_id}", params={"archived": "true"}).status_code == 404
