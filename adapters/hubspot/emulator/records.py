"""Record storage of one object type, shaped for fast paging and search (fact sheet §2, §4, §14).

- ``records`` maps id → :class:`Record`; ``order`` lists every id ever stored, ascending, so
  ``after`` paging is a bisect, not a scan. Ids removed by a merge or GDPR delete are skipped when
  read.
- ``modified`` is the search index: ``(modified ms, id)`` of live records, sorted. Incremental syncs
  search a ``lastmodifieddate``/``hs_lastmodifieddate`` window sorted on it (§14), which this
  answers with two bisects. Archived records leave the index (§4: archived records never appear in
  search).
- ``unique`` maps each unique property to ``value → id`` for ``idProperty`` reads and upserts.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from .objects import ObjectSpec


class HistoryEntry(NamedTuple):
    """One version of a property value (§10 property history)."""

    value: str
    timestamp_ms: int
    source_type: str
    source_id: str | None = None
    updated_by_user_id: int | None = None


@dataclass(slots=True)
class Record:
    """One CRM object. ``props`` holds only properties that have a value (``""`` counts as one)."""

    id: int
    props: dict[str, str]
    created_ms: int
    updated_ms: int
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict)
    archived_ms: int | None = None

    @property
    def archived(self) -> bool:
        """True once archived (deleted to the recycle bin)."""
        return self.archived_ms is not None


@dataclass(slots=True)
class ObjectStore:
    """All records of one object type."""

    spec: ObjectSpec
    unique_properties: tuple[str, ...] = ()
    records: dict[int, Record] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    modified: list[tuple[int, int]] = field(default_factory=list)
    unique: dict[str, dict[str, int]] = field(default_factory=dict)
    created_monotonic: bool = True
    _last_created: tuple[int, int] = (-(2**62), 0)

    def __post_init__(self) -> None:
        for name in self.unique_properties:
            self.unique.setdefault(name, {})

    def live(self, record_id: int) -> Record | None:
        """The record if it exists and is not archived."""
        record = self.records.get(record_id)
        return None if record is None or record.archived else record

    def add(self, record: Record, *, index: bool = True) -> None:
        """Store a new record; ids must be allocated in ascending order.

        Args:
            record: The record; its id is greater than every stored id.
            index: False during bulk loads, which call :meth:`rebuild_index` once at the end.
        """
        self.records[record.id] = record
        self.order.append(record.id)
        key = (record.created_ms, record.id)
        if key < self._last_created:
            self.created_monotonic = False
        self._last_created = max(key, self._last_created)
        for name in self.unique_properties:
            value = record.props.get(name)
            if value:
                self.unique[name][value.lower()] = record.id
        if index and not record.archived:
            bisect.insort(self.modified, (record.updated_ms, record.id))

    def touch(self, record: Record, updated_ms: int) -> None:
        """Move a live record to a new modified time in the search index."""
        if not record.archived:
            self._unindex(record)
            bisect.insort(self.modified, (updated_ms, record.id))
        record.updated_ms = updated_ms

    def set_unique(self, record: Record, name: str, old: str | None, new: str | None) -> None:
        """Keep the unique-value index in step with a property change."""
        index = self.unique.get(name)
        if index is None:
            return
        if old and index.get(old.lower()) == record.id:
            del index[old.lower()]
        if new:
            index[new.lower()] = record.id

    def find_unique(self, name: str, value: str) -> Record | None:
        """The live record whose unique property ``name`` equals ``value`` (case-insensitive)."""
        record_id = self.unique.get(name, {}).get(value.lower())
        return None if record_id is None else self.live(record_id)

    def archive(self, record: Record, archived_ms: int) -> None:
        """Archive: leaves the search index and unique indexes; the modified date stays (§11)."""
        if record.archived:
            return
        self._unindex(record)
        record.archived_ms = archived_ms
        for name in self.unique_properties:
            self.set_unique(record, name, record.props.get(name), None)

    def remove(self, record: Record) -> None:
        """Delete for good (merge loser, GDPR delete): the id becomes unreadable (§11)."""
        if not record.archived:
            self.archive(record, record.updated_ms)
        del self.records[record.id]

    def rebuild_index(self) -> None:
        """Recompute the search index after a bulk load."""
        self.modified = sorted(
            (r.updated_ms, r.id) for r in self.records.values() if not r.archived
        )

    def page(self, after: int, limit: int, archived: bool) -> tuple[list[Record], int | None]:
        """Up to ``limit`` records with id >= ``after``, and the next ``after`` if more remain.

        The next ``after`` is the last id + 1, like the ``paging`` example of §2 (101 → "102").
        ``archived=True`` returns only archived records, as HubSpot does (§2).
        """
        start = bisect.bisect_left(self.order, after)
        found: list[Record] = []
        for position in range(start, len(self.order)):
            record = self.records.get(self.order[position])
            if record is None or record.archived != archived:
                continue
            if len(found) == limit:
                return found, found[-1].id + 1
            found.append(record)
        return found, None

    def iter_live(self) -> Iterator[Record]:
        """Live records in id order."""
        for record_id in self.order:
            record = self.records.get(record_id)
            if record is not None and not record.archived:
                yield record

    def _unindex(self, record: Record) -> None:
        key = (record.updated_ms, record.id)
        position = bisect.bisect_left(self.modified, key)
        if position < len(self.modified) and self.modified[position] == key:
            del self.modified[position]
