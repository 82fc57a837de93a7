"""Owners (§6): a record's ``hubspot_owner_id`` holds the owner ``id``, not ``userId``."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import JsonDict
from .timefmt import iso_ms


@dataclass(frozen=True, slots=True)
class Team:
    """A team an owner belongs to."""

    id: str
    name: str
    primary: bool = True


@dataclass(frozen=True, slots=True)
class Owner:
    """A HubSpot user (``PERSON``) or queue (``QUEUE``) that can own records."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    teams: tuple[Team, ...] = ()
    type: str = "PERSON"
    archived: bool = False
    created_ms: int = 0

    def to_json(self) -> JsonDict:
        """The ``PublicOwner`` JSON."""
        stamp = iso_ms(self.created_ms)
        return {
            "id": self.id,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "type": self.type,
            "teams": [{"id": t.id, "name": t.name, "primary": t.primary} for t in self.teams],
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": self.archived,
        }
