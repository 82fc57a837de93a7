"""Describe, updated/deleted windows, conversion and merges (§7, §8, §12, §14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.salesforce.emulator import ManualClock, SalesforceEmulator
from adapters.salesforce.emulator.conversion import convert_lead, merge
from adapters.salesforce.emulator.metadata import add_holiday
from adapters.salesforce.emulator.writes import Actor, create, delete, update

from .conftest import DATA, Api, make_leads, soql


def test_global_describe(api: Api) -> None:
    body = api.get(api.url("/sobjects")).json()
    assert (body["encoding"], body["maxBatchSize"]) == ("UTF-8", 200)
    prefixes = {o["name"]: o["keyPrefix"] for o in body["sobjects"]}
    expected = {"Lead": "00Q", "Contact": "003", "Account": "001", "Opportunity": "006"}
    expected |= {"Task": "00T", "User": "005"}
    assert {name: prefixes[name] for name in expected} == expected
    assert {
        "LeadStatus",
        "OpportunityStage",
        "LeadHistory",
        "OpportunityHistory",
        "BusinessHours",
        "Holiday",
    } <= set(prefixes)


def test_basic_info(api: Api) -> None:
    body = api.get(api.url("/sobjects/Lead")).json()
    assert body["objectDescribe"]["urls"]["describe"] == f"{DATA}/sobjects/Lead/describe"
    assert body["recentItems"] == []


def test_describe_fields(api: Api) -> None:
    fields = {f["name"]: f for f in api.get(api.url("/sobjects/Lead/describe")).json()["fields"]}
    status = fields["Status"]
    assert (status["type"], status["restrictedPicklist"], status["nillable"]) == (
        "picklist",
        True,
        False,
    )
    assert [p["value"] for p in status["picklistValues"]][:3] == [
        "Open - Not Contacted",
        "Working - Contacted",
        "Working - Connected",
    ]
    assert status["picklistValues"][0]["defaultValue"] is True
    owner = fields["OwnerId"]
    assert (owner["type"], owner["referenceTo"], owner["relationshipName"]) == (
        "reference",
        ["Group", "User"],
        "Owner",
    )
    assert (fields["LastName"]["compoundFieldName"], fields["LastName"]["length"]) == ("Name", 80)
    assert (
        fields["Score__c"]["custom"],
        fields["Score__c"]["type"],
        fields["Score__c"]["updateable"],
    ) == (True, "double", True)
    assert (fields["SystemModstamp"]["type"], fields["SystemModstamp"]["createable"]) == (
        "datetime",
        False,
    )
    assert {"Rejection_Reason__c", "Lifecycle_Stage__c", "MQL_Date__c"} <= set(fields)
    task = {f["name"]: f for f in api.get(api.url("/sobjects/Task/describe")).json()["fields"]}
    assert (task["Smarketing_Key__c"]["externalId"], task["Smarketing_Key__c"]["unique"]) == (
        False,
        False,
    )
    assert task["ActivityDate"]["type"] == "date"


def test_status_tables_are_queryable(api: Api) -> None:
    q = "SELECT ApiName, IsConverted, IsDefault FROM LeadStatus ORDER BY SortOrder"
    rows = api.get(api.url("/query"), params={"q": q}).json()["records"]
    assert [
        (r["ApiName"], r["IsConverted"], r["IsDefault"])
        for r in rows
        if r["IsConverted"] or r["IsDefault"]
    ] == [
        ("Open - Not Contacted", False, True),
        ("Closed - Converted", True, False),
    ]
    stages = api.get(
        api.url("/query"),
        params={"q": "SELECT ApiName FROM OpportunityStage WHERE IsClosed = true AND IsWon = true"},
    ).json()
    assert [r["ApiName"] for r in stages["records"]] == ["Closed Won"]


def test_business_hours_and_holidays(emu: SalesforceEmulator, api: Api) -> None:
    add_holiday(emu.org, "Independence Day", datetime(2026, 8, 24, tzinfo=UTC).date())
    hours = api.query(
        soql(
            "TimeZoneSidKey, MondayStartTime, SundayStartTime", "BusinessHours", "IsDefault = true"
        )
    )
    assert [
        (r["TimeZoneSidKey"], r["MondayStartTime"], r["SundayStartTime"]) for r in hours["records"]
    ] == [("Europe/Kyiv", "09:00:00.000Z", None)]
    holidays = api.get(
        api.url("/query"), params={"q": "SELECT Name, ActivityDate FROM Holiday"}
    ).json()["records"]
    assert [(h["Name"], h["ActivityDate"]) for h in holidays] == [
        ("Independence Day", "2026-08-24")
    ]


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_updated_window(emu: SalesforceEmulator, api: Api, clock: ManualClock) -> None:
    first, second = make_leads(emu, 2)
    clock.advance(600)
    with emu.org.lock:
        update(emu.org, "Lead", second, {"FirstName": "Again"})
    now = clock.now()
    body = api.get(
        api.url("/sobjects/Lead/updated/"), params=_window(now - timedelta(minutes=5), now)
    ).json()
    assert body == {"ids": [second], "latestDateCovered": "2026-03-09T09:10:00.000+0000"}
    everything = api.get(
        api.url("/sobjects/Lead/updated"), params=_window(now - timedelta(hours=1), now)
    ).json()
    assert everything["ids"] == [first, second]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-09T09:00:00", "2026-03-09T10:00:00+00:00"),
        ("2026-02-01T00:00:00+00:00", "2026-03-09T00:00:00+00:00"),
        ("2026-03-09T09:00:00+00:00", "2026-03-09T08:00:00+00:00"),
    ],
)
def test_replication_dates_are_checked(api: Api, start: str, end: str) -> None:
    response = api.get(api.url("/sobjects/Lead/updated/"), params={"start": start, "end": end})
    assert (response.status_code, response.json()[0]["errorCode"]) == (
        400,
        "INVALID_REPLICATION_DATE",
    )


def test_deleted_window_and_purge(emu: SalesforceEmulator, api: Api, clock: ManualClock) -> None:
    keep, gone = make_leads(emu, 2)
    clock.advance(60)
    with emu.org.lock:
        delete(emu.org, "Lead", gone)
    now = clock.now()
    body = api.get(
        api.url("/sobjects/Lead/deleted/"), params=_window(now - timedelta(days=20), now)
    ).json()
    assert body == {
        "deletedRecords": [{"id": gone, "deletedDate": "2026-03-09T09:01:00.000+0000"}],
        "earliestDateAvailable": "2026-02-22T09:01:00.000+0000",
        "latestDateCovered": "2026-03-09T09:01:00.000+0000",
    }
    clock.advance(3600)
    assert emu.org.purge_recycle_bin() == 1
    after = api.get(
        api.url("/sobjects/Lead/deleted/"), params=_window(now - timedelta(days=1), clock.now())
    ).json()
    assert (after["deletedRecords"], after["earliestDateAvailable"]) == (
        [],
        "2026-03-09T10:01:00.000+0000",
    )
    all_rows = api.get(api.url("/queryAll"), params={"q": "SELECT Id FROM Lead"}).json()["records"]
    assert [r["Id"] for r in all_rows] == [keep]


def test_lead_conversion(emu: SalesforceEmulator, api: Api, clock: ManualClock) -> None:
    [lead_id] = make_leads(emu, 1, Email="a@b.example", Score__c=50)
    with emu.org.lock:
        task = create(emu.org, "Task", {"WhoId": lead_id, "Subject": "Call", "Status": "Completed"})
    clock.advance(3600)
    with emu.org.lock:
        result = convert_lead(emu.org, lead_id, opportunity_name="Acme - New")
    lead = api.get(api.url(f"/sobjects/Lead/{lead_id}")).json()
    assert (lead["IsConverted"], lead["ConvertedDate"], lead["Status"]) == (
        True,
        "2026-03-09",
        "Closed - Converted",
    )
    converted = (
        lead["ConvertedAccountId"],
        lead["ConvertedContactId"],
        lead["ConvertedOpportunityId"],
    )
    assert converted == (result.account_id, result.contact_id, result.opportunity_id)
    contact = api.get(api.url(f"/sobjects/Contact/{result.contact_id}")).json()
    assert (contact["AccountId"], contact["Email"], contact["Score__c"]) == (
        result.account_id,
        "a@b.example",
        50.0,
    )
    moved = api.get(api.url(f"/sobjects/Task/{task['Id']}")).json()
    assert (moved["WhoId"], moved["AccountId"]) == (result.contact_id, result.account_id)
    refused = api.patch(api.url(f"/sobjects/Lead/{lead_id}"), json={"FirstName": "x"})
    assert refused.json()[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    q = soql("Field", "LeadHistory", f"LeadId = '{lead_id}'", "CreatedDate, Field")
    fields = [r["Field"] for r in api.query(q)["records"]]
    assert fields == ["created", "leadConverted", "Status"]  # SOQL sorts text case-insensitively


LEAD_COMPANY = {
    "Company": "Acme",
    "Industry": "Technology",
    "NumberOfEmployees": 250,
    "AnnualRevenue": 1_500_000,
    "Website": "acme.example",
    "Title": "CTO",
    "Street": "1 Main St",
    "City": "Kyiv",
    "State": "Kyiv",
    "PostalCode": "01001",
    "Country": "Ukraine",
}


def test_conversion_maps_standard_lead_fields_to_the_contact_and_a_new_account(
    emu: SalesforceEmulator, api: Api
) -> None:
    [lead_id] = make_leads(emu, 1, **LEAD_COMPANY)
    with emu.org.lock:
        result = convert_lead(emu.org, lead_id)
    fields = "Title, MailingStreet, MailingCity, MailingState, MailingPostalCode, MailingCountry"
    parent = "Account.Name, Account.Industry, Account.NumberOfEmployees, Account.AnnualRevenue"
    q = soql(f"{fields}, {parent}, Account.Website, Account.BillingCountry", "Contact")
    [contact] = api.query(q)["records"]
    account = contact.pop("Account")
    del contact["attributes"], account["attributes"]
    address = ("Street", "City", "State", "PostalCode", "Country")
    assert contact == {
        "Title": "CTO",
        **{f"Mailing{part}": LEAD_COMPANY[part] for part in address},
    }
    assert account == {
        "Name": "Acme",
        **{n: LEAD_COMPANY[n] for n in ("Industry", "NumberOfEmployees", "Website")},
        "AnnualRevenue": 1_500_000.0,
        "BillingCountry": "Ukraine",
    }
    assert type(account["NumberOfEmployees"]) is int
    assert result.account_id == api.query("SELECT Id FROM Account")["records"][0]["Id"]


def test_conversion_into_an_existing_account_fills_only_its_empty_fields(
    emu: SalesforceEmulator,
) -> None:
    [lead_id] = make_leads(emu, 1, **LEAD_COMPANY)
    with emu.org.lock:
        existing = create(emu.org, "Account", {"Name": "Acme Corp", "Industry": "Banking"})
        convert_lead(emu.org, lead_id, account_id=existing["Id"])
        account = emu.org.tables["Account"].rows[existing["Id"]]
    assert (account["Name"], account["Industry"]) == ("Acme Corp", "Banking")  # kept
    assert (account["NumberOfEmployees"], account["BillingCity"]) == (250, "Kyiv")  # filled
    assert len(emu.org.tables["Account"].rows) == 1


def test_people_and_account_fields_have_salesforces_types(api: Api) -> None:
    def types(sobject: str) -> dict[str, str]:
        body = api.get(api.url(f"/sobjects/{sobject}/describe")).json()
        return {f["name"]: f["type"] for f in body["fields"]}

    lead, contact, account = types("Lead"), types("Contact"), types("Account")
    firmographics = {
        "Industry": "picklist",
        "NumberOfEmployees": "int",
        "AnnualRevenue": "currency",
        "Website": "url",
    }
    address = {"Street": "textarea", "City": "string", "State": "string"}
    address |= {"PostalCode": "string", "Country": "string"}
    assert {n: lead[n] for n in {**firmographics, **address}} == {**firmographics, **address}
    assert {n: account[n] for n in firmographics} == firmographics
    assert {f"Mailing{n}": contact[f"Mailing{n}"] for n in address} == {
        f"Mailing{n}": kind for n, kind in address.items()
    }
    assert {"Industry", "NumberOfEmployees", "Country", "Company"}.isdisjoint(contact)


def test_merge_marks_losers_with_master_record_id(emu: SalesforceEmulator, api: Api) -> None:
    master, loser = make_leads(emu, 2)
    with emu.org.lock:
        task = create(emu.org, "Task", {"WhoId": loser}, Actor())
        merge(emu.org, "Lead", master, [loser])
    rows = api.get(
        api.url("/queryAll"),
        params={"q": "SELECT Id, IsDeleted, MasterRecordId FROM Lead ORDER BY Id"},
    ).json()["records"]
    assert [(r["Id"], r["IsDeleted"], r["MasterRecordId"]) for r in rows] == [
        (master, False, None),
        (loser, True, master),
    ]
    assert api.get(api.url(f"/sobjects/Task/{task['Id']}")).json()["WhoId"] == master
