"""Resolve field paths against the org's schema and type-check literals (§3, §18.3).

A bound field knows how to read its value from a row, through parent relationships when the path
has dots (``Owner.Name``: the ``OwnerId`` reference, then the User's ``Name``). Literals become
the stored form of the field's type, so evaluation compares plain values: text in lower case
(SOQL compares text case-insensitively), ids widened to 18 characters, datetimes in the stored
string form (:mod:`..timefmt`), dates as ISO strings, numbers as floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .. import ids
from ..schema import ID_TYPES, NUMBER_TYPES, FieldDef, FieldType, ObjectDef
from ..store import Row
from ..timefmt import sf_datetime
from . import ast
from .dates import day_range
from .errors import soql_error

if TYPE_CHECKING:
    from ..org import Org

T = FieldType
Getter = Callable[[Row], Any]
NO_SUCH_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, "
    "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)
NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. Please "
    "reference your WSDL or the describe call for the appropriate names."
)


class Kind:
    """Comparison classes of field types."""

    TEXT, ID, NUMBER, BOOLEAN, DATE, DATETIME = (
        "text",
        "id",
        "number",
        "boolean",
        "date",
        "dateTime",
    )


def kind_of(definition: FieldDef) -> str:
    """The comparison class of a field."""
    if definition.type in ID_TYPES:
        return Kind.ID
    if definition.type in NUMBER_TYPES:
        return Kind.NUMBER
    return {T.BOOLEAN: Kind.BOOLEAN, T.DATE: Kind.DATE, T.DATETIME: Kind.DATETIME}.get(
        definition.type, Kind.TEXT
    )


@dataclass(frozen=True, slots=True)
class Bound:
    """A resolved field path.

    Attributes:
        keys: Output keys, relationship names then the field's API name (``("Owner", "Name")``).
        steps: The reference fields walked to reach the field (``OwnerId``).
        field: The final field's definition.
        kind: Its comparison class.
        get: Reads the value from a row of the queried object (``None`` through a null parent).
    """

    keys: tuple[str, ...]
    steps: tuple[FieldDef, ...]
    field: FieldDef
    kind: str
    get: Getter


_LITERALS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    Kind.TEXT: (ast.StringLit, lambda v: v.value.lower()),
    Kind.NUMBER: (ast.NumberLit, lambda v: v.value),
    Kind.BOOLEAN: (ast.BoolLit, lambda v: v.value),
    Kind.DATE: (ast.DateLit, lambda v: v.value.isoformat()),
    Kind.DATETIME: (ast.DateTimeLit, lambda v: sf_datetime(v.value)),
}
"""The literal class each comparison class accepts, and its stored form."""


class Binder:
    """Binds the paths and literals of one query over one object."""

    def __init__(self, org: Org, obj: ObjectDef, text: str) -> None:
        self.org, self.obj, self.text = org, obj, text
        self.today = org.now().astimezone(UTC).date()

    def field(self, path: ast.FieldPath) -> Bound:
        """Resolve ``path``; ``INVALID_FIELD`` with Salesforce's wording when it does not exist."""
        obj, steps, keys = self.obj, list[FieldDef](), list[str]()
        for part in path.parts[:-1]:
            reference = obj.relationship(part)
            if reference is None or not reference.reference_to:
                detail = NO_SUCH_RELATIONSHIP.format(name=part)
                raise soql_error("INVALID_FIELD", self.text, path.offset, detail)
            steps.append(reference)
            keys.append(reference.relationship or part)
            obj = self.org.objects[reference.reference_to[0]]
        final = self._final(steps, obj, path)
        keys.append(final.name)
        return Bound(
            tuple(keys), tuple(steps), final, kind_of(final), self._getter(steps, final.name)
        )

    def _final(self, steps: list[FieldDef], obj: ObjectDef, path: ast.FieldPath) -> FieldDef:
        name = path.parts[-1]
        targets = [obj] if not steps else [self.org.objects[t] for t in steps[-1].reference_to]
        for target in targets:
            found = target.field(name)
            if found is not None:
                return found
        detail = NO_SUCH_COLUMN.format(name=name, entity=targets[0].name)
        raise soql_error("INVALID_FIELD", self.text, path.offset, detail)

    def _getter(self, steps: list[FieldDef], name: str) -> Getter:
        if not steps:
            return itemgetter(name)
        tables = self.org.tables
        hops = [
            (step.name, {tables[t].obj.key_prefix: tables[t] for t in step.reference_to})
            for step in steps
        ]

        def get(row: Row) -> Any:
            current: Row | None = row
            for field_name, by_prefix in hops:
                parent_id = current.get(field_name) if current is not None else None
                if parent_id is None:
                    return None
                table = by_prefix.get(parent_id[:3])
                current = None if table is None else table.rows.get(parent_id)
            return None if current is None else current.get(name)

        return get

    def literal(self, bound: Bound, value: ast.Literal, offset: int) -> Any:
        """The stored form of ``value`` for comparisons with ``bound`` (``None`` for NULL).

        Raises:
            SoqlError: ``INVALID_QUERY_FILTER_OPERATOR`` when the literal's type does not fit.
        """
        if isinstance(value, ast.NullLit):
            return None
        kind = bound.kind
        if kind == Kind.ID and isinstance(value, ast.StringLit):
            normal = ids.normalize(value.value)
            if normal is None:
                raise self.filter_error(offset, f"invalid ID field: {value.value}")
            return normal
        accepted, convert = _LITERALS.get(kind, (type(None), str))
        if isinstance(value, accepted):
            return convert(value)
        quoted = "be" if kind in (Kind.TEXT, Kind.ID) else "not be"
        type_name = {Kind.TEXT: "string", Kind.ID: "id", Kind.NUMBER: "double"}.get(kind, kind)
        raise self.filter_error(
            offset,
            f"value of filter criterion for field '{bound.field.name}' must be of type "
            f"{type_name} and should {quoted} enclosed in quotes",
        )

    def day_range(self, bound: Bound, value: ast.DateKeyword, offset: int) -> tuple[str, str]:
        """The ``[start, end)`` of a relative date literal in the field's stored form."""
        if bound.kind not in (Kind.DATE, Kind.DATETIME):
            detail = f"{value.name} is a date literal; '{bound.field.name}' is not a date field"
            raise self.filter_error(offset, detail)
        start, end = day_range(value.name, value.n, self.today)
        if bound.kind == Kind.DATE:
            return start.isoformat(), end.isoformat()
        midnight = time(0)
        return (
            sf_datetime(datetime.combine(start, midnight, UTC)),
            sf_datetime(datetime.combine(end, midnight, UTC)),
        )

    def filter_error(self, offset: int, detail: str) -> Exception:
        return soql_error("INVALID_QUERY_FILTER_OPERATOR", self.text, offset, detail)
