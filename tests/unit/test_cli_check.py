"""``smarketing check``: the summary on a valid file, exit 2 and a clean message otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import app

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"
ROOT = SHIPPED.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_summarises_the_shipped_config(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--config", str(SHIPPED), "check"])

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{SHIPPED} is valid."
    for expected in [
        "CRM: hubspot at https://api.hubapi.com (token in $HUBSPOT_ACCESS_TOKEN)",
        "Store: sqlite:///smarketing.db",
        "Sync: every 5m",
        "Calendar: Europe/Kyiv, Mon-Fri 09:00-18:00, UA public holidays + 1 company day off;"
        " a business day is 9h",
        "Stages (canonical <- CRM values)",
        "  mql         <- marketingqualifiedlead",
        "  not mapped (rules cannot use them): sal",
        "  new          <- NEW, OPEN",
        "SLA rules (2)",
        "  mql-first-touch: mql within 4 business hours; due soon 1h before;"
        " escalate after 8 business hours",
        "    touched when: hs_sa_first_engagement_date is set | status becomes attempting or"
        " connected | call or meeting or email completed by the owner",
        "  sql-follow-up: sql within 2 business days (18h); due soon 4h before;"
        " escalate after 3 business days (27h)",
        '    only records where: numemployees in ["50-100", "100-500", "500-1000", "1000+"]',
        "Rejection rules (1)",
        "  disqualified-needs-reason: disqualified needs smarketing_rejection_reason"
        " within 1 business day (9h)",
        "Scoring (total capped at 100)",
        "  fit: 8 rules, capped at 60",
        "  engagement: 5 rules, 5 decaying, capped at 40",
    ]:
        assert expected in lines
    assert result.stderr == ""


MINIMAL = """\
[crm]
kind = "salesforce"

[crm.salesforce]
instance_url = "https://acme.my.salesforce.com"

[calendar]
timezone = "America/New_York"
workdays = ["mon", "tue", "wed", "fri"]
hours = ["09:00-12:00", "13:00-17:00"]
holidays = { country = "US", subdivision = "NY" }
use_owner_timezone = true

[stages.lifecycle]
"Marketing Qualified" = "mql"

[[sla]]
name = "mql-calendar"
stage = "mql"
within = "26h"
clock = "calendar"
where = [
  { field = "jobtitle", contains = "vp" },
  { field = "Rating", in = ["Hot", "Warm"] },
  { field = "AnnualRevenue", between = [1000000, 50000000] },
  { field = "Email", exists = true },
]
touches = [{ kind = "activity", activities = ["call"], by_owner_only = false }]

[[sla]]
name = "mql-defaults"
stage = "mql"
within = "1 business day"

[[sla]]
name = "mql-any-status"
stage = "mql"
within = "2h"
touches = [{ kind = "status" }, { kind = "activity" }]
"""


@pytest.mark.parametrize(
    "line",
    [
        "CRM: salesforce at https://acme.my.salesforce.com (API 59.0, auth client_credentials,"
        " client id in $SALESFORCE_CLIENT_ID)",
        "Calendar: America/New_York (or the owner's own zone), Mon-Wed, Fri 09:00-12:00,"
        " 13:00-17:00, US-NY public holidays; a business day is 7h",
        "  mql         <- Marketing Qualified",
        "  mql-calendar: mql within 26h (calendar time)",
        "    touched when: call completed by anyone",
        "  mql-defaults: mql within 1 business day (7h)",
        "    touched when: any activity completed by the owner | status becomes attempting or"
        " connected or qualified or disqualified (the default)",
        "    touched when: status becomes attempting or connected or qualified or disqualified"
        " | any activity completed by the owner",
        '    only records where: jobtitle contains "vp" and Rating in ["Hot", "Warm"] and'
        " AnnualRevenue between 1000000 and 50000000 and Email is set",
        "Rejection rules (0)",
        "  fit: 0 rules, capped at 60",
    ],
)
def test_check_describes_each_option(runner: CliRunner, tmp_path: Path, line: str) -> None:
    result = runner.invoke(app, ["--config", str(write(tmp_path, MINIMAL)), "check"])

    assert result.exit_code == 0, result.stderr
    assert line in result.stdout.splitlines()


def test_check_names_the_login_url_and_lifecycle_field_when_set(
    runner: CliRunner, tmp_path: Path
) -> None:
    table = 'instance_url = "https://acme.my.salesforce.com"\n'
    text = MINIMAL.replace(
        table,
        table + 'login_url = "https://test.salesforce.com"\nlifecycle_field = "Stage__c"\n',
    )

    result = runner.invoke(app, ["--config", str(write(tmp_path, text)), "check"])

    assert result.exit_code == 0, result.stderr
    assert (
        "CRM: salesforce at https://acme.my.salesforce.com (API 59.0, auth client_credentials,"
        " client id in $SALESFORCE_CLIENT_ID, login at https://test.salesforce.com,"
        " lifecycle stage in Stage__c)"
    ) in result.stdout.splitlines()


def test_invalid_config_exits_2_with_every_problem_on_stderr(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        MINIMAL.replace('within = "26h"', 'within = "26 hourz"').replace(
            'kind = "salesforce"', 'kind = "pipedrive"'
        ),
    )
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["--config", "config.toml", "check"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "config.toml: 2 problems",
        'config.toml:2: crm.kind: unknown CRM kind "pipedrive" (valid: hubspot, salesforce)',
        'config.toml:20: sla[0].within: "26 hourz" is not a duration'
        ' (try "4h", "30m", "2 business days")',
    ]


@pytest.mark.parametrize(
    ("args", "env", "origin"),
    [
        pytest.param(
            ["--config", "{missing}", "check"],
            {},
            "the path was given with --config",
            id="from-option",
        ),
        pytest.param(
            ["check"],
            {"SMARKETING_CONFIG": "{missing}"},
            "the path was taken from $SMARKETING_CONFIG",
            id="from-environment",
        ),
    ],
)
def test_missing_file_says_where_it_looked(
    runner: CliRunner, tmp_path: Path, args: list[str], env: dict[str, str], origin: str
) -> None:
    missing = str(tmp_path / "nowhere.toml")
    args = [arg.format(missing=missing) for arg in args]
    env = {key: value.format(missing=missing) for key, value in env.items()}

    result = runner.invoke(app, args, env=env)

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{missing}: no config file here (looked for {missing})",
        f"{origin}; pass --config PATH or set SMARKETING_CONFIG.",
    ]


def test_missing_default_file_says_where_it_looked(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMARKETING_CONFIG", raising=False)

    result = runner.invoke(app, ["check"])

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"config.toml: no config file here (looked for {tmp_path / 'config.toml'})",
        "no --config given and $SMARKETING_CONFIG unset, so ./config.toml was tried;"
        " pass --config PATH or set SMARKETING_CONFIG.",
    ]


def test_the_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('within = "26h"', 'within = "-26h"'))

    completed = subprocess.run(  # noqa: S603  # our own interpreter and module, fixed arguments
        [sys.executable, "-m", "connector", "--config", str(path), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )

    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr == (
        f'{path}:20: sla[0].within: "-26h" is negative: a duration must be positive\n'
    )
    assert completed.stdout == ""
