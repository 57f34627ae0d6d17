"""One plotting style for every report figure.

Colours come from the Okabe–Ito palette (safe for the common forms of colour blindness); text is
large enough for A4 print; SVG output is deterministic (fixed hash salt, no dates) so re-rendering
gives identical bytes. Every figure is shown through :func:`pipeline.report.figure`, which
requires alt text.
"""

from __future__ import annotations

import io
import logging

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LOG = logging.getLogger(__name__)
# Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
REGION_COLOUR = PALETTE[0]
COMPARISON_COLOUR = "#6b6b6b"
INTERVAL_ALPHA = 0.25
FIGURE_WIDTH, FIGURE_HEIGHT = 6.8, 2.4  # inches
PANELS_HEIGHT = 2.2  # side-by-side panels are each narrow: a lower pair still reads well
MAX_HEIGHT = 5.0  # half the A4 text height: a tall chart (one bar per industry) leaves room
SCREEN_DPI = 96  # CSS pixels per inch: the size a figure is shown at on screen
PRINT_DPI = 200  # the one PNG of a figure: sharp on paper, twice a screen's density
PRINT_COLOURS = 128  # palette PNG: charts use few colours, the file gets 4× smaller

STYLE = {
    # The print text width of A4 (174 mm) and a third of its height: figures print at their
    # own size (9 pt text stays 9 pt) and two fit a page with their captions.
    "figure.figsize": (FIGURE_WIDTH, FIGURE_HEIGHT),
    "figure.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "legend.frameon": False,
    "svg.hashsalt": "innsikt",
    "svg.fonttype": "path",
}


def apply_style() -> None:
    """Apply the report style to matplotlib globally."""
    plt.rcParams.update(STYLE)


def new_figure(width: float = FIGURE_WIDTH, height: float | None = None, ncols: int = 1):
    """A new figure and axes in the report style, at most :data:`MAX_HEIGHT` inches tall.

    Like ``plt.subplots``, but the figure is not registered with pyplot: an analysis builds its
    figures in one cell and shows them later through :func:`pipeline.report.figure`, and a
    figure pyplot knows of would be drawn and shown a second time by Jupyter's inline backend at
    the end of the cell that made it (about 0.25 s per figure, and a duplicate in the notebook).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    apply_style()
    if height is None:
        height = FIGURE_HEIGHT if ncols == 1 else PANELS_HEIGHT
    fig = Figure(figsize=(width, min(height, MAX_HEIGHT)), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols)


def _whole_year_ticks(fig) -> None:
    """On x axes that show calendar years, tick whole years only (never "2019.5")."""
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    for ax in fig.get_axes():
        low, high = sorted(ax.get_xlim())
        formatter = ax.xaxis.get_major_formatter()
        if 1900 <= low and high <= 2100 and isinstance(formatter, ScalarFormatter):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter("{x:.0f}")


def _decimals(values) -> int:
    """Decimals needed to tell the tick values apart (at most 6)."""
    needed = 0
    for value in values:
        text = f"{value:.6f}".rstrip("0")
        needed = max(needed, len(text.split(".")[1]))
    return needed


def _localise_ticks(fig, language: str) -> None:
    """Tick labels in the report's number style: ``1 234,5`` and true minus in bokmål."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    from pipeline import i18n

    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is not ScalarFormatter:
                continue  # years, categories, percent and log axes keep their own labels
            decimals = _decimals(axis.get_majorticklocs())
            axis.set_major_formatter(FuncFormatter(
                lambda x, _pos, d=decimals: i18n.fmt_number(x, language, d)))


def _canvas(fig):
    """The figure's Agg canvas (a closed or SVG-saved figure may have a plain one)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas


def _boxes(fig, axis) -> list:
    renderer = _canvas(fig).get_renderer()
    return [label.get_window_extent(renderer) for label in axis.get_ticklabels()
            if label.get_visible() and label.get_text()]


def tick_label_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of tick labels (their texts) whose boxes overlap, on any axis of ``fig``."""
    _canvas(fig).draw()
    found = []
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            labels = [lb for lb in axis.get_ticklabels() if lb.get_visible() and lb.get_text()]
            boxes = _boxes(fig, axis)
            for i in range(len(boxes) - 1):
                for j in range(i + 1, len(boxes)):
                    if boxes[i].overlaps(boxes[j]):
                        found.append((labels[i].get_text(), labels[j].get_text()))
    return found


def _clear_step(boxes: dict, locs: list[float]) -> int:
    """The smallest k for which every k-th label (from the first) overlaps none of its
    neighbours, judged on the labels' boxes as laid out now (one label always fits)."""
    for step in range(1, len(locs)):
        kept = [boxes[x] for x in locs[::step] if x in boxes]
        if not any(a.overlaps(b) for a, b in zip(kept, kept[1:], strict=False)):
            return step
    return max(1, len(locs))


def _thin_ticks(fig, renderer=None) -> bool:
    """Keep every k-th tick on an axis whose labels overlap ("200820102012" never shows).

    Each label's box is measured once on the laid-out figure (``renderer``: the one that has
    just drawn it; without one the figure is laid out here): keeping every k-th tick moves no
    label (a label sits at its tick), so the boxes of the kept labels are the boxes already
    measured, and k follows without drawing again. Thinning only frees room, so a later layout
    cannot bring the kept labels closer (tested on the drawn figures).

    Returns:
        Whether any axis lost ticks (the figure must be drawn again to show it).
    """
    if renderer is None:
        fig.draw_without_rendering()
        renderer = _canvas(fig).get_renderer()
    thinned = False
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            ticks = [t for t in axis.get_major_ticks()
                     if low - 1e-9 <= t.get_loc() <= high + 1e-9]
            boxes = {t.get_loc(): t.label1.get_window_extent(renderer) for t in ticks
                     if t.label1.get_visible() and t.label1.get_text()}
            locs = [t.get_loc() for t in ticks]
            step = _clear_step(boxes, locs)
            if step == 1:
                continue
            texts = {t.get_loc(): t.label1.get_text() for t in ticks}
            keep = locs[::step]
            axis.set_ticks(keep, [texts.get(x, "") for x in keep])
            thinned = True
    return thinned


