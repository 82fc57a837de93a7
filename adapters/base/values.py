"""Checking the values the planner sends, before any adapter spells them for its CRM.

The planner writes numbers and instants as text (``"72"``, ``"2026-03-09T10:30:00+00:00"``);
each adapter converts them to what its CRM expects. What makes such a value valid is the same for
every CRM, so it is checked here, once.
"""

from __future__ import annotations

import math
from datetime import datetime


def finite_number(value: str) -> float:
    """``value`` as a finite number.

    Raises:
        ValueError: It is not a number, or it is infinite or NaN.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def aware_instant(value: str) -> datetime:
    """``value`` as an ISO-8601 instant that carries a time zone.

    Raises:
        ValueError: It is not ISO-8601, or it has no time zone.
    """
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 instant") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment
