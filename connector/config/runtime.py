"""The runtime sections of ``config.toml``: ``[status]``, ``[logging]``, ``[owners]``.

They say how the daemon runs rather than what the rules judge: where ``/healthz`` and ``/metrics``
are served and when the daemon counts as healthy, how it logs, and who manages whom (HubSpot
owners carry no manager, so SLA escalations need the ``[owners]`` maps). ``schedule.jitter``'s
validator lives here too, next to the other wall-clock settings of the daemon.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import Field, PlainValidator

from connector.config.errors import Problems, show, wrong_type
from connector.config.fields import WallClockDuration, choice, grace_duration, text
from connector.config.schema_base import Section, fail_many
from rules.ruleset import ClockKind

HEALTHY_CYCLES = 3
"""Without ``healthy_within``, /healthz tolerates this many sync intervals without a success."""

_MAX_PORT = 65_535
# Loose on purpose: the CRM decides what an address is; this catches names and typos.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


class LogFormat(StrEnum):
    """How each log line is written."""

    KEYVALUE = "keyvalue"
    JSON = "json"


class LogLevel(StrEnum):
    """The least severe level written to the log."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def bind_address(value: object) -> str:
    """An IP address to serve on: ``127.0.0.1`` (this machine) or ``0.0.0.0`` (containers)."""
    raw = text(value)
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        raise ValueError(
            f'{show(raw)} is not an IP address: write "127.0.0.1" (this machine only)'
            ' or "0.0.0.0" (every interface, e.g. in a container)'
        ) from None
    return raw


def port_number(value: object) -> int:
    """A TCP port, or 0 for any free one (tests)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(f"expected a whole number, got {show(value)}")
    if not 0 <= value <= _MAX_PORT:
        raise ValueError(f"{value} is not a port: write 1-65535 (or 0 for any free port)")
    return value


def jitter_duration(value: object) -> timedelta:
    """A wall-clock duration where zero is allowed (no jitter)."""
    duration = grace_duration(value)
    if duration.clock is ClockKind.BUSINESS:
        raise ValueError(f"{show(duration.text)}: this runs on the wall clock, not business hours")
    return duration.to_timedelta(ClockKind.CALENDAR, timedelta(days=1))


def say(length: timedelta) -> str:
    """A wall-clock length in the units config.toml takes: ``5m``, ``2h``, ``1.5m``."""
    seconds = round(length.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds / 60:g}m"


def _email(value: object) -> str:
    raw = text(value)
    if not _EMAIL.fullmatch(raw):
        raise ValueError(f'{show(raw)} is not an email address (write it like "boss@acme.example")')
    return raw.lower()


def _team(value: str) -> str:
    if not value.strip():
        raise ValueError("a team name must not be empty")
    return value


def _manager_map(key: Callable[[str], str]) -> Callable[[object], Mapping[str, str]]:
    """A validator for a table of ``key = "manager email"``; every bad entry is reported at once.

    Emails are lower-cased (addresses are matched ignoring case), so two keys that differ only in
    case would collide: the second one is reported.
    """

    def validate(value: object) -> Mapping[str, str]:
        if not isinstance(value, dict):
            raise wrong_type(f"expected a table, got {show(value)}")
        result: dict[str, str] = {}
        problems: list[tuple[str, str]] = []
        for raw_key, raw_value in value.items():
            try:
                name, manager = key(raw_key), _email(raw_value)
            except ValueError as exc:
                problems.append((raw_key, str(exc)))
                continue
            if name in result:
                problems.append((raw_key, f'"{raw_key}" is listed twice (emails ignore case)'))
            result[name] = manager
        if problems:
            raise fail_many(problems)
        return result

    return validate


def _owner_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f'"{value}" is not an email address (write it like "rep@acme.example")')
    return value.lower()


ManagerMap = Annotated[Mapping[str, str], PlainValidator(_manager_map(_owner_email))]
TeamManagerMap = Annotated[Mapping[str, str], PlainValidator(_manager_map(_team))]
JitterDuration = Annotated[timedelta, PlainValidator(jitter_duration)]


class StatusSettings(Section):
    """``[status]``: the HTTP server of ``/healthz`` and ``/metrics``.

    ``healthy_within`` unset means ``HEALTHY_CYCLES`` times ``schedule.sync_every``, as
    :attr:`connector.config.settings.Settings.healthy_within` resolves it.
    """

    bind: Annotated[str, PlainValidator(bind_address)] = "127.0.0.1"
    port: Annotated[int, PlainValidator(port_number)] = 8787
    healthy_within: WallClockDuration | None = None


class LoggingSettings(Section):
    """``[logging]``: one line per event, as ``key=value`` pairs or JSON."""

    format: Annotated[LogFormat, PlainValidator(choice(LogFormat, "log format"))] = (
        LogFormat.KEYVALUE
    )
    level: Annotated[LogLevel, PlainValidator(choice(LogLevel, "log level"))] = LogLevel.INFO


class OwnersSettings(Section):
    """``[owners]``: who escalations go to, since HubSpot owners carry no manager.

    Attributes:
        managers: Owner email → manager email, both lower-cased.
        team_managers: Team name (as written) → manager email, lower-cased; used for owners not
            listed in ``managers``.
    """

    managers: ManagerMap = Field(default_factory=dict)
    team_managers: TeamManagerMap = Field(default_factory=dict)


def check_health_window(
    status: StatusSettings | None, sync_every: timedelta | None, problems: Problems
) -> None:
    """Report a ``healthy_within`` no longer than one sync interval.

    /healthz would then fail between two perfectly good cycles, and an orchestrator would restart
    a working daemon.
    """
    if status is None or sync_every is None or status.healthy_within is None:
        return
    if status.healthy_within <= sync_every:
        problems.add(
            ("status", "healthy_within"),
            f"{say(status.healthy_within)} must be longer than schedule.sync_every"
            f" ({say(sync_every)}): /healthz would fail between two cycles",
        )
