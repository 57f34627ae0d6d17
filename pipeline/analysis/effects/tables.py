"""Tidy tables of effect-tracking assessments (numbers only; :mod:`.sections` adds the words)."""

from __future__ import annotations

import math
from pathlib import Path

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


# The table ``make validate`` writes; it belongs to the code (not the data root), so it is found
# beside the package.
VALIDATION_RESULTS = Path(__file__).resolve().parents[3] / "validation" / "results.md"
VALIDATION_COLUMNS = ["design", "estimator", "runs", "null_rejection", "coverage", "note"]


def _percent(cell: str) -> float:
    text = cell.replace("%", "").strip()
    return math.nan if text in ("", "–", "-") else float(text)


def validation_table(path: Path = VALIDATION_RESULTS) -> pd.DataFrame:
    """The validation table of ``make validate`` (``validation/results.md``) as a frame.

    Returns:
        Columns :data:`VALIDATION_COLUMNS` (rejection and coverage in percent, nan when the
        design has none); empty when the file is missing.
    """
    if not path.exists():
        return pd.DataFrame(columns=VALIDATION_COLUMNS)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(VALIDATION_COLUMNS) or not line.startswith("|"):
            continue
        if cells[0] == "design" or set(cells[0]) <= {"-"}:
            continue  # header and separator
        rows.append([cells[0], cells[1], int(cells[2]), _percent(cells[3]), _percent(cells[4]),
                     cells[5]])
    return pd.DataFrame(rows, columns=VALIDATION_COLUMNS)


def validation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per estimator of the validation table: how many designs, the range of null
    rejection and coverage over the designs where it holds, and how many designs it does not
    (declared "no valid interval" or outside the range; the note says which).

    Returns:
        Columns estimator, designs, null_low, null_high, coverage_low, coverage_high, failing.
    """
    columns = ["estimator", "designs", "null_low", "null_high", "coverage_low",
               "coverage_high", "failing"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    holds = table["note"].str.match(r"(ok|truth|shape|population|null|no interval published)")
    rows = []
    for estimator, group in table.groupby("estimator", sort=False):
        ok = group[holds.loc[group.index]]
        rows.append([estimator, len(group), ok["null_rejection"].min(),
                     ok["null_rejection"].max(), ok["coverage"].min(), ok["coverage"].max(),
                     int(len(group) - len(ok))])
    return pd.DataFrame(rows, columns=columns)

