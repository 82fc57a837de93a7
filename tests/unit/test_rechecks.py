"""Rechecks: the next instant a verdict can change without a CRM change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.rechecks import next_check
from rules.decisions import (
    LifecycleView,
    RecordDecision,
    RejectionResult,
    Score,
    SlaResult,
    SlaState,
)
from rules.model import LeadStatus, ObjectType

NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _decision(
    *, sla_next: datetime | None = None, reject_due: datetime | None = None, decays: bool = False
) -> RecordDecision:
    sla = ()
    if sla_next is not None:
        sla = (
            SlaResult(
                "r",
                ObjectType.CONTACT,
                "1",
                None,
                SlaState.ON_TRACK,
                NOW,
                NOW,
                next_change_at=sla_next,
            ),
        )
    rejection = ()
    if reject_due is not None:
        rejection = (
            RejectionResult(
                "x", ObjectType.CONTACT, "1", None, LeadStatus.DISQUALIFIED, NOW, reject_due, False
            ),
        )
    return RecordDecision(
        ObjectType.CONTACT,
        "1",
        None,
        LifecycleView(None, None, None, None),
        Score(0, 0, 0, decays=decays),
        sla=sla,
        rejection=rejection,
    )


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (_decision(), None),
        (_decision(sla_next=NOW + timedelta(hours=2)), NOW + timedelta(hours=2)),
        (_decision(sla_next=NOW - timedelta(hours=2)), None),  # already past: nothing ahead
        (_decision(reject_due=NOW + timedelta(hours=3)), NOW + timedelta(hours=3)),
        (_decision(decays=True), NOW + DAY),
        (
            _decision(sla_next=NOW + 2 * DAY, reject_due=NOW + 3 * DAY, decays=True),
            NOW + DAY,
        ),
    ],
)
def test_the_earliest_future_change_wins(
    decision: RecordDecision, expected: datetime | None
) -> None:
    assert next_check(decision, NOW, DAY) == expected
