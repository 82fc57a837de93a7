"""When a property value the CRM refused may be sent again (failure-modes R3: bounded retries).

A refused value (a validation rule refusing any save of the record, a value the field cannot hold)
is refused again until someone changes the record or the CRM's setup, so sending it every cycle only
wastes writes and repeats the refusal in the report. A change to the record shows in its
modification time and releases the value at once; a fixed field permission or validation rule
does not show anywhere, so the value is tried again after :data:`REFUSED_RETRY_AFTER`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from connector.plan import RecordRef, desired_properties
from connector.store.values import RefusedValue
from rules.decisions import RecordDecision

REFUSED_RETRY_AFTER = timedelta(days=1)
"""How long a refused value is held back while its record is unchanged: at most one refused write
per record and property per day, and an admin's fix is picked up within a day."""


def still_held(
    refusals: Mapping[tuple[str, str], RefusedValue],
    modified: Mapping[str, datetime | None],
    as_of: datetime,
) -> dict[tuple[str, str], str]:
    """The refused values not to send again yet, by (record id, property).

    A refusal holds while the judged version of its record is not newer than the refusal
    (``modified``: the CRM's modification time by record id; unknown counts as not newer) and
    the refusal is less than :data:`REFUSED_RETRY_AFTER` before ``as_of``.
    """
    held: dict[tuple[str, str], str] = {}
    for (rid, prop), refusal in refusals.items():
        changed_at = modified.get(rid)
        changed = changed_at is not None and changed_at > refusal.rejected_at
        if not changed and as_of - refusal.rejected_at < REFUSED_RETRY_AFTER:
            held[(rid, prop)] = refusal.value
    return held


def held_back(
    decisions: Iterable[RecordDecision], held: Mapping[tuple[RecordRef, str], str]
) -> int:
    """How many writes the ``held`` values stopped: those whose refused value the rules still
    want (a different value is planned as usual)."""
    return sum(
        held.get(((d.record_type, d.record_id), prop)) == value
        for d in decisions
        for prop, value in desired_properties(d).items()
    )
