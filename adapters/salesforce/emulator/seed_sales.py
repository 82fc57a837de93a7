"""Accounts, Contacts, Opportunities and Tasks of a seeded org (:mod:`.seed` has the mapping).

Accounts are made per company domain when its first person converts; every converted person gets a
Contact carrying their current lifecycle stage and all stage dates. Deals become Opportunities with
Salesforce's default stages and an OpportunityHistory row per stage entry (§12: always on).
Activities become completed Tasks on the Lead, or on the Contact once the person converted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.scenario import Scenario, ScenarioDeal, ScenarioPerson
from rules.model import ActivityKind, Stage

from .history import opportunity_history_row
from .metadata import DEFAULT_STAGES
from .seed_loader import Loader, engagement, source_label, stage_fields
from .seed_schema import INDUSTRY_VALUES
from .timefmt import sf_datetime

DEAL_STAGES = {
    "appointmentscheduled": "Prospecting",
    "qualifiedtobuy": "Qualification",
    "presentationscheduled": "Value Proposition",
    "decisionmakerboughtin": "Id. Decision Makers",
    "contractsent": "Proposal/Price Quote",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
"""Scenario pipeline stages → Salesforce's default opportunity stages (§12)."""
SUBTYPES = {ActivityKind.CALL: "Call", ActivityKind.EMAIL: "Email"}
TYPES = {ActivityKind.CALL: "Call", ActivityKind.EMAIL: "Email", ActivityKind.MEETING: "Meeting"}
_SPECS = {spec.label: spec for spec in DEFAULT_STAGES}
_CUSTOMERS = frozenset({Stage.CUSTOMER, Stage.EVANGELIST})


def load_accounts_contacts(loader: Loader, scenario: Scenario) -> None:
    """One Account per domain of a converted person, one Contact per converted person."""
    converted = sorted(
        (p for p in scenario.people if p.key in loader.conversions),
        key=lambda p: (loader.conversions[p.key].at, p.key),
    )
    by_domain: dict[str, list[ScenarioPerson]] = {}
    for person in converted:
        by_domain.setdefault(person.domain, []).append(person)
    for domain, members in by_domain.items():
        first = members[0]
        is_customer = any(p.stage in _CUSTOMERS for p in members)
        values = {
            "Name": first.company,
            "Type": "Customer - Direct" if is_customer else "Prospect",
            "Industry": INDUSTRY_VALUES[first.industry],
            "Website": domain,
            "NumberOfEmployees": first.numemployees,
            "BillingCountry": first.country.name,
            "OwnerId": loader.user_of(first.owner_id),
        }
        created = loader.conversions[first.key].at
        modified = max(_customer_since(p) or created for p in members)
        loader.accounts[domain] = loader.add("Account", values, created, max(created, modified))[
            "Id"
        ]
    for person in converted:
        at = loader.conversions[person.key].at
        contact: dict[str, Any] = {
            "AccountId": loader.accounts[person.domain],
            "FirstName": person.first_name,
            "LastName": person.last_name,
            "Name": f"{person.first_name} {person.last_name}",
            "Email": person.email,
            "Title": person.jobtitle,
            "LeadSource": source_label(person.source),
            "OwnerId": loader.user_of(person.owner_id),
            "MailingCountry": person.country.name,
            **stage_fields(list(person.stages)),
            **engagement(person),
        }
        if person.activities:
            contact["LastActivityDate"] = max(a.at for a in person.activities).date().isoformat()
        modified = max(at, person.updated_at, person.stages[-1][1])
        loader.contacts[person.key] = loader.add("Contact", contact, at, modified)["Id"]


def _customer_since(person: ScenarioPerson) -> datetime | None:
    return person.entered(Stage.CUSTOMER)


def load_opportunities(loader: Loader, scenario: Scenario) -> None:
    """Every deal as an Opportunity with its stage history."""
    people = {p.key: p for p in scenario.people}
    firsts = {c.deal_key for c in loader.conversions.values()}
    for deal in sorted(scenario.deals, key=lambda d: (d.created_at, d.key)):
        first = people.get(deal.person_keys[0]) if deal.person_keys else None
        loader.opportunities[deal.key] = _opportunity(loader, deal, first, deal.key in firsts)


def _opportunity(
    loader: Loader, deal: ScenarioDeal, first: ScenarioPerson | None, new: bool
) -> str:
    stage = _SPECS[DEAL_STAGES[deal.stage]]
    amount = float(deal.amount)
    values = {
        "AccountId": None if first is None else loader.accounts.get(first.domain),
        "Name": deal.name,
        "StageName": stage.label,
        "Amount": amount,
        "Probability": float(stage.probability),
        "ExpectedRevenue": amount * stage.probability / 100,
        "CloseDate": deal.close_date.isoformat(),
        "Type": "New Business" if new else "Existing Customer - Upgrade",
        "LeadSource": None if first is None else source_label(first.source),
        "IsClosed": stage.closed,
        "IsWon": stage.won,
        "ForecastCategory": stage.forecast,
        "ForecastCategoryName": {"BestCase": "Best Case", "Forecast": "Commit"}.get(
            stage.forecast, stage.forecast
        ),
        "OwnerId": loader.user_of(deal.owner_id),
    }
    last = max(deal.updated_at, deal.stages[-1][1]) if deal.stages else deal.updated_at
    owner = loader.user_of(deal.owner_id)
    row = loader.add("Opportunity", values, deal.created_at, last, by=owner)
    for stage_id, at in deal.stages:
        spec = _SPECS[DEAL_STAGES[stage_id]]
        snapshot = {
            **row,
            "StageName": spec.label,
            "Probability": float(spec.probability),
            "ExpectedRevenue": amount * spec.probability / 100,
            "ForecastCategory": spec.forecast,
        }
        opportunity_history_row(loader.org, snapshot, row, at, owner, index=False)
    return str(row["Id"])


def load_tasks(loader: Loader, scenario: Scenario) -> None:
    """Each activity as a completed Task on its Lead, or on its Contact after conversion."""
    activities = sorted(
        (
            (a.at, person.key, index, a)
            for person in scenario.people
            for index, a in enumerate(person.activities)
        ),
        key=lambda item: item[:3],
    )
    for at, key, _, activity in activities:
        conversion = loader.conversions.get(key)
        who = loader.contacts[key] if conversion is not None else loader.leads[key]
        owner = loader.user_of(activity.owner_id)
        values = {
            "WhoId": who,
            "Subject": activity.subject,
            "ActivityDate": at.date().isoformat(),
            "Status": "Completed",
            "Priority": "Normal",
            "OwnerId": owner,
            "Type": TYPES.get(activity.kind, "Other"),
            "TaskSubtype": SUBTYPES.get(activity.kind, "Task"),
            "IsClosed": True,
            "CompletedDateTime": sf_datetime(at),
            "AccountId": None,
        }
        if conversion is not None:
            values["AccountId"] = loader.org.tables["Contact"].rows[who]["AccountId"]
        row = loader.add("Task", values, at, at, by=owner)
        if conversion is not None and conversion.at > at:
            # Conversion re-pointed the task at the Contact: a system change (SystemModstamp, §12).
            row["SystemModstamp"] = sf_datetime(conversion.at)
