"""Compatibility: ``pipeline.run`` is now :mod:`pipeline.engine` (see there).

Kept so ``from pipeline import run; run.run([...])`` and ``run.RunSummary`` keep working.
"""

from pipeline.engine import (  # noqa: F401 — re-exported names
    EngineError,
    Failure,
    LockBusy,
    OutputError,
    RunSummary,
    package_fingerprint,
    package_versions,
    provenance,
    run,
    write_site,
)
from pipeline.engine.state import fingerprint as program_fingerprint  # noqa: F401
