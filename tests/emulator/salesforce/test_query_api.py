"""query, queryAll and nextRecordsUrl over HTTP: pages, batch sizes, cursors, shapes (§3, §18.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.salesforce.emulator import Behaviour, ManualClock, SalesforceEmulator
from adapters.salesforce.emulator.writes import Actor, create, delete, update

from .conftest import DATA, Api, configure, make_leads, soql

Q = "SELECT Id, LastName FROM Lead ORDER BY SystemModstamp, Id"


def test_pages_follow_next_records_url(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(page_size_override=3))
    ids = make_leads(emu, 7)
    first = api.get(api.url("/query"), params={"q": Q}).json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (7, False, 3)
    assert first["nextRecordsUrl"].startswith(f"{DATA}/query/01g")
    assert first["nextRecordsUrl"].endswith("-3")
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = api.get(api.instance_url + page["nextRecordsUrl"]).json()
        assert page["totalSize"] == 7
        seen += [r["Id"] for r in page["records"]]
    assert seen == ids
    assert "nextRecordsUrl" not in page
    assert list(first) == ["totalSize", "done", "nextRecordsUrl", "records"]


@pytest.mark.parametrize(
    ("header", "size"),
    [
        (None, 2000),
        ("batchSize=500", 500),
        ("batchSize=50", 200),
        ("batchSize=5000", 2000),
        ("junk", 2000),
    ],
)
def test_batch_size_header(
    emu: SalesforceEmulator, api: Api, header: str | None, size: int
) -> None:
    make_leads(emu, 2001)
    headers = {} if header is None else {"Sforce-Query-Options": header}
    body = api.get(api.url("/query"), params={"q": "SELECT Id FROM Lead"}, headers=headers).json()
    assert len(body["records"]) == size
    assert body["nextRecordsUrl"].endswith(f"-{size}")


def test_record_shape_with_parents(emu: SalesforceEmulator, api: Api) -> None:
    with emu.org.lock:
        account = create(emu.org, "Account", {"Name": "Acme"})["Id"]
        with_account = create(emu.org, "Contact", {"LastName": "A", "AccountId": account})["Id"]
        create(emu.org, "Contact", {"LastName": "B"})
    q = "SELECT Id, Account.Name, Owner.Name, Owner.Email, LastName FROM Contact ORDER BY LastName"
    records = api.get(api.url("/query"), params={"q": q}).json()["records"]
    owner = {
        "attributes": {
            "type": "User",
            "url": f"{DATA}/sobjects/User/{emu.org.integration_user_id}",
        },
        "Name": "Smarketing Integration",
        "Email": "integration@smarketing.example",
    }
    assert records[0] == {
        "attributes": {"type": "Contact", "url": f"{DATA}/sobjects/Contact/{with_account}"},
        "Id": with_account,
        "LastName": "A",
        "Account": {
            "attributes": {"type": "Account", "url": f"{DATA}/sobjects/Account/{account}"},
            "Name": "Acme",
        },
        "Owner": owner,
    }
    assert records[1]["Account"] is None


def test_count_query(emu: SalesforceEmulator, api: Api) -> None:
    make_leads(emu, 4)
    body = api.get(api.url("/query"), params={"q": "SELECT COUNT() FROM Lead"}).json()
    assert body == {"totalSize": 4, "done": True, "records": []}


def test_query_all_includes_deleted_and_merged_rows(emu: SalesforceEmulator, api: Api) -> None:
    keep, gone = make_leads(emu, 2)
    with emu.org.lock:
        delete(emu.org, "Lead", gone)
    q = "SELECT Id, IsDeleted FROM Lead ORDER BY Id"
    live = api.get(api.url("/query"), params={"q": q}).json()["records"]
    everything = api.get(api.url("/queryAll"), params={"q": q}).json()["records"]
    assert [r["Id"] for r in live] == [keep]
    assert [(r["Id"], r["IsDeleted"]) for r in everything] == [(keep, False), (gone, True)]


@pytest.mark.parametrize("switch", [False, True])
def test_query_all_continuation_path(emu: SalesforceEmulator, api: Api, switch: bool) -> None:
    configure(emu, behaviour=Behaviour(page_size_override=1, query_all_continuation=switch))
    make_leads(emu, 2)
    body = api.get(api.url("/queryAll"), params={"q": "SELECT Id FROM Lead"}).json()
    assert body["nextRecordsUrl"].startswith(f"{DATA}/{'queryAll' if switch else 'query'}/")
    assert api.get(api.instance_url + body["nextRecordsUrl"]).json()["done"] is True


def test_missing_query_is_malformed(api: Api) -> None:
    response = api.get(api.url("/query"))
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, "MALFORMED_QUERY")


def test_locators_expire_after_two_days_and_on_demand(
    emu: SalesforceEmulator, api: Api, clock: ManualClock
) -> None:
    configure(emu, behaviour=Behaviour(page_size_override=1, session_idle_seconds=10**9))
    make_leads(emu, 3)
    first = api.get(api.url("/query"), params={"q": Q}).json()
    assert api.get(api.instance_url + first["nextRecordsUrl"]).status_code == 200
    clock.advance(2 * 86_400 + 1)
    expired = api.get(api.instance_url + first["nextRecordsUrl"])
    assert (expired.status_code, expired.json()[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")
    second = api.get(api.url("/query"), params={"q": Q}).json()
    emu.expire_query_locators()
    assert (
        api.get(api.instance_url + second["nextRecordsUrl"]).json()[0]["errorCode"]
        == "INVALID_QUERY_LOCATOR"
    )
    malformed = api.get(api.url("/query/garbage"))
    assert malformed.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_pages_read_current_values(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(page_size_override=1))
    first_id, second_id = make_leads(emu, 2)
    page = api.get(api.url("/query"), params={"q": Q}).json()
    with emu.org.lock:
        update(emu.org, "Lead", second_id, {"LastName": "Renamed"})
    assert (
        api.get(api.instance_url + page["nextRecordsUrl"]).json()["records"][0]["LastName"]
        == "Renamed"
    )
    assert page["records"][0]["Id"] == first_id


def test_late_visible_rows_are_stamped_in_the_past(
    emu: SalesforceEmulator, api: Api, clock: ManualClock
) -> None:
    """A row committed late (F09): stamped now, invisible to queries for five minutes."""
    with emu.org.lock:
        early = create(
            emu.org, "Lead", {"LastName": "Late", "Company": "C"}, Actor(late_seconds=300)
        )
    clock.advance(60)
    make_leads(emu, 1)
    since = clock.now() - timedelta(minutes=2)
    q = soql("Id", "Lead", f"SystemModstamp >= {since:%Y-%m-%dT%H:%M:%SZ}")
    assert len(api.query(q)["records"]) == 1
    clock.advance(300)
    records = api.get(api.url("/query"), params={"q": Q}).json()["records"]
    assert len(records) == 2
    assert records[0]["Id"] == early["Id"]
