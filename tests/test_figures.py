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


def test_a_figure_goes_into_the_pdf_as_its_own_palette_png():
    """The figure's palette PNG is embedded as it is (Indexed colour space, same IDAT bytes):
    WeasyPrint does not convert it to RGB and encode it again; other PNGs keep its own path."""
    import base64
    import io
    import re

    from PIL import Image

    from pipeline.render import combined, pdf

    fig, ax = figures.new_figure(3, 2)
    ax.plot([2020, 2021, 2022], [1, 3, 2], label="a")
    ax.set_ylabel("personer")
    png = figures.to_png(fig)
    bits, plte, idat = pdf.png_palette(png)
    assert bits in (1, 2, 4, 8) and len(plte) % 3 == 0 and idat
    rgb = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(rgb, format="PNG")
    assert pdf.png_palette(rgb.getvalue()) is None  # not a palette PNG
    transparent = io.BytesIO()
    Image.open(io.BytesIO(png)).save(transparent, format="PNG", transparency=0)
    assert pdf.png_palette(transparent.getvalue()) is None  # tRNS: WeasyPrint's own path

    def page(data: bytes) -> str:
        src = "data:image/png;base64," + base64.b64encode(data).decode()
        return (f'<html lang="nb"><head><title>t</title></head><body>'
                f'<img src="{src}" alt="figur"></body></html>')

    document = combined.layout(page(png), None)
    data = document.write_pdf()
    assert re.search(rb"/ColorSpace\s*\[\s*/Indexed\s*/DeviceRGB\s*" + str(len(plte) // 3 - 1)
                     .encode() + rb"\s*<" + plte.hex().encode() + rb">", data)
    assert idat in data  # the same compressed bytes, not a re-encoding
    rgb_pdf = combined.layout(page(rgb.getvalue()), None).write_pdf()
    assert b"/Indexed" not in rgb_pdf and b"/DeviceRGB" in rgb_pdf


@pytest.mark.parametrize("how", ["categories", "fixed labels"])
def test_range_tick_labels_get_the_en_dash(how):
    fig, ax = figures.new_figure(4, 2)
    groups = ["15-19", "20-24", "Alle"]
    if how == "categories":
        ax.bar(groups, [1, 2, 3])
    else:
        ax.bar(range(3), [1, 2, 3])
        ax.set_xticks(range(3), groups)
    ax.set_ylabel("personer")
    figures._dash_ranges(fig)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["15–19", "20–24", "Alle"]
