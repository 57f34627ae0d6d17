"""The combined programme PDF from pages already laid out: each analysis is laid out once.

An analysis report prints in three parts, each starting a page (``report.html.j2``): its
summary, its main part (findings in their sections, figures, short tables) and its detail part
(long tables, methods and sources). ``<analysis>.pdf`` is all of it. The combined PDF is

1. the front (page 1 answers the programme's questions; contents; barometer), laid out here;
2. each analysis's main part: its pages as laid out for ``<analysis>.pdf``, not again;
3. one methods and sources appendix for every analysis (sources deduplicated), laid out here,
   with a line pointing to the analysis reports and the workbook for the long tables.

Each finding is shown once: the front page holds the programme's answers, the main parts the
rest where they arise (the analyses' own summaries stay in their own PDFs). Pages keep the
numbers of the report they come from ("<part> · 3 / 8"), so the contents list links the parts
rather than giving page numbers that would disagree with the pages.

WeasyPrint's ``Document.copy(pages)`` is its documented way to combine laid-out pages; tags
(PDF/UA-1 structure), the outline and the figures' alt text are written from the page boxes, so
they survive. Anchors of reused pages get the analysis as prefix (``a-<analysis>-<id>``) so ids
from different analyses never collide and the front page's links find their sections.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import io

MAIN_START, DETAIL_START = "main-part", "detail-part"  # ids in report.html.j2


def _fetcher():
    from weasyprint import URLFetcher

    # Reports are self-contained; nothing but inline data and local files is read.
    return URLFetcher(allowed_protocols=("file", "data"))


def layout(html_text: str, base_url: Path | None = None):
    """Lay out a page with the print stylesheet into a WeasyPrint ``Document``.

    Args:
        html_text: a page from :mod:`pipeline.render`.
        base_url: the folder the PDF will be published in (relative links resolve against
            it); None keeps them relative.
    """
    from weasyprint import HTML

    from pipeline.render.pdf import font_clock, with_print_css

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # A file inside the folder, not the folder: WeasyPrint adds the trailing slash only for
    # folders that exist, and the publish folder may not exist yet.
    base = str(Path(base_url) / "index.html") if base_url is not None else None
    with font_clock():
        return HTML(string=with_print_css(html_text), base_url=base,
                    url_fetcher=_fetcher()).render()


def write(document, out_pdf: Path, *, title: str, language: str) -> Path:
    """Write a laid-out document as tagged PDF/UA-1, atomically, with reproducible metadata."""
    from pipeline.render import pdf

    document.metadata.title = title
    document.metadata.lang = language
    document.metadata.generator = "innsikt"
    document.metadata.created = document.metadata.modified = pdf.fixed_date()
    with pdf.font_clock():
        data = document.write_pdf(pdf_variant=pdf.PDF_VARIANT)
    return io.write_bytes(out_pdf, data)


def _page_of(document, anchor: str) -> int | None:
    for number, page in enumerate(document.pages):
        if anchor in page.anchors:
            return number
    return None


def main_pages(document) -> list:
    """The pages of a report's main part (all pages when the report has no parts)."""
    start = _page_of(document, MAIN_START)
    end = _page_of(document, DETAIL_START)
    if start is None:
        return list(document.pages)
    return list(document.pages[start:end if end is not None and end > start else None])


def _prefix_anchors(pages: list, prefix: str) -> None:
    """Give the pages' anchors and the internal links between them ``prefix``."""
    for page in pages:
        page.anchors = {f"{prefix}{name}": at for name, at in page.anchors.items()}
        page.links = [(kind, f"{prefix}{target}" if kind == "internal" else target, *rest)
                      for kind, target, *rest in page.links]


def _anchor_missing_targets(front, parts: Mapping[str, list], appendix) -> None:
    """Point every internal link of the combined file at a page that exists.

    A front-page link to an analysis (``#a-<analysis>…``) whose target is not on a reused page
    (a finding shown in the analysis's own summary, say) opens the analysis's first page; a
    link from a main part to its detail part (a long table) opens the appendix, which says
    where the long tables are.
    """
    pages = [*front.pages, *(p for part in parts.values() for p in part), *appendix.pages]
    known = {name for page in pages for name in page.anchors}
    linking = [(page, True) for page in front.pages] + [
        (page, False) for part in parts.values() for page in part]
    for page, on_front in linking:
        for kind, target, *_ in page.links:
            if kind != "internal" or target in known:
                continue
            owner = next((a for a in parts if target.startswith(f"a-{a}-")), None)
            home = (parts[owner][0] if on_front and owner and parts[owner]
                    else appendix.pages[0])
            home.anchors[target] = (0, 0, 0, 0)
            known.add(target)


def combine(front, parts: Mapping[str, Any], appendix):
    """One document: the front, each analysis's main pages, then the appendix.

    Args:
        front: the laid-out front (:func:`layout` of ``combined.html.j2``, part ``front``).
        parts: analysis → its laid-out report (already written as ``<analysis>.pdf``: its
            pages' anchors are renamed here).
        appendix: the laid-out shared appendix.

    Returns:
        The combined ``Document`` (write it with :func:`write`).
    """
    mains: dict[str, list] = {}
    for analysis, document in parts.items():
        pages = main_pages(document)
        _prefix_anchors(pages, f"a-{analysis}-")
        if pages:
            pages[0].anchors[f"a-{analysis}"] = (0, 0, 0, 0)
        mains[analysis] = pages
    _anchor_missing_targets(front, mains, appendix)
    pages = [*front.pages, *(p for part in mains.values() for p in part), *appendix.pages]
    return front.copy(pages)


def write_combined(program, reports: Mapping[str, Any], documents: Mapping[str, Any],
                   out_pdf: Path, *, demo: bool, provenance: list[dict],
                   base_url: Path | None = None) -> Path:
    """Lay out the front and the appendix, add the analyses' main pages, write the PDF.

    Args:
        program: the programme (its ``language`` is the run's).
        reports: analysis → :class:`pipeline.render.ReportContent`, in report order.
        documents: analysis → its laid-out report (see :func:`layout`), written already.
        out_pdf: the combined PDF to write.
        demo: demo data.
        provenance: source-table records for the shared appendix.
        base_url: the publish folder (see :func:`layout`).

    Returns:
        ``out_pdf``.
    """
    from pipeline.render.site import combined_page

    pieces = {part: layout(combined_page(program, reports, demo=demo, provenance=provenance,
                                         part=part), base_url)
              for part in ("front", "appendix")}
    document = combine(pieces["front"], {a: documents[a] for a in reports}, pieces["appendix"])
    return write(document, out_pdf, title=program.title, language=program.language)
