"""The SOQL syntax tree, and :func:`to_soql`, which writes a tree back as query text.

Nodes are frozen dataclasses; source offsets are kept for error messages but left out of
equality, so ``parse(to_soql(tree)) == tree`` holds for every tree (the round-trip property tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Op(StrEnum):
    """Comparison operators (``<>`` is read as ``!=``)."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A field, possibly through parent relationships: ``("Owner", "Name")``."""

    parts: tuple[str, ...]
    offset: int = field(default=0, compare=False)

    @property
    def dotted(self) -> str:
        """``Owner.Name``."""
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class StringLit:
    """A quoted string; ``literal`` = positions of ``%``/``_`` escaped for LIKE."""

    value: str
    literal: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class NumberLit:
    """An integer or decimal number, with its source text."""

    text: str

    @property
    def value(self) -> float:
        """The number."""
        return float(self.text)


@dataclass(frozen=True, slots=True)
class BoolLit:
    """``TRUE`` or ``FALSE``."""

    value: bool


@dataclass(frozen=True, slots=True)
class NullLit:
    """``NULL``."""


@dataclass(frozen=True, slots=True)
class DateLit:
    """An unquoted date: ``2024-01-15``."""

    value: date


@dataclass(frozen=True, slots=True)
class DateTimeLit:
    """An unquoted datetime with an offset; ``text`` is the source spelling."""

    value: datetime
    text: str = field(compare=False, default="")


@dataclass(frozen=True, slots=True)
class DateKeyword:
    """A relative date literal: ``TODAY``, ``LAST_N_DAYS:30``; ``n`` is ``None`` without one."""

    name: str
    n: int | None = None


Literal = StringLit | NumberLit | BoolLit | NullLit | DateLit | DateTimeLit | DateKeyword


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value``."""

    field: FieldPath
    op: Op
    value: Literal


@dataclass(frozen=True, slots=True)
class InList:
    """``field [NOT] IN (v, ...)``."""

    field: FieldPath
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Like:
    """``field LIKE 'pattern'``."""

    field: FieldPath
    pattern: StringLit


@dataclass(frozen=True, slots=True)
class Not:
    """``NOT condition``."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    """Two or more conditions joined by AND."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more conditions joined by OR."""

    operands: tuple[Expr, ...]


Expr = Comparison | InList | Like | Not | And | Or


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ORDER BY key; SOQL sorts nulls first by default, in either direction."""

    field: FieldPath
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True, slots=True)
class Select:
    """A whole query: ``count`` is ``SELECT COUNT()``, with an empty field list."""

    fields: tuple[FieldPath, ...]
    sobject: str
    where: Expr | None = None
    order: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    count: bool = False
    sobject_offset: int = field(default=0, compare=False)


_SPELLED = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f"}


def _escape(value: StringLit) -> str:
    out = []
    for index, char in enumerate(value.value):
        if char in "\\'\n\r\t\b\f\"" or index in value.literal:
            out.append("\\" + _SPELLED.get(char, char))
        else:
            out.append(char)
    return "".join(out)


_FORMAT: dict[type, Callable[[Any], str]] = {
    StringLit: lambda v: "'" + _escape(v) + "'",
    NumberLit: lambda v: str(v.text),
    BoolLit: lambda v: "true" if v.value else "false",
    NullLit: lambda _: "null",
    DateLit: lambda v: str(v.value.isoformat()),
    DateTimeLit: lambda v: str(v.text or v.value.isoformat().replace("+00:00", "Z")),
    DateKeyword: lambda v: str(v.name if v.n is None else f"{v.name}:{v.n}"),
}


def _literal(value: Literal) -> str:
    return _FORMAT[type(value)](value)


def _expr(expr: Expr) -> str:
    if isinstance(expr, Comparison):
        return f"{expr.field.dotted} {expr.op.value} {_literal(expr.value)}"
    if isinstance(expr, InList):
        values = ", ".join(_literal(v) for v in expr.values)
        return f"{expr.field.dotted} {'NOT IN' if expr.negated else 'IN'} ({values})"
    if isinstance(expr, Like):
        return f"{expr.field.dotted} LIKE {_literal(expr.pattern)}"
    if isinstance(expr, Not):
        return f"NOT ({_expr(expr.operand)})"
    joiner = " AND " if isinstance(expr, And) else " OR "
    return joiner.join(f"({_expr(operand)})" for operand in expr.operands)


def to_soql(query: Select) -> str:
    """Query text that parses back to ``query``."""
    fields = "COUNT()" if query.count else ", ".join(f.dotted for f in query.fields)
    parts = [f"SELECT {fields} FROM {query.sobject}"]  # noqa: S608 - SOQL text, not SQL
    if query.where is not None:
        parts.append(f"WHERE {_expr(query.where)}")
    if query.order:
        items = [
            f"{o.field.dotted} {'DESC' if o.descending else 'ASC'} "
            f"NULLS {'LAST' if o.nulls_last else 'FIRST'}"
            for o in query.order
        ]
        parts.append("ORDER BY " + ", ".join(items))
    if query.limit is not None:
        parts.append(f"LIMIT {query.limit}")
    if query.offset is not None:
        parts.append(f"OFFSET {query.offset}")
    return " ".join(parts)
