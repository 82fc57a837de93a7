"""Wiring: managers from [owners], and clear errors when a secret or adapter is missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from adapters.base.errors import ConfigurationError
from adapters.salesforce import SalesforceAdapter
from connector.config import load_config
from connector.config.runtime import OwnersSettings
from connector.runtime import build_adapter, with_managers
from rules.model import Owner

ROOT = Path(__file__).resolve().parents[2]
REP = Owner("1", "Rita", email="rita@acme.example", team="SMB")
BOSS = Owner("2", "Bea", email="bea@acme.example")
VP = Owner("3", "Vic", email="vic@acme.example")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (OwnersSettings(), None),
        (OwnersSettings(managers={"rita@acme.example": "bea@acme.example"}), "2"),
        (OwnersSettings(team_managers={"SMB": "vic@acme.example"}), "3"),
        (
            OwnersSettings(
                managers={"rita@acme.example": "bea@acme.example"},
                team_managers={"SMB": "vic@acme.example"},
            ),
            "2",  # a person's own manager wins over the team's
        ),
        (OwnersSettings(managers={"rita@acme.example": "nobody@acme.example"}), None),
        (OwnersSettings(managers={"rita@acme.example": "rita@acme.example"}), None),
    ],
)
def test_managers_come_from_the_owners_section(
    config: OwnersSettings, expected: str | None
) -> None:
    [rep, *_] = with_managers([REP, BOSS, VP], config)
    assert rep.manager_id == expected


def test_a_manager_the_crm_knows_is_kept() -> None:
    known = replace(REP, manager_id="3")
    config = OwnersSettings(managers={"rita@acme.example": "bea@acme.example"})
    assert with_managers([known, BOSS, VP], config)[0].manager_id == "3"


def test_a_missing_token_names_the_variable_and_the_file() -> None:
    settings = load_config(ROOT / "config.toml")
    with pytest.raises(ConfigurationError, match=r"\$HUBSPOT_ACCESS_TOKEN is not set"):
        build_adapter(settings, env={})


def test_salesforce_gets_its_adapter() -> None:
    settings = load_config(ROOT / "config.toml")
    crm = settings.crm.model_copy(update={"kind": "salesforce"})
    env = {"SALESFORCE_CLIENT_ID": "key", "SALESFORCE_CLIENT_SECRET": "secret"}
    adapter = build_adapter(replace(settings, crm=crm), env=env)
    assert isinstance(adapter, SalesforceAdapter)
    assert adapter.settings.instance_url == "https://example.my.salesforce.com"
