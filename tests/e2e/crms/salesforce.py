"""The emulated Salesforce org as the e2e tests drive and judge it."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import override

from adapters.salesforce.emulator import EmulatorOptions as SfOptions
from adapters.salesforce.emulator import SalesforceEmulator, checks, seeded_org
from adapters.salesforce.emulator.errors import SalesforceError
from tests.e2e.crms.base import OWNED, PEOPLE, SALESFORCE, SCORE, SEED, Crm, Entry
from tests.e2e.processes import (
    REPO_SALESFORCE_CONFIG,
    Cli,
    connector_env,
    free_port,
    sqlite_url,
    write_config,
)

SF_OPTIONS = SfOptions()
"""The real clock and Salesforce's default daily API allocation."""
SF_OWNED = {
    SCORE: "Smarketing_Score__c",
    "smarketing_score_explanation": "Smarketing_Score_Explanation__c",
    "smarketing_sla_status": "Smarketing_SLA_Status__c",
    "smarketing_sla_due": "Smarketing_SLA_Due__c",
}
"""Our properties by the names a Salesforce admin sees (``adapters/salesforce/schema.py``)."""
SF_TASK_KEY = "Smarketing_Key__c"
SF_PEOPLE = ("Lead", "Contact")
SF_NEXT_PAGE = re.compile(r"^/services/data/v[\d.]+/query(?:All)?/(?P<locator>[^/]+)-\d+$")
"""A ``nextRecordsUrl`` continuation: page two or later of the query behind the locator (§3)."""


