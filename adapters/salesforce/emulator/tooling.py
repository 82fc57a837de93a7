"""Custom fields created through the Tooling API, as ``smarketing setup`` asks for them.

``POST /services/data/vXX.X/tooling/sobjects/CustomField`` with ``{"FullName": "Lead.Score__c",
"Metadata": {"type": "Number", "precision": 3, "scale": 0, "label": "Score"}}`` adds the field to
the object as an admin does in Setup: describe lists it (``custom: true``, createable and
updateable), SOQL selects it and writes accept it. ``Activity.X__c`` adds it to every activity
object (Task and Event share Activity's fields; the emulator has Task). The answer is a
SaveResult, 201 ``{"id": "00N…", "success": true, "errors": []}`` (``00N`` is the key prefix of
custom field definitions).

The fact sheet does not cover the Tooling API; Salesforce's Tooling API reference documents the
``CustomField`` object and its ``CustomFieldMetadata`` (``type``, ``length``, ``precision``,
``scale``, ``label``, ``externalId``, ``unique``, ``required``, ``defaultValue``). The error codes
below are UNCONFIRMED, each in the REST error shape (§11):

- an API name the object already has → 400 ``DUPLICATE_DEVELOPER_NAME``;
- an unknown object → 400 ``INVALID_TYPE``, as for an unknown sObject (§11);
- External ID or Unique on an activity field → 400 ``FIELD_INTEGRITY_EXCEPTION``: the design
  assumes activities refuse both (§0.4, §4), and :meth:`.org.Org.add_field` holds that rule;
- a bad name, a missing or out-of-range ``length``/``precision`` → 400
  ``FIELD_INTEGRITY_EXCEPTION``; a ``type`` outside :data:`TYPES` → 400
  ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``; no ``FullName``, ``Metadata`` or ``label`` → 400
  ``REQUIRED_FIELD_MISSING``.

Who may call it and whether the org has it at all are :class:`~.options.EmulatorOptions` switches
(``customizers``, ``tooling_api``), checked by the route. A created field is visible to every
user at once; a real org hides it until field-level security grants access (the adapter's
message tells the admin so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final, TypeGuard

from .errors import SalesforceError, bad_request, invalid_type, unsupported_type
from .org import Org
from .schema import FieldDef, FieldType, ObjectDef

T = FieldType
ACTIVITY: Final = "Activity"
FIELD_PREFIX: Final = "00N"
TYPES: Final[Mapping[str, FieldType]] = {
    "Text": T.STRING,
    "TextArea": T.TEXTAREA,
    "LongTextArea": T.TEXTAREA,
    "Number": T.DOUBLE,
    "Currency": T.CURRENCY,
    "Percent": T.PERCENT,
    "Checkbox": T.BOOLEAN,
    "Date": T.DATE,
    "DateTime": T.DATETIME,
    "Time": T.TIME,
    "Email": T.EMAIL,
    "Phone": T.PHONE,
    "Url": T.URL,
}
"""``CustomFieldMetadata.type`` → the describe type it shows as (§7)."""
_LENGTH_RANGES: Final = {"Text": (1, 255), "LongTextArea": (256, 131_072)}
_FIXED_LENGTHS: Final = {"TextArea": 255, "Email": 80, "Phone": 40, "Url": 255}
_NUMBERS: Final = frozenset({"Number", "Currency", "Percent"})
_MAX_DIGITS: Final = 18
# Letters, digits and single underscores, starting with a letter, then __c (40 characters before
# it at most): Setup's rule for a field name.
_NAME: Final = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9])){0,39}__c")


def create_field(org: Org, body: Any) -> str:
    """Add the field a Tooling API ``CustomField`` body describes; returns its ``00N`` id.

    Raises:
        SalesforceError: 400 for a body Salesforce refuses (module docstring).
    """
    full_name, metadata = _parts(body)
    object_name, _, name = full_name.partition(".")
    if not _NAME.fullmatch(name):
        raise _integrity(
            f"The field name {name!r} can only contain letters, digits and single underscores, "
            "must begin with a letter, and must end in __c",
            "FullName",
        )
    targets = _targets(org, object_name)
    definition = field_definition(name, metadata)
    for obj in targets:
        if obj.field(name) is not None:
            raise bad_request(
                "DUPLICATE_DEVELOPER_NAME",
                f"There is already a field named {name.removesuffix('__c')} on {object_name}.",
                ["FullName"],
            )
    try:
        for obj in targets:
            org.add_field(obj.name, definition)
    except ValueError as exc:  # the org's own refusal: External ID / Unique on an activity
        raise _integrity(str(exc), "Metadata") from exc
    return org.new_id(FIELD_PREFIX)


def field_definition(name: str, metadata: Mapping[str, Any]) -> FieldDef:
    """The emulator's field for ``CustomFieldMetadata``.

    Raises:
        SalesforceError: 400 for an unknown type, a missing label or a bad size.
    """
    kind = metadata.get("type")
    if not isinstance(kind, str) or kind not in TYPES:
        raise bad_request(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"Metadata.type: bad value for restricted picklist field: {kind} (the emulator "
            f"creates {', '.join(TYPES)})",
            ["Metadata"],
        )
    label = metadata.get("label")
    if not isinstance(label, str) or not label.strip():
        raise bad_request(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [label]", ["label"]
        )
    base = FieldDef(
        name,
        TYPES[kind],
        label=label,
        nillable=metadata.get("required") is not True,
        external_id=metadata.get("externalId") is True,
        unique=metadata.get("unique") is True,
    )
    if base.type is T.BOOLEAN:  # a checkbox is never null: false unless its default says true
        default = str(metadata.get("defaultValue", "false")).lower() == "true"
        return replace(base, nillable=False, default=default)
    if kind in _NUMBERS:
        precision, scale = _digits(kind, metadata)
        return replace(base, precision=precision, scale=scale)
    return replace(base, length=_length(kind, metadata))


def may_customize(org: Org, user_id: str | None, customizers: frozenset[str] | None) -> bool:
    """Whether the running user holds "Customize Application" (``None``: every user does)."""
    if customizers is None:
        return True
    row = org.tables["User"].rows.get(user_id or "")
    username = str(row["Username"]).lower() if row else ""
    return username in {name.lower() for name in customizers}


def _parts(body: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise bad_request("JSON_PARSER_ERROR", "The request body must be a JSON object")
    missing = [key for key in ("FullName", "Metadata") if not body.get(key)]
    if missing:
        raise bad_request(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
    full_name, metadata = body["FullName"], body["Metadata"]
    if not isinstance(full_name, str) or full_name.count(".") != 1:
        raise _integrity(f"FullName {full_name!r} must be Object.Field__c", "FullName")
    if not isinstance(metadata, Mapping):
        raise bad_request("JSON_PARSER_ERROR", "Metadata must be a JSON object", ["Metadata"])
    return full_name, metadata


def _targets(org: Org, object_name: str) -> list[ObjectDef]:
    """The objects the field goes on: ``Activity`` is every activity object (Task)."""
    if object_name.lower() == ACTIVITY.lower():
        return [obj for obj in org.objects.values() if obj.activity]
    obj = org.lookup(object_name)
    if obj is None:
        raise invalid_type(unsupported_type(object_name))
    return [obj]


def _length(kind: str, metadata: Mapping[str, Any]) -> int:
    if kind in _FIXED_LENGTHS:
        return _FIXED_LENGTHS[kind]
    if kind not in _LENGTH_RANGES:
        return 0  # dates, times: no length
    low, high = _LENGTH_RANGES[kind]
    length = metadata.get("length")
    if not _whole(length) or not low <= length <= high:
        raise _integrity(
            f"Must specify 'length' for a CustomField of type {kind}, from {low:,} to {high:,} "
            f"(got {length!r})",
            "Metadata",
        )
    return length


def _digits(kind: str, metadata: Mapping[str, Any]) -> tuple[int, int]:
    precision, scale = metadata.get("precision"), metadata.get("scale", 0)
    if not (
        _whole(precision) and _whole(scale) and 1 <= precision <= _MAX_DIGITS and scale <= precision
    ):
        raise _integrity(
            f"Must specify 'precision' (1 to {_MAX_DIGITS}) and 'scale' (0 to precision) for a "
            f"CustomField of type {kind} (got {precision!r}, {scale!r})",
            "Metadata",
        )
    return precision, scale


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _integrity(message: str, field: str) -> SalesforceError:
    return bad_request("FIELD_INTEGRITY_EXCEPTION", message, [field])
