"""Tidy tables of effect-tracking assessments (numbers only; :mod:`.sections` adds the words).

The validation table of every estimator is read by :mod:`pipeline.validation_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis.effects.estimate import effect_number
from pipeline.analysis.effects.tracking import Assessment

SUMMARY_COLUMNS = ["indicator", "treated", "baseline_year", "baseline", "latest_year", "latest",
                   "target", "by", "distance", "target_reached", "change", "change_p",
                   "effect", "ci_low", "ci_high", "p_value", "mde", "plausible_effect",
                   "method", "verdict"]


def summary(assessments: list[Assessment]) -> pd.DataFrame:
    """One row per indicator (columns :data:`SUMMARY_COLUMNS`).

    Levels are in the indicator's units; ``effect``, ``ci_low``, ``ci_high``, ``mde`` and
    ``plausible_effect`` in effect units (percent changes for counts); ``distance`` is the
    absolute distance from the latest value to the target; ``verdict`` is
    :attr:`Assessment.verdict`.
    """
    rows = []
    for a in assessments:
        e = a.effect
        log = a.spec.log_scale
        rows.append({
            "indicator": a.indicator, "treated": a.treated, "baseline_year": a.baseline_year,
            "baseline": a.baseline, "latest_year": a.latest_year, "latest": a.latest,
            "target": a.target, "by": a.by,
            "distance": abs(a.target - a.latest) if a.target is not None and a.latest is not None
            else np.nan,
            "target_reached": a.target_reached,
            "change": a.change.change if a.change else np.nan,
            "change_p": a.change.p_value if a.change else np.nan,
            "effect": effect_number(e.estimate, log) if e else np.nan,
            "ci_low": effect_number(e.ci_low, log) if e else np.nan,
            "ci_high": effect_number(e.ci_high, log) if e else np.nan,
            "p_value": e.p_value if e else np.nan,
            "mde": effect_number(e.mde, log) if e else np.nan,
            "plausible_effect": a.plausible, "method": e.method if e else "",
            "verdict": a.verdict})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def weights(a: Assessment) -> pd.DataFrame:
    """``unit, weight`` of the comparison used (synthetic weights or equal DiD weights)."""
    if a.effect is None:
        return pd.DataFrame(columns=["unit", "weight"])
    w = a.effect.weights
    return (pd.DataFrame({"unit": list(w), "weight": list(w.values())})
            .sort_values(["weight", "unit"], ascending=[False, True]).reset_index(drop=True))
