"""Compile a :class:`~rules.ruleset.Condition` once, then test it against many records.

Compiling validates the condition and normalises its operand (strings stripped and case-folded,
``in`` operands turned into frozensets), so the per-record check is a field lookup plus a
comparison. Values are judged by the *operand's* type, and a record value is coerced to it:

* **text** operands match text values only, stripped and case-insensitively (``str.casefold``).
* **number** operands match ints and floats, and strings that parse as a finite number
  (``"12"``, ``" 1.5e3 "``): CRMs send numbers as strings. Booleans are not numbers.
* **boolean** operands match booleans and the strings ``"true"``/``"false"`` (any case).
* **date** operands match dates, the calendar date of a datetime in its own offset, and ISO
  strings (date or datetime).
* **datetime** operands (aware) match aware datetimes, a date as midnight UTC (HubSpot's
  convention for date properties), and ISO strings carrying an offset (or date-only strings).

Operators:

* ``eq``: the value equals the operand. ``in``: it equals one of the operands. A string holding
  ``;`` is a multi-value field (HubSpot multi-checkbox, ``"a;b;c"``): for ``in`` it matches when
  the whole string or any item does; ``eq`` compares the whole string.
* ``contains``: for a text operand and a single text value, a substring test; for a multi-value
  field, membership (an item equals the operand, as ``eq`` does, so ``"pro"`` is not in
  ``"product;enterprise"``); for any other value, ``eq``.
* ``gte``/``lte``/``between``: inclusive order on numbers, dates or datetimes.
* ``exists``: the value is not ``None`` and not a blank string; ``not_exists`` is its negation.
* ``neq``/``not_in`` are the exact negations of ``eq``/``in``: a missing field satisfies them.

A missing field (``None`` or a blank string) satisfies only ``not_exists``, ``neq`` and
``not_in``. A value that cannot be coerced (``"abc"`` against ``10``) does not match; checking a
record never raises. Compiling an unusable condition raises :class:`ConditionError` (see
:func:`compile_condition`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from rules.model import FieldValue, Person
from rules.ruleset import Condition, ConditionValue, Op

Matcher = Callable[[Person], bool]
"""A compiled condition: ``True`` when the record satisfies it."""

Number = int | float
_TRUTH = {"true": True, "false": False}


class ConditionError(ValueError):
    """A condition whose operand does not fit its operator: a configuration mistake."""


def compile_condition(condition: Condition) -> Matcher:
    """Compile ``condition`` into a fast per-record check with the module's semantics.

    Args:
        condition: The condition to compile; its operand is validated here, once.

    Returns:
        A function of a :class:`Person` that never raises.

    Raises:
        ConditionError: The operand does not fit the operator: ``None`` or a blank string where a
            value is needed, a tuple for ``eq``/``neq``/``contains``, a non-tuple for
            ``in``/``not_in``, a non-number/date/datetime for ``gte``/``lte``, a ``between``
            that is not an ordered ``(low, high)`` pair of one kind, a non-finite number, or a
            naive datetime.
    """
    try:
        return _BUILDERS[condition.op](condition.field, condition.value)
    except ConditionError as exc:
        raise ConditionError(f"condition {condition.field!r} {condition.op}: {exc}") from exc


def matches(condition: Condition, person: Person) -> bool:
    """Whether ``person`` satisfies ``condition``; compiles it on every call.

    Convenience for one-off checks: loops should hold on to :func:`compile_condition`'s result.
    No cache here on purpose: ``Condition(f, eq, 1) == Condition(f, eq, True)`` in Python, so a
    cache keyed by conditions would mix numbers and booleans up.
    """
    return compile_condition(condition)(person)


# -- value coercion ----------------------------------------------------------------------------


def parse_number(text: str) -> Number | None:
    """The finite int or float that stripped ``text`` spells, else ``None`` (never raises)."""
    text = text.strip()
    if "_" in text:  # int() and float() accept "1_000"; a CRM value spelled so is not a number
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def to_number(value: FieldValue) -> Number | None:
    """``value`` as a number (ints, floats, numeric strings), else ``None``; bools are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return parse_number(value)
    return None


