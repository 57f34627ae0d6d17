"""The notebook-facing API: what a report notebook calls to show things.

A report notebook (STYLE.md: thin) does::

    ctx = report.setup(program, source=source, region=region, language=language)
    report.heading(ctx, "youth_heading")
    df = youth_dropout.neet_table(ctx)           # analysis returns a DataFrame
    report.table(ctx, df, caption=..., counts=["neet_persons"])
    report.figure(ctx, fig, alt=..., caption=...)
    report.finding(ctx, "neet_latest", text=..., value=...)

Every call displays semantic HTML (shown in JupyterLab, and kept as the executed notebook's
output that the renderer turns into the report) and, for tables and findings, also a JSON copy
under a private MIME type that the renderer reads for the summary page and the workbook:

- ``application/vnd.innsikt.table+json``: the table exactly as published (after suppression),
  with ``counts`` naming the columns disclosure control treated as counts
- ``application/vnd.innsikt.finding+json``: a key finding (text, value, key)

Disclosure control (:mod:`pipeline.disclosure`) is applied inside :func:`table` to every column
named in ``counts`` before anything is displayed, so no unsuppressed small count reaches an
output. Code cells and Markdown cells of the notebook are not part of the report: all report
text is produced here, in the programme's language.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import config, figures, geography, i18n
from pipeline.programs import Program, load_program

TABLE_MIME = "application/vnd.innsikt.table+json"
FINDING_MIME = "application/vnd.innsikt.finding+json"
NUM_CLASS = ' class="num"'


@dataclass
class Context:
    """Everything a notebook needs to know about the programme it reports on."""

    program: Program
    source: str
    language: str
    region_codes: list[str]
    region_label: str
    comparison_codes: list[str]
    county: str | None
    demo: bool
    _counter: dict[str, int] = field(default_factory=dict)

    def t(self, key: str, **values: object) -> str:
        """Translated text in the report's language."""
        return i18n.t(key, self.language, **values)

    def name(self, code: str) -> str:
        """Display name of a region code ("0" is the whole country)."""
        if code == "0":
            return self.t("national")
        return geography.region_name(code)

    def num(self, value: float | None, decimals: int = 0) -> str:
        return i18n.fmt_number(value, self.language, decimals)

    def pct(self, value: float | None, decimals: int = 1) -> str:
        return i18n.fmt_percent(value, self.language, decimals)

    def next_id(self, kind: str) -> str:
        """Stable ids (``table-1``, ``figure-2``) in display order: deterministic HTML."""
        self._counter[kind] = self._counter.get(kind, 0) + 1
        return f"{kind}-{self._counter[kind]}"

    @property
    def threshold(self) -> int:
        return self.program.disclosure_threshold


def setup(program: str = "flere-i-arbeid", source: str = "", region: str = "",
          language: str = "") -> Context:
    """Load the programme and resolve the region the report is about.

    Args:
        program: programme id (``programs/<id>.yml``).
        source: ``demo`` or ``ssb``; empty means ``INNSIKT_DATA_SOURCE`` (default demo).
        region: optional municipality (4 digits) or county (2 digits) code overriding the
            programme's region, so a notebook can be run for any place.
        language: ``nb`` or ``en``; empty means the programme's language.
    """
    prog = load_program(program)
    source = source or config.data_source()
    language = language or prog.language
    if region:
        region = str(region).strip()
        if not (geography.is_municipality(region) or geography.is_county(region)):
            raise ValueError(f"parameter region: {region!r} is neither a 2024 municipality nor "
                             "a county code (e.g. '3303' Kongsberg, '33' Buskerud)")
        codes = [region]
        label = geography.region_name(region)
        county = region if geography.is_county(region) else geography.county_of(region)
        comparison = [c for c in prog.comparison.municipalities if c != region]
    else:
        codes = prog.region_codes
        label = prog.region.label
        county = prog.region.county or (geography.county_of(codes[0]) if codes else None)
        comparison = list(prog.comparison.municipalities)
    figures.apply_style()
    return Context(program=prog, source=source, language=language, region_codes=codes,
                   region_label=label, comparison_codes=comparison, county=county,
                   demo=(source == "demo"))


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def heading(ctx: Context, text: str, level: int = 2) -> None:
    """A section heading (``text`` is already translated, or a translation key)."""
    text = ctx.t(text) if text in i18n.TEXTS else text
    _display({"text/html": f"<h{level}>{html.escape(text)}</h{level}>",
              "text/plain": text})


