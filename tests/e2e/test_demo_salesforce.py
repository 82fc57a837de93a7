"""``smarketing demo --crm salesforce``: the same loop against the emulated Salesforce org.

Run as a newcomer would, from a directory holding only ``config.salesforce.toml`` and without
``--config``: the demo must find that file, serve the emulator over TLS, log in with OAuth client
credentials, and tell the same story as the HubSpot demo, offline, within a minute.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import REPO, connector_env
from tests.e2e.test_demo import DEMO_LIMIT_S, SECTIONS

CONFIG = "config.salesforce.toml"


def demo(
    cwd: Path, env: dict[str, str], timeout: float = DEMO_LIMIT_S
) -> subprocess.CompletedProcess[str]:
    """``python -m connector demo --crm salesforce --people 300`` in ``cwd``."""
    return subprocess.run(  # our own interpreter and arguments
        [sys.executable, "-m", "connector", "demo", "--crm", "salesforce", "--people", "300"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_salesforce_demo_tells_the_whole_loop_within_a_minute(tmp_path: Path) -> None:
    shutil.copy(REPO / CONFIG, tmp_path / CONFIG)
    env = connector_env(token=None)
    for name in ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"):
        env.pop(name, None)  # the demo brings its own credentials
    # A CA bundle from the environment must not replace the emulator's CA (the adapter's
    # session ignores the environment once ca_bundle is set).
    env["REQUESTS_CA_BUNDLE"] = str(tmp_path / "no-such-ca.pem")
    started = time.monotonic()

    result = demo(tmp_path, env)

    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert seconds < DEMO_LIMIT_S
    out = result.stdout
    assert "Seeding an emulated Salesforce org with 300 people" in out
    positions = [out.find(section) for section in SECTIONS]
    assert -1 not in positions, f"missing sections {SECTIONS}:\n{out}"
    assert positions == sorted(positions)
    assert "Salesforce (emulated) as of" in out
    assert "leads" in out
    assert "tasks created for" in out
    # The demo keeps its store in a temporary directory: only the config is left where it ran.
    assert [p.name for p in tmp_path.iterdir()] == [CONFIG]


def test_without_a_salesforce_config_it_says_what_is_missing(tmp_path: Path) -> None:
    result = demo(tmp_path, connector_env(token=None), timeout=30.0)

    assert result.returncode == 2
    assert f"./{CONFIG} is not here" in result.stderr
    assert "--config PATH" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_named_config_wins_over_the_salesforce_default(tmp_path: Path) -> None:
    shutil.copy(REPO / CONFIG, tmp_path / CONFIG)
    env = {**connector_env(token=None), "SMARKETING_CONFIG": str(tmp_path / "mine.toml")}

    result = demo(tmp_path, env, timeout=30.0)

    assert result.returncode == 2
    assert "mine.toml" in result.stderr
    assert "$SMARKETING_CONFIG" in result.stderr
