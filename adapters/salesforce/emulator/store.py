"""Row storage of one sObject, shaped for fast incremental pages (fact sheet §3, §12, §14).

- ``rows`` maps id → row, deleted rows included until the Recycle Bin is purged (queryAll sees
  them, §3). A row is a plain dict of stored values (:mod:`.timefmt` explains the datetime form)
  and is **replaced, never mutated**, so a transaction can roll back by putting the old dict back.
- ``index`` holds ``(cursor value, id)`` of every row, sorted: the object's ``SystemModstamp``
  (``CreatedDate`` for history objects) is indexed in Salesforce too (§12), and the usual
  incremental query ``WHERE SystemModstamp > x ORDER BY SystemModstamp, Id`` becomes a bisect.
- ``keys`` maps each External ID or Unique field to ``lower-cased value → ids`` of live rows, for
  upserts (§4) and duplicate checks.
- ``hidden`` maps ids of rows committed "late" to the moment they become visible to queries
  (failure-modes F09, Airbyte #27146): their stamps are in the past, their visibility is not.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from .schema import ObjectDef

Row = dict[str, Any]
Undo = Callable[[], None]


class Table:
    """All rows of one object type."""

    def __init__(self, obj: ObjectDef) -> None:
        self.obj = obj
        self.rows: dict[str, Row] = {}
        self.index: list[tuple[str, str]] = []
        self.keys: dict[str, dict[str, set[str]]] = {}
        self.hidden: dict[str, datetime] = {}
        self.deleted_at: dict[str, str] = {}
        self.journal: Callable[[Undo], None] | None = None
        self.refresh_keys()

    def get(self, record_id: str) -> Row | None:
        """The row, deleted or not."""
        return self.rows.get(record_id)

    def live(self, record_id: str) -> Row | None:
        """The row if it exists and is not deleted."""
        row = self.rows.get(record_id)
        return None if row is None or row["IsDeleted"] else row

    def put(self, row: Row, *, index: bool = True) -> None:
        """Insert a row or replace the stored row with the same id.

        Args:
            row: The complete new row (never a dict that is already stored).
            index: False during bulk loads, which call :meth:`rebuild` once at the end.
        """
        record_id = row["Id"]
        old = self.rows.get(record_id)
        if self.journal is not None:
            self.journal(self._undo(record_id, old))
        self.rows[record_id] = row
        self._move_keys(old, row)
        if index:
            self._move_index(old, row)

    def purge(self, record_id: str) -> None:
        """Remove a row for good (Recycle Bin purge); its id becomes unknown."""
        old = self.rows.pop(record_id, None)
        if old is None:
            return
        self._move_keys(old, None)
        self._move_index(old, None)
        self.deleted_at.pop(record_id, None)
        self.hidden.pop(record_id, None)

    def find(self, field: str, value: str) -> list[str]:
        """Ids of live rows whose External ID or Unique ``field`` equals ``value`` (no case)."""
        return sorted(self.keys.get(field, {}).get(value.lower(), ()))

    def visible(self, record_id: str, now: datetime) -> bool:
        """False while a late-committed row is still invisible."""
        moment = self.hidden.get(record_id)
        if moment is None:
            return True
        if moment <= now:
            del self.hidden[record_id]
            return True
        return False

    def rebuild(self) -> None:
        """Recompute the cursor index and the key indexes after a bulk load."""
        field = self.obj.cursor_field
        self.index = sorted((row[field], record_id) for record_id, row in self.rows.items())
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """(Re)build the key indexes, e.g. after an External ID field was added."""
        names = [f.name for f in self.obj.fields.values() if f.external_id or f.unique]
        self.keys = {name: {} for name in names}
        for row in self.rows.values():
            self._move_keys(None, row)

    def iter_rows(self) -> Iterator[Row]:
        """Every row, in cursor order."""
        for _, record_id in self.index:
            yield self.rows[record_id]

    def _undo(self, record_id: str, old: Row | None) -> Undo:
        def undo() -> None:
            if old is None:
                self.purge(record_id)
            else:
                self.put(old)

        return undo

    def _move_keys(self, old: Row | None, new: Row | None) -> None:
        for name, index in self.keys.items():
            if old is not None and not old["IsDeleted"] and old.get(name) is not None:
                ids = index.get(str(old[name]).lower())
                if ids is not None:
                    ids.discard(old["Id"])
                    if not ids:
                        del index[str(old[name]).lower()]
            if new is not None and not new["IsDeleted"] and new.get(name) is not None:
                index.setdefault(str(new[name]).lower(), set()).add(new["Id"])

    def _move_index(self, old: Row | None, new: Row | None) -> None:
        field = self.obj.cursor_field
        if old is not None:
            key = (old[field], old["Id"])
            position = bisect.bisect_left(self.index, key)
            if position < len(self.index) and self.index[position] == key:
                del self.index[position]
        if new is not None:
            bisect.insort(self.index, (new[field], new["Id"]))
