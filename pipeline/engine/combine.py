"""Render once: each analysis PDF is laid out once; the combined PDF reuses those pages.

Laying out a report in WeasyPrint costs seconds; the combined programme PDF used to lay out all
analyses a second time. Here each analysis's HTML (written by
:func:`pipeline.render.render_analysis_html`) is laid out once into a WeasyPrint ``Document``;
that document is written as ``<analysis>.pdf`` and its pages are then appended, as laid out, to
a short front document (the programme's combined page from
:func:`pipeline.render.site.combined_page` with each analysis's title and key findings, without
the bodies). WeasyPrint's ``Document.copy`` is its documented way to combine documents; tags
(PDF/UA-1 structure), the outline and the figures' alt text are generated from the page boxes
when the combined file is written, so they survive. The contents list links each analysis to its
first page in the combined file.

Only public functions of :mod:`pipeline.render` are used, so the page designs stay theirs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipeline import io

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


def _offline_fetcher():
    from weasyprint import URLFetcher

    # Same rule as pipeline.render.pdf: reports are self-contained, nothing is fetched.
    return URLFetcher(allowed_protocols=("file", "data"))


def layout(html_text: str, base_url: Path):
    """Lay out a report page (with the print stylesheet) into a WeasyPrint ``Document``."""
    from weasyprint import HTML

    from pipeline.render.pdf import with_print_css

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # A file inside the folder, not the folder: WeasyPrint adds the trailing slash only for
    # folders that exist, and the publish folder may not exist yet.
    return HTML(string=with_print_css(html_text), base_url=str(Path(base_url) / "index.html"),
                url_fetcher=_offline_fetcher()).render()


def write(document, out_pdf: Path, *, title: str, language: str) -> Path:
    """Write a laid-out document as tagged PDF/UA-1, atomically, with reproducible metadata."""
    from pipeline.render import pdf

    document.metadata.title = title
    document.metadata.lang = language
    document.metadata.generator = "innsikt"
    stamp = _fixed_date()
    document.metadata.created = document.metadata.modified = stamp
    return io.write_bytes(out_pdf, document.write_pdf(pdf_variant=pdf.PDF_VARIANT))


def _fixed_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` as a PDF date, else none (the rule of :mod:`pipeline.render.pdf`)."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link_sections(front, sections: Iterable[tuple[str, Any]]) -> None:
    """Point the contents list's ``#a-<analysis>`` links at each analysis's first page.

    The front document has those anchors on its (body-less) sections; moving them to the first
    appended page makes the link open the analysis itself.
    """
    for anchor, document in sections:
        if not document.pages:
            continue
        for page in front.pages:
            page.anchors.pop(anchor, None)
        document.pages[0].anchors[anchor] = (0, 0, 0, 0)


def _page_numbers_css(first_pages: dict[str, int]) -> str:
    """Print rules giving the contents list the analyses' page numbers in the combined file.

    The contents list normally asks WeasyPrint for ``target-counter(…)`` of each section; the
    analyses' pages come from their own documents, so the numbers are set explicitly.
    """
    rules = [f'.toc a[href="#a-{name}"]::after {{ content: leader(".") "{page}"; }}'
             for name, page in first_pages.items()]
    return "<style>\n" + "\n".join(rules) + "\n</style>\n</head>"


def _front(html_text: str, base: Path, documents: list, analyses: list[str]):
    """Lay out the front document twice: once to count its pages, once with the analyses'
    first page numbers in the contents list (the front is a few pages; this costs little)."""
    front = layout(html_text, base)
    for _ in range(2):  # a second pass only if the numbers changed the front's length
        first, pages = {}, len(front.pages)
        for name, document in zip(analyses, documents, strict=True):
            first[name] = pages + 1
            pages += len(document.pages)
        numbered = html_text.replace("</head>", _page_numbers_css(first), 1)
        again = layout(numbered, base)
        if len(again.pages) == len(front.pages):
            return again
        front = again
    return front


def render_outputs(program, out_dir: Path, analyses: list[str], *, demo: bool,
                   provenance: list[dict], language: str = "",
                   base_url: Path | None = None,
                   blocked: dict[str, dict] | None = None) -> dict[str, Path]:
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

    Returns:
        The paths written, by role.
    """
    from pipeline.render import read_report, texts
    from pipeline.render.html import report_language, write_page
    from pipeline.render.site import combined_page, program_page
    from pipeline.render.workbook import render_workbook

    out_dir = Path(out_dir)
    base = Path(base_url or out_dir)
    reports = {a: read_report(out_dir / f"{a}.ipynb") for a in analyses}
    params = next((c.parameters for c in reports.values() if c.parameters), None)
    lang = language or report_language(program, params)
    program = program.model_copy(update={"language": lang})
    written: dict[str, Path] = {}
    documents = {}
    for analysis in analyses:
        html = out_dir / f"{analysis}.html"
        documents[analysis] = layout(html.read_text(encoding="utf-8"), base)
        title = f"{program.title} – {texts.analysis_title(analysis, lang)}"
        written[analysis] = write(documents[analysis], out_dir / f"{analysis}.pdf",
                                  title=title, language=lang)
    summaries = {a: dataclasses.replace(c, body="") for a, c in reports.items()}
    front_html = combined_page(program, summaries, demo=demo, provenance=provenance)
    front = _front(front_html, base, [documents[a] for a in analyses], analyses)
    _link_sections(front, [(f"a-{a}", documents[a]) for a in analyses])
    pages = list(front.pages) + [p for a in analyses for p in documents[a].pages]
    pdf_name, workbook_name = f"{program.id}.pdf", "tables.xlsx"
    written["pdf"] = write(front.copy(pages), out_dir / pdf_name, title=program.title,
                           language=lang)
    written["index"] = write_page(out_dir / "index.html", program_page(
        program, reports, demo=demo, combined_pdf=pdf_name, workbook=workbook_name,
        blocked=blocked))
    written["workbook"] = render_workbook(out_dir / workbook_name, program, reports, demo=demo,
                                          provenance=provenance, lang=lang)
    return written
