"""Figures: tick labels never overlap after :func:`pipeline.present.figures.to_png`.

The thinning measures each label's box once on the laid-out figure; these checks draw the
finished figure again (at screen and at print resolution) and look at every label box.
"""

from __future__ import annotations

import pytest

from pipeline.present import figures


def _chart(width: float, n_years: int, ncols: int = 1, dense_y: bool = False):
    fig, axes = figures.new_figure(width=width, ncols=ncols)
    for ax in [axes] if ncols == 1 else axes:
        years = list(range(2040 - n_years, 2040))
        ax.plot(years, [1_000_000 + 12_345 * i for i in range(n_years)], label="a")
        ax.plot(years, [900_000 + 23_456 * i for i in range(n_years)], label="b")
        ax.set_xticks(years)
        if dense_y:
            ax.set_yticks([900_000 + 25_000 * i for i in range(60)])
        ax.set_ylabel("Personer")
    return fig


@pytest.mark.parametrize("width", [2.5, 6.8])
@pytest.mark.parametrize("ncols", [1, 2])
def test_rendered_figures_have_no_overlapping_tick_labels(width, ncols):
    fig = _chart(width, 33, ncols=ncols, dense_y=True)
    assert figures.tick_label_overlaps(fig)  # the set-up overlaps before rendering
    figures.to_png(fig, "nb")
    assert figures.tick_label_overlaps(fig) == []
    fig.set_dpi(figures.PRINT_DPI)  # the print PNG's resolution
    assert figures.tick_label_overlaps(fig) == []


def test_thinning_keeps_ticks_that_already_fit():
    fig, ax = figures.new_figure()
    ax.bar(["Under 20", "20–24", "25–29", "30–34"], [1, 2, 3, 4])
    ax.set_ylabel("Personer")
    figures.to_png(fig, "nb")
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Under 20", "20–24", "25–29", "30–34"]


def test_thinning_keeps_the_first_tick_and_every_kth():
    fig, ax = figures.new_figure(width=2.5)
    names = [f"Kommune {i}" for i in range(12)]
    ax.bar(names, range(12))
    ax.set_ylabel("Personer")
    figures.to_png(fig, "nb")
    kept = [t.get_text() for t in ax.get_xticklabels()]
    step = names.index(kept[1])
    assert kept[0] == names[0] and step > 1
    assert kept == names[::step]
    assert figures.tick_label_overlaps(fig) == []
