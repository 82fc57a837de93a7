"""sObject CRUD and upsert over HTTP: status codes, bodies, system fields, save errors (§4, §11)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.salesforce.emulator import Behaviour, ManualClock, SalesforceEmulator
from adapters.salesforce.emulator.fields import text
from adapters.salesforce.emulator.ids import normalize, suffix

from .conftest import DATA, Api, configure, soql

LEAD = {"LastName": "Kovalenko", "Company": "Blue Peak"}


def _create(api: Api, obj: str, body: dict[str, Any]) -> str:
    response = api.post(api.url(f"/sobjects/{obj}"), json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize(
    ("obj", "body", "prefix"),
    [
        ("Lead", LEAD, "00Q"),
        ("Contact", {"LastName": "Shevchenko"}, "003"),
        ("Account", {"Name": "Blue Peak"}, "001"),
        (
            "Opportunity",
            {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-04-01"},
            "006",
        ),
        ("Task", {"Subject": "Call"}, "00T"),
        (
            "User",
            {
                "Username": "x@y.example",
                "LastName": "X",
                "Email": "x@y.example",
                "TimeZoneSidKey": "GMT",
            },
            "005",
        ),
    ],
)
def test_create_returns_201_with_save_result(
    api: Api, obj: str, body: dict[str, Any], prefix: str
) -> None:
    response = api.post(api.url(f"/sobjects/{obj}"), json=body)
    assert response.status_code == 201
    result = response.json()
    assert result == {"id": result["id"], "success": True, "errors": []}
    record_id = result["id"]
    assert (len(record_id), record_id[:3], record_id[15:]) == (18, prefix, suffix(record_id[:15]))
    assert response.headers["Location"] == f"{DATA}/sobjects/{obj}/{record_id}"


def test_system_fields_on_create_and_update(
    emu: SalesforceEmulator, api: Api, clock: ManualClock
) -> None:
    lead_id = _create(api, "Lead", LEAD)
    created = api.get(api.url(f"/sobjects/Lead/{lead_id}")).json()
    user = emu.org.integration_user_id
    assert created["attributes"] == {"type": "Lead", "url": f"{DATA}/sobjects/Lead/{lead_id}"}
    assert (
        created["CreatedDate"]
        == created["LastModifiedDate"]
        == created["SystemModstamp"]
        == "2026-03-09T09:00:00.000+0000"
    )
    assert (created["CreatedById"], created["LastModifiedById"], created["OwnerId"]) == (
        user,
        user,
        user,
    )
    assert (created["IsDeleted"], created["IsConverted"], created["Status"]) == (
        False,
        False,
        "Open - Not Contacted",
    )
    assert created["Name"] == "Kovalenko"
    clock.advance(90)
    assert (
        api.patch(api.url(f"/sobjects/Lead/{lead_id}"), json={"FirstName": "Olena"}).status_code
        == 204
    )
    updated = api.get(
        api.url(f"/sobjects/Lead/{lead_id}"), params={"fields": "name,SystemModstamp,CreatedDate"}
    ).json()
    assert updated == {
        "attributes": created["attributes"],
        "Name": "Olena Kovalenko",
        "SystemModstamp": "2026-03-09T09:01:30.000+0000",
        "CreatedDate": "2026-03-09T09:00:00.000+0000",
    }


def test_fifteen_character_ids_are_accepted(api: Api) -> None:
    lead_id = _create(api, "Lead", LEAD)
    assert api.get(api.url(f"/sobjects/Lead/{lead_id[:15]}")).json()["Id"] == lead_id
    assert normalize(lead_id[:15]) == lead_id


def test_delete_then_404(api: Api) -> None:
    lead_id = _create(api, "Lead", LEAD)
    assert api.delete(api.url(f"/sobjects/Lead/{lead_id}")).status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        response = api.request(
            method, api.url(f"/sobjects/Lead/{lead_id}"), json={"FirstName": "x"}
        )
        assert response.status_code == 404
        assert response.json() == [
            {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
        ]


def test_not_found_message_is_a_switch(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(not_found_message="Custom"))
    assert api.get(api.url("/sobjects/Lead/00Q5g0000000999EAA")).json()[0]["message"] == "Custom"


def test_get_with_a_non_id_reads_as_an_external_id_field(api: Api) -> None:
    response = api.get(api.url("/sobjects/Lead/not-an-id"))
    assert response.status_code == 404
    assert "Provided external ID field does not exist" in response.json()[0]["message"]


@pytest.mark.parametrize(
    ("obj", "body", "code", "fields"),
    [
        ("Lead", {"LastName": "X"}, "REQUIRED_FIELD_MISSING", ["Company"]),
        ("Lead", {}, "REQUIRED_FIELD_MISSING", ["LastName", "Company"]),
        ("Lead", {**LEAD, "Foo__c": 1}, "INVALID_FIELD", ["Foo__c"]),
        (
            "Lead",
            {**LEAD, "Status": "Bogus"},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            ["Status"],
        ),
        ("Lead", {**LEAD, "IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsConverted"]),
        ("Lead", {**LEAD, "Id": "00Q5g0000000001EAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"]),
        ("Lead", {**LEAD, "FirstName": "x" * 41}, "STRING_TOO_LONG", ["FirstName"]),
        ("Lead", {**LEAD, "Email": "nope"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ("Lead", {**LEAD, "NumberOfEmployees": "many"}, "JSON_PARSER_ERROR", ["NumberOfEmployees"]),
        ("Lead", {**LEAD, "NumberOfEmployees": 1.5}, "JSON_PARSER_ERROR", ["NumberOfEmployees"]),
        ("Lead", {**LEAD, "MQL_Date__c": "yesterday"}, "JSON_PARSER_ERROR", ["MQL_Date__c"]),
        ("Lead", {**LEAD, "OwnerId": "bogus"}, "MALFORMED_ID", ["OwnerId"]),
        (
            "Lead",
            {**LEAD, "OwnerId": "0055g0000000999AAA"},
            "INVALID_CROSS_REFERENCE_KEY",
            ["OwnerId"],
        ),
        ("Lead", {**LEAD, "Status": "Unqualified"}, "FIELD_CUSTOM_VALIDATION_EXCEPTION", []),
        ("Task", {"WhoId": "00Q5g0000000999EAA"}, "INVALID_CROSS_REFERENCE_KEY", ["WhoId"]),
        ("LeadStatus", {"MasterLabel": "x"}, "INVALID_TYPE_FOR_OPERATION", None),
    ],
)
def test_save_errors(
    api: Api, obj: str, body: dict[str, Any], code: str, fields: list[str] | None
) -> None:
    response = api.post(api.url(f"/sobjects/{obj}"), json=body)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code
    assert error.get("fields") == fields


def test_values_are_stored_in_salesforce_form(api: Api) -> None:
    body = {**LEAD, "MQL_Date__c": "2026-03-09T12:00:00+02:00", "Score__c": "72", "Email": ""}
    lead_id = _create(api, "Lead", body)
    record = api.get(api.url(f"/sobjects/Lead/{lead_id}")).json()
    assert (record["MQL_Date__c"], record["Score__c"], record["Email"]) == (
        "2026-03-09T10:00:00.000+0000",
        72.0,
        None,
    )


def test_validation_rule(emu: SalesforceEmulator, api: Api) -> None:
    lead_id = _create(api, "Lead", LEAD)
    refused = api.patch(api.url(f"/sobjects/Lead/{lead_id}"), json={"Status": "Unqualified"})
    assert refused.json() == [
        {
            "message": "A rejection reason is required when a lead is disqualified.",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": [],
        }
    ]
    ok = api.patch(
        api.url(f"/sobjects/Lead/{lead_id}"),
        json={"Status": "Unqualified", "Rejection_Reason__c": "No budget"},
    )
    assert ok.status_code == 204
    configure(emu, behaviour=Behaviour(validation_rule=False))
    assert (
        api.post(api.url("/sobjects/Lead"), json={**LEAD, "Status": "Unqualified"}).status_code
        == 201
    )


def test_history_rows_follow_tracked_fields(
    emu: SalesforceEmulator, api: Api, clock: ManualClock
) -> None:
    lead_id = _create(api, "Lead", LEAD)
    user = _create(
        api,
        "User",
        {
            "Username": "rep@x.example",
            "LastName": "Rep",
            "Email": "rep@x.example",
            "TimeZoneSidKey": "Europe/Kyiv",
        },
    )
    clock.advance(60)
    api.patch(
        api.url(f"/sobjects/Lead/{lead_id}"),
        json={"Status": "Working - Contacted", "OwnerId": user, "Title": "CEO"},
    )
    q = soql(
        "Field, OldValue, NewValue, CreatedDate",
        "LeadHistory",
        f"LeadId = '{lead_id}'",
        "CreatedDate, Field",
    )
    rows = [
        (r["Field"], r["OldValue"], r["NewValue"], r["CreatedDate"])
        for r in api.get(api.url("/query"), params={"q": q}).json()["records"]
    ]
    assert rows == [
        ("created", None, None, "2026-03-09T09:00:00.000+0000"),
        ("Owner", emu.org.integration_user_id, user, "2026-03-09T09:01:00.000+0000"),
        ("Status", "Open - Not Contacted", "Working - Contacted", "2026-03-09T09:01:00.000+0000"),
    ]


def test_untracked_status_writes_no_history(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(lead_history_fields=()))
    lead_id = _create(api, "Lead", LEAD)
    api.patch(api.url(f"/sobjects/Lead/{lead_id}"), json={"Status": "Working - Contacted"})
    assert (
        api.get(api.url("/query"), params={"q": "SELECT COUNT() FROM LeadHistory"}).json()[
            "totalSize"
        ]
        == 0
    )


def test_opportunity_derivations_and_history(api: Api, clock: ManualClock) -> None:
    opp = _create(
        api,
        "Opportunity",
        {"Name": "D", "StageName": "Prospecting", "CloseDate": "2026-04-01", "Amount": 1000},
    )
    clock.advance(60)
    api.patch(api.url(f"/sobjects/Opportunity/{opp}"), json={"StageName": "Closed Won"})
    api.patch(api.url(f"/sobjects/Opportunity/{opp}"), json={"Name": "Renamed"})
    record = api.get(api.url(f"/sobjects/Opportunity/{opp}")).json()
    assert (
        record["IsClosed"],
        record["IsWon"],
        record["Probability"],
        record["ExpectedRevenue"],
    ) == (True, True, 100.0, 1000.0)
    assert record["ForecastCategoryName"] == "Closed"
    q = soql(
        "StageName, Amount, PrevAmount",
        "OpportunityHistory",
        f"OpportunityId = '{opp}'",
        "CreatedDate",
    )
    rows = api.get(api.url("/query"), params={"q": q}).json()["records"]
    assert [(r["StageName"], r["Amount"], r["PrevAmount"]) for r in rows] == [
        ("Prospecting", 1000.0, None),
        ("Closed Won", 1000.0, 1000.0),
    ]


def test_task_derivations(api: Api) -> None:
    lead_id = _create(api, "Lead", LEAD)
    task = _create(
        api,
        "Task",
        {
            "WhoId": lead_id,
            "Subject": "Call",
            "Status": "Completed",
            "Priority": "High",
            "ActivityDate": "2026-03-09",
        },
    )
    record = api.get(api.url(f"/sobjects/Task/{task}")).json()
    assert (record["IsClosed"], record["IsHighPriority"], record["CompletedDateTime"]) == (
        True,
        True,
        "2026-03-09T09:00:00.000+0000",
    )
    assert record["ActivityDate"] == "2026-03-09"
    account = _create(api, "Account", {"Name": "A"})
    response = api.post(api.url("/sobjects/Task"), json={"WhoId": lead_id, "WhatId": account})
    assert response.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def _ext_field(emu: SalesforceEmulator, unique: bool = True) -> None:
    emu.org.add_field("Lead", text("Ext__c", 80, external_id=True, unique=unique))


def test_upsert_creates_then_updates(emu: SalesforceEmulator, api: Api) -> None:
    _ext_field(emu)
    url = api.url("/sobjects/Lead/Ext__c/key-1")
    created = api.patch(url, json=LEAD)
    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "success": True, "errors": []}
    updated = api.patch(url, json={"FirstName": "Again"})
    assert (updated.status_code, updated.text) == (204, "")
    record = api.get(api.url("/sobjects/Lead/Ext__c/KEY-1")).json()
    assert (record["Id"], record["FirstName"], record["Ext__c"]) == (
        created.json()["id"],
        "Again",
        "key-1",
    )


def test_upsert_update_response_switch(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(upsert_update_status=200))
    _ext_field(emu)
    url = api.url("/sobjects/Lead/Ext__c/key-1")
    assert api.patch(url, json=LEAD).json()["created"] is True
    second = api.patch(url, json={"FirstName": "B"})
    assert (second.status_code, second.json()["created"]) == (200, False)


def test_upsert_with_several_matches_is_300_and_writes_nothing(
    emu: SalesforceEmulator, api: Api
) -> None:
    _ext_field(emu, unique=False)
    first = _create(api, "Lead", {**LEAD, "Ext__c": "dup"})
    second = _create(api, "Lead", {**LEAD, "Ext__c": "DUP"})
    response = api.patch(api.url("/sobjects/Lead/Ext__c/dup"), json={"FirstName": "X"})
    assert response.status_code == 300
    assert response.json() == [f"{DATA}/sobjects/Lead/{first}", f"{DATA}/sobjects/Lead/{second}"]
    assert api.get(api.url(f"/sobjects/Lead/{first}")).json()["FirstName"] is None


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/sobjects/Lead/Company/x", LEAD, 404, "NOT_FOUND"),
        ("/sobjects/Lead/Ext__c/k", {**LEAD, "Ext__c": "k"}, 400, "INVALID_FIELD"),
        ("/sobjects/Lead/Ext__c/new?updateOnly=true", LEAD, 404, "NOT_FOUND"),
    ],
)
def test_upsert_errors(
    emu: SalesforceEmulator, api: Api, *, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    _ext_field(emu)
    response = api.patch(api.url(path), json=body)
    assert (response.status_code, response.json()[0]["errorCode"]) == (status, code)


def test_unique_external_id_refuses_duplicates(emu: SalesforceEmulator, api: Api) -> None:
    _ext_field(emu)
    _create(api, "Lead", {**LEAD, "Ext__c": "k"})
    response = api.post(api.url("/sobjects/Lead"), json={**LEAD, "Ext__c": "K"})
    assert response.json()[0]["errorCode"] == "DUPLICATE_VALUE"


@pytest.mark.parametrize("unique", [True, False])
def test_task_fields_cannot_be_external_or_unique(emu: SalesforceEmulator, unique: bool) -> None:
    definition = text("Key__c", 80, external_id=not unique, unique=unique)
    with pytest.raises(ValueError, match="activity custom fields cannot be External ID or Unique"):
        emu.org.add_field("Task", definition)
    emu.org.add_field("Task", text("Plain_Key__c", 80))
    assert "Plain_Key__c" in emu.org.objects["Task"].fields
