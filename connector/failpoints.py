"""Named points where a test can kill the process, to prove crashes lose and duplicate nothing.

``SMARKETING_FAILPOINT=applied:2`` makes the second pass through ``failpoint("applied")`` send the
process SIGKILL (failure-modes F01/F02: "kill -9 at a random instrumented point"). Unset in
production, where a failpoint costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "SMARKETING_FAILPOINT"
POINTS = ("pulled", "planned", "sent", "applied", "recorded")
"""After a pulled page is stored; after the plan is recorded; after actions are marked sent; after
the CRM accepted a batch (before its outcomes are recorded); after outcomes are recorded."""

_hits: Counter[str] = Counter()


def failpoint(name: str) -> None:
    """Die here if ``$SMARKETING_FAILPOINT`` names this point (and this is the Nth pass)."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _hits[name] += 1
    if _hits[name] >= int(nth or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
