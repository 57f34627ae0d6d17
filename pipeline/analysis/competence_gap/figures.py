"""Figures of the competence gap (matplotlib, report style from :mod:`pipeline.figures`).

Each function takes the result and the report context (for axis labels and number format) and
returns the figure; captions and alt text are written in :mod:`.sections`.
"""

from __future__ import annotations

import numpy as np

from pipeline import figures
from pipeline.analysis.competence_gap import tables as tb
from pipeline.analysis.competence_gap.compute import GapResult
from pipeline.analysis.competence_gap.tables import area_name
from pipeline.sources.tables import industry_name


def _format_axis(ctx, axis) -> None:
    """Tick labels in the report's number format (thousands separators, minus sign)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: ctx.num(value)))


def fan_chart(ctx, result: GapResult):
    """Observed jobs, projected demand with 80/95 % bands, supply plus today's net in-commuting."""
    fig, ax = figures.new_figure()
    bands, gap = result.demand_bands, result.gap
    for low, high, alpha in (("low95", "high95", figures.INTERVAL_ALPHA),
                             ("low80", "high80", figures.INTERVAL_ALPHA * 1.6)):
        ax.fill_between(bands["year"], bands[low], bands[high], color=figures.PALETTE[0],
                        alpha=alpha, linewidth=0)
    observed = result.jobs.groupby("year")["value"].sum()
    ax.plot(observed.index, observed.to_numpy(), color=figures.PALETTE[0], linewidth=2,
            label=f"{ctx.t('cg_demand')} ({ctx.t('cg_observed').lower()})")
    ax.plot(gap["year"], gap["demand"], color=figures.PALETTE[0], linestyle="--",
            label=ctx.t("cg_demand"))
    offset = float(gap["demand"].iloc[0] - gap["supply"].iloc[0])
    ax.plot(gap["year"], gap["supply"] + offset, color=figures.PALETTE[1], linewidth=2,
            label=ctx.t("cg_supply"))
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_jobs"))
    _format_axis(ctx, ax.yaxis)
    ax.legend(loc="upper left")
    return fig


def plotted_references(result: GapResult) -> list:
    """The programme's gap figures for years after the data: the points on the gap chart."""
    return [r for r in tb.own_references(result.references) if r.year > result.base_year]


def gap_chart(ctx, result: GapResult):
    """The gap by year with its 95 % interval; future external references as labelled points."""
    g = result.gap
    fig, ax = figures.new_figure()
    ax.fill_between(g["year"], g["gap_low"], g["gap_high"], color=figures.PALETTE[5],
                    alpha=figures.INTERVAL_ALPHA, linewidth=0, label=ctx.t("interval"))
    ax.plot(g["year"], g["gap"], color=figures.PALETTE[5], linewidth=2, label=ctx.t("cg_gap"))
    ax.axhline(0, color="#444444", linewidth=0.8)
    styles = [("D", figures.PALETTE[7]), ("s", figures.PALETTE[3]), ("^", figures.PALETTE[2])]
    for i, ref in enumerate(plotted_references(result)):
        marker, colour = styles[i % len(styles)]
        ax.plot([ref.year], [ref.value], marker=marker, color=colour, linestyle="none",
                label=f"{ref.label} ({ref.source.split(',')[0]})")
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_persons"))
    _format_axis(ctx, ax.yaxis)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def industry_chart(ctx, result: GapResult):
    """Horizontal bars: change in jobs by industry to the horizon, with 95 % interval."""
    data = result.industries
    fig, ax = figures.new_figure(height=max(3.0, 0.28 * len(data) + 1.0))
    pos = np.arange(len(data))
    ax.barh(pos, data["change"], color=figures.PALETTE[0],
            xerr=[data["change"] - data["low"], data["high"] - data["change"]],
            error_kw={"elinewidth": 0.8, "ecolor": "#555555"})
    ax.set_yticks(pos, [industry_name(c, ctx.language) for c in data["industry"]], fontsize=8)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel(ctx.t("cg_jobs"))
    _format_axis(ctx, ax.xaxis)
    return fig


def age_chart(ctx, result: GapResult):
    """Grouped bars: population by five-year age group in the base year and at the horizon."""
    data = result.age_structure.pivot(index="age_low", columns="year", values="value").fillna(0)
    fig, ax = figures.new_figure()
    width = 2.0
    groups = data.index.to_numpy()
    for year, shift, colour in ((result.base_year, -1, 4), (result.horizon, 1, 1)):
        ax.bar(groups + shift * width / 2, data[year], width=width, color=figures.PALETTE[colour],
               label=str(year))
    ax.set_xticks(groups, [f"{g}–{g + 4}" if g < 90 else "90+" for g in groups], fontsize=7,
                  rotation=45)
    ax.set_xlabel(ctx.t("cg_age"))
    ax.set_ylabel(ctx.t("cg_persons"))
    _format_axis(ctx, ax.yaxis)
    ax.legend()
    return fig


def education_chart(ctx, result: GapResult):
    """Lines: higher-education share over time for the area, its county and Norway."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = figures.new_figure()
    colours = [figures.REGION_COLOUR, figures.PALETTE[1], figures.COMPARISON_COLOUR]
    for (code, data), colour in zip(result.higher_education.groupby("area", sort=False),
                                    colours, strict=False):
        ax.plot(data["year"], data["value"], color=colour,
                linewidth=2 if code == result.area else 1.4, label=area_name(ctx, code))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_percent"))
    ax.legend()
    return fig
