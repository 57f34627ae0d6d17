"""The units of work, the same for the local process pool and for Dask.

Each task is a plain function of a picklable ``spec`` dict returning a plain dict, so it runs
unchanged in a local worker process or on a Dask worker that shares the checkout and the data:

- :func:`execute_notebook`: papermill executes one analysis notebook on a warm kernel and the
  executed notebook is rendered to HTML (``<staging>/<analysis>.ipynb|.html|.log``);
- :func:`render_target`: the target's PDFs, each laid out once, the combined PDF made from those
  pages, the index page and the workbook (see :mod:`pipeline.engine.combine`).

Failures are returned, never raised, so one failing notebook does not stop the batch; the
message names the failing cell, or the file that could not be written.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

from pipeline import config

KERNEL = "python3"


def _enter(spec: dict[str, Any]) -> None:
    """Point this process (and kernels it starts) at the run's project; sample its memory."""
    os.environ["INNSIKT_ROOT"] = spec["root"]
    start_memory_sampler()  # a Dask worker has no initializer of ours: start it here


def _oserror_text(exc: OSError) -> str:
    where = exc.filename or "?"
    if exc.errno == errno.ENOSPC:
        return f"cannot write {where}: the disk is full; free space and run again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"cannot write {where}: the folder is not writable; make it writable (or set "
                "INNSIKT_ROOT to a writable copy) and run again")
    return f"cannot write {where}: {exc.strerror or exc}"


