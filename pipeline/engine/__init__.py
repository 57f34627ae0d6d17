"""The execution engine: notebooks in, published report folders out.

Modules (each small enough to read in one sitting):

- :mod:`~pipeline.engine.runner` — :func:`run`: plan, execute, render, publish, index;
- :mod:`~pipeline.engine.targets` — programmes and area profiles, language trees;
- :mod:`~pipeline.engine.tasks` — the worker tasks (same for the local pool and Dask);
- :mod:`~pipeline.engine.kernels`, :mod:`~pipeline.engine.warm` — warm kernels for papermill;
- :mod:`~pipeline.engine.pool`, :mod:`~pipeline.engine.cluster` — local pool, Dask distributed;
- :mod:`~pipeline.engine.combine` — each PDF laid out once, the combined PDF from its pages;
- :mod:`~pipeline.engine.state`, :mod:`~pipeline.engine.publish`, :mod:`~pipeline.engine.lock`,
  :mod:`~pipeline.engine.procs` — incremental state, staging, the run lock, process hygiene.
"""

from pipeline.engine.lock import LockBusy
from pipeline.engine.publish import OutputError
from pipeline.engine.runner import EngineError, Failure, RunSummary, run
from pipeline.engine.site import write_site
from pipeline.engine.state import package_fingerprint, package_versions, provenance

__all__ = ["EngineError", "Failure", "LockBusy", "OutputError", "RunSummary",
           "package_fingerprint", "package_versions", "provenance", "run", "write_site"]
