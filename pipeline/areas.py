"""Areas: what a code means (municipality, county, the country) and one rule for summing counts.

Every analysis asks the same two questions of a region code, and this module is the only place
that answers them:

- **Members.** A 4-character code is one 2024 municipality; a 2-character code is a 2024 county;
  :data:`NATIONAL` (``"0"``) is the whole country. :func:`members` lists the municipalities that
  make up an area.
- **Summing.** :func:`sum_counts` adds counts over an area. The rule, in order:

  1. If the frame carries the area's *own* rows (SSB publishes county and national rows in many
     tables), those rows are used as they are. They are never mixed with municipality rows.
  2. Otherwise the area is the sum of its member municipalities' rows.
  3. A cell that is missing (NaN: not published, or suppressed by SSB with a status symbol) is
     not treated as zero. With ``complete=True`` (the default) a group with any missing member
     cell, or with fewer members present than the area has, is NaN: a sum with a hole in it is not
     the area's figure. With ``complete=False`` the sum is taken over the members present and the
     number of members missing is reported in ``n_missing`` so the caller can say so.

Rates are never summed: sum the numerator and the denominator with this function and divide.

Example::

    >>> from pipeline import areas
    >>> areas.members("33")[:3]
    ['3301', '3303', '3305']
    >>> areas.sum_counts(population, "33", by=["year"])   # Buskerud by year
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pipeline import geography

NATIONAL = geography.NATIONAL  # "0": the whole country, as SSB codes it


def kind(code: str) -> str:
    """``"national"``, ``"county"`` or ``"municipality"`` for a 2024 area code.

    Raises:
        geography.GeographyError: when the code is none of those in the 2024 structure.
    """
    code = str(code)
    if code == NATIONAL:
        return "national"
    if geography.is_county(code):
        return "county"
    if geography.is_municipality(code):
        return "municipality"
    raise geography.GeographyError(
        f"area code {code!r} is not a 2024 municipality (4 digits), county (2 digits) or "
        f"'{NATIONAL}' for the whole country")


def members(code: str) -> list[str]:
    """Sorted 2024 municipality codes that make up the area ``code``."""
    area_kind = kind(code)
    if area_kind == "national":
        return sorted(geography.municipality_names())
    if area_kind == "county":
        return geography.municipalities_in_county(str(code))
    return [str(code)]


def expand(codes: Iterable[str]) -> list[str]:
    """Member municipalities of several areas, in order, without repeats."""
    out: list[str] = []
    for code in codes:
        for member in members(code):
            if member not in out:
                out.append(member)
    return out


def is_within(inner: str, outer: str) -> bool:
    """Whether every municipality of ``inner`` belongs to ``outer`` (an area is within itself)."""
    return set(members(inner)) <= set(members(outer))


def rows_for(df: pd.DataFrame, code: str, region_col: str = "region") -> pd.DataFrame:
    """The rows that stand for area ``code``: its own rows if present, else its members' rows."""
    codes = df[region_col].astype(str)
    own = df[codes == str(code)]
    if not own.empty:
        return own
    if kind(code) == "municipality":
        return own
    return df[codes.isin(members(code))]


def sum_counts(df: pd.DataFrame, code: str, by: Sequence[str],
               value_columns: Sequence[str] = ("value",), *, region_col: str = "region",
               complete: bool = True) -> pd.DataFrame:
    """Counts of area ``code`` by the columns ``by``, following the module's summing rule.

    Args:
        df: tidy frame with ``region_col``, the ``by`` columns and ``value_columns`` (counts).
        code: a 2024 municipality or county code, or ``"0"``.
        by: columns to keep, e.g. ``["year"]`` or ``["year", "sex"]``.
        value_columns: the count columns to sum.
        region_col: name of the region column.
        complete: if True, a group missing any member (absent row or NaN cell) is NaN; if False
            the sum covers the members present and ``n_missing`` says how many were missing.

    Returns:
        Frame with ``region`` (= ``code``), ``by``, the value columns and ``n_missing``, sorted by
        ``by``. Empty (with those columns) when the frame has nothing for the area.
    """
    by, value_columns = list(by), list(value_columns)
    columns = ["region", *by, *value_columns, "n_missing"]
    rows = rows_for(df, code, region_col)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    own_rows = (rows[region_col].astype(str) == str(code)).all()
    expected = 1 if own_rows else len(members(code))
    grouped = rows.groupby(by, observed=True, sort=True) if by else rows.groupby(
        np.zeros(len(rows)), sort=True)
    sums = grouped[value_columns].sum(min_count=1)
    missing_cells = grouped[value_columns].agg(lambda s: int(s.isna().sum())).max(axis=1)
    n_rows = grouped.size()
    n_missing = (missing_cells + (expected - n_rows).clip(lower=0)).astype(int)
    if complete:
        sums.loc[n_missing > 0, value_columns] = np.nan
    out = sums.assign(n_missing=n_missing).reset_index()
    if not by:
        out = out.drop(columns=out.columns[0])
    return out.assign(region=str(code))[columns].reset_index(drop=True)
