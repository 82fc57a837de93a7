"""Rate limits: burst and daily buckets with their headers, search 5/s without headers (§13)."""

from __future__ import annotations

import httpx
import pytest

from adapters.hubspot.emulator import HubSpotEmulator, ManualClock, RateLimits

from .conftest import configure

LIST = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"


def test_burst_headers_and_429(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    configure(emu, limits=RateLimits(burst=3, daily=1000, search_per_second=None))
    remaining = [http.get(LIST).headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = http.get(LIST)
    assert refused.status_code == 429
    body = refused.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert "category" not in body
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in refused.headers
    clock.advance(9.9)
    assert http.get(LIST).status_code == 429
    clock.advance(0.2)
    ok = http.get(LIST)
    assert ok.status_code == 200
    assert ok.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert ok.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert ok.headers["X-HubSpot-RateLimit-Daily"] == "1000"
    assert ok.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "996"


def test_daily_bucket_resets_at_midnight(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    configure(emu, limits=RateLimits(burst=None, daily=2, search_per_second=None))
    assert [http.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
    assert http.get(LIST).json()["policyName"] == "DAILY"
    clock.advance(15 * 3600)  # 09:00 → 00:00 next day
    assert http.get(LIST).status_code == 200


@pytest.mark.parametrize(("oauth", "daily_header"), [(False, True), (True, False)])
def test_oauth_apps_get_no_daily_headers(
    emu: HubSpotEmulator, http: httpx.Client, oauth: bool, daily_header: bool
) -> None:
    configure(emu, limits=RateLimits(oauth=oauth))
    assert ("X-HubSpot-RateLimit-Daily" in http.get(LIST).headers) is daily_header


def test_search_secondly_bucket_without_headers(
    emu: HubSpotEmulator, http: httpx.Client, clock: ManualClock
) -> None:
    configure(emu, limits=RateLimits())
    responses = [http.post(SEARCH, json={}) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert not any(
        k.lower().startswith("x-hubspot-ratelimit") for r in responses for k in r.headers
    )
    assert responses[-1].json()["policyName"] == "SECONDLY"
    assert http.get(LIST).status_code == 200, "search has its own bucket"
    clock.advance(1.0)
    assert http.post(SEARCH, json={}).status_code == 200


def test_retry_after_switch(emu: HubSpotEmulator, http: httpx.Client) -> None:
    configure(emu, limits=RateLimits(burst=1, retry_after_seconds=10))
    http.get(LIST)
    assert http.get(LIST).headers["Retry-After"] == "10"
