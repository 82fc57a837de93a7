"""Validation and normalisation of written property values (fact sheet §2, §5, §19.4).

Values are stored as strings. ``""`` clears a value and is always accepted. Datetimes are accepted
as epoch ms or ISO-8601 and stored as ISO ms UTC; date properties must be midnight UTC
(grouparoo#1537) and read back as ``YYYY-MM-DD``. Enumerations accept only their options
(``;``-joined for checkboxes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from .errors import ErrorDetail, HubSpotError, validation
from .schema import PropertyDef, PropertyRegistry, PropertyType
from .timefmt import is_midnight_utc, iso_date, iso_ms, parse_ms

OptionLookup = Callable[[PropertyDef], frozenset[str] | None]
"""Dynamic options of a property (owners for ``hubspot_owner_id``), or ``None`` to use its own."""


def as_text(raw: object) -> str:
    """A JSON value as text: numbers as written, booleans lowercase, ``null`` as ``""``."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return raw if isinstance(raw, str) else str(raw)


def _detail(name: str, code: str, message: str) -> ErrorDetail:
    return ErrorDetail(message, code, {"propertyName": [name]})


def normalise(prop: PropertyDef, text: str, dynamic: frozenset[str] | None) -> str:
    """The stored form of ``text`` for ``prop``.

    Raises:
        ValueError: the value does not fit the property's type or options.
    """
    if text == "":
        return text
    kind = prop.type
    if kind is PropertyType.NUMBER:
        float(text)
        return text.strip()
    if kind is PropertyType.BOOL:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{text!r} is not a boolean")
        return text.lower()
    if kind is PropertyType.DATETIME:
        return iso_ms(parse_ms(text))
    if kind is PropertyType.DATE:
        ms = parse_ms(text)
        if not is_midnight_utc(ms):
            raise ValueError(f"{text!r} is not midnight UTC")
        return iso_date(ms)
    if kind is PropertyType.ENUMERATION:
        allowed = dynamic if dynamic is not None else prop.option_values()
        parts = text.split(";") if prop.field_type == "checkbox" else [text]
        bad = [part for part in parts if part not in allowed]
        if bad:
            raise ValueError(f"{bad[0]!r} was not one of the allowed options: {sorted(allowed)}")
    return text


_CODES = {
    PropertyType.NUMBER: "INVALID_INTEGER",
    PropertyType.BOOL: "INVALID_BOOLEAN",
    PropertyType.DATETIME: "INVALID_DATETIME",
    PropertyType.DATE: "INVALID_DATE",
    PropertyType.ENUMERATION: "INVALID_OPTION",
}


def validate_properties(
    registry: PropertyRegistry,
    raw: Mapping[str, object],
    dynamic_options: OptionLookup,
    *,
    allow_read_only: bool = False,
) -> dict[str, str]:
    """Check every written property and return the normalised values.

    Raises:
        HubSpotError: 400 ``VALIDATION_ERROR`` listing every unknown, read-only or invalid property,
            each with ``context.propertyName`` (§19.4), and the message HubSpot sends.
    """
    values: dict[str, str] = {}
    problems: list[ErrorDetail] = []
    for name, value in raw.items():
        prop = registry.live(name)
        if prop is None:
            problems.append(
                _detail(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
            )
            continue
        if prop.read_only_value and not allow_read_only:
            message = f'"{name}" is a read only property; its value cannot be set.'
            problems.append(_detail(name, "READ_ONLY_VALUE", message))
            continue
        try:
            values[name] = normalise(prop, as_text(value), dynamic_options(prop))
        except ValueError as exc:
            code = _CODES.get(prop.type, "INVALID_VALUE")
            problems.append(_detail(name, code, f'Property "{name}": {exc}'))
    if problems:
        raise invalid_properties(problems)
    return values


def invalid_properties(problems: Sequence[ErrorDetail]) -> HubSpotError:
    """The 400 HubSpot answers for invalid property values, message included."""
    listing = [
        {
            "isValid": False,
            "message": detail.message,
            "error": detail.code,
            "name": detail.context["propertyName"][0],
            "localizedErrorMessage": detail.message,
        }
        for detail in problems
    ]
    return validation(
        f"Property values were not valid: {json.dumps(listing, separators=(',', ':'))}", *problems
    )
