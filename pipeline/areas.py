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

- **Attributes.** :func:`attributes` reads ``pipeline/data/area_attributes_2024.csv``: real
  published facts about each 2024 municipality (SSB's population 2022, SSB's centrality index and
  class, the housing and labour-market region (BA region, TØI 2019) and its centre). The file's
  header names every source. :func:`regional_centre`, :func:`labour_market_region` and
  :func:`default_comparison` answer from it, never from guesses.
- **Default comparison areas** (:func:`default_comparison`), the documented rule:

  - a municipality: the other municipalities of its county, ranked by similarity of size and
    centrality, ``d = |ln P − ln P'| / sd(ln P) + |C − C'| / sd(C)`` (P: population 2022,
    C: SSB's centrality index, sd over all 357 municipalities), nearest first, ties by code;
    when the county has fewer than ``n`` others (Oslo has none) the nearest of the rest of the
    country fill the list by the same distance;
  - a county: the other 14 counties, by code;
  - the country: none.

Example::

    >>> from pipeline import areas
    >>> areas.members("33")[:3]
    ['3301', '3303', '3305']
    >>> areas.sum_counts(population, "33", by=["year"])   # Buskerud by year
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


def compared(code: str) -> list[str]:
    """The area, its county (for a municipality) and the country (unless it is the country):
    the levels every analysis compares an area with."""
    out = [code]
    if kind(code) == "municipality":
        out.append(geography.county_of(code))
    if code != NATIONAL:
        out.append(NATIONAL)
    return out


def rows_for(df: pd.DataFrame, code: str, region_col: str = "region") -> pd.DataFrame:
    """The rows that stand for area ``code``: its own rows if present, else its members' rows."""
    codes = df[region_col]
    own = df[codes == str(code)]  # region columns hold strings (or categories of strings)
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
    own_rows = bool((rows[region_col] == str(code)).all())
    expected = 1 if own_rows else len(members(code))
    # Grouped by column names, not by Series: pandas then skips a costly check of each key
    # Series (it formats it) and the groups, sums and counts are the same.
    if by:
        grouped = rows[[*by, *value_columns]].groupby(by, observed=True, sort=True)
    else:
        grouped = rows[value_columns].groupby(np.zeros(len(rows)), observed=True, sort=True)
    sums = grouped.sum(min_count=1)
    n_rows = grouped.size()
    missing_cells = (grouped.count().rsub(n_rows, axis=0)).max(axis=1)
    n_missing = (missing_cells + (expected - n_rows).clip(lower=0)).astype(int)
    if complete:  # integer counts become floats, as a NaN assignment would make them
        keep = (n_missing <= 0).to_numpy()
        sums = sums.assign(**{c: (sums[c].astype(float) if pd.api.types.is_integer_dtype(
            sums[c]) else sums[c]).where(keep) for c in value_columns})
    out = sums.assign(n_missing=n_missing).reset_index()
    if not by:
        out = out.drop(columns=out.columns[0])
    return out.assign(region=str(code))[columns].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Attributes from data: size, centrality, labour-market region, regional centre
# --------------------------------------------------------------------------------------------

ATTRIBUTES_CSV = Path(__file__).resolve().parent / "data" / "area_attributes_2024.csv"


@lru_cache(maxsize=1)
def _attributes() -> pd.DataFrame:
    df = pd.read_csv(ATTRIBUTES_CSV, comment="#", dtype=str, encoding="utf-8")
    for col in ("population_2022", "centrality_index", "centrality_class"):
        df[col] = df[col].astype(int)
    missing = sorted(set(geography.municipality_names()) ^ set(df["code"]))
    if missing:
        raise geography.GeographyError(
            f"{ATTRIBUTES_CSV}: codes {missing} differ from the 2024 structure "
            "(pipeline/data/municipalities_2024.csv); the two files must list the same codes")
    return df.set_index("code", drop=False)


def attributes() -> pd.DataFrame:
    """One row per 2024 municipality, indexed by code (a copy; see the CSV's header for sources).

    Columns: ``code``, ``name``, ``county``, ``population_2022`` (SSB 07459, persons on 1 January
    2022 in the 2024 structure), ``centrality_index`` (SSB, 0–1000) and ``centrality_class``
    (1 = most central … 6 = least central), ``ba_region`` and ``ba_region_name`` (housing and
    labour-market region) and ``regional_centre`` (the BA region's centre municipality).
    """
    return _attributes().copy()


def population_2022(code: str) -> int:
    """Population of an area on 1 January 2022 (SSB 07459): a size for ranking, not a figure
    to report (reports use the data of their source)."""
    return int(_attributes().loc[members(code), "population_2022"].sum())


def centrality_class(code: str) -> int:
    """SSB's centrality class (1–6) of a municipality; of a county or the country, the class of
    its population-weighted mean index (class bounds 925, 870, 775, 670 and 565)."""
    rows = _attributes().loc[members(code)]
    index = float(np.average(rows["centrality_index"], weights=rows["population_2022"]))
    return 1 + sum(index < bound for bound in (925, 870, 775, 670, 565))


def labour_market_region(code: str) -> str:
    """The BA region (housing and labour-market region) id of a municipality, e.g. ``"007"``."""
    if kind(code) != "municipality":
        raise geography.GeographyError(f"{code!r}: only a municipality has one BA region")
    return str(_attributes().loc[str(code), "ba_region"])


def labour_market_members(code: str) -> list[str]:
    """Sorted municipalities of the BA region of municipality ``code`` (itself included)."""
    region = labour_market_region(code)
    df = _attributes()
    return sorted(df.index[df["ba_region"] == region])


def regional_centre(code: str) -> str | None:
    """The municipality that is the regional centre of an area, from data.

    A municipality: the centre of its BA region (possibly itself). A county: the BA centre that
    serves most of the county's inhabitants (population 2022), e.g. Oslo for Akershus, Bergen
    for Vestland. The country: None.
    """
    area_kind = kind(code)
    if area_kind == "national":
        return None
    df = _attributes()
    if area_kind == "municipality":
        return str(df.loc[str(code), "regional_centre"])
    rows = df.loc[members(code)]
    served = rows.groupby("regional_centre")["population_2022"].sum()
    return str(served.sort_values(ascending=False, kind="stable").index[0])


def _distance(code: str, candidates: Sequence[str]) -> pd.Series:
    df = _attributes()
    log_pop = np.log(df["population_2022"].astype(float))
    index = df["centrality_index"].astype(float)
    d = ((log_pop[list(candidates)] - log_pop[code]).abs() / log_pop.std()
         + (index[list(candidates)] - index[code]).abs() / index.std())
    return d.round(12)  # stable ranking across platforms


def _nearest(code: str, candidates: Sequence[str], n: int) -> list[str]:
    if not candidates or n <= 0:
        return []
    d = _distance(code, candidates)
    ranked = sorted(d.index, key=lambda c: (d[c], c))
    return ranked[:n]


def default_comparison(code: str, n: int = 5) -> list[str]:
    """Default comparison areas of an area, by the rule in the module docstring.

    Args:
        code: a 2024 municipality or county code, or ``"0"``.
        n: how many municipalities a municipality is compared with (counties are always compared
            with all the other counties).

    Returns:
        Area codes, nearest first for a municipality, by code for a county; empty for the country.
    """
    area_kind = kind(code)
    if area_kind == "national":
        return []
    if area_kind == "county":
        return [c for c in sorted(geography.county_names()) if c != str(code)]
    code = str(code)
    county = geography.county_of(code)
    same = [c for c in geography.municipalities_in_county(county) if c != code]
    picks = _nearest(code, same, n)
    rest = [c for c in sorted(geography.municipality_names()) if c[:2] != county]
    return picks + _nearest(code, rest, n - len(picks))


@dataclass(frozen=True)
class AreaInfo:
    """What an area profile says about its area before any statistics (all from data)."""

    code: str
    kind: str
    name: str
    county: str | None
    population_2022: int
    centrality_class: int
    labour_market_region: str | None
    labour_market_region_name: str | None
    regional_centre: str | None
    comparison: tuple[str, ...]


def info(code: str, n: int = 5) -> AreaInfo:
    """The :class:`AreaInfo` of an area (name, county, size, centrality, BA region, centre and
    default comparison areas)."""
    code = str(code)
    area_kind = kind(code)
    ba = labour_market_region(code) if area_kind == "municipality" else None
    ba_name = str(_attributes().loc[code, "ba_region_name"]) if ba else None
    county = code if area_kind == "county" else (
        geography.county_of(code) if area_kind == "municipality" else None)
    return AreaInfo(code, area_kind, geography.region_name(code), county, population_2022(code),
                    centrality_class(code), ba, ba_name, regional_centre(code),
                    tuple(default_comparison(code, n)))


# --------------------------------------------------------------------------------------------
# Naming and selecting areas (for area reports: reports/areas/<code>-<slug>/)
# --------------------------------------------------------------------------------------------

_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "á": "a", "č": "c", "đ": "d", "ŋ": "n",
                        "š": "s", "ŧ": "t", "ž": "z", "ä": "a", "ö": "o", "ü": "u"})


