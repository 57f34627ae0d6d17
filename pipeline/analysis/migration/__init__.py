"""Migration: components of change, age profile, flows, immigrants, attractiveness, projection.

Layout (issue 10): :mod:`.statistics` and :mod:`.attractiveness` are pure functions;
:mod:`.compute` gives :func:`compute` → :class:`MigrationResult`; :mod:`.tables`,
:mod:`.figures` and :mod:`.sections` present it; :mod:`.indicators` holds the effect-tracking
panels. Methods: ``docs/methods_forecasts.md``.
"""

from pipeline.analysis.migration.compute import DATASETS, MigrationResult, compute
from pipeline.analysis.migration.indicators import INDICATORS

__all__ = ["DATASETS", "INDICATORS", "MigrationResult", "compute"]
