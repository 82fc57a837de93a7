"""When a record's verdict can change with no CRM change: the next instant to judge it again.

Without this every cycle would have to re-judge the whole store to notice an MQL going overdue at
12:30; with it a cycle re-judges only records whose ``next_check_at`` has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.decisions import RecordDecision


def next_check(
    decision: RecordDecision, as_of: datetime, score_refresh: timedelta
) -> datetime | None:
    """The earliest future instant at which ``decision`` may differ (``None``: only a CRM change).

    SLA clocks change state at known instants; a missing rejection reason turns into a task when
    its grace period ends; decaying engagement points shrink continuously, so such scores are
    refreshed every ``score_refresh``.
    """
    candidates = [r.next_change_at for r in decision.sla if r.next_change_at is not None]
    candidates.extend(r.due_at for r in decision.rejection if not r.overdue)
    if decision.score.decays:
        candidates.append(as_of + score_refresh)
    future = [at for at in candidates if at > as_of]
    return min(future) if future else None
