"""How a cycle is shown: the dry-run JSON contract and the plain-text summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.base.protocol import PropertyUpdate, TaskClose, TaskCreate
from connector.plan import Breach
from connector.render import plan_json, plan_text
from connector.sync import CycleReport
from rules.model import ObjectType

AS_OF = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
C = ObjectType.CONTACT
PLAN = (
    TaskCreate("smk-1", C, "101", "mql-first-touch", "7", DUE, "Call ann@example.com"),
    PropertyUpdate("smp-1", C, "101", "smarketing_score", "72", "65"),
    TaskClose("smk-0", C, "102", "mql-first-touch"),
)
BREACH = Breach("mql-first-touch", C, "101", "7", "overdue", DUE, escalated=False)


def _report(**extra: object) -> CycleReport:
    values: dict[str, object] = {
        "started_at": AS_OF,
        "finished_at": AS_OF,
        "as_of": AS_OF,
        "ok": True,
        "plan": PLAN,
        "breaches": (BREACH,),
        "pulled": {"contact": 2},
    }
    values.update(extra)
    return CycleReport(**values)  # type: ignore[arg-type]


def test_the_dry_run_json_has_the_documented_shape() -> None:
    document = json.loads(plan_json(_report(dry_run=True), "hubspot"))
    assert document["as_of"] == "2026-03-09T11:00:00+00:00"
    assert document["crm"] == "hubspot"
    create, update, close = document["actions"]
    assert create == {
        "kind": "create_task",
        "record_type": "contact",
        "record_id": "101",
        "rule": "mql-first-touch",
        "key": "smk-1",
        "owner_id": "7",
        "due": "2026-03-09T10:30:00+00:00",
        "subject": "Call ann@example.com",
        "priority": "high",
    }
    assert (update["property"], update["value"], update["previous"]) == (
        "smarketing_score",
        "72",
        "65",
    )
    assert close == {
        "kind": "close_task",
        "record_type": "contact",
        "record_id": "102",
        "rule": "mql-first-touch",
        "key": "smk-0",
    }
    assert document["breaches"] == [
        {
            "rule": "mql-first-touch",
            "record_type": "contact",
            "record_id": "101",
            "owner_id": "7",
            "status": "overdue",
            "due": "2026-03-09T10:30:00+00:00",
            "escalated": False,
        }
    ]


def test_the_text_summary_says_what_was_planned_and_what_became_of_it() -> None:
    outcomes = {"update_property": {"done": 887, "rejected": 16}}
    text = plan_text(_report(outcomes=outcomes), "HubSpot")
    assert "planned: 1 x close_task, 1 x create_task, 1 x update_property" in text
    assert "sent update_property: 887 done, 16 rejected" in text
    assert "Open breaches: 1 overdue follow-ups (0 escalated), 0 missing rejection reasons" in text
    assert "would plan" in plan_text(_report(dry_run=True), "HubSpot")


def test_the_text_summary_counts_refused_writes_held_back_only_when_there_are_some() -> None:
    assert "held back: 3 writes the CRM refused" in plan_text(_report(held_back=3), "HubSpot")
    assert "held back" not in plan_text(_report(), "HubSpot")
