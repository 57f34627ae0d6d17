"""Indicator panels for effect tracking: id → function(source) → every region's series.

Each panel has ``region, year, value`` and, for rates, ``numerator, denominator`` (counts), so
effect tracking can sum areas and weigh by size. Ids and units are in
:mod:`pipeline.indicators`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline import datasets
from pipeline.analysis.competence_gap import statistics as st

PANEL_COLUMNS = ["region", "year", "value", "numerator", "denominator"]


def _with_rate(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[frame["denominator"] > 0]
    return frame.assign(value=frame["numerator"] / frame["denominator"] * 100)[PANEL_COLUMNS]


def employment_rate_20_66(source: str) -> pd.DataFrame:
    """Employment rate 20–66 (residence), every region, built from counts.

    06445 has five-year groups, so ages 65–66 are taken as 2/5 of the 65–69 group (employed and
    population alike); the rate is Σ employed / Σ population × 100.
    """
    counts = st.employment_counts(datasets.load("employment_rate", source))
    ages = counts["age_group"].map(st.parse_age_group)
    weight = ages.map(lambda lh: 1.0 if 20 <= lh[0] and lh[1] <= 64 else
                      (2 / 5 if lh == (65, 69) else 0.0))
    counts = counts.assign(numerator=counts["employed"] * weight,
                           denominator=counts["population"] * weight)
    out = counts.groupby(["region", "year"], as_index=False)[["numerator", "denominator"]].sum()
    return _with_rate(out)


def employed_by_workplace(source: str) -> pd.DataFrame:
    """Employed persons by place of work (all industries), every region and year."""
    df = datasets.load("employment_by_industry", source)
    out = df.groupby(["region", "year"], as_index=False)["value"].sum(min_count=1)
    return out.dropna(subset=["value"])[["region", "year", "value"]]


def higher_education_share(source: str) -> pd.DataFrame:
    """Share with higher education (03a + 04a) of the population 16+, every region and year."""
    df = datasets.load("education", source)
    rows = df[(df["measure"] == "Personer") & (df["sex"] == "0")]
    total = rows.groupby(["region", "year"])["value"].sum(min_count=1)
    higher = rows[rows["level"].isin(st.HIGHER_EDUCATION)].groupby(["region", "year"])[
        "value"].sum(min_count=1)
    out = pd.DataFrame({"numerator": higher, "denominator": total}).dropna().reset_index()
    return _with_rate(out)


INDICATORS: dict[str, Callable[[str], pd.DataFrame]] = {
    "employment_rate_20_66": employment_rate_20_66,
    "employed_by_workplace": employed_by_workplace,
    "higher_education_share": higher_education_share,
}
