"""Which CRM fields the rules read, so adapters request exactly those (and nothing more).

Asking the CRM for every property makes pages slow and URLs too long (HubSpot answers 414 past a
few hundred properties); asking for too few makes rules silently judge ``None``. The ruleset is the
one place that knows, so the list is derived from it.
"""

from __future__ import annotations

from rules.model import PERSON_ATTRIBUTES
from rules.ruleset import Condition, Ruleset, TouchKind


def fields_used(ruleset: Ruleset) -> tuple[str, ...]:
    """Every record field a rule reads beyond the model's own attributes, sorted."""
    names: set[str] = set()

    def condition(cond: Condition) -> None:
        names.add(cond.field)

    for sla in ruleset.sla:
        for cond in sla.where:
            condition(cond)
        for signal in sla.touches:
            if signal.kind is TouchKind.PROPERTY and signal.property:
                names.add(signal.property)
    for rejection in ruleset.rejection:
        names.add(rejection.reason_field)
    for rule in ruleset.scoring.rules:
        condition(rule.when)
        if rule.at:
            names.add(rule.at)
    names.update(ruleset.stage_map.stage_date_properties.values())
    return tuple(sorted(names - PERSON_ATTRIBUTES))
