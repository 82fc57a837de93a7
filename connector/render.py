"""How a cycle's plan and findings are shown: the dry-run JSON of ARCHITECTURE.md, and plain text.

The JSON shape is a contract (``sync --once --dry-run --format json``): keys are only ever added.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from adapters.base.protocol import Action, PropertyUpdate, TaskClose, TaskCreate
from connector.plan import Breach, format_instant
from connector.sync import CycleReport


def action_json(action: Action) -> dict[str, Any]:
    """One action as the dry-run JSON spells it."""
    base: dict[str, Any] = {
        "kind": str(action.kind),
        "record_type": str(action.record_type),
        "record_id": action.record_id,
    }
    if isinstance(action, PropertyUpdate):
        return {
            **base,
            "property": action.property,
            "value": action.value,
            "previous": action.previous,
            "key": action.key,
        }
    if isinstance(action, TaskCreate):
        return {
            **base,
            "rule": action.rule,
            "key": action.key,
            "owner_id": action.owner_id,
            "due": format_instant(action.due),
            "subject": action.subject,
            "priority": str(action.priority),
        }
    if isinstance(action, TaskClose):
        return {**base, "rule": action.rule, "key": action.key}
    raise TypeError(f"not an action: {action!r}")


def breach_json(breach: Breach) -> dict[str, Any]:
    return {
        "rule": breach.rule,
        "record_type": str(breach.record_type),
        "record_id": breach.record_id,
        "owner_id": breach.owner_id,
        "status": breach.status,
        "due": format_instant(breach.due),
        "escalated": breach.escalated,
    }


def plan_json(report: CycleReport, crm: str) -> str:
    """The dry-run document: as_of, crm, actions and breaches."""
    document = {
        "as_of": report.as_of.isoformat(),
        "crm": crm,
        "actions": [action_json(a) for a in report.plan],
        "breaches": [breach_json(b) for b in report.breaches],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def plan_text(report: CycleReport, crm: str) -> str:
    """A short human summary of a cycle (or a dry run's plan)."""
    kinds = Counter(str(a.kind) for a in report.plan)
    lines = [
        f"{crm} as of {report.as_of.isoformat()}: pulled "
        + ", ".join(f"{n} {kind}s" for kind, n in sorted(report.pulled.items()))
        + f"; judged {report.judged} people",
        f"The connector {'would plan' if report.dry_run else 'planned'}: "
        + (", ".join(f"{n} x {kind}" for kind, n in sorted(kinds.items())) or "nothing"),
    ]
    for kind, counts in sorted(report.outcomes.items()):
        results = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        lines.append(f"  sent {kind}: {results}")
    if report.held_back:
        lines.append(
            f"  held back: {report.held_back} writes the CRM refused before "
            "(sent again once the record changes, or a day later)"
        )
    overdue = [b for b in report.breaches if b.status == "overdue"]
    missing = [b for b in report.breaches if b.status == "missing_reason"]
    lines.append(
        f"Open breaches: {len(overdue)} overdue follow-ups "
        f"({sum(b.escalated for b in overdue)} escalated), {len(missing)} missing rejection reasons"
    )
    for unknown, count in sorted(report.unknown_values.items()):
        lines.append(f"  not judged: {unknown} x {count}")
    return "\n".join(lines)
