"""JSON payloads for the domain values the store keeps: records, owners and outbox actions.

A value is encoded from its dataclass fields and decoded by their declared types, so every field of
``rules.model`` and ``adapters.base.protocol`` round-trips exactly (tuples, enums, datetimes, dates,
the ``fields`` mapping) without a per-class encoder to keep in step with the model. JSON has no
datetime, date or non-finite float, so those three are tagged::

    {"$datetime": "2025-03-09T11:00:00+00:00"}   always UTC: equal instants encode identically (R10)
    {"$date": "2025-03-09"}                       date-only values stay dates (R5)
    {"$float": "inf"}                             PostgreSQL's json type refuses NaN and Infinity

A payload carries its format version under ``"$v"``. Decoding anything unexpected (another version,
an unknown key, a value of the wrong type) raises :class:`CorruptRowError` with the path to the
offending value, so a damaged row fails closed instead of being guessed at (F11).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeAlias, TypeVar

from adapters.base.protocol import Action, ActionKind, PropertyUpdate, TaskClose, TaskCreate
from connector.store.columns import require_utc
from connector.store.errors import CorruptRowError, StoreInputError
from rules.model import Deal, ObjectType, Person

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

T = TypeVar("T")

VERSION = 1
_VERSION_KEY = "$v"
_DATETIME, _DATE, _FLOAT = "$datetime", "$date", "$float"

_ACTION_CLASSES: Mapping[ActionKind, type[Action]] = {
    ActionKind.UPDATE_PROPERTY: PropertyUpdate,
    ActionKind.CREATE_TASK: TaskCreate,
    ActionKind.CLOSE_TASK: TaskClose,
}


def encode(value: object) -> JsonObject:
    """Encode a dataclass value (a record, an owner, an action) as a versioned JSON object.

    Raises:
        StoreInputError: A value has a type the codec does not know, or a datetime is naive.
    """
    return {_VERSION_KEY: VERSION, **_encode_dataclass(value, type(value).__name__)}


def decode(cls: type[T], payload: object) -> T:
    """Decode a payload written by :func:`encode` back into a ``cls`` instance.

    Raises:
        CorruptRowError: The payload is not a version-1 encoding of a ``cls``.
    """
    if not isinstance(payload, dict) or payload.get(_VERSION_KEY) != VERSION:
        version = payload.get(_VERSION_KEY) if isinstance(payload, dict) else None
        raise CorruptRowError(f"payload is not a version-{VERSION} encoding (found {version!r})")
    fields = {key: value for key, value in payload.items() if key != _VERSION_KEY}
    result = _decode_dataclass(cls, fields, cls.__name__)
    if not isinstance(result, cls):
        raise CorruptRowError(f"payload decoded to {type(result).__name__}, not {cls.__name__}")
    return result


def decode_record(object_type: ObjectType, payload: object) -> Person | Deal:
    """Decode a stored record: a :class:`Deal` for deals, a :class:`Person` otherwise."""
    if object_type is ObjectType.DEAL:
        return decode(Deal, payload)
    return decode(Person, payload)


def decode_action(payload: object) -> Action:
    """Decode an outbox payload, choosing the action class from its ``kind``."""
    kind = payload.get("kind") if isinstance(payload, dict) else None
    try:
        cls = _ACTION_CLASSES[ActionKind(str(kind))]
    except ValueError as exc:
        raise CorruptRowError(f"action payload has an unknown kind {kind!r}") from exc
    return decode(cls, payload)


def _encode(value: object, path: str) -> JsonValue:
    # An enum is also a str (or an int): store its value, decode by the declared enum type.
    plain = value.value if isinstance(value, Enum) else value
    if plain is None or isinstance(plain, bool | int | str):
        return plain
    if isinstance(plain, float | date):
        return _encode_tagged(plain, path)
    return _encode_container(plain, path)


def _encode_tagged(value: float | date, path: str) -> JsonValue:
    if isinstance(value, float):
        return value if math.isfinite(value) else {_FLOAT: repr(value)}
    if isinstance(value, datetime):  # before date: a datetime is also a date
        return {_DATETIME: require_utc(value, path).isoformat()}
    return {_DATE: value.isoformat()}


def _encode_container(value: object, path: str) -> JsonValue:
    if isinstance(value, tuple | list):
        return [_encode(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        return _encode_mapping(value, path)
    return _encode_dataclass(value, path)


def _encode_dataclass(value: object, path: str) -> JsonObject:
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise StoreInputError(
            f"{path}: cannot store a {type(value).__name__} (only dataclasses, mappings, "
            "sequences, scalars, dates and datetimes)"
        )
    fields = dataclasses.fields(value)
    return {f.name: _encode(getattr(value, f.name), f"{path}.{f.name}") for f in fields}


def _encode_mapping(value: Mapping[Any, Any], path: str) -> JsonObject:
    encoded: JsonObject = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise StoreInputError(f"{path}: mapping keys must be strings, not {key!r}")
        encoded[key] = _encode(item, f"{path}[{key!r}]")
    return encoded


def _decode(hint: object, data: object, path: str) -> object:
    """Decode ``data`` as the declared type ``hint``; the tables below cover the model's types."""
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        return _decode_union(typing.get_args(hint), data, path)
    args = typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        items = enumerate(_list(data, path))
        return tuple(_decode(args[0], item, f"{path}[{i}]") for i, item in items)
    if origin in (Mapping, dict):
        entries = _dict(data, path).items()
        return {key: _decode(args[1], item, f"{path}[{key!r}]") for key, item in entries}
    if isinstance(hint, type):
        return _decode_type(hint, data, path)
    raise CorruptRowError(f"{path}: no decoder for the declared type {hint!r}")


