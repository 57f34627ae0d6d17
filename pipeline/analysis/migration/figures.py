"""Figures of the migration report (matplotlib, report style from :mod:`pipeline.figures`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import figures
from pipeline.analysis.migration.statistics import FLOW_COMPONENTS, SIGNS, pool_years
from pipeline.analysis.migration.tables import label_of


def projection_figure(ctx, observed: pd.Series, projection: pd.DataFrame):
    """Registered population and SSB's projection alternatives (main, high, low)."""
    fig, ax = figures.new_figure()
    ax.plot(observed.index, observed.to_numpy(), color="black", linewidth=2,
            label=ctx.t("mig_observed"))
    styles = {"MMMM": "-", "HHMH": "--", "LLML": ":"}
    for alt, part in projection.groupby("alternative"):
        ax.plot(part["year"], part["value"], color=figures.PALETTE[1],
                linestyle=styles.get(alt, "-"), linewidth=1.5,
                label=ctx.t(alt) if alt in styles else alt)
    ax.legend(fontsize=8)
    return fig


def components_figure(ctx, comp: pd.DataFrame, years: int = 1):
    """Stacked bars of the components (additions up, losses down) with growth as a line."""
    flows = pool_years(comp.dropna(subset=FLOW_COMPONENTS), years)
    fig, ax = figures.new_figure()
    x = np.arange(len(flows))
    pos = np.zeros(len(flows))
    neg = np.zeros(len(flows))
    colours = dict(zip(FLOW_COMPONENTS, figures.PALETTE, strict=False))
    for comp_name in FLOW_COMPONENTS:
        values = flows[comp_name].fillna(0).to_numpy() * SIGNS[comp_name]
        base = pos if SIGNS[comp_name] > 0 else neg
        ax.bar(x, values, bottom=base, color=colours[comp_name], label=ctx.t(comp_name),
               width=0.8)
        if SIGNS[comp_name] > 0:
            pos = pos + values
        else:
            neg = neg + values
    ax.plot(x, flows["growth"], color="black", marker="o", linewidth=1.5, label=ctx.t("growth"))
    ax.axhline(0, color="black", linewidth=0.6)
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], flows["period"].iloc[::step])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    period = ctx.t("mig_periods_word") if years > 1 else ctx.t("mig_year_word")
    ax.set_ylabel(ctx.t("mig_persons_per", period=period))
    return fig


def age_profile_figure(ctx, profile: pd.DataFrame):
    """Bars of net migration per year by age group, men and women side by side."""
    fig, ax = figures.new_figure()
    groups = profile.drop_duplicates("age_group").sort_values("age_low")["age_group"].tolist()
    x = np.arange(len(groups))
    for i, (sex, key) in enumerate((("1", "men"), ("2", "women"))):
        part = profile[profile["sex"] == sex].set_index("age_group").reindex(groups)
        ax.bar(x + (i - 0.5) * 0.4, part["net_migration"].fillna(0), width=0.4,
               color=figures.PALETTE[i], label=ctx.t(key))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x, [str(g).replace("-", "–") for g in groups], rotation=60, fontsize=8)
    ax.set_xlabel(ctx.t("age_group"))
    ax.legend()
    return fig


def immigrant_share_figure(ctx, shares: pd.DataFrame):
    """Immigrant share over time: the region in colour, county and country in grey."""
    fig, ax = figures.new_figure()
    styles = ["-", "--", ":"]
    for i, (area, part) in enumerate(shares.groupby("area", sort=False)):
        colour = figures.REGION_COLOUR if i == 0 else figures.COMPARISON_COLOUR
        ax.plot(part["year"], part["share"], color=colour, linestyle=styles[min(i, 2)],
                linewidth=2 if i == 0 else 1.5, label=label_of(ctx, area))
    ax.set_ylabel("%")
    ax.legend()
    return fig


def attractiveness_figure(ctx, attr: pd.DataFrame, area: str, label: str):
    """The region's residual over rolling windows with its interval, comparison units faint."""
    fig, ax = figures.new_figure()
    region = area
    for area, part in attr.groupby("area"):
        if area != region:
            ax.plot(part["last"], part["residual"], color=figures.COMPARISON_COLOUR,
                    linewidth=0.8, alpha=0.6)
    own = attr[attr["area"] == region]
    ax.fill_between(own["last"], own["low"], own["high"], color=figures.REGION_COLOUR,
                    alpha=figures.INTERVAL_ALPHA)
    ax.plot(own["last"], own["residual"], color=figures.REGION_COLOUR, marker="o",
            linewidth=2, label=label)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel(ctx.t("mig_attr_residual"))
    ax.legend()
    return fig