class SalesforceCrm(Crm):
    """The session's Salesforce emulator: TLS with a throw-away CA (``ca_bundle``), OAuth client
    credentials of the emulator's test app, people as Leads and (converted) Contacts.

    Salesforce keeps no history of our fields, so the emulator's Lead and Contact tables are
    watched in-process: every stored row that changes one of our fields' values counts. The org's
    validation rule refuses any save of a disqualified Lead without a reason
    (:meth:`refuses_writes`); a write request that only retried such saves changes nothing and is
    not counted as a write (:meth:`watch_saves`).
    """

    name = SALESFORCE
    record_types = frozenset({"lead", "contact"})
    setup_says = "setup complete"

    def __init__(self, emulator: SalesforceEmulator, t0: datetime) -> None:
        super().__init__(t0)
        self.emulator = emulator
        self._changes = 0
        self._saves: list[tuple[int, str]] = []

    @override
    def reseed(self, people: int = PEOPLE, *, page_size: int | None = None) -> None:
        # §3: batchSize is a hint, "not guaranteed": the org may serve smaller pages.
        behaviour = replace(SF_OPTIONS.behaviour, page_size_override=page_size)
        options = replace(SF_OPTIONS, behaviour=behaviour)
        self.emulator.reset(options, seeded_org(SEED, people, self.t0, options))
        self._changes = 0
        self._saves.clear()
        for sobject in SF_PEOPLE:
            self._watch(self.emulator.org.tables[sobject])

    def _watch(self, table: Any) -> None:
        put = table.put

        def counting_put(row: dict[str, Any], *, index: bool = True) -> None:
            old = table.rows.get(row["Id"]) or {}
            self._changes += sum(old.get(f) != row.get(f) for f in SF_OWNED.values())
            put(row, index=index)

        table.put = counting_put

    def watch_saves(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Note ``(log position of its request, record id)`` of every save the org checks."""
        check_rules = checks.check_rules

        def noting(org: Any, obj: Any, row: dict[str, Any]) -> None:
            if org is self.emulator.org:
                # Requests are answered one at a time: the log's length is this request's index.
                self._saves.append((len(self.emulator.runtime.log), str(row.get("Id"))))
            check_rules(org, obj, row)

        monkeypatch.setattr(checks, "check_rules", noting)

    @override
    def make_cli(self, directory: Path, *, store_url: str | None = None) -> Cli:
        directory.mkdir(parents=True, exist_ok=True)
        store = store_url or sqlite_url(directory / "store.db")
        changes: dict[tuple[str, str], str | int] = {
            ("crm.salesforce", "instance_url"): self.emulator.instance_url,
            ("crm.salesforce", "ca_bundle"): self.emulator.ca_bundle_path,
            ("store", "url"): store,
            ("schedule", "sync_every"): "1m",
            ("status", "bind"): "127.0.0.1",
            ("status", "port"): free_port(),
        }
        config = write_config(directory / "config.toml", changes, REPO_SALESFORCE_CONFIG)
        section = tomllib.loads(config.read_text(encoding="utf-8"))["crm"]["salesforce"]
        app = SF_OPTIONS.clients[0]
        env = connector_env(token=None)
        env[section["client_id_env"]] = app.consumer_key
        env[section["client_secret_env"]] = app.consumer_secret
        return Cli(config, env, directory, store)

    def _live(self, sobject: str) -> list[dict[str, Any]]:
        return [r for r in self.emulator.org.tables[sobject].rows.values() if not r["IsDeleted"]]

    def _people(self) -> list[dict[str, Any]]:
        # Converted Leads are merged into their Contact: the connector judges the Contact.
        return [r for s in SF_PEOPLE for r in self._live(s) if not r.get("IsConverted")]

    @override
    def tasks_per_key(self) -> Counter[str]:
        with self.emulator.org.lock:
            return Counter(r[SF_TASK_KEY] for r in self._live("Task") if r.get(SF_TASK_KEY))

    @override
    def person_ids(self) -> set[str]:
        with self.emulator.org.lock:
            return {r["Id"] for r in self._people()}

    @override
    def owned_values(self, props: tuple[str, ...] = OWNED) -> dict[tuple[str, str], str | None]:
        with self.emulator.org.lock:
            return {
                (r["Id"], prop): _spelled(r.get(SF_OWNED[prop]))
                for r in self._people()
                for prop in props
            }

    @override
    def history_entries(self) -> int:
        return self._changes

    @override
    def refuses_writes(self, record_id: str) -> bool:
        # The org's validation rule: a disqualified Lead without a rejection reason cannot be
        # saved, so the connector's values for it are refused (and recorded as rejected).
        org = self.emulator.org
        rules = org.behaviour
        with org.lock:
            lead = org.tables["Lead"].live(record_id)
            return bool(
                rules.validation_rule
                and lead is not None
                and lead.get("Status") in rules.rejected_statuses
                and not lead.get(rules.reason_field)
            )

    @override
    def modified_stamps(self) -> dict[tuple[str, str], Any]:
        org = self.emulator.org
        with org.lock:
            return {
                (name, rid): row.get("SystemModstamp")
                for name, table in org.tables.items()
                for rid, row in table.rows.items()
            }

    @override
    def requests(self) -> list[Entry]:
        return list(self.emulator.runtime.log.copy())

    @override
    def is_write(self, entry: Entry) -> bool:
        # Queries and describes are GETs; the OAuth login is a POST that changes no record.
        method, path, _ = entry
        return method != "GET" and "/oauth2/" not in path

    @override
    def is_task_create(self, entry: Entry) -> bool:
        # The connector creates no other record: every POST of records is a Task create.
        return self.is_write(entry) and entry[0] == "POST"

    @override
    def writes_since(self, mark: int) -> list[Entry]:
        saved: dict[int, list[str]] = {}
        for position, record_id in list(self._saves):
            saved.setdefault(position, []).append(record_id)
        return [
            entry
            for position, entry in enumerate(self.requests())
            if position >= mark
            and self.is_write(entry)
            and not (saved.get(position) and all(map(self.refuses_writes, saved.get(position, ()))))
        ]

    @override
    def served_second_page_of_people(self, since: int) -> bool:
        # The log keeps paths, not the SOQL of a first page; a continuation names its query's
        # locator, and the emulator's cursor of that locator knows the queried object.
        return any(
            self._queried(found["locator"]) in SF_PEOPLE
            for method, path, status in self.requests()[since:]
            if method == "GET" and status == 200 and (found := SF_NEXT_PAGE.match(path))
        )

    def _queried(self, locator: str) -> str | None:
        """The object queried behind ``locator``, or ``None`` once the cursor is gone."""
        org, cursors = self.emulator.org, self.emulator.runtime.cursors
        with org.lock:
            try:
                return cursors.get(locator, org.now()).query.obj.name
            except SalesforceError:
                return None


def _spelled(value: Any) -> str | None:
    """A stored Salesforce value as text: whole numbers (Number fields are doubles) without
    ``.0``, so a score reads as the plan spells it."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
