"""Read an executed report notebook into what the renderer needs: body HTML, findings, tables.

The report is the notebook's display outputs only (see the nbconvert template
``templates/nbconvert/innsikt``). A notebook with an ``error`` output failed and is refused.
The combined programme PDF gives the anchors of each analysis's pages the analysis as prefix
(:mod:`pipeline.render.combined`). Long tables move to the report's detail part
(:func:`split_long_tables`).
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import TemplateExporter
from nbconvert.preprocessors import Preprocessor

# The same MIME types as pipeline.report (not imported: the renderer must not need the
# notebook-side modules and their data); tests check that they agree.
TABLE_MIME = "application/vnd.innsikt.table+json"
FINDING_MIME = "application/vnd.innsikt.finding+json"
TEMPLATES = Path(__file__).resolve().parent / "templates"


class RenderError(RuntimeError):
    """A report cannot be rendered; the message names the file and what to do."""


@dataclass(frozen=True)
class ReportContent:
    """What one executed notebook contributes to the reports.

    Attributes:
        path: the executed notebook.
        parameters: papermill's recorded parameters (program, source, region, language).
        body: HTML fragment of the display outputs, in notebook order.
        findings: key findings ``{key, text, value, rank}``, in display order.
        tables: published tables ``{id, caption, columns, data, notes}``, in display order.
    """

    path: Path
    parameters: dict[str, Any]
    body: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)

    def key_findings(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Findings ordered by rank (ties keep display order), at most ``limit`` of them."""
        ordered = sorted(enumerate(self.findings),
                         key=lambda item: (_rank(item[1].get("rank")), item[0]))
        picked = [f for _, f in ordered]
        return picked if limit is None else picked[:limit]


def _rank(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 50.0


# ---------------------------------------------------------------- tables

WIDE_TABLE_COLUMNS = 8  # from here a table gets a smaller print font
VERY_WIDE_TABLE_COLUMNS = 12  # from here it is printed on a landscape page
_TABLE_WRAP = re.compile(r'<div class="table-wrap( barometer| detail)?">(\s*<table\b.*?</table>)',
                         re.S)


_FINDING = re.compile(r'<p class="finding" id="([^"]+)"[^>]*>.*?</p>', re.S)
_WIDE_WRAP = re.compile(r'(<div class="table-wrap (?:wide|very-wide)[^"]*"[^>]*>)')


def strip_findings(markup: str, ids: set[str]) -> str:
    """Leave out the finding paragraphs whose id is in ``ids`` (shown once, elsewhere)."""
    if not ids:
        return markup
    return _FINDING.sub(lambda m: "" if m[1] in ids else m[0], markup)


_ANY_TABLE = re.compile(r'<div class="table-wrap[^"]*"[^>]*>\s*<table\b.*?</table>.*?</div>', re.S)


def _caption_text(table_markup: str) -> str:
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", table_markup, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", caption[1])).strip() if caption else ""


def split_long_tables(markup: str, max_rows: int, note: str) -> tuple[str, str]:
    """Move tables longer than ``max_rows`` (and barometers and ``detail`` tables) out of the
    running text.

    Args:
        markup: a report body.
        max_rows: the longest table kept where it stands.
        note: a template with ``{caption}``: the line left where a table stood.

    Returns:
        The body with one line naming each moved table, and the moved tables in order (the
        report's detail part, printed after the main part).
    """
    from markupsafe import Markup, escape

    moved: list[str] = []

    def one(match: re.Match[str]) -> str:
        long = match[0].count("<tr>") - 1 > max_rows
        if not long and not re.match(r'<div class="table-wrap[^"]*\b(barometer|detail)\b',
                                     match[0]):
            return match[0]
        moved.append(match[0])
        table_id = re.search(r'<table id="([^"]+)"', match[0])
        caption = escape(_caption_text(match[0]))
        if table_id:  # the caption links to the table (in the combined PDF: to the appendix)
            caption = Markup('<a href="#{}">{}</a>').format(table_id[1], caption)
        text = Markup(escape(note)).format(caption=caption)
        return f'<p class="table-note moved">{text}</p>'

    return _ANY_TABLE.sub(one, markup), "\n".join(moved)


def add_scroll_hints(markup: str, hint: str) -> str:
    """Put a visible "scroll sideways" line above every wide table (hidden in print)."""
    from markupsafe import escape

    line = f'<p class="scroll-hint">{escape(hint)}</p>'
    return _WIDE_WRAP.sub(lambda m: line + m[1], markup)


