"""Youth display tables from a :class:`YouthResult` (numbers only; :mod:`.sections` adds words).

Each function returns a tidy frame with stable column ids; sections translate the headers and
format the numbers, and :func:`pipeline.report.table` applies disclosure control to the count
columns.
"""

from __future__ import annotations

import pandas as pd

SPARSE_YOUTHS = 500  # fewer residents 15–29 than this: a yearly share moves ±2.5 pp by chance


def neet_rows(neet: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The region's NEET rows with ``hidden`` (count below ``threshold`` or missing)."""
    out = neet.assign(hidden=neet["numerator"].isna() | (neet["numerator"] < threshold))
    return out[out["area"] == "region"].reset_index(drop=True)


def hidden_years(neet: pd.DataFrame) -> list[int]:
    """Years in which the region's NEET count is missing or suppressed."""
    own = neet[neet["area"] == "region"]
    return [int(y) for y in own.loc[own["numerator"].isna(), "year"]]


def sparse_noise(neet: pd.DataFrame) -> tuple[float, float] | None:
    """(residents 15–29, ±pp of a yearly share by binomial chance) when the area is small."""
    own = neet[neet["area"] == "region"].dropna(subset=["denominator"])
    if own.empty or own["denominator"].iloc[-1] >= SPARSE_YOUTHS:
        return None
    youths = float(own["denominator"].iloc[-1])
    p = float(own["value"].dropna().mean()) / 100
    return youths, 196 * (p * (1 - p) / youths) ** 0.5


def cohort_rows(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Every fifth year plus the last registered year and the horizon."""
    last_obs = int(cohorts.dropna(subset=["observed"])["year"].max())
    keep = ((cohorts["year"] % 5 == 0) | (cohorts["year"] == last_obs)
            | (cohorts["year"] == cohorts["year"].max()))
    return cohorts[keep].reset_index(drop=True)
