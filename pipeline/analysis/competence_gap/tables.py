"""Report tables of the competence gap: result frames with translated headers.

Numbers stay numbers (``report.table`` formats and suppresses them); only headers and labels
are text. Every forecast table carries the backtest horizon and the measured coverage.
"""

from __future__ import annotations

import pandas as pd

from pipeline import areas, i18n
from pipeline.analysis.competence_gap.compute import GapResult
from pipeline.sources.tables import (
    EDUCATION_LEVELS,
    FIELDS_OF_STUDY,
    education_level_name,
    field_of_study_name,
    occupation_name,
)

TABLE_YEARS = (2025, 2030, 2035, 2040)


def area_name(ctx, code: str) -> str:
    """Display name of an area code in the report's language."""
    return ctx.t("national") if code == areas.NATIONAL else ctx.name(code)


def backtest_label(ctx, result: GapResult) -> str:
    """``1–10 år`` / ``1–10 years``: the horizons the backtest could test."""
    return ctx.t("cg_backtest_span", h=result.backtest_horizon)


def coverage_label(ctx, result: GapResult) -> str:
    """``47 av 55 (85 %)``: backtest outcomes inside their 95 % interval."""
    bt = result.backtest
    return ctx.t("cg_coverage_value", covered=int(bt["covered"].sum()), n=len(bt),
                 pct=ctx.pct(result.backtest_coverage, 0))


def _with_backtest(ctx, table: pd.DataFrame, result: GapResult) -> pd.DataFrame:
    return table.assign(**{ctx.t("cg_col_backtest"): backtest_label(ctx, result),
                           ctx.t("cg_col_coverage"): coverage_label(ctx, result)})


def gap_table(ctx, result: GapResult) -> pd.DataFrame:
    """The gap at 2025/2030/2035/2040 (and the horizon), its parts and its interval."""
    gaps = result.gap
    years = sorted({y for y in (*TABLE_YEARS, result.horizon) if y in set(gaps["year"])
                    and y > result.base_year})
    rows = gaps[gaps["year"].isin(years)]
    table = pd.DataFrame({
        ctx.t("cg_col_year"): rows["year"].astype(str),
        ctx.t("cg_col_demand_growth"): rows["demand_growth"].round(),
        ctx.t("cg_col_replacement"): rows["replacement"].round(),
        ctx.t("cg_col_new_entrants"): (-rows["new_entrants"]).round(),
        ctx.t("cg_col_migration_deaths"): (-rows["migration_deaths"]).round(),
        ctx.t("cg_col_gap"): rows["gap"].round(),
        ctx.t("cg_col_low"): rows["gap_low"].round(),
        ctx.t("cg_col_high"): rows["gap_high"].round(),
    })
    return _with_backtest(ctx, table, result)


def scenario_label(ctx, key: str, label: str) -> str:
    """The display name of a scenario (programme label or a built-in one)."""
    return label or ctx.t(f"cg_scenario_{key}")


def scenario_table(ctx, result: GapResult) -> pd.DataFrame:
    """The gap at the horizon for every scenario, with interval and change from baseline."""
    sc = result.scenarios
    table = pd.DataFrame({
        ctx.t("cg_col_scenario"): [scenario_label(ctx, k, lab)
                                   for k, lab in zip(sc["key"], sc["label"], strict=True)],
        ctx.t("cg_col_gap"): sc["gap"].round(),
        ctx.t("cg_col_low"): sc["gap_low"].round(),
        ctx.t("cg_col_high"): sc["gap_high"].round(),
        ctx.t("cg_col_vs_baseline"): sc["vs_baseline"].round(),
    })
    return _with_backtest(ctx, table, result)


def commuting_table(ctx, result: GapResult, last: int = 6) -> pd.DataFrame:
    """The commuting balance for the last years (counts go through disclosure control)."""
    frame = result.commuting.tail(last)
    return pd.DataFrame({
        ctx.t("cg_col_year"): frame["year"].astype(int).astype(str),
        ctx.t("cg_col_jobs"): frame["jobs"].round(),
        ctx.t("cg_col_residents"): frame["residents"].round(),
        ctx.t("cg_col_net_commuting"): frame["net_in_commuting"].round(),
        ctx.t("cg_col_ratio"): frame["ratio"].round(2),
    })


def coverage_table(ctx, result: GapResult) -> pd.DataFrame:
    """Measured coverage of the 95 % demand interval by backtest horizon."""
    cov = result.coverage
    return pd.DataFrame({
        ctx.t("cg_col_horizon"): cov["horizon"].astype(int).astype(str),
        ctx.t("cg_col_outcomes"): cov["n"].astype(int),
        ctx.t("cg_col_inside"): cov["covered"].astype(int),
        ctx.t("cg_col_coverage"): cov["coverage"].round(0),
    })


