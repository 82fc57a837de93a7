"""Lead conversion and merges: endpoint-free helpers for tests and seeds (§12, §14).

Conversion is not a REST sObject operation (SOAP ``convertLead()``, Apex ``Database.convertLead``,
§12), so the emulator offers it as a function. It creates (or reuses) an Account, creates a Contact
and optionally an Opportunity, marks the Lead converted with the converted status, and moves the
Lead's tasks to the Contact, as Salesforce does. Standard fields follow Salesforce's conversion
mapping (Help "Lead Conversion Field Mapping"): the Address becomes the Contact's Mailing and the
Account's Billing Address; Company, Industry, No. of Employees, Annual Revenue and Website go to
the Account, filling only its empty fields when the Account exists (``convertLead()``: existing
data is not overwritten). Merges delete the losers with ``MasterRecordId`` set to the survivor and
re-point their tasks (§14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import bad_request
from .history import lead_history_row
from .org import Org
from .store import Row
from .timefmt import sf_datetime
from .writes import Actor, create, live_row, soft_delete, update

_ADDRESS = ("Street", "City", "State", "PostalCode", "Country")
_TO_CONTACT = {
    **{n: n for n in ("FirstName", "LastName", "Email", "Title", "Phone", "LeadSource", "OwnerId")},
    **{part: f"Mailing{part}" for part in _ADDRESS},
}
"""Lead field → Contact field, as conversion maps standard fields."""
_TO_ACCOUNT = {
    "Company": "Name",
    "OwnerId": "OwnerId",
    **{n: n for n in ("Industry", "NumberOfEmployees", "AnnualRevenue", "Website")},
    **{part: f"Billing{part}" for part in _ADDRESS},
}
"""Lead field → Account field, as conversion maps standard fields."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """The records a conversion produced."""

    account_id: str
    contact_id: str
    opportunity_id: str | None


def convert_lead(
    org: Org,
    lead_id: str,
    *,
    account_id: str | None = None,
    opportunity_name: str | None = None,
    create_opportunity: bool = True,
    actor: Actor | None = None,
) -> Conversion:
    """Convert a Lead; custom fields with the same name on Contact are copied across.

    Raises:
        SalesforceError: the lead is missing, deleted or already converted.
    """
    actor = actor or Actor()
    at = actor.at or org.now()
    with org.lock:
        lead = live_row(org, org.objects["Lead"], lead_id)
        if lead["IsConverted"]:
            raise bad_request("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
        status = _converted_status(org)
        with org.transaction():
            account = _account(org, lead, account_id, actor)
            contact = create(org, "Contact", _contact_body(org, lead, account), actor)["Id"]
            opportunity = None
            if create_opportunity:
                body = {
                    "Name": opportunity_name or f"{lead['Company']}-",
                    "StageName": _first_open_stage(org),
                    "CloseDate": (at + timedelta(days=30)).date().isoformat(),
                    "AccountId": account,
                    "OwnerId": lead["OwnerId"],
                    "LeadSource": lead.get("LeadSource"),
                }
                opportunity = create(org, "Opportunity", body, actor)["Id"]
            _mark_converted(
                org, lead, status, Conversion(account, contact, opportunity), at=at, actor=actor
            )
            _move_tasks(org, lead["Id"], contact, at)
    return Conversion(account, contact, opportunity)


def merge(
    org: Org, object_name: str, master_id: str, loser_ids: list[str], actor: Actor | None = None
) -> None:
    """Merge losers into the master: losers are deleted with ``MasterRecordId`` (§14)."""
    actor = actor or Actor()
    at = actor.at or org.now()
    user = actor.user or org.integration_user_id
    with org.lock, org.transaction():
        obj = org.object(object_name)
        master = live_row(org, obj, master_id)
        for loser_id in loser_ids:
            loser = live_row(org, obj, loser_id)
            soft_delete(org, obj, loser, at=at, user=user, master=master["Id"])
            _move_tasks(org, loser["Id"], master["Id"], at)
        stamp = sf_datetime(at)
        org.tables[obj.name].put({**master, "LastModifiedDate": stamp, "SystemModstamp": stamp})


def _converted_status(org: Org) -> str:
    for row in org.tables["LeadStatus"].rows.values():
        if row["IsConverted"]:
            return str(row["MasterLabel"])
    raise bad_request("INVALID_STATUS", "no lead status is marked converted")


def _first_open_stage(org: Org) -> str:
    stages = sorted(org.tables["OpportunityStage"].rows.values(), key=lambda r: r["SortOrder"])
    return str(next(s["MasterLabel"] for s in stages if not s["IsClosed"]))


def _mapped(lead: Row, mapping: dict[str, str]) -> dict[str, object]:
    return {target: lead[name] for name, target in mapping.items() if lead.get(name) is not None}


def _account(org: Org, lead: Row, account_id: str | None, actor: Actor) -> str:
    """A new Account from the Lead, or ``account_id`` with its empty fields filled from it."""
    body = _mapped(lead, _TO_ACCOUNT)
    if account_id is None:
        return str(create(org, "Account", body, actor)["Id"])
    existing = live_row(org, org.objects["Account"], account_id)
    empty = {name: value for name, value in body.items() if existing.get(name) in (None, "")}
    if empty:
        update(org, "Account", existing["Id"], empty, actor)
    return str(existing["Id"])


def _contact_body(org: Org, lead: Row, account: str) -> dict[str, object]:
    body = _mapped(lead, _TO_CONTACT)
    contact_fields = org.objects["Contact"].fields
    for name, definition in org.objects["Lead"].fields.items():
        if definition.custom and name in contact_fields and lead.get(name) is not None:
            body[name] = lead[name]
    body["AccountId"] = account
    return body


def _mark_converted(
    org: Org, lead: Row, status: str, result: Conversion, *, at: datetime, actor: Actor
) -> None:
    user = actor.user or org.integration_user_id
    stamp = sf_datetime(at)
    row = {
        **lead,
        "IsConverted": True,
        "ConvertedDate": at.date().isoformat(),
        "ConvertedAccountId": result.account_id,
        "ConvertedContactId": result.contact_id,
        "ConvertedOpportunityId": result.opportunity_id,
        "Status": status,
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "LastModifiedById": user,
    }
    org.tables["Lead"].put(row)
    tracked = org.behaviour.lead_history_fields
    if "Status" in tracked and lead["Status"] != status:
        lead_history_row(org, lead["Id"], "Status", lead["Status"], status, at=at, user=user)
    if tracked:
        lead_history_row(org, lead["Id"], "leadConverted", None, None, at=at, user=user)


def _move_tasks(org: Org, old_who: str, new_who: str, at: datetime) -> None:
    """Re-point the live tasks of a converted or merged-away record (a system change)."""
    stamp = sf_datetime(at)
    table = org.tables["Task"]
    contact = org.tables["Contact"].get(new_who)
    account = None if contact is None else contact.get("AccountId")
    moving = [r for r in table.rows.values() if r.get("WhoId") == old_who and not r["IsDeleted"]]
    for task in moving:
        changes: dict[str, object] = {"WhoId": new_who, "SystemModstamp": stamp}
        if contact is not None:
            changes["AccountId"] = account
        table.put({**task, **changes})
