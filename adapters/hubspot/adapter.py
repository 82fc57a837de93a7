"""The HubSpot adapter: the :class:`~adapters.base.protocol.CrmAdapter` for one HubSpot account.

It owns one :class:`~adapters.hubspot.client.HubSpotClient` (SDK client, rate budget, retry
policy), so every method of one adapter shares the account's budget. Reads live in
:mod:`.pull` and :mod:`.owners`; writes, enrichment and schema in :mod:`.apply`, :mod:`.enrich` and
:mod:`.schema`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from typing_extensions import override

from adapters.base.protocol import (
    Action,
    ActionOutcome,
    CheckReport,
    CrmAdapter,
    Cursor,
    PropertySpec,
    PropertyType,
    PullBatch,
)
from adapters.hubspot.apply import OWNED_TYPES, apply_actions
from adapters.hubspot.client import HubSpotClient
from adapters.hubspot.enrich import enrich_people
from adapters.hubspot.owners import pull_owners
from adapters.hubspot.pull import Puller
from adapters.hubspot.schema import check_account, ensure_properties
from adapters.hubspot.settings import HubSpotSettings
from rules.model import ObjectType, Owner, Person


class HubSpotAdapter(CrmAdapter):
    """HubSpot through ``hubspot-api-client``, behind the adapter Protocol.

    Args:
        settings: The account's connection settings.
        client: A client to share (tests, or several adapters on one account); by default one
            built from ``settings``.
        required: The properties :meth:`check` looks for; by default the owned contact
            properties of ``settings``.
    """

    kind = "hubspot"

    def __init__(
        self,
        settings: HubSpotSettings,
        *,
        client: HubSpotClient | None = None,
        required: Sequence[PropertySpec] | None = None,
    ) -> None:
        self.settings = settings
        self.client = client if client is not None else HubSpotClient(settings)
        self.required = tuple(required) if required is not None else _owned_specs(settings)
        self._puller = Puller(self.client, settings)

    @override
    def check(self) -> CheckReport:
        return check_account(self.client, self.settings, self.required)

    @override
    def ensure_schema(self, specs: Sequence[PropertySpec]) -> tuple[str, ...]:
        return ensure_properties(self.client, self.settings, specs)

    @override
    def pull(
        self, object_type: ObjectType, cursor: Cursor | None, *, started_at: datetime
    ) -> Iterator[PullBatch]:
        return self._puller.pull(object_type, cursor, started_at)

    @override
    def owners(self) -> list[Owner]:
        return pull_owners(self.client)

    @override
    def enrich(self, object_type: ObjectType, people: Sequence[Person]) -> list[Person]:
        return enrich_people(self.client, self.settings, object_type, people)

    @override
    def apply(self, actions: Sequence[Action]) -> list[ActionOutcome]:
        return apply_actions(self.client, self.settings, actions)

    @override
    def usage(self) -> Mapping[tuple[str, int], int]:
        return self.client.usage()

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()


def _owned_specs(settings: HubSpotSettings) -> tuple[PropertySpec, ...]:
    return tuple(
        PropertySpec(ObjectType.CONTACT, name, name, OWNED_TYPES.get(name, PropertyType.STRING))
        for name in settings.owned_properties
    )
