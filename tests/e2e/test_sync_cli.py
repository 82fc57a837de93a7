"""``smarketing sync --once`` end to end: the dry-run plan, real cycles, and a lost store.

Each test drives the CLI as a user would (``setup``, then ``sync``) against a seeded emulated
portal and judges the outcome from the portal itself: which tasks carry our key, which values our
properties hold, which write requests reached the CRM.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import HUBSPOT, SALESFORCE, SCORE, Cli, Crm, duplicates, store_rows

# ARCHITECTURE.md "Dry-run plan": the keys each action kind and each breach carries at least
# (keys may be added, never removed).
ACTION_KEYS = {
    "create_task": {
        "kind",
        "record_type",
        "record_id",
        "rule",
        "key",
        "owner_id",
        "due",
        "subject",
    },
    "update_property": {"kind", "record_type", "record_id", "property", "value", "previous"},
    "close_task": {"kind", "record_type", "record_id", "rule", "key"},
}
BREACH_KEYS = {"rule", "record_type", "record_id", "owner_id", "status", "due", "escalated"}
BREACH_STATUSES = {"overdue", "missing_reason"}
BOTH_CRMS = pytest.mark.parametrize("crm", [HUBSPOT, SALESFORCE], indirect=True)
"""Run a test against the emulated HubSpot portal and the emulated Salesforce org."""
BOTH_CRMS_SALESFORCE_SLOW = pytest.mark.parametrize(
    "crm", [HUBSPOT, pytest.param(SALESFORCE, marks=pytest.mark.slow)], indirect=True
)
"""The same, with the Salesforce variant in the slow step (keeps the default run near 2 min)."""
LATER = timedelta(days=7)
"""Far enough for recent MQLs' 4-business-hour clocks to run out, over any weekend or holiday."""


def instant(text: str) -> datetime:
    """An ISO-8601 instant from the plan; naive ones fail the test."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, f"{text!r} has no time zone"
    return parsed


def same_value(planned: str | None, stored: str | None) -> bool:
    """Whether the CRM holds the planned value; HubSpot re-spells datetimes (``.000Z``)."""
    if planned is None or stored is None or planned == stored:
        return planned == stored
    try:
        return datetime.fromisoformat(planned) == datetime.fromisoformat(stored)
    except ValueError:
        return False


def creates(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plan's ``create_task`` actions by key."""
    return {a["key"]: a for a in plan["actions"] if a["kind"] == "create_task"}


