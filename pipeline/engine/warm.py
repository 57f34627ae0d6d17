"""Code that runs *inside* a warm kernel: import once, clean the namespace between notebooks.

:func:`prepare` is executed once when a kernel starts: it imports what every report notebook
imports (pandas, numpy, statsmodels, scipy, matplotlib with the inline backend, and the
``pipeline`` package with its analyses), so a notebook's first cell no longer pays 2–3 s of
imports. :func:`clean` runs before each notebook: it closes figures, restores matplotlib's
settings as they were after :func:`prepare`, empties the user namespace (``%reset``), and sets
the execution counter back to 1, so a notebook sees the same state as on a fresh kernel except
that imported modules are already in ``sys.modules``.

Processed tables are read once per kernel: :func:`prepare` wraps
:func:`pipeline.datasets.load` with a cache keyed by the parquet file's path, size and
modification time, and every call gets its own copy (``DataFrame.copy``), so a notebook that
changes a frame cannot change what the next notebook reads. The cache lives only in the
kernel (never in the package), so a researcher's own session is unaffected.
"""

from __future__ import annotations

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
    "pipeline.analysis.migration",
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
    if "pipeline.datasets" not in missing:
        _cache_loads()
    import matplotlib

    _STATE["rc"] = dict(matplotlib.rcParams)
    _STATE["cwd"] = cwd
    return missing


def _cache_loads() -> None:
    from pipeline import config, datasets

    original = getattr(datasets.load, "__wrapped__", datasets.load)
    tables: dict[tuple, object] = {}

    def load(dataset: str, source: str | None = None):
        source = source or config.data_source()
        path = config.paths().processed_source(source) / f"{datasets.table(dataset).dataset}" \
            f".parquet"
        try:
            stat = path.stat()
        except OSError:
            return original(dataset, source)  # raises the usual "run make data" error
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in tables:
            tables[key] = original(dataset, source)
        return tables[key].copy()

    load.__wrapped__ = original
    load.__doc__ = original.__doc__
    datasets.load = load


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


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()

