"""The state of one emulated org: object definitions, rows, ids, users, transactions.

Handlers run on the server thread while tests read and change state from theirs, so every access
goes through ``org.lock`` (re-entrant). Writes that must be all-or-nothing (collections and
composite with ``allOrNone``, §5, §6) run inside :meth:`Org.transaction`: every replaced row is
journalled and put back on rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from .catalog_setup import standard_objects
from .errors import invalid_type, unsupported_type
from .ids import make_id
from .metadata import install_defaults
from .options import Behaviour
from .schema import FieldDef, ObjectDef
from .store import Row, Table, Undo
from .timefmt import sf_datetime

INTEGRATION_USERNAME = "integration@smarketing.example"


class Org:
    """One org's data; :class:`~.server.SalesforceEmulator` makes one, tests and seeds may too."""

    def __init__(self, now: Callable[[], datetime], behaviour: Behaviour | None = None) -> None:
        self.now = now
        self.behaviour = behaviour or Behaviour()
        self.lock = threading.RLock()
        self.objects: dict[str, ObjectDef] = standard_objects()
        self._names = {name.lower(): name for name in self.objects}
        self.tables = {name: Table(obj) for name, obj in self.objects.items()}
        self._counters: dict[str, int] = {}
        self._journals: list[list[Undo]] = []
        self._replaying = False
        for table in self.tables.values():
            table.journal = self._record
        self.org_id = make_id("00D", 1)
        self.delete_log_floor: datetime | None = None
        self.integration_user_id = make_id("005", 1)
        self._counters["005"] = 1
        self.insert_raw(
            "User",
            {
                "Id": self.integration_user_id,
                "Username": INTEGRATION_USERNAME,
                "FirstName": "Smarketing",
                "LastName": "Integration",
                "Name": "Smarketing Integration",
                "Email": INTEGRATION_USERNAME,
                "Alias": "smkt",
                "IsActive": True,
                "TimeZoneSidKey": "GMT",
                "UserType": "Standard",
            },
        )
        install_defaults(self)

    def new_id(self, prefix: str) -> str:
        """A fresh 18-character id with ``prefix``; ids of one prefix grow."""
        with self.lock:
            counter = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = counter
            return make_id(prefix, counter)

    def lookup(self, name: str) -> ObjectDef | None:
        """An object definition by name, case-insensitively, or ``None``."""
        canonical = self._names.get(name.lower())
        return None if canonical is None else self.objects[canonical]

    def object(self, name: str) -> ObjectDef:
        """An object definition by name, case-insensitively.

        Raises:
            SalesforceError: 400 ``INVALID_TYPE`` for an unknown object (§11).
        """
        obj = self.lookup(name)
        if obj is None:
            raise invalid_type(unsupported_type(name))
        return obj

    def table(self, name: str) -> Table:
        """The rows of an object, by name (case-insensitive)."""
        return self.tables[self.object(name).name]

    def find(self, record_id: str) -> tuple[Table, Row] | None:
        """The table and row of any id, by its key prefix."""
        for table in self.tables.values():
            if table.obj.key_prefix == record_id[:3]:
                row = table.get(record_id)
                if row is not None:
                    return table, row
        return None

    def add_field(self, object_name: str, definition: FieldDef) -> None:
        """Add a custom field to an object (what an admin does in Setup).

        Raises:
            ValueError: the name does not end in ``__c``, or an activity field asks for
                External ID or Unique, which the design assumes Task/Event cannot have (§0.4, §4).
        """
        obj = self.object(object_name)
        if not definition.custom:
            raise ValueError(f"custom field names end in '__c', got {definition.name!r}")
        if obj.activity and (definition.external_id or definition.unique):
            raise ValueError(
                f"{obj.name}.{definition.name}: activity custom fields cannot be External ID or "
                "Unique; keep the key in a plain text field and look it up with SOQL (§0.4)"
            )
        with self.lock:
            obj.put(definition)
            table = self.tables[obj.name]
            # Every stored row has every field (queries read with itemgetter): backfill the column.
            empty = obj.blank()[definition.name]
            for row in table.rows.values():
                row.setdefault(definition.name, empty)
            if definition.external_id or definition.unique:
                table.refresh_keys()

    def purge_recycle_bin(self, before: datetime | None = None) -> int:
        """Purge deleted rows (those deleted before ``before``, or all); returns how many.

        Purged rows leave queryAll and the delete log, and ``earliestDateAvailable`` of
        ``/deleted/`` moves to now, as after Salesforce's Recycle Bin purge (§8, failure-modes F15).
        """
        limit = None if before is None else sf_datetime(before)
        purged = 0
        with self.lock:
            for table in self.tables.values():
                for record_id, stamp in list(table.deleted_at.items()):
                    if limit is None or stamp < limit:
                        table.purge(record_id)
                        purged += 1
            self.delete_log_floor = self.now()
        return purged

    def system_values(self, obj: ObjectDef, at: datetime, user: str | None = None) -> Row:
        """Audit fields of a new row of ``obj`` (§12 system fields), those the object has."""
        stamp, who = sf_datetime(at), user or self.integration_user_id
        values: Row = {"IsDeleted": False}
        for name, value in (
            ("CreatedDate", stamp),
            ("CreatedById", who),
            ("LastModifiedDate", stamp),
            ("LastModifiedById", who),
            ("SystemModstamp", stamp),
        ):
            if name in obj.fields:
                values[name] = value
        return values

    def insert_raw(
        self,
        object_name: str,
        values: Mapping[str, Any],
        at: datetime | None = None,
        *,
        index: bool = True,
    ) -> Row:
        """Store a row without API validation (seeds and metadata); missing fields are null.

        ``values`` may carry ``Id`` and audit fields; the others get fresh ids and ``at``.
        """
        obj = self.object(object_name)
        row: Row = obj.blank()
        row.update(self.system_values(obj, at or self.now()))
        row.update(values)
        if row["Id"] is None:
            row["Id"] = self.new_id(obj.key_prefix)
        self.tables[obj.name].put(row, index=index)
        return row

    @contextmanager
    def transaction(self) -> Iterator[Callable[[], None]]:
        """Journal every row change; yields ``rollback``; an exception also rolls back.

        Nested transactions commit into the enclosing one, so an outer rollback undoes them too.
        """
        journal: list[Undo] = []
        self._journals.append(journal)
        done = False

        def rollback() -> None:
            nonlocal done
            if not done:
                done = True
                self._pop(journal)
                self._replaying = True
                try:
                    for undo in reversed(journal):
                        undo()
                finally:
                    self._replaying = False

        try:
            yield rollback
        except BaseException:
            rollback()
            raise
        if not done:
            self._pop(journal)
            if self._journals:
                self._journals[-1].extend(journal)

    def _pop(self, journal: list[Undo]) -> None:
        """Drop ``journal`` from the stack by identity.

        ``list.remove`` compares by equality, so an empty inner journal would take an equal
        (empty) outer one with it, and the outer commit would then fail to find its own.
        """
        for index in range(len(self._journals) - 1, -1, -1):
            if self._journals[index] is journal:
                del self._journals[index]
                return

    def _record(self, undo: Undo) -> None:
        if self._journals and not self._replaying:
            self._journals[-1].append(undo)
