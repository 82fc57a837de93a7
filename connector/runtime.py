"""Wiring: from a loaded configuration to a working adapter, store and sync cycle.

The only place that reads secrets from the environment, and the only place in ``connector/`` that
names a concrete adapter class (with :mod:`connector.runtime_salesforce`, its Salesforce half).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from adapters.base.errors import ConfigurationError
from adapters.base.protocol import CrmAdapter, PropertySpec, PropertyType
from adapters.hubspot import HubSpotAdapter, HubSpotSettings
from connector.config import Settings
from connector.config.runtime import OwnersSettings
from connector.config.schema import CrmKind
from connector.fields import fields_used
from connector.plan import SCORE, SCORE_EXPLANATION, SLA_DUE, SLA_STATUS
from connector.runtime_salesforce import build_salesforce
from connector.store import Store
from connector.sync import CycleOptions, SyncCycle
from rules.model import ObjectType, Owner

OWNED_SPECS: tuple[PropertySpec, ...] = (
    PropertySpec(ObjectType.CONTACT, SCORE, "Smarketing score", PropertyType.NUMBER,
                 "Lead score 0-100 (fit + engagement), written by Smarketing"),
    PropertySpec(ObjectType.CONTACT, SCORE_EXPLANATION, "Smarketing score explanation",
                 PropertyType.STRING, "Which rules gave the score its points", max_length=1000),
    PropertySpec(ObjectType.CONTACT, SLA_STATUS, "Smarketing SLA status", PropertyType.STRING,
                 "on_track, due_soon, overdue, escalated, met or met_late"),
    PropertySpec(ObjectType.CONTACT, SLA_DUE, "Smarketing SLA due", PropertyType.DATETIME,
                 "When sales must have touched this record"),
)  # fmt: skip
"""The properties the connector writes on people (``smarketing setup`` creates them)."""


def utc_now() -> datetime:
    """The wall clock, in UTC; the one clock read of the daemon (rules take time as a value)."""
    return datetime.now(UTC)


def build_adapter(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    api_limit: int | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CrmAdapter:
    """The adapter for the configured CRM, with the secrets read from their environment variables.

    ``api_limit`` overrides HubSpot's calls per 10 s assumed before its rate headers arrive (the
    built-in emulator, unthrottled, sends none). ``clock`` replaces the wall clock Salesforce's
    sessions are timed by (the demo's simulated clock); HubSpot tokens do not expire.

    Raises:
        ConfigurationError: A variable holding a secret is unset, or a key file is unreadable.
    """
    env = os.environ if env is None else env
    crm = settings.crm
    if crm.kind == CrmKind.SALESFORCE:
        owned = tuple(spec.name for spec in OWNED_SPECS)
        return build_salesforce(settings, env, owned, clock=clock)
    token = env.get(crm.hubspot.token_env, "").strip()
    if not token:
        raise ConfigurationError(
            f"${crm.hubspot.token_env} is not set: put the HubSpot private-app token in it "
            f"(crm.hubspot.token_env in {settings.source})"
        )
    ruleset = settings.ruleset
    hubspot = HubSpotSettings(
        base_url=str(crm.hubspot.base_url).rstrip("/"),
        token=token,
        person_properties=fields_used(ruleset),
        lifecycle_values=tuple(ruleset.stage_map.lifecycle),
        owned_properties=tuple(spec.name for spec in OWNED_SPECS),
    )
    if api_limit is not None:
        hubspot = replace(hubspot, api_limit=api_limit)
    return HubSpotAdapter(hubspot)


def with_managers(owners: Iterable[Owner], config: OwnersSettings) -> list[Owner]:
    """Owners with ``manager_id`` filled in from ``[owners]`` where the CRM left it empty.

    ``managers`` (owner email -> manager email) wins over ``team_managers`` (team -> manager
    email); a manager email that matches no owner is ignored (escalations then go to the owner).
    """
    listed = list(owners)
    by_email = {o.email.lower(): o.id for o in listed if o.email}
    result: list[Owner] = []
    for owner in listed:
        manager_id = owner.manager_id
        if manager_id is None:
            email = (owner.email or "").lower()
            manager_email = config.managers.get(email) or config.team_managers.get(owner.team or "")
            manager_id = by_email.get(manager_email or "")
        keep = manager_id is None or manager_id in (owner.id, owner.manager_id)
        result.append(owner if keep else replace(owner, manager_id=manager_id))
    return result


def build_cycle(
    settings: Settings,
    adapter: CrmAdapter,
    store: Store,
    clock: Callable[[], datetime] = utc_now,
) -> SyncCycle:
    """The sync cycle for ``settings``, on ``adapter`` and ``store``."""
    return SyncCycle(
        crm=str(settings.crm.kind),
        ruleset=settings.ruleset,
        adapter=adapter,
        store=store,
        clock=clock,
        owners_hook=lambda owners: with_managers(owners, settings.owners),
        options=CycleOptions(people=person_types(settings)),
    )


def person_types(settings: Settings) -> tuple[ObjectType, ...]:
    """Where the CRM keeps people: HubSpot Contacts; Salesforce Leads, then converted Contacts."""
    if settings.crm.kind == CrmKind.SALESFORCE:
        return (ObjectType.LEAD, ObjectType.CONTACT)
    return (ObjectType.CONTACT,)
