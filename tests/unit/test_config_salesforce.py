"""``config.salesforce.toml``: one config, two CRMs.

Its SLA, rejection and scoring rules must be ``config.toml``'s with only the field names
(:data:`FIELDS`), the industry values (:data:`INDUSTRIES`) and the employee ranges
(:data:`EMPLOYEE_RANGES`) translated and HubSpot's
first-engagement touch dropped; its value maps must speak the emulated org's values, and every
field it reads must exist there.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from adapters.salesforce.emulator import ManualClock, Org, catalog, define_org
from adapters.salesforce.emulator.seed_schema import (
    CONVERTED_STATUS,
    STAGE_DATE_FIELDS,
    STAGE_LABELS,
    STATUS_VALUES,
)
from adapters.salesforce.mapping import CONTACT_EQUIVALENTS
from connector.config import Settings, load_config
from connector.fields import fields_used
from rules.model import LeadStatus
from rules.ruleset import Condition, ConditionValue, Op, Ruleset, SlaRule, TouchKind

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "jobtitle": "Title",
    "numemployees": "NumberOfEmployees",
    "country": "Country",
    "industry": "Industry",
    "hs_email_domain": "Email_Domain__c",
    "hs_analytics_num_page_views": "Page_Views__c",
    "hs_analytics_last_visit_timestamp": "Last_Visit_Date__c",
    "num_conversion_events": "Form_Submissions__c",
    "recent_conversion_date": "Recent_Conversion_Date__c",
    "hs_email_last_click_date": "Last_Click_Date__c",
    "smarketing_rejection_reason": "Rejection_Reason__c",
}
"""HubSpot property → the Salesforce field config.salesforce.toml reads instead."""
INDUSTRIES = {
    "COMPUTER_SOFTWARE": "Technology",
    "INTERNET": "Technology",
    "MARKETING_AND_ADVERTISING": "Media",
}
"""HubSpot industry option → the value of Salesforce's Industry picklist that holds it."""
EMPLOYEE_RANGES: dict[tuple[str, ...], tuple[Op, ConditionValue]] = {
    ("50-100", "100-500", "500-1000", "1000+"): (Op.GTE, 50),
    ("50-100", "100-500", "500-1000"): (Op.BETWEEN, (50, 1000)),
    ("1000+",): (Op.GTE, 1001),
}
"""HubSpot's numemployees ranges (a dropdown) → the same test on Salesforce's NumberOfEmployees
(a number)."""
DROPPED_TOUCHES = {"hs_sa_first_engagement_date"}  # no Salesforce counterpart with a time


@pytest.fixture(scope="module")
def hubspot() -> Settings:
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="module")
def salesforce() -> Settings:
    return load_config(ROOT / "config.salesforce.toml")


def _condition(cond: Condition) -> Condition:
    if cond.field == "industry" and isinstance(cond.value, tuple):
        values = tuple(dict.fromkeys(INDUSTRIES[str(v)] for v in cond.value))
        return replace(cond, field=FIELDS[cond.field], value=values)
    if cond.field == "numemployees" and isinstance(cond.value, tuple):
        op, value = EMPLOYEE_RANGES[tuple(str(v) for v in cond.value)]
        return Condition(FIELDS[cond.field], op, value)
    return replace(cond, field=FIELDS[cond.field])


def _sla(rule: SlaRule) -> SlaRule:
    touches = tuple(
        t
        for t in rule.touches
        if not (t.kind is TouchKind.PROPERTY and t.property in DROPPED_TOUCHES)
    )
    return replace(rule, where=tuple(map(_condition, rule.where)), touches=touches)


def translated(rules: Ruleset) -> Ruleset:
    """``config.toml``'s rules as config.salesforce.toml must spell them."""
    scoring = rules.scoring
    scores = tuple(
        replace(r, when=_condition(r.when), at=FIELDS[r.at] if r.at else None)
        for r in scoring.rules
    )
    return replace(
        rules,
        sla=tuple(map(_sla, rules.sla)),
        rejection=tuple(replace(r, reason_field=FIELDS[r.reason_field]) for r in rules.rejection),
        scoring=replace(scoring, rules=scores),
    )


