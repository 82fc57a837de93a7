"""Load a portal from a CRM-neutral :class:`~adapters.scenario.Scenario` (fact sheet §6-§11).

How the scenario's canonical values are expressed in HubSpot:

- **Lifecycle stages**: subscriber, lead, opportunity, customer, evangelist, other keep their names;
  ``mql`` → ``marketingqualifiedlead``; ``sql`` → ``salesqualifiedlead``. HubSpot has **no SAL
  stage**: an accepted lead keeps ``lifecyclestage=marketingqualifiedlead`` and gets
  ``hs_lead_status=IN_PROGRESS`` at the moment of acceptance (a status-history entry), so SAL is
  "MQL and lead status IN_PROGRESS", and its entry time is that history entry's timestamp.
- **Lead statuses**: new → ``NEW``, attempting → ``ATTEMPTED_TO_CONTACT``, connected →
  ``CONNECTED``, qualified → ``OPEN_DEAL``, disqualified → ``UNQUALIFIED``, recycled →
  ``BAD_TIMING`` (the default options, §10).
- Stage dates: ``hs_v2_date_entered_*``/``exited_*`` and ``hs_lifecyclestage_*_date`` from the
  timeline; ``lifecyclestage``, ``hs_lead_status``, ``hubspot_owner_id`` and
  ``smarketing_rejection_reason`` carry full property history (sales moves as ``CRM_UI`` by the
  owner, marketing moves as ``FORM``).
- Engagement: ``hs_analytics_source``, ``hs_analytics_num_page_views``, ``num_conversion_events``
  (form submissions), ``hs_email_click``, ``hs_email_last_click_date``, ``recent_conversion_date``;
  first touch → ``hs_sa_first_engagement_date``; the rejection reason → the custom enumeration
  ``smarketing_rejection_reason`` (placeholders such as ``Select`` are options, as in real portals).
- Fit: ``country`` holds the country's name (free text in HubSpot: "United States", not ``US``);
  ``industry`` the internal value of HubSpot's company industry options (:data:`INDUSTRY_VALUES`:
  ``COMPUTER_SOFTWARE``), on the company and on its contacts (portals copy it there).
- Companies are made per domain and associated to their people (primary, types 1 and 279); deals sit
  in the default pipeline with their stage history and are associated to their people (type 3) and
  their first person's company (type 5); every activity becomes a completed task (type 204).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import datetime

from adapters.scenario import (
    PLACEHOLDER_REASONS,
    REJECTION_REASONS,
    Industry,
    Scenario,
    ScenarioOwner,
    ScenarioPerson,
    generate,
)

from .associations import TYPES
from .objects import ObjectType
from .options import EmulatorOptions
from .owners import Owner, Team
from .portal import Portal
from .records import HistoryEntry, Record
from .schema import Option, PropertyDef, PropertyGroup, PropertyType
from .seed_deals import load_deals, load_tasks
from .timefmt import iso_datetime, to_ms

STAGE_VALUES = {
    "subscriber": "subscriber",
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sal": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
    "evangelist": "evangelist",
    "other": "other",
}
STATUS_VALUES = {
    "new": "NEW",
    "attempting": "ATTEMPTED_TO_CONTACT",
    "connected": "CONNECTED",
    "qualified": "OPEN_DEAL",
    "disqualified": "UNQUALIFIED",
    "recycled": "BAD_TIMING",
}
ACCEPTED_STATUS = "IN_PROGRESS"
INDUSTRY_VALUES: dict[Industry, str] = {
    Industry.SOFTWARE: "COMPUTER_SOFTWARE",
    Industry.IT_SERVICES: "INFORMATION_TECHNOLOGY_AND_SERVICES",
    Industry.FINANCIAL_SERVICES: "FINANCIAL_SERVICES",
    Industry.MARKETING: "MARKETING_AND_ADVERTISING",
    Industry.MANUFACTURING: "MECHANICAL_OR_INDUSTRIAL_ENGINEERING",
    Industry.RETAIL: "RETAIL",
    Industry.HEALTHCARE: "HOSPITAL_HEALTH_CARE",
    Industry.EDUCATION: "EDUCATION_MANAGEMENT",
    Industry.LOGISTICS: "LOGISTICS_AND_SUPPLY_CHAIN",
    Industry.TELECOMMUNICATIONS: "TELECOMMUNICATIONS",
    Industry.REAL_ESTATE: "REAL_ESTATE",
    Industry.MEDIA: "ONLINE_MEDIA",
    Industry.ENERGY: "OIL_ENERGY",
    Industry.NON_PROFIT: "NON_PROFIT_ORGANIZATION_MANAGEMENT",
}
"""Scenario industries → internal values of HubSpot's company ``industry`` options (its labels
are LinkedIn's industries: "Computer Software", "Information Technology and Services", ...)."""
_MARKETING_STAGES = frozenset({"subscriber", "lead", "mql", "other"})
_EMPLOYEE_BUCKETS = (
    (5, "1-5"),
    (25, "5-25"),
    (50, "25-50"),
    (100, "50-100"),
    (500, "100-500"),
    (1000, "500-1000"),
)


