"""Shared fixtures: the shared reference folder, and a temporary project built from demo data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the checkout; tests that need it skip with a reason when absent."""
    path = config.shared_dir()
    if not path.exists():
        pytest.skip(f"shared reference folder {path} is absent (set INNSIKT_SHARED)")
    return path


@pytest.fixture(scope="session")
def sample_07459(shared_dir: Path) -> Path:
    path = shared_dir / "ssb-samples" / "elastic-data-tool" / "download-07459_20220914-092711.json"
    if not path.exists():
        pytest.skip(f"recorded SSB response {path} is absent")
    return path


def make_project(root: Path) -> Path:
    """A minimal project tree (programme files and notebooks) under ``root``."""
    for folder in ("programs", "notebooks"):
        shutil.copytree(REPO / folder, root / folder)
    for folder in ("data/raw", "data/processed", "reports"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return root


# What the demo data are made from: a change to any of these builds them again.
_DEMO_INPUTS = ("pipeline/sources", "pipeline/data", "pipeline/areas.py", "pipeline/geography.py",
                "pipeline/datasets.py", "pipeline/io.py", "pipeline/config.py")


def _demo_key() -> str:
    """SHA-256 of the demo generator's and the build's sources (and the library versions)."""
    import hashlib

    import numpy
    import pandas
    import pyarrow

    digest = hashlib.sha256(f"{numpy.__version__} {pandas.__version__} "
                            f"{pyarrow.__version__}".encode())
    for name in _DEMO_INPUTS:
        path = REPO / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in
                       p.parts) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _cached_demo_data(root: Path) -> None:
    """Generate and build the demo data into ``root``, or copy them from an earlier session.

    Generating and building all 357 municipalities takes most of a minute on shared cores, so
    the result is kept under the temp folder keyed by :func:`_demo_key` (a changed generator
    or parser is built afresh). ``INNSIKT_TEST_FRESH_DEMO=1`` always builds.
    """
    import os
    import tempfile

    from pipeline import datasets
    from pipeline.sources import demo

    cache = Path(tempfile.gettempdir()) / "innsikt-test-demo" / _demo_key()
    fresh = os.environ.get("INNSIKT_TEST_FRESH_DEMO") == "1"
    if fresh or not (cache / ".complete").exists():
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("INNSIKT_ROOT", str(root))
            demo.generate(progress=False)
            datasets.build("demo", progress=False)
        if fresh:
            return
        cache.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache.parent))  # same disk: rename is atomic
        for part in ("raw", "processed"):
            shutil.copytree(root / "data" / part / "demo", staging / part)
        (staging / ".complete").touch()
        try:  # another session may have stored the same key meanwhile: either copy will do
            staging.rename(cache)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        return
    for part in ("raw", "processed"):
        shutil.copytree(cache / part, root / "data" / part / "demo")


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary project with demo data generated and processed (built once per session,
    and reused across sessions while the generator and parser are unchanged).

    Tests that use it must not modify its data; they may write under its ``reports/``.
    """
    root = make_project(tmp_path_factory.mktemp("project"))
    _cached_demo_data(root)
    return root


@pytest.fixture()
def in_demo_project(demo_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point INNSIKT_ROOT at the session's demo project for one test."""
    monkeypatch.setenv("INNSIKT_ROOT", str(demo_project))
    return demo_project


@pytest.fixture(scope="module")
def every_programme(demo_project: Path):
    """Every programme of the demo project rendered (module scope: a later module's call is a
    no-op rebuild, or repairs what an earlier module changed). Returns (reports folder,
    programme ids, run summary)."""
    from pipeline import programs, run

    ids = programs.program_ids()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNSIKT_ROOT", str(demo_project))
        mp.chdir(demo_project)
        ids = [p for p in ids if (demo_project / "programs" / f"{p}.yml").exists()]
        summary = run.run(ids, source="demo", workers=2, progress=False)
    return demo_project / "reports", ids, summary
