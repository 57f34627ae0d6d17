"""Wording slips in the reports a user gets, and the fixes for the slips readers found.

The end-to-end test renders every programme once (the session's demo project; reports another
test module already rendered there are up to date and not built again) and scans every HTML
page: each analysis report, each programme page and the site index.
"""

from __future__ import annotations

import pytest

from pipeline import programs
from pipeline.present import figures, slips
from pipeline.present.context import NORWEGIAN_NAMES, en_dash_range, setup


def test_ranges_get_an_en_dash_in_text_values():
    assert en_dash_range("45-49") == "45–49"
    assert en_dash_range("2016 - 2025") == "2016–2025"
    assert en_dash_range("Buskerud") == "Buskerud"
    assert en_dash_range("10-33 Industri") == "10-33 Industri"  # not just a range: unchanged
    ctx = setup("buskerudplanen", source="demo", region="", language="nb")
    text = ctx.t("mig_age_finding", region="Buskerud", first=2020, last=2024, worst="1",
                 best="2", worst_group="45-49", best_group="25-29")
    assert "45–49" in text and "25–29" in text and "45-49" not in text


def test_bilingual_names_are_norwegian_in_running_text_and_official_in_tables():
    ctx = setup("buskerudplanen", source="demo", region="", language="nb")
    assert ctx.name("0301") == "Oslo - Oslove"
    assert ctx.name("0301", inline=True) == "Oslo"
    assert ctx.name("5001", inline=True) == "Trondheim"
    assert ctx.name("1826", inline=True) == "Hattfjelldal"  # the Sami form comes first
    assert ctx.name("3301", inline=True) == ctx.name("3301")  # one name: unchanged
    assert ctx.name("0", inline=True) == "hele landet"
    assert set(NORWEGIAN_NAMES) <= set(programs._known_municipalities())


def test_age_group_ticks_get_an_en_dash():
    fig, ax = figures.new_figure()
    ax.bar(["20-24", "25-29", "30-34"], [1, 2, 3])
    ax.set_ylabel("Personer")
    svg = figures.to_svg(fig, "nb")
    assert "25–29" in svg and "25-29" not in svg


def test_figures_fit_two_to_a_page_and_tall_ones_stay_under_two_thirds():
    fig, _ = figures.new_figure()
    width, height = fig.get_size_inches()
    assert width <= 6.85 and height <= 10 / 3  # the A4 text block is 6.85 × 10 inches
    tall, _ = figures.new_figure(height=12)
    assert tall.get_size_inches()[1] <= 10 / 2


def test_print_png_is_deterministic_and_small():
    def chart():
        fig, ax = figures.new_figure()
        ax.plot(range(2010, 2025), range(15), label="a")
        ax.plot(range(2010, 2025), range(15, 30), label="b")
        ax.set_ylabel("Personer")
        return fig

    png_a, png_b = figures.to_png(chart(), "nb"), figures.to_png(chart(), "nb")
    assert png_a == png_b
    assert png_a.startswith(b"\x89PNG") and len(png_a) < 80_000


@pytest.mark.slow
def test_no_wording_slip_in_any_rendered_page_of_any_programme(every_programme):
    reports, ids, summary = every_programme
    assert summary.ok, "\n".join(str(f) for f in summary.failures)
    assert len(ids) >= 4
    found, scanned = [], 0
    for program_id in ids:
        for page in sorted((reports / program_id).glob("*.html")):
            scanned += 1
            found += [f"{program_id}/{page.name}: {slip}"
                      for slip in slips.scan(page.read_text(encoding="utf-8"), program_id)]
    found += slips.scan((reports / "index.html").read_text(encoding="utf-8"))
    assert scanned >= 4 * 4  # three analyses and the programme page, per programme
    assert found == [], "\n".join(found)


@pytest.mark.slow
def test_combined_pdfs_stay_within_fourteen_pages(every_programme):
    from pypdf import PdfReader

    reports, ids, _ = every_programme
    pages = {p: len(PdfReader(reports / p / f"{p}.pdf").pages) for p in ids}
    assert all(n <= 14 for n in pages.values()), pages


def test_a_y_label_longer_than_its_axis_goes_on_two_lines():
    fig, axes = figures.new_figure(ncols=2)
    for ax in axes:
        ax.plot([2008, 2024], [1, 2])
    axes[0].set_ylabel("Andel (%)")
    axes[1].set_ylabel("Forskjell mot sammenligning (prosentpoeng)")
    figures.to_png(fig, "nb")
    assert axes[0].get_ylabel() == "Andel (%)"
    assert axes[1].get_ylabel() == "Forskjell mot sammenligning\n(prosentpoeng)"