_ms, _iso = to_ms, iso_datetime


def _maybe_iso(moment: datetime | None) -> str | None:
    return None if moment is None else _iso(moment)


def user_id(owner_id: str) -> int:
    """The HubSpot ``userId`` of a scenario owner (a stable number distinct from the owner id)."""
    return 7_000_000 + sum((index + 1) * ord(char) for index, char in enumerate(owner_id)) * 131


def employees_range(count: int) -> str:
    """The ``numemployees`` option that covers ``count``."""
    return next((label for limit, label in _EMPLOYEE_BUCKETS if count <= limit), "1000+")


def load(portal: Portal, scenario: Scenario) -> None:
    """Fill ``portal`` with the scenario's owners, companies, contacts, deals and tasks.

    Deterministic: the same scenario gives the same ids and values. Bulk inserts bypass the API
    validation but keep every index (search, unique email) consistent.
    """
    # Millions of small objects: the cyclic GC would rescan them on every generation-2 pass and
    # triple the load time; none of them form cycles that need collecting during the load.
    # gc.freeze() then moves them to the permanent generation, so collections triggered while
    # serving never rescan the portal (they cost seconds at 100,000 contacts otherwise).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _load(portal, scenario)
    finally:
        gc.freeze()
        if gc_was_enabled:
            gc.enable()


def _load(portal: Portal, scenario: Scenario) -> None:
    with portal.lock:
        _define_custom(portal)
        portal.add_owners(_owner(o) for o in scenario.owners)
        users = {o.id: user_id(o.id) for o in scenario.owners}
        companies = _companies(portal, scenario.people)
        contacts = _contacts(portal, scenario.people, users, companies)
        load_deals(portal, scenario.deals, users, contacts, companies)
        load_tasks(portal, scenario.people, contacts)
        for store in portal.stores.values():
            store.rebuild_index()


def _define_custom(portal: Portal) -> None:
    registry = portal.registries[ObjectType.CONTACTS]
    registry.groups.setdefault("smarketing", PropertyGroup("smarketing", "Smarketing"))
    values = [*REJECTION_REASONS, *(p for p in PLACEHOLDER_REASONS if p)]
    registry.properties["smarketing_rejection_reason"] = PropertyDef(
        name="smarketing_rejection_reason",
        label="Rejection reason",
        type=PropertyType.ENUMERATION,
        field_type="select",
        group_name="smarketing",
        options=tuple(Option(value, value, index) for index, value in enumerate(values)),
        hubspot_defined=False,
    )
    registry.properties["hs_email_click"] = PropertyDef(
        "hs_email_click",
        "Marketing emails clicked",
        PropertyType.NUMBER,
        "number",
        "analyticsinformation",
        read_only_value=True,
    )


def _owner(owner: ScenarioOwner) -> Owner:
    team = Team(owner.team.lower().replace(" ", "-"), owner.team)
    return Owner(
        owner.id, owner.email, owner.first_name, owner.last_name, user_id(owner.id), (team,)
    )


def _companies(portal: Portal, people: Iterable[ScenarioPerson]) -> dict[str, int]:
    """One company per domain, created with its first person; returns domain → id."""
    first: dict[str, ScenarioPerson] = {}
    last: dict[str, datetime] = {}
    for person in people:
        first.setdefault(person.domain, person)
        last[person.domain] = max(last.get(person.domain, person.updated_at), person.updated_at)
    ordered = sorted(first.values(), key=lambda p: (p.created_at, p.key))
    store, start = portal.stores[ObjectType.COMPANIES], portal.reserve_ids(len(ordered))
    ids: dict[str, int] = {}
    for offset, person in enumerate(ordered):
        record_id = start + offset
        created, updated = person.created_at, last[person.domain]
        props = {
            "hs_object_id": str(record_id),
            "name": person.company,
            "domain": person.domain,
            "industry": INDUSTRY_VALUES[person.industry],
            "country": person.country.name,
            "numberofemployees": str(person.numemployees),
            "createdate": _iso(created),
            "hs_lastmodifieddate": _iso(updated),
        }
        store.add(Record(record_id, props, _ms(created), _ms(updated)), index=False)
        ids[person.domain] = record_id
    return ids


