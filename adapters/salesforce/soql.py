"""The one place that writes SOQL: identifiers checked, literals quoted, clauses composed.

No other module pastes strings into a query: a value that came from a CRM record or a config file
reaches Salesforce only through :func:`literal`, and a name only through :func:`field_path`.

- **Names** (§1): ``^[A-Za-z][A-Za-z0-9_]*(__c|__r)?$`` per part; parent paths are dotted
  (``Owner.Name``, ``Account__r.Name``). Anything else raises :class:`SoqlError`.
- **Strings** are single-quoted with backslash escapes (``\\'``, ``\\\\``, and ``\\n \\r \\t \\b
  \\f`` for control characters, all valid SOQL escapes), so every Python string round-trips.
- **Datetimes** are unquoted UTC ``2024-01-15T10:00:00.000Z`` (§1); naive ones are refused
  (failure-modes R5). **Dates** are ``2024-01-15``. Numbers must be finite; ``None`` is ``null``.
- **Conditions** are small frozen trees (:class:`Compare`, :class:`In`, :class:`And`,
  :class:`Or`, :class:`Not`); SOQL cannot mix ``AND`` and ``OR`` without parentheses, so nested
  groups are always parenthesised.

Example::

    Soql.select("Lead", ["Id", "Email"]).where(ge("SystemModstamp", since)).order_by(
        "SystemModstamp", "Id").limit(2000)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

Literal = str | int | float | bool | datetime | date | None
"""A value SOQL can compare with."""

_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:__c|__r)?$", re.ASCII)
# SOQL escapes (§3 examples and the Salesforce escape table); the backslash goes first.
_ESCAPES: Final = (
    ("\\", "\\\\"),
    ("'", "\\'"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\b", "\\b"),
    ("\f", "\\f"),
)


class SoqlError(ValueError):
    """A name or value that cannot be written into SOQL safely."""


def is_field_path(name: str) -> bool:
    """Whether ``name`` is a field or a dotted parent path such as ``Owner.Name``."""
    return all(_NAME.match(part) for part in name.split("."))


def field_path(name: str) -> str:
    """``name`` unchanged if it is a valid field path.

    Raises:
        SoqlError: It is not.
    """
    if not is_field_path(name):
        raise SoqlError(f"{name!r} is not a valid SOQL field name")
    return name


def object_name(name: str) -> str:
    """``name`` unchanged if it is a valid sObject name (no dots).

    Raises:
        SoqlError: It is not.
    """
    if "." in name or not is_field_path(name):
        raise SoqlError(f"{name!r} is not a valid sObject name")
    return name


def quote(text: str) -> str:
    """A single-quoted SOQL string literal of ``text``."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return f"'{text}'"


def soql_datetime(moment: datetime) -> str:
    """``2024-01-15T10:00:00.000Z``: the instant in UTC, with milliseconds (§1).

    Raises:
        SoqlError: ``moment`` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SoqlError(f"naive datetime {moment.isoformat()}: SOQL needs an aware one")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def literal(value: Literal) -> str:
    """``value`` as SOQL literal text.

    Raises:
        SoqlError: A naive datetime or a non-finite number.
    """
    if value is None:
        return "null"
    # bool before int (a bool is an int) and datetime before date (a datetime is a date).
    for kind, render in _LITERALS:
        if isinstance(value, kind):
            return render(value)
    raise SoqlError(f"{value!r} ({type(value).__name__}) cannot be a SOQL literal")


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise SoqlError(f"{value!r} is not a finite number")
    return repr(value)


_LITERALS: Final[tuple[tuple[type[Any], Callable[[Any], str]], ...]] = (
    (bool, lambda v: "true" if v else "false"),
    (datetime, soql_datetime),
    (date, date.isoformat),
    (int, str),
    (float, _number),
    (str, quote),
)


class Op(StrEnum):
    """Comparison operators."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class Compare:
    """``field op value``."""

    field: str
    op: Op
    value: Literal

    def __post_init__(self) -> None:
        field_path(self.field)

    def render(self) -> str:
        """The condition's text."""
        return f"{self.field} {self.op.value} {literal(self.value)}"


