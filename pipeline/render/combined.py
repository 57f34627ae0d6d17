"""The combined programme PDF from pages already laid out: each analysis is laid out once.

An analysis report prints in three parts, each starting a page (``report.html.j2``): its
summary, its main part (findings in their sections, figures, short tables) and its detail part
(long tables, methods and sources). ``<analysis>.pdf`` is all of it. The combined PDF is

1. the front (page 1 answers the programme's questions; contents; barometer), laid out here;
2. each analysis's main part: its pages as laid out for ``<analysis>.pdf``, not again;
3. one methods and sources appendix for every analysis (sources deduplicated), laid out here,
   with a line pointing to the analysis reports and the workbook for the long tables.

Each finding is shown once: the front page holds the programme's answers, the main parts the
rest where they arise (the analyses' own summaries stay in their own PDFs). Each page's foot
names its part ("<part> · 3 / 8" in the analysis's own PDF); in the combined PDF the numbers are
rewritten to run through the file ("<part> · 7 / 14", :func:`renumber`), and the contents list
and page 1's pointers give those numbers: the front is laid out once with the page map it
would have at its usual length (:func:`page_numbers`), again only when that guess was wrong.

WeasyPrint's ``Document.copy(pages)`` is its documented way to combine laid-out pages; tags
(PDF/UA-1 structure), the outline and the figures' alt text are written from the page boxes, so
they survive. Anchors of reused pages get the analysis as prefix (``a-<analysis>-<id>``) so ids
from different analyses never collide and the front page's links find their sections.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import io
from pipeline.render.pdf import layout

MAIN_START, DETAIL_START = "main-part", "detail-part"  # ids in report.html.j2
FOOT_BOX = "@bottom-center"  # print.css: "<part> · <page> / <pages>"
_FOOT_NUMBERS = re.compile(r"(\d+) / (\d+)$")
FRONT_PASSES = 3  # layouts of the front at most (the page map converges after one or two)


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


def reused_pages(parts: Mapping[str, Any]) -> dict[str, list]:
    """Analysis → its main pages, anchors prefixed ``a-<analysis>-`` (the first page also
    gets ``a-<analysis>``). Call once per laid-out report: the prefix is added in place."""
    mains: dict[str, list] = {}
    for analysis, document in parts.items():
        pages = main_pages(document)
        _prefix_anchors(pages, f"a-{analysis}-")
        if pages:
            pages[0].anchors[f"a-{analysis}"] = (0, 0, 0, 0)
        mains[analysis] = pages
    return mains


def page_numbers(front, mains: Mapping[str, list], appendix) -> dict[str, int]:
    """Anchor → page number (from 1) in the combined file, for every anchor on its pages."""
    pages = [*front.pages, *(p for part in mains.values() for p in part), *appendix.pages]
    out: dict[str, int] = {}
    for number, page in enumerate(pages, 1):
        for name in page.anchors:
            out.setdefault(name, number)
    return out


def _text_boxes(box):
    from weasyprint.formatting_structure.boxes import TextBox

    return [b for b in box.descendants() if isinstance(b, TextBox)]


def _set_text(textbox, text: str) -> None:
    """Give a laid-out text box new text, keeping its centre (a page foot is centred).

    WeasyPrint keeps each text box's Pango layout and draws from it; the layout is rebuilt
    from ``text`` when drawn, so the text and the width are all that change here.
    """
    from weasyprint.text.line_break import line_size

    layout = textbox.pango_layout
    layout.reactivate(textbox.style)
    layout.set_text(text)
    width, _ = line_size(layout.get_first_line()[0], textbox.style)
    layout.deactivate()
    textbox.position_x -= (width - textbox.width) / 2
    textbox.text, textbox.width = text, width


def renumber(pages: list) -> None:
    """Rewrite each page's foot number as its place in ``pages`` ("<part> · 7 / 14").

    The pages of an analysis were laid out (and written) for its own PDF, where the foot says
    "3 / 8"; in the combined PDF the numbers run through the whole file.
    """
    total = len(pages)
    for number, page in enumerate(pages, 1):
        margins = [b for b in page._page_box.children
                   if getattr(b, "at_keyword", None) == FOOT_BOX]
        for box in margins:
            found = [t for t in _text_boxes(box) if _FOOT_NUMBERS.search(t.text)]
            if found:
                text = _FOOT_NUMBERS.sub(f"{number} / {total}", found[-1].text)
                _set_text(found[-1], text)


def combine(front, mains: Mapping[str, list], appendix):
    """One document: the front, each analysis's main pages, then the appendix.

    Args:
        front: the laid-out front (:func:`layout` of ``combined.html.j2``, part ``front``).
        mains: analysis → its main pages (:func:`reused_pages`).
        appendix: the laid-out shared appendix.

    Returns:
        The combined ``Document`` (write it with :func:`write`), its page numbers running
        through the file.
    """
    _anchor_missing_targets(front, mains, appendix)
    pages = [*front.pages, *(p for part in mains.values() for p in part), *appendix.pages]
    renumber(pages)
    return front.copy(pages)


def _used(numbers: Mapping[str, int]) -> dict[str, int]:
    """The page numbers the front prints: the barometer's, each analysis's and the appendix's."""
    return {k: v for k, v in numbers.items()
            if k == "barometer-title" or k.startswith(("a-", "all-"))}


