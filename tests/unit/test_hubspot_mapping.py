"""HubSpot JSON → Person, Deal, Owner: typed values, stage histories, associations, owners."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.hubspot.mapping import (
    RecordMapper,
    merged_ids,
    owner,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_number,
)
from adapters.hubspot.settings import HubSpotSettings
from rules.model import FieldValue, ObjectType, Owner

JAN = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-22T06:25:12.000Z", datetime(2023, 10, 22, 6, 25, 12, tzinfo=UTC)),
        ("2020-10-22T21:03:23.000+0000", datetime(2020, 10, 22, 21, 3, 23, tzinfo=UTC)),
        ("2023-01-26T11:45:49.817000+00:00", datetime(2023, 1, 26, 11, 45, 49, 817000, tzinfo=UTC)),
        ("1715203101896", datetime(2024, 5, 8, 21, 18, 21, 896000, tzinfo=UTC)),
        ("2024-03-01T10:00:00+02:00", datetime(2024, 3, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_datetimes_parse_to_aware_values(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize("text", ["2024-01-10T08:00:00", "22-10-2020 21:03", "soon", ""])
def test_naive_or_foreign_datetimes_do_not_parse(text: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_number, "14900", 14900),
        (parse_number, "14900.0", 14900),
        (parse_number, "0.25", 0.25),
        (parse_number, "1E02", 100),
        (parse_number, "-3", -3),
        (parse_bool, "true", True),
        (parse_bool, "False", False),
        (parse_date, "2024-01-10", date(2024, 1, 10)),
        (parse_date, "2024-01-10T00:00:00.000Z", date(2024, 1, 10)),
        (parse_date, "1704844800000", date(2024, 1, 10)),
    ],
)
def test_scalar_parsers(parse: Any, text: str, expected: object) -> None:
    value = parse(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("parse", "text"),
    [(parse_number, "NaN"), (parse_number, "inf"), (parse_number, "1,5"), (parse_bool, "yes")],
)
def test_scalar_parsers_refuse(parse: Any, text: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse(text)


CONTACT_DEFS: list[dict[str, Any]] = [
    {"name": "hs_object_id", "type": "number"},
    {"name": "email", "type": "string"},
    {"name": "createdate", "type": "datetime"},
    {"name": "lastmodifieddate", "type": "datetime"},
    {
        "name": "lifecyclestage",
        "type": "enumeration",
        "options": [{"value": "lead"}, {"value": "marketingqualifiedlead"}, {"value": "customer"}],
    },
    {"name": "num_visits", "type": "number"},
    {"name": "is_partner", "type": "bool"},
    {"name": "renewal_day", "type": "date"},
    {"name": "smarketing_score", "type": "number"},
    {"name": "smarketing_rejection_reason", "type": "enumeration"},
    *(
        {"name": f"hs_v2_date_{edge}_{stage}", "type": "datetime"}
        for stage in ("lead", "marketingqualifiedlead", "customer")
        for edge in ("entered", "exited")
    ),
]
SETTINGS = HubSpotSettings(
    base_url="http://127.0.0.1:9",
    token="pat-na1-x",
    person_properties=("num_visits", "is_partner", "renewal_day", "nickname"),
)


def contact(**props: str | None) -> dict[str, Any]:
    base: dict[str, str | None] = {
        "hs_object_id": "101",
        "email": "a@example.com",
        "lifecyclestage": "marketingqualifiedlead",
        "createdate": iso(JAN),
        "lastmodifieddate": iso(JAN + timedelta(days=9)),
    }
    return {"id": "101", "properties": base | props, "updatedAt": iso(JAN)}


@pytest.mark.parametrize(
    ("prop", "text", "value"),
    [
        ("num_visits", "12", 12),
        ("num_visits", "", None),
        ("num_visits", None, None),
        ("is_partner", "TRUE", True),
        ("renewal_day", "2026-04-01", date(2026, 4, 1)),
        ("nickname", "Ace", "Ace"),  # not defined: kept as text
        ("smarketing_score", "72", 72),  # owned properties are read back, typed
        ("smarketing_rejection_reason", "Bad timing", "Bad timing"),
    ],
)
def test_person_fields_are_typed_by_the_definitions(
    prop: str, text: str | None, value: FieldValue
) -> None:
    mapper = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS)
    person = mapper.person(contact(**{prop: text}))
    assert person.fields[prop] == value
    assert type(person.fields[prop]) is type(value)
    assert not mapper.unparsable


def test_unparsable_values_are_kept_and_counted() -> None:
    mapper = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS)
    person = mapper.person(contact(num_visits="lots", renewal_day="01-May"))
    assert person.fields["num_visits"] == "lots"
    assert person.fields["renewal_day"] == "01-May"
    assert mapper.unparsable == {"num_visits": 1, "renewal_day": 1}


def test_person_attributes_and_stage_history() -> None:
    mql, lead_exit = JAN + timedelta(days=2), JAN + timedelta(days=2)
    raw = contact(
        hs_v2_date_entered_lead=iso(JAN),
        hs_v2_date_exited_lead=iso(lead_exit),
        hs_v2_date_entered_marketingqualifiedlead=iso(mql),
        hs_v2_date_exited_customer=iso(JAN),  # an exit without an entry: no stay
        smarketing_rejection_reason="Budget",
    )
    person = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS).person(raw)
    assert (person.id, person.email, person.lifecycle) == (
        "101",
        "a@example.com",
        "marketingqualifiedlead",
    )
    assert person.rejection_reason == "Budget"
    assert [(s.value, s.entered_at, s.exited_at) for s in person.stage_history] == [
        ("lead", JAN, lead_exit),
        ("marketingqualifiedlead", mql, None),
    ]
    assert person.created_at == JAN
    assert person.updated_at == JAN + timedelta(days=9)  # lastmodifieddate, not updatedAt


def test_an_exit_before_the_latest_entry_leaves_the_stay_open() -> None:
    back = JAN + timedelta(days=5)
    raw = contact(hs_v2_date_entered_lead=iso(back), hs_v2_date_exited_lead=iso(JAN))
    person = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS).person(raw)
    assert [(s.entered_at, s.exited_at) for s in person.stage_history] == [(back, None)]


def test_lifecycle_values_default_to_the_portal_options_and_can_be_configured() -> None:
    default = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS)
    assert [s[0] for s in default.stages] == ["lead", "marketingqualifiedlead", "customer"]
    chosen = HubSpotSettings(base_url="http://x", token="t", lifecycle_values=("customer",))
    mapper = RecordMapper(ObjectType.CONTACT, chosen, CONTACT_DEFS)
    assert "hs_v2_date_entered_lead" not in mapper.properties
    assert "hs_v2_date_entered_customer" in mapper.properties


def test_requested_properties_hold_standard_owned_and_extra_names_once() -> None:
    mapper = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS)
    names = mapper.properties
    assert len(names) == len(set(names))
    assert {"email", "lifecyclestage", "hubspot_owner_id", "smarketing_score", "nickname"} <= set(
        names
    )
    assert "smarketing_rejection_reason" in names


DEAL_DEFS: list[dict[str, Any]] = [
    {"name": "amount", "type": "number"},
    {"name": "closedate", "type": "datetime"},
    {"name": "hs_is_closed", "type": "bool"},
    {"name": "hs_is_closed_won", "type": "bool"},
    {"name": "hs_lastmodifieddate", "type": "datetime"},
    {"name": "hs_v2_date_entered_appointmentscheduled", "type": "datetime"},
    {"name": "hs_v2_date_entered_closedwon", "type": "datetime"},
    {"name": "hs_v2_date_entered_153180554", "type": "datetime"},
]


def deal(associations: list[str] | None = None, /, **props: str | None) -> dict[str, Any]:
    base: dict[str, str | None] = {
        "dealname": "Acme - New",
        "amount": "14900.5",
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": "2026-02-22T00:00:00.000Z",
        "hs_lastmodifieddate": iso(JAN),
    }
    raw: dict[str, Any] = {"id": "555", "properties": base | props}
    if associations is not None:
        links = [{"id": i, "type": "deal_to_contact"} for i in associations]
        raw["associations"] = {"contacts": {"results": links}}
    return raw


@pytest.mark.parametrize(
    ("props", "won", "closed"),
    [
        ({"hs_is_closed_won": "true", "hs_is_closed": "true"}, True, True),
        (
            {"hs_is_closed_won": "false", "hs_is_closed": "true", "dealstage": "closedlost"},
            False,
            True,
        ),
        ({}, True, True),  # flags absent: the default pipeline's closed stages
        ({"dealstage": "closedlost"}, False, True),
        ({"dealstage": "qualifiedtobuy"}, False, False),
    ],
)
def test_deal_won_and_closed(props: dict[str, str], won: bool, closed: bool) -> None:
    result = RecordMapper(ObjectType.DEAL, SETTINGS, DEAL_DEFS).deal(deal(**props))
    assert (result.is_won, result.is_closed) == (won, closed)


def test_deal_fields_history_and_inline_contacts() -> None:
    second = JAN + timedelta(days=3)
    raw = deal(
        ["7", "8", "7"],  # v3 lists can repeat an id (§9)
        hs_v2_date_entered_appointmentscheduled=iso(JAN),
        hs_v2_date_entered_closedwon=iso(second),
    )
    result = RecordMapper(ObjectType.DEAL, SETTINGS, DEAL_DEFS).deal(raw)
    assert (result.id, result.name, result.amount) == ("555", "Acme - New", 14900.5)
    assert result.close_date == date(2026, 2, 22)
    assert result.person_ids == ("7", "8")
    assert [(s.value, s.entered_at, s.exited_at) for s in result.stage_history] == [
        ("appointmentscheduled", JAN, second),
        ("closedwon", second, None),
    ]


def test_deal_contacts_from_a_separate_read_win_over_inline_ones() -> None:
    result = RecordMapper(ObjectType.DEAL, SETTINGS, DEAL_DEFS).deal(deal(["7"]), ["9", "9", "10"])
    assert result.person_ids == ("9", "10")


def test_deal_stage_dates_come_from_the_definitions() -> None:
    mapper = RecordMapper(ObjectType.DEAL, SETTINGS, DEAL_DEFS)
    assert "hs_v2_date_entered_153180554" in mapper.properties  # custom stage ids are numeric (§7)
    assert not any(name.startswith("hs_v2_date_exited_") for name in mapper.properties)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {
                "id": "41",
                "email": "ann@x.example",
                "firstName": "Ann",
                "lastName": "Rep",
                "archived": False,
                "teams": [
                    {"id": "1", "name": "SMB", "primary": False},
                    {"id": "2", "name": "EMEA", "primary": True},
                ],
            },
            Owner("41", "Ann Rep", "ann@x.example", team="EMEA", active=True),
        ),
        (
            {
                "id": "42",
                "email": "q@x.example",
                "archived": True,
                "teams": [{"id": "3", "name": "Ops"}],
            },
            Owner("42", "q@x.example", "q@x.example", team="Ops", active=False),
        ),
        ({"id": "43", "email": None, "firstName": "Solo"}, Owner("43", "Solo", None)),
    ],
)
def test_owners(raw: dict[str, Any], expected: Owner) -> None:
    assert owner(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, ()), ("", ()), ("102", ("102",)), ("102;103;", ("102", "103")), ("101;102", ("102",))],
)
def test_merged_ids(text: str | None, expected: tuple[str, ...]) -> None:
    assert merged_ids({"id": "101", "properties": {"hs_merged_object_ids": text}}) == expected


def test_offsets_other_than_utc_stay_aware() -> None:
    east = timezone(timedelta(hours=2))
    person = RecordMapper(ObjectType.CONTACT, SETTINGS, CONTACT_DEFS).person(
        contact(createdate="2024-03-01T10:00:00+02:00")
    )
    assert person.created_at == datetime(2024, 3, 1, 10, tzinfo=east)
