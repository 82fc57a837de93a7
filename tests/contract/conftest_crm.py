"""The ``crm`` fixture: every CRM's contract harness in turn (a plugin: see ``pytest_plugins``).

Test modules declare ``pytest_plugins = ["tests.contract.conftest_crm"]``; the harnesses themselves
live in :mod:`tests.contract.crm_harness` (HubSpot) and :mod:`tests.contract.salesforce_harness`.

A scenario that only one CRM has is not an ``if crm == ...`` in a test: the test (or its module)
is listed in :data:`NEEDS` with the capability it needs, and harnesses without that capability
skip it with the reason. CRM-specific versions of such scenarios live in their own modules
(``test_adapter_pull_salesforce.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from adapters.hubspot.emulator import HubSpotEmulator
from adapters.salesforce.emulator import SalesforceEmulator
from tests.contract.crm_harness import (
    APPLY,
    ARCHIVED_PASS,
    BURST_429,
    CAPABILITIES,
    CREATES_FIELDS,
    REFUSES_TASKS_ON_HIDDEN,
    STATIC_TOKEN,
    CrmHarness,
    HubSpotHarness,
)
from tests.contract.salesforce_harness import SalesforceHarness

HARNESSES: Mapping[str, Callable[[pytest.FixtureRequest], CrmHarness]] = {
    "hubspot": lambda request: HubSpotHarness(request.getfixturevalue("hubspot_server")),
    "salesforce": lambda request: SalesforceHarness(request.getfixturevalue("salesforce_server")),
}

NEEDS: Mapping[str, str] = {
    "test_a_storm_longer_than_the_retry_budget_surfaces": BURST_429,
    "test_pacing_from_the_rate_headers_avoids_every_429": BURST_429,
    "test_archived_records_are_reported_as_deleted_every_period": ARCHIVED_PASS,
    "test_expired_token_is_an_auth_error": STATIC_TOKEN,
    "test_ensure_schema_twice_creates_once": CREATES_FIELDS,
    "test_check_names_a_missing_property_and_a_missing_scope": CREATES_FIELDS,
    "test_missing_scopes_raise_naming_the_scope": REFUSES_TASKS_ON_HIDDEN,
    "tests.contract.test_adapter_apply": APPLY,
}
"""Test function or module → the capability it needs."""


@pytest.fixture(scope="session")
def hubspot_server() -> Iterator[HubSpotEmulator]:
    """One HubSpot emulator per test session; each harness resets it."""
    with HubSpotEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def salesforce_server() -> Iterator[SalesforceEmulator]:
    """One Salesforce emulator (TLS on 127.0.0.1) per test session; each harness resets it."""
    with SalesforceEmulator() as emulator:
        yield emulator


@pytest.fixture(params=sorted(HARNESSES))
def crm(request: pytest.FixtureRequest) -> CrmHarness:
    """Each CRM's harness in turn; tests needing a capability it lacks are skipped."""
    harness = HARNESSES[request.param](request)
    missing = sorted(_needs(request) - _capabilities(harness, request))
    if missing:
        lacks = "; ".join(f"{name} ({CAPABILITIES[name]})" for name in missing)
        pytest.skip(f"{harness.name} lacks {lacks}: see tests/contract/crm_harness.py")
    return harness


def _capabilities(harness: CrmHarness, request: pytest.FixtureRequest) -> frozenset[str]:
    # The write-back contract also needs the module's per-CRM extras (test_adapter_apply.EXTRAS).
    extras = getattr(request.module, "EXTRAS", None)
    if extras is not None and harness.name not in extras:
        return harness.capabilities - {APPLY}
    return harness.capabilities


def _needs(request: pytest.FixtureRequest) -> set[str]:
    names = (getattr(request.node, "originalname", request.node.name), request.module.__name__)
    return {NEEDS[name] for name in names if name in NEEDS}
