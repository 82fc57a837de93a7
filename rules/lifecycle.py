"""Where a record stands in the funnel: raw CRM values mapped to canonical stages and statuses.

Marketing ops configure the mapping (:class:`~rules.ruleset.StageMap`); nothing here guesses. A raw
value is looked up exactly first, then case-insensitively (``str.casefold``); a value that maps
nowhere is *unknown*: the canonical stage is ``None`` and the value is reported in
:attr:`LifecycleView.unknown` as ``"lifecycle='153180554'"`` or ``"lead_status='x'"``, so a
custom HubSpot stage id is counted instead of being judged as some other stage. Two map keys
that differ only in case but map to different stages are ambiguous: only their exact spellings
match. A blank or absent raw value is simply unset, not unknown.

When did the record enter its current stage? In order:

1. the latest :class:`~rules.model.StageEntry` of ``stage_history`` for the current raw value
   that has not exited (a closed entry belongs to an earlier stay);
2. the stage-date property ``stage_map.stage_date_properties[raw value]`` read from
   ``person.fields`` (see :func:`as_instant` for the accepted values);
3. else ``None``: the rules that need the date cannot judge the record.

The status is entered when the latest open ``status_history`` entry for the current raw status
says so, else ``None`` (stage-date properties describe lifecycle stages only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from rules.decisions import LifecycleView
from rules.model import FieldValue, LeadStatus, Person, Stage, StageEntry
from rules.ruleset import StageMap

_T = TypeVar("_T", Stage, LeadStatus)


def classify(person: Person, stage_map: StageMap) -> LifecycleView:
    """The canonical stage and status of ``person`` under ``stage_map`` (see the module doc).

    Convenience for one-off calls: it builds a :class:`LifecycleClassifier` every time, so loops
    should build one and call :meth:`LifecycleClassifier.classify`.
    """
    return LifecycleClassifier(stage_map).classify(person)


def as_instant(value: FieldValue) -> datetime | None:
    """``value`` as an aware datetime, else ``None``; never raises.

    Accepts an aware datetime or an ISO-8601 string with an offset (HubSpot sends
    ``"2024-01-10T08:00:00.000Z"``). A naive string, a date without a time of day, a number or
    anything unparsable gives ``None``: a clock cannot start at a time we would have to invent.
    """
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def open_entry_start(history: tuple[StageEntry, ...], raw: str) -> datetime | None:
    """When the latest still-open stay in ``raw`` began, from a history kept oldest first."""
    for entry in reversed(history):
        if entry.value == raw and entry.exited_at is None:
            return entry.entered_at
    return None


class LifecycleClassifier:
    """A :class:`StageMap` compiled for fast, repeated classification."""

    __slots__ = ("_date_properties", "_stages", "_stages_folded", "_statuses", "_statuses_folded")

    def __init__(self, stage_map: StageMap) -> None:
        self._stages = dict(stage_map.lifecycle)
        self._stages_folded = _folded(stage_map.lifecycle)
        self._statuses = dict(stage_map.lead_status)
        self._statuses_folded = _folded(stage_map.lead_status)
        self._date_properties = dict(stage_map.stage_date_properties)

    def stage_of(self, raw: str | None) -> Stage | None:
        """The canonical stage of a raw lifecycle value; ``None`` when unset or unknown."""
        return _lookup(self._stages, self._stages_folded, raw)

    def status_of(self, raw: str | None) -> LeadStatus | None:
        """The canonical status of a raw lead-status value; ``None`` when unset or unknown."""
        return _lookup(self._statuses, self._statuses_folded, raw)

    def classify(self, person: Person) -> LifecycleView:
        """The canonical stage and status of ``person`` (see the module doc)."""
        raw_stage = person.lifecycle
        raw_status = person.lead_status
        stage = self.stage_of(raw_stage)
        status = self.status_of(raw_status)
        unknown: tuple[str, ...] = ()
        if stage is None and raw_stage:
            unknown = (f"lifecycle={raw_stage!r}",)
        if status is None and raw_status:
            unknown = (*unknown, f"lead_status={raw_status!r}")
        return LifecycleView(
            stage=stage,
            stage_entered_at=self._stage_entered(person, raw_stage) if stage else None,
            status=status,
            status_entered_at=(
                open_entry_start(person.status_history, raw_status)
                if status and raw_status
                else None
            ),
            unknown=unknown,
        )

    def first_entered(self, person: Person, stage: Stage) -> datetime | None:
        """When ``person`` first entered ``stage`` under any raw spelling, if that is known.

        The earliest history entry whose value maps to ``stage`` wins; without one, the earliest
        stage-date property of a raw value that maps to ``stage``; else ``None``.
        """
        for entry in person.stage_history:
            if self.stage_of(entry.value) is stage:
                return entry.entered_at
        found = (
            as_instant(person.fields.get(name))
            for raw, name in self._date_properties.items()
            if self.stage_of(raw) is stage
        )
        return min((when for when in found if when is not None), default=None)

    def _stage_entered(self, person: Person, raw: str | None) -> datetime | None:
        if raw is None:
            return None
        entered = open_entry_start(person.stage_history, raw)
        if entered is not None:
            return entered
        name = self._date_properties.get(raw)
        return as_instant(person.fields.get(name)) if name is not None else None


def _folded(mapping: Mapping[str, _T]) -> dict[str, _T | None]:
    """Case-folded keys; a key two spellings share with different targets maps to ``None``."""
    folded: dict[str, _T | None] = {}
    for key, target in mapping.items():
        fold = key.casefold()
        folded[fold] = target if folded.get(fold, target) is target else None
    return folded


def _lookup(exact: dict[str, _T], folded: dict[str, _T | None], raw: str | None) -> _T | None:
    if not raw:
        return None
    found = exact.get(raw)
    return found if found is not None else folded.get(raw.casefold())
