"""Execute the report notebooks for programmes and render their reports.

For each selected programme, every analysis it lists is executed with papermill's Python API
(in worker processes, several at once), rendered to HTML and PDF, and then the programme's index
page, combined PDF, workbook and manifest are written. Work is staged in
``reports/.staging/<program>/`` and swapped into ``reports/<program>/`` only when the whole
programme succeeded, so a report folder is never half-written.

Incremental: a programme is rebuilt only when its fingerprint changed — the programme file, the
notebooks it uses, the processed data manifest, the data source, the language, and the
``pipeline`` package (source files and version). The fingerprint is kept in
``reports/<program>/manifest.json`` (with the git commit, input hashes, package versions and the
run time; time stamps live only there).

A failing notebook does not stop the others: its executed copy, with the failing cell, is kept in
``reports/<program>/failed/<analysis>.ipynb``; the run ends non-zero with a summary naming the
programme, analysis and cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pipeline import __version__, config, datasets, io
from pipeline.programs import Program, ProgramError, load_program, program_ids

KERNEL = "python3"
TRACKED_PACKAGES = ("pandas", "numpy", "statsmodels", "matplotlib", "papermill", "nbconvert",
                    "weasyprint", "pydantic", "pyarrow", "openpyxl")


@dataclass
class Failure:
    program: str
    analysis: str | None
    message: str
    notebook: Path | None = None

    def __str__(self) -> str:
        where = f"{self.program}/{self.analysis}" if self.analysis else self.program
        tail = f"\n    executed notebook with the failing cell: {self.notebook}" \
            if self.notebook else ""
        return f"{where}: {self.message}{tail}"


@dataclass
class RunSummary:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _hash_bytes(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()


def package_fingerprint() -> str:
    """Hash of the ``pipeline`` package's source, templates and version."""
    files = sorted(p for p in config.PACKAGE_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return _hash_bytes(__version__.encode(),
                       *(str(p.relative_to(config.PACKAGE_DIR)).encode() + p.read_bytes()
                         for p in files))


def program_fingerprint(program: Program, program_file: Path, source: str, language: str,
                        package_hash: str) -> str:
    """Everything a programme's reports depend on, hashed."""
    paths = config.paths()
    data_manifest = paths.processed_source(source) / "manifest.json"
    notebooks = [paths.notebook(a).read_bytes() for a in program.analyses]
    return _hash_bytes(program_file.read_bytes(), *notebooks, data_manifest.read_bytes(),
                       source.encode(), language.encode(), package_hash.encode())


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=config.project_root(),
                             capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=config.project_root(),
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions() -> dict[str, str]:
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


def _capture_stderr(log_path: Path) -> None:
    """Send this worker's stderr, and so the kernel's (it inherits it), to a log file.

    Kernels print start-up warnings that would drown the progress lines; the log is kept next
    to a failed notebook (``failed/<analysis>.log``) and dropped on success.
    """
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 2)


