"""The Salesforce client: settings, error mapping, timeouts, budget, retries and re-login
(salesforce-api.md §2, §3, §5, §10, §11, §13; failure-modes R6, R8, F19, F25-F29).

The emulator answers in-process through a ``requests`` transport adapter (no sockets), which
also records what each request was sent with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

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
from adapters.salesforce.client import SalesforceClient, TimeoutSession
from adapters.salesforce.emulator import EmulatorOptions, FaultKind, ManualClock, Org, define_org
from adapters.salesforce.emulator.http import Runtime
from adapters.salesforce.emulator.wsgi import InProcessAdapter
from adapters.salesforce.errors import QueryLocatorExpired, map_error
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Soql

INSTANCE = "https://acme.my.salesforce.com"
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


async def no_sleep(_: float) -> None:
    """The emulator never waits."""


class Recording(InProcessAdapter):
    """The in-process emulator, remembering the ``timeout`` of every request."""

    def __init__(self, get_runtime: Callable[[], Runtime]) -> None:
        super().__init__(get_runtime)
        self.timeouts: list[object] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.timeouts.append(kwargs.get("timeout"))
        return super().send(request, *args, **kwargs)


class Emulated:
    """An org, its runtime, and a client talking to it in-process on a manual clock."""

    def __init__(self, **overrides: Any) -> None:
        self.clock = ManualClock(T0)
        options = EmulatorOptions(
            now=self.clock.now, monotonic=self.clock.monotonic, sleep=no_sleep
        )
        self.org = Org(options.now, options.behaviour)
        define_org(self.org)
        self.runtime = Runtime.build(options, self.org)
        self.transport = Recording(lambda: self.runtime)
        self.slept: list[float] = []
        session = requests.Session()
        session.trust_env = False
        session.mount("https://", self.transport)
        client = options.clients[0]
        values: dict[str, Any] = {
            "instance_url": INSTANCE,
            "auth": "client_credentials",
            "client_id": client.consumer_key,
            "client_secret": client.consumer_secret,
            "batch_size": 200,
            "sleep": self._sleep,
            "monotonic": self.clock.monotonic,
            "clock": self.clock.now,
        }
        self.settings = SalesforceSettings(**{**values, **overrides})
        self.client = SalesforceClient(self.settings, session=session)

    def leads(self, count: int) -> None:
        with self.org.lock:
            for number in range(count):
                self.org.insert_raw("Lead", {"LastName": f"L{number}", "Company": "Acme"})
            self.org.tables["Lead"].rebuild()

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def emu() -> Emulated:
    return Emulated()


def good_settings(**overrides: Any) -> SalesforceSettings:
    values: dict[str, Any] = {
        "instance_url": INSTANCE,
        "auth": "client_credentials",
        "client_id": "key",
        "client_secret": "secret",
    }
    return SalesforceSettings(**{**values, **overrides})


def test_settings_list_every_problem_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        good_settings(
            instance_url="http://acme.my.salesforce.com",
            client_secret=None,
            api_version="v59",
            batch_size=100,
            person_fields=("Good__c", "Bad Name"),
            ca_bundle="/nowhere/ca.pem",
            stop_writes_at=0.99,
        )
    message = str(raised.value)
    for key in (
        "instance_url",
        "client_secret",
        "api_version",
        "batch_size",
        "person_fields has an invalid field name 'Bad Name'",
        "ca_bundle names no readable file (looked for '/nowhere/ca.pem')",
        "stop_writes_at",
    ):
        assert f"crm.salesforce.{key}" in message


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"auth": "password"}, "auth must be one of client_credentials, jwt"),
        ({"auth": "jwt", "client_secret": None}, "username is empty"),
        ({"auth": "jwt", "username": "u@x.io", "private_key": "nope"}, "not a PEM private key"),
        ({"client_id": " "}, "client_id is empty"),
    ],
)
def test_auth_settings_name_what_is_missing(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        good_settings(**overrides)


def test_secrets_stay_out_of_repr() -> None:
    text = repr(good_settings(client_id="the-key", client_secret="the-secret"))
    assert "the-key" not in text
    assert "the-secret" not in text


@pytest.mark.parametrize(
    ("overrides", "token_url", "audience"),
    [
        ({}, f"{INSTANCE}/services/oauth2/token", "https://login.salesforce.com"),
        (
            {"auth": "jwt", "username": "u", "private_key": "-----BEGIN PRIVATE KEY-----"},
            "https://login.salesforce.com/services/oauth2/token",
            "https://login.salesforce.com",
        ),
        (
            {"login_url": "https://test.salesforce.com/"},
            "https://test.salesforce.com/services/oauth2/token",
            "https://test.salesforce.com",
        ),
        (
            {"login_url": "https://127.0.0.1:8443", "jwt_audience": "https://x.salesforce.com"},
            "https://127.0.0.1:8443/services/oauth2/token",
            "https://x.salesforce.com",
        ),
    ],
)
def test_login_endpoints(overrides: dict[str, Any], token_url: str, audience: str) -> None:
    settings = good_settings(**overrides)
    assert settings.token_url == token_url
    assert settings.audience == audience


def sdk(kind: type[Exception], status: int, code: str, message: str = "m") -> Exception:
    content = [{"message": message, "errorCode": code}]
    return kind(f"{INSTANCE}/services/data/v59.0/query", status, "query", content)


@pytest.mark.parametrize(
    ("exc", "expected", "match"),
    [
        (sdk(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit."),
         QuotaExhaustedError, "daily API allocation"),
        (sdk(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn"),
         RateLimitedError, "concurrent"),
        (sdk(SalesforceMalformedRequest, 400, "UNABLE_TO_LOCK_ROW"), LockedError, "retried"),
        (sdk(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE"), ServerError, "HTTP 503"),
        (sdk(SalesforceGeneralError, 502, "", "bad gateway"), ServerError, "HTTP 502"),
        (sdk(SalesforceMalformedRequest, 400, "QUERY_TIMEOUT"), RetryLaterError, "too long"),
        (sdk(SalesforceMalformedRequest, 400, "INVALID_QUERY_LOCATOR"), QueryLocatorExpired,
         "restarts"),
        (sdk(SalesforceMalformedRequest, 400, "INVALID_FIELD",
             "No such column 'Foo__c' on entity 'Lead'"), ConfigurationError, "Foo__c.*Lead"),
        (sdk(SalesforceMalformedRequest, 400, "MALFORMED_QUERY"), ConfigurationError, "field"),
        (sdk(SalesforceMalformedRequest, 400, "INVALID_TYPE",
             "sObject type 'Lead' is not supported."), MissingScopesError, "Read on Lead"),
        (sdk(SalesforceMalformedRequest, 400, "INVALID_TYPE",
             "sObject type 'Deal__c' is not supported."), ConfigurationError, "does not exist"),
        (sdk(SalesforceExpiredSession, 401, "INVALID_SESSION_ID"), AuthError, "fresh session"),
        (sdk(SalesforceResourceNotFound, 404, "NOT_FOUND"), NotFoundError, "deleted or merged"),
        (sdk(SalesforceMalformedRequest, 400, "ENTITY_IS_DELETED"), NotFoundError, "deleted"),
        (sdk(SalesforceMalformedRequest, 400, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
         ValidationError, "validation rule"),
        (sdk(SalesforceMalformedRequest, 400, "SOMETHING_NEW"), ValidationError, "SOMETHING_NEW"),
        (sdk(SalesforceRefusedRequest, 403, "INSUFFICIENT_ACCESS"), MissingScopesError, "access"),
        (SalesforceMoreThanOneRecord(INSTANCE, 300, "upsert", ["/sobjects/Lead/00Q1"]),
         ValidationError, "several records match"),
        (requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0), ServerError,
         "unreadable"),
        (requests.ReadTimeout("read timed out"), TransportError, "no answer"),
        (requests.ConnectionError("reset"), TransportError, "ConnectionError"),
    ],
)  # fmt: skip
def test_failures_map_to_the_error_tree(
    exc: Exception, expected: type[SmarketingError], match: str
) -> None:
    error = map_error(exc, label="query Lead")
    assert type(error) is expected
    assert error is not None
    assert error.message.startswith("query Lead")
    with pytest.raises(expected, match=match):
        raise error


def test_bugs_are_not_mapped() -> None:
    assert map_error(KeyError("x"), label="query Lead") is None


def test_record_errors_keep_the_code_as_reason() -> None:
    error = map_error(sdk(SalesforceMalformedRequest, 400, "REQUIRED_FIELD_MISSING"), label="x")
    assert isinstance(error, ValidationError)
    assert error.reason == "REQUIRED_FIELD_MISSING"


def test_the_session_gives_every_request_a_timeout() -> None:
    session = TimeoutSession((1.0, 2.0))
    seen: list[object] = []

    class Capture(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            seen.append(kwargs.get("timeout"))
            response = requests.Response()
            response.status_code, response._content = 204, b""
            return response

        def close(self) -> None:
            """Nothing to release."""

    session.mount("https://", Capture())
    session.get("https://example.com/a")
    session.get("https://example.com/b", timeout=9)
    assert seen == [(1.0, 2.0), 9]


def test_queries_page_with_the_batch_size_and_count_every_call(emu: Emulated) -> None:
    emu.leads(450)
    pages = list(emu.client.query(Soql.select("Lead", ["Id"]).order_by("Id")))
    assert [len(p) for p in pages] == [200, 200, 50]
    assert emu.client.usage() == {
        ("oauth2/token", 200): 1,
        ("query Lead", 200): 1,
        ("query Lead more", 200): 2,
    }
    assert emu.client.daily == (3, 100_000)
    assert set(emu.transport.timeouts) == {(5.0, 30.0)}  # every call, the login included


def test_a_locked_row_is_retried_with_backoff(emu: Emulated) -> None:
    emu.leads(1)
    lead = next(iter(emu.org.tables["Lead"].rows))
    emu.runtime.faults.script(FaultKind.LOCK_ROW, FaultKind.LOCK_ROW)

    emu.client.rest("PATCH", f"sobjects/Lead/{lead}", {"Company": "Locked Ltd"})

    assert emu.org.tables["Lead"].rows[lead]["Company"] == "Locked Ltd"
    assert emu.client.retries == {"LockedError": 2}
    assert len(emu.slept) == 2


def test_without_retry_a_failure_is_one_attempt(emu: Emulated) -> None:
    emu.runtime.faults.script(FaultKind.SERVER_ERROR)
    with pytest.raises(ServerError, match="500"):
        emu.client.rest("POST", "sobjects/Lead", {"LastName": "X", "Company": "Y"}, retry=False)
    assert emu.client.usage()[("POST sobjects/Lead", 500)] == 1
    assert emu.slept == []


def test_a_query_timeout_is_retried(emu: Emulated) -> None:
    emu.leads(3)
    emu.runtime.faults.script(FaultKind.QUERY_TIMEOUT)
    assert sum(len(p) for p in emu.client.query(Soql.select("Lead", ["Id"]))) == 3
    assert emu.client.retries == {"RetryLaterError": 1}


def test_collections_return_per_record_errors_without_raising(emu: Emulated) -> None:
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Lead"}, "LastName": "Ok", "Company": "A"},
            {"attributes": {"type": "Lead"}, "Company": "No last name"},
        ],
    }
    results = emu.client.rest("POST", "composite/sobjects", body)
    assert [r["success"] for r in results] == [True, False]
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_connection_failures_are_transport_errors_and_retried(emu: Emulated) -> None:
    emu.leads(2)
    emu.runtime.faults.script(FaultKind.DROP, FaultKind.DROP)
    assert sum(len(p) for p in emu.client.query(Soql.select("Lead", ["Id"]))) == 2
    assert emu.client.retries == {"TransportError": 2}
    assert emu.client.usage()[("query Lead", 0)] == 2


def test_usage_headers_feed_the_budget_and_pause_writes(emu: Emulated) -> None:
    emu.runtime.limiter.admit(82_000)  # other apps used 82 % of the org's 100,000
    assert not emu.client.should_pause_writes()  # nothing reported yet
    emu.client.rest("GET", "limits")
    assert emu.client.daily == (82_001, 100_000)
    assert emu.client.should_pause_writes()


def test_concurrent_callers_share_one_relogin(emu: Emulated) -> None:
    emu.leads(1)
    emu.client.rest("GET", "limits")
    with emu.org.lock:
        emu.runtime.auth.expire_all()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            emu.client.rest("GET", "limits")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert emu.client.tokens.logins == 2  # the first login and exactly one refresh


def test_an_answer_of_the_login_server_without_a_token_is_refused(emu: Emulated) -> None:
    emu.runtime.auth.options = EmulatorOptions(clients=())
    with pytest.raises(AuthError, match="invalid_client_id"):
        emu.client.rest("GET", "limits")
    with pytest.raises(AuthError, match="invalid_client_id"):  # remembered: no second login
        emu.client.rest("GET", "limits")
    assert emu.client.usage()[("oauth2/token", 400)] == 1
    emu.clock.advance(61)
    with pytest.raises(AuthError):
        emu.client.rest("GET", "limits")
    assert emu.client.usage()[("oauth2/token", 400)] == 2


def test_a_session_the_server_said_expires_is_replaced_a_minute_early() -> None:
    emu = Emulated(retry=RetrySettings(max_attempts=2))
    token = emu.client.tokens.current()
    object.__setattr__(token, "expires_at", T0 + timedelta(minutes=30))
    emu.clock.advance(29 * 60 + 1)
    assert emu.client.tokens.current() is not token
