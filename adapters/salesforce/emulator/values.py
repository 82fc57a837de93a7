"""Check and convert the values of a write body to their stored form (§7, §11, §12).

Errors carry the codes Salesforce sends for them: ``INVALID_FIELD`` for an unknown field,
``INVALID_FIELD_FOR_INSERT_UPDATE`` for a read-only one, ``JSON_PARSER_ERROR`` for a value of the
wrong JSON type, ``STRING_TOO_LONG``, ``INVALID_EMAIL_ADDRESS``, ``MALFORMED_ID``,
``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``. An empty string is stored as null, as Salesforce does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from . import ids
from .errors import SalesforceError, bad_request
from .schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, FieldDef, FieldType, ObjectDef
from .timefmt import normalize_datetime

T = FieldType


def no_such_field(obj: ObjectDef, name: str) -> SalesforceError:
    """400 ``INVALID_FIELD`` for a write naming an unknown field."""
    return bad_request(
        "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name]
    )


def convert(obj: ObjectDef, body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The stored values of a create or update body (``attributes`` is ignored).

    Raises:
        SalesforceError: 400 for the first invalid field, with its code (module docstring).
    """
    values: dict[str, Any] = {}
    for name, raw in body.items():
        if name == "attributes":
            continue
        definition = obj.field(name)
        if definition is None:
            raise no_such_field(obj, name)
        if not (definition.createable if creating else definition.updateable):
            verb = "create" if creating else "update"
            raise bad_request(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to {verb} fields: {definition.name}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or permission "
                "set.",
                [definition.name],
            )
        values[definition.name] = value_of(definition, raw)
    return values


def value_of(definition: FieldDef, raw: Any) -> Any:
    """One stored value, or a 400 naming the field."""
    if raw is None or raw == "":
        if definition.type is T.BOOLEAN:
            return False
        if definition.restricted and not definition.nillable:
            raise _bad_picklist(definition, raw)
        return None
    converter: Callable[[FieldDef, Any], Any] = _CONVERTERS.get(definition.type, _text)
    try:
        return converter(definition, raw)
    except (TypeError, ValueError) as exc:
        raise bad_request(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {definition.type.value} from value {raw!r} "
            f"for field {definition.name}",
            [definition.name],
        ) from exc


def _text(definition: FieldDef, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise TypeError(type(raw).__name__)
    value = str(raw)
    if definition.length and len(value) > definition.length:
        raise bad_request(
            "STRING_TOO_LONG",
            f"{definition.label or definition.name}: data value too large: {value[:40]} "
            f"(max length={definition.length})",
            [definition.name],
        )
    if definition.restricted and value not in {p.value for p in definition.picklist if p.active}:
        raise _bad_picklist(definition, value)
    if definition.type is T.EMAIL and ("@" not in value or value.startswith("@")):
        raise bad_request(
            "INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {value}", [definition.name]
        )
    return value


def _bad_picklist(definition: FieldDef, value: object) -> SalesforceError:
    return bad_request(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{definition.label or definition.name}: bad value for restricted picklist field: {value}",
        [definition.name],
    )


def _id(definition: FieldDef, raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(type(raw).__name__)
    value = ids.normalize(raw)
    if value is None:
        raise bad_request(
            "MALFORMED_ID",
            f"{definition.label or definition.name}: id value of incorrect type: {raw}",
            [definition.name],
        )
    return value


def _number(definition: FieldDef, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise TypeError("bool")
    number = float(raw)
    if definition.type is T.INT:
        if not number.is_integer():
            raise ValueError("not an integer")
        return int(number)
    return number


def _boolean(_: FieldDef, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise TypeError(type(raw).__name__)


def _date(_: FieldDef, raw: Any) -> str:
    return date.fromisoformat(str(raw)[:10]).isoformat() if isinstance(raw, str) else _fail(raw)


def _datetime(_: FieldDef, raw: Any) -> str:
    if not isinstance(raw, str):
        return _fail(raw)
    text = raw if len(raw) > 10 else f"{raw}T00:00:00Z"
    if not any(mark in text[10:] for mark in ("Z", "+", "-")):
        text += "Z"  # Salesforce reads a datetime without an offset as GMT
    return normalize_datetime(text)


def _time(_: FieldDef, raw: Any) -> str:
    if not isinstance(raw, str):
        return _fail(raw)
    return time.fromisoformat(raw.rstrip("Z")).isoformat(timespec="milliseconds") + "Z"


def _fail(raw: Any) -> str:
    raise TypeError(type(raw).__name__)


_CONVERTERS: dict[FieldType, Callable[[FieldDef, Any], Any]] = {
    **dict.fromkeys(TEXT_TYPES, _text),
    **dict.fromkeys(ID_TYPES, _id),
    **dict.fromkeys(NUMBER_TYPES, _number),
    T.BOOLEAN: _boolean,
    T.DATE: _date,
    T.DATETIME: _datetime,
    T.TIME: _time,
}
