"""The value checks both adapters share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.base.values import aware_instant, finite_number


@pytest.mark.parametrize(("text", "number"), [("72", 72.0), (" 1.5 ", 1.5), ("-3", -3.0)])
def test_finite_numbers_parse(text: str, number: float) -> None:
    assert finite_number(text) == number


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_infinite_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        finite_number(text)


def test_an_instant_needs_a_time_zone() -> None:
    assert aware_instant("2026-03-09T10:30:00+00:00") == datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="has no time zone"):
        aware_instant("2026-03-09T10:30:00")
    with pytest.raises(ValueError, match="not an ISO-8601 instant"):
        aware_instant("tomorrow")
