"""Conditions in their compact TOML form: the operator is the key.

``{ field = "jobtitle", contains = "vp" }``, ``{ field = "numemployees", between = [50, 1000] }``,
``{ field = "recent_conversion_date", exists = true }``. Each operator checks the shape of its
value here, so a rule that could never match as written is reported at load time.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from datetime import date, datetime

from connector.config.errors import show, wrong_type
from connector.config.fields import property_name
from rules.conditions import ConditionError, compile_condition
from rules.model import FieldValue
from rules.ruleset import Condition, ConditionValue, Op

_SCALARS = (str, int, float, bool, date)  # datetime is a date


def condition(value: object) -> Condition:
    """Validate one compact condition table and return the :class:`Condition`."""
    if not isinstance(value, dict):
        raise wrong_type(
            f'expected a table such as {{ field = "jobtitle", contains = "vp" }}, got {show(value)}'
        )
    if "field" not in value:
        raise ValueError('needs field = "<property name>"')
    field = property_name(value["field"])
    ops = [key for key in value if key != "field"]
    for key in ops:
        if key not in _SHAPES:
            close = difflib.get_close_matches(key, list(_SHAPES), n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise ValueError(f'unknown operator "{key}" ({hint}valid: {", ".join(_SHAPES)})')
    if len(ops) != 1:
        raise ValueError(
            f"needs exactly one operator besides field, got {len(ops)}"
            f" ({', '.join(ops) or 'none'}; valid: {', '.join(_SHAPES)})"
        )
    op = Op(ops[0])
    result = Condition(field=field, op=op, value=_SHAPES[op](op, value[op]))
    try:
        # The rules' own check, so nothing the judge would refuse gets past loading.
        compile_condition(result)
    except ConditionError as exc:
        raise ValueError(str(exc)) from None
    return result


def render(value: object) -> str:
    """A condition value as TOML shows it, lists included (``[50, 1000]``)."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return show(value)


def _scalar(op: Op, value: object) -> FieldValue:
    if isinstance(value, list):
        raise wrong_type(f"{op} needs one value, got {render(value)} (use in = [...] for several)")
    if not isinstance(value, _SCALARS):
        raise wrong_type(f"{op} needs one value, got {show(value)}")
    if isinstance(value, str) and not value.strip():
        raise ValueError(
            f"{op} needs a value, not blank text (for an empty field: not_exists = true)"
        )
    return _finite(op, _aware(op, value))


def _text(op: Op, value: object) -> FieldValue:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{op} needs non-empty text, got {render(value)}")
    return value


def _many(op: Op, value: object) -> ConditionValue:
    if not isinstance(value, list) or not value:
        raise ValueError(f'{op} needs a non-empty list such as ["UA", "PL"], got {render(value)}')
    return tuple(_scalar(op, item) for item in value)


def _ordered(op: Op, value: object) -> FieldValue:
    if isinstance(value, bool) or not isinstance(value, int | float | date):
        raise wrong_type(f"{op} needs a number or a date, got {render(value)}")
    return _finite(op, _aware(op, value))


def _finite(op: Op, value: FieldValue) -> FieldValue:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{op} needs a finite number, got {value}")
    return value


def _aware(op: Op, value: FieldValue) -> FieldValue:
    # Record timestamps carry a zone; comparing them with a local time would fail at judge time.
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"{op} {show(value)} needs a time zone, e.g. {value.isoformat()}Z")
    return value


def _range(op: Op, value: object) -> ConditionValue:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"{op} needs [low, high], got {render(value)}")
    low, high = (_ordered(op, item) for item in value)
    if _kind(low) != _kind(high):
        raise ValueError(f"{op} {render(value)} mixes a number and a date")
    if low > high:  # type: ignore[operator]  # same kind, checked just above
        raise ValueError(f"{op} {render(value)}: low is above high")
    return (low, high)


def _flag(op: Op, value: object) -> ConditionValue:
    if value is not True:
        raise ValueError(f"{op} takes no value: write {op} = true")
    return None


def _kind(value: FieldValue) -> str:
    if isinstance(value, datetime):
        return "datetime"
    return "date" if isinstance(value, date) else "number"


_SHAPES: dict[str, Callable[[Op, object], ConditionValue]] = {
    Op.EQ: _scalar,
    Op.NEQ: _scalar,
    Op.IN: _many,
    Op.NOT_IN: _many,
    Op.CONTAINS: _text,
    Op.GTE: _ordered,
    Op.LTE: _ordered,
    Op.BETWEEN: _range,
    Op.EXISTS: _flag,
    Op.NOT_EXISTS: _flag,
}
