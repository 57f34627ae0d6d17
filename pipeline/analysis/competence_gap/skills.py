"""Skills by field of study: shares of the population 16+ by broad field (statistics, no text).

Pure functions on DataFrames. The input is SSB's persons 16 and over by highest completed
education's broad field of study (NUS2000 fagfelt, table 08921 in the registry), summed to an
area with :func:`pipeline.areas.sum_counts`; the share of a field is its persons over all
persons 16+ of the area (every field, "unspecified" included), so the shares of a year sum to
100.
"""

from __future__ import annotations

import math

import pandas as pd

FIELD_COLUMNS = ["region", "year", "field", "persons", "share"]
COMPARISON_COLUMNS = ["field", "year", "persons", "share", "share_county", "share_national",
                      "diff_national", "p_national"]


def field_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Shares (percent) of one area's population 16+ by field of study, per year.

    Args:
        counts: ``year, field, value`` (persons), as :func:`pipeline.areas.sum_counts` gives;
            a year with any field missing (``value`` NaN) is left out rather than understated.

    Returns:
        ``year, field, persons, share``; ``share`` = persons / all persons 16+ that year × 100.
    """
    complete = counts.groupby("year")["value"].transform(lambda v: v.notna().all())
    rows = counts[complete].rename(columns={"value": "persons"})
    totals = rows.groupby("year")["persons"].transform("sum")
    out = rows.assign(share=rows["persons"] / totals * 100)
    out = out.astype({"year": int, "field": str})
    return out[["year", "field", "persons", "share"]].sort_values(
        ["year", "field"], kind="stable").reset_index(drop=True)


def compare_fields(fields: pd.DataFrame, area: str, county: str | None,
                   national: str = "0") -> pd.DataFrame:
    """The area's latest year by field beside its county and the country, with a test.

    Args:
        fields: ``region, year, field, persons, share`` for the area and its comparisons.
        area: the area code; ``county``: its county (None for a county or the country);
            ``national``: the country's code.

    Returns:
        One row per field (:data:`COMPARISON_COLUMNS`): the area's ``persons`` and ``share``,
        ``share_county`` and ``share_national`` (NaN when not available), ``diff_national``
        (percentage points) and ``p_national``, the p-value of the difference to the country
        (statsmodels' two-sample score test of proportions, as for higher education; register
        counts are not random draws, so it says whether a difference is larger than chance
        variation of that size would give, not more). Empty when the area has no data.
    """
    from pipeline.analysis.competence_gap.statistics import share_difference_p

    own = fields[fields["region"] == area]
    if own.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    year = int(own["year"].max())
    latest = fields[fields["year"] == year]

    def shares_of(code: str | None) -> pd.DataFrame:
        part = latest[latest["region"] == code] if code else latest.iloc[0:0]
        return part.set_index("field")[["persons", "share"]]

    mine, cty, nat = shares_of(area), shares_of(county), shares_of(national)
    total, nat_total = mine["persons"].sum(), nat["persons"].sum()
    rows = []
    for field, rec in mine.iterrows():
        p = math.nan
        if area != national and field in nat.index and nat_total > 0:
            p = share_difference_p(
                pd.Series({"numerator": rec["persons"], "denominator": total}),
                pd.Series({"numerator": nat.at[field, "persons"], "denominator": nat_total}))
        n_share = float(nat.at[field, "share"]) if field in nat.index else math.nan
        rows.append({"field": str(field), "year": year, "persons": float(rec["persons"]),
                     "share": float(rec["share"]),
                     "share_county": float(cty.at[field, "share"]) if field in cty.index
                     else math.nan,
                     "share_national": n_share, "diff_national": float(rec["share"]) - n_share,
                     "p_national": p})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
