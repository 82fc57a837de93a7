"""sObject Collections and Composite (§5, §6): per-record results, allOrNone, references, limits."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.salesforce.emulator import FaultKind, Faults, SalesforceEmulator
from adapters.salesforce.emulator.fields import text

from .conftest import DATA, Api, configure, make_leads, soql

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


def _lead(**fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C", **fields}


def _count(api: Api, obj: str = "Lead") -> int:
    return int(api.query(soql("COUNT()", obj))["totalSize"])


def test_create_mixed_types_in_input_order(api: Api) -> None:
    records = [
        _lead(),
        {"attributes": {"type": "Task"}, "Subject": "x"},
        _lead(LastName=None),
        _lead(),
    ]
    response = api.post(
        api.url("/composite/sobjects"), json={"allOrNone": False, "records": records}
    )
    assert response.status_code == 200
    results = response.json()
    assert [r["success"] for r in results] == [True, True, False, True]
    assert [r["id"][:3] for r in results if r["success"]] == ["00Q", "00T", "00Q"]
    assert results[2] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    assert _count(api) == 2


def test_all_or_none_rolls_back_every_record(api: Api) -> None:
    body = {"allOrNone": True, "records": [_lead(), _lead(Status="Bogus"), _lead()]}
    results = api.post(api.url("/composite/sobjects"), json=body).json()
    assert [r["success"] for r in results] == [False, False, False]
    assert results[0]["errors"] == [ROLLED_BACK]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert _count(api) == 0
    assert _count(api, "LeadHistory") == 0


def test_update_and_delete(emu: SalesforceEmulator, api: Api) -> None:
    first, second, third = make_leads(emu, 3)
    api.delete(api.url(f"/sobjects/Lead/{third}"))
    records = [
        {"attributes": {"type": "Lead"}, "id": first, "Score__c": 72},
        {"attributes": {"type": "Lead"}, "id": third, "Score__c": 10},
        {"attributes": {"type": "Lead"}, "Score__c": 10},
    ]
    results = api.patch(api.url("/composite/sobjects"), json={"records": records}).json()
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert api.get(api.url(f"/sobjects/Lead/{first}")).json()["Score__c"] == 72.0
    deleted = api.delete(
        api.url("/composite/sobjects"), params={"ids": f"{second},{third},bogus"}
    ).json()
    assert [r["success"] for r in deleted] == [True, False, False]
    assert [r["errors"][0]["statusCode"] for r in deleted[1:]] == [
        "ENTITY_IS_DELETED",
        "INVALID_CROSS_REFERENCE_KEY",
    ]


def test_upsert_by_external_id(emu: SalesforceEmulator, api: Api) -> None:
    emu.org.add_field("Lead", text("Ext__c", 80, external_id=True, unique=True))
    url = api.url("/composite/sobjects/Lead/Ext__c")
    first = api.patch(url, json={"records": [_lead(Ext__c="a"), _lead(Ext__c="b")]}).json()
    assert [r["created"] for r in first] == [True, True]
    second = api.patch(
        url, json={"records": [_lead(Ext__c="a", FirstName="X"), _lead(Ext__c="c")]}
    ).json()
    assert [(r["id"] == first[0]["id"], r["created"]) for r in second] == [
        (True, False),
        (False, True),
    ]
    assert _count(api) == 3


def test_retrieve(emu: SalesforceEmulator, api: Api) -> None:
    lead_id = make_leads(emu, 1)[0]
    body = api.get(
        api.url("/composite/sobjects/Lead"),
        params={"ids": f"{lead_id},00Q5g0000000999EAA", "fields": "LastName,Company"},
    ).json()
    assert body == [
        {
            "attributes": {"type": "Lead", "url": f"{DATA}/sobjects/Lead/{lead_id}"},
            "LastName": "Lead0",
            "Company": "Acme",
        },
        None,
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/composite/sobjects", {"records": [_lead()] * 201}, "EXCEEDED_ID_LIMIT"),
        ("POST", "/composite/sobjects", {"allOrNone": True}, "JSON_PARSER_ERROR"),
        ("POST", "/composite", {"compositeRequest": []}, "LIMIT_EXCEEDED"),
        (
            "POST",
            "/composite",
            {
                "compositeRequest": [
                    {"method": "GET", "url": f"{DATA}/limits", "referenceId": f"r{i}"}
                    for i in range(26)
                ]
            },
            "LIMIT_EXCEEDED",
        ),
        (
            "POST",
            "/composite",
            {"compositeRequest": [{"method": "GET", "url": f"{DATA}/limits"}]},
            "INVALID_INPUT",
        ),
    ],
)
def test_malformed_requests_are_400(
    api: Api, method: str, path: str, body: dict[str, Any], code: str
) -> None:
    response = api.request(method, api.url(path), json=body)
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, code)


def test_collection_counts_as_one_call(emu: SalesforceEmulator, api: Api) -> None:
    api.post(api.url("/composite/sobjects"), json={"records": [_lead() for _ in range(200)]})
    assert emu.runtime.limiter.used == 1


def test_per_record_lock_faults(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, faults=Faults(seed=3, lock_fraction=0.25))
    emu.faults.script(FaultKind.LOCK_RECORDS)
    results = api.post(
        api.url("/composite/sobjects"), json={"records": [_lead() for _ in range(8)]}
    ).json()
    locked = [r for r in results if not r["success"]]
    assert len(locked) == 2
    assert {e["statusCode"] for r in locked for e in r["errors"]} == {"UNABLE_TO_LOCK_ROW"}
    assert _count(api) == 6


def _sub(method: str, path: str, reference: str, body: Any = None) -> dict[str, Any]:
    sub = {"method": method, "url": f"{DATA}{path}", "referenceId": reference}
    return sub if body is None else {**sub, "body": body}


def test_composite_references_earlier_results(api: Api) -> None:
    requests_ = [
        _sub("POST", "/sobjects/Lead", "lead", {"LastName": "L", "Company": "C"}),
        _sub("POST", "/sobjects/Task", "task", {"WhoId": "@{lead.id}", "Subject": "Follow up"}),
        _sub("PATCH", "/sobjects/Lead/@{lead.id}", "score", {"Score__c": 72}),
        _sub("GET", "/query?q=SELECT+Id,WhoId+FROM+Task", "tasks"),
        _sub("GET", "/sobjects/Lead/@{tasks.records[0].WhoId}?fields=Score__c", "check"),
    ]
    body = api.post(
        api.url("/composite"), json={"allOrNone": True, "compositeRequest": requests_}
    ).json()
    responses = body["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 204, 200, 200]
    assert [r["referenceId"] for r in responses] == ["lead", "task", "score", "tasks", "check"]
    lead_id = responses[0]["body"]["id"]
    assert responses[0]["httpHeaders"] == {"Location": f"{DATA}/sobjects/Lead/{lead_id}"}
    assert (responses[2]["body"], responses[2]["httpHeaders"]) == (None, {})
    assert responses[3]["body"]["records"][0]["WhoId"] == lead_id
    assert responses[4]["body"]["Score__c"] == 72.0


def test_composite_all_or_none_halts_and_rolls_back(api: Api) -> None:
    requests_ = [
        _sub("POST", "/sobjects/Lead", "a", {"LastName": "L", "Company": "C"}),
        _sub("POST", "/sobjects/Lead", "b", {"LastName": "L"}),
        _sub("POST", "/sobjects/Lead", "c", {"LastName": "L", "Company": "C"}),
    ]
    body = api.post(
        api.url("/composite"), json={"allOrNone": True, "compositeRequest": requests_}
    ).json()
    codes = [
        (r["referenceId"], r["httpStatusCode"], r["body"][0]["errorCode"])
        for r in body["compositeResponse"]
    ]
    assert codes == [
        ("a", 400, "PROCESSING_HALTED"),
        ("b", 400, "REQUIRED_FIELD_MISSING"),
        ("c", 400, "PROCESSING_HALTED"),
    ]
    assert _count(api) == 0


def test_composite_without_all_or_none_halts_dependents_only(api: Api) -> None:
    requests_ = [
        _sub("POST", "/sobjects/Lead", "bad", {"LastName": "L"}),
        _sub("POST", "/sobjects/Task", "task", {"WhoId": "@{bad.id}"}),
        _sub("POST", "/sobjects/Lead", "good", {"LastName": "L", "Company": "C"}),
    ]
    body = api.post(api.url("/composite"), json={"compositeRequest": requests_}).json()
    statuses = [r["httpStatusCode"] for r in body["compositeResponse"]]
    assert statuses == [400, 400, 201]
    assert body["compositeResponse"][1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert _count(api) == 1


def test_composite_batch_meters_each_subrequest(emu: SalesforceEmulator, api: Api) -> None:
    lead_id = make_leads(emu, 1)[0]
    batch = [
        {"method": "GET", "url": f"v59.0/sobjects/Lead/{lead_id}"},
        {"method": "PATCH", "url": f"v59.0/sobjects/Lead/{lead_id}", "richInput": {"Score__c": 5}},
        {"method": "GET", "url": "v59.0/sobjects/Lead/00Q5g0000000999EAA"},
    ]
    body = api.post(api.url("/composite/batch"), json={"batchRequests": batch}).json()
    assert body["hasErrors"] is True
    assert [r["statusCode"] for r in body["results"]] == [200, 204, 404]
    assert emu.runtime.limiter.used == 4
