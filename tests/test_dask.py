"""Dask distributed: the same notebook tasks on a cluster give the local engine's bytes.

A small batch (one programme, one area profile) runs on the local pool, then again on a
``distributed.LocalCluster`` (two worker processes); every published HTML and PDF, and the
index pages, must be byte-identical. Executed notebooks differ only in papermill's time stamps,
so they are compared without them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from engine_project import make_tiny_project

from pipeline.engine import run

pytestmark = pytest.mark.slow


def _published(reports: Path) -> dict[str, bytes]:
    return {str(p.relative_to(reports)): p.read_bytes() for p in sorted(reports.rglob("*"))
            if p.is_file() and p.suffix in (".html", ".pdf")}


def _cells(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [(c.source, c.get("outputs"), c.get("execution_count")) for c in nb.cells]


def test_dask_local_cluster_matches_the_local_engine(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    root = make_tiny_project(tmp_path / "project")
    monkeypatch.setenv("INNSIKT_ROOT", str(root))
    local = run(["alpha"], areas="4204", workers=2, progress=False)
    assert local.ok and local.engine == "local", local.failures
    expected = _published(root / "reports")
    shutil.copytree(root / "reports", tmp_path / "local-reports")

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        on_dask = run(["alpha"], areas="4204", force=True, scheduler=cluster.scheduler_address,
                      progress=False)
        assert on_dask.ok and on_dask.engine == "dask", on_dask.failures
        assert sorted(on_dask.built) == sorted(local.built)
        # Every worker's kernels were shut down at the end of the batch.
        with distributed.Client(cluster) as client:
            from pipeline.engine import kernels

            assert set(client.run(lambda: len(kernels._ALL)).values()) == {0}

    got = _published(root / "reports")
    assert got.keys() == expected.keys() and len(got) >= 10
    assert [name for name in got if got[name] != expected[name]] == []
    for executed in (tmp_path / "local-reports").rglob("*.ipynb"):
        twin = root / "reports" / executed.relative_to(tmp_path / "local-reports")
        assert _cells(executed) == _cells(twin), executed.name
