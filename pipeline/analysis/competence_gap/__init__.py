"""Competence gap: labour supply and demand to the horizon, with measured uncertainty.

Layout (issue 10): :mod:`.demand` and :mod:`.statistics` are the statistics (pure functions,
no text); :mod:`.compute` assembles :func:`compute` → :class:`GapResult`; :mod:`.tables`,
:mod:`.figures` and :mod:`.sections` present it; :mod:`.indicators` holds the panels for effect
tracking. Methods: ``docs/methods_forecasts.md``.
"""

from pipeline.analysis.competence_gap.compute import DATASETS, GapResult, compute
from pipeline.analysis.competence_gap.indicators import INDICATORS

__all__ = ["DATASETS", "INDICATORS", "GapResult", "compute"]
