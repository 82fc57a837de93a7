"""Reads: list paging and limits, projection, history, get by id or unique property, batch read."""

from __future__ import annotations

import httpx
import pytest

from adapters.hubspot.emulator import HubSpotEmulator, ManualClock, ObjectType
from adapters.hubspot.emulator.writes import archive, update

from .conftest import make_contacts


def test_list_pages_by_id_and_omits_paging_on_last_page(
    emu: HubSpotEmulator, http: httpx.Client
) -> None:
    ids = make_contacts(emu, 25)
    seen: list[int] = []
    after: str | None = None
    pages = 0
    while True:
        params = {"limit": "10", **({"after": after} if after else {})}
        body = http.get("/crm/v3/objects/contacts", params=params).json()
        seen += [int(r["id"]) for r in body["results"]]
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"].endswith(f"after={after}")
    assert seen == ids
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 200),
        ({"limit": "100"}, 200),
        ({"limit": "101"}, 400),
        ({"limit": "50", "propertiesWithHistory": "email"}, 200),
        ({"limit": "51", "propertiesWithHistory": "email"}, 400),
        ({"after": "abc"}, 400),
        ({"archived": "True"}, 200),
        ({"archived": "maybe"}, 400),
    ],
)
def test_list_limits(
    emu: HubSpotEmulator, http: httpx.Client, params: dict[str, str], status: int
) -> None:
    response = http.get("/crm/v3/objects/contacts", params=params)
    assert response.status_code == status
    if status == 400:
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_default_limit_is_ten(emu: HubSpotEmulator, http: httpx.Client) -> None:
    make_contacts(emu, 12)
    assert len(http.get("/crm/v3/objects/contacts").json()["results"]) == 10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}),
        ("properties=email&properties=lifecyclestage", {"email", "lifecyclestage"}),
        ("properties=email,lifecyclestage", {"email", "lifecyclestage"}),
        ("properties=email,nonexistent", {"email"}),
        ("properties=hs_lead_status", {"hs_lead_status"}),
    ],
)
def test_projection(
    emu: HubSpotEmulator, http: httpx.Client, query: str, expected: set[str]
) -> None:
    make_contacts(emu, 1, lifecyclestage="lead")
    record = http.get(f"/crm/v3/objects/contacts?{query}").json()["results"][0]
    assert set(record["properties"]) == expected
    assert all(v is None or isinstance(v, str) for v in record["properties"].values())
    if "hs_lead_status" in expected:
        assert record["properties"]["hs_lead_status"] is None


def test_archived_true_lists_only_archived(emu: HubSpotEmulator, http: httpx.Client) -> None:
    ids = make_contacts(emu, 3)
    archive(emu.state, ObjectType.CONTACTS, emu.state.record(ObjectType.CONTACTS, ids[1]))
    live = http.get("/crm/v3/objects/contacts").json()["results"]
    gone = http.get("/crm/v3/objects/contacts", params={"archived": "true"}).json()["results"]
    assert [int(r["id"]) for r in live] == [ids[0], ids[2]]
    assert [(int(r["id"]), r["archived"]) for r in gone] == [(ids[1], True)]
    assert gone[0]["archivedAt"]


def test_history_newest_first(emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock) -> None:
    (contact_id,) = make_contacts(emu, 1, lifecyclestage="lead")
    clock.advance(3600)
    record = emu.state.record(ObjectType.CONTACTS, contact_id)
    update(emu.state, ObjectType.CONTACTS, record, {"lifecyclestage": "marketingqualifiedlead"})
    body = http.get(
        f"/crm/v3/objects/contacts/{contact_id}", params={"propertiesWithHistory": "lifecyclestage"}
    ).json()
    history = body["propertiesWithHistory"]["lifecyclestage"]
    assert [h["value"] for h in history] == ["marketingqualifiedlead", "lead"]
    assert history[0]["sourceType"] == "API"
    assert history[0]["timestamp"] == "2026-03-09T10:00:00.000Z"
    assert history[1]["timestamp"] == "2026-03-09T09:00:00.000Z"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/crm/v3/objects/contacts/{id}", 200),
        ("/crm/v3/objects/0-1/{id}", 200),
        ("/crm/objects/2026-03/contacts/{id}", 200),
        ("/crm/v3/objects/contacts/person0@example.com?idProperty=email", 200),
        ("/crm/v3/objects/contacts/PERSON0@EXAMPLE.COM?idProperty=email", 200),
        ("/crm/v3/objects/contacts/nobody@example.com?idProperty=email", 404),
        ("/crm/v3/objects/contacts/x?idProperty=firstname", 400),
        ("/crm/v3/objects/contacts/999999", 404),
        ("/crm/v3/objects/widgets/1", 400),
    ],
)
def test_get(emu: HubSpotEmulator, http: httpx.Client, path: str, status: int) -> None:
    (contact_id,) = make_contacts(emu, 1)
    response = http.get(path.format(id=contact_id))
    assert response.status_code == status
    body = response.json()
    if status == 200:
        assert body["id"] == str(contact_id)
    else:
        assert {"status", "message", "correlationId", "category"} <= set(body)


@pytest.mark.parametrize(
    ("inputs", "history", "status"),
    [(100, False, 200), (101, False, 400), (50, True, 200), (51, True, 400)],
)
def test_batch_read_limits(
    emu: HubSpotEmulator, http: httpx.Client, inputs: int, history: bool, status: int
) -> None:
    body = {
        "inputs": [{"id": str(i)} for i in range(inputs)],
        "properties": ["email"],
        "propertiesWithHistory": ["email"] if history else [],
    }
    response = http.post("/crm/v3/objects/contacts/batch/read", json=body)
    assert response.status_code == (207 if status == 200 else status)
    if status == 400 and history:
        assert "property histories is 50" in response.json()["message"]


def test_batch_read_reports_missing_ids(emu: HubSpotEmulator, http: httpx.Client) -> None:
    ids = make_contacts(emu, 2)
    body = {
        "inputs": [{"id": str(ids[0])}, {"id": "5"}, {"id": str(ids[1])}],
        "properties": ["email"],
    }
    response = http.post("/crm/v3/objects/contacts/batch/read", json=body)
    assert response.status_code == 207
    payload = response.json()
    assert [r["id"] for r in payload["results"]] == [str(ids[0]), str(ids[1])]
    assert payload["numErrors"] == 1
    assert payload["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert payload["errors"][0]["context"] == {"ids": ["5"]}


def test_batch_read_by_email(emu: HubSpotEmulator, http: httpx.Client) -> None:
    make_contacts(emu, 2)
    body = {
        "inputs": [{"id": "person1@example.com"}],
        "idProperty": "email",
        "properties": ["email"],
    }
    payload = http.post("/crm/v3/objects/contacts/batch/read", json=body).json()
    assert payload["results"][0]["properties"] == {"email": "person1@example.com"}


def test_v3_associations_on_read(emu: HubSpotEmulator, http: httpx.Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    deal = http.post(
        "/crm/v3/objects/deals",
        json={
            "properties": {"dealname": "D", "dealstage": "qualifiedtobuy"},
            "associations": [
                {
                    "to": {"id": str(contact_id)},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ],
        },
    ).json()
    body = http.get(
        f"/crm/v3/objects/contacts/{contact_id}", params={"associations": "deals"}
    ).json()
    assert body["associations"] == {
        "deals": {"results": [{"id": deal["id"], "type": "contact_to_deal"}]}
    }
