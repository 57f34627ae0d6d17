"""The run: plan targets, execute their notebooks on the pool, render, publish, index.

One run at a time per project (:mod:`pipeline.engine.lock`); work is staged per run
(:mod:`pipeline.engine.publish`); each notebook is a task on warm kernels
(:mod:`pipeline.engine.tasks`), run by the local pool or Dask (:mod:`pipeline.engine.pool`);
a target's pages are rendered as soon as its notebooks are done, and it is published only when
complete.

The order of the work (:func:`notebook_order`, :class:`_Scheduler`) is chosen so that both cores
stay busy to the end. A target's render (its PDFs: several seconds on one core) can only start
after its last notebook, so a run that does the targets one after another ends with the last
render running alone while the other worker idles. Instead the targets go in groups of as many
as there are workers, their notebooks interleaved (the longest analysis first), so a group's
renders become ready together and run side by side; the last group is the full one. A worker
that frees up takes a ready render before any notebook. Tasks are handed out only as workers
free up (a Dask cluster gets one extra per worker, to hide its latency), so that choice is made
with the latest knowledge, and a national batch streams instead of queueing thousands of tasks.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import config, datasets
from pipeline.engine import lock, procs, publish, state, targets, tasks
from pipeline.engine.pool import make_pool
from pipeline.programs import ProgramError, load_program, program_ids

SCHEDULER_VAR = "INNSIKT_DASK_SCHEDULER"
# Typical cost of a notebook, longest first (cells per analysis in `make bench`): in a group of
# interleaved targets the short notebooks come last, so the group's targets finish together.
LONGEST_FIRST = ("competence_gap", "migration", "youth_dropout")


class EngineError(RuntimeError):
    """The run cannot execute notebooks at all (kernels do not start, no loopback, …)."""


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
    notebooks: list[dict[str, Any]] = field(default_factory=list)   # per-notebook timings
    renders: list[dict[str, Any]] = field(default_factory=list)     # per-target render timings
    memory: dict[int, float] = field(default_factory=dict)          # worker pid → peak MiB
    memory_bound: dict[int, float] = field(default_factory=dict)    # sum of separate peaks
    engine: str = ""
    workers: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def _plan(programs, areas, *, source, language, force, say, summary,
          pdf: bool = True) -> list[targets.Target]:
    """The targets to build (out-of-date ones), after validating programme files."""
    package_hash = state.package_fingerprint()
    planned: list[targets.Target] = []
    selected = list(programs) if programs else ([] if areas else program_ids())
    for program_id in selected:
        try:
            program = load_program(program_id)
        except ProgramError as exc:
            summary.failures.append(Failure(program_id, None, str(exc)))
            say(f"✗ {program_id}: invalid programme file — skipped\n{exc}", flush=True)
            continue
        planned.append(targets.program_target(program, language))
    for code in targets.area_codes(areas) if areas else []:
        planned.append(targets.area_target(code, language, list(config.ANALYSES)))
    todo = []
    for target in _without_blocked(planned, source, say, summary):
        target.pdf = pdf
        target.fingerprint = state.fingerprint(
            analyses=target.analyses, source=source, language=target.language,
            package_hash=package_hash, program_file=target.program_file,
            region=f"{target.region}|{target.program}", pdf=pdf)
        current, reason = state.is_current(target.out_dir, target.fingerprint)
        if current and not force:
            summary.skipped.append(target.key)
            say(f"= {target.key}: up to date", flush=True)
            continue
        if not force and reason not in ("not built yet", "inputs changed"):
            say(f"… {target.key}: rebuilding ({reason})", flush=True)
        todo.append(target)
    return todo


def blocked_by_missing_data(source: str) -> dict[str, dict[str, Any]]:
    """Analyses the last data build cannot feed: analysis -> the missing dataset's record.

    ``innsikt build`` writes every dataset it can and lists the rest in the manifest's
    ``missing`` with the analyses that read them (``blocks``). Those analyses are not run; the
    others are, and their reports are published (issue: one failing SSB table must not hide
    the reports that do not need it).
    """
    missing = datasets.manifest(source).get("missing", {})
    out: dict[str, dict[str, Any]] = {}
    for dataset, record in sorted(missing.items()):
        for analysis in record.get("blocks", []):
            out.setdefault(analysis, {"dataset": dataset, **record})
    return out


def _without_blocked(planned, source, say, summary) -> list[targets.Target]:
    """Drop analyses blocked by missing data from each target (each one counts as a failure,
    so the run ends non-zero); a target with nothing left is not built at all."""
    blocked = blocked_by_missing_data(source)
    if not blocked:
        return planned
    kept = []
    for target in planned:
        target.blocked = {a: blocked[a] for a in target.analyses if a in blocked}
        target.analyses = [a for a in target.analyses if a not in blocked]
        for analysis, record in target.blocked.items():
            message = (f"not built: it needs the dataset {record['dataset']} (SSB table "
                       f"{record.get('table_id', '?')}), which the last data build could not "
                       f"make: {record.get('reason', '?')}; fix that and run `make data "
                       f"DATA={source}` again")
            summary.failures.append(Failure(target.key, analysis, message))
            say(f"✗ {target.key}/{analysis}: {message}", flush=True)
        if target.analyses:
            kept.append(target)
    return kept


def run(programs=None, *, source: str | None = None, language: str = "",
        workers: int | None = None, force: bool = False, progress: bool = True,
        areas: str | None = None, scheduler: str | None = None,
        wait: bool = True, pdf: bool = True) -> RunSummary:
    """Execute and render the reports of ``programs`` and/or area profiles.

    Args:
        programs: programme ids; None means every file in ``programs/`` (unless ``areas``).
        source: ``demo`` or ``ssb`` (default ``INNSIKT_DATA_SOURCE``).
        language: ``nb``, ``en`` or ``nn`` to override the programmes' own language; a
            language other than bokmål builds into ``reports/<language>/``.
        workers: local worker processes (default: number of cores).
        force: rebuild even when nothing changed.
        progress: print one line per notebook.
        areas: area profiles to build (``"4005,4204"``, ``"county:33"``, ``"all"``).
        scheduler: a Dask scheduler address (default ``INNSIKT_DASK_SCHEDULER``); without
            one the local process pool runs the notebooks.
        wait: when another run holds the lock, wait for it (True) or refuse (False).
        pdf: lay out and write the PDFs (False: web pages and workbook only, for a national
            batch of area profiles or a draft; the PDFs are where most of a render goes).

    Returns:
        RunSummary with built, skipped and failed targets, and timings.

    Raises:
        publish.OutputError: the reports folder cannot be written.
        EngineError: notebooks cannot be executed at all (e.g. no loopback networking).
        lock.LockBusy: another run holds the lock and ``wait`` is False.
    """
    source = source or config.data_source()
    scheduler = scheduler or os.environ.get(SCHEDULER_VAR) or None
    paths = config.paths()
    say = print if progress else (lambda *a, **k: None)
    datasets.manifest(source)  # fail early, with the command to run, when data is missing
    try:
        with procs.run_token(), procs.terminate_as_interrupt(), \
                lock.run_lock(paths.reports, wait=wait, say=say):
            publish.clean_stale(paths.reports)
            summary = RunSummary()
            todo = _plan(programs, areas, source=source, language=language, force=force,
                         say=say, summary=summary, pdf=pdf)
            if todo:
                _build(todo, summary, source=source, workers=workers, scheduler=scheduler,
                       say=say)
            # A no-op run leaves the index pages as they are (rendering them costs imports).
            if todo or summary.failures or not (targets.tree(language) / "index.html").exists():
                _write_indexes(summary, source, language, areas=bool(areas))
            return summary
    except OSError as exc:
        raise publish.output_error(exc, paths.reports) from exc


def _build(todo, summary, *, source, workers, scheduler, say) -> None:
    paths = config.paths()
    staging_root = publish.new_staging(paths.reports)
    for target in todo:
        target.staging = staging_root / target.key
        target.staging.mkdir(parents=True)
    if not scheduler and not _loopback():
        shutil.rmtree(staging_root, ignore_errors=True)
        raise EngineError("cannot run notebooks: this machine has no loopback networking "
                          "(127.0.0.1), which Jupyter kernels need to talk to the runner; "
                          "enable the loopback interface (e.g. `ip link set lo up`) or run "
                          "where it exists")
    total = sum(len(t.analyses) for t in todo)
    n_workers = max(1, min(workers or os.cpu_count() or 1, total))
    pool = make_pool(n_workers, root=paths.root, scheduler=scheduler)
    summary.engine, summary.workers = pool.name, pool.workers
    interrupted = False
    try:
        _Scheduler(pool, todo, summary, source=source, say=say, total=total).drive()
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        pool.close(interrupted=interrupted)
        shutil.rmtree(staging_root, ignore_errors=True)


def _loopback() -> bool:
    return procs.loopback_ok()


def notebook_order(todo: list, workers: int) -> list[tuple]:
    """``(target, analysis)`` in the order to execute them (see the module docstring).

    The targets go in groups of ``workers``, aligned to the end (a first group may be
    smaller, the last is full); within a group the analyses go longest first
    (:data:`LONGEST_FIRST`), each analysis for every target of the group in turn.
    """
    def rank(analysis: str) -> int:
        return LONGEST_FIRST.index(analysis) if analysis in LONGEST_FIRST else len(LONGEST_FIRST)

    size = max(1, workers)
    first = len(todo) % size or size
    groups = [todo[:first]] + [todo[i:i + size] for i in range(first, len(todo), size)]
    order = []
    for group in groups:
        pairs = [(t, a) for t in group for a in t.analyses]
        # sorted() is stable: targets keep their order within an analysis
        order += sorted(pairs, key=lambda pair: (rank(pair[1]), group.index(pair[0])))
    return order


class _Scheduler:
    """Feeds the pool: a target's render as soon as it is ready, else the next notebook."""

    def __init__(self, pool, todo, summary, *, source, say, total) -> None:
        self.pool, self.summary, self.source, self.say = pool, summary, source, say
        self.total, self.done = total, 0
        self.root = config.paths().root
        self.queue: deque = deque((tasks.execute_notebook, t, a)
                                  for t, a in notebook_order(todo, pool.workers))
        self.limit = pool.workers + getattr(pool, "prefetch", 0)
        self.pending: dict[Any, tuple] = {}
        self.started = time.monotonic()

    def _submit_more(self) -> None:
        while self.queue and len(self.pending) < self.limit:
            func, target, analysis = self.queue.popleft()
            extra = {"analysis": analysis} if analysis else {
                "analyses": target.analyses, "publish_dir": str(target.out_dir),
                "blocked": target.blocked, "pdf": target.pdf,
                # what the notebook tasks read from their notebooks, handed on (and let go of)
                "contents": {a: target.results[a].pop("content", None)
                             for a in target.analyses},
                # no notebook is left to hand out: the worker's kernel is not needed again
                "release_kernel": not self._notebooks_left()}
            future = self.pool.submit(func, target.spec(self.root, self.source, **extra))
            self.pending[future] = (func, target, analysis)

    def _notebooks_left(self) -> bool:
        return any(func is tasks.execute_notebook for func, _, _ in self.queue)

    def drive(self) -> None:
        self._submit_more()
        preload = threading.Thread(target=_preload_index_modules, daemon=True)
        while self.pending:
            for future in self.pool.as_completed(list(self.pending)):
                func, target, analysis = self.pending.pop(future)
                result = self._result(future)
                if "memory" in result:
                    mem = result["memory"]
                    for into, key in ((self.summary.memory, "total"),
                                      (self.summary.memory_bound, "bound")):
                        into[mem["pid"]] = max(into.get(mem["pid"], 0.0), mem.get(key, 0.0))
                if preload.ident is None:
                    preload.start()  # after start-up, while this process waits anyway
                if func is tasks.execute_notebook:
                    self._notebook_done(target, analysis, result)
                else:
                    self._render_done(target, result)
                self._submit_more()
                break  # re-enter as_completed with the newly submitted futures

    @staticmethod
    def _result(future) -> dict[str, Any]:
        try:
            return future.result()
        except Exception as exc:  # a worker process died
            return {"ok": False, "notebook": None, "message": f"worker crashed: {exc}"}

    def _notebook_done(self, target, analysis, result) -> None:
        if result.get("fatal"):
            raise EngineError(result["message"])
        self.done += 1
        target.results[analysis] = result
        mark = "✓" if result["ok"] else "✗"
        detail = f"{result.get('seconds', 0):.1f} s" if result["ok"] else result["message"]
        self.say(f"[{self.done}/{self.total}] {mark} {target.key}/{analysis} ({detail})",
                 flush=True)
        if result["ok"]:
            self.summary.notebooks.append({"target": target.key, "analysis": analysis,
                                           "seconds": result["seconds"],
                                           "cells_seconds": result.get("cells_seconds", 0.0),
                                           "finished": time.monotonic() - self.started})
        if len(target.results) < len(target.analyses):
            return
        failed = [a for a in target.analyses if not target.results[a].get("ok")]
        if failed:
            for done in target.results.values():  # no render: let go of what was read
                done.pop("content", None)
            kept = publish.keep_failed(target.staging, target.out_dir, failed)
            for name in failed:
                notebook = next((k for k in kept if k.stem == name), None)
                self.summary.failures.append(Failure(
                    target.key, name, target.results[name].get("message", "?"), notebook))
            return
        self.queue.appendleft((tasks.render_target, target, None))

    def _render_done(self, target, result) -> None:
        if result["ok"]:
            pdf_name = (f"{targets.program_for(target.spec(self.root, self.source)).id}.pdf"
                        if target.pdf else None)
            missing = publish.missing_outputs(target.staging, target.analyses, pdf_name)
            if missing:
                result = {"ok": False, "message": "not published: missing or empty "
                                                  + ", ".join(missing)}
        if not result["ok"]:
            publish.keep_failed(target.staging, target.out_dir, [])
            self.summary.failures.append(Failure(target.key, None, result["message"]))
            self.say(f"✗ {target.key}: {result['message']}", flush=True)
            return
        self.summary.renders.append({"target": target.key, "seconds": result["seconds"],
                                     "finished": time.monotonic() - self.started})
        _finish(target, self.source)
        self.summary.built.append(target.key)
        where = target.out_dir.relative_to(config.paths().root)
        self.say(f"✓ {target.key}: reports in {where}/", flush=True)