def _guess(front_pages: int, mains: Mapping[str, list], appendix, *,
           barometer: bool) -> dict[str, int]:
    """The page map if the front has ``front_pages`` pages (the barometer, if any, on the last).

    Only a front with a barometer has its anchor: a guess naming it for a front without one
    never matched the laid-out front, which was then laid out a second time for nothing.
    """
    from types import SimpleNamespace

    blank = SimpleNamespace(pages=[SimpleNamespace(anchors={})] * front_pages)
    guess = page_numbers(blank, mains, appendix)
    if barometer:
        guess["barometer-title"] = front_pages
    return guess


def _front_layout(page, mains: Mapping[str, list], appendix, base_url, *, barometer: bool):
    """The front laid out with the combined file's page numbers in its contents and pointers.

    Laid out first with the numbers it would have at its usual length (page 1, and a page for
    the barometer when there is one); again only when that guess moved its own pages.
    """
    pages = _guess(2 if barometer else 1, mains, appendix, barometer=barometer)
    front = layout(page(pages), base_url)
    for _ in range(FRONT_PASSES - 1):
        found = page_numbers(front, mains, appendix)
        if _used(found) == _used(pages):
            break
        pages = found
        front = layout(page(pages), base_url)
    return front


def write_combined(program, reports: Mapping[str, Any], documents: Mapping[str, Any],
                   out_pdf: Path, *, demo: bool, provenance: list[dict],
                   base_url: Path | None = None) -> Path:
    """Lay out the front and the appendix, add the analyses' main pages, write the PDF.

    Args:
        program: the programme (its ``language`` is the run's).
        reports: analysis → :class:`pipeline.render.ReportContent`, in report order.
        documents: analysis → its laid-out report (see :func:`layout`), written already (its
            pages' anchors and foot numbers are changed here).
        out_pdf: the combined PDF to write.
        demo: demo data.
        provenance: source-table records for the shared appendix.
        base_url: the publish folder (see :func:`layout`).

    Returns:
        ``out_pdf``.
    """
    from pipeline.render.site import combined_page

    def page(part: str, pages: Mapping[str, int] | None = None) -> str:
        return combined_page(program, reports, demo=demo, provenance=provenance, part=part,
                             pages=pages)

    mains = reused_pages({a: documents[a] for a in reports})
    appendix = layout(page("appendix"), base_url)
    from pipeline.render import frontpage

    front = _front_layout(lambda pages: page("front", pages), mains, appendix, base_url,
                          barometer=bool(frontpage.barometer(reports)))
    document = combine(front, mains, appendix)
    return write(document, out_pdf, title=program.title, language=program.language)