def slug(code: str) -> str:
    """``<code>-<name>`` in lower-case ASCII for folder names, e.g. ``4005-notodden``,
    ``0301-oslo-oslove``, ``0-hele-landet``."""
    name = geography.region_name(str(code)).lower().translate(_ASCII)
    words = "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in name).split()
    return "-".join([str(code), *words])


def select(spec: str) -> list[str]:
    """Area codes named by a selection such as ``"4005,4204"``, ``"county:33"`` or ``"all"``.

    Items are separated by commas: a 2024 municipality or county code, or ``"0"``;
    ``county:NN`` for every municipality of county NN; ``counties`` for the 15 counties;
    ``all`` for every municipality of the 2024 structure. The result keeps the order given,
    without repeats.

    Raises:
        geography.GeographyError: for an item that is none of these (the message names it).
    """
    out: list[str] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        if item == "all":
            codes = sorted(geography.municipality_names())
        elif item == "counties":
            codes = sorted(geography.county_names())
        elif item.startswith("county:"):
            county = item.split(":", 1)[1].strip()
            if kind(county) != "county":
                raise geography.GeographyError(f"{item!r}: {county!r} is not a 2024 county")
            codes = members(county)
        else:
            kind(item)  # raises with the valid forms for an unknown code
            codes = [item]
        out.extend(c for c in codes if c not in out)
    return out
