"""Short constructors for field definitions, so the catalog reads as a table (§7, §12)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .schema import FieldDef, FieldType, PicklistValue

T = FieldType


def text(
    name: str,
    length: int = 255,
    *,
    required: bool = False,
    external_id: bool = False,
    unique: bool = False,
) -> FieldDef:
    """A string field."""
    return FieldDef(
        name,
        T.STRING,
        length=length,
        nillable=not required,
        external_id=external_id,
        unique=unique,
    )


def typed(name: str, kind: FieldType, *, required: bool = False) -> FieldDef:
    """A field of any other type that needs no extra settings."""
    length = {T.EMAIL: 80, T.PHONE: 40, T.URL: 255, T.COMBOBOX: 255, T.TEXTAREA: 32_000}.get(
        kind, 0
    )
    return FieldDef(name, kind, length=length, nillable=not required)


def number(name: str, kind: FieldType = T.DOUBLE, precision: int = 18, scale: int = 0) -> FieldDef:
    """A number, currency or percent field."""
    return FieldDef(name, kind, precision=precision, scale=scale)


def flag(name: str, default: bool = False, *, writable: bool = True) -> FieldDef:
    """A boolean field (never nillable; false unless set)."""
    return FieldDef(
        name, T.BOOLEAN, nillable=False, createable=writable, updateable=writable, default=default
    )


def ref(
    name: str,
    *targets: str,
    relationship: str | None = None,
    required: bool = False,
    writable: bool = True,
) -> FieldDef:
    """A reference (lookup) field; the relationship name defaults to the name without ``Id``."""
    rel = relationship or (name[:-2] if name.endswith("Id") else name.replace("__c", "__r"))
    return FieldDef(
        name,
        T.REFERENCE,
        length=18,
        nillable=not required,
        createable=writable,
        updateable=writable,
        reference_to=targets,
        relationship=rel,
    )


def picklist(
    name: str,
    values: Iterable[str],
    *,
    default: str | None = None,
    restricted: bool = False,
    required: bool = False,
    writable: bool = True,
) -> FieldDef:
    """A picklist field; ``default`` is also the value given on create."""
    entries = tuple(PicklistValue(v, v, True, v == default) for v in values)
    return FieldDef(
        name,
        T.PICKLIST,
        length=255,
        nillable=not required,
        createable=writable,
        updateable=writable,
        picklist=entries,
        restricted=restricted,
        default=default,
    )


def readonly(definition: FieldDef) -> FieldDef:
    """The same field, neither createable nor updateable (system and derived fields)."""
    return replace(definition, createable=False, updateable=False, default=None)


def system_fields(*, modstamp: bool = True, modified: bool = True) -> list[FieldDef]:
    """Id, IsDeleted and the audit fields every object carries (§12 system fields)."""
    out = [
        FieldDef("Id", T.ID, length=18, nillable=False, createable=False, updateable=False),
        readonly(flag("IsDeleted")),
        readonly(typed("CreatedDate", T.DATETIME, required=True)),
        readonly(ref("CreatedById", "User", required=True)),
    ]
    if modified:
        out += [
            readonly(typed("LastModifiedDate", T.DATETIME, required=True)),
            readonly(ref("LastModifiedById", "User", required=True)),
        ]
    if modstamp:
        out.append(readonly(typed("SystemModstamp", T.DATETIME, required=True)))
    return out


def names() -> list[FieldDef]:
    """FirstName, LastName (required) and the derived Name of people."""
    return [
        text("FirstName", 40),
        text("LastName", 80, required=True),
        readonly(text("Name", 121)),
    ]