def _stage_props(
    props: dict[str, str],
    history: list[HistoryEntry],
    timeline: list[tuple[str, datetime, str, int | None]],
) -> None:
    """Lifecycle value, history and stage dates from ``(value, at, source, user)`` steps (§10)."""
    previous: str | None = None
    for value, at, source, user in timeline:
        if value == previous:
            continue
        stamp = _iso(at)
        if previous is not None:
            props[f"hs_v2_date_exited_{previous}"] = stamp
        props[f"hs_v2_date_entered_{value}"] = stamp
        props.setdefault(f"hs_lifecyclestage_{value}_date", stamp)
        history.append(
            HistoryEntry(value, _ms(at), source, None if user is None else f"userId:{user}", user)
        )
        previous = value
    if previous is not None:
        props["lifecyclestage"] = previous


def _statuses(person: ScenarioPerson, user: int | None) -> list[HistoryEntry]:
    """Lead-status history, with ``IN_PROGRESS`` inserted at SAL acceptance."""
    steps = [(at, STATUS_VALUES[status.value]) for status, at in person.statuses]
    accepted = next((at for stage, at in person.stages if stage.value == "sal"), None)
    if accepted is not None:
        steps.append((accepted, ACCEPTED_STATUS))
        steps.sort(key=lambda step: step[0])
    source, sid = ("CRM_UI", f"userId:{user}") if user is not None else ("CALCULATED", None)
    return [HistoryEntry(value, _ms(at), source, sid, user) for at, value in steps]


def _contacts(
    portal: Portal,
    people: Iterable[ScenarioPerson],
    users: dict[str, int],
    companies: dict[str, int],
) -> dict[int, int]:
    """Insert contacts in creation order; returns scenario key → contact id."""
    ordered = sorted(people, key=lambda p: (p.created_at, p.key))
    store, start = portal.stores[ObjectType.CONTACTS], portal.reserve_ids(len(ordered))
    links = portal.associations
    ids: dict[int, int] = {}
    for offset, person in enumerate(ordered):
        record_id = start + offset
        record = _contact(record_id, person, users)
        store.add(record, index=False)
        ids[person.key] = record_id
        company_id = companies[person.domain]
        links.add(TYPES[1], record_id, company_id)
        links.add(TYPES[279], record_id, company_id)
    return ids


def _contact(record_id: int, person: ScenarioPerson, users: dict[str, int]) -> Record:
    user = users.get(person.owner_id) if person.owner_id else None
    created_ms = _ms(person.created_at)
    origin = "IMPORT" if person.source == "OFFLINE" else "FORM"
    props = {
        "hs_object_id": str(record_id),
        "email": person.email,
        "firstname": person.first_name,
        "lastname": person.last_name,
        "company": person.company,
        "jobtitle": person.jobtitle,
        "numemployees": employees_range(person.numemployees),
        "industry": INDUSTRY_VALUES[person.industry],
        "country": person.country.name,
        "hs_analytics_source": person.source,
        "hs_analytics_num_page_views": str(person.page_views),
        "num_conversion_events": str(person.form_submissions),
        "hs_email_click": str(person.email_clicks),
        "createdate": _iso(person.created_at),
    }
    history: dict[str, list[HistoryEntry]] = {}
    stage_history: list[HistoryEntry] = []
    timeline = [
        (
            STAGE_VALUES[stage.value],
            at,
            origin if stage.value in _MARKETING_STAGES else "CRM_UI",
            None if stage.value in _MARKETING_STAGES else user,
        )
        for stage, at in person.stages
    ]
    _stage_props(props, stage_history, timeline)
    history["lifecyclestage"] = stage_history
    statuses = _statuses(person, user)
    if statuses:
        history["hs_lead_status"] = statuses
        props["hs_lead_status"] = statuses[-1].value
    last = max(
        [person.updated_at, *(at for _, at in person.stages), *(a.at for a in person.activities)]
    )
    optional: dict[str, str | None] = {
        "hubspot_owner_id": person.owner_id,
        "smarketing_rejection_reason": person.rejection_reason,
        "hs_sa_first_engagement_date": _maybe_iso(person.first_touch_at),
        "hs_email_last_click_date": _maybe_iso(person.last_click_at),
        "recent_conversion_date": _maybe_iso(person.recent_conversion_at),
    }
    if person.activities:
        latest = _iso(max(a.at for a in person.activities))
        optional["hs_last_sales_activity_timestamp"] = optional["notes_last_contacted"] = latest
    for name, value in optional.items():
        if value is not None:
            props[name] = value
    for name in ("hubspot_owner_id", "smarketing_rejection_reason"):
        if name in props:
            history[name] = [
                HistoryEntry(props[name], created_ms, "CRM_UI" if user else origin, None, user)
            ]
    props["lastmodifieddate"] = _iso(last)
    return Record(record_id, props, created_ms, _ms(last), history)


def seeded_portal(
    seed: int, people: int, now: datetime, options: EmulatorOptions | None = None
) -> Portal:
    """A portal holding ``generate(seed, people, now)``; same arguments, same data."""
    options = options or EmulatorOptions()
    portal = Portal(options.now, options.behaviour, options.portal_id, options.app_id)
    load(portal, generate(seed, people, now))
    return portal
