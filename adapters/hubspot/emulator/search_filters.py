"""Search filters compiled to predicates over records (fact sheet §4).

Comparisons are typed by the property: numbers as floats, dates and datetimes as epoch ms (filter
values as epoch-ms strings or ISO-8601), strings case-insensitive, enumerations case-sensitive.
``IN``/``NOT_IN`` string values are matched as sent against the lowercased stored value, so they
must be sent lowercase, as HubSpot requires. ``NEQ``/``NOT_IN``/``NOT_CONTAINS_TOKEN`` match
records without a value. ``associations.{type}`` is a pseudo-property (``EQ``/``IN`` on ids).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .errors import validation
from .objects import ObjectSpec, ObjectType, resolve_object_type
from .portal import Portal
from .records import Record
from .schema import PropertyDef, PropertyType
from .timefmt import parse_ms

FAR = 2**62
_TOKEN = re.compile(r"[a-z0-9]+")

Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]


class Operator(StrEnum):
    """Search filter operators (§4)."""

    EQ = "EQ"
    NEQ = "NEQ"
    LT = "LT"
    LTE = "LTE"
    GT = "GT"
    GTE = "GTE"
    BETWEEN = "BETWEEN"
    IN = "IN"
    NOT_IN = "NOT_IN"
    HAS_PROPERTY = "HAS_PROPERTY"
    NOT_HAS_PROPERTY = "NOT_HAS_PROPERTY"
    CONTAINS_TOKEN = "CONTAINS_TOKEN"  # noqa: S105 - an operator name, not a secret
    NOT_CONTAINS_TOKEN = "NOT_CONTAINS_TOKEN"  # noqa: S105 - an operator name, not a secret


def defined(portal: Portal, obj: ObjectType, name: str) -> PropertyDef:
    prop = portal.registries[obj].live(name)
    if prop is None:
        raise validation(f"There was a problem with the request: property {name!r} does not exist.")
    return prop


def getter(prop: PropertyDef, spec: ObjectSpec) -> Getter:  # noqa: PLR0911 - one per type
    """Typed value of a property on a record (``None`` when unset or ``""``)."""
    name = prop.name
    if name == spec.modified_property:
        return lambda r: r.updated_ms
    if name == spec.created_property:
        return lambda r: r.created_ms
    if name == "hs_object_id":
        return lambda r: r.id
    kind = prop.type
    if kind in (PropertyType.DATETIME, PropertyType.DATE):
        return lambda r: _ms(r.props.get(name))
    if kind is PropertyType.NUMBER:
        return lambda r: _number(r.props.get(name))
    if kind is PropertyType.ENUMERATION:
        return lambda r: r.props.get(name) or None
    return lambda r: (r.props.get(name) or "").lower() or None


def _ms(text: str | None) -> int | None:
    try:
        return parse_ms(text) if text else None
    except ValueError:
        return None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _coerce(prop: PropertyDef, raw: object) -> Any:
    """A filter value in the property's comparable form."""
    text = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
    try:
        if prop.type in (PropertyType.DATETIME, PropertyType.DATE) or prop.name == "hs_object_id":
            return parse_ms(text) if prop.name != "hs_object_id" else int(float(text))
        if prop.type is PropertyType.NUMBER:
            return float(text)
    except ValueError as exc:
        raise validation(f"Invalid value {raw!r} for property {prop.name!r}.") from exc
    return text if prop.type is PropertyType.ENUMERATION else text.lower()


def compile_group(
    portal: Portal, obj: ObjectType, spec: ObjectSpec, filters: list[Any]
) -> tuple[tuple[Predicate, ...], tuple[int, int] | None, bool]:
    """A group's predicates, its inclusive bounds on the modified index, and if they suffice."""
    predicates: list[Predicate] = []
    lo, hi, bounded, all_ranges = -FAR, FAR, False, True
    for item in filters:
        if not isinstance(item, dict) or not isinstance(item.get("propertyName"), str):
            raise validation(f"Invalid filter {item!r}.")
        name = item["propertyName"]
        try:
            op = Operator(str(item.get("operator", "EQ")))
        except ValueError as exc:
            raise validation(f"Invalid operator {item.get('operator')!r}.") from exc
        if name.startswith("associations."):
            predicates.append(_association_predicate(portal, obj, name, op, item))
            all_ranges = False
            continue
        prop = defined(portal, obj, name)
        predicates.append(_predicate(prop, spec, op, item))
        if name == spec.modified_property and op in _RANGE_OPS:
            low, high = _range(op, _coerce(prop, item.get("value")), item)
            lo, hi, bounded = max(lo, low), min(hi, high), True
            if prop.type is PropertyType.DATE:
                all_ranges = False
        else:
            all_ranges = False
    return tuple(predicates), ((lo, hi) if bounded else None), all_ranges and bounded


