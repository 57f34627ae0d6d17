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

import sys

# nbformat (papermill, nbconvert) imports jsonschema, whose format checkers import
# rfc3987_syntax when installed, and that builds about forty parsers at import: 2–4 s in every
# process of a run (parent and each worker). It checks only the "iri" string format, which the
# notebook schema does not use; without it jsonschema leaves that one format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from pipeline.engine.lock import LockBusy  # noqa: E402
from pipeline.engine.publish import OutputError  # noqa: E402
from pipeline.engine.runner import EngineError, Failure, RunSummary, run  # noqa: E402
from pipeline.engine.site import write_site  # noqa: E402
from pipeline.engine.state import package_fingerprint, package_versions, provenance  # noqa: E402

__all__ = ["EngineError", "Failure", "LockBusy", "OutputError", "RunSummary",
           "package_fingerprint", "package_versions", "provenance", "run", "write_site"]
