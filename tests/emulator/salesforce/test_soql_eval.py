"""SOQL evaluation against an in-process org: filters, ordering, parents, errors, the index plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.salesforce.emulator import EmulatorOptions, ManualClock, Org
from adapters.salesforce.emulator.errors import SalesforceError
from adapters.salesforce.emulator.soql.plan import UNBOUNDED, compile_query, run
from adapters.salesforce.emulator.writes import Actor, create, delete

from .conftest import fresh_org, soql

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
PEOPLE = [
    # LastName, Company, Email, NumberOfEmployees, Score__c, minutes after T0
    ("Adams", "Acme", "adams@acme.example", 10, 80.0, 0),
    ("baker", "ACME", None, 250, None, 1),
    ("Clark", "Beta Labs", "clark@beta.example", None, 35.5, 2),
    ("Davis", "Gamma_Co", "davis@gamma.example", 5000, 99.0, 2),
    ("Evans", "50% Off", "evans@off.example", 42, 0.0, 3),
]


@pytest.fixture
def org() -> Org:
    clock = ManualClock(T0)
    org = fresh_org(EmulatorOptions(now=clock.now))
    for last, company, email, size, score, minutes in PEOPLE:
        body = {
            "LastName": last,
            "Company": company,
            "Email": email,
            "NumberOfEmployees": size,
            "Score__c": score,
        }
        create(org, "Lead", body, Actor(at=T0 + timedelta(minutes=minutes)))
    return org


def names(org: Org, text: str, include_deleted: bool = False) -> list[str]:
    query = compile_query(org, text)
    return [
        org.tables[query.obj.name].rows[i]["LastName"] for i in run(org, query, include_deleted)
    ]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Company = 'acme'", ["Adams", "baker"]),
        ("Company != 'acme'", ["Clark", "Davis", "Evans"]),
        ("Company <> 'ACME'", ["Clark", "Davis", "Evans"]),
        ("Email = null", ["baker"]),
        ("Email != null", ["Adams", "Clark", "Davis", "Evans"]),
        ("Score__c != 80", ["baker", "Clark", "Davis", "Evans"]),
        ("NumberOfEmployees > 42", ["baker", "Davis"]),
        ("NumberOfEmployees >= 42", ["baker", "Davis", "Evans"]),
        ("NumberOfEmployees < 42", ["Adams"]),
        ("NumberOfEmployees <= 10.0", ["Adams"]),
        ("Score__c IN (80, 99)", ["Adams", "Davis"]),
        ("LastName IN ('ADAMS', 'Clark')", ["Adams", "Clark"]),
        ("LastName NOT IN ('Adams', 'Clark')", ["baker", "Davis", "Evans"]),
        ("Email IN (null, 'clark@beta.example')", ["baker", "Clark"]),
        ("Company LIKE 'ac%'", ["Adams", "baker"]),
        ("Company LIKE '%a_s'", ["Clark"]),
        ("Company LIKE 'gamma\\_%'", ["Davis"]),
        ("Company LIKE 'Gamma_Co'", ["Davis"]),
        ("Company LIKE '50\\%%'", ["Evans"]),
        ("NOT Company LIKE 'a%'", ["Clark", "Davis", "Evans"]),
        (
            "IsConverted = false AND IsDeleted = false",
            ["Adams", "baker", "Clark", "Davis", "Evans"],
        ),
        (
            "(Company = 'Acme' AND NumberOfEmployees > 100) OR LastName = 'Evans'",
            ["baker", "Evans"],
        ),
        ("NOT (Company = 'Acme' OR Company = 'Beta Labs')", ["Davis", "Evans"]),
        ("Owner.Name = 'Smarketing Integration'", ["Adams", "baker", "Clark", "Davis", "Evans"]),
        ("CreatedDate = 2026-03-09T09:02:00Z", ["Clark", "Davis"]),
        ("CreatedDate > 2026-03-09T11:01:00+02:00", ["Clark", "Davis", "Evans"]),
        (
            "CreatedDate >= 2026-03-09T09:02:00.000Z AND CreatedDate < 2026-03-09T04:03:00-05:00",
            ["Clark", "Davis"],
        ),
        ("CreatedDate = TODAY", ["Adams", "baker", "Clark", "Davis", "Evans"]),
        ("CreatedDate = YESTERDAY", []),
        ("CreatedDate > TODAY", []),
        ("CreatedDate < TODAY", []),
        ("CreatedDate = LAST_N_DAYS:2", ["Adams", "baker", "Clark", "Davis", "Evans"]),
        ("CreatedDate = N_DAYS_AGO:1", []),
    ],
)
def test_filters(org: Org, where: str, expected: list[str]) -> None:
    assert names(org, soql("Id", "Lead", where, "CreatedDate, Id")) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("LastName", ["Adams", "baker", "Clark", "Davis", "Evans"]),
        ("LastName DESC", ["Evans", "Davis", "Clark", "baker", "Adams"]),
        ("Email", ["baker", "Adams", "Clark", "Davis", "Evans"]),
        ("Email NULLS LAST", ["Adams", "Clark", "Davis", "Evans", "baker"]),
        ("Email DESC", ["baker", "Evans", "Davis", "Clark", "Adams"]),
        ("Email DESC NULLS LAST", ["Evans", "Davis", "Clark", "Adams", "baker"]),
        ("Company, LastName DESC", ["Evans", "baker", "Adams", "Clark", "Davis"]),
        ("Score__c DESC NULLS LAST, LastName", ["Davis", "Adams", "Clark", "Evans", "baker"]),
        ("SystemModstamp DESC, Id DESC", ["Evans", "Davis", "Clark", "baker", "Adams"]),
        ("Owner.Name, LastName LIMIT 2", ["Adams", "baker"]),
        ("LastName LIMIT 2 OFFSET 3", ["Davis", "Evans"]),
    ],
)
def test_order_limit_offset(org: Org, order: str, expected: list[str]) -> None:
    assert names(org, soql("Id", "Lead", order=order)) == expected


def test_deleted_rows_only_in_query_all(org: Org) -> None:
    evans = next(r["Id"] for r in org.tables["Lead"].rows.values() if r["LastName"] == "Evans")
    delete(org, "Lead", evans)
    text = "SELECT Id FROM Lead WHERE IsDeleted = true"
    assert (names(org, text), names(org, text, include_deleted=True)) == ([], ["Evans"])


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        (
            "SELECT Foo FROM Lead",
            "INVALID_FIELD",
            "No such column 'Foo' on entity 'Lead'. If you are attempting to use a custom field",
        ),
        (
            "SELECT Id FROM Lead WHERE Score_c = 1",
            "INVALID_FIELD",
            "No such column 'Score_c' on entity 'Lead'",
        ),
        ("SELECT Owner.Foo FROM Lead", "INVALID_FIELD", "No such column 'Foo' on entity 'Group'"),
        (
            "SELECT Boss.Name FROM Lead",
            "INVALID_FIELD",
            "Didn't understand relationship 'Boss' in field path",
        ),
        ("SELECT Id FROM Leed", "INVALID_TYPE", "sObject type 'Leed' is not supported."),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > 2024-01-01",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type dateTime and should not be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01T00:00:00Z'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type dateTime",
        ),
        (
            "SELECT Id FROM Lead WHERE LastName = 5",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type string and should be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Lead WHERE NumberOfEmployees = '5'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "must be of type double",
        ),
        (
            "SELECT Id FROM Lead WHERE Id = 'nope'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid ID field: nope",
        ),
        (
            "SELECT Id FROM Lead WHERE IsConverted > false",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid operator on boolean field",
        ),
        ("SELECT Id FROM Lead WHERE Score__c LIKE '1%'", "INVALID_QUERY_FILTER_OPERATOR", "LIKE"),
        (
            "SELECT Id FROM Lead WHERE LastName = TODAY",
            "INVALID_QUERY_FILTER_OPERATOR",
            "is not a date field",
        ),
        (
            "SELECT Id FROM Lead WHERE Email > null",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid operator for null",
        ),
    ],
)
def test_bind_errors(org: Org, text: str, code: str, detail: str) -> None:
    with pytest.raises(SalesforceError, match="ERROR at Row:1:Column:") as caught:
        compile_query(org, text)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert detail in caught.value.message


def test_ids_accept_15_characters(org: Org) -> None:
    lead = next(iter(org.tables["Lead"].rows))
    assert names(org, soql("Id", "Lead", f"Id = '{lead[:15]}'")) == ["Adams"]


@pytest.mark.parametrize(
    ("where", "bounds"),
    [
        (
            "SystemModstamp > 2026-03-09T09:01:00Z",
            ("2026-03-09T09:01:00.000+0000", False, None, True),
        ),
        (
            "SystemModstamp >= 2026-03-09T09:01:00Z AND SystemModstamp <= 2026-03-09T09:02:00Z",
            ("2026-03-09T09:01:00.000+0000", True, "2026-03-09T09:02:00.000+0000", True),
        ),
        (
            "(SystemModstamp = 2026-03-09T09:01:00Z AND Id > '00Q5g0000000001EAA') "
            "OR SystemModstamp > 2026-03-09T09:01:00Z",
            ("2026-03-09T09:01:00.000+0000", True, None, True),
        ),
        ("SystemModstamp > 2026-03-09T09:01:00Z OR LastName = 'x'", UNBOUNDED),
        ("NOT SystemModstamp > 2026-03-09T09:01:00Z", UNBOUNDED),
    ],
)
def test_cursor_bounds(org: Org, where: str, bounds: tuple[object, ...]) -> None:
    assert compile_query(org, soql("Id", "Lead", where)).bounds == bounds


STAMPS = st.integers(0, 40)


@settings(max_examples=60, deadline=None)
@given(
    stamps=st.lists(STAMPS, min_size=1, max_size=30),
    cursor=STAMPS,
    upper=st.one_of(st.none(), STAMPS),
    pick=st.integers(0, 29),
)
def test_index_plan_matches_full_scan(
    stamps: list[int], cursor: int, upper: int | None, pick: int
) -> None:
    """The tie-breaking incremental query over the index returns what a full scan would."""
    org = Org(ManualClock(T0).now)
    for index, minute in enumerate(stamps):
        create(
            org,
            "Lead",
            {"LastName": f"L{index}", "Company": "C"},
            Actor(at=T0 + timedelta(minutes=minute)),
        )
    rows = sorted(org.tables["Lead"].rows.values(), key=lambda r: (r["SystemModstamp"], r["Id"]))
    last_id = rows[pick % len(rows)]["Id"]
    moment = (T0 + timedelta(minutes=cursor)).strftime("%Y-%m-%dT%H:%M:%SZ")
    where = f"((SystemModstamp = {moment} AND Id > '{last_id}') OR SystemModstamp > {moment})"
    expected = [
        r["Id"] for r in rows
        if (r["SystemModstamp"], r["Id"]) > (_stamp(cursor), last_id)
        and (upper is None or r["SystemModstamp"] <= _stamp(upper))
    ]  # fmt: skip
    if upper is not None:
        where += f" AND SystemModstamp <= {T0 + timedelta(minutes=upper):%Y-%m-%dT%H:%M:%SZ}"
    query = compile_query(org, soql("Id", "Lead", where, "SystemModstamp, Id"))
    assert run(org, query, include_deleted=False) == expected


def _stamp(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
