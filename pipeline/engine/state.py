"""Incremental state: what a report folder depends on, and whether it is still what was built.

A target (a programme, or an area profile) is rebuilt only when its fingerprint changed — the
programme file (programmes only), the notebooks it uses, the processed data manifest, the data
source, the language, the region, and the ``pipeline`` package (source files and version) — or
when its folder no longer matches its manifest: every published file is listed in
``manifest.json`` with its size and SHA-256, and a missing or altered file makes
the folder out of date (it is rebuilt by the next run). Time stamps live only in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline import __version__, config, datasets, io
from pipeline.validation_table import VALIDATION_RESULTS

TRACKED_PACKAGES = ("pandas", "numpy", "statsmodels", "matplotlib", "papermill", "nbconvert",
                    "weasyprint", "pydantic", "pyarrow", "openpyxl", "distributed")
MANIFEST = "manifest.json"


def hash_bytes(*chunks: bytes) -> str:
    """SHA-256 over the SHA-256 of each chunk (so chunk boundaries matter)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()


def package_fingerprint() -> str:
    """Hash of the ``pipeline`` package's source, templates and version, and of the validation
    table the reports' methods appendix prints (a new ``make validate`` result rebuilds them)."""
    files = sorted(p for p in config.PACKAGE_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    validation = VALIDATION_RESULTS.read_bytes() if VALIDATION_RESULTS.exists() else b""
    return hash_bytes(__version__.encode(), validation,
                      *(str(p.relative_to(config.PACKAGE_DIR)).encode() + p.read_bytes()
                        for p in files))


def fingerprint(*, analyses: list[str], source: str, language: str, package_hash: str,
                program_file: Path | None = None, region: str = "", pdf: bool = True) -> str:
    """Everything a target's reports depend on, hashed (a run without PDFs is another
    build: the next run with PDFs must not take it as up to date)."""
    paths = config.paths()
    data_manifest = paths.processed_source(source) / "manifest.json"
    notebooks = [paths.notebook(a).read_bytes() for a in analyses]
    program = program_file.read_bytes() if program_file else b"area:" + region.encode()
    parts = [program, *notebooks, data_manifest.read_bytes(), source.encode(),
             language.encode(), package_hash.encode()]
    if not pdf:  # unchanged fingerprints for the default, so existing folders stay current
        parts.append(b"no-pdf")
    return hash_bytes(*parts)


def git_commit() -> str | None:
    """The checkout's commit, ``+dirty`` when it has uncommitted changes; None without git."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.project_root(),
                             capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=config.project_root(),
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions() -> dict[str, str]:
    """Versions of Python, innsikt and the packages that shape the reports."""
    versions = {"python": sys.version.split()[0], "innsikt": __version__}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(source: str) -> list[dict[str, Any]]:
    """Tables behind the reports: SSB id, title, SSB's ``updated`` stamp, retrieval time, and
    the code harmonisation applied (``geography_notes`` and ``harmonisation`` from the
    processed-data manifest, see :func:`pipeline.datasets.build`)."""
    data = datasets.manifest(source)
    retrieved: dict[str, str] = {}
    if source == "ssb":
        try:
            from pipeline.sources import ssb

            for entry in ssb.provenance(config.paths().raw_source("ssb")):
                retrieved[str(entry.get("table_id"))] = str(entry.get("retrieved_at", ""))
        except (ImportError, AttributeError, OSError):
            pass
    rows = []
    for name, info in sorted(data["datasets"].items(), key=lambda kv: kv[1]["table_id"]):
        rows.append({"dataset": name, "table_id": info["table_id"], "title": info["title"],
                     "updated": info["updated"], "retrieved_at": retrieved.get(info["table_id"]),
                     "demo": source == "demo",
                     # None when the data were built before notes were recorded: unknown
                     "geography_notes": info.get("geography_notes"),
                     "harmonisation": info.get("harmonisation")})
    return rows


def _file_record(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": io.sha256_file(path)}


def write_manifest(out_dir: Path, record: dict[str, Any], *, source: str,
                   analyses: list[str]) -> Path:
    """Write ``manifest.json`` for a complete staging folder (every file listed and hashed)."""
    data = datasets.manifest(source)
    files = {str(p.relative_to(out_dir)): _file_record(p)
             for p in sorted(out_dir.rglob("*")) if p.is_file() and p.name != MANIFEST}
    body = dict(record)
    body.update({
        "source": source,
        "analyses": analyses,
        "git_commit": git_commit(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_versions": package_versions(),
        "inputs": {name: {"table_id": d["table_id"], "updated": d["updated"],
                          "sha256": d["sha256"], "raw": d["inputs"]}
                   for name, d in sorted(data["datasets"].items())},
        "notebooks": {a: io.sha256_file(config.paths().notebook(a)) for a in analyses},
        "outputs": sorted(files),
        "files": files,
    })
    return io.write_json(out_dir / MANIFEST, body)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when missing or unreadable."""
    try:
        return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def is_current(out_dir: Path, fingerprint_: str) -> tuple[bool, str]:
    """Whether ``out_dir`` holds what its manifest says, built from ``fingerprint_``.

    Returns:
        ``(current, reason)``; the reason says why a folder is rebuilt.
    """
    recorded = read_manifest(out_dir)
    if recorded is None:
        return False, "not built yet"
    if recorded.get("fingerprint") != fingerprint_:
        return False, "inputs changed"
    if (Path(out_dir) / "failed").exists():
        return False, "an earlier run left failed notebooks"
    files = recorded.get("files")
    if not isinstance(files, dict):
        return False, "manifest from an older version"
    for name, info in files.items():
        path = Path(out_dir) / name
        try:
            if path.stat().st_size != info.get("size") or io.sha256_file(path) != info["sha256"]:
                return False, f"{name} does not match the manifest"
        except (OSError, KeyError):
            return False, f"{name} is missing"
    return True, "up to date"
