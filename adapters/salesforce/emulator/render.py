"""Records as the REST API returns them: ``attributes`` first, parents as nested objects (§1, §3).

A query's fields become a tree: ``Owner.Name`` and ``Owner.Email`` share one ``"Owner"`` object
carrying its own ``attributes``; a null reference renders as ``"Owner": null``. Values are stored in
their JSON form already (:mod:`.timefmt`), so rendering only picks keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .soql.bind import Bound
from .store import Row, Table

if TYPE_CHECKING:
    from .org import Org


def attributes(object_name: str, record_id: str, version: str) -> dict[str, str]:
    """``{"type": "Lead", "url": "/services/data/v59.0/sobjects/Lead/00Q…"}``."""
    return {
        "type": object_name,
        "url": f"/services/data/v{version}/sobjects/{object_name}/{record_id}",
    }


@dataclass(slots=True)
class Shape:
    """What to render of one row: its own fields, then parent relationships by output key."""

    names: list[str] = field(default_factory=list)
    parents: dict[str, tuple[str, dict[str, Table], Shape]] = field(default_factory=dict)


def shape_of(org: Org, fields: Iterable[Bound]) -> Shape:
    """The render tree of a query's bound fields."""
    root = Shape()
    for bound in fields:
        node = root
        for step, key in zip(bound.steps, bound.keys[:-1], strict=True):
            if key not in node.parents:
                tables = {org.tables[t].obj.key_prefix: org.tables[t] for t in step.reference_to}
                node.parents[key] = (step.name, tables, Shape())
            node = node.parents[key][2]
        if bound.keys[-1] not in node.names:
            node.names.append(bound.keys[-1])
    return root


def render(row: Row, object_name: str, shape: Shape, version: str) -> dict[str, Any]:
    """One query record."""
    out: dict[str, Any] = {"attributes": attributes(object_name, row["Id"], version)}
    for name in shape.names:
        out[name] = row.get(name)
    for key, (reference, tables, child) in shape.parents.items():
        parent_id: str | None = row.get(reference)
        table = None if parent_id is None else tables.get(parent_id[:3])
        parent = None if table is None or parent_id is None else table.rows.get(parent_id)
        out[key] = (
            None
            if parent is None or table is None
            else render(parent, table.obj.name, child, version)
        )
    return out


def render_many(
    rows: Iterable[Row], object_name: str, shape: Shape, version: str
) -> list[dict[str, Any]]:
    """Query records; plain field lists take a faster path."""
    if shape.parents:
        return [render(row, object_name, shape, version) for row in rows]
    names = shape.names
    prefix = f"/services/data/v{version}/sobjects/{object_name}/"
    return [
        {
            "attributes": {"type": object_name, "url": prefix + row["Id"]},
            **{n: row[n] for n in names},
        }
        for row in rows
    ]


def full_record(
    table: Table, row: Row, version: str, names: Iterable[str] | None = None
) -> dict[str, Any]:
    """A record for ``GET /sobjects/T/{id}``: every field, or those in ``names``."""
    out: dict[str, Any] = {"attributes": attributes(table.obj.name, row["Id"], version)}
    for name in names if names is not None else table.obj.fields:
        out[name] = row.get(name)
    return out
