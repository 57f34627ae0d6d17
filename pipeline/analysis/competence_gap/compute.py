"""``compute()``: the competence-gap analysis of one area as a frozen dataclass of tidy frames.

Reads the processed datasets through :func:`pipeline.datasets.load`, sums areas with
:func:`pipeline.areas.sum_counts` and calls the statistics in :mod:`.demand` and
:mod:`.statistics`. No text, no figures: :mod:`.sections` turns a :class:`GapResult` into a
report. Usable from a plain Python session::

    from pipeline.analysis import competence_gap
    result = competence_gap.compute("3303", program="vekst-i-kongsberg")
    result.gap.tail()
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import areas, disclosure, geography
from pipeline.analysis.competence_gap import demand as dm
from pipeline.analysis.competence_gap import skills as sk
from pipeline.analysis.competence_gap import statistics as st
from pipeline.analysis.fields import frame, mapping

DATASETS = ("population_projection", "employment_rate", "employment_by_industry", "education")
# Read when present (skills by field of study and by occupation); a missing one blocks
# nothing (see _fields and _occupations).
OPTIONAL_DATASETS = ("education_by_field", "employment_by_occupation")
DEFAULT_HORIZON = 2040
ALTERNATIVES = {"baseline": "MMMM", "low": "LLML", "high": "HHMH"}
# Used when a programme has no scenario called ``everything_right``: the levers of
# Buskerudplanen's «alt går riktig» together with SSB's high population alternative.
DEFAULT_EVERYTHING_RIGHT = {"employment_rate_pp": {"20-24": 3.0, "25-29": 2.0, "60-64": 3.0,
                                                   "65-69": 3.0},
                            "net_in_migration_per_year": 0, "alternative": "HHMH"}


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class GapResult:
    """The competence gap of one area. Frames are tidy; counts are persons or jobs.

    Attributes:
        area: the 2024 area code; ``label`` its name.
        horizon: last projected year; ``base_year`` the last observed year used.
        problems: what could not be computed (``jobs:<years>``, a dataset name, or
            ``population_projection_years``); empty when the result is complete.
        model: the demand model (``drift``: random walk with drift per industry).
        jobs: observed jobs by place of work: year, industry, value.
        gap: baseline per year: year, demand, demand_low, demand_high, supply, supply_low,
            supply_high, demand_growth, replacement, new_entrants, migration_deaths, levers,
            gap, gap_low, gap_high (95 % intervals; see :func:`statistics.gap_frame`).
        demand_bands: year, low80, high80, low95, high95 of projected jobs (fan chart).
        scenarios: one row per scenario at the horizon: key, label, alternative, gap, gap_low,
            gap_high, vs_baseline.
        scenario_paths: every scenario's gap frame with a ``key`` column.
        industries: industry, change, low, high (jobs, base year to horizon, 95 %).
        backtest: origin, horizon, year, model, actual, forecast, low, high, covered.
        coverage: horizon, n, covered, coverage (%) of the backtest.
        backtest_horizon: longest horizon tested; ``backtest_coverage`` the share (%) of all
            backtest outcomes inside their 95 % interval; ``reported_horizon`` the years ahead
            of the published forecast.
        commuting: year, jobs, residents, net_in_commuting, ratio.
        age_structure: age_low, year, value (SSB main alternative, base year and horizon).
        rate_history: year, rate (age-standardised employment rate, fraction).
        education: area, year, level, persons, share.
        higher_education: area, year, numerator, denominator, value (percent).
        education_trend: slope, low, high, p of the area's higher-education share (pp/year).
        education_p_national: p-value of the latest difference to the country (nan if none).
        references: the programme's external figures (label, value, year, source).
        fields: persons 16+ by broad field of study (08921) for the area, its county and the
            country: region, year, field (NUS2000 fagfelt digit), persons, share (percent of
            all persons 16+; see :func:`skills.field_shares`). Empty when SSB has no table.
        field_comparison: the area's latest year by field beside its county and the country:
            field, year, persons, share, share_county, share_national, diff_national (pp),
            p_national (see :func:`skills.compare_fields`).
        occupations: employed residents by STYRK-08 group (12542) for the area, its county and
            the country: region, year, occupation, level (major, sub, sum), employed, share
            (percent of all employed residents), suppressed (see
            :func:`skills.occupation_shares`). Empty when SSB has no table.
        occupation_comparison: the area's latest year by occupation beside its county and the
            country (see :func:`skills.compare_occupations`).
    """

    area: str
    label: str
    horizon: int
    base_year: int = -1
    problems: tuple[str, ...] = ()
    model: str = ""
    jobs: pd.DataFrame = frame("year", "industry", "value")
    gap: pd.DataFrame = frame()
    demand_bands: pd.DataFrame = frame()
    scenarios: pd.DataFrame = frame()
    scenario_paths: pd.DataFrame = frame()
    industries: pd.DataFrame = frame("industry", "change", "low", "high")
    backtest: pd.DataFrame = frame("origin", "horizon", "year", "model", "actual", "forecast",
                                   "low", "high", "covered")
    coverage: pd.DataFrame = frame("horizon", "n", "covered", "coverage")
    backtest_horizon: int = 0
    backtest_coverage: float = math.nan
    reported_horizon: int = 0
    commuting: pd.DataFrame = frame()
    age_structure: pd.DataFrame = frame()
    rate_history: pd.DataFrame = frame()
    education: pd.DataFrame = frame()
    higher_education: pd.DataFrame = frame()
    education_trend: Mapping[str, float] = mapping()
    education_p_national: float = math.nan
    references: tuple = ()
    fields: pd.DataFrame = frame(*sk.FIELD_COLUMNS)
    field_comparison: pd.DataFrame = frame(*sk.COMPARISON_COLUMNS)
    occupations: pd.DataFrame = frame(*sk.OCCUPATION_COLUMNS)
    occupation_comparison: pd.DataFrame = frame(*sk.OCCUPATION_COMPARISON_COLUMNS)

    @property
    def sources(self) -> tuple[str, ...]:
        """The datasets this result was computed from (for the report's source note)."""
        used = {"education_by_field": len(self.fields),
                "employment_by_occupation": len(self.occupations)}
        return DATASETS + tuple(d for d in OPTIONAL_DATASETS if used[d])

    @property
    def ok(self) -> bool:
        """True when the gap could be computed."""
        return not self.problems and not self.gap.empty


def _load(dataset: str, source: str) -> pd.DataFrame:
    from pipeline import datasets

    return datasets.load(dataset, source)


def _program(program):
    if program is None or program == "":
        return None
    if isinstance(program, str):
        from pipeline.programs import load_program

        return load_program(program)
    return program


def _jobs(area: str, source: str) -> pd.DataFrame:
    """Wide jobs (year × industry); industries with a missing year are left out."""
    summed = areas.sum_counts(_load("employment_by_industry", source), area,
                              by=["industry", "year"])
    if summed.empty:
        return pd.DataFrame()
    wide = summed.pivot_table(index="year", columns="industry", values="value",
                              aggfunc="sum", dropna=False).sort_index()
    wide = wide.dropna(how="all")
    wide = wide.loc[:, wide.notna().all() & (wide.fillna(0) > 0).any()]
    wide.index = wide.index.astype(int)
    return wide


def _scenario_specs(scenarios: Mapping[str, object]) -> list[tuple[str, str, dict]]:
    specs = [("baseline", "", {"alternative": "MMMM"})]
    for key, sc in scenarios.items():
        specs.append((key, sc.label, {"alternative": "MMMM", "job_shocks": sc.job_shocks,
                                      "employment_rate_pp": dict(sc.employment_rate_pp),
                                      "net_in_migration_per_year": sc.net_in_migration_per_year}))
    if "everything_right" not in scenarios:
        specs.append(("everything_right", "", dict(DEFAULT_EVERYTHING_RIGHT)))
    specs += [("low", "", {"alternative": "LLML"}), ("high", "", {"alternative": "HHMH"})]
    return specs


def _education(area: str, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Education shares and the higher-education share for the area, its county, Norway."""
    edu = _load("education", source)
    rows = edu[(edu["measure"] == "Personer") & (edu["sex"] == "0")]
    compared = [area]
    if areas.kind(area) == "municipality":
        compared.append(geography.county_of(area))
    if area != areas.NATIONAL:
        compared.append(areas.NATIONAL)
    shares, higher = [], []
    for code in compared:
        counts = areas.sum_counts(rows, code, by=["year", "level"])
        if counts.empty or counts["value"].isna().all():
            continue
        s = st.education_shares(counts)
        shares.append(s.assign(area=code))
        higher.append(st.higher_education_share(s).assign(area=code))
    edu_cols = ["area", "year", "level", "persons", "share"]
    high_cols = ["area", "year", "numerator", "denominator", "value"]
    return (pd.concat(shares, ignore_index=True)[edu_cols] if shares else _empty(edu_cols),
            pd.concat(higher, ignore_index=True)[high_cols] if higher else _empty(high_cols))


def _shares_by_area(rows: pd.DataFrame, area: str, by: str, shares) -> list[pd.DataFrame]:
    """``shares(counts)`` for the area and each area it is compared with (own rows or the sum
    of members, :func:`pipeline.areas.sum_counts`), tagged with ``region``; areas without any
    value are left out."""
    parts = []
    for code in areas.compared(area):
        counts = areas.sum_counts(rows, code, by=["year", by])
        if len(counts) and counts["value"].notna().any():
            parts.append(shares(counts).assign(region=code))
    return parts


def _fields(area: str, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons 16+ by field of study for the area, its county and Norway, and the comparison.

    A missing dataset (SSB has not published the table, or it was not fetched) gives empty
    frames: the rest of the analysis does not depend on it.
    """
    from pipeline import datasets

    try:
        rows = _load("education_by_field", source)
    except datasets.DataError:
        return _empty(sk.FIELD_COLUMNS), _empty(sk.COMPARISON_COLUMNS)
    parts = _shares_by_area(rows[rows["measure"] == "Personer"], area, "field",
                            sk.field_shares)
    if not parts:
        return _empty(sk.FIELD_COLUMNS), _empty(sk.COMPARISON_COLUMNS)
    fields = pd.concat(parts, ignore_index=True)[sk.FIELD_COLUMNS]
    county = geography.county_of(area) if areas.kind(area) == "municipality" else None
    return fields, sk.compare_fields(fields, area, county, areas.NATIONAL)


def _occupations(area: str, source: str, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employed residents by occupation for the area, its county and Norway, and the comparison.

    Optional like :func:`_fields`: a missing dataset gives empty frames.
    """
    from pipeline import datasets
    from pipeline.sources.tables import OCCUPATIONS, TECH_OCCUPATIONS

    try:
        rows = _load("employment_by_occupation", source)
    except datasets.DataError:
        return _empty(sk.OCCUPATION_COLUMNS), _empty(sk.OCCUPATION_COMPARISON_COLUMNS)
    parts = _shares_by_area(
        rows[rows["measure"] == "Sysselsatte"], area, "occupation",
        lambda counts: sk.occupation_shares(counts, list(OCCUPATIONS), list(TECH_OCCUPATIONS),
                                            threshold=threshold))
    if not parts or not (parts[0]["region"] == area).any():
        return _empty(sk.OCCUPATION_COLUMNS), _empty(sk.OCCUPATION_COMPARISON_COLUMNS)
    shares = pd.concat(parts, ignore_index=True)[sk.OCCUPATION_COLUMNS]
    county = geography.county_of(area) if areas.kind(area) == "municipality" else None
    return shares, sk.compare_occupations(shares, area, county, areas.NATIONAL)


def _education_tests(area: str, higher: pd.DataFrame) -> tuple[dict[str, float], float]:
    own = higher[higher["area"] == area]
    if own.empty:
        return {}, math.nan
    trend = st.share_trend(own)
    nat = higher[(higher["area"] == areas.NATIONAL) & (higher["year"] == own["year"].max())]
    p = st.share_difference_p(own.iloc[-1], nat.iloc[0]) if len(nat) and area != "0" else math.nan
    return trend, p


def _inputs(area: str, source: str, horizon: int) -> tuple[dict, list[str]]:
    """Load and sum everything the gap needs; list what is missing instead of raising."""
    jobs = _jobs(area, source)
    counts = areas.sum_counts(st.employment_counts(_load("employment_rate", source)), area,
                              by=["year", "sex", "age_group"],
                              value_columns=["employed", "population"]).dropna()
    projection = areas.sum_counts(_load("population_projection", source), area,
                                  by=["alternative", "year", "sex", "age"]).dropna()
    problems = []
    if len(jobs) < dm.MIN_YEARS:
        problems.append(f"jobs:{len(jobs)}")
    if counts.empty:
        problems.append("employment_rate")
    if projection.empty:
        problems.append("population_projection")
    if problems:
        return {}, problems
    base_year = int(min(jobs.index.max(), counts["year"].max()))
    if not set(range(base_year, horizon + 1)) <= set(projection["year"].astype(int)):
        return {}, ["population_projection_years"]
    projection = projection.astype({"year": int, "age": int})
    return {"jobs": jobs.loc[:base_year], "counts": counts.astype({"year": int}),
            "projection": projection, "base_year": base_year}, []


def _demand(jobs: pd.DataFrame, steps: int, repetitions: int, seed: int):
    model = dm.MODEL
    fits = [dm.fit_series(jobs[c].to_numpy(), model) for c in jobs.columns]
    draws = dm.simulate_demand(fits, steps, repetitions, seed)
    base = jobs.iloc[-1].to_numpy()
    change = draws[:, -1, :] - base[None, :]
    low, high = dm.interval(change)
    industries = pd.DataFrame({"industry": list(jobs.columns), "change": change.mean(axis=0),
                               "low": low, "high": high}).sort_values("change", kind="stable")
    total = draws.sum(axis=2)
    years = np.arange(int(jobs.index[-1]) + 1, int(jobs.index[-1]) + 1 + steps)
    lo80, hi80 = dm.interval(total, 0.80)
    lo95, hi95 = dm.interval(total, 0.95)
    bands = pd.DataFrame({"year": years, "mean": total.mean(axis=0), "low80": lo80,
                          "high80": hi80, "low95": lo95, "high95": hi95})
    return model, total, industries.reset_index(drop=True), bands


def _gaps(inputs: dict, total: np.ndarray, multipliers: np.ndarray, horizon: int,
          scenarios: Mapping[str, object]) -> tuple[pd.DataFrame, pd.DataFrame]:
    base_year, projection = inputs["base_year"], inputs["projection"]
    rates = st.group_rates(inputs["counts"], base_year)
    years = list(range(base_year, horizon + 1))
    demand_base = float(inputs["jobs"].iloc[-1].sum())
    paths, rows = [], []
    for key, label, spec in _scenario_specs(scenarios):
        proj = projection[(projection["alternative"] == spec["alternative"])
                          & projection["year"].isin(years)]
        if proj.empty:
            continue
        parts = st.supply_decomposition(proj, rates, base_year, spec.get("employment_rate_pp"),
                                        spec.get("net_in_migration_per_year", 0))
        extra = st.job_shock_path(spec.get("job_shocks", []), years)
        gaps = st.gap_frame(total, demand_base, parts, multipliers, extra)
        paths.append(gaps.assign(key=key))
        last = gaps.iloc[-1]
        rows.append({"key": key, "label": label, "alternative": spec["alternative"],
                     "gap": last["gap"], "gap_low": last["gap_low"],
                     "gap_high": last["gap_high"]})
    scen = pd.DataFrame(rows)
    scen["vs_baseline"] = scen["gap"] - float(scen.loc[scen["key"] == "baseline", "gap"].iloc[0])
    return pd.concat(paths, ignore_index=True), scen


def _commuting(jobs: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    residents = counts.groupby("year")["employed"].sum()
    both = pd.DataFrame({"jobs": jobs.sum(axis=1), "residents": residents}).dropna()
    both["net_in_commuting"] = both["jobs"] - both["residents"]
    both["ratio"] = both["jobs"] / both["residents"]
    return both.rename_axis("year").reset_index()


def _age_structure(projection: pd.DataFrame, base_year: int, horizon: int) -> pd.DataFrame:
    proj = projection[(projection["alternative"] == "MMMM")
                      & projection["year"].isin([base_year, horizon])]
    groups = (proj["age"].clip(upper=90) // 5 * 5).astype(int)
    return (proj.assign(age_low=groups).groupby(["age_low", "year"], as_index=False)["value"]
            .sum())


def compute(area: str, *, program=None, source: str = "demo", horizon: int | None = None,
            repetitions: int = dm.N_SIMULATIONS, seed: int = 2024,
            backtest_repetitions: int = 500) -> GapResult:
    """The competence gap of ``area`` to the horizon, with its backtest and education profile.

    Args:
        area: a 2024 municipality or county code, or ``"0"`` for the country.
        program: a programme id or :class:`pipeline.programs.Program`; adds its horizon and,
            when ``area`` is the programme's own region, its scenarios and references.
        source: ``demo`` or ``ssb``.
        horizon: last projected year (default the programme's, else 2040).
        repetitions: simulated paths for the published intervals.
        seed: random seed (results are deterministic).
        backtest_repetitions: simulated paths per backtest origin.

    Returns:
        A :class:`GapResult`; when data are missing or too short, ``problems`` says what and
        the forecast frames are empty (education is still filled when available).
    """
    area = str(area)
    areas.kind(area)  # raises for a code that is not a 2024 area
    prog = _program(program)
    horizon = int(horizon or (prog.horizon if prog else DEFAULT_HORIZON))
    own = prog is not None and list(prog.region_codes) == [area]
    education, higher = _education(area, source)
    trend, p_nat = _education_tests(area, higher)
    fields, field_comparison = _fields(area, source)
    threshold = prog.disclosure_threshold if prog is not None else disclosure.DEFAULT_THRESHOLD
    occupations, occupation_comparison = _occupations(area, source, threshold)
    common = {"area": area, "label": geography.region_name(area), "horizon": horizon,
              "education": education, "higher_education": higher, "education_trend": trend,
              "education_p_national": p_nat,
              "references": tuple(prog.references) if own else (),
              "fields": fields, "field_comparison": field_comparison,
              "occupations": occupations, "occupation_comparison": occupation_comparison}
    inputs, problems = _inputs(area, source, horizon)
    if problems:
        return GapResult(problems=tuple(problems), **common)
    base_year, jobs = inputs["base_year"], inputs["jobs"]
    steps = horizon - base_year
    model, total, industries, bands = _demand(jobs, steps, repetitions, seed)
    rate = st.standardised_rate(inputs["counts"], base_year)
    multipliers = st.rate_multipliers(rate, steps, repetitions, seed + 1)
    paths, scen = _gaps(inputs, total, multipliers, horizon, prog.scenarios if own else {})
    bt = dm.backtest(jobs, max_horizon=steps, repetitions=backtest_repetitions, seed=seed)
    long = jobs.reset_index().melt(id_vars="year", var_name="industry", value_name="value")
    return GapResult(
        base_year=base_year, model=model, jobs=long,
        gap=paths[paths["key"] == "baseline"].drop(columns="key").reset_index(drop=True),
        demand_bands=bands, scenarios=scen, scenario_paths=paths, industries=industries,
        backtest=bt, coverage=dm.coverage_by_horizon(bt),
        backtest_horizon=int(bt["horizon"].max()) if len(bt) else 0,
        backtest_coverage=float(bt["covered"].mean() * 100) if len(bt) else math.nan,
        reported_horizon=steps, commuting=_commuting(jobs, inputs["counts"]),
        age_structure=_age_structure(inputs["projection"], base_year, horizon),
        rate_history=rate.rename("rate").rename_axis("year").reset_index(), **common)
