"""``compute()``: the youth analysis as tidy frames, and the indicator panels for effect tracking.

Data (all via :func:`pipeline.datasets.load`, tables in :mod:`pipeline.sources.tables`):
``neet`` (13556, NEET persons 15–29 and share by municipality and sex), ``neet_county`` (13563),
``completion`` (12960) and ``completion_background`` (14883, county only: the finest level SSB
publishes; ``year`` is the cohort's *starting* year, measured five years later),
``population`` (07459) and ``population_projection`` (14288).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import areas, datasets, geography
from pipeline.analysis.effects import tracking
from pipeline.analysis.youth_dropout import statistics as st
from pipeline.analysis.youth_dropout import value

SEXES = {"1": "men", "2": "women"}


# ---------------------------------------------------------------------------------------------
# Indicator panels (id → function of the source) for effect tracking
# ---------------------------------------------------------------------------------------------


def _panel(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(year=frame["year"].astype(int))[
        ["region", "year", "value", "numerator", "denominator"]].reset_index(drop=True)


def neet_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``neet_share_15_29``: every region, both sexes (13556)."""
    frame = st.neet_frame(datasets.load("neet", source))
    return _panel(frame[frame["sex"] == "0"])


def _completion_panel(source: str | None, programme: str) -> pd.DataFrame:
    frame = st.completion_frame(datasets.load("completion", source))
    frame = frame[(frame["sex"] == "0") & (frame["programme"] == programme)]
    # ``year`` stays the cohort's starting year (the registry's cohort_lag says when measured).
    return _panel(frame.rename(columns={"completed": "numerator", "cohort": "denominator"}))


def completion_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_rate_5y`` (12960, all programmes; year = cohort start)."""
    return _completion_panel(source, "00")


def completion_vocational_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_rate_vocational_5y`` (12960; year = cohort start)."""
    return _completion_panel(source, "02")


