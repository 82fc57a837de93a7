"""Turn pydantic's validation errors into messages a marketing-ops person can act on.

Pydantic says ``Input should be a valid string``; we say ``expected text in quotes, got 42`` and,
for an unknown key, which key was probably meant (difflib against the keys of that very table).
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from connector.config.errors import show
from connector.config.locate import Loc

# Message per pydantic error type; {input} is the offending value as TOML shows it.
_MESSAGES: dict[str, str] = {
    "missing": "required key is missing",
    "string_type": "expected text in quotes, got {input}",
    "int_type": "expected a whole number, got {input}",
    "float_type": "expected a number, got {input}",
    "bool_type": "expected true or false, got {input}",
    "list_type": "expected a list [...], got {input}",
    "dict_type": "expected a table, got {input}",
    "model_type": "expected a table, got {input}",
    "model_attributes_type": "expected a table, got {input}",
    "too_short": "must not be empty",
    "greater_than_equal": "must be {ge} or more, got {input}",
}


def problems_from(
    error: ValidationError, model: type[BaseModel], prefix: Loc
) -> Iterator[tuple[Loc, str]]:
    """Yield ``(key path, message)`` for each error pydantic found validating ``model``.

    Args:
        error: What ``model.model_validate`` raised.
        model: The model validated, used to suggest the key an unknown key was meant to be.
        prefix: The key path of the validated table within the file.
    """
    for details in error.errors(include_url=False):
        loc: Loc = details["loc"]
        kind = details["type"]
        if kind == "extra_forbidden":
            message = unknown_key(str(loc[-1]), _keys_at(model, loc[:-1]))
        elif kind == "value_error":
            message = str(details["ctx"]["error"])
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(input=show(details["input"]), **details.get("ctx", {}))
        else:
            message = details["msg"]
        yield (*prefix, *loc), message


def unknown_key(key: str, known: list[str]) -> str:
    """``unknown key "withn" (did you mean "within"?)``, or the list of keys this table takes."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f'unknown key "{key}" (did you mean "{close[0]}"?)'
    if not known:
        return f'unknown key "{key}"'
    return f'unknown key "{key}" (known keys: {", ".join(known)})'


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys of the table at ``loc`` inside ``model`` (empty when it is not a model)."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = _field_annotation(annotation, str(part))
        elif get_origin(annotation) in {list, tuple}:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [info.alias or name for name, info in annotation.model_fields.items()]
    return []


def _field_annotation(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in {name, info.alias}:
            return info.annotation
    return Any


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in {Union, types.UnionType}:
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
