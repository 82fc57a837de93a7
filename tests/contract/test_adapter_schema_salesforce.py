"""``ensure_schema`` and ``check`` against the emulator's Tooling API, over real TLS sockets.

An org seeded without the connector's fields gets them from ``ensure_schema`` (``smarketing
setup``): describe then lists them, ``check`` finds nothing to fix and a score can be written. An
org without the Tooling API, or a user without "Customize Application", gets the list of what an
admin must create instead (adapters/salesforce/fields_setup.py, emulator/tooling.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from adapters.base.errors import ConfigurationError, MissingScopesError
from adapters.base.protocol import OutcomeStatus, PropertyUpdate
from adapters.salesforce.adapter import owned_specs
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.emulator import describe as emulated
from adapters.salesforce.emulator.routes import sobjects
from adapters.salesforce.schema import describe
from rules.model import ObjectType
from tests.contract.salesforce_harness import SalesforceHarness

pytest_plugins = ["tests.contract.conftest_crm"]

OURS = (
    "Smarketing_Score__c",
    "Smarketing_Score_Explanation__c",
    "Smarketing_SLA_Status__c",
    "Smarketing_SLA_Due__c",
)
TASK_FIELDS = ("Smarketing_Key__c", "Smarketing_Due__c")
CREATED = {f"{o}.{n}" for o in ("Lead", "Contact") for n in OURS} | {
    f"Task.{n}" for n in TASK_FIELDS
}
TOOLING = "/tooling/sobjects/CustomField"


@pytest.fixture
def sf(salesforce_server: Any) -> SalesforceHarness:
    """A fresh org seeded with people but not with the connector's fields."""
    harness = SalesforceHarness(salesforce_server)
    harness.seed_people(60, connector_fields=False)
    return harness


def posts(sf: SalesforceHarness, status: int) -> int:
    """Tooling API creates the emulator answered with ``status``."""
    log = sf.emulator.runtime.log
    return sum(1 for m, p, s in log if m == "POST" and p.endswith(TOOLING) and s == status)


def open_lead(sf: SalesforceHarness) -> str:
    """A Lead the org's validation rule lets the connector save (not converted, not rejected)."""
    with sf.org.lock:
        rows = sf.org.tables["Lead"].rows.values()
        return next(
            str(r["Id"])
            for r in rows
            if not r["IsConverted"] and not r["IsDeleted"] and r["Status"] != "Unqualified"
        )


def test_setup_creates_the_missing_fields_then_check_passes_and_a_score_is_written(
    sf: SalesforceHarness,
) -> None:
    before = sf.adapter().check()
    assert len(before.problems) == len(CREATED)
    assert all(" is missing: an admin must create it" in p for p in before.problems)

    created = sf.adapter().ensure_schema(owned_specs())

    assert set(created) == CREATED
    assert posts(sf, 201) == len(CREATED)
    client = SalesforceClient(sf.settings())
    lead, task = describe(client, "Lead"), describe(client, "Task")
    score, why = lead["smarketing_score__c"], lead["smarketing_score_explanation__c"]
    assert (score["type"], score["precision"], score["scale"]) == ("double", 3, 0)
    assert (why["type"], why["length"], why["label"]) == (
        "textarea",
        1_000,
        "Smarketing Score Explanation",
    )
    assert all(lead[n.lower()]["custom"] and lead[n.lower()]["updateable"] for n in OURS)
    key = task["smarketing_key__c"]
    assert (key["type"], key["length"], key["externalId"], key["unique"]) == (
        "string",
        64,
        False,
        False,
    )
    assert describe(client, "Contact")["smarketing_sla_due__c"]["type"] == "datetime"

    assert sf.adapter().check().problems == ()
    assert sf.adapter().ensure_schema(owned_specs()) == ()  # idempotent: nothing left to create

    lead_id = open_lead(sf)
    update = PropertyUpdate("score-1", ObjectType.LEAD, lead_id, "smarketing_score", "72")
    [outcome] = sf.adapter().apply([update])
    assert outcome.status is OutcomeStatus.DONE, outcome
    assert sf.crm_values(lead_id, ["smarketing_score"]) == {"smarketing_score": "72"}


def test_without_the_tooling_api_setup_lists_what_an_admin_must_create(
    sf: SalesforceHarness,
) -> None:
    sf.configure(tooling_api=False)

    with pytest.raises(ConfigurationError) as raised:
        sf.adapter().ensure_schema(owned_specs())

    text = str(raised.value)
    assert "this Salesforce has no Tooling API (tooling/sobjects/CustomField answered 404)" in text
    assert (
        "Lead.Smarketing_Score__c (smarketing_score) is missing: an admin must create it in Setup"
        " > Object Manager > Lead > Fields & Relationships: API name Smarketing_Score__c, type"
        " Number, length 3, decimal places 0" in text
    )
    assert (
        "Contact.Smarketing_Score_Explanation__c (smarketing_score_explanation) is missing" in text
    )
    assert "API name Smarketing_Score_Explanation__c, type Long Text Area, length 1,000" in text
    assert "API name Smarketing_SLA_Status__c, type Text, length 20" in text
    assert "Object Manager > Activity (Task and Event share its fields)" in text
    assert "API name Smarketing_Key__c, type Text, length 64" in text
    assert "leave External ID and Unique off" in text
    assert posts(sf, 404) == 1  # the first refusal stops: no call per field
    assert sf.org.object("Lead").field("Smarketing_Score__c") is None


def test_a_user_without_customize_application_is_told_what_to_grant(
    sf: SalesforceHarness,
) -> None:
    sf.configure(customizers=frozenset({"admin@acme.example"}))

    with pytest.raises(MissingScopesError) as raised:
        sf.adapter().ensure_schema(owned_specs())

    assert raised.value.scopes == ("Customize Application",)
    text = str(raised.value)
    assert "the integration user may not create fields" in text
    assert "INSUFFICIENT_ACCESS" in text
    assert "API name Smarketing_SLA_Due__c, type Date/Time" in text
    assert posts(sf, 403) == 1


def test_a_field_the_user_cannot_see_is_named_not_created_twice(
    sf: SalesforceHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    sf.adapter().ensure_schema(owned_specs())

    def hiding(obj: Any, version: str) -> dict[str, Any]:
        # Field-level security without Read hides a field from the user's describe (§7).
        body = emulated.describe(obj, version)
        body["fields"] = [f for f in body["fields"] if f["name"] != "Smarketing_SLA_Status__c"]
        return body

    monkeypatch.setattr(sobjects, "describe", hiding)

    with pytest.raises(ConfigurationError) as raised:
        sf.adapter().ensure_schema(owned_specs())

    text = str(raised.value)
    assert (
        "Lead.Smarketing_SLA_Status__c exists but the integration user cannot see it: grant it"
        " Read and Edit in the field's field-level security" in text
    )
    assert "Contact.Smarketing_SLA_Status__c exists but" in text
    assert posts(sf, 400) == 2


def test_check_names_each_configured_status_the_org_lacks(sf: SalesforceHarness) -> None:
    sf.adapter().ensure_schema(owned_specs())
    statuses = ("Open - Not Contacted", "working - contacted", "Hot Prospect")

    report = sf.adapter(lead_statuses=statuses).check()

    assert len(report.problems) == 1, report.problems
    [problem] = report.problems
    assert problem.startswith("Lead status 'Hot Prospect' is not a LeadStatus value of this org")
    assert "Setup > Object Manager > Lead > Fields & Relationships > Lead Status" in problem
    assert "Open - Not Contacted, Working - Contacted" in problem
