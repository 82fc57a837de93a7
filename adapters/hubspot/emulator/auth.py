"""Bearer tokens, expiry and scopes (fact sheet §1, §8, §12, §19.7).

Each endpoint needs the scopes of the objects it touches: ``crm.objects.{contacts|companies|deals}.
{read|write}`` (tasks use the contacts scopes, §8), ``crm.objects.owners.read``, and
``crm.schemas.{type}.{read|write}`` for properties. A token without one gets 403 ``MISSING_SCOPES``
naming what is missing; a missing, unknown or expired token gets 401.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import missing_scopes, unauthenticated
from .objects import SPECS, ObjectType
from .options import TokenSpec


class Resource(StrEnum):
    """Which scope family an endpoint belongs to."""

    OBJECTS = "objects"
    SCHEMAS = "schemas"
    OWNERS = "owners"
    PIPELINES = "pipelines"


def required_scopes(
    resource: Resource, write: bool, types: Iterable[ObjectType]
) -> tuple[str, ...]:
    """The scopes an endpoint needs for the object types in its path."""
    mode = "write" if write else "read"
    if resource is Resource.OWNERS:
        return ("crm.objects.owners.read",)
    if resource is Resource.PIPELINES:
        return (f"crm.objects.deals.{mode}",)
    family = "schemas" if resource is Resource.SCHEMAS else "objects"
    scopes: dict[str, None] = {}
    for obj in types:
        spec = SPECS[obj]
        scopes[
            f"crm.{family}.{spec.schema_scope if family == 'schemas' else spec.scope_object}.{mode}"
        ] = None
    return tuple(scopes)


@dataclass(slots=True)
class TokenState:
    """A token and how many requests it has served."""

    spec: TokenSpec
    requests: int = 0


class Auth:
    """The tokens one emulator accepts."""

    def __init__(self, specs: Iterable[TokenSpec], now: Callable[[], datetime]) -> None:
        self._now = now
        self._tokens: dict[str, TokenState] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: TokenSpec) -> None:
        """Accept another token (e.g. a refreshed one) or replace one with the same secret."""
        self._tokens[spec.token] = TokenState(spec)

    def revoke(self, token: str) -> None:
        """Stop accepting a token."""
        self._tokens.pop(token, None)

    def authenticate(self, header: str | None) -> TokenState:
        """The token state for an ``Authorization`` header.

        Raises:
            HubSpotError: 401 when the header is missing, the token unknown or expired.
        """
        if not header or not header.lower().startswith("bearer "):
            raise unauthenticated()
        state = self._tokens.get(header[7:].strip())
        if state is None:
            raise unauthenticated("The access token provided is invalid or has been revoked.")
        spec = state.spec
        used_up = (
            spec.expires_after_requests is not None
            and state.requests >= spec.expires_after_requests
        )
        if used_up or (spec.expires_at is not None and self._now() >= spec.expires_at):
            raise unauthenticated("The access token used to make this call has expired.")
        state.requests += 1
        return state

    @staticmethod
    def authorize(state: TokenState, required: Iterable[str]) -> None:
        """Check scopes.

        Raises:
            HubSpotError: 403 ``MISSING_SCOPES`` naming the scopes the token lacks.
        """
        granted = state.spec.scopes
        if granted is None:
            return
        missing = [scope for scope in required if scope not in granted]
        if missing:
            raise missing_scopes(missing)
