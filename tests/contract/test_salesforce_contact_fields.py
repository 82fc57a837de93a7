"""Contacts read the Lead fields the rules score on from where conversion puts them, against the
emulator over TLS (salesforce-api.md §7, §12, §14; Salesforce Help "Lead Conversion Field
Mapping"): ``Country`` from ``MailingCountry``, ``Industry`` and ``NumberOfEmployees`` from the
Contact's Account, typed from the Account's describe, so a Lead keeps its fit points once it
converts and sales takes it over.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import pytest

from adapters.salesforce import SalesforceAdapter
from adapters.salesforce.emulator import convert_lead
from connector.config import load_config
from connector.fields import fields_used
from rules.model import ObjectType, Person
from rules.scoring import Scorer
from tests.contract.salesforce_harness import SalesforceHarness
from tests.contract.test_adapter_pull import HOUR, pull

pytest_plugins = ["tests.contract.conftest_crm"]

LEAD, CONTACT = ObjectType.LEAD, ObjectType.CONTACT
FIT = ("Industry", "NumberOfEmployees", "Country")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sf(request: pytest.FixtureRequest) -> SalesforceHarness:
    return SalesforceHarness(request.getfixturevalue("salesforce_server"))


def people(adapter: SalesforceAdapter, kind: ObjectType, sf: SalesforceHarness) -> list[Person]:
    return pull(adapter, kind, None, sf.now()).people


def calls(adapter: SalesforceAdapter) -> Counter[str]:
    """Metered calls by label (the OAuth login is not one, §10)."""
    found: Counter[str] = Counter()
    for (label, _), n in adapter.usage().items():
        if label != "oauth2/token":
            found[label] += n
    return found


def lacking(caplog: pytest.LogCaptureFixture, sobject: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage().startswith(f"{sobject} lacks")
    ]


def test_a_contact_has_the_lead_fields_of_its_account_and_mailing_address_typed(
    sf: SalesforceHarness, caplog: pytest.LogCaptureFixture
) -> None:
    sf.seed_people(400)
    adapter = sf.adapter(person_fields=FIT)
    with caplog.at_level(logging.WARNING, logger="smarketing.salesforce.pull"):
        contacts = people(adapter, CONTACT, sf)

    assert len(contacts) >= 5
    accounts, rows = sf.org.tables["Account"].rows, sf.org.tables["Contact"].rows
    for person in contacts:
        row = rows[person.id]
        account = accounts[row["AccountId"]]
        expected = {
            "Industry": account["Industry"],
            "NumberOfEmployees": account["NumberOfEmployees"],
            "Country": row["MailingCountry"],
        }
        assert {name: person.fields[name] for name in FIT} == expected
        assert None not in expected.values()
        assert type(person.fields["NumberOfEmployees"]) is int
    # Nothing the rules read is "missing", nor is the Leads-only rejection reason.
    assert lacking(caplog, "Contact") == []


def test_a_field_neither_the_contact_nor_its_account_has_is_still_named(
    sf: SalesforceHarness, caplog: pytest.LogCaptureFixture
) -> None:
    sf.seed_people(60)
    adapter = sf.adapter(person_fields=(*FIT, "Shoe_Size__c"))
    with caplog.at_level(logging.WARNING, logger="smarketing.salesforce.pull"):
        people(adapter, CONTACT, sf)
        people(adapter, LEAD, sf)

    assert [m.split(":")[0] for m in lacking(caplog, "Contact")] == [
        "Contact lacks configured fields Shoe_Size__c"
    ]
    assert [m.split(":")[0] for m in lacking(caplog, "Lead")] == [
        "Lead lacks configured fields Shoe_Size__c"
    ]


def test_a_converted_lead_keeps_its_values_and_its_score_as_a_contact(
    sf: SalesforceHarness, caplog: pytest.LogCaptureFixture
) -> None:
    ruleset = load_config(ROOT / "config.salesforce.toml").ruleset
    sf.seed_people(60)
    adapter = sf.adapter(person_fields=tuple(fields_used(ruleset)))
    leads = {p.id: p for p in people(adapter, LEAD, sf)}
    lead = next(
        p
        for _, p in sorted(leads.items())
        if str(p.owner_id).startswith("005") and isinstance(p.get("NumberOfEmployees"), int)
    )
    contacts = pull(adapter, CONTACT, None, sf.now()).cursor
    sf.advance(HOUR)
    converted = convert_lead(sf.org, lead.id, opportunity_name="Pilot")
    sf.advance(1)

    with caplog.at_level(logging.WARNING, logger="smarketing.salesforce.pull"):
        pulled = pull(adapter, CONTACT, contacts, sf.now()).people
    contact = next(p for p in pulled if p.id == converted.contact_id)

    assert {name: contact.get(name) for name in (*FIT, "Title")} == {
        name: lead.get(name) for name in (*FIT, "Title")
    }
    assert lead.get("NumberOfEmployees") is not None
    scorer, now = Scorer(ruleset.scoring), sf.now()
    assert scorer.score(contact, now).fit == scorer.score(lead, now).fit
    assert scorer.score(contact, now).total == scorer.score(lead, now).total
    assert lacking(caplog, "Contact") == []


def test_reading_account_fields_costs_one_account_describe_an_hour(
    sf: SalesforceHarness,
) -> None:
    sf.seed_people(400)
    plain, fit = sf.adapter(person_fields=()), sf.adapter(person_fields=FIT)
    country = sf.adapter(person_fields=("Country",))

    for adapter in (plain, fit, country):
        people(adapter, CONTACT, sf)

    assert calls(fit) - calls(plain) == Counter({"describe Account": 1})
    assert calls(plain) - calls(fit) == Counter()
    assert calls(country) == calls(plain)  # MailingCountry is the Contact's own: no describe
    before = calls(fit)
    people(fit, CONTACT, sf)
    again = calls(fit) - before
    assert "describe Account" not in again
    assert again == calls(plain) - Counter({"describe Contact": 1})  # both describes cached
