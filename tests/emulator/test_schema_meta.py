"""Properties and groups (§5), owners (§6), pipelines (§7) and v4 associations (§9)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.hubspot.emulator import HubSpotEmulator, Owner

from .conftest import make_contacts

PROPS = "/crm/v3/properties/contacts"
SCORE = {
    "name": "smarketing_score",
    "label": "Smarketing score",
    "type": "number",
    "fieldType": "number",
    "groupName": "smarketing",
}


def test_standard_properties_mark_read_only(emu: HubSpotEmulator, http: httpx.Client) -> None:
    by_name = {p["name"]: p for p in http.get(PROPS).json()["results"]}
    assert by_name["hs_object_id"]["modificationMetadata"]["readOnlyValue"] is True
    assert by_name["email"]["modificationMetadata"]["readOnlyValue"] is False
    assert by_name["email"]["hasUniqueValue"] is True
    stages = [o["value"] for o in by_name["lifecyclestage"]["options"]]
    assert stages[:4] == ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"]
    assert [o["value"] for o in by_name["hubspot_owner_id"]["options"]] == ["41629779", "41629780"]
    assert by_name["hs_v2_date_entered_customer"]["type"] == "datetime"


def test_create_group_then_property_then_conflict(emu: HubSpotEmulator, http: httpx.Client) -> None:
    assert http.post(PROPS, json=SCORE).status_code == 400, "the group does not exist yet"
    group = {"name": "smarketing", "label": "Smarketing", "displayOrder": -1}
    assert http.post(f"{PROPS}/groups", json=group).status_code == 201
    assert http.post(f"{PROPS}/groups", json=group).status_code == 409
    created = http.post(PROPS, json=SCORE)
    assert created.status_code == 201
    assert created.json()["hubspotDefined"] is False
    duplicate = http.post(PROPS, json=SCORE)
    assert duplicate.status_code == 409
    assert duplicate.json()["message"] == "Property named 'smarketing_score' already exists."
    assert http.get(f"{PROPS}/smarketing_score").json()["groupName"] == "smarketing"
    (contact_id,) = make_contacts(emu, 1)
    patched = http.patch(
        f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"smarketing_score": 72}}
    )
    assert patched.json()["properties"]["smarketing_score"] == "72"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"type": "decimal"}, "INVALID_TYPE"),
        ({"fieldType": "slider"}, "INVALID_FIELD_TYPE"),
        ({"type": "enumeration", "fieldType": "select"}, "MISSING_OPTIONS"),
        ({"name": "Bad Name"}, "INVALID_NAME"),
    ],
)
def test_invalid_property_definitions(
    emu: HubSpotEmulator, http: httpx.Client, change: dict[str, Any], field: str
) -> None:
    body = {**SCORE, "groupName": "contactinformation", **change}
    response = http.post(PROPS, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400
    assert field in str(response.json()["errors"])


def test_archive_custom_property_only(emu: HubSpotEmulator, http: httpx.Client) -> None:
    http.post(PROPS, json={**SCORE, "groupName": "contactinformation"})
    assert http.delete(f"{PROPS}/smarketing_score").status_code == 204
    assert http.get(f"{PROPS}/smarketing_score").status_code == 404
    assert [p["name"] for p in http.get(PROPS, params={"archived": "true"}).json()["results"]] == [
        "smarketing_score"
    ]
    assert http.delete(f"{PROPS}/email").status_code == 400


def test_owners_paging_and_filters(emu: HubSpotEmulator, http: httpx.Client) -> None:
    emu.state.add_owners(
        Owner(str(50 + i), f"o{i}@x.example", "O", str(i), 100 + i) for i in range(3)
    )
    pages = [http.get("/crm/v3/owners", params={"limit": "2"}).json()]
    while "paging" in pages[-1]:
        after = pages[-1]["paging"]["next"]["after"]
        pages.append(http.get("/crm/v3/owners/", params={"limit": "2", "after": after}).json())
    assert [len(page["results"]) for page in pages] == [2, 2, 1]
    assert "paging" not in http.get("/crm/v3/owners/", params={"after": "4"}).json()
    by_email = http.get("/crm/v3/owners/", params={"email": "ANN@seller.example"}).json()["results"]
    assert [o["id"] for o in by_email] == ["41629779"]
    assert by_email[0]["teams"] == [{"id": "7", "name": "SMB", "primary": True}]
    assert (
        http.get("/crm/v3/owners/9002", params={"idProperty": "userId"}).json()["id"] == "41629780"
    )
    assert http.get("/crm/v3/owners/1").status_code == 404


def test_pipelines(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (pipeline,) = http.get("/crm/v3/pipelines/deals").json()["results"]
    assert pipeline["id"] == "default"
    stages = {s["id"]: s["metadata"] for s in pipeline["stages"]}
    assert stages["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["appointmentscheduled"]["probability"] == "0.2"
    assert (
        http.get("/crm/v3/pipelines/deals/default/stages/closedlost").json()["label"]
        == "Closed Lost"
    )
    assert http.get("/crm/v3/pipelines/deals/nope").status_code == 404


def _company(http: httpx.Client) -> str:
    return str(
        http.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}}).json()["id"]
    )


def test_v4_record_level(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    company_id = _company(http)
    base = f"/crm/v4/objects/contacts/{contact_id}/associations"
    default = http.put(
        f"/crm/v4/objects/contacts/{contact_id}/associations/default/companies/{company_id}"
    )
    assert default.json()["results"][0]["associationSpec"]["associationTypeId"] == 279
    labelled = http.put(
        f"{base}/companies/{company_id}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
    )
    assert labelled.json()["labels"] == ["Primary"]
    read = http.get(f"{base}/companies").json()["results"]
    assert read == [
        {
            "toObjectId": company_id,
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
            ],
        }
    ]
    back = http.get(f"/crm/v4/objects/companies/{company_id}/associations/contacts").json()[
        "results"
    ]
    assert [t["typeId"] for t in back[0]["associationTypes"]] == [2, 280]
    assert http.delete(f"{base}/companies/{company_id}").status_code == 204
    assert http.get(f"{base}/companies").json()["results"] == []


def test_v4_batch(emu: HubSpotEmulator, http: httpx.Client) -> None:
    contacts = make_contacts(emu, 3)
    company_id = _company(http)
    inputs = [{"from": {"id": str(c)}, "to": {"id": company_id}} for c in contacts]
    assert (
        http.post(
            "/crm/v4/associations/contacts/companies/batch/associate/default",
            json={"inputs": inputs},
        ).status_code
        == 200
    )
    read = http.post(
        "/crm/v4/associations/contacts/companies/batch/read",
        json={"inputs": [{"id": str(c)} for c in contacts] + [{"id": "1"}]},
    ).json()
    assert [r["from"]["id"] for r in read["results"]] == [str(c) for c in contacts]
    too_many = {"inputs": [{"id": str(i)} for i in range(1001)]}
    assert (
        http.post("/crm/v4/associations/contacts/companies/batch/read", json=too_many).status_code
        == 400
    )
    archive = {"inputs": [{"from": {"id": str(contacts[0])}, "to": [{"id": company_id}]}]}
    assert (
        http.post("/crm/v4/associations/contacts/companies/batch/archive", json=archive).status_code
        == 204
    )
    labels = http.get("/crm/associations/v4/contacts/companies/labels").json()["results"]
    assert {label["typeId"] for label in labels} == {1, 279}
