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
    """Point this process (and kernels it starts) at the run's project."""
    os.environ["INNSIKT_ROOT"] = spec["root"]


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
        ``{"ok", "notebook", "seconds", "cells_seconds", "message"?}``.
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
            pm.execute_notebook(str(paths.notebook(analysis)), str(executed), parameters=params,
                                engine_name=kernels.ENGINE_NAME, warm=kernel,
                                kernel_name=KERNEL, progress_bar=False, log_output=False,
                                stderr_file=log, stdout_file=log, cwd=str(paths.notebooks))
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
    cells = _cells_seconds(executed)
    try:
        _relative_paths(executed, Path(spec["root"]))
        _render_html(spec, executed)
    except OSError as exc:
        return {"ok": False, "notebook": str(executed), "message": _oserror_text(exc)}
    except Exception as exc:  # noqa: BLE001 — reported with the notebook kept
        return {"ok": False, "notebook": str(executed),
                "message": f"rendering failed: {type(exc).__name__}: {exc}"}
    return {"ok": True, "notebook": str(executed), "seconds": time.monotonic() - started,
            "cells_seconds": cells, "memory": worker_memory()}


def _relative_paths(executed: Path, root: Path) -> None:
    """Papermill records absolute input and output paths; keep the checkout's location out of
    published notebooks (the notebook path relative to the project, the output by its name)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        value = meta.get(key)
        if value and os.path.isabs(value):
            path = Path(value)
            meta[key] = (path.relative_to(root).as_posix() if key == "input_path"
                         and path.is_relative_to(root) else path.name)
    nbformat.write(nb, executed)


def _cells_seconds(executed: Path) -> float:
    """The cells' own execution time, from papermill's per-cell metadata."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    return float(sum(c.metadata.get("papermill", {}).get("duration") or 0 for c in nb.cells))


def _render_html(spec: dict[str, Any], executed: Path) -> Path:
    from pipeline.engine import combine
    from pipeline.engine.state import provenance
    from pipeline.engine.targets import program_for
    from pipeline.render import render_analysis_html

    program = program_for(spec)
    return render_analysis_html(executed, executed.with_suffix(".html"), program=program,
                                analysis=spec["analysis"], demo=spec["source"] == "demo",
                                provenance=combine.cached(provenance, spec["source"]))


def render_target(spec: dict[str, Any]) -> dict[str, Any]:
    """Lay out the target's PDFs once, combine them, write the index page and the workbook.

    Args:
        spec: ``root``, ``staging``, ``analyses`` (executed successfully), ``program``,
            ``region``, ``source``, ``language``, and ``blocked`` (analysis -> the missing
            dataset's record, for analyses not run because their data could not be built).
    """
    _enter(spec)
    from pipeline.engine import combine
    from pipeline.engine.state import provenance
    from pipeline.engine.targets import program_for

    started = time.monotonic()
    try:
        program = program_for(spec)
        combine.render_outputs(program, Path(spec["staging"]), spec["analyses"],
                               demo=spec["source"] == "demo",
                               provenance=combine.cached(provenance, spec["source"]),
                               language=spec["language"],
                               base_url=Path(spec.get("publish_dir") or spec["staging"]),
                               blocked=spec.get("blocked") or {})
    except OSError as exc:
        return {"ok": False, "message": _oserror_text(exc)}
    except Exception as exc:  # noqa: BLE001 — reported per target
        return {"ok": False, "message": f"rendering failed: {type(exc).__name__}: {exc}"}
    return {"ok": True, "seconds": time.monotonic() - started, "memory": worker_memory()}


def _vm_hwm_mib(pid: int | str = "self") -> float:
    """Peak resident memory of one process (Linux ``VmHWM``), MiB; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def worker_memory() -> dict[str, float]:
    """Peak memory of this worker and of its live kernels, MiB (their sum bounds the worker's
    share of the machine: both peaks need not happen at once)."""
    from pipeline.engine import kernels

    kernel_peak = sum(_vm_hwm_mib(k.km.provisioner.pid) for k in list(kernels._ALL)
                      if getattr(k.km, "provisioner", None) is not None)
    own = _vm_hwm_mib()
    return {"pid": os.getpid(), "worker": own, "kernels": kernel_peak,
            "total": own + kernel_peak}


def shutdown_kernels() -> int:
    """End this process's warm kernels (called on every Dask worker after a batch)."""
    from pipeline.engine import kernels

    return kernels.shutdown_all()
