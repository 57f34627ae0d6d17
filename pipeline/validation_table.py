"""The measured size and coverage of every estimator, as ``make validate`` publishes them.

``validation/results.md`` is written by ``validation/validate.py``; the reports' methods
appendix prints it (:func:`pipeline.render.html.validation_context`) and the package
fingerprint hashes it (:mod:`pipeline.engine.state`). This module reads it with pandas only, so
a worker rendering report pages does not import the estimators (statsmodels, scipy: 1.5 s).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

# The table ``make validate`` writes; it belongs to the code (not the data root), so it is found
# beside the package.
VALIDATION_RESULTS = Path(__file__).resolve().parents[1] / "validation" / "results.md"
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

