"""Render once: each analysis PDF is laid out once; the combined PDF reuses those pages.

Laying out a report in WeasyPrint costs seconds; the combined programme PDF used to lay out all
analyses a second time. Here each analysis's HTML (written by
:func:`pipeline.render.render_analysis_html`) is laid out once into a WeasyPrint ``Document``;
that document is written as ``<analysis>.pdf`` and the pages of its main part are then put,
as laid out, between a short front (page 1 answers the programme's questions) and one shared
methods and sources appendix: see :mod:`pipeline.render.combined`.

Only public functions of :mod:`pipeline.render` are used, so the page designs stay theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)
_CACHE: dict[tuple, Any] = {}


def cached(func: Callable[[str], Any], source: str) -> Any:
    """``func(source)`` memoised per project, source and processed-data manifest version.

    A Dask worker lives across batches, so the key includes the manifest's modification time.
    """
    from pipeline import config

    manifest = config.paths().processed_source(source) / "manifest.json"
    try:
        stamp = manifest.stat().st_mtime_ns
    except OSError:
        stamp = None
    key = (func.__module__, func.__name__, str(config.project_root()), source, stamp)
    if key not in _CACHE:
        _CACHE[key] = func(source)
    return _CACHE[key]


def render_outputs(program, out_dir: Path, analyses: list[str], *, demo: bool,
                   provenance: list[dict], language: str = "",
                   base_url: Path | None = None,
                   blocked: dict[str, dict] | None = None, pdf: bool = True,
                   reports: dict[str, Any] | None = None) -> dict[str, Path]:
    """The analysis PDFs, the combined PDF, the programme page and the workbook of a target.

    Args:
        program: the programme (or the area profile's stand-in programme).
        out_dir: the staging folder holding ``<analysis>.ipynb`` and ``<analysis>.html``.
        analyses: the analyses that executed successfully, in report order.
        demo: demo data.
        provenance: source-table records (see :func:`pipeline.engine.state.provenance`).
        language: the run's language (empty: the notebooks' recorded one, else the programme's).
        base_url: the folder the reports will be published in: links in the PDFs resolve
            against it (not against the run's temporary staging folder), which also keeps the
            PDF bytes the same from run to run.
        blocked: analyses not run because a dataset they need is missing (analysis -> the
            dataset's record); the programme page says which table and why.
        pdf: write the analysis PDFs and the combined PDF (False: the page and the workbook
            only, and nothing is laid out).
        reports: analysis -> its :class:`pipeline.render.ReportContent` as the notebook task
            read it; an analysis missing here is read from its executed notebook.

    Returns:
        The paths written, by role.
    """
    from pipeline.render import combined, read_report, texts
    from pipeline.render.html import report_language, write_page
    from pipeline.render.site import program_page
    from pipeline.render.workbook import render_workbook

    out_dir = Path(out_dir)
    base = Path(base_url or out_dir)
    given = reports or {}
    reports = {a: given.get(a) or read_report(out_dir / f"{a}.ipynb") for a in analyses}
    params = next((c.parameters for c in reports.values() if c.parameters), None)
    lang = language or report_language(program, params)
    program = program.model_copy(update={"language": lang})
    written: dict[str, Path] = {}
    pdf_name, workbook_name = (f"{program.id}.pdf" if pdf else ""), "tables.xlsx"
    if pdf:
        documents = {}
        for analysis in analyses:
            html = out_dir / f"{analysis}.html"
            documents[analysis] = combined.layout(html.read_text(encoding="utf-8"), base)
            title = f"{program.title} – {texts.analysis_title(analysis, lang)}"
            written[analysis] = combined.write(documents[analysis], out_dir / f"{analysis}.pdf",
                                               title=title, language=lang)
        written["pdf"] = combined.write_combined(program, reports, documents,
                                                 out_dir / pdf_name, demo=demo,
                                                 provenance=provenance, base_url=base)
    written["index"] = write_page(out_dir / "index.html", program_page(
        program, reports, demo=demo, combined_pdf=pdf_name, workbook=workbook_name,
        blocked=blocked))
    written["workbook"] = render_workbook(out_dir / workbook_name, program, reports, demo=demo,
                                          provenance=provenance, lang=lang)
    return written
