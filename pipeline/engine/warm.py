"""Code that runs *inside* a warm kernel: import once, clean the namespace between notebooks.

:func:`prepare` is executed once when a kernel starts: it imports what every report notebook
imports (pandas, numpy, statsmodels, scipy, matplotlib with the inline backend, and the
``pipeline`` package with its analyses), so a notebook's first cell no longer pays 2–3 s of
imports. :func:`clean` runs before each notebook: it closes figures, restores matplotlib's
settings as they were after :func:`prepare`, empties the user namespace (``%reset``), and sets
the execution counter back to 1, so a notebook sees the same state as on a fresh kernel except
that imported modules are already in ``sys.modules``.

Processed tables are read once per kernel: :func:`pipeline.datasets.load` keeps every table it
has read (keyed by the parquet file's path, size and modification time, so a rebuilt table is
read again) and hands out shallow copies, which pandas' copy-on-write turns into real copies of
whatever a notebook modifies; the modules are not reloaded between notebooks, so that cache
lives as long as the kernel and a notebook cannot change what the next one reads.

Two things keep a long-lived kernel cheap. After the imports, :func:`prepare` moves every
object that exists then (modules, functions, classes: hundreds of thousands) into the garbage
collector's permanent generation (:func:`gc.freeze`), so the collections during a notebook and
the one in :func:`clean` scan only what notebooks create (a full collection of the imported
heap costs a noticeable fraction of a second each time). And :func:`clean` gives freed memory
back to the operating system (``malloc_trim`` and Arrow's pool), so an idle kernel does not
hold its last notebook's peak while its worker lays out PDFs.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import os
import warnings

WARM_MODULES = (
    "numpy", "pandas", "scipy.stats", "statsmodels.api", "statsmodels.formula.api",
    "matplotlib", "matplotlib.pyplot", "pyarrow.parquet",
    "pipeline.report", "pipeline.figures", "pipeline.datasets", "pipeline.geography",
    "pipeline.areas", "pipeline.indicators", "pipeline.analysis.effects",
    "pipeline.analysis.competence_gap", "pipeline.analysis.youth_dropout",
    "pipeline.analysis.migration", "pipeline.analysis.display", "pipeline.present.report",
    "pipeline.present.figures", "pipeline.analysis.competence_gap.sections",
    "pipeline.analysis.migration.sections",
)
_STATE: dict[str, object] = {}


def prepare(cwd: str) -> list[str]:
    """Import the report notebooks' dependencies; remember matplotlib's settings.

    Returns:
        Modules that could not be imported (a notebook that needs one will say so itself).
    """
    missing = []
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — a module being rewritten must not stop the kernel
            missing.append(name)
    ip = _ipython()
    if ip is not None:
        ip.run_line_magic("matplotlib", "inline")
    import matplotlib

    _STATE["rc"] = dict(matplotlib.rcParams)
    _STATE["cwd"] = cwd
    gc.collect()
    gc.freeze()
    return missing


def clean() -> None:
    """Give the next notebook a clean namespace on this kernel."""
    import matplotlib
    import matplotlib.pyplot as plt

    plt.close("all")
    if "rc" in _STATE:
        with warnings.catch_warnings():  # deprecated rc keys warn on every update
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(_STATE["rc"])
    os.chdir(str(_STATE.get("cwd", os.getcwd())))
    ip = _ipython()
    if ip is not None:
        ip.reset(new_session=False)
        ip.execution_count = 1
    gc.collect()
    release_memory()


def release_memory() -> None:
    """Give freed memory back to the operating system (glibc's ``malloc_trim``; Arrow's pool)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001, S110 — an optimisation, never a failure
        pass
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()

