"""Field and object definitions: what describe reports and what writes and SOQL check (§7, §12).

An :class:`ObjectDef` is mutable on purpose: tests and the seed add custom fields (``__c``) to a
running org. Look-ups are case-insensitive, as SOQL field names are (§18.3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    """Field types, spelled as describe spells them (§7)."""

    ID = "id"
    STRING = "string"
    PICKLIST = "picklist"
    COMBOBOX = "combobox"
    REFERENCE = "reference"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    TEXTAREA = "textarea"
    ANYTYPE = "anyType"


TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.PICKLIST,
        FieldType.COMBOBOX,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.TEXTAREA,
        FieldType.ANYTYPE,
    }
)
ID_TYPES = frozenset({FieldType.ID, FieldType.REFERENCE})
NUMBER_TYPES = frozenset({FieldType.INT, FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT})
SOAP_TYPES = {
    FieldType.ID: "tns:ID",
    FieldType.REFERENCE: "tns:ID",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.INT: "xsd:int",
    FieldType.DOUBLE: "xsd:double",
    FieldType.CURRENCY: "xsd:double",
    FieldType.PERCENT: "xsd:double",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
    FieldType.TIME: "xsd:time",
    FieldType.ANYTYPE: "xsd:anyType",
}


@dataclass(frozen=True, slots=True)
class PicklistValue:
    """One picklist entry (§7: ``picklistValues[{value,label,active,defaultValue}]``)."""

    value: str
    label: str | None = None
    active: bool = True
    default: bool = False


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field of an sObject.

    Attributes:
        name: API name (``LastName``, ``Score__c``).
        type: Describe type.
        label: Display label; defaults to the name.
        length: Maximum length of text fields (0 for others).
        nillable: May be null; a createable, non-nillable field without a default is required.
        createable: Accepted on create.
        updateable: Accepted on update.
        external_id: An External ID: upserts may match on it (§4).
        unique: Values are unique (case-insensitively) among live rows (§4).
        picklist: Allowed values of a picklist.
        restricted: Values outside ``picklist`` are refused
            (``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``).
        reference_to: Target objects of a reference.
        relationship: Relationship name of a reference (``Owner`` for ``OwnerId``).
        default: Value given on create when the body leaves the field out.
        precision: Digits of a number.
        scale: Decimal places of a number.
    """

    name: str
    type: FieldType
    label: str | None = None
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    picklist: tuple[PicklistValue, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    default: object = None
    precision: int = 0
    scale: int = 0

    @property
    def custom(self) -> bool:
        """Custom fields end in ``__c`` (§1)."""
        return self.name.endswith("__c")

    @property
    def required(self) -> bool:
        """Required on create: createable, not nillable, no default, not a boolean."""
        return (
            self.createable
            and not self.nillable
            and self.default is None
            and self.type is not FieldType.BOOLEAN
        )


@dataclass(slots=True)
class ObjectDef:
    """One sObject type.

    Attributes:
        name: API name.
        key_prefix: The 3-character id prefix (§1; prefixes outside the doc examples are
            UNCONFIRMED).
        label: Display label.
        fields: Fields by API name, in describe order.
        createable: Accepts creates through the API.
        activity: Task/Event: custom fields may not be External ID or Unique (§0.4, §4).
        cursor_field: The indexed timestamp incremental queries filter on (§12, §14).
    """

    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    createable: bool = True
    activity: bool = False
    cursor_field: str = "SystemModstamp"
    _lower: dict[str, FieldDef] = field(default_factory=dict)
    _relationships: dict[str, FieldDef] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        key_prefix: str,
        fields: Iterable[FieldDef],
        *,
        label: str | None = None,
        createable: bool = True,
        activity: bool = False,
        cursor_field: str = "SystemModstamp",
    ) -> ObjectDef:
        """An object with ``fields`` in order."""
        obj = cls(name, key_prefix, label or name, {}, createable, activity, cursor_field)
        for definition in fields:
            obj.put(definition)
        return obj

    def put(self, definition: FieldDef) -> None:
        """Add or replace a field."""
        self.fields[definition.name] = definition
        self._lower[definition.name.lower()] = definition
        if definition.relationship:
            self._relationships[definition.relationship.lower()] = definition

    def blank(self) -> dict[str, object]:
        """A row of defaults: every field present, booleans false, the rest null or default."""
        return {
            f.name: False if f.type is FieldType.BOOLEAN and f.default is None else f.default
            for f in self.fields.values()
        }

    def field(self, name: str) -> FieldDef | None:
        """A field by name, case-insensitively."""
        return self._lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a relationship name (``Owner`` → ``OwnerId``)."""
        return self._relationships.get(name.lower())
