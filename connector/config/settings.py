"""What a loaded ``config.toml`` gives the daemon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from connector.config.runtime import HEALTHY_CYCLES, LoggingSettings, OwnersSettings, StatusSettings
from connector.config.schema import CrmSettings, ScheduleSettings, StoreSettings
from rules.ruleset import Ruleset


@dataclass(frozen=True, slots=True)
class Settings:
    """A valid configuration: how to reach the CRM and the store, how often, and the rules.

    It holds no secrets, only the names of the environment variables that do. The runtime
    sections (``status``, ``logging``, ``owners``) default to their defaults in the file.
    """

    crm: CrmSettings
    store: StoreSettings
    schedule: ScheduleSettings
    ruleset: Ruleset
    source: Path
    status: StatusSettings = field(default_factory=StatusSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    owners: OwnersSettings = field(default_factory=OwnersSettings)

    @property
    def healthy_within(self) -> timedelta:
        """How recent the last successful cycle must be for ``/healthz`` to answer 200.

        ``[status] healthy_within`` when set, else ``HEALTHY_CYCLES`` sync intervals.
        """
        if self.status.healthy_within is not None:
            return self.status.healthy_within
        return HEALTHY_CYCLES * self.schedule.sync_every