@pytest.mark.parametrize("part", ["sla", "rejection", "scoring", "calendar"])
def test_the_rules_are_config_tomls_with_field_names_translated(
    hubspot: Settings, salesforce: Settings, part: str
) -> None:
    expected = getattr(translated(hubspot.ruleset), part)

    assert getattr(salesforce.ruleset, part) == expected


def test_the_rules_are_not_trivially_equal(hubspot: Settings, salesforce: Settings) -> None:
    # The comparison above must compare something: names, stages, clocks and caps are there.
    sla = [(r.name, r.stage, r.within, r.clock, r.escalate_after) for r in salesforce.ruleset.sla]
    assert sla == [
        (r.name, r.stage, r.within, r.clock, r.escalate_after) for r in hubspot.ruleset.sla
    ]
    assert len(salesforce.ruleset.scoring.rules) == len(hubspot.ruleset.scoring.rules) > 10
    assert salesforce.ruleset.rejection[0].grace == hubspot.ruleset.rejection[0].grace
    touches = {t.property for r in hubspot.ruleset.sla for t in r.touches if t.property}
    assert touches == DROPPED_TOUCHES


@pytest.mark.parametrize("section", ["schedule", "status", "logging", "owners"])
def test_the_service_sections_match(hubspot: Settings, salesforce: Settings, section: str) -> None:
    assert getattr(salesforce, section) == getattr(hubspot, section)


def test_the_crm_is_salesforce(salesforce: Settings) -> None:
    crm = salesforce.crm
    assert str(crm.kind) == "salesforce"
    assert crm.salesforce is not None
    assert (crm.salesforce.client_id_env, crm.salesforce.client_secret_env) == (
        "SALESFORCE_CLIENT_ID",
        "SALESFORCE_CLIENT_SECRET",
    )


def test_the_value_maps_speak_the_emulated_orgs_values(salesforce: Settings) -> None:
    stage_map = salesforce.ruleset.stage_map

    assert all(stage_map.lifecycle[STAGE_LABELS[s]] is s for s in STAGE_LABELS)
    assert all(stage_map.lead_status[STATUS_VALUES[s]] is s for s in STATUS_VALUES)
    assert stage_map.lead_status[CONVERTED_STATUS] is LeadStatus.QUALIFIED
    assert dict(stage_map.stage_date_properties) == {
        STAGE_LABELS[stage]: field for stage, field in STAGE_DATE_FIELDS.items()
    }


def test_the_industry_rule_lists_values_of_the_emulated_orgs_picklist(
    salesforce: Settings,
) -> None:
    industry = next(r.when for r in salesforce.ruleset.scoring.rules if r.when.field == "Industry")

    assert isinstance(industry.value, tuple)
    assert set(industry.value) <= set(catalog.INDUSTRIES)


def test_every_field_the_rules_read_exists_on_the_emulated_lead(salesforce: Settings) -> None:
    org = Org(ManualClock().now)
    define_org(org)
    lead = org.object("Lead")

    missing = [name for name in fields_used(salesforce.ruleset) if lead.field(name) is None]

    assert missing == []


def test_every_field_the_rules_read_is_on_the_emulated_contact_or_its_equivalent(
    salesforce: Settings,
) -> None:
    # A converted Lead is a Contact: what its Lead scored on is there, or where conversion put it.
    org = Org(ManualClock().now)
    define_org(org)
    reason = {rule.reason_field for rule in salesforce.ruleset.rejection}  # Leads only

    def found(name: str) -> bool:
        parent, _, field = CONTACT_EQUIVALENTS.get(name, name).rpartition(".")
        return org.object(parent or "Contact").field(field) is not None

    missing = [n for n in fields_used(salesforce.ruleset) if n not in reason and not found(n)]

    assert missing == []
    assert {"Industry", "NumberOfEmployees", "Country"} <= set(fields_used(salesforce.ruleset))
