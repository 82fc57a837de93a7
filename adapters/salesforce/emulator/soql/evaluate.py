"""Compile a bound WHERE clause into a row predicate, and ORDER BY into sort passes (§3).

Semantics follow SOQL rather than SQL: text compares case-insensitively; ``!=`` and ``NOT IN``
match null values; a relative date literal such as ``TODAY`` covers a range of days, so
``CreatedDate = TODAY`` is "within today" and ``CreatedDate > TODAY`` is "from tomorrow on"; sorting
is case-insensitive with nulls first unless ``NULLS LAST`` is given.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from ..store import Row
from . import ast
from .bind import Binder, Bound, Kind

Predicate = Callable[[Row], bool]
_COMPARE: dict[ast.Op, Callable[[Any, Any], bool]] = {
    ast.Op.EQ: operator.eq,
    ast.Op.NE: operator.ne,
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
}


def compile_where(binder: Binder, expr: ast.Expr) -> Predicate:
    """A function telling whether a row matches ``expr``."""
    if isinstance(expr, ast.And):
        parts = [compile_where(binder, e) for e in expr.operands]
        return lambda row: all(p(row) for p in parts)
    if isinstance(expr, ast.Or):
        parts = [compile_where(binder, e) for e in expr.operands]
        return lambda row: any(p(row) for p in parts)
    if isinstance(expr, ast.Not):
        inner = compile_where(binder, expr.operand)
        return lambda row: not inner(row)
    bound = binder.field(expr.field)
    if isinstance(expr, ast.Like):
        return _like(binder, bound, expr)
    if isinstance(expr, ast.InList):
        return _in(binder, bound, expr)
    return _comparison(binder, bound, expr)


def _reader(bound: Bound) -> Callable[[Row], Any]:
    """Reads the comparable value: lower-cased text, the stored value otherwise."""
    get = bound.get
    if bound.kind != Kind.TEXT:
        return get
    return lambda row: None if (value := get(row)) is None else str(value).lower()


def _comparison(binder: Binder, bound: Bound, expr: ast.Comparison) -> Predicate:
    offset = expr.field.offset
    if bound.kind == Kind.BOOLEAN and expr.op not in (ast.Op.EQ, ast.Op.NE):
        raise binder.filter_error(offset, f"invalid operator on boolean field: {expr.op.value}")
    read = _reader(bound)
    if isinstance(expr.value, ast.DateKeyword):
        start, end = binder.day_range(bound, expr.value, offset)
        return _in_range(read, expr.op, start, end)
    value = binder.literal(bound, expr.value, offset)
    if value is None:
        if expr.op not in (ast.Op.EQ, ast.Op.NE):
            raise binder.filter_error(offset, f"invalid operator for null: {expr.op.value}")
        wanted = expr.op is ast.Op.EQ
        return lambda row: (read(row) is None) is wanted
    compare = _COMPARE[expr.op]
    if expr.op is ast.Op.NE:
        return lambda row: (current := read(row)) is None or current != value
    return lambda row: (current := read(row)) is not None and compare(current, value)


def _in_range(read: Callable[[Row], Any], op: ast.Op, start: str, end: str) -> Predicate:
    tests: dict[ast.Op, Callable[[Any], bool]] = {
        ast.Op.EQ: lambda v: start <= v < end,
        ast.Op.NE: lambda v: not start <= v < end,
        ast.Op.LT: lambda v: v < start,
        ast.Op.LE: lambda v: v < end,
        ast.Op.GT: lambda v: v >= end,
        ast.Op.GE: lambda v: v >= start,
    }
    test = tests[op]
    if op is ast.Op.NE:
        return lambda row: (current := read(row)) is None or test(current)
    return lambda row: (current := read(row)) is not None and test(current)


def _in(binder: Binder, bound: Bound, expr: ast.InList) -> Predicate:
    values = {binder.literal(bound, v, expr.field.offset) for v in expr.values}
    read = _reader(bound)
    if expr.negated:
        return lambda row: read(row) not in values
    return lambda row: read(row) in values


def _like(binder: Binder, bound: Bound, expr: ast.Like) -> Predicate:
    if bound.kind != Kind.TEXT:
        detail = f"invalid operator on {bound.kind} field: LIKE"
        raise binder.filter_error(expr.field.offset, detail)
    pattern = like_regex(expr.pattern)
    get = bound.get
    return lambda row: (value := get(row)) is not None and pattern.fullmatch(str(value)) is not None


def like_regex(pattern: ast.StringLit) -> re.Pattern[str]:
    """``%`` is any run of characters, ``_`` one character, unless escaped; no case."""
    parts = []
    for index, char in enumerate(pattern.value):
        if char == "%" and index not in pattern.literal:
            parts.append(".*")
        elif char == "_" and index not in pattern.literal:
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


SortPass = tuple[Callable[[Row], tuple[int, Any]], bool]


def sort_passes(binder: Binder, order: tuple[ast.OrderItem, ...]) -> list[SortPass]:
    """Stable sort passes, last key first: ``rows.sort(key=key, reverse=descending)`` each."""
    passes: list[SortPass] = []
    for item in reversed(order):
        read = _reader(binder.field(item.field))
        nulls_first = not item.nulls_last
        # Sorting in reverse flips the flags too: nulls get the flag that lands them right.
        null_flag = 0 if nulls_first != item.descending else 2

        def key(
            row: Row, read: Callable[[Row], Any] = read, null_flag: int = null_flag
        ) -> tuple[int, Any]:
            value = read(row)
            return (null_flag, "") if value is None else (1, value)

        passes.append((key, item.descending))
    return passes
