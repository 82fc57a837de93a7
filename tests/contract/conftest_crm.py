"""The ``crm`` fixture: every CRM's contract harness in turn (a plugin: see ``pytest_plugins``).

Test modules declare ``pytest_plugins = ["tests.contract.conftest_crm"]``; the harnesses themselves
live in :mod:`tests.contract.crm_harness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from adapters.hubspot.emulator import HubSpotEmulator
from tests.contract.crm_harness import CrmHarness, HubSpotHarness

HARNESSES: Mapping[str, Callable[[pytest.FixtureRequest], CrmHarness]] = {
    "hubspot": lambda request: HubSpotHarness(request.getfixturevalue("hubspot_server")),
}


@pytest.fixture(scope="session")
def hubspot_server() -> Iterator[HubSpotEmulator]:
    """One HubSpot emulator per test session; each harness resets it."""
    with HubSpotEmulator() as emulator:
        yield emulator


@pytest.fixture(params=sorted(HARNESSES))
def crm(request: pytest.FixtureRequest) -> CrmHarness:
    """Each CRM's harness in turn (Salesforce joins when its harness exists)."""
    return HARNESSES[request.param](request)
