"""OAuth grants and sessions (§2), the daily allocation (§10) and injected faults (§18.7)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from adapters.salesforce.emulator import (
    Behaviour,
    ClientSpec,
    FaultKind,
    Faults,
    Limits,
    ManualClock,
    SalesforceEmulator,
    TokenSpec,
)
from adapters.salesforce.emulator.faults import FaultInjector

from .conftest import Api, configure

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
CLIENT = ClientSpec("3MVG9.key", "s3cret", certificate_pem=PUBLIC_PEM)
USERNAME = "integration@smarketing.example"
TOKEN_PATH = "/services/oauth2/token"


@pytest.fixture
def with_client(emu: SalesforceEmulator) -> SalesforceEmulator:
    configure(emu, clients=(CLIENT,))
    return emu


def test_client_credentials_login_through_simple_salesforce(
    with_client: SalesforceEmulator,
) -> None:
    with with_client.session() as session:
        sf = Salesforce(
            consumer_key=CLIENT.consumer_key,
            consumer_secret=CLIENT.consumer_secret,
            domain="acme.my",
            session=session,
        )
        assert sf.sf_instance == f"127.0.0.1:{with_client.port}"
        assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0


def test_token_response_shape(with_client: SalesforceEmulator) -> None:
    with with_client.session() as session:
        basic = base64.b64encode(b"3MVG9.key:s3cret").decode()
        body = session.post(
            "https://acme.my.salesforce.com" + TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        ).json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert (body["instance_url"], body["token_type"]) == (with_client.instance_url, "Bearer")
    assert body["issued_at"] == str(int(datetime(2026, 3, 9, 9, tzinfo=UTC).timestamp() * 1000))


def test_jwt_bearer_login_through_simple_salesforce(with_client: SalesforceEmulator) -> None:
    with with_client.session() as session:
        sf = Salesforce(
            username=USERNAME,
            consumer_key=CLIENT.consumer_key,
            privatekey=PRIVATE_PEM,
            domain="login",
            session=session,
        )
        assert sf.query("SELECT Id FROM User")["totalSize"] == 1


def _assertion(key: object = KEY, **claims: object) -> str:
    payload = {
        "iss": CLIENT.consumer_key,
        "sub": USERNAME,
        "aud": "https://login.salesforce.com",
        "exp": 1_900_000_000,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("form", "auth", "error", "description"),
    [
        (
            {"grant_type": "client_credentials"},
            "Basic " + base64.b64encode(b"3MVG9.key:wrong").decode(),
            "invalid_client",
            "invalid client credentials",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"},
            None,
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            {"grant_type": "password", "username": "u", "password": "p"},
            None,
            "unsupported_grant_type",
            "grant type not supported",
        ),
        (
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "garbage"},
            None,
            "invalid_grant",
            "invalid assertion",
        ),
        (
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _assertion(
                    rsa.generate_private_key(public_exponent=65537, key_size=2048)
                ),
            },
            None,
            "invalid_grant",
            "invalid assertion",
        ),
        (
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _assertion(exp=1_700_000_000),
            },
            None,
            "invalid_grant",
            "expired authorization code",
        ),
        (
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _assertion(aud="https://evil.example"),
            },
            None,
            "invalid_grant",
            "audience is invalid",
        ),
        (
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _assertion(sub="ghost@x.example"),
            },
            None,
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
    ],
)
def test_token_errors(
    with_client: SalesforceEmulator,
    form: dict[str, str],
    auth: str | None,
    error: str,
    description: str,
) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    with with_client.session() as session:
        response = session.post(with_client.instance_url + TOKEN_PATH, data=form, headers=headers)
    assert (response.status_code, response.json()) == (
        400,
        {"error": error, "error_description": description},
    )


def test_failed_login_raises_authentication_failed(with_client: SalesforceEmulator) -> None:
    with (
        with_client.session() as session,
        pytest.raises(SalesforceAuthenticationFailed, match="invalid_client"),
    ):
        Salesforce(
            consumer_key=CLIENT.consumer_key,
            consumer_secret="wrong",
            domain="acme.my",
            session=session,
        )


def test_expired_session_relogs_in_with_client_credentials(with_client: SalesforceEmulator) -> None:
    with with_client.session() as session:
        sf = Salesforce(
            consumer_key=CLIENT.consumer_key,
            consumer_secret=CLIENT.consumer_secret,
            domain="acme.my",
            session=session,
        )
        sf.query("SELECT Id FROM Lead")
        with_client.expire_sessions()
        assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0
    assert with_client.runtime.auth.logins == 2


def test_idle_session_expires_after_two_hours(sf: Salesforce, clock: ManualClock) -> None:
    sf.query("SELECT Id FROM Lead")
    clock.advance(7199)
    sf.query("SELECT Id FROM Lead")
    clock.advance(7201)
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Lead")
    assert caught.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_token_dies_after_its_request_budget(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, tokens=(TokenSpec(expires_after_requests=2),))
    statuses = [api.get(api.url("/limits")).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_missing_or_bad_token_is_401(api: Api, header: str | None) -> None:
    del api.headers["Authorization"]
    headers = {} if header is None else {"Authorization": header}
    response = api.get(api.url("/limits"), headers=headers)
    assert (response.status_code, response.json()[0]["errorCode"]) == (401, "INVALID_SESSION_ID")
    assert response.headers["Sforce-Limit-Info"] == "api-usage=0/100000"  # refused, not counted


def test_limit_info_on_every_response_and_limits_agree(
    emu: SalesforceEmulator, api: Api, sf: Salesforce
) -> None:
    configure(emu, limits=Limits(daily_api_requests=15_000))
    assert api.get(api.url("/sobjects")).headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert (
        api.get(api.url("/query"), params={"q": "SELECT Bad FROM Lead"}).headers[
            "Sforce-Limit-Info"
        ]
        == "api-usage=2/15000"
    )
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 14997}
    assert (sf.api_usage["api-usage"].used, sf.api_usage["api-usage"].total) == (3, 15000)


def test_daily_allocation_refuses_with_403(
    emu: SalesforceEmulator, sf: Salesforce, clock: ManualClock
) -> None:
    configure(
        emu, limits=Limits(daily_api_requests=3), behaviour=Behaviour(session_idle_seconds=10**9)
    )
    for _ in range(3):
        sf.query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Lead")
    assert caught.value.status == 403
    assert caught.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert emu.runtime.limiter.used == 3
    clock.advance(86_400)
    assert sf.query("SELECT COUNT() FROM Lead")["done"] is True


@pytest.mark.parametrize(
    ("kind", "path", "method", "status", "code"),
    [
        (FaultKind.SERVER_ERROR, "/limits", "GET", 500, "UNKNOWN_EXCEPTION"),
        (FaultKind.UNAVAILABLE, "/limits", "GET", 503, "SERVER_UNAVAILABLE"),
        (FaultKind.REQUEST_LIMIT, "/limits", "GET", 403, "REQUEST_LIMIT_EXCEEDED"),
        (FaultKind.LOCK_ROW, "/sobjects/Lead", "POST", 400, "UNABLE_TO_LOCK_ROW"),
        (FaultKind.QUERY_TIMEOUT, "/query?q=SELECT+Id+FROM+Lead", "GET", 400, "QUERY_TIMEOUT"),
        (FaultKind.SESSION_EXPIRED, "/limits", "GET", 401, "INVALID_SESSION_ID"),
        (FaultKind.LOCK_ROW, "/limits", "GET", 200, None),
        (FaultKind.QUERY_TIMEOUT, "/limits", "GET", 200, None),
    ],
)
def test_scripted_faults(
    emu: SalesforceEmulator,
    api: Api,
    *,
    kind: FaultKind,
    path: str,
    method: str,
    status: int,
    code: str | None,
) -> None:
    emu.faults.script(kind)
    response = api.request(method, api.url(path), json={"LastName": "L", "Company": "C"})
    assert response.status_code == status
    if code is not None:
        assert response.json()[0]["errorCode"] == code
    assert "Sforce-Limit-Info" in response.headers


def test_lock_row_status_is_a_switch(emu: SalesforceEmulator, api: Api) -> None:
    configure(emu, behaviour=Behaviour(lock_row_status=409))
    emu.faults.script(FaultKind.LOCK_ROW)
    assert (
        api.post(api.url("/sobjects/Lead"), json={"LastName": "L", "Company": "C"}).status_code
        == 409
    )


def test_faults_map_to_simple_salesforce_exceptions(
    emu: SalesforceEmulator, sf: Salesforce
) -> None:
    emu.faults.script(FaultKind.SERVER_ERROR, FaultKind.QUERY_TIMEOUT)
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Lead")
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM Lead")


def test_dropped_connection_and_lost_response(emu: SalesforceEmulator, api: Api) -> None:
    emu.faults.script(FaultKind.DROP, FaultKind.LOST_RESPONSE)
    for _ in range(2):
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post(api.url("/sobjects/Lead"), json={"LastName": "L", "Company": "C"})
    assert len(emu.org.tables["Lead"].rows) == 1  # the lost response was applied; the drop was not


def test_slow_responses_use_the_injected_sleep(emu: SalesforceEmulator, api: Api) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    configure(emu, sleep=record, faults=Faults(slow_seconds=42.0))
    emu.faults.script(FaultKind.SLOW)
    assert api.get(api.url("/limits")).status_code == 200
    assert slept == [42.0]


def test_late_commit_fault(emu: SalesforceEmulator, api: Api, clock: ManualClock) -> None:
    configure(emu, faults=Faults(late_seconds=120))
    emu.faults.script(FaultKind.LATE_COMMIT)
    lead_id = api.post(api.url("/sobjects/Lead"), json={"LastName": "L", "Company": "C"}).json()[
        "id"
    ]
    query = {"q": "SELECT Id, SystemModstamp FROM Lead"}
    assert api.get(api.url("/query"), params=query).json()["totalSize"] == 0
    clock.advance(120)
    [record] = api.get(api.url("/query"), params=query).json()["records"]
    assert (record["Id"], record["SystemModstamp"]) == (lead_id, "2026-03-09T09:00:00.000+0000")


def test_seeded_faults_repeat(emu: SalesforceEmulator, api: Api) -> None:
    rates = {FaultKind.SERVER_ERROR: 0.2, FaultKind.UNAVAILABLE: 0.1, FaultKind.REQUEST_LIMIT: 0.1}
    runs = []
    for seed in (7, 7, 8):
        configure(emu, faults=Faults(seed=seed, rates=rates))
        runs.append([api.get(api.url("/limits")).status_code for _ in range(40)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {200, 500, 503, 403} <= set(runs[0])


def test_fault_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="sum to <= 1"):
        FaultInjector(Faults(rates={FaultKind.SERVER_ERROR: 0.7, FaultKind.UNAVAILABLE: 0.7}))
