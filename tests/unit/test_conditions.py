"""Conditions: every operator on every kind of CRM value, and the compile-time checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules.conditions import ConditionError, compile_condition, matches
from rules.model import FieldValue, Person
from rules.ruleset import Condition, ConditionValue, Op

EST = timezone(timedelta(hours=-5))
JST = timezone(timedelta(hours=9))
JAN5 = date(2024, 1, 5)
JAN5_UTC = datetime(2024, 1, 5, tzinfo=UTC)


def record(value: FieldValue) -> Person:
    return Person(id="p1", fields={"f": value})


def check(op: Op, operand: ConditionValue, value: FieldValue) -> bool:
    return compile_condition(Condition("f", op, operand))(record(value))


EQ_CASES: list[tuple[ConditionValue, FieldValue, bool]] = [
    # text: stripped, case-insensitive, whole value only
    ("VP Sales", " vp sales ", True),
    ("vp sales", "VP SALES", True),
    ("strasse", "Straße", True),
    ("VP", "VP Sales", False),
    ("a", "a;b", False),
    ("12", 12, False),
    # numbers: numeric strings are parsed, bools are not numbers
    (12, 12, True),
    (12, 12.0, True),
    (12, "12", True),
    (12, " 12.0 ", True),
    (1500, "1.5e3", True),
    (12, "12abc", False),
    (12, "1_2", False),
    (1, True, False),
    (12, date(2024, 1, 12), False),
    # booleans: HubSpot sends "true"/"false"
    (True, True, True),
    (True, "TRUE", True),
    (False, "false", True),
    (True, "yes", False),
    (True, 1, False),
    # dates: a datetime counts by its date in its own offset
    (JAN5, JAN5, True),
    (JAN5, datetime(2024, 1, 5, 23, tzinfo=EST), True),
    (JAN5, datetime(2024, 1, 6, 4, tzinfo=UTC), False),
    (JAN5, "2024-01-05", True),
    (JAN5, "2024-01-05T10:00:00Z", True),
    (JAN5, "garbage", False),
    # datetimes: instants compare across offsets; a date is midnight UTC; naive strings fail
    (JAN5_UTC, datetime(2024, 1, 5, 9, tzinfo=JST), True),
    (JAN5_UTC, JAN5, True),
    (JAN5_UTC, "2024-01-05T01:00:00+01:00", True),
    (JAN5_UTC, "2024-01-05", True),
    (JAN5_UTC, "2024-01-05T00:00:00", False),
    # missing
    ("x", None, False),
    ("x", "", False),
    (0, "   ", False),
]


@pytest.mark.parametrize(("operand", "value", "expected"), EQ_CASES)
def test_eq(operand: ConditionValue, value: FieldValue, expected: bool) -> None:
    assert check(Op.EQ, operand, value) is expected


@pytest.mark.parametrize(("operand", "value", "expected"), EQ_CASES)
def test_neq_is_the_negation_of_eq(
    operand: ConditionValue, value: FieldValue, expected: bool
) -> None:
    assert check(Op.NEQ, operand, value) is not expected


IN_CASES: list[tuple[ConditionValue, FieldValue, bool]] = [
    (("us", "ca"), " US ", True),
    (("us", "ca"), "fr", False),
    (("us", "ca"), "fr;CA", True),
    (("us", "ca"), "fr; de", False),
    (("a;b",), "a;b", True),
    (("x", 5), "5", True),
    (("x", 5), 5, True),
    (("x", 5), "X", True),
    (("x", 5), "6;5", True),
    ((True,), "true", True),
    ((JAN5,), "2024-01-04;2024-01-05", True),
    (("us",), 5, False),
    (("us",), None, False),
    (("us",), "", False),
    ((), "us", False),
]


@pytest.mark.parametrize(("operand", "value", "expected"), IN_CASES)
def test_in(operand: ConditionValue, value: FieldValue, expected: bool) -> None:
    assert check(Op.IN, operand, value) is expected


@pytest.mark.parametrize(("operand", "value", "expected"), IN_CASES)
def test_not_in_is_the_negation_of_in(
    operand: ConditionValue, value: FieldValue, expected: bool
) -> None:
    assert check(Op.NOT_IN, operand, value) is not expected


@pytest.mark.parametrize(
    ("operand", "value", "expected"),
    [
        ("gmail", "ann@Gmail.com", True),
        (" @GMAIL. ", "ann@gmail.com", True),
        ("@yahoo", "ann@gmail.com", False),
        ("pro", "product", True),  # one value: substring
        ("enterprise", "product;Enterprise", True),  # multi-value: membership
        ("pro", "product;enterprise", False),
        ("a;b", "a;b", True),
        (5, "1; 5", True),
        (5, 5, True),
        (5, "15", False),
        ("5", 5, False),
        ("x", None, False),
        ("x", "", False),
    ],
)
def test_contains(operand: ConditionValue, value: FieldValue, expected: bool) -> None:
    assert check(Op.CONTAINS, operand, value) is expected


@pytest.mark.parametrize(
    ("op", "operand", "value", "expected"),
    [
        (Op.GTE, 200, 200, True),
        (Op.GTE, 200, "250", True),
        (Op.GTE, 200, 199.5, False),
        (Op.GTE, 200, "abc", False),
        (Op.GTE, 200, "inf", False),
        (Op.GTE, 0, True, False),
        (Op.GTE, 200, None, False),
        (Op.GTE, 200, JAN5, False),
        (Op.LTE, 10, 10, True),
        (Op.LTE, 10, " 9.99 ", True),
        (Op.LTE, 10, 11, False),
        (Op.LTE, 10, "", False),
        (Op.GTE, JAN5, JAN5, True),
        (Op.GTE, JAN5, datetime(2024, 1, 4, 23, tzinfo=EST), False),
        (Op.GTE, JAN5, datetime(2024, 1, 5, 0, 30, tzinfo=JST), True),
        (Op.GTE, JAN5, "2024-01-06", True),
        (Op.LTE, JAN5, "2024-01-05T23:59:59Z", True),
        (Op.GTE, JAN5, 20240105, False),
        (Op.GTE, JAN5_UTC, JAN5, True),
        (Op.LTE, JAN5_UTC, datetime(2024, 1, 5, 8, tzinfo=JST), True),
        (Op.GTE, JAN5_UTC, "2024-01-05T00:00:00Z", True),
        (Op.GTE, JAN5_UTC, "2024-01-05T10:00:00", False),
        (Op.BETWEEN, (10, 20), 10, True),
        (Op.BETWEEN, (10, 20), "20", True),
        (Op.BETWEEN, (10, 20), 20.5, False),
        (Op.BETWEEN, (10, 20.5), 20.5, True),
        (Op.BETWEEN, (10, 20), "ten", False),
        (Op.BETWEEN, (JAN5, date(2024, 1, 31)), "2024-01-31", True),
        (Op.BETWEEN, (JAN5, date(2024, 1, 31)), date(2024, 2, 1), False),
        (Op.BETWEEN, (JAN5_UTC, JAN5_UTC + timedelta(hours=1)), JAN5, True),
    ],
)
def test_order(op: Op, operand: ConditionValue, value: FieldValue, expected: bool) -> None:
    assert check(op, operand, value) is expected


@pytest.mark.parametrize(
    ("value", "present"),
    [("x", True), (0, True), (False, True), (JAN5, True), (None, False), ("", False), (" ", False)],
)
def test_exists_and_not_exists(value: FieldValue, present: bool) -> None:
    assert check(Op.EXISTS, None, value) is present
    assert check(Op.NOT_EXISTS, None, value) is not present


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition("email", Op.CONTAINS, "@acme"), True),
        (Condition("company", Op.EQ, "ACME"), True),
        (Condition("lifecycle", Op.NOT_EXISTS), True),
        (Condition("email", Op.EXISTS), True),
        (Condition("unknown_field", Op.NEQ, "x"), True),
        (Condition("unknown_field", Op.EXISTS), False),
    ],
)
def test_named_attributes_and_missing_fields(condition: Condition, expected: bool) -> None:
    ann = Person(id="p1", email="ann@acme.io", company="Acme")
    assert compile_condition(condition)(ann) is expected
    assert matches(condition, ann) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Condition("f", Op.EQ, None), r"condition 'f' eq: None .* use exists"),
        (Condition("f", Op.EQ, "  "), "blank string"),
        (Condition("f", Op.IN, ("a", "")), "blank string"),
        (Condition("f", Op.EQ, ("a",)), "got the tuple"),
        (Condition("f", Op.CONTAINS, ("a", "b")), "got the tuple"),
        (Condition("f", Op.IN, "a"), "tuple of values"),
        (Condition("f", Op.GTE, "10"), "order needs a number"),
        (Condition("f", Op.LTE, True), "order needs a number"),
        (Condition("f", Op.GTE, float("nan")), "not a finite number"),
        (Condition("f", Op.EQ, float("inf")), "not a finite number"),
        (Condition("f", Op.BETWEEN, (1,)), r"\(low, high\) pair"),
        (Condition("f", Op.BETWEEN, 5), r"\(low, high\) pair"),
        (Condition("f", Op.BETWEEN, (5, 1)), "above high"),
        (Condition("f", Op.BETWEEN, (JAN5, JAN5_UTC)), "different kinds"),
        (Condition("f", Op.EQ, datetime(2024, 1, 5)), "naive datetime"),
        (Condition("f", Op.GTE, datetime(2024, 1, 5)), "naive datetime"),
    ],
)
def test_unusable_conditions_fail_at_compile_time(condition: Condition, message: str) -> None:
    with pytest.raises(ConditionError, match=message):
        compile_condition(condition)


# -- properties --------------------------------------------------------------------------------

TRICKY_TEXTS = st.sampled_from(
    ["12", " 12.5 ", "abc", "TRUE", "2024-01-05", "2024-01-05T10:00:00Z", "a;B;c", "", " "]
)
ZONES = st.sampled_from([UTC, EST, JST])
VALUES: st.SearchStrategy[FieldValue] = st.one_of(
    st.none(),
    st.text(max_size=12),
    TRICKY_TEXTS,
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.datetimes(timezones=ZONES),
)
OPERANDS: st.SearchStrategy[FieldValue] = st.one_of(
    st.text(min_size=1, max_size=8),
    TRICKY_TEXTS,
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(timezones=ZONES),
)


def compiled_or_reject(condition: Condition) -> bool:
    try:
        compile_condition(condition)
    except ConditionError:
        return False
    return True


@given(op=st.sampled_from(Op), operand=OPERANDS, extra=OPERANDS, value=VALUES)
def test_checking_a_record_never_raises(
    op: Op, operand: FieldValue, extra: FieldValue, value: FieldValue
) -> None:
    shaped: ConditionValue = {
        Op.IN: (operand, extra),
        Op.NOT_IN: (operand, extra),
        Op.BETWEEN: (operand, extra),
        Op.EXISTS: None,
        Op.NOT_EXISTS: None,
    }.get(op, operand)
    condition = Condition("f", op, shaped)
    assume(compiled_or_reject(condition))
    assert isinstance(matches(condition, record(value)), bool)


@given(operand=OPERANDS, value=VALUES)
def test_in_one_value_is_eq_for_single_values(operand: FieldValue, value: FieldValue) -> None:
    assume(not (isinstance(value, str) and ";" in value))
    assume(compiled_or_reject(Condition("f", Op.EQ, operand)))
    assert check(Op.IN, (operand,), value) is check(Op.EQ, operand, value)


@given(low=st.integers(-1000, 1000), high=st.integers(-1000, 1000), value=st.integers(-2000, 2000))
def test_between_is_gte_and_lte(low: int, high: int, value: int) -> None:
    assume(low <= high)
    for shown in (value, str(value), float(value)):
        both = check(Op.GTE, low, shown) and check(Op.LTE, high, shown)
        assert check(Op.BETWEEN, (low, high), shown) is both


@given(
    operand=st.text(alphabet="abcXYZ -", min_size=1, max_size=8),
    value=st.text(alphabet="abcXYZ -", max_size=10),
)
def test_text_comparisons_ignore_case(operand: str, value: str) -> None:
    assume(operand.strip())
    for op, shaped in ((Op.EQ, operand), (Op.IN, (operand,)), (Op.CONTAINS, operand)):
        assert check(op, shaped, value.upper()) is check(op, shaped, value.lower())
