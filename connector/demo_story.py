"""The demo's closing summary: what both teams would see after a few cycles, in plain words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from adapters.base.protocol import TaskCreate
from connector.config import Settings
from connector.runtime import person_types
from connector.store import Store
from connector.sync import CycleReport
from rules.decisions import RecordDecision, SlaState, TaskPurpose
from rules.evaluate import Evaluator
from rules.funnel import conversions, rejection_reasons, sla_compliance, stage_counts
from rules.model import Person

SCORE_BUCKETS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


def summary_lines(
    settings: Settings, store: Store, reports: Sequence[CycleReport], now: datetime
) -> list[str]:
    """The funnel, SLA and scoring picture as of ``now``, plus what the cycles wrote."""
    people = [
        r
        for kind in person_types(settings)  # Salesforce: Leads and Contacts
        for r in store.iter_records(kind)
        if isinstance(r, Person)
    ]
    owners = store.owners()
    decisions = Evaluator(settings.ruleset, owners).evaluate(people, now).records
    lines = ["== What both teams now see", *_sla_story(decisions, reports)]
    lines += _rejections(settings, people, decisions)
    lines += _scores(decisions)
    lines += _funnel(settings, people, decisions)
    return lines


def _sla_story(decisions: Sequence[RecordDecision], reports: Sequence[CycleReport]) -> list[str]:
    states = Counter(r.state for d in decisions for r in d.sla)
    creates = [a for report in reports for a in report.plan if isinstance(a, TaskCreate)]
    follow_ups = [a for a in creates if "escalation" not in a.subject.lower()]
    lines = [
        f"SLA clocks running in time: {states[SlaState.ON_TRACK]} on track, "
        f"{states[SlaState.DUE_SOON]} due within the warning window.",
        f"Overdue follow-ups flagged: {states[SlaState.OVERDUE] + states[SlaState.ESCALATED]} "
        f"({states[SlaState.ESCALATED]} escalated to a manager); "
        f"{len(creates)} tasks written to the CRM over the run, {len(follow_ups)} of them "
        "follow-ups for the record owner.",
    ]
    purposes = Counter(
        t.purpose for d in decisions for t in d.tasks if t.purpose is TaskPurpose.ESCALATION
    )
    if purposes:
        lines.append(f"Escalation tasks now open for managers: {purposes[TaskPurpose.ESCALATION]}.")
    return lines


def _rejections(
    settings: Settings, people: Sequence[Person], decisions: Sequence[RecordDecision]
) -> list[str]:
    missing = [r for d in decisions for r in d.rejection]
    overdue = [r for r in missing if r.overdue]
    lines = [
        f"Rejected leads without a reason: {len(missing)} "
        f"({len(overdue)} past the grace period, each with a task asking the owner)."
    ]
    for rule in settings.ruleset.rejection:
        rejected = [
            p for p, d in zip(people, decisions, strict=True) if d.lifecycle.status in rule.statuses
        ]
        reasons = rejection_reasons(rejected, rule.reason_field, rule.placeholders)
        top = ", ".join(f"{reason} {count}" for reason, count in list(reasons.items())[:5])
        lines.append(f"  why sales rejected leads ({rule.name}): {top or 'none rejected'}")
    return lines


def _scores(decisions: Sequence[RecordDecision]) -> list[str]:
    totals = [d.score.total for d in decisions]
    buckets = [sum(low <= t <= high for t in totals) for low, high in SCORE_BUCKETS]
    widest = max(buckets, default=0) or 1
    lines = ["Score distribution:"]
    for (low, high), count in zip(SCORE_BUCKETS, buckets, strict=True):
        bar = "#" * round(30 * count / widest)
        lines.append(f"  {low:>3}-{high:<3} {count:>6,} {bar}")
    return lines


def _funnel(
    settings: Settings, people: Sequence[Person], decisions: Sequence[RecordDecision]
) -> list[str]:
    mapped = set(settings.ruleset.stage_map.lifecycle.values())
    counts = {s: n for s, n in stage_counts(decisions).items() if s in mapped}
    lines = ["Funnel (people now at each stage; conversion = reached next / reached this):"]
    rates = {c.from_stage: c for c in conversions(people, settings.ruleset.stage_map)}
    for stage, count in counts.items():
        conversion = rates.get(stage)
        rate = conversion.rate if conversion else None
        arrow = f"  -> {rate:6.1%} to {conversion.to_stage}" if conversion and rate else ""
        lines.append(f"  {stage:<12} {count:>6,}{arrow}")
    lines.append("SLA compliance (met in time / decided clocks):")
    for sla in sla_compliance(decisions):
        shown = f"{sla.rate:.0%}" if sla.rate is not None else "n/a"
        lines.append(
            f"  {sla.rule:<24} {shown:>5}  met {sla.met}, late {sla.met_late}, "
            f"breached {sla.breached}, open {sla.open_on_time}"
        )
    return lines
