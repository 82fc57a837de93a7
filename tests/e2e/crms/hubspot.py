"""The emulated HubSpot portal as the e2e tests drive and judge it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from typing_extensions import override

from adapters.hubspot.emulator import EmulatorOptions, HubSpotEmulator
from adapters.hubspot.emulator.objects import ObjectType as HsObject
from adapters.hubspot.emulator.seed import seeded_portal
from tests.e2e.crms.base import HUBSPOT, OWNED, PEOPLE, SEED, TASK_KEY, Crm, Entry
from tests.e2e.processes import Cli, connector_env, free_port, sqlite_url, write_config

OPTIONS = EmulatorOptions()
"""The real clock and the Professional tier's rate limits, with their headers."""
HS_CONTACT_PAGES = "/crm/v3/objects/contacts"
"""The full list of contacts; the request log keeps paths, not the ``after`` of each page."""
HS_LIST_PAGE = 100
"""The page size the connector asks HubSpot's lists for (``adapters/hubspot/pull.py``)."""


class HubSpotCrm(Crm):
    """The session's HubSpot emulator (plain HTTP, a private-app token)."""

    name = HUBSPOT
    record_types = frozenset({"contact"})
    setup_says = "created smarketing_score"

    def __init__(self, emulator: HubSpotEmulator, t0: datetime) -> None:
        super().__init__(t0)
        self.emulator = emulator

    @override
    def reseed(self, people: int = PEOPLE, *, page_size: int | None = None) -> None:
        if page_size not in (None, HS_LIST_PAGE):
            raise ValueError(f"HubSpot serves the {HS_LIST_PAGE} per page the connector asks for")
        self.emulator.reset(OPTIONS, seeded_portal(SEED, people, self.t0, OPTIONS))

    @override
    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        directory.mkdir(parents=True, exist_ok=True)
        store = store_url or sqlite_url(directory / "store.db")
        changes: dict[tuple[str, str], str | int] = {
            ("crm.hubspot", "base_url"): self.emulator.base_url,
            ("store", "url"): store,
            ("schedule", "sync_every"): "1m",
            ("status", "bind"): "127.0.0.1",
            ("status", "port"): free_port(),
        }
        config = write_config(directory / "config.toml", changes)
        return Cli(config, connector_env(self.emulator.token), directory, store)

    def _live(self, obj: HsObject) -> list[Any]:
        return list(self.emulator.state.stores[obj].iter_live())

    @override
    def tasks_per_key(self) -> Counter[str]:
        with self.emulator.state.lock:
            return Counter(
                r.props[TASK_KEY] for r in self._live(HsObject.TASKS) if r.props.get(TASK_KEY)
            )

    @override
    def person_ids(self) -> set[str]:
        with self.emulator.state.lock:
            return {str(r.id) for r in self._live(HsObject.CONTACTS)}

    @override
    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        with self.emulator.state.lock:
            return {
                (str(r.id), prop): r.props.get(prop)
                for r in self._live(HsObject.CONTACTS)
                for prop in props
            }

    @override
    def history_entries(self) -> int:
        with self.emulator.state.lock:
            return sum(
                len(r.history.get(prop, ()))
                for r in self._live(HsObject.CONTACTS)
                for prop in OWNED
            )

    @override
    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        portal = self.emulator.state
        with portal.lock:
            return {
                (str(obj), str(record.id)): record.updated_ms
                for obj, store in portal.stores.items()
                for record in store.records.values()
            }

    @override
    def requests(self) -> list[Entry]:
        # deque.copy() runs in C under the GIL, so it cannot see the server thread half-way.
        return list(self.emulator.runtime.log.copy())

    @override
    def is_write(self, entry: Entry) -> bool:
        # Searches and batch reads are POSTs but only read.
        method, path, _ = entry
        return method != "GET" and not path.endswith(("/search", "/batch/read"))

    @override
    def is_task_create(self, entry: Entry) -> bool:
        return self.is_write(entry) and entry[1].startswith("/crm/v3/objects/tasks")

    @override
    def served_second_page_of_people(self, since: int) -> bool:
        # A cycle lists contacts once (the first in full, later ones by search): the second
        # request of that list is its second page.
        return sum(path == HS_CONTACT_PAGES for _, path, _ in self.requests()[since:]) >= 2
