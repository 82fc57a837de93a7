"""Seeding: the scenario as Salesforce data, deterministic and self-consistent (§12, §14)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.salesforce.emulator import EmulatorOptions, ManualClock, Org, SalesforceEmulator
from adapters.salesforce.emulator.seed import conversions, seeded_org
from adapters.salesforce.emulator.seed_schema import STAGE_LABELS, STATUS_VALUES
from adapters.scenario import Scenario, generate

from .conftest import Api, soql

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
SIZE = 1_500


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(11, SIZE, NOW)


@pytest.fixture(scope="module")
def org(scenario: Scenario) -> Org:
    return seeded_org(11, SIZE, NOW, EmulatorOptions(now=ManualClock(NOW).now))


def rows(org: Org, name: str) -> list[dict[str, Any]]:
    return list(org.tables[name].iter_rows())


def test_same_seed_same_data(org: Org) -> None:
    again = seeded_org(11, SIZE, NOW, EmulatorOptions(now=ManualClock(NOW).now))
    for name in (
        "User",
        "Lead",
        "LeadHistory",
        "Contact",
        "Account",
        "Opportunity",
        "OpportunityHistory",
        "Task",
    ):
        assert rows(again, name) == rows(org, name), name
    other = seeded_org(12, SIZE, NOW, EmulatorOptions(now=ManualClock(NOW).now))
    assert rows(other, "Lead") != rows(org, "Lead")


def test_counts_follow_the_scenario(org: Org, scenario: Scenario) -> None:
    converted = conversions(scenario.deals)
    assert len(org.tables["Lead"].rows) == SIZE
    assert len(org.tables["Opportunity"].rows) == len(scenario.deals)
    assert len(org.tables["Contact"].rows) == len(converted)
    assert len(org.tables["Account"].rows) == len(
        {p.domain for p in scenario.people if p.key in converted}
    )
    assert len(org.tables["Task"].rows) == sum(len(p.activities) for p in scenario.people)
    assert len(org.tables["User"].rows) == len(scenario.owners) + 1


def test_users(org: Org) -> None:
    users = {u["Id"]: u for u in rows(org, "User")}
    for user in users.values():
        assert user["TimeZoneSidKey"]
        assert user["ManagerId"] is None or user["ManagerId"] in users
    assert sum(u["ManagerId"] is not None for u in users.values()) == len(users) - 2


def test_lead_status_history_replays_to_the_status(org: Org) -> None:
    status = {lead["Id"]: "Open - Not Contacted" for lead in rows(org, "Lead")}
    for change in rows(org, "LeadHistory"):
        if change["Field"] == "Status":
            assert status[change["LeadId"]] == change["OldValue"]
            status[change["LeadId"]] = change["NewValue"]
    assert status == {lead["Id"]: lead["Status"] for lead in rows(org, "Lead")}


def test_statuses_and_stages_use_org_values(org: Org) -> None:
    statuses = Counter(lead["Status"] for lead in rows(org, "Lead"))
    assert set(statuses) <= {*STATUS_VALUES.values(), "Closed - Converted"}
    assert set(statuses) >= {"Open - Not Contacted", "Unqualified", "Closed - Converted"}
    stages = {lead["Lifecycle_Stage__c"] for lead in rows(org, "Lead")}
    assert stages <= set(STAGE_LABELS.values())
    unqualified = [lead for lead in rows(org, "Lead") if lead["Status"] == "Unqualified"]
    with_reason = sum(lead["Rejection_Reason__c"] is not None for lead in unqualified)
    assert 0.7 < with_reason / len(unqualified) < 1.0  # some reps skip the reason, as in real orgs


def test_conversions_are_consistent(org: Org, scenario: Scenario) -> None:
    converted = conversions(scenario.deals)
    leads = [lead for lead in rows(org, "Lead") if lead["IsConverted"]]
    assert len(leads) == len(converted)
    for lead in leads:
        assert lead["Status"] == "Closed - Converted"
        contact = org.tables["Contact"].rows[lead["ConvertedContactId"]]
        assert contact["AccountId"] == lead["ConvertedAccountId"]
        opportunity = org.tables["Opportunity"].rows[lead["ConvertedOpportunityId"]]
        assert opportunity["AccountId"] == lead["ConvertedAccountId"]
        assert opportunity["CreatedDate"] == lead["LastModifiedDate"]
        assert opportunity["Type"] == "New Business"


def test_a_converted_persons_contact_and_account_hold_their_lead_fields(org: Org) -> None:
    # Lead conversion's standard mapping: Address → Contact's Mailing Address, Industry, No. of
    # Employees and Website → Account (so a Contact scores on what its Lead scored on).
    leads = [lead for lead in rows(org, "Lead") if lead["IsConverted"]]
    assert leads
    for lead in leads:
        contact = org.tables["Contact"].rows[lead["ConvertedContactId"]]
        account = org.tables["Account"].rows[lead["ConvertedAccountId"]]
        assert (contact["Title"], contact["MailingCountry"]) == (lead["Title"], lead["Country"])
        company = ("Industry", "NumberOfEmployees", "Website")
        assert {n: account[n] for n in company} == {n: lead[n] for n in company}
        assert None not in (lead["Country"], lead["Industry"], lead["NumberOfEmployees"])


def test_opportunities_and_their_history(org: Org) -> None:
    last_stage: dict[str, str] = {}
    for change in rows(org, "OpportunityHistory"):
        last_stage[change["OpportunityId"]] = change["StageName"]
    for opportunity in rows(org, "Opportunity"):
        assert last_stage[opportunity["Id"]] == opportunity["StageName"]
        assert opportunity["IsWon"] == (opportunity["StageName"] == "Closed Won")
        assert opportunity["IsClosed"] == (
            opportunity["StageName"] in ("Closed Won", "Closed Lost")
        )


def test_tasks_are_completed_touches_on_the_right_person(org: Org) -> None:
    converted = {lead["ConvertedContactId"] for lead in rows(org, "Lead") if lead["IsConverted"]}
    for task in rows(org, "Task"):
        assert (task["Status"], task["IsClosed"]) == ("Completed", True)
        assert task["TaskSubtype"] in ("Call", "Email", "Task")
        assert len(task["ActivityDate"]) == 10
        assert task["WhoId"].startswith("00Q") or task["WhoId"] in converted
        assert task["SystemModstamp"] >= task["CreatedDate"]


def test_seeded_org_serves_incremental_queries(emu: SalesforceEmulator, org: Org, api: Api) -> None:
    emu.reset(emu.runtime.options, org)
    where = "Lifecycle_Stage__c = 'MQL'"
    body = api.query(soql("Id, Owner.Name", "Lead", where, "SystemModstamp, Id"))
    expected = sum(lead["Lifecycle_Stage__c"] == "MQL" for lead in rows(org, "Lead"))
    assert body["totalSize"] == expected > 0
    assert {r["Owner"]["attributes"]["type"] for r in body["records"]} == {"User"}