def execute_analysis(program_id: str, analysis: str, source: str, language: str,
                     staging: str, root: str) -> dict[str, Any]:
    """Worker: execute one notebook and render its HTML and PDF into ``staging``.

    Returns a dict with ``ok``, the executed notebook path and, on failure, a message naming the
    failing cell.
    """
    os.environ["INNSIKT_ROOT"] = root
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from pipeline.render import render_analysis_html, render_pdf
    from pipeline.render.texts import analysis_title

    started = time.monotonic()
    paths = config.paths()
    out_dir = Path(staging)
    executed = out_dir / f"{analysis}.ipynb"
    _capture_stderr(out_dir / f"{analysis}.log")
    params = {"program": program_id, "source": source, "region": "", "language": language}
    try:
        pm.execute_notebook(str(paths.notebook(analysis)), str(executed), parameters=params,
                            kernel_name=KERNEL, progress_bar=False, log_output=False,
                            cwd=str(paths.notebooks))
    except PapermillExecutionError as exc:
        return {"ok": False, "notebook": str(executed),
                "message": f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"}
    except Exception as exc:  # kernel died, notebook unreadable, …: report, don't crash the run
        return {"ok": False, "notebook": str(executed) if executed.exists() else None,
                "message": f"{type(exc).__name__}: {exc}"}
    try:
        program = load_program(program_id)
        prov = provenance(source)
        html_path = render_analysis_html(executed, out_dir / f"{analysis}.html", program=program,
                                         analysis=analysis, demo=source == "demo",
                                         provenance=prov)
        title = f"{program.title} – {analysis_title(analysis, language)}"
        render_pdf(html_path, out_dir / f"{analysis}.pdf", title=title, language=language)
    except Exception as exc:
        return {"ok": False, "notebook": str(executed),
                "message": f"rendering failed: {type(exc).__name__}: {exc}"}
    return {"ok": True, "notebook": str(executed), "seconds": time.monotonic() - started}


def render_program_outputs(program_id: str, source: str, language: str, staging: str,
                           root: str) -> dict[str, Any]:
    """Worker: the programme's index page, combined PDF and workbook."""
    os.environ["INNSIKT_ROOT"] = root
    from pipeline.render import render_program

    program = load_program(program_id)
    out_dir = Path(staging)
    executed = {a: out_dir / f"{a}.ipynb" for a in program.analyses}
    try:
        render_program(program, executed, out_dir, demo=source == "demo",
                       provenance=provenance(source))
    except Exception as exc:
        return {"ok": False, "message": f"rendering the programme failed: "
                                        f"{type(exc).__name__}: {exc}"}
    return {"ok": True}


def _publish(staging: Path, target: Path) -> None:
    """Swap a complete staging folder into place (old folder kept until the swap is done)."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)


def _keep_failed(staging: Path, target: Path, analyses: Iterable[str]) -> list[Path]:
    kept = []
    for analysis in analyses:
        for name in (f"{analysis}.ipynb", f"{analysis}.log"):
            source = staging / name
            if source.exists():
                dest = target / "failed" / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
                if source.suffix == ".ipynb":
                    kept.append(dest)
    shutil.rmtree(staging, ignore_errors=True)
    return kept


def _write_manifest(out_dir: Path, program: Program, program_file: Path, source: str,
                    language: str, fingerprint: str) -> None:
    data = datasets.manifest(source)
    io.write_json(out_dir / "manifest.json", {
        "program": program.id,
        "program_file": str(program_file.relative_to(config.project_root())),
        "program_file_sha256": io.sha256_file(program_file),
        "source": source,
        "language": language,
        "analyses": program.analyses,
        "fingerprint": fingerprint,
        "git_commit": _git_commit(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_versions": package_versions(),
        "inputs": {name: {"table_id": d["table_id"], "updated": d["updated"],
                          "sha256": d["sha256"], "raw": d["inputs"]}
                   for name, d in sorted(data["datasets"].items())},
        "notebooks": {a: io.sha256_file(config.paths().notebook(a)) for a in program.analyses},
        "outputs": sorted(p.name for p in out_dir.iterdir() if p.is_file()
                          and p.name != "manifest.json"),
    })


def _is_current(out_dir: Path, fingerprint: str) -> bool:
    manifest = out_dir / "manifest.json"
    if not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return recorded.get("fingerprint") == fingerprint and all(
        (out_dir / name).exists() for name in recorded.get("outputs", []))


def run(programs: Iterable[str] | None = None, *, source: str | None = None,
        language: str = "", workers: int | None = None, force: bool = False,
        progress: bool = True) -> RunSummary:
    """Execute and render the reports of ``programs`` (default: all programme files).

    Args:
        programs: programme ids; None means every file in ``programs/``.
        source: ``demo`` or ``ssb`` (default ``INNSIKT_DATA_SOURCE``).
        language: ``nb`` or ``en`` to override the programmes' own language.
        workers: worker processes (default: number of cores).
        force: rebuild even when nothing changed.
        progress: print one line per notebook.

    Returns:
        RunSummary with built, skipped and failed programmes.
    """
    source = source or config.data_source()
    paths = config.paths()
    root = str(paths.root)
    summary = RunSummary()
    say = print if progress else (lambda *a, **k: None)
    datasets.manifest(source)  # fail early, with the command to run, when data is missing
    package_hash = package_fingerprint()
    selected = list(programs) if programs else program_ids()
    jobs: list[tuple[Program, Path, str, Path, str]] = []
    for program_id in selected:
        try:
            program = load_program(program_id)
        except ProgramError as exc:
            summary.failures.append(Failure(program_id, None, str(exc)))
            say(f"✗ {program_id}: invalid programme file — skipped\n{exc}", flush=True)
            continue
        program_file = paths.program_file(program.id)
        lang = language or program.language
        fingerprint = program_fingerprint(program, program_file, source, lang, package_hash)
        target = paths.report_dir(program.id)
        if not force and _is_current(target, fingerprint):
            summary.skipped.append(program.id)
            say(f"= {program.id}: up to date", flush=True)
            continue
        staging = paths.reports / ".staging" / program.id
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        jobs.append((program, program_file, lang, staging, fingerprint))

    total = sum(len(p.analyses) for p, *_ in jobs)
    done = 0
    n_workers = max(1, min(workers or os.cpu_count() or 1, max(total, 1)))
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=get_context("spawn")) as pool:
        futures = {}
        for program, _, lang, staging, _ in jobs:
            for analysis in program.analyses:
                say(f"… {program.id}/{analysis}: queued", flush=True)
                fut = pool.submit(execute_analysis, program.id, analysis, source, lang,
                                  str(staging), root)
                futures[fut] = (program.id, analysis)
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for fut in as_completed(futures):
            program_id, analysis = futures[fut]
            done += 1
            try:
                result = fut.result()
            except Exception as exc:  # a worker process died
                result = {"ok": False, "notebook": None, "message": f"worker crashed: {exc}"}
            results.setdefault(program_id, {})[analysis] = result
            mark = "✓" if result["ok"] else "✗"
            detail = f"{result.get('seconds', 0):.1f} s" if result["ok"] else result["message"]
            say(f"[{done}/{total}] {mark} {program_id}/{analysis} ({detail})", flush=True)

        render_futures = {}
        for program, program_file, lang, staging, fingerprint in jobs:
            outcome = results.get(program.id, {})
            failed = [a for a in program.analyses if not outcome.get(a, {}).get("ok")]
            target = paths.report_dir(program.id)
            if failed:
                kept = _keep_failed(staging, target, failed)
                for analysis in failed:
                    nb = next((k for k in kept if k.stem == analysis), None)
                    summary.failures.append(Failure(program.id, analysis,
                                                    outcome.get(analysis, {}).get("message", "?"),
                                                    nb))
                continue
            fut = pool.submit(render_program_outputs, program.id, source, lang, str(staging),
                              root)
            render_futures[fut] = (program, program_file, lang, staging, fingerprint)
        for fut in as_completed(render_futures):
            program, program_file, lang, staging, fingerprint = render_futures[fut]
            result = fut.result()
            target = paths.report_dir(program.id)
            if not result["ok"]:
                _keep_failed(staging, target, [])
                summary.failures.append(Failure(program.id, None, result["message"]))
                say(f"✗ {program.id}: {result['message']}", flush=True)
                continue
            for log in staging.glob("*.log"):
                log.unlink()
            _write_manifest(staging, program, program_file, source, lang, fingerprint)
            _publish(staging, target)
            summary.built.append(program.id)
            say(f"✓ {program.id}: reports in {target.relative_to(paths.root)}/", flush=True)
    shutil.rmtree(paths.reports / ".staging", ignore_errors=True)
    write_site(summary, source)
    return summary


def write_site(summary: RunSummary, source: str) -> Path:
    """The top-level ``reports/index.html`` over every programme with published reports."""
    from pipeline.render import render_site

    paths = config.paths()
    entries = []
    for program_id in program_ids():
        manifest = paths.report_dir(program_id) / "manifest.json"
        if manifest.exists():
            try:
                entries.append((load_program(program_id),
                                json.loads(manifest.read_text(encoding="utf-8"))))
            except ProgramError:
                continue
    return render_site(entries, paths.reports, failures=[str(f) for f in summary.failures])
