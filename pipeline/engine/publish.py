"""Staging and publishing: a report folder is replaced whole, or not at all.

Each run stages its work in its own folder, ``reports/.staging/<run-id>/<target>/``, never shared
with another run (and only one run holds the lock at a time). A target is published only when
every analysis it runs has its executed notebook, HTML and PDF and the target's own pages are
present (analyses whose data the last build could not make are not run at all: see
:func:`pipeline.engine.runner.blocked_by_missing_data`); the
folder is then swapped into place with two renames. A failing notebook is copied into
``<target>/failed/`` atomically (written beside, then renamed), so a full disk cannot leave a
0-byte notebook. Folders left by a run that was killed (``.staging/*``, ``.<name>.old``) are
removed by the next run, which holds the lock and so knows no other run is using them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path

STAGING = ".staging"


class OutputError(RuntimeError):
    """The reports folder cannot be written (not writable, disk full, …)."""


def output_error(exc: OSError, where: Path) -> OutputError:
    """One clear line: what failed, where, what to do."""
    target = exc.filename or where
    if exc.errno == errno.ENOSPC:
        hint = "the disk is full; free some space and run again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = (f"the folder is not writable; make {where} writable (or point INNSIKT_ROOT at a "
                "writable copy) and run again")
    else:
        hint = exc.strerror or str(exc)
    return OutputError(f"cannot write the reports: {target}: {hint}")


def new_staging(reports: Path) -> Path:
    """A fresh staging folder for this run: ``reports/.staging/<pid>-<random>/``."""
    folder = reports / STAGING / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def clean_stale(reports: Path) -> list[Path]:
    """Remove what killed runs left behind. Call only while holding the run lock."""
    removed = []
    staging = reports / STAGING
    if staging.is_dir():
        for entry in staging.iterdir():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    for old in list(reports.glob(".*.old")) + list(reports.glob("*/.*.old")) + \
            list(reports.glob("*/areas/.*.old")) + list(reports.glob("areas/.*.old")):
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def missing_outputs(staging: Path, analyses: list[str], pdf_name: str | None) -> list[str]:
    """Files a complete target folder must hold that ``staging`` lacks (or holds empty);
    ``pdf_name`` is the combined PDF's name, None for a run without PDFs."""
    kinds = ("ipynb", "html", "pdf") if pdf_name else ("ipynb", "html")
    wanted = [f"{a}.{ext}" for a in analyses for ext in kinds]
    wanted += ["index.html", *([pdf_name] if pdf_name else []), "tables.xlsx"]
    return [name for name in wanted
            if not (staging / name).is_file() or (staging / name).stat().st_size == 0]


def publish(staging: Path, target: Path) -> None:
    """Swap a complete staging folder into place (old folder kept until the swap is done)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)


def _atomic_copy(source: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:6]}.tmp")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def keep_failed(staging: Path, target: Path, analyses: list[str]) -> list[Path]:
    """Copy the failing notebooks (and their logs) into ``<target>/failed/``; drop staging."""
    kept = []
    try:
        # Only this run's failures: notebooks that failed before and work now are not kept.
        shutil.rmtree(target / "failed", ignore_errors=True)
        for analysis in analyses:
            for name in (f"{analysis}.ipynb", f"{analysis}.log"):
                source = staging / name
                if source.exists():
                    dest = target / "failed" / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    _atomic_copy(source, dest)
                    if source.suffix == ".ipynb":
                        kept.append(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return kept
