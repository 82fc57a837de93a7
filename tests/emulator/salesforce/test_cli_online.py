"""``smarketing setup`` and ``check --online`` against the emulated org, as an admin runs them.

The org is seeded without the connector's fields: ``setup`` creates them through the Tooling API
(or, without it, lists what to create and exits 2), and ``check --online`` then names each
configured lead status the org's Lead Status picklist lacks (exit 3, like any other problem).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.salesforce.emulator import EmulatorOptions, ManualClock, SalesforceEmulator
from adapters.salesforce.emulator.options import ClientSpec
from adapters.salesforce.emulator.seed import seeded_org
from connector.cli import app

SHIPPED = Path(__file__).resolve().parents[3] / "config.salesforce.toml"
APP = ClientSpec()
ENV = {"SALESFORCE_CLIENT_ID": APP.consumer_key, "SALESFORCE_CLIENT_SECRET": APP.consumer_secret}
CREATED = [
    f"created {sobject}.{name}"
    for sobject in ("Lead", "Contact")
    for name in (
        "Smarketing_Score__c",
        "Smarketing_Score_Explanation__c",
        "Smarketing_SLA_Status__c",
        "Smarketing_SLA_Due__c",
    )
] + ["created Task.Smarketing_Key__c", "created Task.Smarketing_Due__c"]


@pytest.fixture
def bare(sf_server: SalesforceEmulator) -> SalesforceEmulator:
    """The session's emulator serving a seeded org whose admin has not created our fields."""
    clock = ManualClock()
    options = EmulatorOptions(now=clock.now, monotonic=clock.monotonic)
    sf_server.reset(options, seeded_org(3, 60, clock.now(), options, connector_fields=False))
    return sf_server


def config(tmp_path: Path, emu: SalesforceEmulator, extra_status: str | None = None) -> Path:
    """``config.salesforce.toml`` pointed at ``emu`` (and mapping ``extra_status`` if given)."""
    text = SHIPPED.read_text(encoding="utf-8")
    text, found = re.subn(
        r"(?m)^instance_url = .*$",
        f'instance_url = "{emu.instance_url}"\nca_bundle = "{emu.ca_bundle_path}"',
        text,
    )
    assert found == 1
    if extra_status is not None:
        text = text.replace(
            "[stages.lead_status]\n", f'[stages.lead_status]\n"{extra_status}" = "qualified"\n'
        )
        assert extra_status in text
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["--config", str(path), *args], env=ENV)
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_setup_creates_the_fields_then_the_online_check_passes(
    bare: SalesforceEmulator, tmp_path: Path
) -> None:
    path = config(tmp_path, bare)

    code, out, err = run(path, "setup")

    assert (code, err) == (0, "")
    assert sorted(out[:-1]) == sorted(CREATED)
    assert out[-1] == "setup complete"
    code, out, err = run(path, "check", "--online")
    assert (code, err) == (0, "")
    assert out[-1] == "online check passed"
    assert run(path, "setup")[:2] == (0, ["setup complete"])  # idempotent


def test_without_the_tooling_api_setup_says_what_to_create(
    bare: SalesforceEmulator, tmp_path: Path
) -> None:
    bare.reset(EmulatorOptions(now=bare.runtime.options.now, tooling_api=False), bare.org)

    code, out, err = run(config(tmp_path, bare), "setup")

    assert (code, out) == (2, [])
    assert err.startswith("Configuration problem: this Salesforce has no Tooling API")
    assert (
        "API name Smarketing_Score__c, type Number, length 3, decimal places 0, updateable by"
        " the integration user" in err
    )
    assert "Object Manager > Activity (Task and Event share its fields)" in err


def test_online_check_names_a_lead_status_the_org_lacks(
    bare: SalesforceEmulator, tmp_path: Path
) -> None:
    path = config(tmp_path, bare, extra_status="Hot Prospect")
    assert run(path, "setup")[0] == 1  # the fields are made; the status is still a problem

    code, out, err = run(path, "check", "--online")

    assert code == 3
    assert "online check passed" not in out
    problems = err.splitlines()
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "problem: Lead status 'Hot Prospect' is not a LeadStatus value of this org (it has:"
        " Open - Not Contacted, Working - Contacted, "
    )
    assert problems[0].endswith(
        "an admin adds it in Setup > Object Manager > Lead > Fields & Relationships > Lead Status"
        " > Values > New, or fix [stages.lead_status] in the config"
    )