def execute_notebook(spec: dict[str, Any]) -> dict[str, Any]:
    """Execute one notebook with papermill on a warm kernel and render its HTML.

    Args:
        spec: ``root``, ``staging``, ``analysis``, ``program`` (id or ``""`` for an area),
            ``region`` (``""`` or an area code), ``source``, ``language``.

    Returns:
        ``{"ok", "notebook", "seconds", "cells_seconds", "memory", "content", "message"?}``;
        ``content`` is the executed notebook's :class:`pipeline.render.ReportContent`.
    """
    _enter(spec)
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from pipeline.engine import kernels

    started = time.monotonic()
    paths = config.paths()
    out_dir = Path(spec["staging"])
    analysis = spec["analysis"]
    executed = out_dir / f"{analysis}.ipynb"
    params = {"program": spec["program"], "source": spec["source"], "region": spec["region"],
              "language": spec["language"]}
    try:
        with kernels.lease(paths.notebooks) as kernel, \
                open(out_dir / f"{analysis}.log", "w", encoding="utf-8") as log:
            nb = pm.execute_notebook(str(paths.notebook(analysis)), str(executed),
                                     parameters=params, engine_name=kernels.ENGINE_NAME,
                                     warm=kernel, relative_to=spec["root"], kernel_name=KERNEL,
                                     progress_bar=False, log_output=False, stderr_file=log,
                                     stdout_file=log, cwd=str(paths.notebooks))
    except PapermillExecutionError as exc:
        return {"ok": False, "notebook": str(executed),
                "message": f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"}
    except kernels.KernelStartError as exc:
        return {"ok": False, "notebook": None, "message": str(exc), "fatal": True}
    except OSError as exc:
        return {"ok": False, "notebook": None, "message": _oserror_text(exc)}
    except Exception as exc:  # kernel died, notebook unreadable, …: report, don't crash the run
        return {"ok": False, "notebook": str(executed) if executed.exists() else None,
                "message": f"{type(exc).__name__}: {exc}"}
    cells = _cells_seconds(nb)
    try:
        _relative_paths(nb, executed, Path(spec["root"]))
        content = _render_html(spec, executed)
    except OSError as exc:
        return {"ok": False, "notebook": str(executed), "message": _oserror_text(exc)}
    except Exception as exc:  # noqa: BLE001 — reported with the notebook kept
        return {"ok": False, "notebook": str(executed),
                "message": f"rendering failed: {type(exc).__name__}: {exc}"}
    settle_heap()
    return {"ok": True, "notebook": str(executed), "seconds": time.monotonic() - started,
            "cells_seconds": cells, "memory": worker_memory(), "content": content}


def _relative_paths(nb, executed: Path, root: Path) -> None:
    """Write the notebook again if a recorded path is still absolute (the warm engine makes
    them relative before papermill's final write, so normally nothing is written here)."""
    import nbformat

    from pipeline.engine.kernels import relative_paths

    if relative_paths(nb, root):
        nbformat.write(nb, executed)


def _cells_seconds(nb) -> float:
    """The cells' own execution time, from papermill's per-cell metadata."""
    return float(sum(c.metadata.get("papermill", {}).get("duration") or 0 for c in nb.cells))


def _render_html(spec: dict[str, Any], executed: Path):
    """Write the notebook's HTML page; return what was read from it (its ReportContent),
    which goes back with the result to the target's render task instead of being read again.
    """
    from pipeline.engine import combine
    from pipeline.engine.state import provenance
    from pipeline.engine.targets import program_for
    from pipeline.render import read_report, render_analysis_html

    program = program_for(spec)
    content = read_report(executed)
    render_analysis_html(executed, executed.with_suffix(".html"), program=program,
                         analysis=spec["analysis"], demo=spec["source"] == "demo",
                         provenance=combine.cached(provenance, spec["source"]), content=content)
    return content


def render_target(spec: dict[str, Any]) -> dict[str, Any]:
    """Lay out the target's PDFs once, combine them, write the index page and the workbook.

    Args:
        spec: ``root``, ``staging``, ``analyses`` (executed successfully), ``program``,
            ``region``, ``source``, ``language``, ``blocked`` (analysis -> the missing
            dataset's record, for analyses not run because their data could not be built),
            ``pdf`` (False: no PDFs), ``release_kernel`` (True: the run has no notebook
            left, so this worker's kernels are shut down first) and ``contents`` (analysis ->
            its ReportContent from the notebook task; missing ones are read from the notebook).
    """
    _enter(spec)
    from pipeline.engine import combine
    from pipeline.engine.state import provenance
    from pipeline.engine.targets import program_for

    started = time.monotonic()
    if spec.get("release_kernel"):
        # The run has no notebook left for this worker: end its kernel now, while the render
        # runs, rather than after the last report, when the run waits for every worker to end.
        shutdown_kernels()
    try:
        program = program_for(spec)
        combine.render_outputs(program, Path(spec["staging"]), spec["analyses"],
                               demo=spec["source"] == "demo",
                               provenance=combine.cached(provenance, spec["source"]),
                               language=spec["language"],
                               base_url=Path(spec.get("publish_dir") or spec["staging"]),
                               blocked=spec.get("blocked") or {}, pdf=spec.get("pdf", True),
                               reports=spec.get("contents"))
    except OSError as exc:
        return {"ok": False, "message": _oserror_text(exc)}
    except Exception as exc:  # noqa: BLE001 — reported per target
        return {"ok": False, "message": f"rendering failed: {type(exc).__name__}: {exc}"}
    memory = worker_memory()
    _release_memory()
    return {"ok": True, "seconds": time.monotonic() - started, "memory": memory}


def _release_memory() -> None:
    """The laid-out documents are garbage now: collect them and give the memory back to the
    operating system, so the worker does not sit on its layout peak while its kernel works."""
    from pipeline.engine import warm

    settle_heap()
    warm.release_memory()


def settle_heap() -> None:
    """Collect this worker's garbage, then take what is still alive out of the collector's
    scans (:func:`gc.freeze`), as the warm kernels do after their imports.

    A worker holds some 160 000 objects after its imports (pandas, nbconvert, WeasyPrint), and
    each full collection walks all of them: about 0.2 s each time, several times per PDF
    layout, which made up close to a third of laying out a report. Frozen, they are not
    walked again. Called after start-up and after each task, when what the task made is gone;
    an object frozen alive is still freed when its last reference goes, and only a reference
    cycle made of such objects would wait for the worker to end.

    The youngest generation is also collected less often (every :data:`WORKER_GC_YOUNG`
    allocations instead of Python's 700): a layout makes a great many short-lived objects
    (boxes, styles, text runs), and the collections between them cost about a tenth of a
    render (median of three renders in fresh processes, three alternating pairs: 5.6–6.0 s
    against 4.9–5.8 s). The warm kernels
    keep Python's default: the same change measured nothing on the notebooks' cells.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_YOUNG, 20, 20)


WORKER_GC_YOUNG = 20_000  # allocations between collections of the youngest generation


def _vm_hwm_mib(pid: int | str = "self") -> float:
    """Peak resident memory of one process (Linux ``VmHWM``), MiB; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _rss_mib(pid: int | str = "self") -> float:
    """Resident memory of one process now (Linux ``statm``), MiB; 0 when unknown."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _kernel_pids() -> list[int]:
    from pipeline.engine import kernels

    return [k.km.provisioner.pid for k in list(kernels._ALL)
            if getattr(k.km, "provisioner", None) is not None
            and getattr(k.km.provisioner, "pid", None)]


class _MemorySampler:
    """The peak of this worker's and its kernels' resident memory *together*, sampled.

    The two processes peak at different times (the kernel while it computes, the worker while
    it lays out PDFs), so the sum of their separate peaks (``VmHWM``) overstates what a worker
    needs of the machine; this thread adds their resident memory every ``interval`` seconds
    and keeps the largest sum. A spike shorter than the interval can be missed: the sum of the
    separate peaks is reported beside it as the upper bound.
    """

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.interval, self.peak = interval, 0.0
        self._thread = threading.Thread(target=self._run, name="innsikt-memory", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import time as _time

        while True:
            self.sample()
            _time.sleep(self.interval)

    def sample(self) -> float:
        total = _rss_mib() + sum(_rss_mib(pid) for pid in _kernel_pids())
        self.peak = max(self.peak, total)
        return self.peak


_SAMPLER: list[_MemorySampler] = []


def start_memory_sampler() -> None:
    """Start this process's memory sampler (once; workers call it when they start)."""
    if not _SAMPLER:
        _SAMPLER.append(_MemorySampler())


def worker_memory() -> dict[str, float]:
    """This worker's memory, MiB: ``total`` is the sampled peak of worker + kernels together,
    ``bound`` the sum of their separate peaks (an upper bound: both need not happen at once)."""
    start_memory_sampler()
    kernel_peak = sum(_vm_hwm_mib(pid) for pid in _kernel_pids())
    own = _vm_hwm_mib()
    return {"pid": os.getpid(), "worker": own, "kernels": kernel_peak,
            "total": _SAMPLER[0].sample(), "bound": own + kernel_peak}


def shutdown_kernels() -> int:
    """End this process's warm kernels (called on every Dask worker after a batch)."""
    from pipeline.engine import kernels

    return kernels.shutdown_all()
