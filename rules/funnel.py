"""Funnel math both teams read the same way: stage counts, conversion, SLA compliance, rejection
reasons and the MQLs a sales quota implies. Pure functions over people and their verdicts.

Conversion from stage A to stage B counts people who ever reached A (by their stage history or
current stage) and, among them, those who also reached B; stages are compared in funnel order, so
a record that skipped B on its way past it counts as having reached B.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rules.decisions import RecordDecision, SlaState
from rules.model import FUNNEL_ORDER, Person, Stage
from rules.ruleset import StageMap

FUNNEL: tuple[Stage, ...] = tuple(s for s in FUNNEL_ORDER if s is not Stage.OTHER)


@dataclass(frozen=True, slots=True)
class Conversion:
    from_stage: Stage
    to_stage: Stage
    reached_from: int
    reached_to: int

    @property
    def rate(self) -> float | None:
        return self.reached_to / self.reached_from if self.reached_from else None


@dataclass(frozen=True, slots=True)
class SlaCompliance:
    rule: str
    met: int
    met_late: int
    open_on_time: int  # on_track + due_soon
    breached: int  # overdue + escalated

    @property
    def decided(self) -> int:
        return self.met + self.met_late + self.breached

    @property
    def rate(self) -> float | None:
        """Share of decided clocks met in time (open clocks are not decided yet)."""
        return self.met / self.decided if self.decided else None


def furthest_stage(person: Person, stage_map: StageMap) -> Stage | None:
    """The furthest funnel stage a person ever reached, from history and the current value."""
    values = [entry.value for entry in person.stage_history]
    if person.lifecycle:
        values.append(person.lifecycle)
    reached = [stage_map.lifecycle.get(v) for v in values]
    ranks = [FUNNEL.index(s) for s in reached if s is not None and s in FUNNEL]
    return FUNNEL[max(ranks)] if ranks else None


def stage_counts(decisions: Iterable[RecordDecision]) -> dict[Stage, int]:
    """People per current canonical stage (unknown stages are left out)."""
    counts = Counter(d.lifecycle.stage for d in decisions if d.lifecycle.stage is not None)
    return {stage: counts.get(stage, 0) for stage in FUNNEL_ORDER}


def conversions(people: Iterable[Person], stage_map: StageMap) -> list[Conversion]:
    """Conversion between each pair of consecutive funnel stages the stage map uses (a HubSpot
    portal without an SAL stage converts MQL -> SQL directly)."""
    used = set(stage_map.lifecycle.values())
    stages = [s for s in FUNNEL if s in used]
    furthest = Counter(furthest_stage(p, stage_map) for p in people)
    reached = {
        stage: sum(
            n
            for s, n in furthest.items()
            if s is not None and FUNNEL.index(s) >= FUNNEL.index(stage)
        )
        for stage in stages
    }
    return [Conversion(a, b, reached[a], reached[b]) for a, b in pairwise(stages)]


def sla_compliance(decisions: Iterable[RecordDecision]) -> list[SlaCompliance]:
    """Per SLA rule: clocks met, met late, still open, and breached."""
    by_rule: dict[str, Counter[SlaState]] = {}
    for decision in decisions:
        for result in decision.sla:
            by_rule.setdefault(result.rule, Counter())[result.state] += 1
    return [
        SlaCompliance(
            rule=rule,
            met=c[SlaState.MET],
            met_late=c[SlaState.MET_LATE],
            open_on_time=c[SlaState.ON_TRACK] + c[SlaState.DUE_SOON],
            breached=c[SlaState.OVERDUE] + c[SlaState.ESCALATED],
        )
        for rule, c in sorted(by_rule.items())
    ]


def rejection_reasons(
    people: Iterable[Person], reason_field: str, placeholders: Sequence[str]
) -> dict[str, int]:
    """Rejection reasons given, most frequent first; placeholders count as "(missing)"."""
    lazy = {p.strip().casefold() for p in placeholders}
    counts: Counter[str] = Counter()
    for person in people:
        value = person.get(reason_field)
        text = "" if value is None else str(value).strip()
        counts[text if text and text.casefold() not in lazy else "(missing)"] += 1
    return dict(counts.most_common())


def mqls_needed(quota: float, average_deal: float, rates: Mapping[str, float]) -> int:
    """MQLs marketing must deliver for ``quota``: wins needed / P(won | MQL), rounded up.

    ``rates`` are the stage-to-stage rates from MQL to won (e.g. MQL->SAL 0.8, SAL->SQL 0.5,
    SQL->SQO 0.6, SQO->won 0.25 gives P = 0.06: a 500,000 quota at 25,000 a deal needs 334).

    Raises:
        ValueError: A non-positive quota, deal size or rate, or a rate above 1.
    """
    if quota <= 0 or average_deal <= 0:
        raise ValueError("quota and average deal size must be positive")
    probability = 1.0
    for name, rate in rates.items():
        if not 0 < rate <= 1:
            raise ValueError(f"rate {name} = {rate}: must be in (0, 1]")
        probability *= rate
    wins = math.ceil(quota / average_deal)
    # Round before ceil so 20 / 0.06 = 333.33.. is 334, and float noise never adds one.
    return math.ceil(round(wins / probability, 9))
