"""Search: operators, case rules, caps, sort, the 10,000 cap, index lag, archived records (§4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.hubspot.emulator import Behaviour, HubSpotEmulator, ManualClock, ObjectType
from adapters.hubspot.emulator.records import Record
from adapters.hubspot.emulator.writes import archive, create

from .conftest import configure

SEARCH = "/crm/v3/objects/contacts/search"


def _search(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(SEARCH, json=body)


def _ids(http: httpx.Client, *filters: dict[str, Any], **body: Any) -> list[str]:
    if filters:
        body["filterGroups"] = [{"filters": list(filters)}]
    response = _search(http, limit=200, **body)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


@pytest.fixture
def people(emu: HubSpotEmulator, clock: ManualClock) -> dict[str, str]:
    """Four contacts created a minute apart; name → id."""
    rows = [
        (
            "ann",
            {
                "email": "ann@acme.com",
                "firstname": "Ann",
                "lifecyclestage": "lead",
                "jobtitle": "VP Sales",
            },
        ),
        (
            "bob",
            {
                "email": "bob@acme.com",
                "firstname": "Bob",
                "lifecyclestage": "marketingqualifiedlead",
            },
        ),
        ("cy", {"email": "cy@other.org", "firstname": "Cy", "hs_lead_status": "NEW"}),
        ("di", {"email": "di@other.org", "firstname": "DI", "lifecyclestage": "customer"}),
    ]
    ids = {}
    for name, props in rows:
        ids[name] = str(create(emu.state, ObjectType.CONTACTS, props).id)
        clock.advance(60)
    return ids


def _f(name: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    item = {"propertyName": name, "operator": op, **extra}
    if value is not None:
        item["value"] = value
    return item


CASES: list[tuple[dict[str, Any], list[str]]] = [
    (_f("firstname", "EQ", "ann"), ["ann"]),  # strings: case-insensitive
    (_f("firstname", "EQ", "ANN"), ["ann"]),
    (_f("lifecyclestage", "EQ", "LEAD"), []),  # enumerations: case-sensitive
    (_f("lifecyclestage", "EQ", "lead"), ["ann"]),
    (_f("lifecyclestage", "NEQ", "lead"), ["bob", "cy", "di"]),
    (_f("firstname", "IN", values=["ann", "di"]), ["ann", "di"]),
    (_f("firstname", "IN", values=["Ann"]), []),  # IN string values must be lowercase
    (_f("lifecyclestage", "IN", values=["lead", "customer"]), ["ann", "di"]),
    (_f("lifecyclestage", "NOT_IN", values=["lead"]), ["bob", "cy", "di"]),
    (_f("hs_lead_status", "HAS_PROPERTY"), ["cy"]),
    (_f("lifecyclestage", "NOT_HAS_PROPERTY"), ["cy"]),
    (_f("email", "CONTAINS_TOKEN", "*@acme.com"), ["ann", "bob"]),
    (_f("jobtitle", "CONTAINS_TOKEN", "sales"), ["ann"]),
    (_f("email", "NOT_CONTAINS_TOKEN", "*@acme.com"), ["cy", "di"]),
    (_f("createdate", "GT", "1773046860000"), ["cy", "di"]),  # epoch ms of 09:01
    (_f("createdate", "GTE", "2026-03-09T09:01:00Z"), ["bob", "cy", "di"]),
    (_f("createdate", "LT", "2026-03-09T09:01:00.000Z"), ["ann"]),
    (_f("createdate", "LTE", "1773046860000"), ["ann", "bob"]),
    (_f("lastmodifieddate", "BETWEEN", "1773046860000", highValue="1773046920000"), ["bob", "cy"]),
    (_f("hs_object_id", "GT", "0"), ["ann", "bob", "cy", "di"]),
]


@pytest.mark.parametrize(("item", "expected"), CASES)
def test_operators(
    http: httpx.Client, people: dict[str, str], item: dict[str, Any], expected: list[str]
) -> None:
    assert _ids(http, item) == [people[n] for n in expected]


def test_groups_are_ored_and_filters_anded(http: httpx.Client, people: dict[str, str]) -> None:
    groups = [
        {"filters": [_f("email", "CONTAINS_TOKEN", "*@acme.com"), _f("firstname", "EQ", "bob")]},
        {"filters": [_f("firstname", "EQ", "di")]},
    ]
    assert _ids(http, filterGroups=groups) == [people["bob"], people["di"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["ann", "bob", "cy", "di"]),
        ([{"propertyName": "firstname", "direction": "DESCENDING"}], ["di", "cy", "bob", "ann"]),
        (["-createdate"], ["di", "cy", "bob", "ann"]),
        (
            [{"propertyName": "lifecyclestage", "direction": "ASCENDING"}],
            ["di", "ann", "bob", "cy"],
        ),
        (
            [{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
            ["di", "cy", "bob", "ann"],
        ),
    ],
)
def test_sorting(
    http: httpx.Client, people: dict[str, str], sort: list[Any] | None, expected: list[str]
) -> None:
    body = {"sorts": sort} if sort else {}
    assert _ids(http, **body) == [people[n] for n in expected]


def _filters(count: int) -> list[dict[str, Any]]:
    return [_f("firstname", "HAS_PROPERTY")] * count


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"filterGroups": [{"filters": _filters(6)}]}, 200),
        ({"filterGroups": [{"filters": _filters(7)}]}, 400),
        ({"filterGroups": [{"filters": _filters(1)}] * 5}, 200),
        ({"filterGroups": [{"filters": _filters(1)}] * 6}, 400),
        ({"filterGroups": [{"filters": _filters(6)}] * 3}, 200),
        ({"filterGroups": [{"filters": _filters(6)}] * 3 + [{"filters": _filters(1)}]}, 400),
        ({"sorts": ["firstname", "lastname"]}, 400),
        ({"limit": 200}, 200),
        ({"limit": 201}, 400),
        ({"after": "x"}, 400),
        ({"filterGroups": [{"filters": [_f("nope", "EQ", "1")]}]}, 400),
        ({"filterGroups": [{"filters": [_f("firstname", "LIKE", "1")]}]}, 400),
        ({"query": "x" * 3000}, 400),
    ],
)
def test_caps(emu: HubSpotEmulator, http: httpx.Client, body: dict[str, Any], status: int) -> None:
    response = _search(http, **body)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_free_text_query(http: httpx.Client, people: dict[str, str]) -> None:
    assert _ids(http, query="acm") == [people["ann"], people["bob"]]


def test_default_properties_and_no_link(http: httpx.Client, people: dict[str, str]) -> None:
    body = _search(http, limit=2).json()
    assert body["total"] == 4
    assert set(body["results"][0]["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert body["paging"] == {"next": {"after": "2"}}
    last = _search(http, limit=2, after="2").json()
    assert "paging" not in last


def test_archived_never_appear(
    emu: HubSpotEmulator, http: httpx.Client, people: dict[str, str]
) -> None:
    archive(
        emu.state, ObjectType.CONTACTS, emu.state.record(ObjectType.CONTACTS, int(people["ann"]))
    )
    assert people["ann"] not in _ids(http)


def test_index_lag(emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock) -> None:
    configure(emu, behaviour=Behaviour(search_index_lag_seconds=30))
    record = create(emu.state, ObjectType.CONTACTS, {"email": "late@example.com"})
    assert _ids(http) == []
    clock.advance(29)
    assert _ids(http) == []
    clock.advance(1)
    assert _ids(http) == [str(record.id)]


def _bulk(emu: HubSpotEmulator, count: int, modified_ms: int) -> None:
    """``count`` contacts sharing one modified time (a HubSpot bulk update, §14)."""
    store = emu.state.stores[ObjectType.CONTACTS]
    first = emu.state.reserve_ids(count)
    for offset in range(count):
        rid = first + offset
        store.add(Record(rid, {"hs_object_id": str(rid)}, modified_ms, modified_ms), index=False)
    store.rebuild_index()


def test_ten_thousand_cap_and_tie_break(emu: HubSpotEmulator, http: httpx.Client) -> None:
    stamp = 1_772_000_000_000
    _bulk(emu, 10_050, stamp)
    window = [_f("lastmodifieddate", "GTE", str(stamp)), _f("lastmodifieddate", "LTE", str(stamp))]
    sort = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    near = _search(
        http, filterGroups=[{"filters": window}], sorts=sort, limit=200, after="9900"
    ).json()
    assert near["total"] == 10_050
    assert len(near["results"]) == 100
    assert near["paging"]["next"]["after"] == "10000"
    past = _search(http, filterGroups=[{"filters": window}], sorts=sort, after="10000")
    assert past.status_code == 400
    last_id = near["results"][-1]["id"]
    tie = [_f("lastmodifieddate", "EQ", str(stamp)), _f("hs_object_id", "GT", last_id)]
    rest = _search(
        http, filterGroups=[{"filters": tie}], sorts=[{"propertyName": "hs_object_id"}], limit=200
    ).json()
    assert rest["total"] == 50
    assert int(rest["results"][0]["id"]) == int(last_id) + 1


def test_expired_cursor(emu: HubSpotEmulator, http: httpx.Client, people: dict[str, str]) -> None:
    emu.state.expire_search_cursors()
    assert _search(http, limit=1).status_code == 200
    assert _search(http, limit=1, after="1").status_code == 400
    assert _search(http, limit=1, after="1").status_code == 200


def test_association_pseudo_property(
    emu: HubSpotEmulator, http: httpx.Client, people: dict[str, str]
) -> None:
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}
    task = http.post(
        "/crm/v3/objects/tasks",
        json={
            "properties": {"hs_timestamp": "0"},
            "associations": [{"to": {"id": people["bob"]}, "types": [spec]}],
        },
    ).json()
    found = http.post(
        "/crm/v3/objects/tasks/search",
        json={"filterGroups": [{"filters": [_f("associations.contact", "EQ", people["bob"])]}]},
    ).json()
    assert [r["id"] for r in found["results"]] == [task["id"]]
