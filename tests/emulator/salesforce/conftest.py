"""Fixtures: one TLS emulator per test session, reset to a fresh org and options per test.

``emu`` is the shared server with a fresh org (custom fields of a configured org defined), the
manual clock and default limits; ``sf`` is simple-salesforce in direct mode over real TLS sockets;
``api`` is a plain authenticated ``requests.Session`` with a ``url()`` helper for raw checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from adapters.salesforce.emulator import EmulatorOptions, ManualClock, Org, SalesforceEmulator
from adapters.salesforce.emulator.seed_schema import define_org
from adapters.salesforce.emulator.writes import create

VERSION = "59.0"
DATA = f"/services/data/v{VERSION}"


@pytest.fixture(scope="session")
def sf_server() -> Iterator[SalesforceEmulator]:
    with SalesforceEmulator() as emulator:
        yield emulator


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def fresh_org(options: EmulatorOptions) -> Org:
    """An org set up like a seeded one, without data: custom fields (``Score__c``,
    ``Rejection_Reason__c``, ...), the extended lead statuses, business hours and the queue."""
    org = Org(options.now, options.behaviour)
    define_org(org)
    return org


@pytest.fixture
def emu(sf_server: SalesforceEmulator, clock: ManualClock) -> SalesforceEmulator:
    options = EmulatorOptions(now=clock.now, monotonic=clock.monotonic, sleep=_no_sleep)
    sf_server.reset(options, fresh_org(options))
    return sf_server


async def _no_sleep(_: float) -> None:
    """Tests never sleep; tests that check delays inject a recorder instead."""


def configure(emulator: SalesforceEmulator, **changes: Any) -> None:
    """Reset with some option fields replaced, on a fresh org built with the new options."""
    options = replace(emulator.runtime.options, **changes)
    emulator.reset(options, fresh_org(options))


class Api(requests.Session):
    """An authenticated session trusting the emulator; ``url("/limits")`` is under the version."""

    def __init__(self, emulator: SalesforceEmulator) -> None:
        super().__init__()
        self.trust_env = False
        self.verify = emulator.ca_bundle_path
        self.instance_url = emulator.instance_url
        self.headers["Authorization"] = f"Bearer {emulator.token}"

    def url(self, path: str) -> str:
        """An absolute URL for a path under ``/services/data/v59.0``."""
        return f"{self.instance_url}{DATA}{path}"

    def query(self, text: str) -> Any:
        """The first page of ``GET /query?q=text``."""
        return self.get(self.url("/query"), params={"q": text}).json()


@pytest.fixture
def api(emu: SalesforceEmulator) -> Iterator[Api]:
    with Api(emu) as session:
        yield session


@pytest.fixture
def sf(emu: SalesforceEmulator) -> Iterator[Salesforce]:
    session = emu.session()
    yield Salesforce(
        instance_url=emu.instance_url, session_id=emu.token, session=session, version=VERSION
    )
    session.close()


def soql(fields: str, sobject: str, where: str | None = None, order: str | None = None) -> str:
    """Query text, built in one place: linters read ``SELECT … FROM`` templates as SQL (S608)."""
    text = f"SELECT {fields} FROM {sobject}"  # noqa: S608 - SOQL for the emulator, not SQL
    if where:
        text += f" WHERE {where}"
    if order:
        text += f" ORDER BY {order}"
    return text


def make_leads(emulator: SalesforceEmulator, count: int, **fields: Any) -> list[str]:
    """Create Leads through the write path; ``LastName`` gets a running number."""
    with emulator.org.lock:
        return [
            create(emulator.org, "Lead", {"LastName": f"Lead{i}", "Company": "Acme", **fields})[
                "Id"
            ]
            for i in range(count)
        ]
