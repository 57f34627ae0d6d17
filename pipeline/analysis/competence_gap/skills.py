"""Skills: shares of adults by field of study and of the employed by occupation (statistics).

Pure functions on DataFrames, no text. Fields of study: SSB's persons 16 and over by highest
completed education's broad field (NUS2000 fagfelt, table 08921 in the registry), summed to an
area with :func:`pipeline.areas.sum_counts`; the share of a field is its persons over all
persons 16+ of the area (every field, "unspecified" included), so the shares of a year sum to
100. Occupations: employed residents by STYRK-08 major group (one digit, adding up to all
employed) and the ICT and engineering sub-major groups inside groups 2 and 3 (table 12542);
every share is of all employed residents, and small counts are marked for suppression here,
with :mod:`pipeline.disclosure`'s rule, so a share never gives a hidden count away.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline import disclosure

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


OCCUPATION_COLUMNS = ["region", "year", "occupation", "level", "employed", "share",
                      "suppressed"]
OCCUPATION_COMPARISON_COLUMNS = ["occupation", "level", "year", "employed", "share",
                                 "suppressed", "share_county", "share_national",
                                 "diff_national", "p_national"]
MAJOR, SUB, SUM = "major", "sub", "sum"
"""Levels of an occupation row: a one-digit major group, an ICT/engineering sub-major group,
and the sum of the sub-major groups (:data:`TECH_TOTAL`)."""
TECH_TOTAL = "ikt"
"""Occupation code of the sum row of the ICT and engineering sub-major groups."""


def occupation_shares(counts: pd.DataFrame, majors, subs=(), *,
                      threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Employed residents of one area by occupation group per year, with shares and suppression.

    Args:
        counts: ``year, occupation, value`` (employed persons), as
            :func:`pipeline.areas.sum_counts` gives.
        majors: the one-digit major group codes (together all employed residents); a year with
            any of them missing (NaN) is left out rather than understated.
        subs: sub-major group codes inside the major groups (ICT and engineering); their sum is
            added as a row :data:`TECH_TOTAL` (level ``sum``) when every one is present.
        threshold: counts ``1 .. threshold-1`` are suppressed.

    Returns:
        ``year, occupation, level, employed, share, suppressed``: ``share`` = employed / all
        employed residents that year × 100 (the sum of the major groups). ``suppressed`` marks
        cells :func:`pipeline.disclosure.suppression_mask` hides: small counts and the
        secondary cells that would let one recompute them, within the major groups of a year
        (they add up to the published total) and within its sub-major groups and their sum.
    """
    rows = counts[counts["occupation"].isin([*majors, *subs])].rename(
        columns={"value": "employed"}).astype({"year": int, "occupation": str})
    is_major = rows["occupation"].isin(list(majors))
    complete = (rows[is_major].groupby("year")["employed"]
                .agg(lambda v: v.notna().all() and len(v) == len(majors)))
    rows = rows[rows["year"].isin(complete[complete].index)]
    is_major = rows["occupation"].isin(list(majors))
    rows = rows.assign(level=is_major.map({True: MAJOR, False: SUB}))
    rows = rows[rows["employed"].notna() | is_major]
    sums = _sub_sums(rows, list(subs))
    out = pd.concat([rows, sums], ignore_index=True) if len(sums) else rows.reset_index(drop=True)
    totals = out[out["level"] == MAJOR].groupby("year")["employed"].sum()
    out = out.assign(share=out["employed"] / out["year"].map(totals) * 100)
    out = out.assign(suppressed=_suppressed(out, threshold))
    order = {code: i for i, code in enumerate([*majors, *subs, TECH_TOTAL])}
    out = out.sort_values(["year", "occupation"], key=lambda c: c.map(order) if
                          c.name == "occupation" else c, kind="stable")
    return out[OCCUPATION_COLUMNS[1:]].reset_index(drop=True)


def _sub_sums(rows: pd.DataFrame, subs: list[str]) -> pd.DataFrame:
    """One ``sum`` row per year whose sub-major groups are all present."""
    part = rows[rows["level"] == SUB]
    if not subs or part.empty:
        return pd.DataFrame(columns=[*rows.columns])
    n = part.groupby("year")["occupation"].nunique()
    full = part[part["year"].isin(n[n == len(subs)].index)]
    sums = full.groupby("year", as_index=False)["employed"].sum()
    return sums.assign(occupation=TECH_TOTAL, level=SUM)


def _suppressed(rows: pd.DataFrame, threshold: int) -> pd.Series:
    """The disclosure mask of ``employed``: per year, the major groups as one relation (their
    total is published as all employed) and the sub-major groups with their sum row as
    another (the sum row is their total)."""
    frame = rows.assign(relation=rows["level"].map({MAJOR: MAJOR, SUB: SUB, SUM: SUB}))
    frame = frame.reset_index(drop=True)
    mask = disclosure.suppression_mask(
        frame, ["employed"], threshold=threshold, group_by=["year", "relation"],
        total_rows=frame["level"] == SUM, status_column=None, row_relations=False)
    return mask["employed"].to_numpy()


def compare_occupations(shares: pd.DataFrame, area: str, county: str | None,
                        national: str = "0") -> pd.DataFrame:
    """The area's latest year by occupation beside its county and the country, with a test.

    Args:
        shares: ``region`` plus :func:`occupation_shares`' columns for the area and its
            comparisons.
        area, county, national: as in :func:`compare_fields`.

    Returns:
        One row per occupation group (:data:`OCCUPATION_COMPARISON_COLUMNS`); a comparison
        share is NaN where that region's cell is suppressed or missing. ``p_national`` is the
        two-sample score test of the share against the country's (as for fields of study),
        NaN for suppressed cells. Empty when the area has no data.
    """
    from pipeline.analysis.competence_gap.statistics import share_difference_p

    own = shares[shares["region"] == area]
    if own.empty:
        return pd.DataFrame(columns=OCCUPATION_COMPARISON_COLUMNS)
    year = int(own["year"].max())
    latest = shares[shares["year"] == year]

    def of(code: str | None) -> pd.DataFrame:
        part = latest[latest["region"] == code] if code else latest.iloc[0:0]
        return part.set_index("occupation")

    mine, cty, nat = of(area), of(county), of(national)
    total = mine.loc[mine["level"] == MAJOR, "employed"].sum()
    nat_total = nat.loc[nat["level"] == MAJOR, "employed"].sum()

    def shown(frame: pd.DataFrame, code: str) -> float:
        if code not in frame.index or bool(frame.at[code, "suppressed"]):
            return math.nan
        return float(frame.at[code, "share"])

    rows = []
    for code, rec in mine.iterrows():
        hidden = bool(rec["suppressed"])
        n_share = shown(nat, code)
        p = math.nan
        if area != national and not hidden and not math.isnan(n_share) and nat_total > 0:
            p = share_difference_p(
                pd.Series({"numerator": rec["employed"], "denominator": total}),
                pd.Series({"numerator": nat.at[code, "employed"], "denominator": nat_total}))
        rows.append({"occupation": str(code), "level": rec["level"], "year": year,
                     "employed": float(rec["employed"]), "share": float(rec["share"]),
                     "suppressed": hidden, "share_county": shown(cty, code),
                     "share_national": n_share,
                     "diff_national": math.nan if hidden else float(rec["share"]) - n_share,
                     "p_national": p})
    return pd.DataFrame(rows, columns=OCCUPATION_COMPARISON_COLUMNS)
