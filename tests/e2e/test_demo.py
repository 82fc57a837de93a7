"""``smarketing demo``: what a newcomer runs first, offline and without credentials."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import REPO_CONFIG, Cli, connector_env

DEMO_LIMIT_S = 60.0
SECTIONS = ("first sync", "What both teams now see", "SLA compliance")
"""What the demo tells, in this order (connector/demo.py, connector/demo_story.py)."""


def test_demo_tells_the_whole_loop_offline_within_a_minute(tmp_path: Path) -> None:
    # No token in the environment: the demo brings its own emulated CRM.
    cli = Cli(REPO_CONFIG, connector_env(token=None), tmp_path, store_url="")
    started = time.monotonic()
    result = cli.run("demo", "--people", "300", timeout=DEMO_LIMIT_S)
    seconds = time.monotonic() - started

    assert result.code == 0, result.stderr
    assert seconds < DEMO_LIMIT_S
    positions = [result.stdout.find(section) for section in SECTIONS]
    assert -1 not in positions, f"missing sections {SECTIONS}:\n{result.stdout}"
    assert positions == sorted(positions)
    assert "tasks created for" in result.stdout
    # The demo keeps its store in a temporary directory: nothing is left where it ran.
    assert list(tmp_path.iterdir()) == []
