"""The SOQL builder: names checked, literals quoted, clauses composed — and every string and instant
read back unchanged by the emulator's SOQL parser (salesforce-api.md §1, §3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.salesforce.emulator.soql import ast
from adapters.salesforce.emulator.soql.parser import parse
from adapters.salesforce.soql import (
    Not,
    Soql,
    SoqlError,
    and_,
    eq,
    field_path,
    ge,
    gt,
    in_,
    is_field_path,
    literal,
    lt,
    ne,
    object_name,
    or_,
    quote,
    soql_datetime,
)

KYIV = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Id", True),
        ("Smarketing_Score__c", True),
        ("ns__Score__c", True),
        ("Owner.Name", True),
        ("Account__r.Owner.Name", True),
        ("A1_b", True),
        ("", False),
        ("1Field", False),
        ("_Field", False),
        ("Email; DELETE", False),
        ("Name FROM User", False),
        ("Owner..Name", False),
        ("Owner.", False),
        ("Field__x", True),  # the pattern allows any word; only __c/__r are suffixes
        ("Fïeld", False),
        ("Name'", False),
    ],
)
def test_field_names_are_checked(name: str, valid: bool) -> None:
    assert is_field_path(name) is valid
    if not valid:
        with pytest.raises(SoqlError, match="not a valid SOQL field name"):
            field_path(name)


@pytest.mark.parametrize("name", ["Owner.Name", "Lead; x", ""])
def test_object_names_have_no_dots(name: str) -> None:
    with pytest.raises(SoqlError, match="not a valid sObject name"):
        object_name(name)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-3, "-3"),
        (2.5, "2.5"),
        ("plain", "'plain'"),
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("\\'", r"'\\\''"),
        ("line\nbreak\ttab", r"'line\nbreak\ttab'"),
        ("100% _done_", "'100% _done_'"),
        (date(2024, 1, 15), "2024-01-15"),
        (datetime(2024, 1, 15, 10, 0, tzinfo=UTC), "2024-01-15T10:00:00.000Z"),
        (datetime(2024, 1, 15, 12, 0, 0, 123456, tzinfo=KYIV), "2024-01-15T10:00:00.123Z"),
    ],
)
def test_literals(value: object, text: str) -> None:
    assert literal(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime(2024, 1, 15, 10, 0), "naive datetime"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (b"bytes", "cannot be a SOQL literal"),
    ],
)
def test_unsafe_literals_are_refused(value: object, message: str) -> None:
    with pytest.raises(SoqlError, match=message):
        literal(value)  # type: ignore[arg-type]


T = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        (Soql.select("Lead", ["Id"]), "SELECT Id FROM Lead"),
        (Soql.select("Lead", ["Id", "Email", "id", "EMAIL"]), "SELECT Id, Email FROM Lead"),
        (
            Soql.select("Lead", ["Id"]).where(ge("SystemModstamp", T)).order_by("Id").limit(10),
            "SELECT Id FROM Lead WHERE SystemModstamp >= 2024-01-15T10:00:00.000Z "
            "ORDER BY Id LIMIT 10",
        ),
        (
            Soql.select("Lead", ["Id"]).where(eq("IsConverted", True)).where(ne("Status", None)),
            "SELECT Id FROM Lead WHERE IsConverted = true AND Status != null",
        ),
        (
            Soql.select("Lead", ["Id"]).where(
                lt("SystemModstamp", T),
                or_(gt("SystemModstamp", T), and_(eq("A", 1), gt("Id", "x"))),
            ),
            "SELECT Id FROM Lead WHERE SystemModstamp < 2024-01-15T10:00:00.000Z AND "
            "(SystemModstamp > 2024-01-15T10:00:00.000Z OR (A = 1 AND Id > 'x'))",
        ),
        (
            Soql.select("Task", ["Id"]).where(
                in_("Key__c", ["a'", "b"]), Not(eq("IsClosed", True))
            ),
            "SELECT Id FROM Task WHERE Key__c IN ('a\\'', 'b') AND NOT (IsClosed = true)",
        ),
        (
            Soql.select("User", ["Id"]).order_by("Name", descending=True).order_by("Id"),
            "SELECT Id FROM User ORDER BY Name DESC, Id",
        ),
    ],
)
def test_queries_compose(query: Soql, text: str) -> None:
    assert str(query) == text
    parse(query.text)  # and the emulator's parser reads it


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Soql.select("Lead", []), "at least one field"),
        (lambda: Soql.select("Lead", ["Id", "Bad Name"]), "not a valid SOQL field name"),
        (lambda: Soql.select("Lead", ["Id"]).limit(0), "LIMIT must be at least 1"),
        (lambda: in_("Id", []), "at least one value"),
        (lambda: eq("Id = 'x' OR Id", "y"), "not a valid SOQL field name"),
        (lambda: Soql.select("Lead", ["Id"]).order_by("Id DESC"), "not a valid SOQL field name"),
    ],
)
def test_invalid_queries_are_refused(build: object, message: str) -> None:
    with pytest.raises(SoqlError, match=message):
        build()  # type: ignore[operator]


def where_value(text: str) -> ast.Literal:
    tree = parse(text)
    assert isinstance(tree.where, ast.Comparison)
    return tree.where.value


@given(st.text())
def test_every_string_round_trips_through_the_emulator_parser(value: str) -> None:
    literal_value = where_value(Soql.select("Lead", ["Id"]).where(eq("Email", value)).text)
    assert literal_value == ast.StringLit(value)
    assert quote(value).startswith("'")


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),  # hypothesis takes naive bounds
        max_value=datetime(2999, 12, 31),
        timezones=st.sampled_from([UTC, KYIV, timezone(timedelta(hours=-9, minutes=-30))]),
    )
)
def test_every_instant_round_trips_to_the_millisecond(moment: datetime) -> None:
    parsed = where_value(Soql.select("Lead", ["Id"]).where(ge("SystemModstamp", moment)).text)
    assert isinstance(parsed, ast.DateTimeLit)
    expected = moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parsed.value == expected
    assert soql_datetime(moment).endswith("Z")
