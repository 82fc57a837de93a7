"""Salesforce sync benchmark: API calls against the lower bound of the query API, and throughput.

Seeds the emulator with generated people (100,000 Leads and about 20,000 Opportunities;
``--quick``: a tenth), then measures, over real TLS sockets with the real clock:

1. a full pull of Leads and Opportunities: calls against ``ceil(rows/2000)`` per object read (§3:
   2,000 rows per page), target <= 1.05x. The Opportunities' stage history is an object read of
   its own: their OpportunityHistory rows (§12) count like any other;
2. an incremental cycle (Leads, then Opportunities) after 1 % of each changed: calls against
   ``ceil(changed/2000)`` per object, plus ``ceil(history rows of the changed Opportunities/2000)``,
   target <= 1.05x;
3. when the adapter can write: score updates for the changed Leads against ``ceil(writes/200)``
   (§5: 200 records per collection call), target <= 1.05x.

"Calls" are metered API calls (what the daily allocation counts, §10); the OAuth login is printed
apart. Describes are counted: one per object per hour (``pull.DESCRIBE_TTL``). With ``--quick``
those fixed calls would dominate the ratio of a pull of a few pages, so the quick bound includes
them. Prints one line per figure and exits 1 when a target is missed.

Usage: ``python benchmarks/salesforce_sync.py [--quick]``
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from figures import Figure

from adapters.base.protocol import Cursor, PropertyUpdate
from adapters.salesforce import SalesforceAdapter, SalesforceSettings
from adapters.salesforce.emulator import EmulatorOptions, Limits, Org, SalesforceEmulator
from adapters.salesforce.emulator.errors import SalesforceError
from adapters.salesforce.emulator.fields import number
from adapters.salesforce.emulator.schema import FieldType
from adapters.salesforce.emulator.seed import seeded_org
from adapters.salesforce.emulator.writes import update
from rules.model import ObjectType

PAGE, COLLECTION = 2_000, 200
TARGET = 1.05
KINDS = (ObjectType.LEAD, ObjectType.DEAL)
SOBJECTS = {ObjectType.LEAD: "Lead", ObjectType.DEAL: "Opportunity"}
HISTORY = "OpportunityHistory"


@dataclass(frozen=True)
class Run:
    """What one step cost."""

    rows: int
    calls: int
    logins: int
    seconds: float
    cursors: dict[ObjectType, Cursor]


def seed(people: int) -> Org:
    """Generated Leads, Contacts and Opportunities, as of yesterday."""
    started = time.perf_counter()
    options = EmulatorOptions(limits=Limits.unlimited())
    org = seeded_org(1, people, datetime.now(UTC) - timedelta(days=1), options)
    names = ("Lead", "Contact", "Opportunity", HISTORY)
    counts = {name: len(org.tables[name].rows) for name in names}
    took = time.perf_counter() - started
    print(f"seeded {counts} in {took:.1f} s")
    return org


def adapter_for(emulator: SalesforceEmulator) -> SalesforceAdapter:
    client = emulator.runtime.options.clients[0]
    settings = SalesforceSettings(
        instance_url=emulator.instance_url,
        auth="client_credentials",
        client_id=client.consumer_key,
        client_secret=client.consumer_secret,
        ca_bundle=emulator.ca_bundle_path,
    )
    return SalesforceAdapter(settings)


def measure(
    adapter: SalesforceAdapter, work: Callable[[], tuple[int, dict[ObjectType, Cursor]]]
) -> Run:
    """Run ``work`` and read the calls it made off the adapter's client."""

    def counts() -> tuple[int, int]:
        usage = adapter.usage()
        logins = sum(n for (label, _), n in usage.items() if label == "oauth2/token")
        return sum(usage.values()) - logins, logins

    calls_before, logins_before = counts()
    started = time.perf_counter()
    rows, cursors = work()
    seconds = time.perf_counter() - started
    calls, logins = counts()
    return Run(rows, calls - calls_before, logins - logins_before, seconds, cursors)


def cycle(
    adapter: SalesforceAdapter, cursors: dict[ObjectType, Cursor] | None
) -> tuple[int, dict[ObjectType, Cursor]]:
    """One pull of Leads then Opportunities (a sync cycle's order), from ``cursors`` or full."""
    started_at = datetime.now(UTC)
    rows, last = 0, {}
    for kind in KINDS:
        cursor = None if cursors is None else cursors[kind]
        for batch in adapter.pull(kind, cursor, started_at=started_at):
            rows += (
                len(batch.people) + len(batch.deals) + len(batch.merges) + len(batch.deleted_ids)
            )
            if batch.cursor is not None:
                last[kind] = batch.cursor
    return rows, last