def mark_wide_tables(markup: str) -> str:
    """Mark tables with many columns so print and screen styles can make them fit.

    A wide table's wrapper gets ``wide`` (or ``very-wide``) and becomes a focusable, named
    region: on a narrow screen it scrolls sideways, and keyboard users must reach it (WCAG
    2.1.1; axe-core rule ``scrollable-region-focusable``).
    """
    def rewrite(match: re.Match[str]) -> str:
        table = match[2]
        extra = match[1] or ""
        head = re.search(r"<thead>.*?</thead>", table, re.S)
        columns = len(re.findall(r"<th\b", head[0] if head else ""))
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
        label = re.sub(r"<[^>]+>", "", caption[1]).strip() if caption else ""
        named = f' role="region" aria-label="{label}"' if label else ""
        # Every wrapper can scroll on a narrow screen, so every one is reachable by keyboard.
        if columns < WIDE_TABLE_COLUMNS:
            return f'<div class="table-wrap{extra}" tabindex="0"{named}>{table}'
        size = "very-wide" if columns >= VERY_WIDE_TABLE_COLUMNS else "wide"
        return f'<div class="table-wrap {size}{extra}" tabindex="0"{named}>{table}'

    return _TABLE_WRAP.sub(rewrite, markup)


# ---------------------------------------------------------------- nbconvert

class _ReportOutputs(Preprocessor):
    """Refuse failed notebooks; collect findings and tables; mark wide tables."""

    def preprocess(self, nb, resources):  # noqa: D102 (nbconvert API)
        path = resources.get("innsikt_path", "notebook")
        findings: list[dict[str, Any]] = []
        tables: list[dict[str, Any]] = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for output in cell.get("outputs", []):
                kind = output.get("output_type")
                if kind == "error":
                    raise RenderError(
                        f"{path}: cell {index} (In [{cell.get('execution_count')}]) failed with "
                        f"{output.get('ename')}: "
                        f"{output.get('evalue')}; the notebook did not run to the end, so no "
                        "report is rendered. Open the executed notebook, fix the cause and run "
                        "again.")
                if kind != "display_data":
                    continue
                data = output.get("data", {})
                if FINDING_MIME in data:
                    findings.append(dict(data[FINDING_MIME]))
                if TABLE_MIME in data:
                    tables.append(dict(data[TABLE_MIME]))
                if "text/html" in data:
                    markup = data["text/html"]
                    if isinstance(markup, list):
                        markup = "".join(markup)
                    data["text/html"] = mark_wide_tables(markup)
        resources["innsikt"] = {"findings": findings, "tables": tables}
        return nb, resources


class _BodyExporter(TemplateExporter):
    """The report body from the ``innsikt`` template.

    A plain TemplateExporter: nbconvert's HTMLExporter re-parses its result with BeautifulSoup,
    which lower-cases SVG names (``viewBox``, ``clipPath``) and reorders attributes.
    """

    output_mimetype = "text/html"

    def _file_extension_default(self):
        return ".html"


def _exporter() -> TemplateExporter:
    exporter = _BodyExporter(extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
                             template_name="innsikt", exclude_input=True,
                             exclude_input_prompt=True, exclude_output_prompt=True,
                             exclude_markdown=True, exclude_raw=True, exclude_unknown=True)
    exporter.register_preprocessor(_ReportOutputs(), enabled=True)
    return exporter


def read_report(executed_nb: Path | str) -> ReportContent:
    """Read an executed notebook into its report content.

    Raises:
        RenderError: when the file is missing, is not a notebook, or holds an error output.
    """
    path = Path(executed_nb)
    if not path.exists():
        raise RenderError(f"{path}: executed notebook not found; run the notebook first "
                          "(`innsikt run`)")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable files
        raise RenderError(f"{path}: not a readable notebook ({exc}); run it again") from None
    parameters = dict(nb.metadata.get("papermill", {}).get("parameters", {}) or {})
    body, resources = _exporter().from_notebook_node(
        copy.deepcopy(nb), resources={"innsikt_path": str(path)})
    found = resources["innsikt"]
    return ReportContent(path=path, parameters=parameters, body=body.strip() + "\n",
                         findings=found["findings"], tables=found["tables"])
