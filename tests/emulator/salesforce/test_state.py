"""Org state without HTTP: ids, transactions, date literals, automation stamps, server lifecycle."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import uvicorn

from adapters.salesforce.emulator import (
    Actor,
    EmulatorOptions,
    ManualClock,
    Org,
    SalesforceEmulator,
)
from adapters.salesforce.emulator.errors import SalesforceError
from adapters.salesforce.emulator.fields import flag
from adapters.salesforce.emulator.ids import make_id, normalize, suffix
from adapters.salesforce.emulator.soql.dates import day_range
from adapters.salesforce.emulator.standalone import prepare
from adapters.salesforce.emulator.writes import automation_touch, create, update

from .conftest import DATA


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
        ("00Q5g00000AbCdE", "00Q5g00000AbCdEEAV"),
        ("003000000000000", "003000000000000AAA"),
    ],
)
def test_case_safe_suffix(id15: str, id18: str) -> None:
    assert id15 + suffix(id15) == id18
    assert normalize(id15) == normalize(id18) == id18


@pytest.mark.parametrize(
    "value", ["", "00Q", "00Q5g00000AbCdEXXX", "00Q5g00000AbCd!", "00Q5g00000AbCdEEAUx"]
)
def test_malformed_ids(value: str) -> None:
    assert normalize(value) is None


def test_ids_sort_in_creation_order() -> None:
    made = [make_id("00Q", n) for n in (1, 9, 10, 61, 62, 3843, 3844, 10**9)]
    assert made == sorted(made)
    assert {len(i) for i in made} == {18}


@pytest.mark.parametrize(
    ("name", "n", "today", "start", "end"),
    [
        ("TODAY", None, date(2026, 3, 9), date(2026, 3, 9), date(2026, 3, 10)),
        ("YESTERDAY", None, date(2026, 3, 1), date(2026, 2, 28), date(2026, 3, 1)),
        ("THIS_WEEK", None, date(2026, 3, 9), date(2026, 3, 8), date(2026, 3, 15)),
        ("LAST_WEEK", None, date(2026, 3, 8), date(2026, 3, 1), date(2026, 3, 8)),
        ("LAST_MONTH", None, date(2026, 1, 15), date(2025, 12, 1), date(2026, 1, 1)),
        ("NEXT_MONTH", None, date(2026, 12, 15), date(2027, 1, 1), date(2027, 2, 1)),
        ("THIS_YEAR", None, date(2026, 3, 9), date(2026, 1, 1), date(2027, 1, 1)),
        ("LAST_N_DAYS", 7, date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 10)),
        ("NEXT_N_DAYS", 2, date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 12)),
        ("N_DAYS_AGO", 3, date(2026, 3, 9), date(2026, 3, 6), date(2026, 3, 7)),
    ],
)
def test_relative_date_literals(
    name: str, n: int | None, today: date, start: date, end: date
) -> None:
    assert day_range(name, n, today) == (start, end)


@pytest.fixture
def org() -> Org:
    return Org(ManualClock().now)


def _lead(org: Org, name: str = "L") -> str:
    return str(create(org, "Lead", {"LastName": name, "Company": "C"})["Id"])


def _failing_batch(org: Org, lead_id: str) -> None:
    with org.transaction():
        update(org, "Lead", lead_id, {"FirstName": "Changed"})
        _lead(org, "New")
        create(org, "Lead", {"LastName": "Bad"})


def test_transaction_rolls_back_on_error(org: Org) -> None:
    kept = _lead(org)
    with pytest.raises(SalesforceError, match="REQUIRED_FIELD_MISSING"):
        _failing_batch(org, kept)
    assert [r["LastName"] for r in org.tables["Lead"].rows.values()] == ["L"]
    assert org.tables["Lead"].rows[kept]["FirstName"] is None
    assert [i for _, i in org.tables["Lead"].index] == [kept]
    assert len(org.tables["LeadHistory"].rows) == 1


def test_nested_transactions_commit_into_the_outer_one(org: Org) -> None:
    with org.transaction() as rollback:
        with org.transaction():
            _lead(org, "Inner")
        _lead(org, "Outer")
        rollback()
    assert org.tables["Lead"].rows == {}


def test_automation_moves_only_the_system_stamp(org: Org) -> None:
    lead_id = _lead(org)
    later = datetime(2026, 3, 9, 10, tzinfo=UTC)
    row = automation_touch(org, "Lead", lead_id, Actor(at=later))
    assert (row["LastModifiedDate"], row["SystemModstamp"]) == (
        "2026-03-09T09:00:00.000+0000",
        "2026-03-09T10:00:00.000+0000",
    )
    assert org.tables["Lead"].index[-1] == ("2026-03-09T10:00:00.000+0000", lead_id)


def test_added_fields_are_backfilled(org: Org) -> None:
    lead_id = _lead(org)
    org.add_field("Lead", flag("Hot__c"))
    assert org.tables["Lead"].rows[lead_id]["Hot__c"] is False
    with pytest.raises(ValueError, match="end in '__c'"):
        org.add_field("Lead", flag("Hot"))


def test_stop_removes_the_certificates_and_reset_keeps_the_port() -> None:
    emulator = SalesforceEmulator().start()
    port, ca = emulator.port, Path(emulator.ca_bundle_path)
    emulator.reset()
    assert (emulator.port, ca.exists()) == (port, True)
    emulator.stop()
    assert not ca.parent.exists()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.ca_bundle_path


def test_standalone_serves_a_seeded_org() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options = EmulatorOptions(now=ManualClock().now)
    config, tls = prepare(port, seed=5, records=200, options=options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)  # waits for the server thread, not for emulated time
        with requests.Session() as session:
            session.trust_env, session.verify = False, str(tls.ca_path)
            session.headers["Authorization"] = f"Bearer {options.tokens[0].token}"
            body = session.get(
                f"https://127.0.0.1:{port}{DATA}/query", params={"q": "SELECT COUNT() FROM Lead"}
            ).json()
        assert body["totalSize"] == 200
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        tls.remove()
