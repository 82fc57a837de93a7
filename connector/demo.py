"""``smarketing demo``: the whole loop against a built-in emulated CRM, offline, in under a minute.

It seeds an emulated HubSpot portal or Salesforce org with a realistic scenario (reps and managers,
MQLs arriving over 90 days, most touched in time, a tail overdue, some never touched, rejected
leads with and without a reason), runs ``setup`` and a few sync cycles while a simulated clock
moves forward, and tells in plain words what the connector found and wrote.

Both CRMs share the flow; what differs is a small *demo portal* per CRM (:data:`PORTALS`): it
starts that CRM's emulator seeded on the simulated clock and gives the settings pointed at it and
the environment holding its credentials, exactly as an admin would set them for a real account.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.base.protocol import TaskCreate
from adapters.emulation.clock import ManualClock
from adapters.hubspot import emulator as hubspot_emulator
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.hubspot.emulator.standalone import serve as serve_hubspot_emulator
from adapters.salesforce import emulator as salesforce_emulator
from connector.config import Settings
from connector.config.schema import SalesforceAuth
from connector.config.schema import SalesforceSettings as SalesforceSection
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


@dataclass(frozen=True)
class DemoPortal:
    """A running emulated CRM account, and how the connector reaches it.

    Attributes:
        label: How the demo names it (``"Salesforce (emulated)"``).
        settings: The user's settings, pointed at the emulator (``crm`` and ``store``).
        env: The environment variables the settings name, holding the emulator's credentials.
        api_limit: HubSpot's assumed call rate before rate headers arrive (``None`` elsewhere).
    """

    label: str
    settings: Settings
    env: Mapping[str, str]
    api_limit: int | None = None


PortalStarter = Callable[
    [Settings, ManualClock, int, int, Path], AbstractContextManager[DemoPortal]
]
"""``(settings, clock, people, seed, db) -> running portal``; the portal stops on exit."""


def run_demo(
    settings: Settings, echo: Echo, *, crm: str = "hubspot", people: int = 2_000, seed: int = 42
) -> int:
    """Run ``settings``' rules against a seeded emulated ``crm``; return an exit code."""
    clock = ManualClock(DEMO_START)
    echo(f"Seeding an emulated {LABELS[crm]} with {people:,} people (seed {seed})...")
    with (
        tempfile.TemporaryDirectory() as tmp,
        PORTALS[crm](settings, clock, people, seed, Path(tmp) / "demo.db") as portal,
    ):
        local = portal.settings
        adapter = build_adapter(local, env=portal.env, api_limit=portal.api_limit, clock=clock.now)
        created = adapter.ensure_schema(OWNED_SPECS)
        made = ", ".join(created) or "the CRM had them all already"
        echo(f"setup: created {len(created)} of the properties the connector writes ({made})")
        store = Store.open(local.store.url, clock=clock.now)
        try:
            cycle = build_cycle(local, adapter, store, clock=clock.now)
            reports: list[CycleReport] = []
            for title, step in STEPS:
                clock.advance(step.total_seconds())
                report = cycle.run()
                reports.append(report)
                _tell(echo, title, report, store, portal.label)
            echo("")
            for line in summary_lines(local, store, reports, clock.now()):
                echo(line)
        finally:
            store.close()
    return 0


@contextmanager
def hubspot_portal(
    settings: Settings, clock: ManualClock, people: int, seed: int, db: Path
) -> Iterator[DemoPortal]:
    """A seeded HubSpot emulator (plain HTTP, a static private-app token)."""
    options = hubspot_emulator.EmulatorOptions(
        limits=hubspot_emulator.RateLimits.unlimited(), now=clock.now
    )
    portal = seeded_portal(seed, people, DEMO_START, options)
    with hubspot_emulator.HubSpotEmulator(options, portal) as emulator:
        section = settings.crm.hubspot.model_copy(update={"base_url": emulator.base_url})
        local = _pointed_at(settings, "hubspot", {"hubspot": section}, db)
        env = {section.token_env: emulator.token}
        yield DemoPortal("HubSpot (emulated)", local, env, api_limit=UNPACED)


@contextmanager
def salesforce_portal(
    settings: Settings, clock: ManualClock, people: int, seed: int, db: Path
) -> Iterator[DemoPortal]:
    """A seeded Salesforce emulator over TLS, logged in to with OAuth client credentials.

    The emulator's certificate is signed by a throw-away CA, trusted through ``ca_bundle`` only
    (the adapter's session then ignores ``REQUESTS_CA_BUNDLE``); the consumer key and secret are
    those of the External Client App the emulator knows.
    """
    options = salesforce_emulator.EmulatorOptions(
        limits=salesforce_emulator.Limits.unlimited(), now=clock.now
    )
    org = salesforce_emulator.seeded_org(seed, people, DEMO_START, options)
    app = options.clients[0]
    with salesforce_emulator.SalesforceEmulator(options, org) as emulator:
        pointed = {
            "instance_url": emulator.instance_url,
            "ca_bundle": emulator.ca_bundle_path,
            "auth": SalesforceAuth.CLIENT_CREDENTIALS,
            "username": None,
            "private_key_file": None,
        }
        section = settings.crm.salesforce or SalesforceSection(instance_url=emulator.instance_url)
        section = section.model_copy(update=pointed)
        local = _pointed_at(settings, "salesforce", {"salesforce": section}, db)
        env = {
            section.client_id_env: app.consumer_key,
            section.client_secret_env: app.consumer_secret,
        }
        yield DemoPortal("Salesforce (emulated)", local, env)


PORTALS: Mapping[str, PortalStarter] = {"hubspot": hubspot_portal, "salesforce": salesforce_portal}
LABELS: Mapping[str, str] = {"hubspot": "HubSpot portal", "salesforce": "Salesforce org"}


def _pointed_at(settings: Settings, kind: str, section: dict[str, object], db: Path) -> Settings:
    crm = settings.crm.model_copy(update={"kind": kind, **section})
    store = settings.store.model_copy(update={"url": f"sqlite:///{db}"})
    return replace(settings, crm=crm, store=store)


def _tell(echo: Echo, title: str, report: CycleReport, store: Store, label: str) -> None:
    echo("")
    echo(f"== {title}")
    echo(plan_text(report, label))
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
    serve_hubspot_emulator(port=port, seed=seed, records=records)


def serve_salesforce(*, port: int, seed: int, records: int, echo: Echo) -> None:
    """Serve a seeded emulated Salesforce org over TLS until interrupted, for trying a config."""
    app = salesforce_emulator.ClientSpec()
    echo(
        f"Seeding {records:,} Leads (seed {seed}). Then, in config.salesforce.toml, set "
        "[crm.salesforce] instance_url to the URL below and ca_bundle to the CA file it prints, "
        f"and export SALESFORCE_CLIENT_ID={app.consumer_key} "
        f"SALESFORCE_CLIENT_SECRET={app.consumer_secret} (the emulator's test app). "
        "Ctrl-C stops it."
    )
    salesforce_emulator.serve(port=port, seed=seed, records=records)
