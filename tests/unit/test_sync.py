"""The sync cycle against an in-memory CRM: only changes are written, every task exactly once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.base.protocol import PropertyUpdate
from connector.plan import SCORE, SLA_DUE, SLA_STATUS
from connector.store import Store
from connector.sync import CycleOptions, CycleReport, SyncCycle
from rules.model import ObjectType
from rules.ruleset import Condition, Op, ScoreGroup, ScoreRule, ScoringModel
from tests.fake_crm import CrashAfterApply, FakeCrm
from tests.unit.factories import OWNERS, activity, kyiv, owner, person, ruleset, sla_rule

# Friday 17:30 in Kyiv: with 09:00-18:00 business hours a 4-hour clock is due Monday 12:30.
ARRIVED = kyiv(12, 17, 30)
RULES = ruleset(
    sla=(sla_rule(escalate_after=timedelta(hours=8)),),
    scoring=ScoringModel(
        rules=(ScoreRule("vp", ScoreGroup.FIT, Condition("jobtitle", Op.CONTAINS, "vp"), 30),)
    ),
)


class Harness:
    """A fake CRM, a store file and a clock the test moves."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "smarketing.db"
        self.crm = FakeCrm(now=ARRIVED, owners_list=list(OWNERS.values()))
        self.now = ARRIVED
        self.store = Store.open(f"sqlite:///{self.db}", clock=lambda: self.now)

    def cycle(self, *, dry_run: bool = False, options: CycleOptions | None = None) -> CycleReport:
        self.crm.now = self.now
        sync = SyncCycle(
            crm="fake",
            ruleset=RULES,
            adapter=self.crm,
            store=self.store,
            clock=lambda: self.now,
            options=options,
        )
        return sync.run(dry_run=dry_run)

    def lose_the_store(self) -> None:
        self.store.close()
        self.db.unlink()
        self.store = Store.open(f"sqlite:///{self.db}", clock=lambda: self.now)


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(tmp_path)
    harness.crm.put(person(id="101", entered=ARRIVED, fields={"jobtitle": "VP Sales"}))
    harness.crm.put(person(id="102", entered=ARRIVED, owner_id="rep-2"))
    yield harness
    harness.store.close()


def test_a_first_cycle_writes_scores_and_sla_status_but_no_task_while_on_track(h: Harness) -> None:
    report = h.cycle()

    assert report.pulled == {"contact": 2, "deal": 0}
    assert h.crm.value("101", SCORE) == "30"
    assert h.crm.value("101", SLA_STATUS) == "on_track"
    assert h.crm.value("101", SLA_DUE) == "2024-01-15T10:30:00+00:00"  # Monday 12:30 in Kyiv
    assert h.crm.tasks == {}
    assert report.outcomes["update_property"] == {"done": 8}  # 4 owned properties x 2 people


def test_a_second_cycle_with_no_change_writes_nothing(h: Harness) -> None:
    h.cycle()
    h.cycle()  # pulls our own writes back (they bumped the modified time)
    applies = h.crm.calls[("apply", 200)]

    report = h.cycle()

    assert report.plan == ()
    assert h.crm.calls[("apply", 200)] == applies


def test_crossing_the_due_time_writes_only_the_new_breach(h: Harness) -> None:
    h.cycle()
    h.cycle()
    h.now = kyiv(15, 12, 31)

    report = h.cycle()

    assert {(a.kind, a.record_id) for a in report.plan} == {
        ("create_task", "101"),
        ("create_task", "102"),
        ("update_property", "101"),
        ("update_property", "102"),
    }
    assert {a.property for a in report.plan if a.kind == "update_property"} == {SLA_STATUS}
    assert [t.owner_id for t in h.crm.tasks_for("101")] == ["rep-1"]
    assert [b.rule for b in report.breaches] == ["mql-first-touch", "mql-first-touch"]
    assert report.open_breaches == {"mql-first-touch": 2}  # tasks open in the CRM
    assert h.cycle().open_breaches == {"mql-first-touch": 2}  # still open in a quiet cycle


