"""The entry point: one deterministic scenario from a seed, a size and a moment."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from random import Random

from adapters.scenario.deals import build_deals
from adapters.scenario.journey import Window
from adapters.scenario.model import Scenario
from adapters.scenario.owners import build_roster
from adapters.scenario.people import build_people
from rules.model import require_aware

FRESH_PER_PEOPLE = 500
"""One fresh, untouched MQL inside its SLA window per 500 people, and at least three."""
MIN_FRESH = 3


def generate(seed: int, people: int, now: datetime, *, deals_per_100_people: int = 20) -> Scenario:
    """Generate the scenario both CRM emulators are seeded with.

    The result is a pure function of the arguments: the same seed, size and ``now`` give equal
    scenarios on every run and machine (with the same Python version's ``random``).

    Args:
        seed: Seeds the only random generator used.
        people: How many people to create.
        now: The moment the scenario is observed; every timestamp is at or before it. Any time
            zone is accepted; the scenario is in UTC.
        deals_per_100_people: How many deals to create per 100 people. Every opportunity and
            customer still gets its deal if that needs more.

    Returns:
        The owners, the people numbered ``1..people`` by creation time, and the deals.

    Raises:
        ValueError: ``now`` is naive, or a count is negative.
    """
    require_aware(now, "scenario now")
    if people < 0 or deals_per_100_people < 0:
        raise ValueError(
            f"people ({people}) and deals_per_100_people ({deals_per_100_people}) must be >= 0"
        )
    now = now.astimezone(UTC)
    rng = Random(seed)  # noqa: S311 - demo data, not secrets; seeded so that it is reproducible
    with _collector_paused():
        roster = build_roster(rng, people)
        fresh = min(people, max(MIN_FRESH, people // FRESH_PER_PEOPLE))
        persons = build_people(rng, people, Window(now), roster, fresh)
        teams = {owner.id: owner.team for owner in roster.owners}
        target = round(people * deals_per_100_people / 100)
        deals = build_deals(rng, persons, teams, now, target)
    return Scenario(seed=seed, now=now, owners=roster.owners, people=persons, deals=deals)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, and restore it as it was.

    A scenario is about a million small containers that all live until the end and form no
    cycles, so each collection rescans them and frees nothing: that was 40-50 % of the run time at
    100,000 people. Reference counting still frees every temporary.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
