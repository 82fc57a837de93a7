"""What a loaded ``config.toml`` gives the daemon."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from connector.config.schema import CrmSettings, ScheduleSettings, StoreSettings
from rules.ruleset import Ruleset


@dataclass(frozen=True, slots=True)
class Settings:
    """A valid configuration: how to reach the CRM and the store, how often, and the rules.

    It holds no secrets, only the names of the environment variables that do.
    """

    crm: CrmSettings
    store: StoreSettings
    schedule: ScheduleSettings
    ruleset: Ruleset
    source: Path