@dataclass(frozen=True, slots=True)
class In:
    """``field [NOT] IN (v1, v2, ...)``; at least one value."""

    field: str
    values: tuple[Literal, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        field_path(self.field)
        if not self.values:
            raise SoqlError(f"IN on {self.field} needs at least one value")

    def render(self) -> str:
        """The condition's text."""
        listed = ", ".join(literal(v) for v in self.values)
        return f"{self.field} {'NOT IN' if self.negated else 'IN'} ({listed})"


@dataclass(frozen=True, slots=True)
class And:
    """All of ``parts`` (at least one)."""

    parts: tuple[Condition, ...]

    def render(self) -> str:
        """The condition's text; nested groups in parentheses."""
        return _join(" AND ", self.parts)


@dataclass(frozen=True, slots=True)
class Or:
    """Any of ``parts`` (at least one)."""

    parts: tuple[Condition, ...]

    def render(self) -> str:
        """The condition's text; nested groups in parentheses."""
        return _join(" OR ", self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    """``NOT (part)``."""

    part: Condition

    def render(self) -> str:
        """The condition's text."""
        return f"NOT ({self.part.render()})"


Condition = Compare | In | And | Or | Not


def _join(joiner: str, parts: tuple[Condition, ...]) -> str:
    if not parts:
        raise SoqlError("AND/OR needs at least one condition")
    return joiner.join(
        f"({p.render()})" if isinstance(p, And | Or) and len(p.parts) > 1 else p.render()
        for p in parts
    )


def eq(name: str, value: Literal) -> Compare:
    """``name = value``."""
    return Compare(name, Op.EQ, value)


def ne(name: str, value: Literal) -> Compare:
    """``name != value``."""
    return Compare(name, Op.NE, value)


def lt(name: str, value: Literal) -> Compare:
    """``name < value``."""
    return Compare(name, Op.LT, value)


def le(name: str, value: Literal) -> Compare:
    """``name <= value``."""
    return Compare(name, Op.LE, value)


def gt(name: str, value: Literal) -> Compare:
    """``name > value``."""
    return Compare(name, Op.GT, value)


def ge(name: str, value: Literal) -> Compare:
    """``name >= value``."""
    return Compare(name, Op.GE, value)


def in_(name: str, values: Iterable[Literal]) -> In:
    """``name IN (values)``."""
    return In(name, tuple(values))


def and_(*parts: Condition) -> Condition:
    """All of ``parts``; a single part stands alone."""
    return parts[0] if len(parts) == 1 else And(parts)


def or_(*parts: Condition) -> Condition:
    """Any of ``parts``; a single part stands alone."""
    return parts[0] if len(parts) == 1 else Or(parts)


@dataclass(frozen=True, slots=True)
class OrderBy:
    """One ``ORDER BY`` item."""

    field: str
    descending: bool = False

    def __post_init__(self) -> None:
        field_path(self.field)

    def render(self) -> str:
        """The item's text."""
        return f"{self.field}{' DESC' if self.descending else ''}"


@dataclass(frozen=True, slots=True)
class Soql:
    """A ``SELECT ... FROM ... [WHERE] [ORDER BY] [LIMIT]`` query; immutable, built fluently.

    Attributes:
        sobject: The object queried.
        fields: Selected fields (dotted parent paths allowed); duplicates are dropped,
            case-insensitively, since Salesforce refuses a field selected twice.
        condition: The ``WHERE`` condition.
        order: ``ORDER BY`` items.
        max_rows: ``LIMIT``.

    Raises:
        SoqlError: An invalid name, no field, or a ``LIMIT`` below 1.
    """

    sobject: str
    fields: tuple[str, ...]
    condition: Condition | None = None
    order: tuple[OrderBy, ...] = ()
    max_rows: int | None = None

    def __post_init__(self) -> None:
        object_name(self.sobject)
        unique: dict[str, str] = {}
        for name in self.fields:
            unique.setdefault(field_path(name).lower(), name)
        if not unique:
            raise SoqlError(f"a query of {self.sobject} needs at least one field")
        object.__setattr__(self, "fields", tuple(unique.values()))
        if self.max_rows is not None and self.max_rows < 1:
            raise SoqlError(f"LIMIT must be at least 1, not {self.max_rows}")

    @classmethod
    def select(cls, sobject: str, fields: Iterable[str]) -> Soql:
        """``SELECT fields FROM sobject``."""
        return cls(sobject, tuple(fields))

    def where(self, *conditions: Condition) -> Soql:
        """Add conditions, joined with ``AND`` to any already there."""
        parts = (*(() if self.condition is None else (self.condition,)), *conditions)
        return replace(self, condition=and_(*parts) if parts else None)

    def order_by(self, *names: str, descending: bool = False) -> Soql:
        """Append ``ORDER BY`` items, all ascending or all descending."""
        return replace(self, order=(*self.order, *(OrderBy(n, descending) for n in names)))

    def limit(self, rows: int) -> Soql:
        """Set ``LIMIT``."""
        return replace(self, max_rows=rows)

    @property
    def text(self) -> str:
        """The query text."""
        # The one SOQL builder: every name was validated, every value goes through literal().
        parts = [f"SELECT {', '.join(self.fields)} FROM {self.sobject}"]  # noqa: S608
        if self.condition is not None:
            parts.append(f"WHERE {self.condition.render()}")
        if self.order:
            parts.append("ORDER BY " + ", ".join(item.render() for item in self.order))
        if self.max_rows is not None:
            parts.append(f"LIMIT {self.max_rows}")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.text
