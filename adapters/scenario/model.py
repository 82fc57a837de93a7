"""The scenario's values: CRM-neutral owners, people and deals that an emulator turns into records.

Every datetime is timezone-aware UTC. Timelines are tuples of ``(value, entered_at)`` pairs, oldest
first, with strictly increasing timestamps; the last pair is the current value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from adapters.scenario.tables import Country, Industry
from rules.model import ActivityKind, LeadStatus, Stage

DEAL_STAGES: tuple[str, ...] = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
"""The stages of the default deal pipeline, open ones in order, then the two closed ones."""

OPEN_DEAL_STAGES: tuple[str, ...] = DEAL_STAGES[:5]
"""The stages of a deal that is still being worked, in pipeline order."""

WON, LOST = "closedwon", "closedlost"

REJECTION_REASONS: tuple[str, ...] = (
    "No budget",
    "Wrong persona",
    "Competitor customer",
    "Student",
    "Duplicate",
    "Bad contact data",
    "No current project",
)
"""Reasons a rep gives when sales rejects (disqualifies) a lead."""

PLACEHOLDER_REASONS: tuple[str, ...] = ("", "Select", "unknown", "-")
"""What a rep in a hurry leaves in a required reason field: set, but useless to marketing."""


@dataclass(frozen=True, slots=True)
class ScenarioOwner:
    """A CRM user: a rep who owns people and deals, or a manager above reps."""

    id: str
    first_name: str
    last_name: str
    email: str
    manager_id: str | None
    team: str
    timezone: str | None
    is_manager: bool


@dataclass(frozen=True, slots=True)
class ScenarioActivity:
    """A completed sales activity logged against a person."""

    kind: ActivityKind
    at: datetime
    owner_id: str
    subject: str


@dataclass(frozen=True, slots=True)
class ScenarioPerson:
    """A HubSpot contact or Salesforce lead, with its lifecycle and sales history.

    ``stages`` and ``statuses`` are timelines (see the module docstring); ``statuses`` is empty
    while nobody in sales cares about the person. ``first_touch_at`` is the first activity by the
    owner after the person became an MQL (a manager's review task does not count).
    """

    key: int
    first_name: str
    last_name: str
    email: str
    company: str
    domain: str
    jobtitle: str
    numemployees: int
    industry: Industry
    country: Country
    source: str
    owner_id: str | None
    created_at: datetime
    stages: tuple[tuple[Stage, datetime], ...]
    statuses: tuple[tuple[LeadStatus, datetime], ...]
    first_touch_at: datetime | None
    activities: tuple[ScenarioActivity, ...]
    rejection_reason: str | None
    page_views: int
    form_submissions: int
    email_clicks: int
    last_click_at: datetime | None
    recent_conversion_at: datetime | None
    updated_at: datetime

    @property
    def stage(self) -> Stage:
        """The current lifecycle stage."""
        return self.stages[-1][0]

    def entered(self, stage: Stage) -> datetime | None:
        """When the person entered ``stage``, or ``None`` if they never did."""
        for value, at in self.stages:
            if value is stage:
                return at
        return None


@dataclass(frozen=True, slots=True)
class ScenarioDeal:
    """A deal in the default pipeline; ``stages`` is its stage timeline, the last is current."""

    key: int
    name: str
    amount: int
    stage: str
    pipeline: str
    created_at: datetime
    close_date: date
    owner_id: str
    person_keys: tuple[int, ...]
    stages: tuple[tuple[str, datetime], ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Scenario:
    """One generated world: what both emulators are seeded with. ``now`` is in UTC."""

    seed: int
    now: datetime
    owners: tuple[ScenarioOwner, ...]
    people: tuple[ScenarioPerson, ...]
    deals: tuple[ScenarioDeal, ...]
