"""Wiring ``crm.kind = "salesforce"``: secrets from the environment and files, fields from rules."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.base.errors import ConfigurationError
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce.owned import OWNED_PROPERTIES
from connector.config import Settings, load_config
from connector.config.schema import SalesforceAuth
from connector.fields import fields_used
from connector.runtime import OWNED_SPECS, build_adapter, person_types
from connector.runtime_salesforce import SALESFORCE_FIELDS
from rules.model import ObjectType

ROOT = Path(__file__).resolve().parents[2]
ENV = {"SALESFORCE_CLIENT_ID": "key", "SALESFORCE_CLIENT_SECRET": "secret"}
PEM = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def salesforce(**changes: Any) -> Settings:
    """``config.toml`` switched to its ``[crm.salesforce]`` table, ``changes`` made to the table."""
    settings = load_config(ROOT / "config.toml")
    assert settings.crm.salesforce is not None
    table = settings.crm.salesforce.model_copy(update=changes)
    crm = settings.crm.model_copy(update={"kind": "salesforce", "salesforce": table})
    return replace(settings, crm=crm)


def built(settings: Settings, env: dict[str, str] | None = None) -> SalesforceAdapter:
    adapter = build_adapter(settings, env=ENV if env is None else env)
    assert isinstance(adapter, SalesforceAdapter)
    return adapter


def test_the_adapter_reads_what_the_rules_use() -> None:
    settings = salesforce(api_version="60.0")

    sf = built(settings).settings

    stage_map = settings.ruleset.stage_map
    assert (sf.instance_url, sf.auth, sf.api_version) == (
        "https://example.my.salesforce.com",
        "client_credentials",
        "60.0",
    )
    assert (sf.client_id, sf.client_secret) == ("key", "secret")
    assert dict(sf.stage_date_fields) == dict(stage_map.stage_date_properties)
    assert sf.rejection_reason_field == settings.ruleset.rejection[0].reason_field
    # Every field the rules read is read, each named once.
    read = [*sf.person_fields, *sf.stage_date_fields.values(), sf.rejection_reason_field]
    assert sorted(read) == sorted(fields_used(settings.ruleset))
    assert "jobtitle" in sf.person_fields
    assert sf.owned_fields == (
        "Smarketing_Score__c",
        "Smarketing_Score_Explanation__c",
        "Smarketing_SLA_Status__c",
        "Smarketing_SLA_Due__c",
    )
    assert sf.lifecycle_field == "Lifecycle_Stage__c"


def test_login_url_lifecycle_field_and_lead_statuses_reach_the_adapter() -> None:
    settings = salesforce(login_url="https://test.salesforce.com", lifecycle_field="Stage__c")

    sf = built(settings).settings

    assert (sf.login_url, sf.lifecycle_field) == ("https://test.salesforce.com", "Stage__c")
    assert sf.token_url == "https://test.salesforce.com/services/oauth2/token"
    assert sf.lead_statuses == tuple(settings.ruleset.stage_map.lead_status)
    assert "OPEN" in sf.lead_statuses  # the raw CRM values, as config.toml spells them
    assert "Stage__c" not in sf.person_fields


def test_the_allocation_shares_reach_the_adapter_and_default_to_80_and_95_percent() -> None:
    defaults = built(salesforce()).settings
    chosen = built(salesforce(stop_writes_at=0.5, stop_calls_at=0.9)).settings

    assert (defaults.stop_writes_at, defaults.stop_at) == (0.8, 0.95)
    assert (chosen.stop_writes_at, chosen.stop_at) == (0.5, 0.9)


def test_a_lifecycle_field_the_rules_also_read_is_read_once() -> None:
    settings = salesforce(lifecycle_field="country")  # config.toml's scoring reads it too
    assert "country" in fields_used(settings.ruleset)

    sf = built(settings).settings

    assert "country" not in sf.person_fields
    assert sf.lifecycle_field == "country"


def test_the_owned_fields_follow_the_adapters_order() -> None:
    # The adapter pairs owned_fields with its OWNED_PROPERTIES by position.
    assert tuple(spec.name for spec in OWNED_SPECS) == OWNED_PROPERTIES
    assert set(SALESFORCE_FIELDS) == set(OWNED_PROPERTIES)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, [r"\$SALESFORCE_CLIENT_ID is not set", r"\$SALESFORCE_CLIENT_SECRET is not set"]),
        ({"SALESFORCE_CLIENT_ID": "key"}, [r"\$SALESFORCE_CLIENT_SECRET is not set"]),
        ({"SALESFORCE_CLIENT_SECRET": "s", "SALESFORCE_CLIENT_ID": " "}, [r"CLIENT_ID is not"]),
    ],
)
def test_a_missing_secret_names_the_variable_and_the_key(
    env: dict[str, str], named: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_adapter(salesforce(), env=env)

    message = str(caught.value)
    for pattern in named:
        assert re.search(pattern, message), message
    assert "crm.salesforce.client_" in message
    assert "config.toml" in message
    assert message.count("is not set") == len(named)


def test_variable_names_come_from_the_config() -> None:
    settings = salesforce(client_id_env="SF_KEY", client_secret_env="SF_SECRET")

    with pytest.raises(ConfigurationError, match=r"\$SF_SECRET .*client_secret_env"):
        build_adapter(settings, env={"SF_KEY": "key"})
    assert built(settings, {"SF_KEY": "k", "SF_SECRET": "s"}).settings.client_secret == "s"


def test_jwt_reads_the_key_file_and_needs_no_secret(tmp_path: Path) -> None:
    key = tmp_path / "sf.key"
    key.write_text(PEM, encoding="utf-8")
    settings = salesforce(
        auth=SalesforceAuth.JWT, username="integration@acme.example", private_key_file=str(key)
    )

    sf = built(settings, {"SALESFORCE_CLIENT_ID": "key"}).settings

    assert (sf.auth, sf.username, sf.private_key, sf.client_secret) == (
        "jwt",
        "integration@acme.example",
        PEM,
        None,
    )


@pytest.mark.parametrize(
    ("env", "problems"),
    [
        ({"SALESFORCE_CLIENT_ID": "key"}, 1),
        ({}, 2),  # both at once: the variable and the file
    ],
)
def test_an_unreadable_key_file_is_named(
    tmp_path: Path, env: dict[str, str], problems: int
) -> None:
    missing = tmp_path / "nowhere.key"
    settings = salesforce(auth=SalesforceAuth.JWT, username="u@x", private_key_file=str(missing))

    with pytest.raises(ConfigurationError, match=r"crm\.salesforce\.private_key_file") as caught:
        build_adapter(settings, env=env)

    message = str(caught.value)
    assert str(missing) in message
    assert len(message.split("; ")) == problems


def test_a_missing_ca_bundle_is_named(tmp_path: Path) -> None:
    settings = salesforce(ca_bundle=str(tmp_path / "ca.pem"))

    with pytest.raises(ConfigurationError, match=r"crm\.salesforce\.ca_bundle names no readable"):
        build_adapter(settings, env=ENV)


def test_the_ca_bundle_and_clock_reach_the_adapter(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    then = datetime(2026, 3, 9, tzinfo=UTC)

    adapter = build_adapter(salesforce(ca_bundle=str(ca)), env=ENV, clock=lambda: then)

    assert isinstance(adapter, SalesforceAdapter)
    assert adapter.settings.ca_bundle == str(ca)
    assert adapter.settings.clock() == then


@pytest.mark.parametrize(
    ("kind", "people"),
    [
        ("hubspot", (ObjectType.CONTACT,)),
        ("salesforce", (ObjectType.LEAD, ObjectType.CONTACT)),
    ],
)
def test_people_are_pulled_where_the_crm_keeps_them(
    kind: str, people: tuple[ObjectType, ...]
) -> None:
    settings = salesforce() if kind == "salesforce" else load_config(ROOT / "config.toml")

    assert person_types(settings) == people
