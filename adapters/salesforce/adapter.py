"""The Salesforce adapter: the :class:`~adapters.base.protocol.CrmAdapter` for one org.

It owns one :class:`~adapters.salesforce.client.SalesforceClient` (session, rate budget, retry
policy), so every method of one adapter shares the org's daily allocation. Reads live in
:mod:`.pull` and :mod:`.owners`; writes, enrichment and schema in :mod:`.apply`, :mod:`.enrich`
and :mod:`.schema`.

People are Leads *and* Contacts (``ObjectType.LEAD`` and ``CONTACT``); deals are Opportunities.
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
from adapters.salesforce.apply import apply_actions
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.enrich import enrich_people
from adapters.salesforce.fields_setup import ensure_fields
from adapters.salesforce.owned import OWNED_PROPERTIES
from adapters.salesforce.owners import pull_owners
from adapters.salesforce.pull import Puller
from adapters.salesforce.schema import check_org
from adapters.salesforce.settings import SalesforceSettings
from rules.model import ObjectType, Owner, Person

_OWNED_TYPES = {
    "smarketing_score": PropertyType.NUMBER,
    "smarketing_sla_due": PropertyType.DATETIME,
}


class SalesforceAdapter(CrmAdapter):
    """Salesforce through ``simple-salesforce``, behind the adapter Protocol.

    Args:
        settings: The org's connection settings.
        client: A client to share (tests, or several adapters on one org); by default one built
            from ``settings``.
        required: The properties :meth:`check` looks for; by default the owned person fields.
    """

    kind = "salesforce"

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        client: SalesforceClient | None = None,
        required: Sequence[PropertySpec] | None = None,
    ) -> None:
        self.settings = settings
        self.client = client if client is not None else SalesforceClient(settings)
        self.required = tuple(required) if required is not None else owned_specs()
        self._puller = Puller(self.client, settings)

    @override
    def check(self) -> CheckReport:
        statuses = self.settings.lead_statuses
        return check_org(self.client, self.settings, self.required, statuses=statuses)

    @override
    def ensure_schema(self, specs: Sequence[PropertySpec]) -> tuple[str, ...]:
        return ensure_fields(self.client, self.settings, specs, create=True)

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


def owned_specs() -> tuple[PropertySpec, ...]:
    """The person properties the connector writes, as :meth:`SalesforceAdapter.check` needs."""
    return tuple(
        PropertySpec(ObjectType.LEAD, name, name, _OWNED_TYPES.get(name, PropertyType.STRING))
        for name in OWNED_PROPERTIES
    )
