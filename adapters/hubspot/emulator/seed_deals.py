"""Deals and activity tasks of a seeded portal (see :mod:`.seed` for the mapping as a whole).

Deals sit in the default pipeline with their stage history and stage dates (§7), associated to their
people (type 3) and to their first person's company (type 5); every logged activity becomes a
completed task associated to its contact (type 204, §8).
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.scenario import ScenarioDeal, ScenarioPerson

from .associations import TYPES
from .objects import ObjectType
from .portal import Portal
from .records import HistoryEntry, Record
from .timefmt import iso_datetime as _iso
from .timefmt import to_ms as _ms

TASK_TYPES = {"call": "CALL", "email": "EMAIL", "meeting": "TODO", "task": "TODO"}


def load_deals(
    portal: Portal,
    deals: Iterable[ScenarioDeal],
    users: dict[str, int],
    contacts: dict[int, int],
    companies: dict[str, int],
) -> None:
    ordered = sorted(deals, key=lambda d: (d.created_at, d.key))
    store, start = portal.stores[ObjectType.DEALS], portal.reserve_ids(len(ordered))
    contact_props = portal.stores[ObjectType.CONTACTS].records
    pipeline = portal.pipelines["default"]
    for offset, deal in enumerate(ordered):
        record_id, user = start + offset, users.get(deal.owner_id)
        props = {
            "hs_object_id": str(record_id),
            "dealname": deal.name,
            "amount": str(deal.amount),
            "pipeline": deal.pipeline,
            "closedate": f"{deal.close_date.isoformat()}T00:00:00.000Z",
            "hubspot_owner_id": deal.owner_id,
            "createdate": _iso(deal.created_at),
        }
        history: list[HistoryEntry] = []
        previous: str | None = None
        for stage_id, at in deal.stages:
            stamp = _iso(at)
            if previous is not None:
                props[f"hs_v2_date_exited_{previous}"] = stamp
            props[f"hs_v2_date_entered_{stage_id}"] = props[f"hs_date_entered_{stage_id}"] = stamp
            history.append(HistoryEntry(stage_id, _ms(at), "CRM_UI", f"userId:{user}", user))
            previous = stage_id
        stage = pipeline.stage(deal.stage)
        props["dealstage"] = deal.stage
        props["hs_is_closed"] = "true" if stage is not None and stage.is_closed else "false"
        props["hs_is_closed_won"] = (
            "true" if stage is not None and stage.id == "closedwon" else "false"
        )
        last = max(deal.updated_at, deal.stages[-1][1]) if deal.stages else deal.updated_at
        props["hs_lastmodifieddate"] = _iso(last)
        record = Record(record_id, props, _ms(deal.created_at), _ms(last), {"dealstage": history})
        store.add(record, index=False)
        for key in deal.person_keys:
            if key in contacts:
                portal.associations.add(TYPES[3], record_id, contacts[key])
        if deal.person_keys and deal.person_keys[0] in contacts:
            domain_company = _company_of(contact_props[contacts[deal.person_keys[0]]], companies)
            if domain_company is not None:
                portal.associations.add(TYPES[5], record_id, domain_company)


def _company_of(contact: Record, companies: dict[str, int]) -> int | None:
    email = contact.props.get("email", "")
    return companies.get(email.rpartition("@")[2])


def load_tasks(portal: Portal, people: Iterable[ScenarioPerson], contacts: dict[int, int]) -> None:
    """Each logged activity as a completed task associated to its contact (§8)."""
    activities = sorted(
        (
            (a.at, person.key, index, a)
            for person in people
            for index, a in enumerate(person.activities)
        ),
        key=lambda item: item[:3],
    )
    store, start = portal.stores[ObjectType.TASKS], portal.reserve_ids(len(activities))
    for offset, (at, key, _, activity) in enumerate(activities):
        record_id, stamp = start + offset, _iso(at)
        props = {
            "hs_object_id": str(record_id),
            "hs_timestamp": stamp,
            "hs_task_subject": activity.subject,
            "hs_task_status": "COMPLETED",
            "hs_task_completion_date": stamp,
            "hs_task_type": TASK_TYPES.get(activity.kind.value, "TODO"),
            "hubspot_owner_id": activity.owner_id,
            "hs_createdate": stamp,
            "hs_lastmodifieddate": stamp,
        }
        store.add(Record(record_id, props, _ms(at), _ms(at)), index=False)
        portal.associations.add(TYPES[204], record_id, contacts[key])
