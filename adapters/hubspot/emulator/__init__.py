"""A stateful local HubSpot CRM API emulator, faithful to ``../shared/crm/hubspot-api.md``.

Usage::

    with HubSpotEmulator(EmulatorOptions(limits=RateLimits.unlimited())) as emu:
        client = hubspot.Client.create(access_token=emu.token, host=emu.base_url)
        emu.state  # the Portal: records, owners, schemas, associations

Module map: ``options`` (configuration) · ``server`` (threaded uvicorn) · ``standalone``
(``serve``) · ``app`` (routes) · ``http`` (guard: auth, scopes, limits, faults) · ``routes/``
(handlers) · ``portal``, ``records``, ``schema``, ``catalog``, ``pipelines``, ``owners``,
``associations`` (state) · ``writes``, ``values``, ``stages`` (write semantics) · ``search``,
``search_filters`` · ``render`` · ``limits`` · ``faults`` · ``auth`` · ``seed``, ``seed_deals``
(scenario loading).
"""

from __future__ import annotations

from .clock import ManualClock
from .objects import ObjectType
from .options import Behaviour, EmulatorOptions, FaultKind, Faults, RateLimits, TokenSpec
from .owners import Owner, Team
from .portal import Portal, Source
from .server import HubSpotEmulator

__all__ = [
    "Behaviour",
    "EmulatorOptions",
    "FaultKind",
    "Faults",
    "HubSpotEmulator",
    "ManualClock",
    "ObjectType",
    "Owner",
    "Portal",
    "RateLimits",
    "Source",
    "Team",
    "TokenSpec",
]
