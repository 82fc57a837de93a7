"""SOQL lexer and parser: valid queries → trees, invalid ones → MALFORMED_QUERY at a position."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.salesforce.emulator.soql import ast
from adapters.salesforce.emulator.soql.errors import SoqlError
from adapters.salesforce.emulator.soql.lexer import Kind, tokenize
from adapters.salesforce.emulator.soql.parser import parse

F = ast.FieldPath
C = ast.Comparison


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("SELECT Id FROM Lead", [Kind.WORD] * 4),
        ("a.b = 'x'", [Kind.WORD, Kind.DOT, Kind.WORD, Kind.OP, Kind.STRING]),
        ("x >= 2024-01-15", [Kind.WORD, Kind.OP, Kind.DATE]),
        ("x < 2024-01-15T10:00:00.123+02:00", [Kind.WORD, Kind.OP, Kind.DATETIME]),
        ("x <> -1.5", [Kind.WORD, Kind.OP, Kind.NUMBER]),
        (
            "x IN ('a', 'b')",
            [Kind.WORD, Kind.WORD, Kind.LPAREN, Kind.STRING, Kind.COMMA, Kind.STRING, Kind.RPAREN],
        ),
        ("LAST_N_DAYS:30", [Kind.WORD, Kind.COLON, Kind.NUMBER]),
    ],
)
def test_tokens(text: str, kinds: list[Kind]) -> None:
    assert [t.kind for t in tokenize(text)] == [*kinds, Kind.END]


@pytest.mark.parametrize(
    ("literal", "value", "escaped"),
    [
        (r"'it\'s'", "it's", frozenset()),
        (r"'a\\b'", "a\\b", frozenset()),
        (r"'line\nbreak\t'", "line\nbreak\t", frozenset()),
        (r"'50\%_'", "50%_", frozenset({2})),
        (r"'\_x'", "_x", frozenset({0})),
        ("'quote \"ok\"'", 'quote "ok"', frozenset()),
    ],
)
def test_string_escapes(literal: str, value: str, escaped: frozenset[int]) -> None:
    token = tokenize(literal)[0]
    assert (token.kind, token.value, token.literal) == (Kind.STRING, value, escaped)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT Id FROM Lead", ast.Select((F(("Id",)),), "Lead")),
        ("select id, owner.name from lead", ast.Select((F(("id",)), F(("owner", "name"))), "lead")),
        ("SELECT COUNT() FROM Lead", ast.Select((), "Lead", count=True)),
        (
            "SELECT Id FROM Lead WHERE Email = null AND IsConverted = false",
            ast.Select(
                (F(("Id",)),),
                "Lead",
                ast.And(
                    (
                        C(F(("Email",)), ast.Op.EQ, ast.NullLit()),
                        C(F(("IsConverted",)), ast.Op.EQ, ast.BoolLit(False)),
                    )
                ),
            ),
        ),
        (
            "SELECT Id FROM Lead WHERE (SystemModstamp = 2024-01-15T10:00:00Z AND Id > '00Q') "
            "OR SystemModstamp > 2024-01-15T10:00:00Z ORDER BY SystemModstamp, Id LIMIT 200",
            ast.Select(
                (F(("Id",)),),
                "Lead",
                ast.Or(
                    (
                        ast.And(
                            (
                                C(
                                    F(("SystemModstamp",)),
                                    ast.Op.EQ,
                                    ast.DateTimeLit(datetime(2024, 1, 15, 10, tzinfo=UTC)),
                                ),
                                C(F(("Id",)), ast.Op.GT, ast.StringLit("00Q")),
                            )
                        ),
                        C(
                            F(("SystemModstamp",)),
                            ast.Op.GT,
                            ast.DateTimeLit(datetime(2024, 1, 15, 10, tzinfo=UTC)),
                        ),
                    )
                ),
                (ast.OrderItem(F(("SystemModstamp",))), ast.OrderItem(F(("Id",)))),
                200,
            ),
        ),
        (
            "SELECT Id FROM Task WHERE NOT Subject LIKE 'Call%' AND Status NOT IN ('Completed') "
            "ORDER BY ActivityDate DESC NULLS LAST LIMIT 10 OFFSET 5",
            ast.Select(
                (F(("Id",)),),
                "Task",
                ast.And(
                    (
                        ast.Not(ast.Like(F(("Subject",)), ast.StringLit("Call%"))),
                        ast.InList(F(("Status",)), (ast.StringLit("Completed"),), negated=True),
                    )
                ),
                (ast.OrderItem(F(("ActivityDate",)), descending=True, nulls_last=True),),
                10,
                5,
            ),
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:7 AND ConvertedDate < TODAY "
            "AND NumberOfEmployees >= 50 AND ConvertedDate != 2024-02-29",
            ast.Select(
                (F(("Id",)),),
                "Lead",
                ast.And(
                    (
                        C(F(("CreatedDate",)), ast.Op.EQ, ast.DateKeyword("LAST_N_DAYS", 7)),
                        C(F(("ConvertedDate",)), ast.Op.LT, ast.DateKeyword("TODAY")),
                        C(F(("NumberOfEmployees",)), ast.Op.GE, ast.NumberLit("50")),
                        C(F(("ConvertedDate",)), ast.Op.NE, ast.DateLit(date(2024, 2, 29))),
                    )
                ),
            ),
        ),
    ],
)
def test_valid_queries(text: str, expected: ast.Select) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "column", "detail"),
    [
        ("SELECT Id FORM Lead", 11, "unexpected token: 'FORM'"),
        ("SELECT FROM Lead", 8, "unexpected token: 'FROM'"),
        ("SELECT Id FROM Lead WHERE", 26, "unexpected token: '<EOF>'"),
        ("SELECT Id FROM Lead WHERE a = 1 AND b = 2 OR c = 3", 43, "unexpected token: 'OR'"),
        ("SELECT Id FROM Lead WHERE Name = 'x", 34, "unterminated string"),
        ('SELECT Id FROM Lead WHERE Name = "x"', 34, "unexpected token: '\"'"),
        ("SELECT Id FROM Lead WHERE Name = 'a\\qb'", 36, "Illegal escape sequence"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-15T10:00:00", 41, "use Z or an offset"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2024-13-45", 41, "invalid date"),
        ("SELECT Id FROM Lead WHERE Id = :lastId", 32, "unexpected token: ':'"),
        ("SELECT Id FROM Lead LIMIT -1", 27, "unexpected token: '-1'"),
        ("SELECT Id FROM Lead ORDER BY Name NULLS", 40, "unexpected token: '<EOF>'"),
        ("SELECT COUNT(Id) FROM Lead", 14, "only COUNT()"),
        ("SELECT Id FROM Lead WHERE x = FOO", 31, "unexpected token: 'FOO'"),
        ("SELECT Id FROM Lead extra", 21, "unexpected token: 'extra'"),
    ],
)
def test_malformed_queries(text: str, column: int, detail: str) -> None:
    with pytest.raises(SoqlError, match=detail) as caught:
        parse(text)
    error = caught.value
    assert (error.status, error.code, error.row, error.column) == (
        400,
        "MALFORMED_QUERY",
        1,
        column,
    )
    assert error.to_json()[0]["message"].startswith(
        f"\n{text}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n"
    )


def test_error_position_on_later_line() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id\nFROM Lead\nWHERE Name ==")
    assert (caught.value.row, caught.value.column) == (3, 13)
    assert caught.value.message.startswith(
        "\nWHERE Name ==\n            ^\nERROR at Row:3:Column:13\n"
    )


def test_offset_above_2000_is_out_of_range() -> None:
    with pytest.raises(SoqlError, match="Maximum SOQL offset allowed is 2000") as caught:
        parse("SELECT Id FROM Lead OFFSET 2001")
    assert caught.value.code == "NUMBER_OUTSIDE_VALID_RANGE"


# Property: any generated tree written as text parses back to the same tree.
NAMES = st.sampled_from(
    ["Id", "Name", "Email", "Score__c", "SystemModstamp", "CreatedDate", "Status"]
)
PATHS = st.one_of(
    NAMES.map(lambda n: F((n,))),
    st.tuples(st.sampled_from(["Owner", "Account", "Who"]), NAMES).map(F),
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
STRINGS = st.builds(
    lambda value, escaped: ast.StringLit(
        value, frozenset(i for i in escaped if i < len(value) and value[i] in "%_")
    ),
    TEXT,
    st.frozensets(st.integers(0, 11)),
)
NUMBERS = st.one_of(st.integers(0, 10**6).map(str), st.decimals(0, 1000, places=2).map(str)).map(
    ast.NumberLit
)
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)
DATETIMES = st.builds(
    lambda moment, zone, millis: ast.DateTimeLit(
        moment.replace(tzinfo=zone, microsecond=millis * 1000).astimezone(UTC),
        moment.replace(tzinfo=zone, microsecond=millis * 1000).isoformat(timespec="milliseconds"),
    ),
    st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
    ZONES,
    st.integers(0, 999),
)
LITERALS = st.one_of(
    STRINGS,
    NUMBERS,
    st.booleans().map(ast.BoolLit),
    st.just(ast.NullLit()),
    st.dates(date(2000, 1, 1), date(2100, 1, 1)).map(ast.DateLit),
    DATETIMES,
    st.sampled_from(
        [
            ast.DateKeyword("TODAY"),
            ast.DateKeyword("LAST_N_DAYS", 30),
            ast.DateKeyword("N_DAYS_AGO", 2),
        ]
    ),
)
LEAVES = st.one_of(
    st.builds(C, PATHS, st.sampled_from(list(ast.Op)), LITERALS),
    st.builds(
        ast.InList, PATHS, st.lists(LITERALS, min_size=1, max_size=3).map(tuple), st.booleans()
    ),
    st.builds(ast.Like, PATHS, STRINGS),
)
EXPRS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        inner.map(ast.Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.Or(tuple(xs))),
    ),
    max_leaves=6,
)
QUERIES = st.builds(
    ast.Select,
    st.lists(PATHS, min_size=1, max_size=4).map(tuple),
    st.sampled_from(["Lead", "Contact", "Opportunity"]),
    st.one_of(st.none(), EXPRS),
    st.lists(st.builds(ast.OrderItem, PATHS, st.booleans(), st.booleans()), max_size=3).map(tuple),
    st.one_of(st.none(), st.integers(0, 50_000)),
    st.one_of(st.none(), st.integers(0, 2000)),
)


@settings(max_examples=300, deadline=None)
@given(QUERIES)
def test_round_trip(query: ast.Select) -> None:
    assert parse(ast.to_soql(query)) == query
