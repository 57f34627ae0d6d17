"""One linter for the package, the tests and the notebooks (STYLE.md rule 10)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists() and shutil.which("ruff") is None:
        pytest.skip("ruff is not installed in this environment (pip install -e '.[test]')")
    command = [str(ruff) if ruff.exists() else "ruff", "check", "pipeline", "tests", "notebooks",
               "benchmarks"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
