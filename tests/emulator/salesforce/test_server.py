"""The TLS server: certificate trust, unmetered and unknown routes, the error envelope (§1, §18)."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce

from adapters.salesforce.emulator import SalesforceEmulator

from .conftest import DATA, Api


def test_instance_url_is_https_on_loopback(emu: SalesforceEmulator) -> None:
    assert emu.instance_url == f"https://127.0.0.1:{emu.port}"
    with open(emu.ca_bundle_path, encoding="ascii") as pem:
        assert pem.read().startswith("-----BEGIN CERTIFICATE-----")


def test_session_verify_trusts_the_ca(emu: SalesforceEmulator) -> None:
    with emu.session() as session:
        assert session.get(f"{emu.instance_url}/services/data/").status_code == 200


def test_plain_session_verify_with_simple_salesforce(
    emu: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented set-up; the CA variables are cleared as they override ``verify``."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    with requests.Session() as session:
        session.verify = emu.ca_bundle_path
        sf = Salesforce(
            instance_url=emu.instance_url, session_id=emu.token, session=session, version="59.0"
        )
        assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0


def test_requests_ca_bundle_trusts_the_ca(
    emu: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emu.ca_bundle_path)
    with requests.Session() as session:
        assert session.get(f"{emu.instance_url}/services/data/").status_code == 200


def test_unknown_ca_is_refused(emu: SalesforceEmulator) -> None:
    with requests.Session() as session:
        session.trust_env = False
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"{emu.instance_url}/services/data/")


def test_versions_are_listed_unauthenticated_and_unmetered(emu: SalesforceEmulator) -> None:
    with emu.session() as session:
        response = session.get(f"{emu.instance_url}/services/data/")
    versions = response.json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert (versions[0]["version"], versions[-1]["version"]) == ("31.0", "68.0")
    assert "Sforce-Limit-Info" not in response.headers
    assert emu.runtime.limiter.used == 0


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nothing/here", 404, "NOT_FOUND"),
        ("GET", "/services/data/v20.0/limits", 404, "NOT_FOUND"),
        ("GET", "/services/data/v69.0/limits", 404, "NOT_FOUND"),
        ("PUT", f"{DATA}/sobjects/Lead", 405, "METHOD_NOT_ALLOWED"),
        ("GET", f"{DATA}/sobjects/Nope/describe", 404, "NOT_FOUND"),
    ],
)
def test_unknown_routes(api: Api, method: str, path: str, status: int, code: str) -> None:
    response = api.request(method, f"{api.instance_url}{path}")
    assert response.status_code == status
    assert response.json()[0]["errorCode"] == code


def test_resource_list_and_trailing_slashes(api: Api) -> None:
    assert api.get(api.url("/")).json()["query"] == f"{DATA}/query"
    assert api.get(api.url("/limits/")).status_code == 200


def test_malformed_json_body(api: Api) -> None:
    response = api.post(
        api.url("/sobjects/Lead"), data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