def immigrant_gap_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_gap_immigrants`` (14883; pp with SE; year = cohort start)."""
    gap = st.immigrant_gap_frame(datasets.load("completion_background", source))
    return gap[["region", "year", "value", "se"]].reset_index(drop=True)


INDICATORS = {
    "neet_share_15_29": neet_panel,
    "completion_rate_5y": completion_panel,
    "completion_rate_vocational_5y": completion_vocational_panel,
    "completion_gap_immigrants": immigrant_gap_panel,
}


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YouthResult:
    """The youth analysis of one area.

    Attributes:
        area: the area code (municipality, county or ``"0"``); county: its county (or None).
        neet: NEET 15–29 by year for the area, its county and Norway: ``area`` (``region``,
            ``county``, ``national``), ``code``, ``year``, ``numerator`` (NEET persons),
            ``denominator`` (residents 15–29), ``value`` (share, %), ``ci_low``, ``ci_high``
            (95 % binomial GLM interval), ``n_missing`` (members without a published count).
        neet_sex: the area's NEET by sex: ``sex`` (``men``/``women``), ``year``, ``numerator``,
            ``denominator``, ``value``.
        neet_comparisons: the area against the rest of its county and the rest of Norway in the
            latest year: ``other`` (``county``/``national``), ``other_code``, ``year``, ``share``,
            ``other_share``, ``gap`` (pp), ``ci_low``, ``ci_high``, ``p_value``, ``dispersion``,
            ``verdict`` (``higher``/``lower``/``no_clear_difference``).
        neet_trend: one row: ``first``, ``last``, ``slope_pp`` (pp a year), ``ci_low``,
            ``ci_high``, ``p_value``, ``dispersion``, ``verdict`` (``up``/``down``/``flat``).
        neet_sex_gap: one row for the latest year with both sexes: ``year``, ``men``, ``women``,
            ``gap`` (women − men), ``ci_low``, ``ci_high``, ``p_value``, ``verdict``.
        neet_county: 13563 by age group for the county and Norway, latest year: ``code``,
            ``age_group``, ``year``, ``numerator``, ``denominator``, ``value``, ``ci_low``,
            ``ci_high``.
        completion: county and Norway by cohort: ``region``, ``sex``, ``programme``, ``year``
            (cohort start), ``measured_year``, ``completed``, ``cohort``, ``value``.
        completion_groups: the county's latest cohort by group: ``group``, ``year``,
            ``completed``, ``cohort``, ``value``, ``ci_low``, ``ci_high``, ``national``,
            ``verdict`` (against the rest of Norway, overdispersion-scaled).
        completion_gaps: group gaps in the latest cohort: ``key``, ``group``, ``reference``,
            ``year``, ``rate``, ``rate_ref``, ``gap``, ``ci_low``, ``ci_high``, ``p_value``,
            ``verdict``.
        cohorts: residents 16–19: ``year``, ``observed``, ``main``, ``low``, ``high``.
        horizon: last projected year.
        effects: effect-tracking assessments of the programme's youth indicators (empty
            without a programme).
        sources: datasets used (for the source note).
        worth: the NEET effect (or one percentage point) in persons and kroner, with the
            programme's unit values (see :func:`value.effect_worth`); empty without them.
        county_income: for a county programme with ``county_income_16_18``: ``kroner`` (the
            16–18 shortfall against the country's trend, in kroner, by year), ``fit`` (the
            programme's schedule beside our refit), ``per_person`` and ``base_year`` (see
            :func:`value.county_income`).
        unit_values: the programme's unit values (key -> UnitValue), for their sources.
    """

    area: str
    county: str | None
    neet: pd.DataFrame
    neet_sex: pd.DataFrame
    neet_comparisons: pd.DataFrame
    neet_trend: pd.DataFrame
    neet_sex_gap: pd.DataFrame
    neet_county: pd.DataFrame
    completion: pd.DataFrame
    completion_groups: pd.DataFrame
    completion_gaps: pd.DataFrame
    cohorts: pd.DataFrame
    horizon: int
    effects: tuple[tracking.Assessment, ...] = ()
    sources: tuple[str, ...] = field(default=("neet", "neet_county", "completion",
                                              "completion_background", "population",
                                              "population_projection"))
    worth: pd.DataFrame = field(default_factory=pd.DataFrame)
    county_income: dict = field(default_factory=dict)
    unit_values: dict = field(default_factory=dict)


def _county_of(area: str) -> str | None:
    kind = areas.kind(area)
    if kind == "national":
        return None
    return area if kind == "county" else geography.county_of(area)


def _with_ci(frame: pd.DataFrame) -> pd.DataFrame:
    cis = [st.proportion_ci(n, d) if pd.notna(n) and pd.notna(d) and d > 0 else (np.nan,) * 3
           for n, d in zip(frame["numerator"], frame["denominator"], strict=True)]
    return frame.assign(value=100 * frame["numerator"] / frame["denominator"],
                        ci_low=[c[1] for c in cis], ci_high=[c[2] for c in cis])


def neet_by_area(frame: pd.DataFrame, area: str, county: str | None) -> pd.DataFrame:
    """NEET (both sexes) for the area, its county (when different) and Norway (see YouthResult)."""
    both = frame[frame["sex"] == "0"]
    parts = []
    for name, code in (("region", area), ("county", county), ("national", areas.NATIONAL)):
        if code is None or (name != "region" and code == area):
            continue
        counts = areas.sum_counts(both, code, by=["year"],
                                  value_columns=["numerator", "denominator"])
        parts.append(counts.assign(area=name, code=code))
    out = _with_ci(pd.concat(parts, ignore_index=True))
    return out[["area", "code", "year", "numerator", "denominator", "value", "ci_low",
                "ci_high", "n_missing"]].astype({"year": int})


def neet_sex(frame: pd.DataFrame, area: str) -> pd.DataFrame:
    """The area's NEET counts by sex and year."""
    parts = [areas.sum_counts(frame[frame["sex"] == code], area, by=["year"],
                              value_columns=["numerator", "denominator"]).assign(sex=name)
             for code, name in SEXES.items()]
    out = pd.concat(parts, ignore_index=True)
    out["value"] = 100 * out["numerator"] / out["denominator"]
    return out[["sex", "year", "numerator", "denominator", "value"]].astype({"year": int})


def _gap_row(ref: pd.DataFrame, grp: pd.DataFrame, year: int) -> dict:
    """Gap group − reference in ``year``, overdispersion from the two groups' series."""
    r, g = ref.set_index("year").loc[year], grp.set_index("year").loc[year]
    gap = st.group_gap((r["numerator"], g["numerator"]), (r["denominator"], g["denominator"]),
                       dispersion=st.gap_dispersion(ref, grp))
    return {"year": year, **gap}


def neet_comparisons(neet: pd.DataFrame) -> pd.DataFrame:
    """The region against the rest of its county and of Norway in the latest common year."""
    own = neet[neet["area"] == "region"].dropna(subset=["numerator", "denominator"])
    rows = []
    for other in ("county", "national"):
        whole = neet[neet["area"] == other].dropna(subset=["numerator", "denominator"])
        both = own.merge(whole, on="year", suffixes=("", "_w"))
        if both.empty:
            continue
        rest = pd.DataFrame({"year": both["year"],
                             "numerator": both["numerator_w"] - both["numerator"],
                             "denominator": both["denominator_w"] - both["denominator"]})
        rest = rest[rest["denominator"] > 0]
        if rest.empty:
            continue
        row = _gap_row(rest, own[["year", "numerator", "denominator"]], int(rest["year"].max()))
        rows.append({"other": other, "other_code": str(whole["code"].iloc[0]),
                     "share": row["rate"], "other_share": row["rate_ref"], **row})
    cols = ["other", "other_code", "year", "share", "other_share", "gap", "ci_low", "ci_high",
            "p_value", "dispersion", "verdict"]
    return pd.DataFrame(rows, columns=cols)[cols]


