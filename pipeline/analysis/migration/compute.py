"""``compute()``: the migration analysis of one area as a frozen dataclass of tidy frames.

Reads the processed datasets with :func:`pipeline.datasets.load`, sums areas with
:func:`pipeline.areas.sum_counts` and calls :mod:`.statistics` and :mod:`.attractiveness`.
No text: :mod:`.sections` writes the report. Example::

    from pipeline.analysis import migration
    result = migration.compute("5044", program="namsskogan-tilflytting")
    result.components.tail()
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import areas, geography
from pipeline.analysis.fields import frame, mapping
from pipeline.analysis.migration import attractiveness as at
from pipeline.analysis.migration import statistics as st

DATASETS = ("population_change", "population", "migration_flows", "immigrants",
            "employment_by_industry", "population_projection")
RATE_COLUMNS = ["births", "deaths", "natural_increase", "immigration", "emigration",
                "in_migration", "out_migration", "net_domestic", "net_migration", "growth"]
RECENT_YEARS = 10
FLOW_YEARS = 5
PRE_YEARS = 5
WINDOW = 3
N_SIMILAR = 6


@dataclass(frozen=True)
class MigrationResult:
    """Migration in one area. Counts are persons; rates per 1 000 mean inhabitants a year.

    Attributes:
        area, label: the 2024 area code and its name; ``start_year`` the programme's start.
        missing: datasets that are not built (their parts are empty).
        components: per year: population, the six flows, growth, natural_increase,
            net_domestic, net_international, net_migration, population_next, balance_gap,
            stock_gap, complete (see :func:`statistics.components`).
        pooling_years: years pooled so that no published component is a small count.
        check: n, ok, max_gap of the balancing check.
        rates: area (code), first, last and the average rates of :data:`RATE_COLUMNS` for the
            area, its county and the country (ratios of summed counts).
        domestic: rate, low, high (Poisson 95 %) of net domestic migration in the recent
            years and, against ``reference`` (county or country), reference_rate and z.
        cohort, age_profile: net migration by cohort; by sex and age group (average a year,
            ``age_first``–``age_last``).
        flows: partner, moves_in, moves_out, net, gross (``flows_first``–``flows_last``).
        within_county, internal: share, low, high (Wilson 95 %), moves.
        partner, partner_exchange: the municipality the area exchanges most people with (from
            the flows) and year, to_region, to_centre, net.
        immigrants: year, stock, stock_next, immigration, at_risk, net_outflow,
            net_outflow_rate, share (net figures: see :func:`statistics.net_outflow`).
        outflow_change: before, after, diff, low, high (percentage points) around the start.
        immigrant_shares: area, year, share. young: year, kept (20–39 a year later, %).
        retention: indicator, before, after (means before and from the programme start).
        attractiveness: see :func:`attractiveness.attractiveness`; ``attractiveness_model``
            term, coef, low, high of the latest window over ``attractiveness_n`` municipalities.
        projection: year, alternative (MMMM, LLML, HHMH), value: SSB's 14288 alternatives.
    """

    area: str
    label: str
    start_year: int | None = None
    missing: tuple[str, ...] = ()
    components: pd.DataFrame = frame()
    pooling_years: int = 1
    check: Mapping[str, float] = mapping()
    rates: pd.DataFrame = frame()
    domestic: Mapping[str, object] = mapping()
    cohort: pd.DataFrame = frame()
    age_profile: pd.DataFrame = frame()
    age_first: int = 0
    age_last: int = 0
    flows: pd.DataFrame = frame()
    flows_first: int = 0
    flows_last: int = 0
    within_county: Mapping[str, float] = mapping()
    internal: Mapping[str, float] = mapping()
    partner: str | None = None
    partner_exchange: pd.DataFrame = frame()
    immigrants: pd.DataFrame = frame()
    outflow_change: Mapping[str, float] = mapping()
    immigrant_shares: pd.DataFrame = frame("area", "year", "share")
    young: pd.DataFrame = frame("year", "kept")
    retention: pd.DataFrame = frame("indicator", "before", "after")
    attractiveness: pd.DataFrame = frame()
    attractiveness_model: pd.DataFrame = frame("term", "coef", "low", "high")
    attractiveness_n: int = 0
    projection: pd.DataFrame = frame()

    @property
    def population(self) -> float:
        """The latest population on 1 January (nan when unknown)."""
        pop = self.components["population"].dropna() if "population" in self.components else []
        return float(pop.iloc[-1]) if len(pop) else math.nan

    @property
    def small(self) -> bool:
        """Yearly figures are small (fewer than :data:`statistics.SMALL_POPULATION` people)."""
        return self.population < st.SMALL_POPULATION


def _load_all(source: str) -> tuple[dict[str, pd.DataFrame], list[str]]:
    from pipeline import datasets
    from pipeline.datasets import DataError

    frames, missing = {}, []
    for name in DATASETS:
        try:
            frames[name] = datasets.load(name, source)
        except (DataError, FileNotFoundError):
            frames[name] = pd.DataFrame(columns=["region", "year", "value"])
            missing.append(name)
    return frames, missing


def comparison_set(area: str, comparison: list[str], change: pd.DataFrame) -> list[str]:
    """Areas the region is ranked among (the region first).

    The programme's comparison municipalities when given; for a county the other counties;
    otherwise the :data:`N_SIMILAR` municipalities of its county closest in population.
    """
    if comparison:
        return [area, *[c for c in comparison if c != area]]
    if areas.kind(area) == "county":
        return [area, *[c for c in sorted(geography.county_names()) if c != area]]
    candidates = [c for c in geography.municipalities_in_county(geography.county_of(area))
                  if c != area]
    pop = change[(change["measure"] == "Folkemengde") & change["region"].isin([*candidates,
                                                                              area])]
    latest = pop[pop["year"] == pop["year"].max()].set_index("region")["value"]
    if latest.get(area, 0) > 0:
        distance = (np.log(latest[latest > 0]) - math.log(latest[area])).abs()
        candidates = list(distance.drop(area).sort_values(kind="stable").index[:N_SIMILAR])
    return [area, *candidates]


def _rates(change: pd.DataFrame, area: str, first: int, last: int) -> pd.DataFrame:
    rows = []
    for code in areas.compared(area):
        comp = st.components(change, code)
        comp = comp[comp["year"].between(first, last)].dropna(subset=["growth"])
        if len(comp):
            person_years = st.mean_population(comp).sum()
            rows.append({"area": code, "first": first, "last": last,
                         **{c: comp[c].sum() / person_years * 1000 for c in RATE_COLUMNS}})
    return pd.DataFrame(rows)


def _domestic(change: pd.DataFrame, area: str, sel: pd.DataFrame) -> dict[str, object]:
    """Net domestic rate with a Poisson interval, against the county (or the country)."""
    rate, low, high = st.rate_interval(sel["net_domestic"].sum(),
                                       (sel["in_migration"] + sel["out_migration"]).sum(),
                                       st.mean_population(sel).sum())
    out: dict[str, object] = {"rate": rate, "low": low, "high": high}
    # Net domestic migration of the whole country is zero by definition.
    reference = areas.compared(area)[1] if area != areas.NATIONAL else None
    if reference is None:
        return out
    ref = st.components(change, reference)
    ref = ref[ref["year"].between(sel["year"].min(), sel["year"].max())].dropna(
        subset=["growth"])
    if ref.empty:
        return out
    ref_rate, ref_low, _ = st.rate_interval(ref["net_domestic"].sum(),
                                            (ref["in_migration"] + ref["out_migration"]).sum(),
                                            st.mean_population(ref).sum())
    se = math.hypot((rate - low) / 1.96, (ref_rate - ref_low) / 1.96)
    return {**out, "reference": reference, "reference_rate": ref_rate,
            "z": (rate - ref_rate) / se if se > 0 else math.nan}


def _components_part(frames: dict, area: str) -> dict:
    change = frames["population_change"]
    if change.empty:
        return {}
    comp = st.components(change, area)
    flows = comp.dropna(subset=st.FLOW_COMPONENTS)
    if flows.empty:
        return {"components": comp}
    last = int(flows["year"].max())
    recent = comp[comp["year"] > last - RECENT_YEARS]
    first = int(recent["year"].min())
    sel = flows[flows["year"] >= first]
    return {"components": comp, "pooling_years": st.choose_pooling(recent, 5),
            "check": st.components_check(comp), "rates": _rates(change, area, first, last),
            "domestic": _domestic(change, area, sel)}


def _age_part(frames: dict, area: str, small: bool) -> dict:
    population, change = frames["population"], frames["population_change"]
    if population.empty or change.empty:
        return {}
    pop = st.area_population(population, area).dropna(subset=["value"])
    cohort = st.cohort_net_migration(pop, st.national_survival(population, change))
    if cohort.empty:
        return {}
    n_years, width = (10, 10) if small else (5, 5)
    last = int(cohort["year"].max())
    first = max(int(cohort["year"].min()), last - n_years + 1)
    return {"cohort": cohort, "age_profile": st.age_profile(cohort, first, last, width=width),
            "age_first": first, "age_last": last,
            "young": st.young_retention(population, area)}


def _flows_part(frames: dict, area: str) -> dict:
    flows = frames["migration_flows"]
    if flows.empty or area == areas.NATIONAL:
        return {}
    last = int(flows["year"].max())
    first = max(int(flows["year"].min()), last - FLOW_YEARS + 1)
    out = {"flows": st.flow_summary(flows, area, first, last), "flows_first": first,
           "flows_last": last}
    if areas.kind(area) == "municipality":
        out["within_county"] = st.within_share(flows, area, geography.county_of(area), first,
                                               last)
    else:
        out["internal"] = st.internal_share(flows, area, first, last)
    partner = st.main_partner(flows, area, first, last)
    if partner:
        out.update(partner=partner, partner_exchange=st.partner_exchange(flows, area, partner))
    return out


def _retention(out: pd.DataFrame, comp: pd.DataFrame, young: pd.DataFrame,
               start: int) -> pd.DataFrame:
    rates = st.component_rates(comp)
    series = {
        "net_outflow_rate": out.set_index("year")["net_outflow_rate"],
        "share": out.set_index("year")["share"],
        "net_domestic": rates.set_index("year")["net_domestic"],
        "young_kept": young.set_index("year")["kept"] if len(young) else pd.Series(dtype=float),
    }
    rows = [{"indicator": key, "before": s.dropna()[s.dropna().index < start].tail(5).mean(),
             "after": s.dropna()[s.dropna().index >= start].mean()} for key, s in series.items()]
    return pd.DataFrame(rows)


def _immigrants_part(frames: dict, area: str, start: int | None, young: pd.DataFrame) -> dict:
    immigrants, change = frames["immigrants"], frames["population_change"]
    if immigrants.empty or change.empty:
        return {}
    comp = st.components(change, area)
    out = st.net_outflow(st.immigrant_stock(immigrants, area), comp)
    if out["stock"].dropna().empty:
        return {}
    result = {"immigrants": out,
              "immigrant_shares": st.immigrant_share_series(immigrants, change,
                                                            areas.compared(area))}
    if start is not None:
        result["outflow_change"] = st.outflow_change(out[out["year"] >= start - PRE_YEARS], start)
        result["retention"] = _retention(out, comp, young, start)
    return result


def _attractiveness_part(frames: dict, area: str, comparison: list[str]) -> dict:
    change, jobs = frames["population_change"], frames["employment_by_industry"]
    if change.empty or jobs.empty or area == areas.NATIONAL:
        return {}
    windows = at.fitted_windows(change, jobs, WINDOW)  # fitted (or found) once for both
    attr = at.attractiveness(change, jobs, comparison_set(area, comparison, change),
                             window=WINDOW, windows=windows)
    if attr.empty or area not in set(attr["area"]):
        return {}
    res, panel = at.latest_model(change, jobs, WINDOW, windows=windows)
    out = {"attractiveness": attr}
    if res is not None:
        ci = np.asarray(res.conf_int())
        out["attractiveness_model"] = pd.DataFrame({
            "term": ["const", *at.TERMS], "coef": np.asarray(res.params),
            "low": ci[:, 0], "high": ci[:, 1]})
        out["attractiveness_n"] = len(panel)
    return out


def _projection(frames: dict, area: str, horizon: int) -> pd.DataFrame:
    proj = frames["population_projection"]
    if proj.empty:
        return pd.DataFrame(columns=["year", "alternative", "value"])
    out = areas.sum_counts(proj, area, ["alternative", "year"])
    out = out[out["year"] <= horizon]
    return out[["year", "alternative", "value"]].sort_values(["alternative", "year"]
                                                            ).reset_index(drop=True)


def compute(area: str, *, program=None, source: str = "demo", horizon: int | None = None
            ) -> MigrationResult:
    """Migration in ``area``: components, ages, flows, immigrants, attractiveness, projection.

    Args:
        area: a 2024 municipality or county code, or ``"0"`` for the country.
        program: a programme id or :class:`pipeline.programs.Program`; adds its start year
            (before/after comparisons) and, for its own region, its comparison municipalities.
        source: ``demo`` or ``ssb``.
        horizon: last year of SSB's projection shown (default the programme's, else 2040).

    Returns:
        A :class:`MigrationResult`; parts whose data are missing are empty.
    """
    from pipeline.analysis.competence_gap.compute import DEFAULT_HORIZON, _program

    area = str(area)
    areas.kind(area)
    prog = _program(program)
    own = prog is not None and list(prog.region_codes) == [area]
    frames, missing = _load_all(source)
    parts: dict = _components_part(frames, area)
    base = MigrationResult(area=area, label=geography.region_name(area),
                           components=parts.get("components", pd.DataFrame()))
    parts.update(_age_part(frames, area, base.small))
    parts.update(_flows_part(frames, area))
    parts.update(_immigrants_part(frames, area, prog.start_year if prog else None,
                                  parts.get("young", pd.DataFrame())))
    parts.update(_attractiveness_part(frames, area,
                                      list(prog.comparison.municipalities) if own else []))
    parts["projection"] = _projection(frames, area, int(horizon or (prog.horizon if prog else
                                                                    DEFAULT_HORIZON)))
    return MigrationResult(area=area, label=base.label,
                           start_year=prog.start_year if prog else None,
                           missing=tuple(missing), **parts)