def test_escalation_adds_the_managers_task_once(h: Harness) -> None:
    h.cycle()
    h.now = kyiv(15, 16, 31)
    h.cycle()
    h.cycle()

    owners = sorted(t.owner_id or "" for t in h.crm.tasks_for("101"))
    assert owners == ["mgr-1", "rep-1"]


def test_a_touch_closes_the_follow_up_task(h: Harness) -> None:
    h.now = kyiv(15, 12, 31)
    h.cycle()
    [task] = h.crm.tasks_for("101")
    h.now = kyiv(15, 13, 0)
    called = replace(h.crm.people["101"], activities=(activity(kyiv(15, 12, 45)),))
    h.crm.put(called)

    report = h.cycle()

    assert [a.kind for a in report.plan if a.record_id == "101" and "task" in a.kind] == [
        "close_task"
    ]
    assert task.completed
    assert h.crm.value("101", SLA_STATUS) == "met_late"


def test_losing_the_local_store_creates_no_task_twice_and_rewrites_no_score(
    h: Harness,
) -> None:
    h.now = kyiv(15, 12, 31)
    h.cycle()
    tasks = dict(h.crm.tasks)
    h.lose_the_store()

    report = h.cycle()

    assert h.crm.tasks.keys() == tasks.keys()
    assert [a for a in report.plan if a.kind == "update_property"] == []


def test_a_crash_after_the_crm_accepted_leaves_one_task_per_key(h: Harness) -> None:
    h.now = kyiv(15, 12, 31)
    h.crm.crash_after_apply = True
    with pytest.raises(CrashAfterApply):
        h.cycle()

    h.cycle()
    h.cycle()

    keys = [t.key for t in h.crm.tasks.values()]
    assert sorted(keys) == sorted(set(keys))
    assert len(keys) == 2


def test_a_dry_run_plans_but_writes_nothing_anywhere(h: Harness) -> None:
    h.now = kyiv(15, 12, 31)

    report = h.cycle(dry_run=True)

    assert {a.kind for a in report.plan} == {"create_task", "update_property"}
    assert h.crm.tasks == {}
    assert h.crm.calls[("apply", 200)] == 0
    assert h.store.cursor(ObjectType.CONTACT) is None
    assert h.store.last_runs() == []


def test_the_run_log_records_each_cycle(h: Harness) -> None:
    h.cycle()
    [run] = h.store.last_runs()
    assert run.status == "ok"
    assert run.counts["contact"] == 2


def test_cycles_are_deterministic(tmp_path: Path) -> None:
    plans: list[list[tuple[str, str, str]]] = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        harness = Harness(tmp_path / name)
        harness.crm.put(person(id="101", entered=ARRIVED))
        harness.now = kyiv(15, 12, 31)
        report = harness.cycle(dry_run=True)
        plans.append([(str(a.kind), a.record_id, a.key) for a in report.plan])
        harness.store.close()
    assert plans[0] == plans[1]


def test_owners_are_read_twice_a_day_or_when_a_record_names_a_new_one(h: Harness) -> None:
    h.cycle()
    h.now += timedelta(minutes=5)
    h.cycle()
    assert h.crm.calls[("owners", 200)] == 1

    h.crm.owners_list.append(owner("rep-3", name="Rae New"))
    h.crm.put(person(id="103", entered=h.now, owner_id="rep-3"))
    h.cycle()
    assert h.crm.calls[("owners", 200)] == 2

    h.now += timedelta(hours=11)
    h.cycle()
    assert h.crm.calls[("owners", 200)] == 2
    h.now += timedelta(hours=1)
    h.cycle()
    assert h.crm.calls[("owners", 200)] == 3


def test_a_backlog_larger_than_one_cycle_is_sent_over_cycles_and_never_planned_twice(
    h: Harness,
) -> None:
    small = CycleOptions(apply_batch=3, max_actions=3)
    first = h.cycle(options=small)
    assert first.actions == {"update_property": 8}
    assert sum(first.outcomes["update_property"].values()) == 3

    h.now += timedelta(minutes=1)
    h.crm.now = h.now
    for rid in ("101", "102"):  # a rep edits both: they are judged again
        h.crm.put(replace(h.crm.people[rid], company="Renamed Ltd"))
    second = h.cycle(options=small)
    assert second.judged == 2
    assert second.actions == {}  # the 5 still waiting are not planned again
    assert sum(second.outcomes["update_property"].values()) == 3
    h.now += timedelta(minutes=1)
    h.cycle(options=small)
    assert h.crm.value("102", SCORE) == "0"
    assert h.store.pending_actions() == []


