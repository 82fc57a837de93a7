"""HubSpotClient: error mapping, retries, budget feeding, counting, and its settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import urllib3

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    LockedError,
    MissingScopesError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryLaterError,
    ServerError,
    SmarketingError,
    TransportError,
    ValidationError,
)
from adapters.base.retry import RetrySettings
from adapters.hubspot.client import HubSpotClient, map_error
from adapters.hubspot.settings import HubSpotSettings

TOKEN = "pat-na1-11111111-2222-4333-8444-555555555555"


class ApiException(Exception):
    """What ``hubspot.crm.<any>.ApiException`` carries (§16), without importing the SDK."""

    def __init__(self, status: int, body: object = None, headers: dict[str, str] | None = None):
        super().__init__(f"({status})")
        self.status, self.body, self.headers, self.reason = status, body, headers, "reason"


def rate_limit(policy: str) -> bytes:
    return json.dumps({"status": "error", "errorType": "RATE_LIMIT", "policyName": policy}).encode()


def envelope(category: str, **extra: Any) -> str:
    return json.dumps(
        {"status": "error", "message": "HubSpot says no", "category": category, **extra}
    )


MISSING = envelope(
    "MISSING_SCOPES",
    errors=[{"message": "m", "context": {"requiredGranularScopes": ["crm.objects.deals.read"]}}],
)


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "retry_after"),
    [
        (429, rate_limit("DAILY"), {}, QuotaExhaustedError, None),
        (429, rate_limit("TEN_SECONDLY_ROLLING"), {"Retry-After": "3"}, RateLimitedError, 3.0),
        (429, rate_limit("SECONDLY"), {}, RateLimitedError, None),
        (429, b"", {}, RateLimitedError, None),
        (423, envelope("LOCKED"), {}, LockedError, None),
        (477, envelope("MIGRATION"), {"Retry-After": "120"}, RetryLaterError, 120.0),
        (500, envelope("INTERNAL_ERROR"), {}, ServerError, None),
        (502, "<html>bad gateway</html>", {}, ServerError, None),
        (524, None, {}, ServerError, None),
        (525, None, {}, ConfigurationError, None),
        (526, None, {}, ConfigurationError, None),
        (401, envelope("INVALID_AUTHENTICATION"), {}, AuthError, None),
        (403, envelope("FORBIDDEN"), {}, AuthError, None),
        (403, MISSING, {}, MissingScopesError, None),
        (400, envelope("VALIDATION_ERROR"), {}, ValidationError, None),
        (409, envelope("CONFLICT"), {}, ValidationError, None),
        (404, envelope("OBJECT_NOT_FOUND"), {}, NotFoundError, None),
        (414, None, {}, ConfigurationError, None),
    ],
)
def test_http_failures_map_to_our_errors(
    status: int,
    body: object,
    headers: dict[str, str],
    kind: type[SmarketingError],
    retry_after: float | None,
) -> None:
    error = map_error(ApiException(status, body, headers), label="contacts.list")
    assert type(error) is kind
    assert error is not None
    assert error.status == status
    assert "contacts.list" in str(error)
    assert getattr(error, "retry_after", None) == retry_after


def test_missing_scopes_are_named() -> None:
    error = map_error(ApiException(403, MISSING.encode()), label="deals.list")
    assert isinstance(error, MissingScopesError)
    assert error.scopes == ("crm.objects.deals.read",)
    assert "crm.objects.deals.read" in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        urllib3.exceptions.ReadTimeoutError(None, "/crm", "read timed out"),  # type: ignore[arg-type]
        urllib3.exceptions.ProtocolError("Connection aborted", ConnectionResetError()),
        urllib3.exceptions.MaxRetryError(None, "/crm"),  # type: ignore[arg-type]
        ConnectionResetError("reset by peer"),
        TimeoutError("timed out"),
        ApiException(0, None),  # the SDK wraps TLS failures with status 0
    ],
)
def test_transport_failures_are_retry_later(exc: Exception) -> None:
    assert isinstance(map_error(exc, label="owners.list"), TransportError)


@pytest.mark.parametrize("exc", [KeyError("bug"), TypeError("bug"), ApiException(200)])
def test_other_exceptions_are_not_ours_to_map(exc: Exception) -> None:
    assert map_error(exc, label="x") is None


def test_tokens_never_reach_a_message() -> None:
    body = envelope("VALIDATION_ERROR", message=f"bad header Bearer {TOKEN}")
    assert TOKEN not in str(map_error(ApiException(400, body), label="x"))


# -- call(): a fake SDK call returning raw responses; sleep and clock are injected ---------------


@dataclass
class Response:
    """The raw urllib3 response a ``_preload_content=False`` call returns."""

    status: int = 200
    body: object = field(default_factory=lambda: {"results": []})
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


class Clock:
    def __init__(self) -> None:
        self.now, self.slept = 100.0, list[float]()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Script:
    """Returns or raises the scripted outcomes in order, recording the timeouts it was given."""

    def __init__(self, *outcomes: Response | Exception) -> None:
        self.outcomes, self.timeouts = list(outcomes), list[object]()

    def __call__(self, timeout: object) -> Response:
        self.timeouts.append(timeout)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client(clock: Clock, **overrides: Any) -> HubSpotClient:
    settings = HubSpotSettings(
        base_url="http://127.0.0.1:9",
        token=TOKEN,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **({"retry": RetrySettings(jitter=0.0)} | overrides),
    )
    return HubSpotClient(settings)


def test_sdk_is_built_without_urllib3_retries(clock: Clock) -> None:
    config = client(clock).sdk.config
    assert config["retry"].total == 0
    assert config["access_token"] == TOKEN


def test_call_decodes_counts_and_passes_the_timeout(clock: Clock) -> None:
    hub, fn = client(clock, timeout=(1.5, 9.0)), Script(Response(body={"results": [1]}))
    assert hub.call("api", fn, label="contacts.list") == {"results": [1]}
    assert fn.timeouts == [(1.5, 9.0)]
    assert hub.calls == {("contacts.list", 200): 1}


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            Response(207, {"status": "COMPLETE", "numErrors": 1}),
            (207, {"status": "COMPLETE", "numErrors": 1}),
        ),
        (Response(204, None), (204, {})),
    ],
)
def test_multi_status_and_empty_bodies_are_data(
    clock: Clock, response: Response, expected: tuple[int, dict[str, Any]]
) -> None:
    assert client(clock).call("api", Script(response), want_status=True) == expected


def test_retries_wait_retry_after_and_pause_the_lane(clock: Clock) -> None:
    hub = client(clock)
    fn = Script(
        ApiException(429, rate_limit("TEN_SECONDLY_ROLLING"), {"Retry-After": "4"}),
        ApiException(503, envelope("INTERNAL_ERROR")),
        Response(),
    )
    hub.call("api", fn, label="deals.list")
    assert clock.slept[0] == 4.0  # the policy waits exactly Retry-After (F24)
    assert hub.calls == {("deals.list", 429): 1, ("deals.list", 503): 1, ("deals.list", 200): 1}
    assert hub.retries == {"RateLimitedError": 1, "ServerError": 1}


def test_fatal_errors_are_not_retried(clock: Clock) -> None:
    hub, fn = client(clock), Script(ApiException(401, envelope("INVALID_AUTHENTICATION")))
    with pytest.raises(AuthError, match="401"):
        hub.call("api", fn)
    assert clock.slept == []


def test_call_once_makes_one_attempt(clock: Clock) -> None:
    hub, fn = client(clock), Script(ApiException(500, None), Response())
    with pytest.raises(ServerError):
        hub.call_once("api", fn, label="tasks.batch_create")
    assert len(fn.outcomes) == 1


def test_rate_headers_feed_the_budget(clock: Clock) -> None:
    hub = client(clock)
    headers = {
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Remaining": "150",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
    }
    hub.call("api", Script(Response(headers=headers)))
    lane = hub.budget.snapshot().lanes["api"]
    assert lane.limit == 190
    assert lane.in_window == 40  # the CRM counted 40 calls in this window, one of them ours


def test_unreadable_body_is_retried_as_a_server_error(clock: Clock) -> None:
    class Garbled(Response):
        @property
        def data(self) -> bytes:
            return b"<html>"

    hub = client(clock, retry=RetrySettings(max_attempts=2, jitter=0.0))
    with pytest.raises(ServerError, match="unreadable"):
        hub.call("api", Script(Garbled(), Garbled()))
    assert hub.calls[("api", 200)] == 2


def test_settings_hide_the_token_and_list_every_problem() -> None:
    assert TOKEN not in repr(HubSpotSettings(base_url="https://api.hubapi.com", token=TOKEN))
    with pytest.raises(ConfigurationError) as raised:
        HubSpotSettings(
            base_url="api.hubapi.com", token=" ", api_limit=0, lookback=timedelta(minutes=-1)
        )
    message = str(raised.value)
    for key in ("base_url", "token", "api_limit", "lookback"):
        assert f"crm.hubspot.{key}" in message