def updates(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's ``update_property`` actions."""
    return [a for a in plan["actions"] if a["kind"] == "update_property"]


def accepted_updates(plan: dict[str, Any], crm: Crm) -> list[dict[str, Any]]:
    """The plan's ``update_property`` actions the CRM's own rules let through (a Salesforce
    validation rule refuses any save of a disqualified Lead without a reason)."""
    return [a for a in updates(plan) if not crm.refuses_writes(a["record_id"])]


def breach_pairs(plan: dict[str, Any]) -> set[tuple[str, str]]:
    """``(rule, record id)`` of every breach in the plan."""
    return {(b["rule"], b["record_id"]) for b in plan["breaches"]}


def assert_plan_shape(plan: dict[str, Any], crm: Crm) -> None:
    """The dry-run document of ARCHITECTURE.md, field by field."""
    assert {"as_of", "crm", "actions", "breaches"} <= plan.keys()
    assert plan["crm"] == crm.name
    instant(plan["as_of"])
    for action in plan["actions"]:
        assert action["kind"] in ACTION_KEYS, action
        assert action.keys() >= ACTION_KEYS[action["kind"]], action
        assert action["record_type"] in crm.record_types, action
    for task in creates(plan).values():
        instant(task["due"])
        assert task["subject"].strip(), task
    for breach in plan["breaches"]:
        assert breach.keys() >= BREACH_KEYS, breach
        assert breach["status"] in BREACH_STATUSES, breach
        assert isinstance(breach["escalated"], bool), breach
        instant(breach["due"])


@BOTH_CRMS
def test_dry_run_prints_the_plan_and_writes_nothing(crm: Crm, cli: Cli, t0: datetime) -> None:
    cli.ok("setup")
    mark, stamps = len(crm.requests()), crm.modified_stamps()

    plan = cli.plan(t0.isoformat())

    assert_plan_shape(plan, crm)
    assert instant(plan["as_of"]) == t0
    kinds = Counter(a["kind"] for a in plan["actions"])
    assert kinds["create_task"] > 0, "a seeded portal has overdue MQLs: the plan must hold tasks"
    assert {a["record_id"] for a in updates(plan) if a["property"] == SCORE} == crm.person_ids()
    assert len(creates(plan)) == kinds["create_task"], "two planned tasks share a key"
    assert {b["status"] for b in plan["breaches"]} == BREACH_STATUSES

    # Nothing reached the CRM: no write request, no record touched, no task, no value of ours.
    assert crm.writes_since(mark) == []
    assert crm.modified_stamps() == stamps
    assert crm.tasks_per_key() == Counter()
    assert set(crm.owned_values().values()) == {None}
    # ... and nothing reached the store: no cursor (the next real cycle still pulls everything),
    # no record, no outbox entry, no run.
    assert not any(store_rows(cli).values()), store_rows(cli)

    # --now judges as of that instant: a week on, more clocks have run out.
    later = cli.plan((t0 + LATER).isoformat())
    assert instant(later["as_of"]) == t0 + LATER
    assert breach_pairs(later) > breach_pairs(plan)
    before = datetime.now(t0.tzinfo)
    current = cli.plan()
    assert before <= instant(current["as_of"]) <= datetime.now(t0.tzinfo)
    assert not any(store_rows(cli).values()), store_rows(cli)


@BOTH_CRMS_SALESFORCE_SLOW
def test_cycles_write_the_plan_once_then_only_what_changed(
    crm: Crm, cli: Cli, t0: datetime
) -> None:
    assert crm.setup_says in cli.ok("setup")
    now = t0.isoformat()
    planned = cli.plan(now)

    # Cycle 1 creates exactly the planned tasks, once each, and sets the planned values.
    cli.ok("sync", "--once", "--now", now)
    first = crm.tasks_per_key()
    assert duplicates(first) == {}
    assert set(first) == set(creates(planned))
    values = crm.owned_values()
    wrong = {
        (a["record_id"], a["property"]): (a["value"], values[a["record_id"], a["property"]])
        for a in accepted_updates(planned, crm)
        if not same_value(a["value"], values[a["record_id"], a["property"]])
    }
    assert wrong == {}, f"planned vs CRM value, first of {len(wrong)}: {next(iter(wrong.items()))}"

    # Cycle 2, nothing changed in the CRM: not one write request, not one new value (F08, F23).
    mark, history = len(crm.requests()), crm.history_entries()
    cli.ok("sync", "--once", "--now", now)
    assert crm.writes_since(mark) == []
    assert crm.history_entries() == history
    assert crm.tasks_per_key() == first

    # Cycle 3, a week later: exactly what a dry run at that instant plans, no more.
    later = (t0 + LATER).isoformat()
    plan3 = cli.plan(later)
    history = crm.history_entries()
    cli.ok("sync", "--once", "--now", later)
    third = crm.tasks_per_key()
    new_keys = set(third) - set(first)
    assert duplicates(third) == {}
    assert new_keys, "a week later some MQL clocks must have run out"
    assert new_keys == set(creates(plan3))
    assert crm.history_entries() - history == len(accepted_updates(plan3, crm))
    # The new tasks are for the new breaches: each newly breached record got one, and each task
    # is for a record whose breach is new or has just escalated.
    newly_breached = {rid for _, rid in breach_pairs(plan3) - breach_pairs(planned)}
    escalated_now = {b["record_id"] for b in plan3["breaches"] if b["escalated"]} - {
        b["record_id"] for b in planned["breaches"] if b["escalated"]
    }
    task_records = {a["record_id"] for a in creates(plan3).values()}
    assert newly_breached <= task_records
    assert task_records <= newly_breached | escalated_now


@BOTH_CRMS
def test_lost_store_creates_no_task_twice(crm: Crm, cli: Cli, t0: datetime) -> None:
    cli.ok("setup")
    now = t0.isoformat()
    cli.ok("sync", "--once", "--now", now)
    created = crm.tasks_per_key()
    assert created, "the first cycle must have created tasks for this test to mean anything"

    database = Path(cli.store_url.removeprefix("sqlite:///"))
    assert database.exists()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

    # The empty store plans every task again; the adapter must find each one by the key the task
    # carries in the CRM (R1) instead of creating it. A blind create would give a key two tasks,
    # or, where the portal holds the key unique, a refused create request: both fail below.
    mark, history = len(crm.requests()), crm.history_entries()
    cli.ok("sync", "--once", "--now", now)
    assert crm.tasks_per_key() == created
    task_creates = [e for e in crm.writes_since(mark) if crm.is_task_create(e)]
    assert task_creates == []
    # Scores already in the CRM are taken as written: none is sent again.
    assert crm.writes_since(mark) == []
    assert crm.history_entries() == history

    cli.ok("sync", "--once", "--now", now)
    assert crm.tasks_per_key() == created