def _preload_index_modules() -> None:
    """Import what the index pages need while the workers compute: otherwise it is about a
    second of imports (jinja, nbconvert's filters) after the last report, when nothing else runs.
    """
    import contextlib

    with contextlib.suppress(Exception):  # an optimisation: the index imports them anyway
        import pipeline.engine.site  # noqa: F401
        import pipeline.render.areas_index  # noqa: F401
        import pipeline.render.site  # noqa: F401


def _finish(target: targets.Target, source: str) -> None:
    """Drop logs, write the manifest, publish; an earlier failed/ folder goes with the swap."""
    for log in target.staging.glob("*.log"):
        log.unlink()
    record = {"program": target.program or None, "region": target.region or None,
              "key": target.key, "language": target.language, "pdf": target.pdf,
              "fingerprint": target.fingerprint}
    if target.blocked:
        record["not_built"] = {a: {k: r.get(k) for k in ("dataset", "table_id", "reason")}
                               for a, r in target.blocked.items()}
    if target.program_file is not None:
        from pipeline import io

        record["program_file"] = str(target.program_file.relative_to(config.project_root()))
        record["program_file_sha256"] = io.sha256_file(target.program_file)
    state.write_manifest(target.staging, record, source=source, analyses=target.analyses)
    publish.publish(target.staging, target.out_dir)


def _write_indexes(summary: RunSummary, source: str, language: str, *, areas: bool) -> None:
    from pipeline.engine import site

    tree = targets.tree(language)
    site.write_site(summary, source, language)
    if areas or (tree / "areas").is_dir():
        site.write_areas_index(tree, language or targets.DEFAULT_LANGUAGE)
