"""Contract check (§19.10): hubspot-api-client 12 deserializes every emulator response.

The real SDK talks to the emulator over sockets; the generated models validate required fields and
enums on the client, so any shape drift raises here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hubspot import Client
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate
from urllib3.util.retry import Retry

from adapters.hubspot.emulator import FaultKind, HubSpotEmulator, TokenSpec

from .conftest import configure, make_contacts

TIMEOUT = 5


@pytest.fixture
def sdk(emu: HubSpotEmulator) -> Client:
    return Client.create(access_token=emu.token, host=emu.base_url, retry=Retry(0))


def _assoc(to_id: int | str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": str(to_id)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def test_objects_round_trip(emu: HubSpotEmulator, sdk: Client) -> None:
    ids = make_contacts(emu, 3, lifecyclestage="lead")
    page = sdk.crm.contacts.basic_api.get_page(
        limit=2,
        properties=["email", "lifecyclestage", "hs_lead_status"],
        properties_with_history=["lifecyclestage"],
        associations=["deals"],
        _request_timeout=TIMEOUT,
    )
    assert [r.id for r in page.results] == [str(i) for i in ids[:2]]
    assert page.results[0].properties["hs_lead_status"] is None
    assert page.results[0].properties_with_history["lifecyclestage"][0].source_type == "API"
    assert page.paging.next.after
    assert len(sdk.crm.contacts.get_all()) == 3
    one = sdk.crm.contacts.basic_api.get_by_id(
        "person1@example.com", id_property="email", _request_timeout=TIMEOUT
    )
    assert one.id == str(ids[1])
    created = sdk.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "new@example.com"}, associations=[]),
        _request_timeout=TIMEOUT,
    )
    updated = sdk.crm.contacts.basic_api.update(
        created.id,
        SimplePublicObjectInput(properties={"firstname": "New"}),
        _request_timeout=TIMEOUT,
    )
    assert updated.properties["firstname"] == "New"
    merged = sdk.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=created.id, object_id_to_merge=str(ids[2])),
        _request_timeout=TIMEOUT,
    )
    assert str(ids[2]) in merged.properties["hs_merged_object_ids"]
    sdk.crm.contacts.basic_api.archive(created.id, _request_timeout=TIMEOUT)


def test_batches(emu: HubSpotEmulator, sdk: Client) -> None:
    created = sdk.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                {
                    "properties": {"email": "a@example.com"},
                    "objectWriteTraceId": "t1",
                    "associations": [],
                }
            ]
        ),
        _request_timeout=TIMEOUT,
    )
    assert created.status == "COMPLETE"
    partial = sdk.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                {"properties": {"email": "b@example.com"}, "associations": []},
                {"properties": {"bogus": "x"}, "objectWriteTraceId": "t2", "associations": []},
            ]
        ),
        _request_timeout=TIMEOUT,
    )
    assert partial.num_errors == 1
    assert partial.errors[0].context["objectWriteTraceId"] == ["t2"]
    read = sdk.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": created.results[0].id}, {"id": "1"}],
            properties=["email"],
            properties_with_history=[],
        ),
        _request_timeout=TIMEOUT,
    )
    assert read.num_errors == 1
    upserted = sdk.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                {"id": "a@example.com", "idProperty": "email", "properties": {"firstname": "A"}}
            ]
        ),
        _request_timeout=TIMEOUT,
    )
    assert upserted.results[0].new is False


def test_search_and_tasks(emu: HubSpotEmulator, sdk: Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    task = sdk.crm.objects.tasks.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": "2026-03-09T15:00:00Z", "hs_task_subject": "Follow up"},
            associations=[_assoc(contact_id, 204)],
        ),
        _request_timeout=TIMEOUT,
    )
    request = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {
                        "propertyName": "associations.contact",
                        "operator": "EQ",
                        "value": str(contact_id),
                    }
                ]
            }
        ],
        sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        properties=["hs_task_subject"],
        limit=200,
        after="0",
    )
    found = sdk.crm.objects.tasks.search_api.do_search(request, _request_timeout=TIMEOUT)
    assert (found.total, found.results[0].id) == (1, task.id)
    contacts = sdk.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(limit=1), _request_timeout=TIMEOUT
    )
    assert contacts.total == 1


def test_schema_owners_pipelines(emu: HubSpotEmulator, sdk: Client) -> None:
    props = sdk.crm.properties.core_api.get_all("contacts", _request_timeout=TIMEOUT)
    assert any(p.name == "lifecyclestage" for p in props.results)
    sdk.crm.properties.groups_api.create(
        "tasks",
        PropertyGroupCreate(name="smarketing", label="Smarketing"),
        _request_timeout=TIMEOUT,
    )
    key = sdk.crm.properties.core_api.create(
        "tasks",
        PropertyCreate(
            name="smarketing_key",
            label="Key",
            type="string",
            field_type="text",
            group_name="smarketing",
        ),
        _request_timeout=TIMEOUT,
    )
    assert key.modification_metadata.read_only_value is False
    owners = sdk.crm.owners.owners_api.get_page(limit=1, _request_timeout=TIMEOUT)
    assert owners.results[0].id == "41629779"
    assert owners.paging.next.after == "1"
    pipelines = sdk.crm.pipelines.pipelines_api.get_all("deals", _request_timeout=TIMEOUT)
    assert pipelines.results[0].stages[0].metadata["probability"] == "0.2"


def test_associations_v4(emu: HubSpotEmulator, sdk: Client) -> None:
    (contact_id,) = make_contacts(emu, 1)
    deal = sdk.crm.deals.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"dealname": "D"}, associations=[_assoc(contact_id, 3)]
        ),
        _request_timeout=TIMEOUT,
    )
    v4 = sdk.crm.associations.v4
    page = v4.basic_api.get_page(
        "contacts", contact_id, "deals", limit=500, _request_timeout=TIMEOUT
    )
    assert page.results[0].to_object_id == deal.id
    v4.basic_api.create_default("deals", deal.id, "contacts", contact_id, _request_timeout=TIMEOUT)
    pair = v4.basic_api.create(
        "deals",
        deal.id,
        "contacts",
        contact_id,
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=3)],
        _request_timeout=TIMEOUT,
    )
    assert pair.to_object_id == str(contact_id)
    batch = v4.batch_api.get_page(
        "deals",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": deal.id}]),
        _request_timeout=TIMEOUT,
    )
    assert batch.results[0].to[0].association_types[0].type_id == 3


@pytest.mark.parametrize(
    ("setup", "status"),
    [
        ("missing", 404),
        ("invalid", 400),
        ("token", 401),
        ("scope", 403),
        ("fault", 503),
        ("conflict", 409),
    ],
)
def test_errors_raise_api_exception(
    emu: HubSpotEmulator, sdk: Client, setup: str, status: int
) -> None:
    (contact_id,) = make_contacts(emu, 1)
    if setup == "token":
        configure(emu, tokens=(TokenSpec(token="other"),))
    elif setup == "scope":
        configure(emu, tokens=(TokenSpec(scopes=frozenset()),))
    elif setup == "fault":
        emu.faults.script(FaultKind.UNAVAILABLE)
    api = sdk.crm.contacts.basic_api
    bogus = SimplePublicObjectInput(properties={"bogus": "1"})
    duplicate = SimplePublicObjectInputForCreate(
        properties={"email": "person0@example.com"}, associations=[]
    )
    calls = {
        "missing": lambda: api.get_by_id("999", _request_timeout=TIMEOUT),
        "invalid": lambda: api.update(str(contact_id), bogus, _request_timeout=TIMEOUT),
        "conflict": lambda: api.create(duplicate, _request_timeout=TIMEOUT),
    }
    with pytest.raises(Exception) as caught:  # noqa: PT011 - each SDK package has its own ApiException
        calls.get(setup, lambda: api.get_page(_request_timeout=TIMEOUT))()
    error: Any = caught.value
    assert error.status == status
    body = error.body.decode() if isinstance(error.body, bytes) else error.body
    assert json.loads(body)["correlationId"]