def _legend_when_labelled(fig) -> None:
    """Add the legend a chart forgot: two or more labelled lines and no legend shown."""
    for ax in fig.get_axes():
        handles, labels = ax.get_legend_handles_labels()
        if len(labels) >= 2 and ax.get_legend() is None and not fig.legends:
            ax.legend()


def missing_axis_labels(fig) -> list[str]:
    """Axes whose y axis shows numbers but has no label (titles of the axes, for a warning)."""
    missing = []
    for number, ax in enumerate(fig.get_axes(), 1):
        if ax.yaxis.get_visible() and ax.get_yticks().size and not ax.get_ylabel():
            missing.append(ax.get_title() or f"axes {number}")
    return missing


def _dash_ranges(fig) -> None:
    """Category tick labels that are number ranges ("25-29") get the en dash ("25–29").

    The labels' formatter is wrapped rather than its labels read and set again: reading them
    would make matplotlib create and format every tick once more before the figure is drawn
    (about a twentieth of a figure's time). Category axes (strings plotted as x or y), fixed
    labels (``set_xticks(…, labels)``, a function of the tick in matplotlib) and other
    function formatters are the ones that can hold ranges; numeric formatters cannot.
    """
    from matplotlib.category import StrCategoryFormatter
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    from pipeline.present.context import en_dash_range

    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                formatter.seq = [en_dash_range(str(text)) for text in formatter.seq]
            elif isinstance(formatter, StrCategoryFormatter | FuncFormatter):
                axis.set_major_formatter(FuncFormatter(
                    lambda x, pos, f=formatter: en_dash_range(f(x, pos))))


def _wrap(text: str) -> str:
    """The text on two lines, broken at the space nearest its middle (unchanged without one)."""
    spaces = [i for i, char in enumerate(text) if char == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1:]


def _fit_axis_labels(fig) -> None:
    """A y-axis label longer than its axis goes on two lines, so it is never cut off."""
    renderer = _canvas(fig).get_renderer()
    for ax in fig.get_axes():
        label = ax.yaxis.label
        text = label.get_text()
        if not text or "\n" in text:
            continue
        if label.get_window_extent(renderer).height > ax.get_window_extent(renderer).height:
            label.set_text(_wrap(text))


def _prepare(fig, language: str | None) -> None:
    """Ticks, number style and legend before a figure is laid out (tick thinning follows
    the layout: see :func:`_thin_ticks`)."""
    _whole_year_ticks(fig)
    _dash_ranges(fig)
    _fit_axis_labels(fig)
    if language:
        _localise_ticks(fig, language)
    _legend_when_labelled(fig)
    for name in missing_axis_labels(fig):
        LOG.warning("figure %r: the y axis has no label (say the unit)", name)


def _svg_text(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def to_png(fig, language: str | None = None) -> bytes:
    """The figure as a palette PNG at print resolution, the same bytes for the same figure,
    then closed. Reports show this one image on screen and on paper.

    Before drawing: whole-year ticks, the language's number style, a legend when several
    labelled lines have none (see :func:`to_svg`). The chart is drawn once at print
    resolution; that draw's layout is kept (constrained layout does not run again), tick labels
    are thinned on the boxes it drew (:func:`_thin_ticks`), and the chart is drawn a second time
    only when a label was removed. The pixels are quantised straight from the drawing buffer
    with Pillow's octree quantiser without dithering (deterministic; on these charts it looks
    the same as median cut at a fifth of the time), and the PNG carries no date or software.

    Why one PNG rather than SVG on screen and PNG in print: each output is a full draw of the
    chart (the SVG about 0.13 s per figure), a matplotlib SVG costs WeasyPrint half a second to
    lay out, and at :data:`PRINT_DPI` the PNG is twice the screen's pixel density.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    _prepare(fig, language)
    dpi, canvas = fig.dpi, fig.canvas
    try:
        fig.dpi = PRINT_DPI
        agg = FigureCanvasAgg(fig)
        agg.draw()
        if fig.get_layout_engine() is not None:
            fig.set_layout_engine("none")  # keep this layout: thinning only frees room
        if _thin_ticks(fig, agg.get_renderer()):
            agg.draw()
        rgba = agg.buffer_rgba()
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw",
                                 "RGBA", 0, 1)
        image = image.convert("RGB").quantize(colors=PRINT_COLOURS,
                                              method=Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE)
    finally:
        fig.dpi = dpi
        fig.set_canvas(canvas)
    plt.close(fig)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def to_svg(fig, language: str | None = None) -> str:
    """Render a figure to deterministic SVG text (no metadata dates) and close it.

    Reports use :func:`to_png`; this is for a researcher who wants the chart as vectors (a
    thesis, a slide) and for tests that read tick labels as text. Before drawing: whole-year
    ticks, the language's number style, a legend when several labelled lines have none, and
    tick labels thinned until none overlap (checked on the labels' drawn boxes). A y axis
    without a label is logged as a warning.

    Args:
        fig: the figure.
        language: ``nb`` or ``en``: tick labels follow that language's number style (decimal
            comma and thin-space thousands in bokmål). ``None`` keeps matplotlib's labels.
    """
    _prepare(fig, language)
    _thin_ticks(fig)
    svg = _svg_text(fig)
    plt.close(fig)
    return svg
