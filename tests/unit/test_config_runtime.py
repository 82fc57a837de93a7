"""The runtime sections: ``[status]``, ``[logging]``, ``[owners]`` and ``schedule.jitter``.

Valid cases check what each key turns into; invalid cases apply one mutation to a small valid
config and expect exactly the line the user sees, as in ``test_config_invalid.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from connector.config import ConfigError, Settings, load_config
from connector.config.runtime import LogFormat, LogLevel

MINUTE = timedelta(minutes=1)
ALL_INTERFACES = "0.0.0.0"  # noqa: S104  # a config value under test; nothing is bound here

BASE = """\
[crm]
kind = "hubspot"

[stages.lifecycle]
marketingqualifiedlead = "mql"

[schedule]
sync_every = "5m"

[status]
bind = "127.0.0.1"
port = 8787

[logging]
format = "keyvalue"
level = "INFO"

[owners]
managers = { "rep@acme.example" = "boss@acme.example" }
team_managers = { "SMB" = "boss@acme.example" }
"""
MINIMAL = '[crm]\nkind = "hubspot"\n\n[stages.lifecycle]\nmarketingqualifiedlead = "mql"\n'
TRY = '(try "4h", "30m", "2 business days")'


def mutate(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"{old!r} must occur exactly once in BASE"
    return BASE.replace(old, new)


def load_text(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return load_config(Path("config.toml"))


def test_runtime_sections_default_when_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_text(MINIMAL, tmp_path, monkeypatch)

    assert (settings.status.bind, settings.status.port) == ("127.0.0.1", 8787)
    assert settings.status.healthy_within is None
    assert settings.healthy_within == 15 * MINUTE
    assert (settings.logging.format, settings.logging.level) == (LogFormat.KEYVALUE, LogLevel.INFO)
    assert (dict(settings.owners.managers), dict(settings.owners.team_managers)) == ({}, {})
    assert settings.schedule.jitter == timedelta()


class Valid(NamedTuple):
    id: str
    old: str
    new: str
    read: Callable[[Settings], object]
    expected: object


VALID = [
    Valid(
        "bind-all-interfaces",
        '"127.0.0.1"',
        f'"{ALL_INTERFACES}"',
        lambda s: s.status.bind,
        ALL_INTERFACES,
    ),
    Valid("bind-ipv6", '"127.0.0.1"', '"::1"', lambda s: s.status.bind, "::1"),
    Valid("port-ephemeral", "port = 8787", "port = 0", lambda s: s.status.port, 0),
    Valid("port-highest", "port = 8787", "port = 65535", lambda s: s.status.port, 65535),
    Valid(
        "healthy-within-given",
        "port = 8787",
        'port = 8787\nhealthy_within = "20 minutes"',
        lambda s: s.healthy_within,
        20 * MINUTE,
    ),
    Valid(
        "healthy-within-follows-sync-every",
        'sync_every = "5m"',
        'sync_every = "10m"',
        lambda s: s.healthy_within,
        30 * MINUTE,
    ),
    Valid("format-json", '"keyvalue"', '"json"', lambda s: s.logging.format, LogFormat.JSON),
    Valid("format-any-case", '"keyvalue"', '"JSON"', lambda s: s.logging.format, LogFormat.JSON),
    Valid("level-lower-case", '"INFO"', '"debug"', lambda s: s.logging.level, LogLevel.DEBUG),
    Valid("level-warning", '"INFO"', '"WARNING"', lambda s: s.logging.level, LogLevel.WARNING),
    Valid("level-error", '"INFO"', '"Error"', lambda s: s.logging.level, LogLevel.ERROR),
    Valid(
        "managers",
        '"rep@acme.example" = "boss@acme.example"',
        '"rep@acme.example" = "boss@acme.example", "b@acme.example" = "boss@acme.example"',
        lambda s: dict(s.owners.managers),
        {"rep@acme.example": "boss@acme.example", "b@acme.example": "boss@acme.example"},
    ),
    Valid(
        "managers-emails-lower-cased",
        '"rep@acme.example" = "boss@acme.example"',
        '"Rep@ACME.example" = "Boss@Acme.Example"',
        lambda s: dict(s.owners.managers),
        {"rep@acme.example": "boss@acme.example"},
    ),
    Valid(
        "team-names-kept-as-written",
        '"SMB" = "boss@acme.example"',
        '"SMB" = "Boss@acme.example", "Mid Market" = "mm@acme.example"',
        lambda s: dict(s.owners.team_managers),
        {"SMB": "boss@acme.example", "Mid Market": "mm@acme.example"},
    ),
    Valid(
        "managers-omitted",
        'managers = { "rep@acme.example" = "boss@acme.example" }\n',
        "",
        lambda s: dict(s.owners.managers),
        {},
    ),
    Valid(
        "no-jitter",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = "0m"',
        lambda s: s.schedule.jitter,
        timedelta(),
    ),
    Valid(
        "jitter",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = "0.5m"',
        lambda s: s.schedule.jitter,
        timedelta(seconds=30),
    ),
]


@pytest.mark.parametrize("case", VALID, ids=[case.id for case in VALID])
def test_valid_runtime_key(case: Valid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_text(mutate(case.old, case.new), tmp_path, monkeypatch)

    assert case.read(settings) == case.expected


def test_managers_written_as_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MINIMAL + '\n[owners.managers]\n"rep@acme.example" = "boss@acme.example"\n'

    settings = load_text(text, tmp_path, monkeypatch)

    assert dict(settings.owners.managers) == {"rep@acme.example": "boss@acme.example"}


class Invalid(NamedTuple):
    id: str
    old: str
    new: str
    problem: str


INVALID = [
    # --- the status section
    Invalid(
        "bind-host-name",
        '"127.0.0.1"',
        '"localhost"',
        'config.toml:11: status.bind: "localhost" is not an IP address: write "127.0.0.1"'
        ' (this machine only) or "0.0.0.0" (every interface, e.g. in a container)',
    ),
    Invalid(
        "bind-not-text",
        'bind = "127.0.0.1"',
        "bind = 127",
        "config.toml:11: status.bind: expected text in quotes, got 127",
    ),
    Invalid(
        "port-too-high",
        "port = 8787",
        "port = 70000",
        "config.toml:12: status.port: 70000 is not a port: write 1-65535 (or 0 for any free port)",
    ),
    Invalid(
        "port-negative",
        "port = 8787",
        "port = -1",
        "config.toml:12: status.port: -1 is not a port: write 1-65535 (or 0 for any free port)",
    ),
    Invalid(
        "port-as-text",
        "port = 8787",
        'port = "8787"',
        'config.toml:12: status.port: expected a whole number, got "8787"',
    ),
    Invalid(
        "port-as-boolean",
        "port = 8787",
        "port = true",
        "config.toml:12: status.port: expected a whole number, got true",
    ),
    Invalid(
        "healthy-within-not-a-duration",
        "port = 8787",
        'port = 8787\nhealthy_within = "15 mins please"',
        f'config.toml:13: status.healthy_within: "15 mins please" is not a duration {TRY}',
    ),
    Invalid(
        "healthy-within-business-time",
        "port = 8787",
        'port = 8787\nhealthy_within = "1 business day"',
        'config.toml:13: status.healthy_within: "1 business day": this runs on the wall clock,'
        " not business hours",
    ),
    Invalid(
        "healthy-within-not-longer-than-sync",
        "port = 8787",
        'port = 8787\nhealthy_within = "5 minutes"',
        "config.toml:13: status.healthy_within: 5m must be longer than schedule.sync_every (5m):"
        " /healthz would fail between two cycles",
    ),
    Invalid(
        "status-unknown-key",
        "port = 8787",
        "prot = 8787",
        'config.toml:12: status.prot: unknown key "prot" (did you mean "port"?)',
    ),
    Invalid(
        "status-not-a-table",
        "[status]",
        "[[status]]",
        "config.toml:10: status: expected a table, got a list",
    ),
    # --- the logging section
    Invalid(
        "unknown-format",
        '"keyvalue"',
        '"xml"',
        'config.toml:15: logging.format: unknown log format "xml" (valid: keyvalue, json)',
    ),
    Invalid(
        "unknown-level",
        '"INFO"',
        '"verbose"',
        'config.toml:16: logging.level: unknown log level "verbose"'
        " (valid: debug, info, warning, error)",
    ),
    Invalid(
        "misspelt-level",
        '"INFO"',
        '"warn"',
        'config.toml:16: logging.level: unknown log level "warn" (did you mean "warning"?'
        " valid: debug, info, warning, error)",
    ),
    Invalid(
        "level-as-number",
        'level = "INFO"',
        "level = 20",
        "config.toml:16: logging.level: expected text in quotes, got 20",
    ),
    # --- the owners section
    Invalid(
        "manager-not-an-email",
        '"rep@acme.example" = "boss@acme.example"',
        '"rep@acme.example" = "boss"',
        'config.toml:19: owners.managers."rep@acme.example": "boss" is not an email address'
        ' (write it like "boss@acme.example")',
    ),
    Invalid(
        "owner-not-an-email",
        '"rep@acme.example" = "boss@acme.example"',
        '"Olena Rep" = "boss@acme.example"',
        'config.toml:19: owners.managers."Olena Rep": "Olena Rep" is not an email address'
        ' (write it like "rep@acme.example")',
    ),
    Invalid(
        "manager-not-text",
        '"rep@acme.example" = "boss@acme.example"',
        '"rep@acme.example" = 42',
        'config.toml:19: owners.managers."rep@acme.example": expected text in quotes, got 42',
    ),
    Invalid(
        "owner-listed-twice-in-other-case",
        '"rep@acme.example" = "boss@acme.example"',
        '"Rep@acme.example" = "boss@acme.example", "rep@acme.example" = "b@acme.example"',
        'config.toml:19: owners.managers."rep@acme.example": "rep@acme.example" is listed twice'
        " (emails ignore case)",
    ),
    Invalid(
        "managers-not-a-table",
        'managers = { "rep@acme.example" = "boss@acme.example" }',
        'managers = "boss@acme.example"',
        'config.toml:19: owners.managers: expected a table, got "boss@acme.example"',
    ),
    Invalid(
        "team-manager-not-an-email",
        '"SMB" = "boss@acme.example"',
        '"SMB" = "boss at acme"',
        'config.toml:20: owners.team_managers.SMB: "boss at acme" is not an email address'
        ' (write it like "boss@acme.example")',
    ),
    Invalid(
        "team-name-empty",
        '"SMB" = "boss@acme.example"',
        '" " = "boss@acme.example"',
        'config.toml:20: owners.team_managers." ": a team name must not be empty',
    ),
    Invalid(
        "owners-unknown-key",
        "team_managers = {",
        "teams = {",
        'config.toml:20: owners.teams: unknown key "teams" (known keys: managers, team_managers)',
    ),
    Invalid(
        "unknown-top-level-section",
        "[owners]",
        "[owner]",
        'config.toml:18: owner: unknown key "owner" (did you mean "owners"?)',
    ),
    # --- the schedule's jitter
    Invalid(
        "jitter-not-shorter-than-interval",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = "5m"',
        "config.toml:9: schedule.jitter: 5m must be shorter than sync_every (5m)",
    ),
    Invalid(
        "jitter-negative",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = "-1m"',
        'config.toml:9: schedule.jitter: "-1m" is negative: a duration must be positive',
    ),
    Invalid(
        "jitter-without-unit",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = 30',
        f"config.toml:9: schedule.jitter: 30 has no unit: write it in quotes with one {TRY}",
    ),
    Invalid(
        "jitter-business-time",
        'sync_every = "5m"',
        'sync_every = "5m"\njitter = "1 business hour"',
        'config.toml:9: schedule.jitter: "1 business hour": this runs on the wall clock,'
        " not business hours",
    ),
]


@pytest.mark.parametrize("case", INVALID, ids=[case.id for case in INVALID])
def test_invalid_runtime_key(
    case: Invalid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_text(mutate(case.old, case.new), tmp_path, monkeypatch)

    assert caught.value.lines() == [case.problem]


def test_every_runtime_problem_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        BASE.replace("port = 8787", "port = 70000")
        .replace('"INFO"', '"loud"')
        .replace('= "boss@acme.example" }\nteam', '= "boss" }\nteam')
    )

    with pytest.raises(ConfigError) as caught:
        load_text(text, tmp_path, monkeypatch)

    assert [problem.loc for problem in caught.value.problems] == [
        ("status", "port"),
        ("logging", "level"),
        ("owners", "managers", "rep@acme.example"),
    ]
