"""The import-layer contract (rules <- adapters <- connector) is enforced, and can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def _copy_tree(tmp_path: Path) -> Path:
    for package in ("rules", "adapters", "connector"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_its_layers() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("rules/_probe.py", "import connector.cli\n", "Layers"),
        ("adapters/_probe.py", "from connector import cli\n", "Layers"),
        ("connector/_probe.py", "import hubspot\n", "Vendor SDKs"),
        ("rules/_probe.py", "import simple_salesforce\n", "Vendor SDKs"),
    ],
)
def test_a_forbidden_import_fails_the_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    tree = _copy_tree(tmp_path)
    (tree / module).write_text(line)
    result = _lint_imports(tree)
    assert result.returncode != 0
    verdicts = [ln for ln in result.stdout.splitlines() if ln.endswith(("KEPT", "BROKEN"))]
    assert [ln for ln in verdicts if ln.endswith("BROKEN")] == [
        ln for ln in verdicts if ln.startswith(broken)
    ]
