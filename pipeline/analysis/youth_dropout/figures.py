"""Youth charts (matplotlib). Labels arrive already translated from :mod:`.sections`."""

from __future__ import annotations

import pandas as pd

from pipeline import figures


def neet_figure(neet: pd.DataFrame, labels: dict[str, str]):
    """NEET share: region with its interval, county and Norway.

    Args:
        neet: :attr:`YouthResult.neet` with a boolean ``hidden`` column (small counts).
        labels: ``region``, ``county``, ``national``, ``x``, ``y``.
    """
    reg = neet[(neet["area"] == "region") & ~neet["hidden"]]
    fig, ax = figures.new_figure()
    ax.fill_between(reg["year"], reg["ci_low"], reg["ci_high"], color=figures.REGION_COLOUR,
                    alpha=figures.INTERVAL_ALPHA, linewidth=0)
    ax.plot(reg["year"], reg["value"], marker="o", color=figures.REGION_COLOUR,
            label=labels["region"])
    county = neet[neet["area"] == "county"]
    if not county.empty:
        ax.plot(county["year"], county["value"], color=figures.PALETTE[1],
                label=labels["county"])
    nat = neet[neet["area"] == "national"]
    ax.plot(nat["year"], nat["value"], color=figures.COMPARISON_COLOUR, linestyle="--",
            label=labels["national"])
    ax.set_ylabel(labels["y"])
    ax.set_xlabel(labels["x"])
    ax.legend(fontsize=8)
    return fig


def completion_figure(completion: pd.DataFrame, county: str, labels: dict[str, str]):
    """Completion by cohort: general and vocational, county solid and Norway dashed.

    Args:
        completion: :attr:`YouthResult.completion`; county: its county code.
        labels: ``general``, ``vocational``, ``county``, ``national``, ``x``, ``y``.
    """
    sel = completion[(completion["sex"] == "0") & completion["programme"].isin(["01", "02"])]
    fig, ax = figures.new_figure()
    colours = {"01": figures.PALETTE[0], "02": figures.PALETTE[1]}
    names = {"01": labels["general"], "02": labels["vocational"]}
    for prog in ("01", "02"):
        for code, style, where in ((county, "-", "county"), ("0", "--", "national")):
            part = sel[(sel["programme"] == prog) & (sel["region"] == code)]
            ax.plot(part["year"], part["value"], linestyle=style, color=colours[prog],
                    marker="o" if style == "-" else None, label=f"{names[prog]}, {labels[where]}")
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.legend(fontsize=8)
    return fig


def cohort_figure(cohorts: pd.DataFrame, labels: dict[str, str]):
    """Registered and projected 16–19-year-olds with the low–high band.

    Args:
        cohorts: :attr:`YouthResult.cohorts`; labels: ``observed``, ``main``, ``x``, ``y``.
    """
    obs = cohorts.dropna(subset=["observed"])
    proj = cohorts.dropna(subset=["main"])
    fig, ax = figures.new_figure()
    ax.plot(obs["year"], obs["observed"], color=figures.REGION_COLOUR, label=labels["observed"])
    if not proj.empty:
        ax.fill_between(proj["year"], proj["low"], proj["high"], color=figures.PALETTE[1],
                        alpha=figures.INTERVAL_ALPHA, linewidth=0)
        ax.plot(proj["year"], proj["main"], color=figures.PALETTE[1], linestyle="--",
                label=labels["main"])
    ax.set_ylabel(labels["y"])
    ax.set_xlabel(labels["x"])
    ax.legend(fontsize=8)
    return fig