def change(org: Org, share: float) -> dict[str, list[str]]:
    """Edit ``share`` of the live, unconverted Leads and Opportunities as a rep would (spread
    evenly); rows the org's validation rule refuses to save as they are (a disqualified lead
    without a reason) are passed over, as a rep's save would fail."""
    changed: dict[str, list[str]] = {}
    with org.lock:
        for sobject, field in (("Lead", "Title"), ("Opportunity", "Name")):
            rows = [
                r for r in org.tables[sobject].rows.values()
                if not r["IsDeleted"] and not r.get("IsConverted")
            ]  # fmt: skip
            wanted, step, done = round(len(rows) * share), round(1 / share), []
            for row in rows[::step] + rows[1::step]:
                if len(done) == wanted:
                    break
                try:
                    update(org, sobject, row["Id"], {field: f"Benchmark {row['Id'][-6:]}"})
                except SalesforceError:
                    continue
                done.append(row["Id"])
            changed[sobject] = done
    return changed


def bound(counts: dict[str, int], per_page: int, extra: int = 0) -> int:
    return sum(math.ceil(n / per_page) for n in counts.values()) + extra


def history_rows(org: Org, opportunities: set[str] | None = None) -> int:
    """Live OpportunityHistory rows, of ``opportunities`` only when given (the stage history the
    pull reads with the Opportunities, §12)."""
    with org.lock:
        return sum(
            not row["IsDeleted"]
            and (opportunities is None or row["OpportunityId"] in opportunities)
            for row in org.tables[HISTORY].rows.values()
        )


def figures(org: Org, quick: bool) -> list[Figure]:
    rows = {name: len(org.tables[name].rows) for name in ("Lead", "Opportunity")}
    rows[HISTORY] = history_rows(org)
    describes = len(KINDS) if quick else 0
    out: list[Figure] = []
    with SalesforceEmulator(EmulatorOptions(limits=Limits.unlimited()), org) as emulator:
        adapter = adapter_for(emulator)
        full = measure(adapter, lambda: cycle(adapter, None))
        full_bound = bound(rows, PAGE, describes)
        out.append(Figure("full pull: API calls", full.calls, full_bound, "calls",
                          f"<= {TARGET}x", full.calls <= TARGET * full_bound))  # fmt: skip
        out.append(Figure("full pull: rows per second", full.rows / full.seconds, 0, "rows/s",
                          "-", True))  # fmt: skip
        changed = change(org, 0.01)
        delta = measure(adapter, lambda: cycle(adapter, full.cursors))
        counts = {name: len(ids) for name, ids in changed.items()}
        history = history_rows(org, set(changed["Opportunity"]))
        delta_bound = bound({**counts, HISTORY: history}, PAGE)
        name = f"incremental after {sum(counts.values()):,} changes: API calls"
        out.append(Figure(name, delta.calls, delta_bound, "calls", f"<= {TARGET}x",
                          delta.calls <= TARGET * delta_bound
                          and delta.rows >= sum(counts.values())))  # fmt: skip
        out += write_figures(org, adapter, changed["Lead"])
        print(f"logins: {full.logins + delta.logins} (OAuth token calls, not metered)")
    return out


def write_figures(org: Org, adapter: SalesforceAdapter, leads: list[str]) -> list[Figure]:
    """Score updates for the changed Leads, if the adapter can write yet."""
    with org.lock:
        org.add_field("Lead", number("Smarketing_Score__c", FieldType.DOUBLE, 3))
    actions = [
        PropertyUpdate(f"bench-{i}", ObjectType.LEAD, lead, "smarketing_score", "70")
        for i, lead in enumerate(leads)
    ]
    try:
        run = measure(adapter, lambda: (len(adapter.apply(actions)), {}))
    except NotImplementedError as exc:
        print(f"writes: skipped ({exc})")
        return []
    reference = math.ceil(len(actions) / COLLECTION)
    return [Figure(f"{len(actions):,} score updates: API calls", run.calls, reference, "calls",
                   f"<= {TARGET}x", run.calls <= TARGET * reference)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 people instead of 100,000")
    args = parser.parse_args(argv)
    # A seeded org lacks the fields the connector writes until setup: that warning is expected.
    logging.getLogger("smarketing.salesforce.pull").setLevel(logging.ERROR)
    org = seed(10_000 if args.quick else 100_000)
    results = figures(org, args.quick)
    for figure in results:
        print(figure.line())
    return 0 if all(f.ok for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
