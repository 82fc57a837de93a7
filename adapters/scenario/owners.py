"""The seller's sales organisation: a VP, one manager per team, and the reps who own people.

Two teams split the market by company size (SMB and Enterprise, see ``ENTERPRISE_EMPLOYEES``).
Each team has 3 reps below 10,000 people and one more per tenfold growth, at most 6: enough for
per-owner reports to mean something, without pretending a benchmark portal has a sales floor.
Reps sit in different time zones, and some have none set, as in real CRMs (owner-time-zone SLA
clocks then fall back to the company's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import log10
from random import Random
from types import MappingProxyType

from adapters.scenario.model import ScenarioOwner
from adapters.scenario.tables import FIRST_NAMES, LAST_NAMES

SMB, ENTERPRISE = "SMB", "Enterprise"
_LEADERSHIP = "Leadership"
_TEAMS: tuple[tuple[str, str | None, tuple[str | None, ...]], ...] = (
    (
        SMB,
        "Europe/Kyiv",
        ("Europe/Kyiv", None, "Europe/Warsaw", "Europe/Kyiv", None, "Europe/Kyiv"),
    ),
    (
        ENTERPRISE,
        "Europe/Berlin",
        ("America/New_York", "Europe/Berlin", None, "America/New_York", "Europe/Berlin", None),
    ),
)
"""Each team, its manager's time zone and its reps' (rep ``i`` gets entry ``i``): SMB works from
the Kyiv office, Enterprise covers Germany and North America; some reps never set a zone."""

_EMAIL_DOMAIN = "seller.example"


@dataclass(frozen=True, slots=True)
class Roster:
    """The owners, and who works which team."""

    owners: tuple[ScenarioOwner, ...]
    reps: Mapping[str, tuple[str, ...]]
    managers: Mapping[str, str]


def reps_per_team(people: int) -> int:
    """How many reps each team has for a scenario of ``people`` people."""
    return 3 + min(3, max(0, int(log10(max(people, 1))) - 3))


def build_roster(rng: Random, people: int) -> Roster:
    """Owners with ids ``"1001"`` upwards: the VP, then each team's manager and its reps."""
    size = reps_per_team(people)
    names = iter(_distinct_names(rng, 1 + len(_TEAMS) * (1 + size)))
    owners: list[ScenarioOwner] = []

    def hire(boss: str | None, team: str, timezone: str | None, is_manager: bool) -> str:
        first, last = next(names)
        owner = ScenarioOwner(
            id=str(1001 + len(owners)),
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@{_EMAIL_DOMAIN}".lower(),
            manager_id=boss,
            team=team,
            timezone=timezone,
            is_manager=is_manager,
        )
        owners.append(owner)
        return owner.id

    vp = hire(None, _LEADERSHIP, "Europe/Kyiv", True)
    managers = {team: hire(vp, team, timezone, True) for team, timezone, _ in _TEAMS}
    reps = {
        team: tuple(hire(managers[team], team, zones[i], False) for i in range(size))
        for team, _, zones in _TEAMS
    }
    return Roster(tuple(owners), MappingProxyType(reps), MappingProxyType(managers))


def _distinct_names(rng: Random, count: int) -> list[tuple[str, str]]:
    picks = rng.sample(range(len(FIRST_NAMES) * len(LAST_NAMES)), count)
    return [(FIRST_NAMES[i // len(LAST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)]) for i in picks]
