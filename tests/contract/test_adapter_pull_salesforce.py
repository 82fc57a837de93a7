"""Pull scenarios only Salesforce has, against its emulator over TLS (salesforce-api.md §2, §3,
§10, §11, §14; failure-modes F09, F13-F15, F19, F25-F28, F38).

The shared contract (``test_adapter_pull.py``) runs against Salesforce too; these tests cover what
it cannot express: lead conversion, ``MasterRecordId`` merges and deletes through ``queryAll``,
the 15-day delete window, equal ``SystemModstamp`` values across pages and expired query locators,
``REQUEST_LIMIT_EXCEEDED``, session refresh, and both OAuth flows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.base.errors import AuthError, QuotaExhaustedError
from adapters.base.protocol import Cursor, Merge
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce.emulator import ClientSpec, FaultKind, Limits, convert_lead
from adapters.salesforce.emulator.org import INTEGRATION_USERNAME
from adapters.salesforce.emulator.writes import automation_touch, create
from adapters.salesforce.pull import FULL_RECONCILE
from rules.model import ObjectType
from tests.contract.salesforce_harness import SalesforceHarness
from tests.contract.test_adapter_pull import HOUR, LOOKBACK, Pulled, pull

pytest_plugins = ["tests.contract.conftest_crm"]

LEAD, CONTACT, DEAL = ObjectType.LEAD, ObjectType.CONTACT, ObjectType.DEAL
DAY = 86_400.0


@pytest.fixture
def sf(request: pytest.FixtureRequest) -> SalesforceHarness:
    return SalesforceHarness(request.getfixturevalue("salesforce_server"))


def incremental_setup(sf: SalesforceHarness, people: int = 60) -> tuple[SalesforceAdapter, Cursor]:
    sf.seed_people(people)
    adapter = sf.adapter()
    cursor = pull(adapter, LEAD, None, sf.now()).cursor
    sf.advance(HOUR)
    return adapter, cursor


def refused(adapter: SalesforceAdapter, status: int) -> int:
    return sum(n for (_, code), n in adapter.usage().items() if code == status)


def test_a_converted_lead_is_merged_into_its_contact_and_its_deal_names_the_contact(
    sf: SalesforceHarness,
) -> None:
    sf.seed_people(40)
    lead = next(i for i, r in sorted(sf.expected(LEAD).items()) if str(r["owner_id"])[:3] == "005")
    adapter = sf.adapter()
    cursors = {kind: pull(adapter, kind, None, sf.now()).cursor for kind in (LEAD, CONTACT, DEAL)}
    sf.advance(HOUR)
    converted = convert_lead(sf.org, lead, opportunity_name="Pilot")
    sf.advance(1)

    leads = pull(adapter, LEAD, cursors[LEAD], sf.now())
    contacts = pull(adapter, CONTACT, cursors[CONTACT], sf.now())
    deals = pull(adapter, DEAL, cursors[DEAL], sf.now())

    assert Merge(lead, converted.contact_id, CONTACT) in leads.merges
    assert lead not in leads.ids
    assert converted.contact_id in contacts.ids
    by_id = {d.id: d for b in deals.batches for d in b.deals}
    assert by_id[str(converted.opportunity_id)].person_ids == (converted.contact_id,)


@pytest.mark.parametrize("lead_pull_first", [True, False])
def test_deal_people_cost_no_call_after_a_lead_pull_of_the_same_cycle(
    sf: SalesforceHarness, lead_pull_first: bool
) -> None:
    sf.seed_people(300)
    adapter = sf.adapter()
    started_at = sf.now()
    if lead_pull_first:
        pull(adapter, LEAD, None, started_at)
    adapter.client.tokens.current()  # log in first: the login is not a read of records
    before = sum(adapter.usage().values())

    deals = pull(adapter, DEAL, None, started_at)

    expected = sf.expected(DEAL)
    assert {d.id: d.person_ids for b in deals.batches for d in b.deals} == {
        key: value["person_ids"] for key, value in expected.items()
    }
    queries = sum(n for (label, _), n in adapter.usage().items() if label.startswith("query Lead"))
    pages = -(-len(expected) // 200)
    history = -(-len(sf.org.tables["OpportunityHistory"].rows) // 200)  # the stage history
    calls = sum(adapter.usage().values()) - before
    assert calls == pages + history + 1 + (0 if lead_pull_first else queries)  # + the describe


def test_merged_contacts_and_deleted_leads_come_from_the_same_queryall(
    sf: SalesforceHarness,
) -> None:
    adapter, cursor = incremental_setup(sf)
    ids = sorted(sf.expected(LEAD))
    sf.archive(ids[3])
    survivor = sf.merge(ids[8], ids[9])

    got = pull(adapter, LEAD, cursor, sf.now())

    assert got.deleted == {ids[3]}
    assert got.merges == {Merge(ids[8], survivor)}
    assert {ids[3], ids[8]}.isdisjoint(got.ids)
    assert [label for label, _ in adapter.usage() if label.startswith("queryAll")] == [
        "queryAll Lead"
    ]


def test_past_the_delete_window_a_full_reconciliation_runs_and_is_flagged(
    sf: SalesforceHarness,
) -> None:
    adapter, cursor = incremental_setup(sf)
    live = set(sf.expected(LEAD))
    gone = sorted(live)[0]
    sf.advance(16 * DAY)
    sf.archive(gone)

    got = pull(adapter, LEAD, cursor, sf.now())
    after = pull(adapter, LEAD, got.cursor, sf.now())

    assert all(c.extra.get(FULL_RECONCILE) == "true" for c in got.cursors)
    assert set(got.ids) == live - {gone}
    assert got.deleted == {gone}  # still in the Recycle Bin: reported as well
    assert got.cursor.modified_at == sf.now()
    assert FULL_RECONCILE not in after.cursor.extra


def test_within_the_delete_window_the_pull_stays_incremental(sf: SalesforceHarness) -> None:
    adapter, cursor = incremental_setup(sf)
    sf.advance(13 * DAY)
    got = pull(adapter, LEAD, cursor, sf.now())
    assert all(FULL_RECONCILE not in c.extra for c in got.cursors)
    assert got.ids == []


def test_equal_system_modstamps_across_pages_and_an_expired_locator_lose_nothing(
    sf: SalesforceHarness,
) -> None:
    adapter, cursor = incremental_setup(sf, people=700)
    ids = sorted(sf.expected(LEAD))
    sf.set_modified(ids, sf.now())  # one bulk update: 700 rows share one SystemModstamp
    sf.advance(1)
    pages = adapter.pull(LEAD, cursor, started_at=sf.now())
    batches = [next(pages), next(pages)]
    sf.emulator.expire_query_locators()  # §3: INVALID_QUERY_LOCATOR on the next page

    batches += list(pages)

    assert Counter(Pulled(batches).ids) == Counter(ids)
    assert refused(adapter, 400) == 1
    pages = sum(n for (label, code), n in adapter.usage().items() if label.startswith("queryAll"))
    assert pages - 1 == 2 + 2  # restarted after the last (SystemModstamp, Id): 300 rows left


def test_automation_changes_are_pulled_by_system_modstamp(sf: SalesforceHarness) -> None:
    adapter, cursor = incremental_setup(sf)
    record = sorted(sf.expected(LEAD))[2]
    with sf.org.lock:
        automation_touch(sf.org, "Lead", record)  # §12: LastModifiedDate stays, Modstamp moves
    assert record in pull(adapter, LEAD, cursor, sf.now()).ids


@pytest.mark.parametrize(("lookback", "caught"), [(LOOKBACK, True), (timedelta(0), False)])
def test_a_late_commit_through_the_api_is_caught_by_the_lookback(
    sf: SalesforceHarness, lookback: timedelta, caught: bool
) -> None:
    sf.seed_people(30)
    sf.configure(faults=replace(sf.emulator.runtime.options.faults, late_seconds=90.0))
    adapter = sf.adapter(lookback=lookback)
    cursor = pull(adapter, LEAD, None, sf.now()).cursor
    sf.advance(HOUR)
    sf.emulator.faults.script(FaultKind.LATE_COMMIT)
    made = adapter.client.rest("POST", "sobjects/Lead", {"LastName": "Late", "Company": "L"})
    sf.advance(60)
    with sf.org.lock:
        create(sf.org, "Lead", {"LastName": "Quick", "Company": "Q"})
    first = pull(adapter, LEAD, cursor, sf.now())
    sf.advance(60)

    second = pull(adapter, LEAD, first.cursor, sf.now())

    assert made["id"] not in first.ids
    assert (made["id"] in second.ids) is caught


def test_the_daily_allocation_used_up_stops_the_pull_without_retrying(
    sf: SalesforceHarness,
) -> None:
    sf.seed_people(20)
    sf.configure(limits=Limits(daily_api_requests=50))
    sf.emulator.runtime.limiter.admit(50)  # other apps used the org's allocation
    adapter = sf.adapter()

    with pytest.raises(QuotaExhaustedError, match="REQUEST_LIMIT_EXCEEDED") as raised:
        pull(adapter, LEAD, None, sf.now())

    assert raised.value.lane == "api"
    assert refused(adapter, 403) == 1
    assert adapter.client.daily == (50, 50)


def test_the_budget_stops_before_salesforce_refuses(sf: SalesforceHarness) -> None:
    sf.seed_people(900)
    sf.configure(limits=Limits(daily_api_requests=1000))
    sf.emulator.runtime.limiter.admit(945)
    adapter = sf.adapter()

    with pytest.raises(QuotaExhaustedError, match="95%"):
        pull(adapter, LEAD, None, sf.now())

    assert refused(adapter, 403) == 0
    assert adapter.client.should_pause_writes()


def test_an_expired_session_is_refreshed_once_and_the_pull_completes(
    sf: SalesforceHarness,
) -> None:
    ids = sf.seed_people(450)
    adapter = sf.adapter()
    pages = adapter.pull(LEAD, None, started_at=sf.now())
    batches = [next(pages)]
    sf.emulator.expire_sessions()

    batches += list(pages)

    assert Counter(Pulled(batches).ids) == Counter(ids)
    assert adapter.client.tokens.logins == 2
    assert refused(adapter, 401) == 1


def test_a_session_refused_after_refreshing_is_an_auth_error_not_a_loop(
    sf: SalesforceHarness,
) -> None:
    sf.seed_people(20)
    adapter = sf.adapter()
    sf.emulator.faults.script(FaultKind.SESSION_EXPIRED, FaultKind.SESSION_EXPIRED)

    with pytest.raises(AuthError, match="401"):
        pull(adapter, LEAD, None, sf.now())

    assert adapter.client.tokens.logins == 2
    assert refused(adapter, 401) == 2


def test_revoked_credentials_fail_at_login_and_are_not_hammered(sf: SalesforceHarness) -> None:
    sf.seed_people(20)
    adapter = sf.adapter()
    pull(adapter, LEAD, None, sf.now())
    sf.faults.expire_token()

    for _ in range(3):
        with pytest.raises(AuthError, match=r"401.*invalid_client_id"):
            pull(adapter, LEAD, None, sf.now())

    assert sum(n for (label, _), n in adapter.usage().items() if label == "oauth2/token") == 2


def test_an_idle_session_is_replaced_before_it_expires(sf: SalesforceHarness) -> None:
    adapter, cursor = incremental_setup(sf)
    sf.advance(2 * HOUR)  # the org's idle timeout (§2): the old session is dead

    pull(adapter, LEAD, cursor, sf.now())

    assert adapter.client.tokens.logins == 2
    assert refused(adapter, 401) == 0


def rsa_pair() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@pytest.mark.parametrize("signed_by_the_app", [True, False])
def test_jwt_bearer_logs_in_with_a_signed_assertion(
    sf: SalesforceHarness, signed_by_the_app: bool
) -> None:
    ids = sf.seed_people(20)
    private, public = rsa_pair()
    other, _ = rsa_pair()
    sf.configure(clients=(ClientSpec(consumer_key="jwt.app", certificate_pem=public),))
    adapter = sf.adapter(
        auth="jwt",
        client_id="jwt.app",
        client_secret=None,
        username=INTEGRATION_USERNAME,
        private_key=private if signed_by_the_app else other,
        login_url=sf.emulator.instance_url,
    )

    if not signed_by_the_app:
        with pytest.raises(AuthError, match="invalid_grant"):
            pull(adapter, LEAD, None, sf.now())
        return
    assert sorted(pull(adapter, LEAD, None, sf.now()).ids) == ids


def test_client_credentials_with_a_wrong_secret_is_an_auth_error(sf: SalesforceHarness) -> None:
    sf.seed_people(5)
    with pytest.raises(AuthError, match="invalid_client") as raised:
        pull(sf.adapter(client_secret="wrong"), LEAD, None, sf.now())
    assert "wrong" not in str(raised.value)
