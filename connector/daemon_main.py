"""``smarketing run``: the daemon put together from a configuration.

Logging first (so start-up problems are formatted and redacted), then signals, the adapter, the
store, the lease and the status server; :func:`connector.daemon.run_daemon` does the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from connector.config import Settings
from connector.daemon import install_signal_handlers, run_daemon
from connector.logs import configure_logging
from connector.metrics import Metrics
from connector.runtime import build_adapter, build_cycle
from connector.store import Store
from connector.store.lease import Lease
from connector.sync import CycleReport


def account_name(settings: Settings) -> str:
    """What the lease is for: one CRM account (replicas of one account share it)."""
    crm = settings.crm
    if str(crm.kind) == "hubspot":
        return f"hubspot:{crm.hubspot.base_url}"
    instance = crm.salesforce.instance_url if crm.salesforce else ""
    return f"salesforce:{instance}"


def run_forever(settings: Settings, stop: threading.Event, *, clock: Callable[[], datetime]) -> int:
    """Run scheduled cycles until SIGTERM/SIGINT; return the process exit code."""
    configure_logging(settings.logging.format, settings.logging.level)
    restore = install_signal_handlers(stop)
    adapter = build_adapter(settings)
    store = Store.open(settings.store.url)
    try:
        cycle = build_cycle(settings, adapter, store, clock=clock)

        def run_cycle(stopping: threading.Event) -> CycleReport:
            return cycle.run(stopping)

        lease = Lease(settings.store.url, account_name(settings))
        return run_daemon(
            settings, run_cycle, lease=lease, metrics=Metrics(), stop=stop, clock=clock
        )
    finally:
        store.close()
        restore()