def _decode_union(options: tuple[object, ...], data: object, path: str) -> object:
    if data is None:
        if type(None) in options:
            return None
        raise CorruptRowError(f"{path}: null where a value is required")
    for option in sorted(options, key=_union_order):
        if option is not type(None) and _accepts(option, data):
            return _decode(option, data, path)
    raise CorruptRowError(f"{path}: {data!r} matches none of {options!r}")


def _union_order(option: object) -> int:
    # Try the narrowest types first so that True stays a bool and 3 stays an int.
    order: tuple[object, ...] = (bool, int, float, datetime, date, str)
    return order.index(option) if option in order else len(order)


def _accepts(option: object, data: object) -> bool:
    """Whether JSON ``data`` is an encoding of a value of type ``option`` (for unions)."""
    tag = _tag(data)
    if option is datetime or option is date:
        return tag == (_DATETIME if option is datetime else _DATE)
    if option is float:
        return tag == _FLOAT or (isinstance(data, int | float) and not isinstance(data, bool))
    if option is bool or option is str:
        return isinstance(data, option)
    if option is int:
        return isinstance(data, int) and not isinstance(data, bool)
    return tag is None


def _decode_type(cls: type, data: object, path: str) -> object:
    if dataclasses.is_dataclass(cls):
        return _decode_dataclass(cls, data, path)
    if issubclass(cls, Enum):
        try:
            return cls(data)
        except ValueError as exc:
            raise CorruptRowError(f"{path}: {data!r} is not a {cls.__name__}") from exc
    if cls is datetime:
        return _parse(path, data, _DATETIME, datetime.fromisoformat)
    if cls is date:
        return _parse(path, data, _DATE, date.fromisoformat)
    if cls is float and _tag(data) == _FLOAT:
        return _parse(path, data, _FLOAT, float)
    if _accepts(cls, data):
        return data
    raise CorruptRowError(f"{path}: expected {cls.__name__}, found {data!r}")


def _decode_dataclass(cls: type, data: object, path: str) -> object:
    fields = _dict(data, path)
    hints = _hints(cls)
    unknown = sorted(set(fields) - set(hints))
    if unknown:
        raise CorruptRowError(f"{path}: unknown keys {unknown} for {cls.__name__}")
    values = {name: _decode(hints[name], item, f"{path}.{name}") for name, item in fields.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise CorruptRowError(f"{path}: {exc}") from exc


@functools.cache
def _hints(cls: type) -> dict[str, object]:
    """The declared field types of a dataclass (cached: resolving them is not cheap)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _parse(path: str, data: object, tag: str, parse: typing.Callable[[str], object]) -> object:
    text = data.get(tag) if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise CorruptRowError(f"{path}: expected a {tag} tag, found {data!r}")
    try:
        value = parse(text)
    except ValueError as exc:
        raise CorruptRowError(f"{path}: {text!r} is not a valid {tag[1:]}") from exc
    if isinstance(value, datetime) and value.tzinfo is None:
        raise CorruptRowError(f"{path}: stored datetime {text!r} has no time zone")
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _tag(data: object) -> str | None:
    if isinstance(data, dict) and len(data) == 1:
        (key,) = data
        if key in (_DATETIME, _DATE, _FLOAT):
            return str(key)
    return None


def _list(data: object, path: str) -> list[object]:
    if not isinstance(data, list):
        raise CorruptRowError(f"{path}: expected a list, found {data!r}")
    return data


def _dict(data: object, path: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise CorruptRowError(f"{path}: expected an object, found {data!r}")
    return data
