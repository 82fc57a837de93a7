"""Salesforce rows → the model: field choice from describe, typing, stage history, deals, owners
(salesforce-api.md §1, §7, §12; failure-modes R5, R9, F17, F32)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.salesforce.mapping import (
    CONTACTS,
    LEADS,
    OPPORTUNITIES,
    RecordMapper,
    owner,
    parse_datetime,
)
from adapters.salesforce.settings import SalesforceSettings
from rules.model import ObjectType, Owner, StageEntry

MQL = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
SAL = datetime(2026, 1, 6, 11, 0, tzinfo=UTC)


def settings(**overrides: Any) -> SalesforceSettings:
    values: dict[str, Any] = {
        "instance_url": "https://acme.my.salesforce.com",
        "auth": "client_credentials",
        "client_id": "key",
        "client_secret": "secret",
        "person_fields": ("Score__c", "NumberOfEmployees", "Opted_In__c", "Birthday__c"),
    }
    return SalesforceSettings(**{**values, **overrides})


def describe(*extra: tuple[str, str]) -> list[dict[str, str]]:
    standard = [
        ("Id", "id"),
        ("OwnerId", "reference"),
        ("Email", "email"),
        ("Company", "string"),
        ("LeadSource", "picklist"),
        ("Status", "picklist"),
        ("CreatedDate", "datetime"),
        ("SystemModstamp", "datetime"),
        ("IsDeleted", "boolean"),
        ("MasterRecordId", "reference"),
        ("IsConverted", "boolean"),
        ("ConvertedContactId", "reference"),
        ("ConvertedOpportunityId", "reference"),
        ("Lifecycle_Stage__c", "picklist"),
        ("MQL_Date__c", "datetime"),
        ("SAL_Date__c", "datetime"),
        ("Rejection_Reason__c", "picklist"),
    ]
    return [{"name": name, "type": kind} for name, kind in [*standard, *extra]]


TYPED = describe(
    ("Score__c", "double"),
    ("NumberOfEmployees", "int"),
    ("Opted_In__c", "boolean"),
    ("Birthday__c", "date"),
)


def lead_row(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "attributes": {"type": "Lead", "url": "/services/data/v59.0/sobjects/Lead/00Q1"},
        "Id": "00Q000000000001AAA",
        "OwnerId": "005000000000001AAA",
        "Email": "ada@example.com",
        "Company": "Analytical Engines",
        "LeadSource": "Web",
        "Status": "Working - Contacted",
        "CreatedDate": "2026-01-02T08:00:00.000+0000",
        "SystemModstamp": "2026-01-06T11:00:00.000+0000",
        "IsDeleted": False,
        "Lifecycle_Stage__c": "SAL",
        "MQL_Date__c": "2026-01-05T09:30:00.000+0000",
        "SAL_Date__c": "2026-01-06T11:00:00.000Z",
        "Rejection_Reason__c": None,
    }
    return {**row, **values}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-10-22T21:03:23.000+0000", datetime(2020, 10, 22, 21, 3, 23, tzinfo=UTC)),
        ("2023-10-22T06:25:12.000Z", datetime(2023, 10, 22, 6, 25, 12, tzinfo=UTC)),
        ("2023-01-26T11:45:49.817000+00:00", datetime(2023, 1, 26, 11, 45, 49, 817000, tzinfo=UTC)),
        ("2023-01-26T13:45:49.000+0200", datetime(2023, 1, 26, 11, 45, 49, tzinfo=UTC)),
    ],
)
def test_datetimes_parse_to_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["2023-01-26T11:45:49", "26-01-2023 11:45", "soon"])
def test_naive_or_unreadable_datetimes_do_not_parse(text: str) -> None:
    with pytest.raises(ValueError, match=r"offset|Invalid isoformat"):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ("Score__c", 72.0, 72),
        ("Score__c", 72.5, 72.5),
        ("Score__c", "71", 71),
        ("NumberOfEmployees", 250, 250),
        ("Opted_In__c", True, True),
        ("Opted_In__c", "false", False),
        ("Birthday__c", "1990-05-17", date(1990, 5, 17)),
        ("SAL_Date__c", "2026-01-06T11:00:00.000Z", SAL),
        ("Company", "Analytical Engines", "Analytical Engines"),
        ("Company", "", None),
        ("Score__c", None, None),
    ],
)
def test_values_are_typed_from_describe(field: str, raw: object, value: object) -> None:
    mapper = RecordMapper(LEADS, settings(), TYPED)
    got = mapper.values(lead_row(**{field: raw}))[field]
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    ("field", "raw"),
    [("Score__c", "seventy"), ("Score__c", float("nan")), ("Birthday__c", "17/05/1990"),
     ("SAL_Date__c", "2026-01-06 11:00"), ("Opted_In__c", "yes")],
)  # fmt: skip
def test_unparsable_values_are_kept_as_text_and_counted(field: str, raw: object) -> None:
    mapper = RecordMapper(LEADS, settings(), TYPED)
    assert mapper.values(lead_row(**{field: raw}))[field] == str(raw)
    assert mapper.unparsable == {field: 1}


def test_a_lead_maps_to_a_person_with_its_stage_history() -> None:
    person = RecordMapper(LEADS, settings(), TYPED).person(lead_row(Score__c=80.0))
    assert person.object_type is ObjectType.LEAD
    assert (person.id, person.owner_id, person.email) == (
        "00Q000000000001AAA",
        "005000000000001AAA",
        "ada@example.com",
    )
    assert (person.company, person.source, person.lifecycle, person.lead_status) == (
        "Analytical Engines",
        "Web",
        "SAL",
        "Working - Contacted",
    )
    assert person.stage_history == (StageEntry("MQL", MQL, SAL), StageEntry("SAL", SAL, None))
    assert person.updated_at == SAL
    assert person.created_at == datetime(2026, 1, 2, 8, tzinfo=UTC)
    assert person.get("Score__c") == 80
    assert person.rejection_reason is None


def test_a_contact_reads_its_company_from_the_account_and_has_no_status() -> None:
    contact_describe = [f for f in TYPED if f["name"] not in ("Company", "Status")]
    mapper = RecordMapper(CONTACTS, settings(), contact_describe)
    row = lead_row(Account={"attributes": {"type": "Account"}, "Name": "Engines Ltd"})
    person = mapper.person(row)
    assert "Account.Name" in mapper.fields
    assert person.object_type is ObjectType.CONTACT
    assert person.company == "Engines Ltd"
    assert person.lead_status is None
    assert mapper.person(lead_row(Account=None)).company is None


def test_configured_fields_the_object_lacks_are_left_out_and_named() -> None:
    mapper = RecordMapper(LEADS, settings(rejection_reason_field="Why__c"), describe())
    assert "Score__c" not in mapper.fields
    assert {"Why__c", "Score__c", "Smarketing_Score__c"} <= set(mapper.missing)
    assert mapper.person(lead_row()).rejection_reason is None


def test_field_names_match_describe_whatever_their_case() -> None:
    mapper = RecordMapper(LEADS, settings(person_fields=("score__C",)), TYPED)
    assert "Score__c" in mapper.fields
    assert "score__C" not in mapper.fields


def test_an_opportunity_maps_to_a_deal() -> None:
    opportunity_describe = [
        {"name": n, "type": t}
        for n, t in [("Amount", "currency"), ("CloseDate", "date"), ("IsWon", "boolean"),
                     ("IsClosed", "boolean"), ("SystemModstamp", "datetime"),
                     ("CreatedDate", "datetime")]
    ]  # fmt: skip
    mapper = RecordMapper(OPPORTUNITIES, settings(), opportunity_describe)
    row = {
        "Id": "006000000000001AAA",
        "Name": "Pilot",
        "Amount": 12000.0,
        "StageName": "Closed Won",
        "IsWon": True,
        "IsClosed": True,
        "CloseDate": "2026-02-28",
        "OwnerId": "005000000000002AAA",
        "CreatedDate": "2026-01-10T10:00:00.000+0000",
        "SystemModstamp": "2026-02-28T16:00:00.000+0000",
    }
    deal = mapper.deal(row, ["003B", "003A", "003B"])
    assert (deal.id, deal.name, deal.amount, deal.stage) == (
        "006000000000001AAA",
        "Pilot",
        12000.0,
        "Closed Won",
    )
    assert (deal.is_won, deal.is_closed, deal.close_date) == (True, True, date(2026, 2, 28))
    assert deal.person_ids == ("003A", "003B")
    assert deal.owner_id == "005000000000002AAA"
    assert deal.pipeline is None
    assert mapper.deal({**row, "Amount": None}).amount is None


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"Id": "005A", "Name": "Rep One", "Email": "r@x.io", "IsActive": True,
             "ManagerId": "005M", "TimeZoneSidKey": "Europe/Kyiv", "Department": "EMEA"},
            Owner("005A", "Rep One", "r@x.io", "005M", "EMEA", "Europe/Kyiv", True),
        ),
        (
            {"Id": "005B", "Name": None, "Email": "gone@x.io", "IsActive": False,
             "ManagerId": None, "TimeZoneSidKey": "GMT", "Department": None},
            Owner("005B", "gone@x.io", "gone@x.io", None, None, "GMT", False),
        ),
    ],
)  # fmt: skip
def test_users_map_to_owners(row: dict[str, Any], expected: Owner) -> None:
    assert owner(row) == expected


def test_our_fields_also_show_under_our_property_names() -> None:
    typed = [*TYPED, {"name": "Smarketing_Score__c", "type": "double"}]
    person = RecordMapper(LEADS, settings(), typed).person(lead_row(Smarketing_Score__c=72.0))
    assert person.fields["smarketing_score"] == person.fields["Smarketing_Score__c"]
    assert person.fields["smarketing_score"] is not None
    assert person.fields.get("smarketing_sla_status") is None  # the org lacks it


CONTACT_DESCRIBE = [
    f
    for f in describe(("Title", "string"), ("MailingCountry", "string"), ("Score__c", "double"))
    if f["name"] not in ("Company", "Status", "Rejection_Reason__c")
]
ACCOUNT_DESCRIBE = [
    {"name": n, "type": t}
    for n, t in [("Id", "id"), ("Name", "string"), ("Industry", "picklist"),
                 ("NumberOfEmployees", "int"), ("AnnualRevenue", "currency"), ("Website", "url")]
]  # fmt: skip
LEAD_FIELDS = ("Title", "Industry", "NumberOfEmployees", "Country", "AnnualRevenue", "Website")


class Describes:
    """Parent describes by object name, counting what the mapper asks for."""

    def __init__(self, **objects: list[dict[str, str]]) -> None:
        self.objects, self.asked = objects, list[str]()

    def __call__(self, sobject: str) -> list[dict[str, str]]:
        self.asked.append(sobject)
        return self.objects[sobject]


def contact_row(**values: Any) -> dict[str, Any]:
    account = {
        "attributes": {"type": "Account"},
        "Name": "Engines Ltd",
        "Industry": "Technology",
        "NumberOfEmployees": 250,
        "AnnualRevenue": 1.5e6,
        "Website": "engines.example",
    }
    row = lead_row(Title="CTO", MailingCountry="Ukraine", Account=account)
    return {**row, **values}


def test_a_contact_reads_lead_fields_from_its_equivalents_under_the_lead_names() -> None:
    parents = Describes(Account=ACCOUNT_DESCRIBE)
    mapper = RecordMapper(CONTACTS, settings(person_fields=LEAD_FIELDS), CONTACT_DESCRIBE, parents)

    values = mapper.person(contact_row()).fields

    assert {name: values[name] for name in LEAD_FIELDS} == {
        "Title": "CTO",
        "Industry": "Technology",
        "NumberOfEmployees": 250,
        "Country": "Ukraine",
        "AnnualRevenue": 1_500_000,
        "Website": "engines.example",
    }
    assert type(values["NumberOfEmployees"]) is int  # typed from the Account's describe
    assert {"MailingCountry", "Account.Industry", "Account.NumberOfEmployees"} <= set(mapper.fields)
    assert {"Country", "Industry", "NumberOfEmployees"}.isdisjoint(mapper.fields)
    assert set(LEAD_FIELDS).isdisjoint(mapper.missing)
    assert parents.asked == ["Account"]


@pytest.mark.parametrize(
    ("fields", "asked"),
    [(("Country",), []), (("Score__c",), []), (("Industry", "NumberOfEmployees"), ["Account"])],
)
def test_the_account_is_described_only_when_an_equivalent_on_it_is_needed(
    fields: tuple[str, ...], asked: list[str]
) -> None:
    parents = Describes(Account=ACCOUNT_DESCRIBE)
    RecordMapper(CONTACTS, settings(person_fields=fields), CONTACT_DESCRIBE, parents)
    assert parents.asked == asked


def test_a_lead_reads_its_own_fields_and_never_an_equivalent() -> None:
    parents = Describes(Account=ACCOUNT_DESCRIBE)
    lead_describe = describe(("Country", "string"))
    mapper = RecordMapper(LEADS, settings(person_fields=LEAD_FIELDS), lead_describe, parents)
    assert "Country" in mapper.fields
    assert {"Industry", "NumberOfEmployees", "Title"} <= set(mapper.missing)
    assert parents.asked == []


def test_an_equivalent_the_org_lacks_stays_missing() -> None:
    account = [f for f in ACCOUNT_DESCRIBE if f["name"] != "AnnualRevenue"]
    contact = [f for f in CONTACT_DESCRIBE if f["name"] != "MailingCountry"]
    fields = ("Industry", "AnnualRevenue", "Country")
    mapper = RecordMapper(
        CONTACTS, settings(person_fields=fields), contact, Describes(Account=account)
    )
    assert [n for n in mapper.missing if n in fields] == ["AnnualRevenue", "Country"]
    assert mapper.person(contact_row()).fields["Industry"] == "Technology"
    without_parents = RecordMapper(CONTACTS, settings(person_fields=fields), CONTACT_DESCRIBE)
    assert [n for n in without_parents.missing if n in fields] == ["Industry", "AnnualRevenue"]


def test_equivalents_match_whatever_the_case_and_are_selected_once() -> None:
    fields = ("industry", "COUNTRY", "MailingCountry")
    parents = Describes(Account=ACCOUNT_DESCRIBE)
    mapper = RecordMapper(CONTACTS, settings(person_fields=fields), CONTACT_DESCRIBE, parents)
    values = mapper.values(contact_row())
    assert (values["Industry"], values["Country"], values["MailingCountry"]) == (
        "Technology",
        "Ukraine",
        "Ukraine",
    )
    assert mapper.fields.count("MailingCountry") == 1
    assert {n.lower() for n in mapper.missing}.isdisjoint(f.lower() for f in fields)


def test_an_unparsable_parent_value_is_kept_as_text_and_counted_under_its_field() -> None:
    parents = Describes(Account=ACCOUNT_DESCRIBE)
    fields = ("NumberOfEmployees",)
    mapper = RecordMapper(CONTACTS, settings(person_fields=fields), CONTACT_DESCRIBE, parents)
    row = contact_row(Account={"Name": "Engines Ltd", "NumberOfEmployees": "many"})
    assert mapper.values(row)["NumberOfEmployees"] == "many"
    assert mapper.unparsable == {"Account.NumberOfEmployees": 1}
    assert mapper.values(contact_row(Account=None))["NumberOfEmployees"] is None


@pytest.mark.parametrize(
    ("spec", "reason_missing"), [(LEADS, True), (CONTACTS, False)], ids=["lead", "contact"]
)
def test_only_an_object_with_a_status_misses_the_rejection_reason(
    spec: Any, reason_missing: bool
) -> None:
    lacking = [f for f in describe() if f["name"] != "Rejection_Reason__c"]
    mapper = RecordMapper(spec, settings(person_fields=("Shoe_Size__c",)), lacking)
    assert ("Rejection_Reason__c" in mapper.missing) is reason_missing
    assert "Shoe_Size__c" in mapper.missing  # other fields are still named


def test_a_contact_with_the_rejection_reason_field_reads_it() -> None:
    contact = [*CONTACT_DESCRIBE, {"name": "Rejection_Reason__c", "type": "picklist"}]
    mapper = RecordMapper(CONTACTS, settings(), contact)
    assert mapper.person(contact_row(Rejection_Reason__c="Budget")).rejection_reason == "Budget"
