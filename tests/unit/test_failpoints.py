"""Failpoints kill the process with SIGKILL exactly at the named pass, and cost nothing unset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

SCRIPT = """
from connector.failpoints import failpoint
for _ in range(3):
    failpoint("applied")
    print("passed", flush=True)
"""


@pytest.mark.parametrize(
    ("spec", "returncode", "passes"),
    [
        ("", 0, 3),
        ("applied", -signal.SIGKILL, 0),
        ("applied:2", -signal.SIGKILL, 1),
        ("applied:3", -signal.SIGKILL, 2),
        ("recorded", 0, 3),
    ],
)
def test_the_nth_pass_through_the_named_point_dies(spec: str, returncode: int, passes: int) -> None:
    env = {**os.environ, "SMARKETING_FAILPOINT": spec}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == returncode
    assert result.stdout.count("passed") == passes