def to_day(value: FieldValue) -> date | None:
    """``value`` as a calendar date (a datetime's date in its own offset), else ``None``."""
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def to_instant(value: FieldValue) -> datetime | None:
    """``value`` as an aware datetime (a date is midnight UTC), else ``None``; naive ones fail."""
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else None
    return datetime.combine(value, time(), UTC) if isinstance(value, date) else None


def _parse_iso(text: str) -> date | None:
    """A date for a date-only ISO string, a datetime for a date-time one, else ``None``."""
    text = text.strip()
    # Longer strings cannot be dates ("2024-01-05", "20240105", "2024-W01-1"): picking the
    # parser by length spares a raised ValueError per datetime, which costs more than the parse.
    parse = date.fromisoformat if len(text) <= 10 else datetime.fromisoformat
    try:
        return parse(text)
    except ValueError:
        return None


def _is_missing(value: FieldValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- equality and membership -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Keys:
    """Normalised operands of ``eq``/``in``, one frozenset per kind of value."""

    texts: frozenset[str]
    numbers: frozenset[Number]
    flags: frozenset[bool]
    days: frozenset[date]
    instants: frozenset[datetime]

    @classmethod
    def of(cls, operands: Iterable[FieldValue]) -> _Keys:
        texts: set[str] = set()
        numbers: set[Number] = set()
        flags: set[bool] = set()
        days: set[date] = set()
        instants: set[datetime] = set()
        for operand in operands:
            if isinstance(operand, str):
                texts.add(_text_operand(operand))
            elif isinstance(operand, bool):
                flags.add(operand)
            elif isinstance(operand, int | float):
                numbers.add(_number_operand(operand))
            elif isinstance(operand, datetime):
                instants.add(_aware_operand(operand))
            elif isinstance(operand, date):
                days.add(operand)
            else:
                raise ConditionError("None is not a value: use exists/not_exists")
        return cls(
            frozenset(texts),
            frozenset(numbers),
            frozenset(flags),
            frozenset(days),
            frozenset(instants),
        )

    @property
    def only_texts(self) -> bool:
        return not (self.numbers or self.flags or self.days or self.instants)

    def has(self, value: FieldValue, *, split: bool) -> bool:
        """Whether ``value`` equals a key; with ``split``, the whole multi-value or any item."""
        if isinstance(value, str):
            return self._has_text(value) or (
                split and ";" in value and any(map(self._has_text, value.split(";")))
            )
        if isinstance(value, bool):
            return value in self.flags
        if isinstance(value, int | float):
            return value in self.numbers
        if isinstance(value, date):
            return self._has_moment(value)
        return False

    def _has_moment(self, value: date) -> bool:
        if isinstance(value, datetime):
            return value in self.instants or value.date() in self.days
        return value in self.days or datetime.combine(value, time(), UTC) in self.instants

    def _has_text(self, raw: str) -> bool:
        text = raw.strip()
        folded = text.casefold()
        if folded in self.texts:
            return True
        # Each coercion runs only if an operand of that kind exists: "12" vs 12, "TRUE" vs true.
        if self.numbers and parse_number(text) in self.numbers:
            return True
        if self.flags and _TRUTH.get(folded) in self.flags:
            return True
        if self.days and to_day(text) in self.days:
            return True
        return bool(self.instants) and to_instant(text) in self.instants


def _text_operand(operand: str) -> str:
    text = operand.strip()
    if not text:
        raise ConditionError("a blank string never matches: use exists/not_exists")
    return text.casefold()


def _number_operand(operand: Number) -> Number:
    if not math.isfinite(operand):
        raise ConditionError(f"{operand} is not a finite number")
    return operand


def _aware_operand(operand: datetime) -> datetime:
    if operand.utcoffset() is None:
        raise ConditionError(f"naive datetime {operand.isoformat()} (a time zone is required)")
    return operand


def _scalar(operand: ConditionValue) -> FieldValue:
    if isinstance(operand, tuple):
        raise ConditionError(f"expected one value, got the tuple {operand!r}")
    return operand


def _build_eq(field: str, operand: ConditionValue) -> Matcher:
    keys = _Keys.of((_scalar(operand),))
    if keys.only_texts:
        (text,) = keys.texts

        def eq_text(person: Person) -> bool:
            value = person.get(field)
            return isinstance(value, str) and value.strip().casefold() == text

        return eq_text

    def eq_any(person: Person) -> bool:
        return keys.has(person.get(field), split=False)

    return eq_any


def _build_in(field: str, operand: ConditionValue) -> Matcher:
    if not isinstance(operand, tuple):
        raise ConditionError(f"expected a tuple of values, got {operand!r}")
    keys = _Keys.of(operand)
    if keys.only_texts:
        texts = keys.texts

        def in_texts(person: Person) -> bool:
            value = person.get(field)
            if not isinstance(value, str):
                return False
            if value.strip().casefold() in texts:
                return True
            return ";" in value and any(
                item.strip().casefold() in texts for item in value.split(";")
            )

        return in_texts

    def in_any(person: Person) -> bool:
        return keys.has(person.get(field), split=True)

    return in_any


def _build_contains(field: str, operand: ConditionValue) -> Matcher:
    keys = _Keys.of((_scalar(operand),))
    needle = next(iter(keys.texts), None)

    def contains(person: Person) -> bool:
        value = person.get(field)
        if isinstance(value, str) and needle is not None and ";" not in value:
            return needle in value.casefold()
        return keys.has(value, split=True)

    return contains


_Builder = Callable[[str, ConditionValue], Matcher]


def _negate(build: _Builder) -> _Builder:
    def build_negated(field: str, operand: ConditionValue) -> Matcher:
        positive = build(field, operand)
        return lambda person: not positive(person)

    return build_negated


# -- order -------------------------------------------------------------------------------------

Orderable = Number | date
_Coerce = Callable[[FieldValue], Orderable | None]


def _coercer(operand: FieldValue) -> _Coerce:
    """The coercion that puts record values in ``operand``'s domain."""
    if isinstance(operand, bool) or not isinstance(operand, int | float | date):
        raise ConditionError(f"order needs a number, date or datetime, got {operand!r}")
    if isinstance(operand, datetime):
        _aware_operand(operand)
        return to_instant
    if isinstance(operand, date):
        return to_day
    _number_operand(operand)
    return to_number


def _build_bound(compare: Callable[[Orderable, Orderable], bool]) -> _Builder:
    """A builder for ``value <compare> operand`` on the operand's domain (``gte``, ``lte``)."""

    def build(field: str, operand: ConditionValue) -> Matcher:
        bound = _scalar(operand)
        coerce = _coercer(bound)

        def check(person: Person) -> bool:
            value = coerce(person.get(field))
            return value is not None and compare(value, bound)  # type: ignore[arg-type]

        return check

    return build


def _build_between(field: str, operand: ConditionValue) -> Matcher:
    if not isinstance(operand, tuple) or len(operand) != 2:
        raise ConditionError(f"between needs a (low, high) pair, got {operand!r}")
    low, high = operand
    coerce = _coercer(low)
    if _coercer(high) is not coerce:
        raise ConditionError(f"low and high are of different kinds: {low!r}, {high!r}")
    if low > high:  # type: ignore[operator]
        raise ConditionError(f"low {low!r} is above high {high!r}: nothing would match")

    def between(person: Person) -> bool:
        value = coerce(person.get(field))
        return value is not None and low <= value <= high  # type: ignore[operator]

    return between


# -- presence ----------------------------------------------------------------------------------


def _build_exists(field: str, operand: ConditionValue) -> Matcher:
    # The operand is ignored: the operator says everything.
    return lambda person: not _is_missing(person.get(field))


def _build_not_exists(field: str, operand: ConditionValue) -> Matcher:
    return lambda person: _is_missing(person.get(field))


_BUILDERS: dict[Op, _Builder] = {
    Op.EQ: _build_eq,
    Op.NEQ: _negate(_build_eq),
    Op.IN: _build_in,
    Op.NOT_IN: _negate(_build_in),
    Op.CONTAINS: _build_contains,
    Op.GTE: _build_bound(operator.ge),
    Op.LTE: _build_bound(operator.le),
    Op.BETWEEN: _build_between,
    Op.EXISTS: _build_exists,
    Op.NOT_EXISTS: _build_not_exists,
}
