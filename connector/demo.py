"""``smarketing demo``: the whole loop against a built-in emulated CRM, offline, in under a minute.

It seeds an emulated HubSpot portal with a realistic scenario (reps and managers, MQLs arriving over
90 days, most touched in time, a tail overdue, some never touched, rejected leads with and without
a reason), runs ``setup`` and a few sync cycles while a simulated clock moves forward, and tells in
plain words what the connector found and wrote.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.base.protocol import TaskCreate
from adapters.hubspot.emulator import EmulatorOptions, HubSpotEmulator, ManualClock, RateLimits
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.hubspot.emulator.standalone import serve
from connector.config import Settings
from connector.demo_story import summary_lines
from connector.render import plan_text
from connector.runtime import OWNED_SPECS, build_adapter, build_cycle
from connector.store import Store
from connector.sync import CycleReport

DEMO_START = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)  # Monday 10:30 in Kyiv
STEPS: tuple[tuple[str, timedelta], ...] = (
    ("Monday 10:30 Kyiv: first sync", timedelta()),
    ("Two hours later: clocks keep running with no CRM change", timedelta(hours=2)),
    ("Tuesday 12:30 Kyiv: unanswered MQLs escalate", timedelta(hours=24)),
)

Echo = Callable[[str], None]
UNPACED = 1_000_000  # the emulated portal is unthrottled and sends no rate headers


def run_demo(settings: Settings, echo: Echo, *, people: int = 2_000, seed: int = 42) -> int:
    """Run the demo with ``settings``' rules against a seeded emulator; return an exit code."""
    clock = ManualClock(DEMO_START)
    options = EmulatorOptions(limits=RateLimits.unlimited(), now=clock.now)
    echo(f"Seeding an emulated HubSpot portal with {people:,} people (seed {seed})...")
    portal = seeded_portal(seed, people, DEMO_START, options)
    with HubSpotEmulator(options, portal) as emulator, tempfile.TemporaryDirectory() as tmp:
        local = _pointed_at(settings, emulator.base_url, Path(tmp) / "demo.db")
        adapter = build_adapter(
            local, env={local.crm.hubspot.token_env: emulator.token}, api_limit=UNPACED
        )
        created = adapter.ensure_schema(OWNED_SPECS)
        echo(f"setup: created {len(created)} properties and the task key ({', '.join(created)})")
        store = Store.open(local.store.url, clock=clock.now)
        try:
            cycle = build_cycle(local, adapter, store, clock=clock.now)
            reports: list[CycleReport] = []
            for title, step in STEPS:
                clock.advance(step.total_seconds())
                report = cycle.run()
                reports.append(report)
                _tell(echo, title, report, store)
            echo("")
            for line in summary_lines(local, store, reports, clock.now()):
                echo(line)
        finally:
            store.close()
    return 0


def _pointed_at(settings: Settings, base_url: str, db: Path) -> Settings:
    hubspot = settings.crm.hubspot.model_copy(update={"base_url": base_url})
    crm = settings.crm.model_copy(update={"kind": "hubspot", "hubspot": hubspot})
    store = settings.store.model_copy(update={"url": f"sqlite:///{db}"})
    return replace(settings, crm=crm, store=store)


def _tell(echo: Echo, title: str, report: CycleReport, store: Store) -> None:
    echo("")
    echo(f"== {title}")
    echo(plan_text(report, "HubSpot (emulated)"))
    owners = store.owners()
    created = Counter(
        owners[a.owner_id].name if a.owner_id in owners else "(unassigned)"
        for a in _task_creates(report)
    )
    for name, count in sorted(created.items(), key=lambda kv: (-kv[1], kv[0])):
        echo(f"  tasks created for {name}: {count}")
    states = Counter(str(r.state) for d in report.decisions for r in d.sla)
    if states:
        echo("  SLA clocks judged: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    calls = sum(report.api_calls.values())
    echo(f"  API calls this cycle: {calls:,} ({report.rate_limited} rate-limited)")


def _task_creates(report: CycleReport) -> list[TaskCreate]:
    return [a for a in report.plan if isinstance(a, TaskCreate)]


def serve_hubspot(*, port: int, seed: int, records: int, echo: Echo) -> None:
    """Serve a seeded emulated HubSpot until interrupted, for trying a config by hand."""
    echo(
        f"Seeding {records:,} people (seed {seed}). Then set [crm.hubspot] base_url to the URL "
        "below and HUBSPOT_ACCESS_TOKEN to the token it prints. Ctrl-C stops it."
    )
    serve(port=port, seed=seed, records=records)
