"""Plan and run a query: narrow by the cursor index, filter, sort, slice (§3, §14).

The incremental query of every sync, ``WHERE SystemModstamp > x ORDER BY SystemModstamp, Id``
(also with the ``(SystemModstamp = t AND Id > i) OR SystemModstamp > t`` tie-breaker), only reads
the index slice its WHERE clause allows, and needs no sort: the index is already in
``(SystemModstamp, Id)`` order. Other queries filter every row and sort.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import unsupported_type
from ..schema import ObjectDef
from ..store import Row, Table
from ..timefmt import sf_datetime
from . import ast
from .bind import Binder, Bound
from .errors import soql_error
from .evaluate import Predicate, SortPass, compile_where, sort_passes
from .parser import parse

if TYPE_CHECKING:
    from ..org import Org

Bounds = tuple[str | None, bool, str | None, bool]
UNBOUNDED: Bounds = (None, True, None, True)
_TOP = "\x7f"  # sorts after every character of a stored datetime


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed and bound query, ready to run."""

    select: ast.Select
    obj: ObjectDef
    fields: tuple[Bound, ...]
    predicate: Predicate | None
    passes: tuple[SortPass, ...]
    bounds: Bounds


def compile_query(org: Org, text: str) -> Query:
    """Parse and bind ``text`` against the org's schema.

    Raises:
        SoqlError: ``MALFORMED_QUERY``, ``INVALID_TYPE``, ``INVALID_FIELD``, …
    """
    select = parse(text)
    obj = org.lookup(select.sobject)
    if obj is None:
        detail = unsupported_type(select.sobject)
        raise soql_error("INVALID_TYPE", text, select.sobject_offset, detail)
    binder = Binder(org, obj, text)
    fields = tuple({f.parts: binder.field(f) for f in select.fields}.values())
    predicate = None if select.where is None else compile_where(binder, select.where)
    passes = tuple(sort_passes(binder, select.order))
    bounds = UNBOUNDED if select.where is None else _bounds(select.where, obj.cursor_field)
    return Query(select, obj, fields, predicate, passes, bounds)


def run(org: Org, query: Query, include_deleted: bool) -> list[str]:
    """The ids of the matching rows, in result order, after OFFSET and LIMIT."""
    table = org.tables[query.obj.name]
    now = org.now()
    rows = [
        row
        for row in _candidates(table, query.bounds)
        if (include_deleted or not row["IsDeleted"])
        and (not table.hidden or table.visible(row["Id"], now))
        and (query.predicate is None or query.predicate(row))
    ]
    if not _presorted(query):
        for key, descending in query.passes:
            rows.sort(key=key, reverse=descending)
    start = query.select.offset or 0
    end = None if query.select.limit is None else start + query.select.limit
    return [row["Id"] for row in rows[start:end]]


def _candidates(table: Table, bounds: Bounds) -> Iterable[Row]:
    low, low_inclusive, high, high_inclusive = bounds
    index, rows = table.index, table.rows
    start = 0 if low is None else bisect.bisect_left(index, (low if low_inclusive else low + _TOP,))
    end = (
        len(index)
        if high is None
        else bisect.bisect_left(index, (high + _TOP if high_inclusive else high,))
    )
    return (rows[record_id] for _, record_id in index[start:end])


def _presorted(query: Query) -> bool:
    """True when index order is the requested order (cursor field ascending, then Id)."""
    order = query.select.order
    wanted = [(o.field.parts[0].lower(), o.descending) for o in order if len(o.field.parts) == 1]
    if len(wanted) != len(order):
        return False
    cursor = (query.obj.cursor_field.lower(), False)
    return wanted in ([], [cursor], [cursor, ("id", False)])


def _bounds(expr: ast.Expr, cursor: str) -> Bounds:
    """The range of the cursor field that ``expr`` allows (a superset; the predicate decides)."""
    if isinstance(expr, ast.And):
        result = UNBOUNDED
        for operand in expr.operands:
            result = _intersect(result, _bounds(operand, cursor))
        return result
    if isinstance(expr, ast.Or):
        parts = [_bounds(operand, cursor) for operand in expr.operands]
        return _hull(parts)
    if not isinstance(expr, ast.Comparison) or expr.field.parts[-1].lower() != cursor.lower():
        return UNBOUNDED
    if len(expr.field.parts) != 1 or not isinstance(expr.value, ast.DateTimeLit):
        return UNBOUNDED
    value = sf_datetime(expr.value.value)
    return {
        ast.Op.EQ: (value, True, value, True),
        ast.Op.GT: (value, False, None, True),
        ast.Op.GE: (value, True, None, True),
        ast.Op.LT: (None, True, value, False),
        ast.Op.LE: (None, True, value, True),
    }.get(expr.op, UNBOUNDED)


def _intersect(a: Bounds, b: Bounds) -> Bounds:
    low, low_inclusive = a[0], a[1]
    if b[0] is not None and (low is None or b[0] > low or (b[0] == low and not b[1])):
        low, low_inclusive = b[0], b[1]
    high, high_inclusive = a[2], a[3]
    if b[2] is not None and (high is None or b[2] < high or (b[2] == high and not b[3])):
        high, high_inclusive = b[2], b[3]
    return low, low_inclusive, high, high_inclusive


def _hull(parts: list[Bounds]) -> Bounds:
    if any(p[0] is None for p in parts):
        low, low_inclusive = None, True
    else:
        low = min(p[0] for p in parts if p[0] is not None)
        low_inclusive = any(p[1] for p in parts if p[0] == low)
    if any(p[2] is None for p in parts):
        high, high_inclusive = None, True
    else:
        high = max(p[2] for p in parts if p[2] is not None)
        high_inclusive = any(p[3] for p in parts if p[2] == high)
    return low, low_inclusive, high, high_inclusive