def backtest_table(ctx, result: GapResult) -> pd.DataFrame:
    """The earliest origin's forecasts against what happened (the longest horizons)."""
    bt = result.backtest
    first = bt[bt["origin"] == bt["origin"].min()]
    return pd.DataFrame({
        ctx.t("cg_col_year"): first["year"].astype(str),
        ctx.t("cg_col_actual"): first["actual"].round(),
        ctx.t("cg_col_forecast"): first["forecast"].round(),
        ctx.t("cg_col_low"): first["low"].round(),
        ctx.t("cg_col_high"): first["high"].round(),
    })


def own_references(references) -> tuple:
    """The programme's figures that belong to the competence gap: those beside the gap or a
    scenario, and context figures beside none. A figure beside another analysis's measure
    (``compares_with: worth``, a budget in kroner beside the youth effect) is that analysis's."""
    return tuple(r for r in references
                 if getattr(r, "compares_with", None) in (None, "gap")
                 or str(getattr(r, "compares_with", "")).startswith("scenario:"))


def references_table(ctx, result: GapResult) -> pd.DataFrame:
    """External figures cited by the programme that belong to the gap (context only, never
    inputs; see :func:`own_references`)."""
    refs = own_references(result.references)
    return pd.DataFrame({
        ctx.t("cg_col_reference"): [r.label for r in refs],
        ctx.t("cg_col_year"): [str(r.year) for r in refs],
        ctx.t("cg_col_value"): [float(r.value) for r in refs],
        ctx.t("cg_col_source"): [r.source for r in refs],
    })


def education_table(ctx, result: GapResult) -> tuple[pd.DataFrame, int]:
    """Latest shares by education level for the area, its county and Norway (percent)."""
    edu = result.education
    year = int(edu.loc[edu["area"] == result.area, "year"].max())
    columns = {}
    for code, part in edu[edu["year"] == year].groupby("area", sort=False):
        latest = part.set_index("level")["share"]
        columns[area_name(ctx, code)] = [float(latest.get(c, float("nan")))
                                         for c in EDUCATION_LEVELS]
    levels = [education_level_name(code, ctx.language) for code in EDUCATION_LEVELS]
    return pd.DataFrame({ctx.t("cg_col_level"): levels, **columns}), year


def fields_table(ctx, result: GapResult) -> tuple[pd.DataFrame, int]:
    """Latest shares by field of study: the area, its county, Norway and the difference (pp)."""
    comp = result.field_comparison.set_index("field")
    year = int(comp["year"].iloc[0])
    order = [c for c in FIELDS_OF_STUDY if c in comp.index]
    columns = {area_name(ctx, result.area): comp.loc[order, "share"].to_numpy()}
    if comp["share_county"].notna().any():
        county = result.fields.loc[~result.fields["region"].isin([result.area, areas.NATIONAL]),
                                   "region"]
        columns[area_name(ctx, str(county.iloc[0]))] = comp.loc[order, "share_county"].to_numpy()
    if result.area != areas.NATIONAL and comp["share_national"].notna().any():
        columns[ctx.t("national")] = comp.loc[order, "share_national"].to_numpy()
        columns[ctx.t("cg_col_diff_national")] = comp.loc[order, "diff_national"].to_numpy()
    names = [field_of_study_name(code, ctx.language) for code in order]
    return pd.DataFrame({ctx.t("cg_col_field"): names, **columns}), year


def interval_text(ctx, low: float, high: float, decimals: int = 0) -> str:
    """An interval in the report's number format."""
    return i18n.fmt_interval(low, high, ctx.language, decimals)


def occupations_table(ctx, result: GapResult, level: str) -> pd.DataFrame:
    """Latest shares by occupation group of one ``level`` (``major`` or ``sub``): the area's
    employed residents (a count, for disclosure control) and share, the county's and Norway's
    share and the difference (pp). Suppressed cells are ``":"`` already (see
    :func:`skills.occupation_shares`), so the share never reveals a hidden count."""
    comp = result.occupation_comparison
    comp = comp[comp["level"] == level]
    hidden = comp["suppressed"].to_numpy(dtype=bool)

    def masked(values) -> list:
        return [":" if h else v for v, h in zip(values, hidden, strict=True)]

    name = area_name(ctx, result.area)
    columns = {ctx.t("cg_col_employed"): masked(comp["employed"].to_numpy()),
               ctx.t("cg_col_share_of", area=name): masked(comp["share"].to_numpy())}
    if comp["share_county"].notna().any():
        county = result.occupations.loc[
            ~result.occupations["region"].isin([result.area, areas.NATIONAL]), "region"]
        columns[ctx.t("cg_col_share_of", area=area_name(ctx, str(county.iloc[0])))] = (
            comp["share_county"].to_numpy())
    if result.area != areas.NATIONAL:
        columns[ctx.t("cg_col_share_of", area=ctx.t("national"))] = (
            comp["share_national"].to_numpy())
        columns[ctx.t("cg_col_diff_national")] = masked(comp["diff_national"].to_numpy())
    names = [occupation_name(code, ctx.language) for code in comp["occupation"]]
    return pd.DataFrame({ctx.t("cg_col_occupation"): names, **columns})
