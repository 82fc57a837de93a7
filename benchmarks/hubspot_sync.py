"""HubSpot sync benchmark: API calls and wall time against the rate-limit bound, and throughput.

Seeds the emulator with generated contacts and their deals (100,000 and 20,000; ``--quick``: a
tenth), then measures, over real sockets with the real clock:

1. a full pull (contacts, deals, owners) with the emulator limited to 190 requests per 10 s: calls
   against the lower bound ``ceil(contacts/100) + ceil(deals/100) + owner pages + 2`` property
   reads (target <= 1.02x), wall time against ``calls / 19 per s`` (target <= 1.05x), and 429s
   (target 0);
2. the same pull unthrottled, in records per second (target >= 20,000);
3. an incremental pull after 1 % of the contacts changed: calls against ``ceil(changed/200) + 2``
   (target <= 1.0x).

Prints one line per figure and exits 1 when a target is missed.

Usage: ``python benchmarks/hubspot_sync.py [--quick]``
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from figures import Figure

from adapters.base.protocol import Cursor
from adapters.hubspot import HubSpotAdapter, HubSpotSettings
from adapters.hubspot.emulator import EmulatorOptions, HubSpotEmulator, RateLimits
from adapters.hubspot.emulator import ObjectType as HsObject
from adapters.hubspot.emulator.portal import Portal
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.hubspot.emulator.writes import update
from rules.model import ObjectType

BURST = 190
PAGE, SEARCH_PAGE = 100, 200


@dataclass(frozen=True)
class Run:
    """What one pull cost."""

    records: int
    calls: int
    throttled: int
    seconds: float
    cursor: Cursor | None


def seed(people: int) -> Portal:
    """Generated contacts and deals (about one deal per five people), as of yesterday."""
    started = time.perf_counter()
    portal = seeded_portal(1, people, datetime.now(UTC) - timedelta(days=1))
    contacts = len(portal.stores[HsObject.CONTACTS].records)
    deals = len(portal.stores[HsObject.DEALS].records)
    took = time.perf_counter() - started
    print(
        f"seeded {contacts:,} contacts, {deals:,} deals, {len(portal.owners)} owners"
        f" in {took:.1f} s"
    )
    return portal


def adapter_for(emulator: HubSpotEmulator, *, api_limit: int = 100) -> HubSpotAdapter:
    return HubSpotAdapter(
        HubSpotSettings(base_url=emulator.base_url, token=emulator.token, api_limit=api_limit)
    )


def measure(adapter: HubSpotAdapter, work: Callable[[], tuple[int, Cursor | None]]) -> Run:
    """Run ``work`` and read the calls it made off the adapter's client."""
    before = sum(adapter.client.calls.values())
    refused = sum(n for (_, status), n in adapter.client.calls.items() if status == 429)
    started = time.perf_counter()
    records, cursor = work()
    seconds = time.perf_counter() - started
    calls = sum(adapter.client.calls.values()) - before
    throttled = sum(n for (_, status), n in adapter.client.calls.items() if status == 429)
    return Run(records, calls, throttled - refused, seconds, cursor)


def full_pull(adapter: HubSpotAdapter, *, owners: bool) -> tuple[int, Cursor | None]:
    """Every contact and deal (and the owners); returns the count and the contacts' cursor."""
    count, contacts_cursor = 0, None
    for kind in (ObjectType.CONTACT, ObjectType.DEAL):
        for batch in adapter.pull(kind, None, started_at=datetime.now(UTC)):
            count += len(batch.people) + len(batch.deals)
            if kind is ObjectType.CONTACT and batch.cursor is not None:
                contacts_cursor = batch.cursor
    if owners:
        adapter.owners()
    return count, contacts_cursor


def incremental(adapter: HubSpotAdapter, cursor: Cursor) -> tuple[int, Cursor | None]:
    count, last = 0, None
    for batch in adapter.pull(ObjectType.CONTACT, cursor, started_at=datetime.now(UTC)):
        count += len(batch.people)
        last = batch.cursor
    return count, last


def change_contacts(portal: Portal, share: float) -> int:
    """Edit every ``1/share``-th contact as a rep would; returns how many changed."""
    store = portal.stores[HsObject.CONTACTS]
    step = round(1 / share)
    with portal.lock:
        records = list(store.iter_live())[::step]
        for record in records:
            update(portal, HsObject.CONTACTS, record, {"jobtitle": "Benchmark Buyer"})
    return len(records)


def throttled_figures(portal: Portal) -> list[Figure]:
    contacts = len(portal.stores[HsObject.CONTACTS].records)
    deals = len(portal.stores[HsObject.DEALS].records)
    owner_pages = max(1, math.ceil(len(portal.owners) / PAGE))
    limits = RateLimits(burst=BURST)
    with HubSpotEmulator(EmulatorOptions(limits=limits), portal) as emulator:
        adapter = adapter_for(emulator)
        run = measure(adapter, lambda: full_pull(adapter, owners=True))
    bound_calls = math.ceil(contacts / PAGE) + math.ceil(deals / PAGE) + owner_pages + 2
    bound_seconds = run.calls / (BURST / 10)
    return [
        Figure("full pull, 190/10 s: API calls", run.calls, bound_calls, "calls", "<= 1.02x",
               run.calls <= 1.02 * bound_calls),
        Figure("full pull, 190/10 s: wall time", run.seconds, bound_seconds, "s", "<= 1.05x",
               run.seconds <= 1.05 * bound_seconds),
        Figure("full pull, 190/10 s: 429 responses", run.throttled, 0, "429s", "0",
               run.throttled == 0),
    ]  # fmt: skip


def unthrottled_figures(portal: Portal) -> list[Figure]:
    options = EmulatorOptions(limits=RateLimits.unlimited())
    with HubSpotEmulator(options, portal) as emulator:
        # No rate headers come back unthrottled, so the assumed window must not be the limit.
        adapter = adapter_for(emulator, api_limit=1_000_000)
        run = measure(adapter, lambda: full_pull(adapter, owners=False))
        cursor = run.cursor
        if cursor is None:
            raise RuntimeError("the full pull returned no cursor")
        changed = change_contacts(portal, 0.01)
        delta = measure(adapter, lambda: incremental(adapter, cursor))
    rate = run.records / run.seconds
    bound = math.ceil(changed / SEARCH_PAGE) + 2
    return [
        Figure("full pull, unthrottled: records per second", rate, 20_000, "rec/s", ">= 20,000",
               rate >= 20_000),
        Figure(f"incremental after {changed:,} changes: API calls", delta.calls, bound, "calls",
               "<= 1.0x", delta.calls <= bound and delta.records >= changed),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 contacts instead of 100,000")
    args = parser.parse_args(argv)
    portal = seed(10_000 if args.quick else 100_000)
    figures = throttled_figures(portal) + unthrottled_figures(portal)
    for figure in figures:
        print(figure.line())
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
