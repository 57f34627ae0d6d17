"""The notebook-facing API: what a report notebook calls to show things.

A report notebook (STYLE.md: thin) does::

    ctx = report.setup(program, source=source, region=region, language=language)
    report.heading(ctx, "youth_heading")
    df = youth_dropout.neet_table(ctx)           # analysis returns a DataFrame
    report.table(ctx, df, caption=..., counts=["neet_persons"])
    report.figure(ctx, fig, alt=..., caption=...)
    report.finding(ctx, "neet_latest", text=..., value=..., question="neet_share_15_29")
    report.barometer(ctx, youth_dropout.INDICATORS)   # county programmes: every municipality

Every call displays semantic HTML made from the templates in
``pipeline/render/templates/fragments/`` (shown in JupyterLab, and kept as the executed
notebook's output that the renderer turns into the report) and, for tables, findings and the
barometer, also a JSON copy under a private MIME type that the renderer reads for the front page
and the workbook:

- ``application/vnd.innsikt.table+json``: the table exactly as published (after suppression),
  with ``counts`` naming the columns disclosure control treated as counts
- ``application/vnd.innsikt.finding+json``: a key finding (text, value, key, rank, section and
  the optional structured fields of :func:`finding`)
  and, for the barometer, ``kind: "barometer"`` and its structured rows (see
  :mod:`pipeline.present.barometer`)

Disclosure control (:mod:`pipeline.disclosure`) is applied inside :func:`table` to every column
named in ``counts`` before anything is displayed, so no unsuppressed small count reaches an
output; the barometer is published through :func:`table` too. Code cells and Markdown cells of
the notebook are not part of the report: all report text is produced here, in the programme's
language.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from pipeline import i18n
from pipeline.present import figures
from pipeline.present.context import (
    Context,
    ParameterError,
    en_dash_range,
    install_error_display,
    setup,
)

__all__ = ["FINDING_MIME", "TABLE_MIME", "Context", "ParameterError",
           "barometer", "figure", "finding", "heading", "notice", "paragraph", "setup",
           "source_note", "table"]

TABLE_MIME = "application/vnd.innsikt.table+json"
FINDING_MIME = "application/vnd.innsikt.finding+json"
FRAGMENTS = Path(__file__).resolve().parent.parent / "render" / "templates" / "fragments"
FINDING_FIELDS = ("question", "verdict", "method", "interval", "target", "indicator",
                  "reference", "power")


@cache
def _macros():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(FRAGMENTS)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("display.html.j2").module


def _markup(macro: str, *args: Any, **kwargs: Any) -> str:
    return str(getattr(_macros(), macro)(*args, **kwargs))


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def heading(ctx: Context, text: str, level: int = 2) -> None:
    """A section heading (``text`` is already translated, or a translation key).

    The heading gets a stable id (``section-N``); findings shown after it link to it from the
    front page.
    """
    text = ctx.t(text) if text in i18n.TEXTS else text
    anchor = ctx.next_id("section")
    if level <= 3:
        ctx.section = anchor
    _display({"text/html": _markup("heading", level, text, anchor), "text/plain": text})


def paragraph(ctx: Context, text: str) -> None:
    """A paragraph of narrative (already in the report's language)."""
    _display({"text/html": _markup("paragraph", text), "text/plain": text})


def notice(ctx: Context, text: str) -> None:
    """A visible caveat, e.g. too little data or suppressed figures."""
    _display({"text/html": _markup("notice", text), "text/plain": text})


def finding(ctx: Context, key: str, text: str, value: str | None = None, rank: int = 50,
            **structured: Any) -> None:
    """A key finding: shown where it arises and collected for the front page and summary.

    Args:
        key: stable identifier (e.g. ``neet_latest``).
        text: one plain-language sentence in the report's language, numbers with intervals.
        value: the headline figure as formatted text (optional, for index pages).
        rank: lower ranks come first in the summary.
        **structured: optional fields the front page uses, all formatted text or ids:
            ``question`` (the programme question it answers: an indicator id or a text key),
            ``verdict`` (e.g. "lower than the comparison"), ``method`` (e.g. "DiD, 95 %
            interval"), ``interval``, ``target`` (distance to the programme's target),
            ``indicator``, ``reference`` (the label of a programme reference it sits beside),
            ``power`` (what effect could have been detected, when no verdict is possible).

    Raises:
        TypeError: an unknown structured field (a typo would silently vanish otherwise).
    """
    unknown = sorted(set(structured) - set(FINDING_FIELDS))
    if unknown:
        raise TypeError(f"finding(): unknown fields {unknown}; use {', '.join(FINDING_FIELDS)}")
    anchor = ctx.next_id("finding")
    data = {"key": key, "text": text, "value": value, "rank": rank, "id": anchor,
            "section": ctx.section,
            **{k: str(v) for k, v in structured.items() if v is not None}}
    _display({"text/html": _markup("finding", text, anchor, key), "text/plain": text,
              FINDING_MIME: data})


def _format_cell(value: Any, ctx: Context, decimals: int) -> str:
    if isinstance(value, str):
        return en_dash_range(value)  # "15-29" as SSB codes an age group shows as "15–29"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, (int, float)):
        return ctx.num(value, decimals if isinstance(value, float) else 0)
    return str(value)


def _rows(published: pd.DataFrame, ctx: Context, per_col: dict, default: int,
          classes: pd.DataFrame | None) -> list[list[tuple[str, str]]]:
    rows = []
    for r, (_, row) in enumerate(published.iterrows()):
        cells = []
        for i, (col, value) in enumerate(row.items()):
            text = _format_cell(value, ctx, per_col.get(col, default))
            numeric = not isinstance(value, str) or value == ":"
            cls = "num" if numeric and i > 0 else ""
            if classes is not None and col in classes.columns and classes.iat[r, i]:
                cls = f"{cls} {classes.iat[r, i]}".strip()
            cells.append((text, cls))
        rows.append(cells)
    return rows


def table(ctx: Context, df: pd.DataFrame, caption: str, counts: Sequence[str] = (),
          decimals: int | dict[str, int] = 1, index: bool = False, note: str = "",
          *, rates: dict[str, tuple[str, str]] | None = None, total_column: str | None = None,
          group_by: Sequence[str] | None = None, row_relations: bool = True,
          cell_classes: pd.DataFrame | None = None, notes: Sequence[str] = (),
          kind: str = "", extra: dict[str, Any] | None = None) -> pd.DataFrame:
    """Publish a table: suppress small counts, format numbers, show it with a caption.

    Args:
        df: the table; column names are shown as headers (already translated).
        caption: what the table shows (translated).
        counts: columns holding counts of persons; disclosure control applies to them.
        decimals: decimals for float columns: one number for all, or a dict of
            column -> decimals (unlisted columns get none).
        index: show the frame's index as the first column.
        note: a footnote under the table.
        rates: rate column -> (numerator, denominator) count columns: a rate is hidden
            wherever its numerator or denominator is.
        total_column: the count column that is the sum of the other count columns, if any.
        group_by: columns whose value combinations form groups of rows that add up.
        row_relations: whether a row's count columns are parts of a published whole (the
            conservative default); False when they are not (e.g. one column per year).
        cell_classes: optional frame shaped like ``df`` of CSS classes per cell (the
            barometer's ``better``/``worse``).
        notes: further footnotes (after ``note``).
        kind: an optional table kind recorded in the JSON copy: ``barometer``, or ``detail``
            for a table that belongs in the report's detail part (printed after the main
            part, and left out of the combined PDF) however short it is.
        extra: further fields of the JSON copy (the barometer's structured rows).

    See :func:`pipeline.disclosure.suppress` for the rules (primary and secondary suppression).

    Returns:
        The published table (suppressed cells as ":").
    """
    from pipeline import disclosure

    frame = df.reset_index() if index else df.reset_index(drop=True)
    published = disclosure.suppress(
        frame, list(counts), threshold=ctx.threshold, rates=rates, total_column=total_column,
        group_by=group_by, row_relations=row_relations) if counts else frame.copy()
    # A dict names the columns with decimals; the others (counts, years) get none.
    per_col = decimals if isinstance(decimals, dict) else {}
    default = decimals if isinstance(decimals, int) else 0
    table_id = ctx.next_id("table")
    numeric_cols = {c for c in published.columns[1:]
                    if all(not isinstance(v, str) or v == ":" for v in published[c])}
    head = [(str(c), c in numeric_cols) for c in published.columns]
    all_notes = ([note] if note else []) + list(notes)
    if (published.astype(str) == ":").to_numpy().any():
        all_notes.append(ctx.t("suppressed_note", threshold=ctx.threshold))
    markup = _markup("table", table_id, caption, head,
                     _rows(published, ctx, per_col, default, cell_classes), all_notes,
                     f" {kind}" if kind in ("barometer", "detail") else "")
    records = json.loads(published.to_json(orient="split", index=False, force_ascii=False))
    payload = {"id": table_id, "caption": caption, "columns": records["columns"],
               "data": records["data"], "notes": all_notes,
               # which columns disclosure control treated as counts (for audits)
               "counts": [str(c) for c in counts], "section": ctx.section}
    if kind:
        payload["kind"] = kind
    payload.update(extra or {})
    _display({"text/html": markup, "text/plain": caption, TABLE_MIME: payload})
    return published


def figure(ctx: Context, fig, alt: str, caption: str) -> None:
    """Show a matplotlib figure as an image with alt text and a caption (screen and print).

    Args:
        fig: the figure (closed after rendering); year ticks are thinned so that labels never
            overlap, and a legend is added when several lines are labelled and none is shown.
        alt: what the figure shows and its main number, for screen readers and the PDF.
        caption: the visible caption (translated).

    Raises:
        ValueError: without alt text.
    """
    if not alt.strip():
        raise ValueError("every figure needs alt text saying what it shows and its main number")
    figure_id = ctx.next_id("figure")
    width, height = (round(x * figures.SCREEN_DPI) for x in fig.get_size_inches())
    png = figures.to_png(fig, language=ctx.language)
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    _display({"text/html": _markup("figure", figure_id, src, alt, caption, width, height),
              "text/plain": f"[{alt}]"})


def source_note(ctx: Context, datasets: Sequence[str]) -> None:
    """Credit the tables used (SSB's licence requires it; demo data says it is synthetic)."""
    from pipeline.sources.tables import table as spec

    ids = ", ".join(sorted({spec(d).table_id for d in datasets}))
    key = "demo_credit" if ctx.demo else "source_credit"
    text = ctx.t(key, tables=ids)
    _display({"text/html": _markup("source", text), "text/plain": text})


def barometer(ctx: Context, indicators: Any) -> pd.DataFrame | None:
    """Show the barometer: every municipality of the county × the programme's indicators.

    Args:
        ctx: the report context; the county is the region itself when it is a county, else
            the region's county.
        indicators: either an analysis's ``INDICATORS`` (indicator id → function of the data
            source returning a panel ``region, year, value[, numerator, denominator, se]``),
            or a long frame already made by :func:`pipeline.present.barometer.frame`.

    Returns:
        The published long frame, or None when nothing is to be shown (no county, or none of
        the programme's indicators among ``indicators``).
    """
    from pipeline.present import barometer as bar

    long = indicators if isinstance(indicators, pd.DataFrame) else bar.from_indicators(
        ctx, indicators)
    if long is None or long.empty:
        return None
    return bar.publish(ctx, long)


install_error_display()
