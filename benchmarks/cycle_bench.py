"""Sync-cycle cost on a large store: the daemon's steady state against an emulated HubSpot.

Seeds 100,000 contacts and 20,000 deals and runs the daemon's cycles on a simulated clock that
moves ``sync_every`` (5 minutes) between cycles: the first (full) cycle, then cycles until the
portal is quiet (each cycle re-reads what changed within the lookback, including the connector's
own write-back). Then it prints:

* a cycle after 1% of contacts changed: API calls vs ceil(changed/200) + write calls + 3, and its
  wall time;
* a cycle with no change in the lookback window: API calls (target <= 3), wall time (< 2 s).

    python benchmarks/cycle_bench.py [--contacts 100000]

The emulator is unthrottled here (the throttled figures are in ``hubspot_sync.py``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hubspot_sync import change_contacts

from adapters.hubspot.emulator import EmulatorOptions, HubSpotEmulator, ManualClock, RateLimits
from adapters.hubspot.emulator.seed import seeded_portal
from connector.config import load_config
from connector.runtime import OWNED_SPECS, build_adapter, build_cycle
from connector.store import Store
from connector.sync import CycleReport, SyncCycle

ROOT = Path(__file__).resolve().parents[1]
SEARCH_PAGE = 200
SYNC_EVERY = timedelta(minutes=5)
WRITE_LABELS = (".batch_update", ".batch_create", ".batch_upsert", ".batch_archive")


def run(cycle: SyncCycle, title: str) -> tuple[CycleReport, float]:
    started = time.perf_counter()
    report = cycle.run()
    seconds = time.perf_counter() - started
    calls = sum(report.api_calls.values())
    print(
        f"  {title}: {seconds:6.1f} s, {calls:,} API calls, pulled {dict(report.pulled)}, "
        f"judged {report.judged:,}, wrote {dict(report.actions)}"
    )
    return report, seconds


def write_calls(report: CycleReport) -> int:
    return sum(n for (label, _), n in report.api_calls.items() if label.endswith(WRITE_LABELS))


def settle(cycle: SyncCycle, clock: ManualClock, limit: int = 16) -> tuple[CycleReport, float]:
    """Run a cycle every ``SYNC_EVERY`` until one pulls nothing; return that quiet cycle."""
    for _ in range(limit):
        clock.advance(SYNC_EVERY.total_seconds())
        report, seconds = run(cycle, "settling cycle")
        if not any(report.pulled.values()):
            return report, seconds
    raise RuntimeError(f"the portal did not settle within {limit} cycles")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args(argv)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    options = EmulatorOptions(limits=RateLimits.unlimited(), now=clock.now)
    started = time.perf_counter()
    portal = seeded_portal(1, args.contacts, clock.now() - timedelta(days=1), options)
    print(f"seeded {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    settings = load_config(ROOT / "config.toml")
    with HubSpotEmulator(options, portal) as emulator, tempfile.TemporaryDirectory() as tmp:
        hubspot = settings.crm.hubspot.model_copy(update={"base_url": emulator.base_url})
        crm = settings.crm.model_copy(update={"hubspot": hubspot})
        settings = replace(settings, crm=crm)
        adapter = build_adapter(settings, {"HUBSPOT_ACCESS_TOKEN": emulator.token}, api_limit=10**6)
        adapter.ensure_schema(OWNED_SPECS)
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            cycle = build_cycle(settings, adapter, store, clock=clock.now)
            run(cycle, "first cycle (full pull, every score written)")
            settle(cycle, clock)
            clock.advance(60)
            changed = change_contacts(portal, 0.01)
            clock.advance(SYNC_EVERY.total_seconds() - 60)
            delta, delta_s = run(cycle, f"cycle after {changed:,} contacts changed")
            quiet, quiet_s = settle(cycle, clock)
        finally:
            store.close()
    delta_calls = sum(delta.api_calls.values())
    bound = math.ceil(changed / SEARCH_PAGE) + write_calls(delta) + 3
    quiet_calls = sum(quiet.api_calls.values())
    figures = [
        (f"cycle after 1% changed: API calls vs bound {bound}", delta_calls <= bound,
         f"{delta_calls} calls = {delta_calls / bound:.2f}x (ceil({changed}/200) + "
         f"{write_calls(delta)} write calls + 3), {delta_s:.1f} s; by endpoint "
         f"{dict(Counter({k[0]: v for k, v in delta.api_calls.items()}))}"),
        ("cycle with no change: API calls <= 3", quiet_calls <= 3,
         f"{quiet_calls} calls {dict(Counter({k[0]: v for k, v in quiet.api_calls.items()}))}"),
        ("cycle with no change: wall time < 2 s", quiet_s < 2.0, f"{quiet_s:.2f} s"),
    ]  # fmt: skip
    for name, ok, detail in figures:
        print(f"{name:<48} {'ok' if ok else 'MISSED':<7} {detail}")
    return 0 if all(ok for _, ok, _ in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