_RANGE_OPS = {Operator.EQ, Operator.LT, Operator.LTE, Operator.GT, Operator.GTE, Operator.BETWEEN}


def _range(op: Operator, value: int, item: dict[str, Any]) -> tuple[int, int]:
    if op is Operator.BETWEEN:
        return value, int(parse_ms(str(item.get("highValue"))))
    return {
        Operator.EQ: (value, value),
        Operator.LT: (-FAR, value - 1),
        Operator.LTE: (-FAR, value),
        Operator.GT: (value + 1, FAR),
        Operator.GTE: (value, FAR),
    }[op]


def _predicate(  # noqa: PLR0911 - one return per operator family
    prop: PropertyDef, spec: ObjectSpec, op: Operator, item: dict[str, Any]
) -> Predicate:
    get = getter(prop, spec)
    if op is Operator.HAS_PROPERTY:
        return lambda r: get(r) is not None
    if op is Operator.NOT_HAS_PROPERTY:
        return lambda r: get(r) is None
    if op in (Operator.IN, Operator.NOT_IN):
        values = item.get("values")
        if not isinstance(values, list) or not values:
            raise validation(f"{op.value} needs a non-empty 'values' list.")
        wanted = {_coerce_in(prop, v) for v in values}
        if op is Operator.IN:
            return lambda r: get(r) in wanted
        return lambda r: get(r) not in wanted
    if "value" not in item:
        raise validation(f"{op.value} needs a 'value'.")
    if op in (Operator.CONTAINS_TOKEN, Operator.NOT_CONTAINS_TOKEN):
        pattern, name = str(item["value"]).lower(), prop.name
        contains = Operator.CONTAINS_TOKEN is op
        return lambda r: _has_token(r.props.get(name), pattern) == contains
    value = _coerce(prop, item["value"])
    if op is Operator.BETWEEN:
        high = _coerce(prop, item.get("highValue"))
        return lambda r: (v := get(r)) is not None and value <= v <= high
    compare: dict[Operator, Callable[[Any], bool]] = {
        Operator.EQ: lambda v: v == value,
        Operator.NEQ: lambda v: v != value,
        Operator.LT: lambda v: v < value,
        Operator.LTE: lambda v: v <= value,
        Operator.GT: lambda v: v > value,
        Operator.GTE: lambda v: v >= value,
    }
    test = compare[op]
    if op is Operator.NEQ:
        return lambda r: (v := get(r)) is None or test(v)
    return lambda r: (v := get(r)) is not None and test(v)


def _coerce_in(prop: PropertyDef, raw: object) -> Any:
    """``IN`` values: strings are matched as sent against lowercased stored values (§4)."""
    if (
        prop.type in (PropertyType.STRING, PropertyType.PHONE_NUMBER)
        and prop.name != "hs_object_id"
    ):
        return str(raw)
    return _coerce(prop, raw)


def _has_token(text: str | None, pattern: str) -> bool:
    if not text:
        return False
    lowered = text.lower()
    tokens = [lowered, *_TOKEN.findall(lowered)]
    if "*" in pattern:
        return any(fnmatch.fnmatchcase(token, pattern) for token in tokens)
    return pattern in tokens


def _association_predicate(
    portal: Portal, obj: ObjectType, name: str, op: Operator, item: dict[str, Any]
) -> Predicate:
    """``associations.contact EQ 123`` pseudo-property (§4)."""
    target = resolve_object_type(name.split(".", 1)[1])
    if target is None or op not in (Operator.EQ, Operator.IN):
        raise validation(f"Unsupported association filter {name!r} {op.value}.")
    raw = item.get("values") if op is Operator.IN else [item.get("value")]
    wanted = {int(str(v)) for v in raw or [] if str(v).isdigit()}
    links = portal.associations
    return lambda r: not wanted.isdisjoint(links.targets(obj, target, r.id))


def text_predicate(spec: ObjectSpec, text: str) -> Predicate:
    """Free-text ``query``: every word is a prefix of a token of a default searchable property."""
    words = _TOKEN.findall(text.lower())
    names = spec.text_search

    def matches(record: Record) -> bool:
        tokens = [t for n in names for t in _TOKEN.findall((record.props.get(n) or "").lower())]
        return all(any(t.startswith(w) for t in tokens) for w in words)

    return matches
