"""The CRM-agnostic model the rules judge.

Adapters translate HubSpot contacts and Salesforce leads/contacts into :class:`Person`, deals and
opportunities into :class:`Deal`, users into :class:`Owner`. Values keep the CRM's own spelling
(``"marketingqualifiedlead"``, ``"Working - Contacted"``): mapping them to canonical stages is a
rule that marketing ops configure (:mod:`rules.lifecycle`), not something an adapter guesses.

Every datetime is timezone-aware; constructing a record with a naive datetime raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

FieldValue = str | int | float | bool | datetime | date | None
"""A fit or engagement attribute as the rules see it; ``None`` means unset."""


class Stage(StrEnum):
    """Canonical funnel stages, shared by marketing and sales."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"


FUNNEL_ORDER: tuple[Stage, ...] = tuple(Stage)
"""Stages in funnel order; ``OTHER`` sorts last and is outside the funnel."""


class LeadStatus(StrEnum):
    """Canonical sales-side statuses of a person."""

    NEW = "new"
    ATTEMPTING = "attempting"
    CONNECTED = "connected"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    RECYCLED = "recycled"


class ObjectType(StrEnum):
    """The CRM object a record came from; kept so write-back addresses the right object."""

    CONTACT = "contact"
    LEAD = "lead"
    DEAL = "deal"


class ActivityKind(StrEnum):
    """Sales activities that can count as a touch."""

    TASK = "task"
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"


def require_aware(value: datetime, what: str) -> datetime:
    """Return ``value`` if it carries a time zone, else raise ``ValueError`` naming ``what``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}: naive datetime {value.isoformat()} (a time zone is required)")
    return value


def _require_aware_fields(owner: str, values: Iterable[tuple[str, object]]) -> None:
    for name, value in values:
        if isinstance(value, datetime):
            require_aware(value, f"{owner}.{name}")


@dataclass(frozen=True, slots=True)
class StageEntry:
    """One stay in a lifecycle stage or lead status, in the CRM's own spelling."""

    value: str
    entered_at: datetime
    exited_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.entered_at, f"stage entry {self.value!r}.entered_at")
        if self.exited_at is not None:
            require_aware(self.exited_at, f"stage entry {self.value!r}.exited_at")


@dataclass(frozen=True, slots=True)
class Activity:
    """A sales activity logged against a person (a touch candidate)."""

    kind: ActivityKind
    at: datetime
    owner_id: str | None = None
    completed: bool = True

    def __post_init__(self) -> None:
        require_aware(self.at, f"{self.kind} activity.at")


@dataclass(frozen=True, slots=True)
class Person:
    """A HubSpot contact or a Salesforce lead/contact.

    ``lifecycle`` and ``lead_status`` are raw CRM values; ``stage_history`` and ``status_history``
    list their stays oldest first (from stage-date properties or field history). ``fields`` holds
    the fit and engagement attributes that scoring and SLA filters read, including timestamps
    that can signal a sales touch (e.g. ``hs_sa_first_engagement_date``).
    """

    id: str
    object_type: ObjectType = ObjectType.CONTACT
    owner_id: str | None = None
    email: str | None = None
    company: str | None = None
    source: str | None = None
    lifecycle: str | None = None
    lead_status: str | None = None
    stage_history: tuple[StageEntry, ...] = ()
    status_history: tuple[StageEntry, ...] = ()
    activities: tuple[Activity, ...] = ()
    rejection_reason: str | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware_fields(f"person {self.id}", self.fields.items())
        _require_aware_fields(
            f"person {self.id}", (("created_at", self.created_at), ("updated_at", self.updated_at))
        )

    def get(self, name: str) -> FieldValue:
        """Look a field up by name: the named attributes first, then ``fields``."""
        if name in PERSON_ATTRIBUTES:
            value: FieldValue = getattr(self, name)
            return value
        return self.fields.get(name)


PERSON_ATTRIBUTES = frozenset(
    {"id", "owner_id", "email", "company", "source", "lifecycle", "lead_status", "rejection_reason"}
)
"""Person attributes that ``Person.get`` reads by name; every adapter maps them itself."""


@dataclass(frozen=True, slots=True)
class Deal:
    """A HubSpot deal or a Salesforce opportunity."""

    id: str
    name: str | None = None
    amount: float | None = None
    stage: str | None = None
    pipeline: str | None = None
    is_won: bool = False
    is_closed: bool = False
    close_date: date | None = None
    owner_id: str | None = None
    person_ids: tuple[str, ...] = ()
    stage_history: tuple[StageEntry, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware_fields(
            f"deal {self.id}", (("created_at", self.created_at), ("updated_at", self.updated_at))
        )


@dataclass(frozen=True, slots=True)
class Owner:
    """A CRM user who owns records: a rep, a manager."""

    id: str
    name: str = ""
    email: str | None = None
    manager_id: str | None = None
    team: str | None = None
    timezone: str | None = None
    active: bool = True