def neet_trend(neet: pd.DataFrame) -> pd.DataFrame:
    """Quasi-binomial trend of the region's NEET share (one row, or none)."""
    own = neet[neet["area"] == "region"].dropna(subset=["numerator", "denominator"])
    try:
        return pd.DataFrame([st.binomial_trend(own)])
    except st.NotEstimable:
        return pd.DataFrame(columns=["slope_pp", "ci_low", "ci_high", "p_value", "dispersion",
                                     "first", "last", "verdict"])


def neet_sex_gap(by_sex: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Women versus men in the latest year with both counts at or above ``threshold``."""
    men = by_sex[by_sex["sex"] == "men"].dropna(subset=["numerator"])
    women = by_sex[by_sex["sex"] == "women"].dropna(subset=["numerator"])
    both = men.merge(women, on="year", suffixes=("_m", "_w"))
    both = both[(both["numerator_m"] >= threshold) & (both["numerator_w"] >= threshold)]
    cols = ["year", "men", "women", "gap", "ci_low", "ci_high", "p_value", "verdict"]
    if both.empty:
        return pd.DataFrame(columns=cols)
    row = _gap_row(men[["year", "numerator", "denominator"]],
                   women[["year", "numerator", "denominator"]], int(both["year"].max()))
    return pd.DataFrame([{**row, "men": row["rate_ref"], "women": row["rate"]}])[cols]


def neet_county(raw: pd.DataFrame, county: str | None) -> pd.DataFrame:
    """13563 by age group for the county and Norway in the latest year (see YouthResult)."""
    persons = raw[raw["measure"] == "Bosatte"]
    wide = persons.pivot_table(index=["region", "age_group", "year"], columns="labour_status",
                               values="value", aggfunc="first").reset_index()
    year = int(wide["year"].max())
    codes = [c for c in (county, areas.NATIONAL) if c]
    sel = wide[wide["region"].isin(codes) & (wide["year"] == year)]
    out = pd.DataFrame({"code": sel["region"].astype(str), "age_group": sel["age_group"],
                        "year": year, "numerator": sel["NEET2"], "denominator": sel["TOT3"]})
    out["order"] = out["code"].map({c: i for i, c in enumerate(codes)})
    return _with_ci(out.sort_values(["order", "age_group"]).drop(columns="order")
                    .reset_index(drop=True))


COMPLETION_GROUPS = (("all", {"sex": "0", "programme": "00"}),
                     ("general", {"sex": "0", "programme": "01"}),
                     ("vocational", {"sex": "0", "programme": "02"}),
                     ("men", {"sex": "1", "programme": "00"}),
                     ("women", {"sex": "2", "programme": "00"}))


def _select(frame: pd.DataFrame, sel: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for col, val in sel.items():
        mask &= frame[col] == val
    return frame[mask]


def _series(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    own = frame[frame["region"] == code]
    return pd.DataFrame({"year": own["year"], "numerator": own["completed"],
                         "denominator": own["cohort"]})


def completion_groups(completion: pd.DataFrame, background: pd.DataFrame,
                      county: str) -> pd.DataFrame:
    """The county's latest cohort by group, tested against the rest of Norway."""
    groups = [(g, completion, s) for g, s in COMPLETION_GROUPS]
    groups += [(f"background_{g}", background, {"background": g}) for g in ("B", "C", "E")]
    rows = []
    for name, frame, sel in groups:
        part = _select(frame, sel)
        own, nat = _series(part, county), _series(part, areas.NATIONAL)
        if own.dropna().empty:
            continue
        year = int(own.dropna()["year"].max())
        o = own.set_index("year").loc[year]
        share, low, high = st.proportion_ci(o["numerator"], o["denominator"])
        verdict, national = "", np.nan
        if county != areas.NATIONAL and year in set(nat["year"]):  # Norway has no "rest"
            rest = nat.merge(own, on="year", suffixes=("", "_o"))
            rest = pd.DataFrame({"year": rest["year"],
                                 "numerator": rest["numerator"] - rest["numerator_o"],
                                 "denominator": rest["denominator"] - rest["denominator_o"]})
            national = float(100 * nat.set_index("year").loc[year, "numerator"]
                             / nat.set_index("year").loc[year, "denominator"])
            verdict = _gap_row(rest, own, year)["verdict"]
        rows.append({"group": name, "year": year, "completed": o["numerator"],
                     "cohort": o["denominator"], "value": share, "ci_low": low, "ci_high": high,
                     "national": national, "verdict": verdict})
    return pd.DataFrame(rows)


def completion_gaps(completion: pd.DataFrame, background: pd.DataFrame,
                    county: str) -> pd.DataFrame:
    """Vocational vs general, boys vs girls and immigrants vs the rest, latest cohort."""
    pairs = [("completion_vocational_gap", "vocational", "general", completion,
              {"sex": "0", "programme": "02"}, {"sex": "0", "programme": "01"}),
             ("completion_sex_gap", "men", "women", completion,
              {"sex": "1", "programme": "00"}, {"sex": "2", "programme": "00"}),
             ("completion_immigrant_gap", "background_B", "background_E", background,
              {"background": "B"}, {"background": "E"})]
    rows = []
    for key, group, reference, frame, sel_g, sel_r in pairs:
        grp, ref = _series(_select(frame, sel_g), county), _series(_select(frame, sel_r), county)
        common = sorted(set(grp.dropna()["year"]) & set(ref.dropna()["year"]))
        if not common:
            continue
        row = _gap_row(ref.dropna(), grp.dropna(), int(common[-1]))
        rows.append({"key": key, "group": group, "reference": reference, **row})
    cols = ["key", "group", "reference", "year", "rate", "rate_ref", "gap", "ci_low", "ci_high",
            "p_value", "verdict"]
    return pd.DataFrame(rows, columns=cols)[cols]


def _optional(dataset: str, source: str) -> pd.DataFrame | None:
    try:
        return datasets.load(dataset, source)
    except datasets.DataError:
        return None


def compute(area: str, *, program: str | None = None, source: str = "demo",
            threshold: int | None = None, **options) -> YouthResult:
    """The youth analysis of ``area``: NEET, completion, the 16–19 cohort and effect tracking.

    Args:
        area: a 2024 municipality or county code, or ``"0"`` for Norway.
        program: programme id (``programs/<id>.yml``); adds its comparison areas, start year,
            horizon and youth indicators (effect tracking). None: an area profile only.
        source: ``demo`` or ``ssb``.
        threshold: disclosure threshold (default: the programme's, else 5).
        **options: ``horizon`` (default the programme's, else 2040) and ``method`` for effect
            estimation (``auto``, ``did``, ``synth``).

    Returns:
        YouthResult (frames documented there).

    Example:
        >>> from pipeline.analysis import youth_dropout
        >>> result = youth_dropout.compute("4204", program="flere-i-arbeid")
        >>> result.neet.tail()
    """
    from pipeline.programs import load_program

    area = str(area)
    county = _county_of(area)
    prog = load_program(program) if program else None
    threshold = threshold or (prog.disclosure_threshold if prog else 5)
    horizon = options.get("horizon") or (prog.horizon if prog else 2040)
    neet_rows = st.neet_frame(datasets.load("neet", source))
    neet = neet_by_area(neet_rows, area, county)
    by_sex = neet_sex(neet_rows, area)
    completion = st.completion_frame(datasets.load("completion", source))
    background = st.completion_frame(datasets.load("completion_background", source))
    ccode = county or areas.NATIONAL
    projection = _optional("population_projection", source)
    units = dict(prog.unit_values) if prog is not None else {}
    effects: tuple[tracking.Assessment, ...] = ()
    if prog is not None:
        effects = tracking.assess_program(INDICATORS, prog, [area], source, county=county,
                                          threshold=threshold,
                                          method=options.get("method", "auto"))
    return YouthResult(
        area=area, county=county, neet=neet, neet_sex=by_sex,
        neet_comparisons=neet_comparisons(neet), neet_trend=neet_trend(neet),
        neet_sex_gap=neet_sex_gap(by_sex, threshold),
        neet_county=neet_county(datasets.load("neet_county", source), county),
        completion=completion[completion["region"].isin([ccode, areas.NATIONAL])]
        .reset_index(drop=True),
        completion_groups=completion_groups(completion, background, ccode),
        completion_gaps=completion_gaps(completion, background, ccode),
        cohorts=st.cohort_frame(datasets.load("population", source), projection, area,
                                horizon=horizon),
        horizon=horizon, effects=effects, worth=value.effect_worth(effects, neet, units),
        county_income=value.county_income(datasets.load("population", source), projection,
                                          area, units, horizon),
        unit_values=units)
