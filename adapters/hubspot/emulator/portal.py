"""The state of one emulated HubSpot portal: schemas, records, associations, owners, pipelines.

Handlers run on the server thread while tests read and change state from theirs, so every access
goes through ``portal.lock`` (a re-entrant lock; the write helpers take it themselves).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .associations import AssociationStore
from .catalog import standard_registries
from .errors import not_found
from .objects import SPECS, ObjectType
from .options import Behaviour
from .owners import Owner
from .pipelines import DEFAULT_PIPELINE, Pipeline
from .records import ObjectStore, Record
from .schema import PropertyDef, PropertyRegistry
from .timefmt import to_ms


@dataclass(frozen=True, slots=True)
class Source:
    """Who wrote a value: ``sourceType``/``sourceId``/``updatedByUserId`` in history (§10)."""

    type: str = "API"
    id: str | None = None
    user_id: int | None = None


class Portal:
    """One portal's data; :class:`~.server.HubSpotEmulator` makes one, tests may too."""

    def __init__(
        self,
        now: Callable[[], datetime],
        behaviour: Behaviour | None = None,
        portal_id: int = 62515,
        app_id: int = 3456789,
    ) -> None:
        self.now = now
        self.behaviour = behaviour or Behaviour()
        self.portal_id = portal_id
        self.api_source = Source("API", str(app_id))
        self.lock = threading.RLock()
        self.pipelines: dict[str, Pipeline] = {DEFAULT_PIPELINE.id: DEFAULT_PIPELINE}
        self.registries: dict[ObjectType, PropertyRegistry] = standard_registries(
            self.pipelines.values()
        )
        self.stores: dict[ObjectType, ObjectStore] = {
            obj: ObjectStore(SPECS[obj], self._unique_names(obj)) for obj in ObjectType
        }
        self.associations = AssociationStore()
        self.owners: dict[str, Owner] = {}
        self.created_ms = self.now_ms()
        self.expired_search_cursors = False
        self._next_id = 1001

    def expire_search_cursors(self) -> None:
        """Fail the next search that pages with ``after`` with a 400 (§19.5, failure-modes F38)."""
        with self.lock:
            self.expired_search_cursors = True

    def now_ms(self) -> int:
        """The emulator clock in epoch ms."""
        return to_ms(self.now())

    def allocate_id(self) -> int:
        """A fresh record id; ids grow, so stores stay sorted by id."""
        with self.lock:
            record_id = self._next_id
            self._next_id += 1
            return record_id

    def reserve_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive ids for a bulk load and return the first."""
        with self.lock:
            first = self._next_id
            self._next_id += count
            return first

    def record(self, obj: ObjectType, record_id: int) -> Record:
        """A live record or a 404 ``OBJECT_NOT_FOUND``."""
        record = self.stores[obj].live(record_id)
        if record is None:
            raise not_found(f"Object not found.  objectId are usually numeric. id={record_id}")
        return record

    def add_owner(self, owner: Owner) -> None:
        """Add or replace an owner."""
        with self.lock:
            self.owners[owner.id] = owner

    def add_owners(self, owners: Iterable[Owner]) -> None:
        """Add several owners."""
        for owner in owners:
            self.add_owner(owner)

    def dynamic_options(self, prop: PropertyDef) -> frozenset[str] | None:
        """Options that come from portal data rather than the definition (owners, §6)."""
        if prop.name == "hubspot_owner_id":
            return frozenset(self.owners)
        return None

    def enable_unique(self, obj: ObjectType, name: str) -> None:
        """Index a property created with ``hasUniqueValue: true`` (upserts and ``idProperty``)."""
        store = self.stores[obj]
        if name in store.unique:
            return
        store.unique_properties = (*store.unique_properties, name)
        store.unique[name] = {}
        for record in store.iter_live():
            store.set_unique(record, name, None, record.props.get(name))

    def _unique_names(self, obj: ObjectType) -> tuple[str, ...]:
        return tuple(p.name for p in self.registries[obj].properties.values() if p.has_unique_value)
