"""Contract check (§18.10): simple-salesforce drives every route over real TLS sockets.

Errors must reach the caller as simple-salesforce's own exceptions, with Salesforce's status and
``errorCode`` in ``.status`` and ``.content`` (§13: branch on those, not on the class alone).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from adapters.salesforce.emulator import Behaviour, FaultKind, ManualClock, SalesforceEmulator
from adapters.salesforce.emulator.fields import text

from .conftest import configure, make_leads


def test_query_query_more_and_query_all(emu: SalesforceEmulator, sf: Salesforce) -> None:
    configure(emu, behaviour=Behaviour(page_size_override=4))
    ids = make_leads(emu, 10)
    first = sf.query("SELECT Id FROM Lead ORDER BY SystemModstamp, Id")
    assert (first["totalSize"], first["done"], len(first["records"])) == (10, False, 4)
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    locator = second["nextRecordsUrl"].rsplit("/", 1)[1]
    third = sf.query_more(locator)
    assert [r["Id"] for r in first["records"] + second["records"] + third["records"]] == ids
    assert third["done"] is True
    everything = sf.query_all(
        "SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=200"}
    )
    assert everything["totalSize"] == 10
    assert [r["Id"] for r in sf.query_all_iter("SELECT Id FROM Lead ORDER BY Id")] == ids


def test_query_all_include_deleted(emu: SalesforceEmulator, sf: Salesforce) -> None:
    lead_id = make_leads(emu, 1)[0]
    assert sf.Lead.delete(lead_id) == 204
    deleted = sf.query_all(
        "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true", include_deleted=True
    )
    assert [(r["Id"], r["IsDeleted"]) for r in deleted["records"]] == [(lead_id, True)]
    assert sf.query_all("SELECT Id FROM Lead")["totalSize"] == 0


def test_sobject_crud_describe_and_upsert(emu: SalesforceEmulator, sf: Salesforce) -> None:
    emu.org.add_field("Lead", text("Ext__c", 80, external_id=True, unique=True))
    created = sf.Lead.create({"LastName": "Moroz", "Company": "Polar Grid"})
    assert (created["success"], created["errors"]) == (True, [])
    assert sf.Lead.get(created["id"])["Company"] == "Polar Grid"
    assert sf.Lead.update(created["id"], {"Score__c": 72}) == 204
    assert sf.Lead.upsert("Ext__c/k-1", {"LastName": "New", "Company": "C"}) == 201
    assert sf.Lead.upsert("Ext__c/k-1", {"FirstName": "Again"}) == 204
    assert sf.Lead.get_by_custom_id("Ext__c", "k-1")["FirstName"] == "Again"
    assert "Score__c" in {f["name"] for f in sf.Lead.describe()["fields"]}
    assert sf.Lead.metadata()["objectDescribe"]["keyPrefix"] == "00Q"
    assert "Lead" in {o["name"] for o in sf.describe()["sobjects"]}
    assert sf.Lead.delete(created["id"]) == 204


def test_updated_and_deleted_helpers(
    emu: SalesforceEmulator, sf: Salesforce, clock: ManualClock
) -> None:
    kept, gone = make_leads(emu, 2)
    clock.advance(120)
    sf.Lead.update(kept, {"FirstName": "X"})
    sf.Lead.delete(gone)
    now = clock.now()
    assert sf.Lead.updated(now - timedelta(minutes=1), now)["ids"] == [kept]
    assert [r["id"] for r in sf.Lead.deleted(now - timedelta(days=1), now)["deletedRecords"]] == [
        gone
    ]


def test_restful_collections_composite_and_limits(sf: Salesforce) -> None:
    records = [
        {"attributes": {"type": "Lead"}, "LastName": f"L{i}", "Company": "C"} for i in range(3)
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    assert [r["success"] for r in results] == [True, True, True]
    body = {
        "compositeRequest": [
            {
                "method": "PATCH",
                "url": f"/services/data/v59.0/sobjects/Lead/{results[0]['id']}",
                "referenceId": "a",
                "body": {"Score__c": 9},
            },
        ]
    }
    assert (
        sf.restful("composite", method="POST", json=body)["compositeResponse"][0]["httpStatusCode"]
        == 204
    )
    assert (
        sf.restful(f"sobjects/Lead/{results[0]['id']}", method="PATCH", json={"Score__c": 1})
        is None
    )
    assert sf.limits()["DailyApiRequests"]["Max"] == 100_000


def _raise(sf: Salesforce, action: str) -> Any:
    actions = {
        "bad soql": lambda: sf.query("SELECT Id FROM Lead WHERE"),
        "unknown field": lambda: sf.query("SELECT Foo FROM Lead"),
        "unknown object": lambda: sf.query("SELECT Id FROM Nope"),
        "missing record": lambda: sf.Lead.get("00Q5g0000000999EAA"),
        "required field": lambda: sf.Lead.create({"LastName": "X"}),
        "ambiguous upsert": lambda: sf.Lead.upsert("Ext__c/dup", {"FirstName": "x"}),
        "server error": sf.limits,
        "expired session": lambda: sf.query("SELECT Id FROM Lead"),
        "limit": lambda: sf.query("SELECT Id FROM Lead"),
    }
    return actions[action]()


@pytest.mark.parametrize(
    ("action", "fault", "exception", "status", "code"),
    [
        ("bad soql", None, SalesforceMalformedRequest, 400, "MALFORMED_QUERY"),
        ("unknown field", None, SalesforceMalformedRequest, 400, "INVALID_FIELD"),
        ("unknown object", None, SalesforceMalformedRequest, 400, "INVALID_TYPE"),
        ("missing record", None, SalesforceResourceNotFound, 404, "NOT_FOUND"),
        ("required field", None, SalesforceMalformedRequest, 400, "REQUIRED_FIELD_MISSING"),
        ("ambiguous upsert", None, SalesforceMoreThanOneRecord, 300, None),
        ("server error", FaultKind.SERVER_ERROR, SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION"),
        (
            "expired session",
            FaultKind.SESSION_EXPIRED,
            SalesforceExpiredSession,
            401,
            "INVALID_SESSION_ID",
        ),
        ("limit", FaultKind.REQUEST_LIMIT, SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED"),
    ],
)
def test_errors_raise_simple_salesforce_exceptions(
    emu: SalesforceEmulator,
    sf: Salesforce,
    *,
    action: str,
    fault: FaultKind | None,
    exception: type[SalesforceError],
    status: int,
    code: str | None,
) -> None:
    emu.org.add_field("Lead", text("Ext__c", 80, external_id=True))
    make_leads(emu, 2, Ext__c="dup")
    if fault is not None:
        emu.faults.script(fault)
    with pytest.raises(exception) as caught:
        _raise(sf, action)
    assert caught.value.status == status
    if code is not None:
        assert caught.value.content[0]["errorCode"] == code
