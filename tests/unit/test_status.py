"""The status server: /healthz verdicts and bodies, /metrics, and serving on 127.0.0.1."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from connector.metrics import Metrics
from connector.status import Health, HealthState, Role, StatusServer, create_app, judge
from tests.unit.test_metrics import Report

NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
LIMIT = timedelta(minutes=15)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("state", "healthy", "reason"),
    [
        (HealthState(), False, "no cycle has succeeded yet"),
        (HealthState(last_success=ago(60)), True, None),
        (HealthState(last_success=ago(900)), True, None),
        (HealthState(last_success=ago(1234)), False, "last success 1,234 s ago (limit 900 s)"),
        (
            HealthState(last_success=ago(60), problem="last cycle failed: boom"),
            True,
            None,
        ),
        (
            HealthState(last_success=ago(60), problem="last cycle failed: 401", fatal=True),
            False,
            "last cycle failed: 401",
        ),
        (
            HealthState(problem="last cycle failed: boom"),
            False,
            "no cycle has succeeded yet",
        ),
        (HealthState(role=Role.STANDBY), True, None),
        (HealthState(role=Role.STANDBY, last_success=ago(86_400)), True, None),
        (
            HealthState(role=Role.STANDBY, problem="cannot check the lease: store down"),
            False,
            "cannot check the lease: store down",
        ),
    ],
    ids=[
        "nothing-yet",
        "fresh",
        "at-the-limit",
        "stale",
        "transient-failure-after-success",
        "fatal-failure",
        "failure-before-any-success",
        "standby",
        "standby-long-after-being-active",
        "standby-cannot-check-lease",
    ],
)
def test_judge(state: HealthState, healthy: bool, reason: str | None) -> None:
    verdict = judge(state, NOW, LIMIT)

    assert verdict.healthy is healthy
    assert verdict.status_code == (200 if healthy else 503)
    assert verdict.body.get("reason") == reason
    assert verdict.body["status"] == ("ok" if healthy else "unhealthy")
    assert verdict.body["role"] == state.role.value
    assert verdict.body.get("last_error") == state.problem


def test_healthy_body() -> None:
    verdict = judge(HealthState(last_success=ago(61.25)), NOW, LIMIT)

    assert verdict.body == {
        "status": "ok",
        "role": "active",
        "last_success": "2026-03-09T10:58:58.750000+00:00",
        "age_seconds": 61.2,
    }


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (["failed"], HealthState(problem="last cycle failed: Bearer ***")),
        (["failed", "succeeded"], HealthState(last_success=NOW)),
        (["failed", "standby"], HealthState(role=Role.STANDBY)),
        (["standby", "active"], HealthState(role=Role.ACTIVE)),
        (["fatal"], HealthState(problem="last cycle failed: Bearer ***", fatal=True)),
        (["succeeded", "fatal", "succeeded"], HealthState(last_success=NOW)),
    ],
)
def test_health_transitions(steps: list[str], expected: HealthState) -> None:
    health = Health(LIMIT, Clock())
    actions = {
        "failed": lambda: health.failed("last cycle failed: Bearer abc.def"),
        "fatal": lambda: health.failed("last cycle failed: Bearer abc.def", fatal=True),
        "succeeded": lambda: health.succeeded(NOW),
        "standby": health.standby,
        "active": health.active,
    }

    for step in steps:
        actions[step]()

    assert health.state == expected


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def health(clock: Clock) -> Health:
    return Health(LIMIT, clock)


class Client:
    """Calls the app in process (httpx's ASGI transport), no socket."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, path: str) -> httpx.Response:
        return anyio.run(self._get, path)

    async def _get(self, path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://status") as client:
            return await client.get(path)


@pytest.fixture
def client(health: Health) -> Client:
    metrics = Metrics()
    metrics.observe(Report())
    return Client(create_app(health, metrics))


def test_healthz_is_503_until_a_cycle_succeeds(client: Client, health: Health) -> None:
    before = client.get("/healthz")
    health.succeeded(ago(30))
    after = client.get("/healthz")

    assert before.status_code == 503
    assert before.json()["reason"] == "no cycle has succeeded yet"
    assert after.status_code == 200
    assert after.json() == {
        "status": "ok",
        "role": "active",
        "last_success": "2026-03-09T10:59:30+00:00",
        "age_seconds": 30.0,
    }
    assert after.headers["cache-control"] == "no-store"


def test_healthz_goes_stale_as_the_clock_moves(
    client: Client, health: Health, clock: Clock
) -> None:
    health.succeeded(NOW)
    clock.now = NOW + timedelta(seconds=1234)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "reason": "last success 1,234 s ago (limit 900 s)",
        "role": "active",
        "last_success": "2026-03-09T11:00:00+00:00",
        "age_seconds": 1234.0,
    }


def test_healthz_redacts_the_error(client: Client, health: Health) -> None:
    health.failed("last cycle failed: GET /x?access_token=s3cr3t (HTTP 401)", fatal=True)

    body = client.get("/healthz").json()

    assert body["reason"] == "last cycle failed: GET /x?access_token=*** (HTTP 401)"


def test_metrics_endpoint(client: Client) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'smarketing_cycles_total{result="ok"} 1.0' in response.text
    assert "smarketing_open_breaches" in response.text


def test_unknown_path_is_404(client: Client) -> None:
    assert client.get("/").status_code == 404


def test_serves_on_an_ephemeral_port_and_stops(health: Health) -> None:
    health.succeeded(NOW)
    server = StatusServer(health, Metrics(), bind="127.0.0.1", port=0)

    with server:
        port = server.port
        response = httpx.get(f"{server.url}/healthz", timeout=5)
        metrics = httpx.get(f"{server.url}/metrics", timeout=5)

    assert port > 0
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert "smarketing_lease_active" in metrics.text
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


def test_a_port_in_use_fails_at_start(health: Health) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = StatusServer(health, Metrics(), bind="127.0.0.1", port=taken.getsockname()[1])

        with pytest.raises(OSError, match="in use"):
            server.start()