def paragraph(ctx: Context, text: str) -> None:
    """A paragraph of narrative (already in the report's language)."""
    _display({"text/html": f"<p>{html.escape(text)}</p>", "text/plain": text})


def notice(ctx: Context, text: str) -> None:
    """A visible caveat, e.g. too little data or suppressed figures."""
    _display({"text/html": f'<p class="notice" role="note">{html.escape(text)}</p>',
              "text/plain": text})


def finding(ctx: Context, key: str, text: str, value: str | None = None,
            rank: int = 50) -> None:
    """A key finding: shown where it arises and collected for the summary (Hovedfunn).

    Args:
        key: stable identifier (e.g. ``neet_latest``).
        text: one plain-language sentence in the report's language, numbers with intervals.
        value: the headline figure as formatted text (optional, for index pages).
        rank: lower ranks come first in the summary.
    """
    data = {"key": key, "text": text, "value": value, "rank": rank}
    _display({"text/html": f'<p class="finding"><strong>{html.escape(text)}</strong></p>',
              "text/plain": text, FINDING_MIME: data})


def _format_cell(value: Any, ctx: Context, decimals: int) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, (int, float)):
        return ctx.num(value, decimals if isinstance(value, float) else 0)
    return str(value)


def table(ctx: Context, df: pd.DataFrame, caption: str, counts: Sequence[str] = (),
          decimals: int | dict[str, int] = 1, index: bool = False, note: str = "",
          *, rates: dict[str, tuple[str, str]] | None = None, total_column: str | None = None,
          group_by: Sequence[str] | None = None, row_relations: bool = True) -> pd.DataFrame:
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
    head = "".join(
        f'<th scope="col"{NUM_CLASS if c in numeric_cols else ""}>{html.escape(str(c))}</th>'
        for c in published.columns)
    rows = []
    for _, row in published.iterrows():
        cells = []
        for i, (col, value) in enumerate(row.items()):
            text = html.escape(_format_cell(value, ctx, per_col.get(col, default)))
            numeric = not isinstance(value, str) or value == ":"
            cls = ' class="num"' if numeric and i > 0 else ""
            cells.append(f'<th scope="row">{text}</th>' if i == 0 else f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    suppressed = (published.astype(str) == ":").to_numpy().any()
    notes = [note] if note else []
    if suppressed:
        notes.append(ctx.t("suppressed_note", threshold=ctx.threshold))
    foot = "".join(f'<p class="table-note">{html.escape(n)}</p>' for n in notes)
    markup = (f'<div class="table-wrap"><table id="{table_id}"><caption>{html.escape(caption)}'
              f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
              f"{foot}</div>")
    records = json.loads(published.to_json(orient="split", index=False, force_ascii=False))
    _display({"text/html": markup, "text/plain": caption,
              TABLE_MIME: {"id": table_id, "caption": caption, "columns": records["columns"],
                           "data": records["data"], "notes": notes,
                           # which columns disclosure control treated as counts (for audits)
                           "counts": [str(c) for c in counts]}})
    return published


def figure(ctx: Context, fig, alt: str, caption: str) -> None:
    """Show a matplotlib figure as accessible inline SVG with alt text and a caption.

    Args:
        fig: the figure (closed after rendering).
        alt: what the figure shows and its main number, for screen readers and the PDF.
        caption: the visible caption (translated).
    """
    if not alt.strip():
        raise ValueError("every figure needs alt text saying what it shows and its main number")
    figure_id = ctx.next_id("figure")
    svg = figures.to_svg(fig, language=ctx.language)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{figure_id}-alt" ', 1)
    svg = svg.replace(">", f'><title id="{figure_id}-alt">{html.escape(alt)}</title>', 1)
    markup = (f'<figure id="{figure_id}">{svg}<figcaption>{html.escape(caption)}</figcaption>'
              "</figure>")
    _display({"text/html": markup, "text/plain": f"[{alt}]"})


def source_note(ctx: Context, datasets: Sequence[str]) -> None:
    """Credit the tables used (SSB's licence requires it; demo data says it is synthetic)."""
    from pipeline.sources.tables import table as spec

    ids = ", ".join(sorted({spec(d).table_id for d in datasets}))
    key = "demo_credit" if ctx.demo else "source_credit"
    _display({"text/html": f'<p class="source">{html.escape(ctx.t(key, tables=ids))}</p>',
              "text/plain": ctx.t(key, tables=ids)})
