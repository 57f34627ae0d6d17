"""A tiny project for engine tests: three one-cell notebooks, two programmes, fake data.

The engine is tested on notebooks that run in well under a second (and sleep on request via
``INNSIKT_TEST_SLEEP``), so kills, locks and publishing can be drilled without waiting for the
real analyses; tests/test_pipeline.py runs the real notebooks end to end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml
from conftest import REPO

ANALYSES = ("youth_dropout", "competence_gap", "migration")
PARAMS = ('program: str = "flere-i-arbeid"  # programme id\n'
          'source: str = "demo"  # data source\n'
          'region: str = ""  # area code\n'
          'language: str = ""  # report language')
BODY = ("import os, time\n"
        "from IPython.display import display\n"
        "time.sleep(float(os.environ.get('INNSIKT_TEST_SLEEP', '0')))\n"
        "display({'text/markdown': f'Report for {program or region} in {language}'}, raw=True)")


def make_tiny_project(root: Path) -> Path:
    """Notebooks, two programmes and an empty processed-data manifest under ``root``."""
    (root / "notebooks").mkdir(parents=True)
    for analysis in ANALYSES:
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(PARAMS)
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(BODY)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, root / "notebooks" / f"{analysis}.ipynb")
    (root / "programs").mkdir()
    base = yaml.safe_load((REPO / "programs" / "flere-i-arbeid.yml").read_text("utf-8"))
    for program_id, analyses in (("alpha", ["youth_dropout", "migration"]),
                                 ("beta", ["competence_gap"])):
        data = dict(base, id=program_id, title=program_id.title(), analyses=analyses)
        (root / "programs" / f"{program_id}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    processed = root / "data" / "processed" / "demo"
    processed.mkdir(parents=True)
    (processed / "manifest.json").write_text(json.dumps({"datasets": {}}), encoding="utf-8")
    (root / "reports").mkdir()
    return root


def cli(root: Path, *args: str, token: str = "", sleep: float = 0, **popen) -> subprocess.Popen:
    """Start ``innsikt run`` in its own session against ``root``."""
    env = dict(os.environ, INNSIKT_ROOT=str(root), INNSIKT_TEST_SLEEP=str(sleep))
    if token:
        env["INNSIKT_RUN_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **popen)


def wait_for(predicate, timeout: float = 60.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process itself only (its group leader), as an operator's kill -9 would."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
