"""The shipped configs' country and industry rules fire on both emulators' seeded people.

The scenario names countries by ISO code and industries in its own words; each emulator's seed
spells them as its CRM does (HubSpot: "United States", ``COMPUTER_SOFTWARE``; Salesforce:
"United States", ``Technology``), and that is what ``config.toml`` and ``config.salesforce.toml``
list. Were the seeds to hold ``US`` and ``Software``, these rules would never fire and the demo
would under-score everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.hubspot.emulator import ObjectType
from adapters.hubspot.emulator.seed import INDUSTRY_VALUES as HUBSPOT_INDUSTRIES
from adapters.hubspot.emulator.seed import seeded_portal
from adapters.salesforce.emulator import EmulatorOptions, ManualClock, catalog
from adapters.salesforce.emulator.seed import seeded_org
from adapters.salesforce.emulator.seed_schema import INDUSTRY_VALUES as SALESFORCE_INDUSTRIES
from adapters.scenario import Industry
from connector.config import load_config
from rules.conditions import compile_condition
from rules.model import Person
from rules.ruleset import Ruleset

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
PEOPLE = 600
RULES = ("country-core-market", "industry-software", "company-mid-size")
MIN_SHARE = 0.2
"""The scenario puts 57 % of companies in the core markets (US, DE, UA, PL) and 29 % (HubSpot:
software, marketing) or 33 % (Salesforce: Technology, Media) in the scored industries; about
45 % of people work for a company of 51-1,000 (HubSpot lists it as ranges, Salesforce as a
number)."""

Records = list[Mapping[str, Any]]


def _hubspot_contacts() -> Records:
    portal = seeded_portal(11, PEOPLE, NOW)
    return [record.props for record in portal.stores[ObjectType.CONTACTS].records.values()]


def _salesforce_leads() -> Records:
    # Every seeded person is a Lead; converted ones keep their values (their Contact reads them
    # from MailingCountry and the Account, which the seed fills alike).
    org = seeded_org(11, PEOPLE, NOW, EmulatorOptions(now=ManualClock(NOW).now))
    return list(org.tables["Lead"].iter_rows())


SEEDED: Mapping[str, Callable[[], Records]] = {
    "config.toml": _hubspot_contacts,
    "config.salesforce.toml": _salesforce_leads,
}
"""Shipped config → the people of the emulator it runs against in ``smarketing demo``."""


@pytest.fixture(scope="module", params=sorted(SEEDED))
def seeded(request: pytest.FixtureRequest) -> tuple[Ruleset, Records]:
    """A shipped config's rules and the seeded people they judge in the demo."""
    config: str = request.param
    return load_config(ROOT / config).ruleset, SEEDED[config]()


@pytest.mark.parametrize("rule", RULES)
def test_the_shipped_fit_rule_fires_on_a_share_of_seeded_people(
    seeded: tuple[Ruleset, Records], rule: str
) -> None:
    ruleset, people = seeded
    when = next(r.when for r in ruleset.scoring.rules if r.name == rule)
    fires = compile_condition(when)

    hits = sum(
        fires(Person(id=str(index), fields={when.field: values.get(when.field)}))
        for index, values in enumerate(people)
    )

    assert len(people) == PEOPLE
    assert hits >= MIN_SHARE * PEOPLE, f"{rule} fires on {hits} of {PEOPLE} seeded people"


@pytest.mark.parametrize(
    "spelling", [HUBSPOT_INDUSTRIES, SALESFORCE_INDUSTRIES], ids=["hubspot", "salesforce"]
)
def test_every_scenario_industry_has_its_crms_spelling(spelling: Mapping[Industry, str]) -> None:
    assert set(spelling) == set(Industry)


def test_the_salesforce_seed_uses_values_of_the_industry_picklist() -> None:
    assert set(SALESFORCE_INDUSTRIES.values()) <= set(catalog.INDUSTRIES)