def test_our_own_write_back_read_again_is_not_judged_again(h: Harness) -> None:
    h.cycle()
    h.now += timedelta(minutes=5)
    h.crm.now = h.now
    ours = h.crm.people["101"]
    # as if we had written it: our property and the modification stamp mirrored in a field
    h.crm.put(replace(ours, fields={**ours.fields, SCORE: "31", "lastmodifieddate": h.now}))
    theirs = h.crm.people["102"]
    h.crm.put(replace(theirs, fields={**theirs.fields, "jobtitle": "VP Ops"}))  # a rep's edit

    report = h.cycle()

    assert report.pulled["contact"] == 2
    assert [d.record_id for d in report.decisions] == ["102"]


# -- writes the CRM refuses ----------------------------------------------------------------

REFUSED = kyiv(15, 11, 31)  # Monday, an hour before the SLA of the fixture's people falls due
INVALID = "FIELD_CUSTOM_VALIDATION_EXCEPTION: a disqualified lead needs a reason"


def _updated(report: CycleReport) -> set[tuple[str, str]]:
    return {(a.record_id, a.property) for a in report.plan if isinstance(a, PropertyUpdate)}


@pytest.mark.parametrize(
    ("later", "resent"),
    [
        (timedelta(hours=1), False),
        (timedelta(hours=23, minutes=59), False),
        (timedelta(days=1), True),  # an admin may have fixed the field meanwhile
    ],
    ids=["an hour later", "a minute short of a day", "a day later"],
)
def test_a_refused_write_is_sent_again_only_a_day_later_while_the_record_is_unchanged(
    h: Harness, caplog: pytest.LogCaptureFixture, later: timedelta, resent: bool
) -> None:
    caplog.set_level(logging.INFO, logger="smarketing.sync")
    h.crm.refuse[("101", SCORE)] = INVALID
    h.now = REFUSED
    assert h.cycle().outcomes["update_property"] == {"done": 7, "rejected": 1}
    h.now = REFUSED + later  # the SLA has fallen due: 101 is judged again, unchanged in the CRM

    report = h.cycle()

    assert ("101", SLA_STATUS) in _updated(report)
    assert (("101", SCORE) in _updated(report)) is resent
    assert h.crm.refused[("101", SCORE)] == (2 if resent else 1)
    assert [i.attempts for i in h.store.rejected_items()] == [2 if resent else 1]
    assert report.held_back == h.store.last_runs()[0].counts["held_back"] == (0 if resent else 1)
    assert ("refused writes held back" in caplog.messages) is not resent


def test_a_refused_write_is_sent_again_once_the_record_changes_in_the_crm(h: Harness) -> None:
    h.crm.refuse[("101", SCORE)] = INVALID
    h.now = REFUSED
    h.cycle()
    h.now = h.crm.now = REFUSED + timedelta(minutes=5)
    h.crm.put(replace(h.crm.people["101"], company="Renamed Ltd"))  # a rep edits the record

    report = h.cycle()

    assert ("101", SCORE) in _updated(report)
    assert report.held_back == 0
    assert h.crm.refused[("101", SCORE)] == 2


def test_a_new_value_of_a_refused_property_is_sent_at_once(h: Harness) -> None:
    h.crm.refuse[("101", SLA_STATUS)] = INVALID
    h.now = REFUSED
    h.cycle()  # "on_track" refused
    h.now = REFUSED + timedelta(hours=1)

    report = h.cycle()

    assert ("101", SLA_STATUS) in _updated(report)  # "overdue" is not what was refused
    assert report.held_back == 0
    assert h.crm.refused[("101", SLA_STATUS)] == 2
