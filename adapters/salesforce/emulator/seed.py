"""Load an org from a CRM-neutral :class:`~adapters.scenario.Scenario` (fact sheet §12, §14).

How the scenario is expressed in Salesforce (:mod:`.seed_schema` has the value tables):

- **Owners** become Users (``ManagerId``, ``TimeZoneSidKey``; owners without a zone get the org's,
  Europe/Kyiv); unowned people belong to the ``Marketing Queue`` (a ``00G`` Group, §12).
- **People** become Leads, numbered by creation time. Everyone starts ``Open - Not Contacted`` in
  the queue; people who reach MQL are routed to their rep at that moment (an ``Owner`` history
  row), named accounts are owned from creation. ``Status`` follows the status timeline and
  ``Lifecycle_Stage__c`` the stage timeline, each change with its LeadHistory row (§12) and the
  stage's ``<Stage>_Date__c``. A disqualification sets ``Rejection_Reason__c`` (with history).
- **Conversion**: a person is converted when their first deal is created (the deal that made them
  an opportunity, or a pilot for an SQL): ``Status`` becomes ``Closed - Converted``, a Contact and
  (per company domain) an Account are created, the deal is the ``ConvertedOpportunityId``, and the
  Lead is frozen from then on. As conversion maps them, the Lead's company fields (``Industry``,
  ``NumberOfEmployees``, ``Website``, ``Country`` as ``BillingCountry``) are on the Account and its
  ``Title`` and ``Country`` (as ``MailingCountry``) on the Contact. Later stages (Opportunity,
  Customer, Evangelist) live on the Contact's ``Lifecycle_Stage__c`` and date fields; as
  Salesforce does, the person's tasks point at the Contact after conversion.
- **Deals** become Opportunities on the first person's Account, with Salesforce's default stages
  and one OpportunityHistory row per stage entry; **activities** become completed Tasks
  (``TaskSubtype`` Call/Email/Task, ``ActivityDate`` a date, ``WhoId`` the Lead or Contact).
- Business hours are Mon-Fri 09:00-17:00 Europe/Kyiv, as the scenario's office; no holidays.
"""

from __future__ import annotations

import gc
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from adapters.scenario import Scenario, ScenarioPerson, generate
from rules.model import LeadStatus, Stage

from .history import lead_history_row
from .options import EmulatorOptions
from .org import Org
from .seed_loader import Loader, SeedConversion, conversions, engagement, source_label, stage_fields
from .seed_sales import load_accounts_contacts, load_opportunities, load_tasks
from .seed_schema import (
    CONVERTED_STATUS,
    INDUSTRY_VALUES,
    ORG_TIMEZONE,
    STAGE_LABELS,
    STATUS_VALUES,
    define_org,
)
from .store import Row

_MARKETING = frozenset({Stage.SUBSCRIBER, Stage.LEAD, Stage.MQL, Stage.OTHER})
_START = STATUS_VALUES[LeadStatus.NEW]
_DQ = LeadStatus.DISQUALIFIED


