"""The Tooling API's CustomField create over HTTP: the field it makes, its errors, its switches.

A created field must behave as one an admin made in Setup: describe lists it with its type and
size, SOQL selects it and writes accept it (emulator/tooling.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from adapters.salesforce.emulator import SalesforceEmulator

from .conftest import DATA, Api, configure, make_leads, soql

TOOLING = "/tooling/sobjects/CustomField"


def body(full_name: str, **metadata: Any) -> dict[str, Any]:
    """A ``CustomField`` create body; ``label`` defaults to the field's name."""
    label = full_name.partition(".")[2].removesuffix("__c").replace("_", " ")
    return {"FullName": full_name, "Metadata": {"label": label, **metadata}}


def described(api: Api, sobject: str, name: str) -> dict[str, Any]:
    fields = api.get(api.url(f"/sobjects/{sobject}/describe")).json()["fields"]
    return next(f for f in fields if f["name"] == name)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            {"type": "Number", "precision": 3, "scale": 0},
            {"type": "double", "precision": 3, "scale": 0, "soapType": "xsd:double"},
        ),
        ({"type": "Currency", "precision": 16, "scale": 2}, {"type": "currency", "scale": 2}),
        ({"type": "Text", "length": 20}, {"type": "string", "length": 20}),
        (
            {"type": "LongTextArea", "length": 1000, "visibleLines": 3},
            {"type": "textarea", "length": 1000},
        ),
        ({"type": "DateTime"}, {"type": "datetime", "soapType": "xsd:dateTime"}),
        ({"type": "Date"}, {"type": "date"}),
        ({"type": "Checkbox", "defaultValue": "false"}, {"type": "boolean", "nillable": False}),
        ({"type": "Email"}, {"type": "email", "length": 80}),
        (
            {"type": "Text", "length": 80, "externalId": True, "unique": True},
            {"externalId": True, "unique": True, "idLookup": True},
        ),
    ],
)
def test_a_created_field_is_described_like_one_made_in_setup(
    api: Api, metadata: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api.post(api.url(TOOLING), json=body("Lead.New_Field__c", **metadata))

    assert response.status_code == 201, response.text
    result = response.json()
    assert result == {"id": result["id"], "success": True, "errors": []}
    assert (len(result["id"]), result["id"][:3]) == (18, "00N")
    assert response.headers["Location"] == f"{DATA}{TOOLING}/{result['id']}"
    field = described(api, "Lead", "New_Field__c")
    assert field.items() >= {"label": "New Field", "custom": True, "updateable": True}.items()
    assert field.items() >= expected.items()


def test_soql_selects_it_and_writes_accept_it(emu: SalesforceEmulator, api: Api) -> None:
    [lead] = make_leads(emu, 1)
    api.post(api.url(TOOLING), json=body("Lead.Fit__c", type="Number", precision=3, scale=0))

    assert (
        api.get(api.url(f"/sobjects/Lead/{lead}"), params={"fields": "Fit__c"}).json()["Fit__c"]
        is None
    )
    saved = api.patch(api.url(f"/sobjects/Lead/{lead}"), json={"Fit__c": 72})

    assert saved.status_code == 204, saved.text
    rows = api.query(soql("Id, Fit__c", "Lead", f"Fit__c = 72 AND Id = '{lead}'"))["records"]
    assert [(r["Id"], r["Fit__c"]) for r in rows] == [(lead, 72)]


def test_activity_fields_go_on_task(api: Api) -> None:
    response = api.post(api.url(TOOLING), json=body("Activity.Call_Key__c", type="Text", length=64))

    assert response.status_code == 201, response.text
    assert described(api, "Task", "Call_Key__c").items() >= {"length": 64, "unique": False}.items()
    created = api.post(api.url("/sobjects/Task"), json={"Subject": "Call", "Call_Key__c": "k-1"})
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        # define_org made it, as an admin would have
        (
            body("Lead.Smarketing_Score__c", type="Number", precision=3),
            400,
            "DUPLICATE_DEVELOPER_NAME",
        ),
        (body("Lead.score__C", type="Number", precision=3), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Prospect.X__c", type="Text", length=10), 400, "INVALID_TYPE"),
        (
            body("Activity.K__c", type="Text", length=64, externalId=True),
            400,
            "FIELD_INTEGRITY_EXCEPTION",
        ),
        (body("Task.K__c", type="Text", length=64, unique=True), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.Bad_Name_", type="Text", length=10), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.Two__Parts__c", type="Text", length=10), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="Text"), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="Text", length=256), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="LongTextArea", length=100), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="Number", precision=19), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="Number", precision=3, scale=4), 400, "FIELD_INTEGRITY_EXCEPTION"),
        (body("Lead.X__c", type="Geolocation"), 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        (body("Lead.X__c", type="Text", length=10, label=""), 400, "REQUIRED_FIELD_MISSING"),
        ({"Metadata": {"type": "Text", "length": 10}}, 400, "REQUIRED_FIELD_MISSING"),
        ({"FullName": "Lead", "Metadata": {"type": "Text"}}, 400, "FIELD_INTEGRITY_EXCEPTION"),
    ],
    ids=lambda value: value if isinstance(value, str | int) else "",
)
def test_refusals_in_salesforces_error_shape(
    emu: SalesforceEmulator, api: Api, payload: dict[str, Any], status: int, code: str
) -> None:
    lead_fields = set(emu.org.object("Lead").fields)

    response = api.post(api.url(TOOLING), json=payload)

    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["errorCode"] == code
    assert error["message"]
    assert set(emu.org.object("Lead").fields) == lead_fields
    assert "K__c" not in emu.org.object("Task").fields


def test_an_org_without_the_tooling_api_answers_404(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, tooling_api=False)

    response = api.post(api.url(TOOLING), json=body("Lead.X__c", type="Text", length=10))

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"
    assert "tooling" not in api.get(api.url("")).json()
    assert emu.org.object("Lead").field("X__c") is None


def test_creating_fields_needs_customize_application(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, customizers=frozenset({"admin@acme.example"}))

    refused = api.post(api.url(TOOLING), json=body("Lead.X__c", type="Text", length=10))

    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    configure(emu, customizers=frozenset({"Integration@Smarketing.example"}))
    allowed = api.post(api.url(TOOLING), json=body("Lead.X__c", type="Text", length=10))
    assert allowed.status_code == 201, allowed.text


def test_simple_salesforce_drives_it_through_restful(sf: Salesforce, api: Api) -> None:
    result = sf.restful(
        "tooling/sobjects/CustomField",
        method="POST",
        json=body("Contact.Rating_Note__c", type="Text", length=40),
    )

    assert result is not None
    assert result["success"] is True
    assert described(api, "Contact", "Rating_Note__c")["length"] == 40
    assert "tooling" in api.get(api.url("")).json()
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("tooling/sobjects/CustomField/00N000000000001", method="GET")
