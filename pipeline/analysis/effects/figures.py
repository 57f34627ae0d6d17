"""Effect-tracking charts (matplotlib). Labels arrive already translated from :mod:`.sections`."""

from __future__ import annotations

from matplotlib.ticker import MaxNLocator

from pipeline import figures
from pipeline.analysis.effects.tracking import Assessment


def _levels(ax, a: Assessment, labels: dict[str, str]) -> None:
    s = a.series
    if s["band_low"].notna().any():
        ax.fill_between(s["year"], s["band_low"], s["band_high"], color=figures.REGION_COLOUR,
                        alpha=figures.INTERVAL_ALPHA, linewidth=0)
    ax.plot(s["year"], s["treated"], marker="o", color=figures.REGION_COLOUR,
            label=labels["area"])
    if s["comparison"].notna().any():
        ax.plot(s["year"], s["comparison"], marker="s", color=figures.COMPARISON_COLOUR,
                label=labels["comparison"])
    ax.axvline(a.start_year - 0.5, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel(labels["x"])
    # Above the axes, so it never covers the lines; few year ticks in half-width panels.
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def _event(ax, a: Assessment, labels: dict[str, str]) -> None:
    ev = a.effect.event
    for _, row in ev.iterrows():
        if row["period"] == "reference":
            ax.plot(row["year"], 0, marker="D", color="black")
            continue
        colour = figures.REGION_COLOUR if row["period"] == "post" else figures.COMPARISON_COLOUR
        ax.errorbar(row["year"], row["estimate"],
                    yerr=[[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]],
                    fmt="o", color=colour, capsize=3)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(a.start_year - 0.5, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel(labels["x"])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_ylabel(labels["difference"], fontsize=8)


def effect_figure(a: Assessment, labels: dict[str, str], event: bool):
    """Levels of the treated unit and its comparison, and (when ``event``) the event study.

    Args:
        a: the assessment; labels: ``area``, ``comparison``, ``x``, ``difference``.
        event: draw the year-by-year differences beside the levels.

    Returns:
        The figure.
    """
    fig, axes = figures.new_figure(ncols=2 if event else 1)
    _levels(axes[0] if event else axes, a, labels)
    if event:
        _event(axes[1], a, labels)
    return fig