def load(org: Org, scenario: Scenario, *, connector_fields: bool = True) -> None:
    """Fill ``org`` with the scenario; deterministic for the same scenario.

    ``connector_fields=False`` leaves out the fields the connector writes (:mod:`.seed_schema`).

    Millions of small objects: the cyclic GC would rescan them on every generation-2 pass, so it is
    paused during the load, and ``gc.freeze()`` then keeps collections while serving from rescanning
    the org.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with org.lock:
            _load(org, scenario, connector_fields=connector_fields)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _load(org: Org, scenario: Scenario, *, connector_fields: bool = True) -> None:
    queue = define_org(org, connector_fields=connector_fields)
    loader = Loader(org)
    loader.queue = queue
    _users(loader, scenario)
    loader.conversions = conversions(scenario.deals)
    load_accounts_contacts(loader, scenario)
    load_opportunities(loader, scenario)
    people = sorted(scenario.people, key=lambda p: (p.created_at, p.key))
    for person in people:
        _lead(loader, person)
    load_tasks(loader, scenario)
    for table in org.tables.values():
        table.rebuild()


def _users(loader: Loader, scenario: Scenario) -> None:
    since = scenario.now - timedelta(days=365)
    for owner in scenario.owners:
        loader.users[owner.id] = loader.org.new_id("005")
    for owner in scenario.owners:
        title = "Sales Manager" if owner.is_manager else "Account Executive"
        values = {
            "Username": owner.email,
            "FirstName": owner.first_name,
            "LastName": owner.last_name,
            "Name": f"{owner.first_name} {owner.last_name}",
            "Email": owner.email,
            "Alias": (owner.first_name[0] + owner.last_name[:4]).lower(),
            "IsActive": True,
            "TimeZoneSidKey": owner.timezone or ORG_TIMEZONE,
            "ManagerId": loader.user_of(owner.manager_id),
            "UserType": "Standard",
            "Title": title,
            "Department": owner.team,
        }
        loader.add("User", values, since, record_id=loader.users[owner.id])


def _lead(loader: Loader, person: ScenarioPerson) -> None:
    conversion = loader.conversions.get(person.key)
    cutoff = None if conversion is None else conversion.at
    stages = [(s, at) for s, at in person.stages if cutoff is None or at <= cutoff]
    statuses = [
        (STATUS_VALUES[s], at) for s, at in person.statuses if cutoff is None or at <= cutoff
    ]
    owner = loader.user_of(person.owner_id)
    routed = person.entered(Stage.MQL)
    assigned = routed if owner is not None and routed is not None else person.created_at
    values: dict[str, Any] = {
        "FirstName": person.first_name,
        "LastName": person.last_name,
        "Email": person.email,
        "Company": person.company,
        "Title": person.jobtitle,
        "NumberOfEmployees": person.numemployees,
        "Industry": INDUSTRY_VALUES[person.industry],
        "Country": person.country.name,
        "Website": person.domain,
        "LeadSource": source_label(person.source),
        "Status": statuses[-1][0] if statuses else _START,
        "OwnerId": owner or loader.queue,
        "Rejection_Reason__c": person.rejection_reason or None,
        **stage_fields(stages),
        **engagement(person),
    }
    touched = [a.at for a in person.activities if cutoff is None or a.at <= cutoff]
    if touched:
        values["LastActivityDate"] = max(touched).date().isoformat()
    changes = [at for _, at in stages] + [at for _, at in statuses] + [assigned]
    modified = max([*changes, person.updated_at if cutoff is None else cutoff])
    if conversion is not None:
        values.update(_converted(loader, person, conversion))
    row = loader.add("Lead", values, person.created_at, modified)
    loader.leads[person.key] = row["Id"]
    _lead_history(
        loader,
        person,
        row,
        stages=stages,
        statuses=statuses,
        assigned=assigned,
        conversion=conversion,
    )


def _converted(
    loader: Loader, person: ScenarioPerson, conversion: SeedConversion
) -> dict[str, Any]:
    return {
        "Status": CONVERTED_STATUS,
        "IsConverted": True,
        "ConvertedDate": conversion.at.date().isoformat(),
        "ConvertedAccountId": loader.accounts.get(person.domain),
        "ConvertedContactId": loader.contacts.get(person.key),
        "ConvertedOpportunityId": loader.opportunities.get(conversion.deal_key),
    }


def _lead_history(
    loader: Loader,
    person: ScenarioPerson,
    row: Row,
    *,
    stages: list[tuple[Stage, datetime]],
    statuses: list[tuple[str, datetime]],
    assigned: datetime,
    conversion: SeedConversion | None,
) -> None:
    """LeadHistory rows for the tracked fields, in time order (§12)."""
    org, lead_id, owner = loader.org, row["Id"], row["OwnerId"]
    tracked = set(org.behaviour.lead_history_fields)
    rep = loader.user_of(person.owner_id)
    events: list[tuple[datetime, str, Any, Any, str | None]] = []
    if tracked:
        events.append((person.created_at, "created", None, None, None))
    if "Lifecycle_Stage__c" in tracked:
        for (before, _), (after, at) in pairwise(stages):
            by = None if after in _MARKETING else rep
            events.append((at, "Lifecycle_Stage__c", STAGE_LABELS[before], STAGE_LABELS[after], by))
    if "Status" in tracked:
        previous = _START
        for value, at in statuses:
            if value != previous:
                events.append((at, "Status", previous, value, rep))
            previous = value
        if conversion is not None and previous != CONVERTED_STATUS:
            events.append((conversion.at, "Status", previous, CONVERTED_STATUS, rep))
    if "OwnerId" in tracked and rep is not None and assigned > person.created_at:
        events.append((assigned, "OwnerId", loader.queue, owner, None))
    reason = row.get("Rejection_Reason__c")
    disqualified = next((at for value, at in statuses if value == STATUS_VALUES[_DQ]), None)
    if "Rejection_Reason__c" in tracked and reason and disqualified is not None:
        events.append((disqualified, "Rejection_Reason__c", None, reason, rep))
    if tracked and conversion is not None:
        events.append((conversion.at, "leadConverted", None, None, rep))
    for at, field, old, new, by in sorted(events, key=lambda e: e[0]):
        lead_history_row(org, lead_id, field, old, new, at=at, user=by, index=False)


def seeded_org(
    seed: int,
    people: int,
    now: datetime,
    options: EmulatorOptions | None = None,
    *,
    connector_fields: bool = True,
) -> Org:
    """An org holding ``generate(seed, people, now)``; same arguments, same data.

    ``connector_fields=False``: an org whose admin has not created the connector's fields, for
    ``smarketing setup`` to create through the Tooling API (:mod:`.seed_schema`).
    """
    options = options or EmulatorOptions()
    org = Org(options.now, options.behaviour)
    load(org, generate(seed, people, now), connector_fields=connector_fields)
    return org
