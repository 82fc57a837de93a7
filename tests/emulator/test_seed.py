"""Seeding from the scenario: deterministic, consistent with the timelines, fast (§6-§11)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from adapters.hubspot.emulator import ObjectType, Portal
from adapters.hubspot.emulator.seed import employees_range, load, seeded_portal
from adapters.scenario import generate

NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def _snapshot(portal: Portal) -> dict[str, list[tuple[int, dict[str, str]]]]:
    return {
        obj.value: [(r.id, dict(r.props)) for r in store.records.values()]
        for obj, store in portal.stores.items()
    }


@pytest.fixture(scope="module")
def portal() -> Portal:
    return seeded_portal(11, 400, NOW)


def test_same_seed_same_data(portal: Portal) -> None:
    assert _snapshot(seeded_portal(11, 400, NOW)) == _snapshot(portal)
    assert _snapshot(seeded_portal(12, 400, NOW)) != _snapshot(portal)


def test_contacts_follow_the_timelines(portal: Portal) -> None:
    scenario = generate(11, 400, NOW)
    by_email = {p.email: p for p in scenario.people}
    contacts = portal.stores[ObjectType.CONTACTS]
    assert len(contacts.records) == 400
    checked_sal = 0
    for record in contacts.records.values():
        person = by_email[record.props["email"]]
        stages = [s.value for s, _ in person.stages]
        expected = {
            "mql": "marketingqualifiedlead",
            "sal": "marketingqualifiedlead",
            "sql": "salesqualifiedlead",
        }
        assert record.props["lifecyclestage"] == expected.get(stages[-1], stages[-1])
        assert record.created_ms == int(person.created_at.timestamp() * 1000)
        assert record.props["numemployees"] == employees_range(person.numemployees)
        mql = person.entered(next((s for s, _ in person.stages if s.value == "mql"), person.stage))
        if "mql" in stages and mql is not None:
            assert record.props["hs_v2_date_entered_marketingqualifiedlead"].startswith(
                mql.strftime("%Y-%m-%dT%H:%M")
            )
        if "sal" in stages:
            statuses = [h.value for h in record.history["hs_lead_status"]]
            assert "IN_PROGRESS" in statuses
            checked_sal += 1
        if person.owner_id:
            assert record.props["hubspot_owner_id"] in portal.owners
        history = [h.timestamp_ms for h in record.history["lifecyclestage"]]
        assert history == sorted(history)
        assert record.updated_ms >= history[-1]
    assert checked_sal > 0


def test_deals_tasks_and_associations(portal: Portal) -> None:
    deals = portal.stores[ObjectType.DEALS]
    assert deals.records
    pipeline = portal.pipelines["default"]
    for deal in deals.records.values():
        assert pipeline.stage(deal.props["dealstage"]) is not None
        assert portal.associations.targets(ObjectType.DEALS, ObjectType.CONTACTS, deal.id)
    tasks = portal.stores[ObjectType.TASKS]
    assert all(t.props["hs_task_status"] == "COMPLETED" for t in tasks.records.values())
    first = next(iter(tasks.records.values()))
    assert portal.associations.targets(ObjectType.TASKS, ObjectType.CONTACTS, first.id)
    assert len(portal.stores[ObjectType.CONTACTS].modified) == 400


def test_load_speed() -> None:
    scenario = generate(5, 3000, NOW)
    started = time.perf_counter()
    portal = Portal(lambda: NOW)
    load(portal, scenario)
    assert time.perf_counter() - started < 2.0, "budget: 100,000 contacts well under a minute"
