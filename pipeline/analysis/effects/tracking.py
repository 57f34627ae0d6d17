"""One programme indicator assessed: baseline, latest, change, effect and verdict (pure).

:func:`assess` takes an indicator panel (``region, year, value[, numerator, denominator][, se]
[, gross_in, gross_out]``), the programme's area and start year, and returns an
:class:`Assessment` of plain numbers and frames; :mod:`.sections` turns it into words. Areas are
summed with :func:`pipeline.areas.sum_counts` (the project's one rule: never sums of rates, a
missing member makes the sum missing); scales, power rules and cohort lags come from
:mod:`pipeline.indicators`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import areas, indicators
from pipeline.analysis.effects.estimate import EffectEstimate, estimate_effect, prepare_panel
from pipeline.analysis.effects.statistics import ChangeTest, NotEstimable, change_test

VERDICTS = ("right", "wrong", "unclear", "underpowered", "not_estimable")


@dataclass(frozen=True)
class Assessment:
    """Everything the "Er vi på rett vei?" section shows for one indicator.

    Attributes:
        indicator: indicator id; direction: ``up``/``down``; target, by: the programme's target.
        treated: the unit analysed (a municipality, a county, or codes joined by ``+``).
        level: ``municipality``, ``area`` (several municipalities), ``county_region`` (the
            programme is a county) or ``county_level`` (SSB publishes the indicator by county).
        start_year: programme start.
        baseline_year, baseline, latest_year, latest: values of the treated unit.
        change: :func:`change_test` from baseline to latest (None when it cannot be tested).
        masked: a count below the disclosure threshold: levels are not shown.
        suppressed_years: years without a published value.
        effect: the effect estimate (None with ``problem`` saying why).
        problem: reason code when there is no effect estimate (``no_data``, ``few_pre``,
            ``no_post``, ``no_post_cohort``, ``few_comparison``, ``cannot_combine``).
        first_post_cohort, first_post_measured: for cohort indicators, the first cohort that
            started after the programme start and the year its result is measured.
        series: ``year, treated, comparison, band_low, band_high`` for the chart (levels).
    """

    indicator: str
    direction: str
    treated: str
    level: str
    start_year: int
    series: pd.DataFrame
    target: float | None = None
    by: int | None = None
    baseline_year: int | None = None
    baseline: float | None = None
    latest_year: int | None = None
    latest: float | None = None
    change: ChangeTest | None = None
    masked: bool = False
    suppressed_years: tuple[int, ...] = ()
    effect: EffectEstimate | None = None
    problem: str | None = None
    first_post_cohort: int | None = None
    first_post_measured: int | None = None
    plausible_effect: float | None = None  # the power rule's value here (None: the registry's)

    @property
    def spec(self) -> indicators.IndicatorSpec:
        return indicators.get(self.indicator)

    @property
    def plausible(self) -> float:
        """The plausible effect the power rule used (diluted on a county statistic)."""
        return (self.spec.plausible_effect if self.plausible_effect is None
                else self.plausible_effect)

    @property
    def verdict(self) -> str:
        """``right``/``wrong`` (a significant effect in or against the desired direction),
        ``unclear``, ``underpowered`` (MDE above the plausible effect: no verdict) or
        ``not_estimable``."""
        e = self.effect
        if e is None:
            return "not_estimable"
        if e.powered is False:
            return "underpowered"
        if not e.significant:
            return "unclear"
        good = e.estimate < 0 if self.direction == "down" else e.estimate > 0
        return "right" if good else "wrong"

    @property
    def target_reached(self) -> bool | None:
        if self.target is None or self.latest is None:
            return None
        return self.latest <= self.target if self.direction == "down" else (
            self.latest >= self.target)


def _summable(panel: pd.DataFrame, spec: indicators.IndicatorSpec) -> list[str]:
    if spec.log_scale:
        return ["value"]
    if not {"numerator", "denominator"} <= set(panel.columns):
        raise NotEstimable("cannot_combine")
    extra = [c for c in ("gross_in", "gross_out") if c in panel.columns]
    return ["numerator", "denominator", *extra]


def _area_rows(panel: pd.DataFrame, spec, code: str, members: list[str]) -> pd.DataFrame:
    """Rows of one area summed by :func:`areas.sum_counts` (several codes: summed together)."""
    cols = _summable(panel, spec)
    parts = [areas.sum_counts(panel, m, by=["year"], value_columns=cols) for m in members]
    total = pd.concat(parts).groupby("year")[cols].sum(min_count=len(parts))
    total = total.where(pd.concat(parts).groupby("year")["n_missing"].sum().eq(0))
    total = total.reset_index().assign(region=code)
    if not spec.log_scale:
        total["value"] = spec.multiplier * total["numerator"] / total["denominator"]
    return total


def units(panel: pd.DataFrame, spec: indicators.IndicatorSpec, codes: list[str],
          county: str | None) -> tuple[pd.DataFrame, str, list[str], str]:
    """The panel with the treated unit (and county units) built, the treated code, the
    candidate comparison units and the level (see :class:`Assessment`)."""
    panel = panel.assign(region=panel["region"].astype(str)).reset_index(drop=True)
    regions = set(panel["region"])
    has_munis = any(len(r) == 4 for r in regions)
    is_county = all(len(c) == 2 for c in codes)
    if spec.county_only or is_county or not has_munis:
        treated = codes[0] if is_county else (county or codes[0][:2])
        level = "county_region" if is_county else "county_level"
        counties = sorted({areas.geography.county_of(r) for r in regions if len(r) == 4}
                          | {r for r in regions if len(r) == 2})
        built = [_area_rows(panel, spec, c, [c]) for c in counties if c not in regions]
        panel = pd.concat([panel, *built], ignore_index=True) if built else panel
        return panel, treated, [c for c in counties if c != treated], level
    candidates = sorted(r for r in regions if len(r) == 4 and r not in codes)
    if len(codes) == 1:
        return panel, codes[0], candidates, "municipality"
    treated = "+".join(codes)
    rows = _area_rows(panel, spec, treated, list(codes))
    return pd.concat([panel, rows], ignore_index=True), treated, candidates, "area"


def _levels(own: pd.DataFrame, start_year: int, cohort: bool) -> tuple[pd.Series, pd.Series]:
    valued = own[own["value"].notna()]
    base_rows = valued[valued["year"] < start_year] if cohort else (
        valued[valued["year"] <= start_year])
    base = base_rows.iloc[-1] if len(base_rows) else valued.iloc[0]
    return base, valued.iloc[-1]


def _masked(own: pd.DataFrame, rows: list[pd.Series], spec, threshold: int) -> bool:
    """Small counts of persons are hidden (a net is a difference, not a count of persons)."""
    if spec.net or "numerator" not in own.columns:
        return False
    nums = [r.get("numerator") for r in rows]
    return any(pd.notna(v) and 0 < v < threshold for v in nums)


def _series(prepared: pd.DataFrame, treated: str, effect: EffectEstimate | None,
            comparison: list[str], change: ChangeTest | None, log_scale: bool) -> pd.DataFrame:
    values = prepared.pivot_table(index="year", columns="region", values="value",
                                  aggfunc="first")
    var = prepared.pivot_table(index="year", columns="region", values="v", aggfunc="first")
    weights = effect.weights if effect is not None else {c: 1 / len(comparison)
                                                         for c in comparison}
    present = [c for c in weights if c in values.columns]
    comp = (values[present] * pd.Series(weights)[present]).sum(axis=1, min_count=len(present))
    comp = comp / pd.Series(weights)[present].sum() if present else comp * np.nan
    own = values[treated] if treated in values.columns else values.iloc[:, 0] * np.nan
    tau2 = change.noise_sd ** 2 if change is not None else 0.0
    half = 1.96 * np.sqrt(var[treated].fillna(0) + tau2) if treated in var.columns else 0.0
    out = pd.DataFrame({"year": values.index.astype(int), "treated": own.to_numpy(),
                        "comparison": comp.to_numpy(), "band_low": (own - half).to_numpy(),
                        "band_high": (own + half).to_numpy()})
    if log_scale:
        cols = ["treated", "comparison", "band_low", "band_high"]
        out[cols] = np.exp(out[cols] / 100)
    return out


def assess(panel: pd.DataFrame, indicator: str, region_codes: list[str], start_year: int, *,
           direction: str = "down", target: float | None = None, by: int | None = None,
           comparison: list[str] | None = None, threshold: int = 5,
           county: str | None = None, method: str = "auto",
           area_share: float = 1.0) -> Assessment:
    """Assess one programme indicator (see :class:`Assessment`).

    Args:
        panel: the indicator's panel for all available regions.
        indicator: registry id (scale, power rule, cohort lag).
        region_codes: the programme's municipalities, or ``[county]``.
        start_year: programme start.
        direction, target, by: from the programme file.
        comparison: comparison municipalities named by the programme (None/empty: automatic,
            chosen on the first half of the pre-period).
        threshold: disclosure threshold for counts of persons.
        county: the region's county (for county-level indicators).
        method: ``auto``, ``did`` or ``synth`` (see :func:`estimate_effect`).
        area_share: the programme area's share of the county's young people, used when the
            indicator is measured for the county only (the power rule's dilution).
    """
    spec = indicators.get(indicator)
    codes = [str(c) for c in region_codes]
    empty = pd.DataFrame(columns=["year", "treated", "comparison", "band_low", "band_high"])
    base = dict(indicator=indicator, direction=direction, target=target, by=by,
                start_year=start_year)
    try:
        panel, treated, candidates, level = units(panel, spec, codes, county)
    except NotEstimable as exc:
        return Assessment(treated="+".join(codes), level="area", series=empty,
                          problem=exc.reason, **base)
    plausible = indicators.plausible_in(spec, area_share if level == "county_level" else 1.0)
    base.update(treated=treated, level=level, plausible_effect=plausible)
    own = panel[panel["region"] == treated].sort_values("year")
    if own.empty or own["value"].notna().sum() == 0:
        return Assessment(series=empty, problem="no_data", **base)
    cohort = spec.cohort_lag > 0
    first, last = _levels(own, start_year, cohort)
    base.update(baseline_year=int(first["year"]), baseline=float(first["value"]),
                latest_year=int(last["year"]), latest=float(last["value"]),
                masked=_masked(own, [first, last], spec, threshold),
                suppressed_years=tuple(int(y) for y in own.loc[own["value"].isna(), "year"]))
    prepared = prepare_panel(panel, spec.multiplier, spec.log_scale)
    if spec.net and not {"gross_in", "gross_out"} <= set(panel.columns):
        # A net is not a binomial share; without its gross flows all its noise is estimated.
        prepared = prepared.assign(v=0.0)
    change = None
    if last["year"] != first["year"]:
        try:
            change = change_test(prepared[prepared["region"] == treated],
                                 int(first["year"]), int(last["year"]),
                                 multiplier=spec.multiplier)
        except NotEstimable:
            change = None
    if cohort:
        base.update(first_post_cohort=start_year, first_post_measured=start_year
                    + spec.cohort_lag)
    given = [c for c in (comparison or []) if c != treated] if level in (
        "municipality", "area") else None
    effect, problem = None, None
    try:
        effect = estimate_effect(prepared, treated, start_year, method, prepared=True,
                                 comparison=given or None, candidates=candidates,
                                 log_scale=spec.log_scale,
                                 plausible_effect=plausible)
    except NotEstimable as exc:
        problem = "no_post_cohort" if cohort and exc.reason == "no_post" else exc.reason
    if effect is not None and outside_validated_designs(panel, effect):
        effect, problem = None, "unvalidated_design"
    used = list(effect.comparison) if effect is not None else list(given or candidates[:8])
    series = _series(prepared, treated, effect, used, change, spec.log_scale)
    return Assessment(series=series, change=change, effect=effect, problem=problem, **base)


MAX_SMALL_COMPARISON = 5  # validation/results.md: "treated 20 000 vs 5 comparisons" is invalid


def outside_validated_designs(panel: pd.DataFrame, effect: EffectEstimate) -> bool:
    """True for the designs ``make validate`` found without a valid interval: synthetic control
    on automatically chosen comparison areas (98.2 % coverage), and at most five comparison
    areas, every one of them smaller than the treated area (the interval's scale is then learnt
    from units noisier than the treated one: it covers ~100 %, not 95 %)."""
    if effect.method == "synth" and effect.comparison_rule == "automatic":
        return True
    if effect.n_comparison > MAX_SMALL_COMPARISON:
        return False
    size_column = "denominator" if "denominator" in panel.columns else "value"
    sizes = panel.assign(region=panel["region"].astype(str)).groupby("region")[size_column].mean()
    treated = sizes.get(effect.treated)
    others = sizes.reindex(list(effect.comparison)).dropna()
    return treated is not None and len(others) > 0 and bool(treated > others.max())


def assess_program(panels: dict, program, region_codes: list[str], source: str, *,
                   county: str | None = None, threshold: int = 5,
                   method: str = "auto") -> tuple[Assessment | tuple[str, str], ...]:
    """Assess every programme indicator that ``panels`` can build (in programme order).

    Args:
        panels: indicator id → function of the source returning the indicator panel (an
            analysis's ``INDICATORS``).
        program: a :class:`pipeline.programs.Program`.
        region_codes: the area reported on; the programme's comparison municipalities are used
            only when it is the programme's own region (otherwise they are chosen).
        source: data source.
        county, threshold, method: as in :func:`assess`.

    Returns:
        One Assessment per indicator, or ``(indicator, error message)`` when its data are missing.
    """
    from pipeline.datasets import DataError

    codes = [str(c) for c in region_codes]
    own = codes == [str(c) for c in program.region_codes]
    comparison = list(program.comparison.municipalities) if own else None
    share = 1.0
    if any(indicators.get(i.id).county_only for i in program.indicators if i.id in panels):
        share = county_share(codes, county, source)
    out: list[Assessment | tuple[str, str]] = []
    for ind in program.indicators:
        if ind.id not in panels:
            continue
        try:
            panel = panels[ind.id](source)
        except (DataError, FileNotFoundError) as exc:
            out.append((ind.id, str(exc)))
            continue
        out.append(assess(panel, ind.id, codes, program.start_year, direction=ind.direction,
                          target=ind.target, by=ind.by, comparison=comparison,
                          threshold=threshold, county=county, method=method,
                          area_share=share))
    return tuple(out)


YOUTH_AGES = (15, 19)  # upper-secondary ages: the cohorts a county completion figure counts


def county_share(codes: list[str], county: str | None, source: str) -> float:
    """Share of the county's 15–19-year-olds living in the programme's municipalities.

    A municipal programme can move a county statistic only in proportion to its share of the
    county's pupils; 1.0 when the area is the county itself or the population is missing.
    """
    from pipeline.datasets import DataError, load

    munis = [c for c in codes if len(c) == 4]
    county = county or (munis[0][:2] if munis else None)
    if not munis or county is None:
        return 1.0
    try:
        pop = load("population", source)
    except (DataError, FileNotFoundError):
        return 1.0
    young = pop[pop["age"].between(*YOUTH_AGES)]
    last = int(young["year"].max())
    young = young[young["year"] == last]
    total = areas.sum_counts(young, county, by=["year"])["value"].sum()
    own = sum(areas.sum_counts(young, m, by=["year"])["value"].sum() for m in munis)
    return float(min(own / total, 1.0)) if total > 0 else 1.0
