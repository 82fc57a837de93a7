"""What counts as a change of a pulled person (failure-modes R4: our own write-back is not one).

A lookback re-read brings a version the store already has, and our own write-back brings a version
that differs only in our properties and its modification stamps: neither may cost judging or
enrichment. History from an earlier enrichment is carried over, since a page never carries it.
Any other difference is a real change, e.g. the activity counters a logged call updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from adapters.base.protocol import PullBatch
from connector.plan import OWNED_PROPERTIES
from connector.store.values import Record
from rules.model import Person


def new_versions(batch: PullBatch, stored: Mapping[str, Record]) -> tuple[PullBatch, set[str]]:
    """``batch`` with known history carried over, and the ids of people that really changed.

    Args:
        batch: A pulled page.
        stored: The store's versions of the page's people, by id.
    """
    people: list[Person] = []
    changed: set[str] = set()
    for pulled in batch.people:
        known = stored.get(pulled.id)
        person = pulled
        if isinstance(known, Person):
            person = replace(
                pulled,
                status_history=pulled.status_history or known.status_history,
                activities=pulled.activities or known.activities,
            )
        if not isinstance(known, Person) or judged_part(known) != judged_part(person):
            changed.add(person.id)
            person = pulled  # a new version: its history is fetched again when needed
        people.append(person)
    return replace(batch, people=tuple(people)), changed


def judged_part(person: Person) -> Person:
    """``person`` without what our own write-back changes: our properties and the modification
    stamps (``updated_at`` and fields mirroring it, such as ``lastmodifieddate``)."""
    stamp = person.updated_at
    fields = {
        name: value
        for name, value in person.fields.items()
        if name not in OWNED_PROPERTIES and not (stamp is not None and value == stamp)
    }
    return replace(person, updated_at=None, fields=fields)
