"""What every emulated CRM offers the e2e tests (:class:`Crm`), and what they share: the seed,
the names of the properties we own, the request-log entry.

The seed is the same for the whole session (``SEED``, seeded at the session's ``t0``), so any
two tests, and a crashed run and its fault-free reference, start from identical data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.e2e.processes import Cli

HUBSPOT, SALESFORCE = "hubspot", "salesforce"
SEED = 7
PEOPLE = 400

# What the connector writes, by the names a HubSpot admin sees (docs/rules.md, `smarketing setup`).
TASK_KEY = "smarketing_task_key"
SCORE = "smarketing_score"
OWNED = (SCORE, "smarketing_score_explanation", "smarketing_sla_status", "smarketing_sla_due")

Entry = tuple[str, str, int]
"""One answered request: ``(method, path, status)``."""


def duplicates(counts: Counter[str]) -> dict[str, int]:
    """Keys held by more than one task (failure-modes: "dup tasks")."""
    return {key: n for key, n in counts.items() if n > 1}


class Crm(ABC):
    """One emulated CRM as the e2e tests drive and judge it.

    Attributes:
        name: The CRM's ``[crm] kind``, also the plan's ``crm``.
        record_types: The plan's ``record_type`` of people.
        setup_says: Something ``smarketing setup`` prints on a fresh portal or org.
    """

    name: str
    record_types: frozenset[str]
    setup_says: str

    def __init__(self, t0: datetime) -> None:
        self.t0 = t0

    @abstractmethod
    def reseed(self, people: int = PEOPLE, *, page_size: int | None = None) -> None:
        """A freshly seeded portal or org of ``people`` people, fresh limits and request log.

        Args:
            people: How many people to seed.
            page_size: The most records the CRM serves per page of a list or query, where it
                may serve fewer than the connector asks for; ``None``: as many as asked.

        Raises:
            ValueError: The CRM cannot serve pages of ``page_size``.
        """

    @abstractmethod
    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        """A config in ``directory`` pointing at this CRM; SQLite in ``directory`` by default.

        The schedule is the shortest the config allows ("1m"): the first cycle runs at start.
        """

    @abstractmethod
    def tasks_per_key(self) -> Counter[str]:
        """How many live tasks carry each of our idempotency keys (the seed's carry none)."""

    @abstractmethod
    def person_ids(self) -> set[str]:
        """Ids of the live people the connector scores."""

    @abstractmethod
    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        """``(person id, property) -> value`` of our properties (plan names), spelled as text."""

    @abstractmethod
    def history_entries(self) -> int:
        """Changes of our properties' values on people: one per value actually changed."""

    def refuses_writes(self, record_id: str) -> bool:
        """Whether the CRM's own rules refuse every update of this record as it stands."""
        return False

    @abstractmethod
    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        """The modified time of every record of every object type: any write moves one."""

    @abstractmethod
    def requests(self) -> list[Entry]:
        """The request log: ``(method, path, status)`` of every answered request."""

    @abstractmethod
    def is_write(self, entry: Entry) -> bool:
        """A request that may change the CRM's data."""

    @abstractmethod
    def is_task_create(self, entry: Entry) -> bool:
        """A request that may create a task."""

    @abstractmethod
    def served_second_page_of_people(self, since: int) -> bool:
        """Whether the CRM served a page of people after the first of its list, after its log
        held ``since`` entries. Pulls are lazy (a page is asked for once the one before was
        stored with its cursor), so the connector is then in the middle of a pull."""

    def writes_since(self, mark: int) -> list[Entry]:
        """Write requests answered after the log held ``mark`` entries."""
        return [entry for entry in self.requests()[mark:] if self.is_write(entry)]
