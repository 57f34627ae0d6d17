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


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary project with demo data generated and processed (built once per session).

    Tests that use it must not modify its data; they may write under its ``reports/``.
    """
    from pipeline import datasets
    from pipeline.sources import demo

    root = make_project(tmp_path_factory.mktemp("project"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNSIKT_ROOT", str(root))
        demo.generate(progress=False)
        datasets.build("demo", progress=False)
    return root


@pytest.fixture()
def in_demo_project(demo_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point INNSIKT_ROOT at the session's demo project for one test."""
    monkeypatch.setenv("INNSIKT_ROOT", str(demo_project))
    return demo_project
