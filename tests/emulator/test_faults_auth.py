"""Fault injection (seeded and scripted) and authentication/scopes (§12, §19.7, §19.8)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from adapters.hubspot.emulator import FaultKind, Faults, HubSpotEmulator, ManualClock, TokenSpec

from .conftest import configure, make_contacts

LIST = "/crm/v3/objects/contacts"


def _statuses(http: httpx.Client, count: int) -> list[int]:
    out = []
    for _ in range(count):
        try:
            out.append(http.get(LIST).status_code)
        except httpx.TransportError:
            out.append(0)
    return out


def test_seeded_faults_repeat(emu: HubSpotEmulator, http: httpx.Client) -> None:
    rates = {FaultKind.RATE_LIMIT: 0.1, FaultKind.UNAVAILABLE: 0.1, FaultKind.LOCKED: 0.1}
    runs = []
    for seed in (7, 7, 8):
        configure(emu, faults=Faults(seed=seed, rates=rates))
        runs.append(_statuses(http, 60))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {429, 503, 423, 200} <= set(runs[0])


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (FaultKind.SERVER_ERROR, 500),
        (FaultKind.BAD_GATEWAY, 502),
        (FaultKind.UNAVAILABLE, 503),
        (FaultKind.GATEWAY_TIMEOUT, 504),
        (FaultKind.ORIGIN_TIMEOUT, 524),
        (FaultKind.LOCKED, 423),
        (FaultKind.MIGRATION, 477),
        (FaultKind.RATE_LIMIT, 429),
    ],
)
def test_scripted_status_faults(
    emu: HubSpotEmulator, http: httpx.Client, kind: FaultKind, status: int
) -> None:
    emu.faults.script(kind)
    response = http.get(LIST)
    assert response.status_code == status
    assert response.json()["status"] == "error"
    assert ("Retry-After" in response.headers) is (status == 477)
    assert http.get(LIST).status_code == 200


def test_dropped_connection(emu: HubSpotEmulator, http: httpx.Client) -> None:
    emu.faults.script(FaultKind.DROP)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(LIST)
    assert http.get(LIST).status_code == 200


def test_lost_response_applies_the_write(emu: HubSpotEmulator, http: httpx.Client) -> None:
    emu.faults.script(FaultKind.LOST_RESPONSE)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(LIST, json={"properties": {"email": "x@example.com"}})
    assert http.post(f"{LIST}/search", json={}).json()["total"] == 1


def test_lost_response_skips_reads(emu: HubSpotEmulator, http: httpx.Client) -> None:
    emu.faults.script(FaultKind.LOST_RESPONSE)
    assert http.get(LIST).status_code == 200


def test_slow_response_uses_injected_sleep(emu: HubSpotEmulator, http: httpx.Client) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    configure(emu, sleep=fake_sleep, faults=Faults(slow_seconds=42.0))
    emu.faults.script(FaultKind.SLOW)
    assert http.get(LIST).status_code == 200
    assert slept == [42.0]


def test_partial_batch_fault(emu: HubSpotEmulator, http: httpx.Client) -> None:
    configure(emu, faults=Faults(seed=3, partial_fraction=0.2))
    emu.faults.script(FaultKind.PARTIAL_BATCH)
    inputs = [
        {"properties": {"email": f"p{i}@example.com"}, "objectWriteTraceId": f"k{i}"}
        for i in range(10)
    ]
    body = http.post(f"{LIST}/batch/create", json={"inputs": inputs})
    assert body.status_code == 207
    payload = body.json()
    assert (len(payload["results"]), payload["numErrors"]) == (8, 2)
    failed = {e["context"]["objectWriteTraceId"][0] for e in payload["errors"]}
    assert failed.isdisjoint(r["objectWriteTraceId"] for r in payload["results"])
    assert all(e["category"] == "RATE_LIMITS" for e in payload["errors"])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication credentials not found"),
        ("Bearer wrong", "invalid"),
        ("Basic abc", "Authentication credentials not found"),
    ],
)
def test_401_envelope(emu: HubSpotEmulator, header: str | None, message: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{emu.base_url}{LIST}", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert message in body["message"]


def test_token_expires_after_request_count(emu: HubSpotEmulator, http: httpx.Client) -> None:
    configure(emu, tokens=(TokenSpec(expires_after_requests=2),))
    assert [http.get(LIST).status_code for _ in range(3)] == [200, 200, 401]


def test_token_expires_at_time(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    configure(emu, tokens=(TokenSpec(expires_at=clock.now() + timedelta(minutes=30)),))
    assert http.get(LIST).status_code == 200
    clock.advance(1800)
    assert http.get(LIST).status_code == 401
    emu.runtime.auth.add(TokenSpec(token="pat-na1-refreshed"))
    fresh = http.get(LIST, headers={"Authorization": "Bearer pat-na1-refreshed"})
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("GET", "/crm/v3/objects/deals", "crm.objects.deals.read"),
        ("POST", "/crm/v3/objects/contacts", "crm.objects.contacts.write"),
        ("POST", "/crm/v3/objects/tasks", "crm.objects.contacts.write"),
        ("GET", "/crm/v3/owners/", "crm.objects.owners.read"),
        ("POST", "/crm/v3/properties/contacts", "crm.schemas.contacts.write"),
        ("GET", "/crm/v3/properties/deals", "crm.schemas.deals.read"),
        ("GET", "/crm/v4/objects/contacts/1/associations/companies", "crm.objects.companies.read"),
    ],
)
def test_missing_scopes(
    emu: HubSpotEmulator, http: httpx.Client, method: str, path: str, needed: str
) -> None:
    granted = frozenset({"crm.objects.contacts.read"})
    configure(emu, tokens=(TokenSpec(scopes=granted),))
    response = http.request(method, path, json={})
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert needed in body["errors"][0]["context"]["requiredGranularScopes"]


def test_granted_scope_passes(emu: HubSpotEmulator, http: httpx.Client) -> None:
    configure(emu, tokens=(TokenSpec(scopes=frozenset({"crm.objects.contacts.read"})),))
    make_contacts(emu, 1)
    assert http.get(LIST).status_code == 200
