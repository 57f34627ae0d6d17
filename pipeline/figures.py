"""One plotting style for every report figure.

Colours come from the Okabe–Ito palette (safe for the common forms of colour blindness); text is
large enough for A4 print; SVG output is deterministic (fixed hash salt, no dates) so re-rendering
gives identical bytes. Every figure is shown through :func:`pipeline.report.figure`, which
requires alt text.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
REGION_COLOUR = PALETTE[0]
COMPARISON_COLOUR = "#6b6b6b"
INTERVAL_ALPHA = 0.25

STYLE = {
    "figure.figsize": (7.0, 3.8),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
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


def new_figure(width: float = 7.0, height: float = 3.8, ncols: int = 1):
    """A new figure and axes in the report style."""
    apply_style()
    return plt.subplots(1, ncols, figsize=(width, height), layout="constrained")


def to_svg(fig) -> str:
    """Render a figure to deterministic SVG text (no metadata dates) and close it."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
