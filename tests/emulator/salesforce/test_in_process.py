"""The emulator without sockets: a requests adapter (simple-salesforce) and WSGI (httpx), §18.9."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from adapters.salesforce.emulator import Behaviour, EmulatorOptions, FaultKind, ManualClock
from adapters.salesforce.emulator.http import Runtime
from adapters.salesforce.emulator.wsgi import build_wsgi, in_process_session

from .conftest import DATA, fresh_org, soql


@pytest.fixture
def runtime(clock: ManualClock) -> Runtime:
    options = EmulatorOptions(now=clock.now, behaviour=Behaviour(page_size_override=2))
    return Runtime.build(options, fresh_org(options))


@pytest.fixture
def session(runtime: Runtime) -> Iterator[requests.Session]:
    with in_process_session(lambda: runtime) as session:
        yield session


def test_simple_salesforce_logs_in_and_pages_in_process(
    runtime: Runtime, session: requests.Session
) -> None:
    client = runtime.options.clients[0]
    sf = Salesforce(
        consumer_key=client.consumer_key,
        consumer_secret=client.consumer_secret,
        domain="acme.my",
        session=session,
    )
    assert sf.sf_instance == "acme.my.salesforce.com"
    for index in range(5):
        sf.Lead.create({"LastName": f"L{index}", "Company": "C"})
    records = list(sf.query_all_iter(soql("LastName", "Lead", order="LastName")))
    assert [r["LastName"] for r in records] == ["L0", "L1", "L2", "L3", "L4"]
    assert sf.api_usage["api-usage"].used == 8  # 5 creates and 3 pages; the login is not metered
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Nope FROM Lead")


def test_dropped_connection_in_process(runtime: Runtime, session: requests.Session) -> None:
    runtime.faults.script(FaultKind.DROP)
    headers = {"Authorization": f"Bearer {runtime.options.tokens[0].token}"}
    with pytest.raises(requests.ConnectionError, match="dropped"):
        session.get(f"https://acme.my.salesforce.com{DATA}/limits", headers=headers)


def test_httpx_through_wsgi(runtime: Runtime) -> None:
    headers = {"Authorization": f"Bearer {runtime.options.tokens[0].token}"}
    transport = httpx.WSGITransport(app=build_wsgi(lambda: runtime))
    with httpx.Client(
        transport=transport, base_url="https://emulator.local", headers=headers
    ) as client:
        created = client.post(f"{DATA}/sobjects/Lead", json={"LastName": "W", "Company": "C"})
        assert created.status_code == 201
        page = client.get(f"{DATA}/query/", params={"q": soql("Id", "Lead")})
        assert (page.json()["totalSize"], page.headers["Sforce-Limit-Info"]) == (
            1,
            "api-usage=2/100000",
        )
        assert client.get(f"{DATA}/sobjects/Lead/{created.json()['id']}").json()["LastName"] == "W"
        runtime.faults.script(FaultKind.DROP)
        with pytest.raises(ConnectionResetError):
            client.get(f"{DATA}/limits")
