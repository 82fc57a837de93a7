"""Configuration: ``config.toml`` in, validated :class:`Settings` (and the rules' ``Ruleset``) out.

Layout: ``loader`` reads and orchestrates; ``schema``, ``calendar_section`` and ``rule_schema``
are the pydantic models of the sections; ``fields``, ``durations``, ``conditions`` and
``credentials`` validate single values; ``build`` checks across sections and builds the
ruleset; ``locate``, ``messages`` and ``errors`` turn problems into ``file:line: key: message``.
"""

from connector.config.durations import Duration, DurationError, parse_duration
from connector.config.errors import ConfigError, ConfigFileMissing, Problem
from connector.config.loader import load_config
from connector.config.schema import CrmKind, CrmSettings, SalesforceAuth
from connector.config.settings import Settings

__all__ = [
    "ConfigError",
    "ConfigFileMissing",
    "CrmKind",
    "CrmSettings",
    "Duration",
    "DurationError",
    "Problem",
    "SalesforceAuth",
    "Settings",
    "load_config",
    "parse_duration",
]
