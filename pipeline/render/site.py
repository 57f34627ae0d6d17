"""Programme pages, the combined programme PDF, the workbook and the top-level index.

Layout (all links relative, so the folder can be published anywhere)::

    reports/index.html                       render_site
    reports/<program>/index.html             render_program
    reports/<program>/<program>.pdf          render_program (all analyses, with contents list)
    reports/<program>/tables.xlsx            render_program
    reports/<program>/<analysis>.html|.pdf   render_analysis_html / render_pdf (linked)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import i18n
from pipeline.programs import Program
from pipeline.render import combined, frontpage, texts
from pipeline.render.content import RenderError, ReportContent, read_report
from pipeline.render.html import (
    analysis_page,
    area_label,
    methods_context,
    page_context,
    render_template,
    report_language,
    source_label,
    write_page,
)
from pipeline.render.workbook import render_workbook

LOG = logging.getLogger(__name__)


def _ordered(program: Program, executed: Mapping[str, Path]) -> list[str]:
    """Analyses in the programme file's order, then any extra ones by name."""
    known = [a for a in program.analyses if a in executed]
    return known + sorted(a for a in executed if a not in program.analyses)


def _facts(program: Program, lang: str, demo: bool) -> list[tuple[str, str]]:
    facts = [(texts.t("owner", lang), program.owner)] if program.owner else []
    return facts + [(texts.t("area", lang), area_label(program)),
                    (texts.t("data_source", lang), source_label(demo, lang))]


def _front(program: Program, reports: Mapping[str, ReportContent], lang: str,
           link) -> dict[str, Any]:
    front = frontpage.blocks(program, reports, lang, link)
    refs = frontpage.references(program, reports, lang, link)
    return {"front": front, "refs": refs, "barometer": frontpage.barometer(reports),
            "shown": frontpage.shown_finding_ids(front, refs)}


def _print_front(program: Program, reports: Mapping[str, ReportContent],
                 lang: str) -> dict[str, Any]:
    """Page 1 of the combined PDF: the answers of :func:`_front`, in less room (a programme
    figure inside the block of the question it answers; the barometer summed up)."""
    def link(analysis: str, anchor: str) -> str:
        return f"#a-{analysis}-{anchor}" if anchor else ""

    front = frontpage.blocks(program, reports, lang, link, with_references=True)
    refs = frontpage.references(program, reports, lang, link, shown=front)
    beside = [item for block in front for item in block["items"] if item.get("theirs")]
    sources = list(dict.fromkeys([*(i["source"] for i in beside), *(r["source"] for r in refs)]))
    return {"front": front, "refs": refs, "barometer": frontpage.barometer(reports),
            "refs_title": texts.t("front_other_figures" if beside else "references_title", lang),
            "refs_sources": texts.t("front_sources", lang, sources="; ".join(sources))
            if sources else "",
            "barometer_summary": frontpage.barometer_summary(reports, lang)}


def combined_page(program: Program, reports: Mapping[str, ReportContent], *, demo: bool,
                  provenance: list[dict], part: str = "front",
                  pages: Mapping[str, int] | None = None) -> str:
    """HTML of one piece of the combined programme PDF that is laid out on its own.

    ``part="front"``: page 1 is the front page (one block per programme question, the
    programme's own figures beside ours, the barometer in short), then the contents and the
    barometer (when the analyses published one). ``part="appendix"``: the one methods and
    sources appendix of every analysis, with a line naming the analysis reports' web pages and
    the workbook for the long tables. The analyses' main parts come between them, as laid out in
    their own reports (:mod:`pipeline.render.combined`). ``pages`` (anchor → page number in
    the combined PDF) gives the contents list and the front page's pointers their pages.
    """
    lang = program.language
    front = _print_front(program, reports, lang)
    sections = [{"anchor": f"a-{analysis}", "title": texts.analysis_title(analysis, lang)}
                for analysis in reports]
    pointer = texts.t("appendix_pointer", lang, workbook="tables.xlsx",
                      files=", ".join(f"{a}.html" for a in reports))
    context = page_context(program, lang, demo, page_title=program.title,
                           description=program.description_for(lang),
                           facts=_facts(program, lang, demo), analyses=sections, reproduce="",
                           body_class=f"combined combined-{part}", part=part, pointer=pointer,
                           pages=dict(pages or {}),
                           **front, **methods_context(program, provenance, lang))
    return render_template("combined.html.j2", context)


def program_page(program: Program, reports: Mapping[str, ReportContent], *, demo: bool,
                 combined_pdf: str, workbook: str,
                 blocked: Mapping[str, Mapping] | None = None) -> str:
    """HTML of the programme page ``reports/<program>/index.html``: the front page first.

    ``combined_pdf`` is the combined PDF's file name, empty for a folder built without PDFs
    (``innsikt run --no-pdf``): then no PDF is linked, the analyses' own neither. (The site
    index, which lists folders built at different times, looks at the files instead.)
    ``blocked`` names analyses that were not run because a dataset they need could not be
    built (analysis -> ``{"dataset", "table_id", "reason"}``); their card says so.
    """
    lang = program.language
    front = _front(program, reports, lang,
                   lambda analysis, anchor: f"{analysis}.html" + (f"#{anchor}" if anchor else ""))
    cards = []
    for analysis in list(program.analyses) + sorted(set(reports) - set(program.analyses)):
        content = reports.get(analysis)
        missing = (blocked or {}).get(analysis)
        cards.append({"name": analysis, "title": texts.analysis_title(analysis, lang),
                      "available": content is not None,
                      "blocked": texts.t("blocked_by_data", lang,
                                         table=missing.get("table_id") or missing.get("dataset"))
                      if missing else "",
                      "html": f"{analysis}.html",
                      "pdf": f"{analysis}.pdf" if combined_pdf else ""})
    context = page_context(program, lang, demo, page_title=program.title,
                           description=program.description_for(lang),
                           facts=_facts(program, lang, demo), analyses=cards,
                           combined_pdf=combined_pdf, workbook=workbook,
                           body_class="programme", **front)
    markup = render_template("program.html.j2", context)
    return markup


def render_program(program: Program, executed: dict[str, Path], out_dir: Path, *, demo: bool,
                   provenance: list[dict]) -> dict[str, Path]:
    """Write the programme page, the combined PDF and the workbook for one programme.

    The per-analysis ``<analysis>.html`` and ``.pdf`` are written by
    :func:`pipeline.render.render_analysis_html` and :func:`pipeline.render.render_pdf`; this
    page links them. Analyses of the programme missing from ``executed`` (failed) are listed
    as not available.

    Args:
        program: the programme.
        executed: analysis name → executed notebook.
        out_dir: ``reports/<program>``.
        demo: demo data.
        provenance: source table records for the methods appendix and the sources sheet.

    Returns:
        ``{"index": …, "pdf": …, "workbook": …}`` paths written.

    Analyses whose executed notebook is missing or failed are logged and shown as not
    available; the rest are rendered.
    """
    out_dir = Path(out_dir)
    reports: dict[str, ReportContent] = {}
    for analysis in _ordered(program, executed):
        try:
            reports[analysis] = read_report(executed[analysis])
        except RenderError as exc:
            # One failed analysis must not take the programme page down: it is listed as not
            # available and left out of the combined PDF and the workbook.
            LOG.warning("%s", exc)
    # The run's language (papermill's `language` parameter) wins over the programme file's,
    # so `innsikt run --language en` gives an English programme page and combined PDF too.
    params = next((c.parameters for c in reports.values() if c.parameters), None)
    lang = report_language(program, params)
    program = program.model_copy(update={"language": lang})
    pdf_name, workbook_name = f"{program.id}.pdf", "tables.xlsx"
    written: dict[str, Path] = {}
    written["index"] = write_page(out_dir / "index.html", program_page(
        program, reports, demo=demo, combined_pdf=pdf_name, workbook=workbook_name))
    documents = {a: combined.layout(analysis_page(c, program=program, analysis=a, demo=demo,
                                                  provenance=provenance))
                 for a, c in reports.items()}
    written["pdf"] = combined.write_combined(program, reports, documents, out_dir / pdf_name,
                                             demo=demo, provenance=provenance)
    written["workbook"] = render_workbook(out_dir / workbook_name, program, reports, demo=demo,
                                          provenance=provenance, lang=lang)
    return written


def _is_demo(info: Mapping[str, Any]) -> bool:
    """Whether a programme's reports use demo data.

    ``info`` is either the programme's ``manifest.json`` (its ``source`` field) or a mapping of
    analysis → executed notebook (papermill's recorded ``source`` parameter).
    """
    if "source" in info:
        return info["source"] == "demo"
    import nbformat

    for path in info.values():
        if not str(path).endswith(".ipynb"):
            continue
        try:
            nb = nbformat.read(Path(path), as_version=4)
        except Exception:  # the site index must still list a programme with a broken file
            continue
        if nb.metadata.get("papermill", {}).get("parameters", {}).get("source", "demo") == "demo":
            return True
    return False


def site_page(programs: list[tuple[Program, dict]], reports_dir: Path, *,
              failures: list[str], lang: str = "nb") -> str:
    """HTML of ``reports/index.html`` (see :func:`render_site`)."""
    cards = []
    any_demo = False
    for program, executed in sorted(programs, key=lambda item: item[0].id):
        folder = Path(reports_dir) / program.id
        manifest_lang = executed.get("language") if isinstance(executed, dict) else None
        plang = manifest_lang if manifest_lang in i18n.LANGUAGES else program.language
        demo = _is_demo(executed)
        any_demo = any_demo or demo
        analyses = [{"title": texts.analysis_title(a, plang), "html": f"{program.id}/{a}.html",
                     "pdf": f"{program.id}/{a}.pdf" if (folder / f"{a}.pdf").exists() else ""}
                    for a in _ordered(program, dict.fromkeys(program.analyses))
                    if (folder / f"{a}.html").exists()]
        cards.append({
            "id": program.id, "title": program.title, "owner": program.owner,
            "area": program.region.label, "lang": plang, "demo": demo,
            "demo_marker": texts.t("demo_banner", plang),
            "index": f"{program.id}/index.html", "analyses": analyses,
            "pdf_label": texts.t("pdf", plang),
            "combined_pdf": (f"{program.id}/{program.id}.pdf"
                             if (folder / f"{program.id}.pdf").exists() else ""),
            "combined_label": texts.t("combined_pdf", plang),
            "workbook": (f"{program.id}/tables.xlsx"
                         if (folder / "tables.xlsx").exists() else ""),
            "workbook_label": texts.t("workbook", plang)})
    context = page_context(None, lang, any_demo, page_title=texts.t("site_title", lang),
                           description=texts.t("site_intro", lang), programmes=cards,
                           failures=list(failures), body_class="site")
    return render_template("site.html.j2", context)


def render_site(programs: list[tuple[Program, dict]], reports_dir: Path, *,
                failures: list[str], lang: str = "nb") -> Path:
    """Write ``reports/index.html`` linking every programme and its reports.

    Args:
        programs: ``(programme, info)`` pairs; ``info`` is the programme's
            ``reports/<program>/manifest.json`` content (its ``source`` says whether it is demo
            data) or a mapping analysis → executed notebook. Links are made only to report files
            that exist, so the page never has a broken link.
        reports_dir: the ``reports`` folder.
        failures: one line per failed analysis (e.g. ``"flere-i-arbeid/migration: cell 7
            raised ValueError"``), listed at the top when any.
        lang: the index page's language (a tree per language, ``reports/en/index.html``).

    Returns:
        The path of ``reports/index.html``.
    """
    reports_dir = Path(reports_dir)
    return write_page(reports_dir / "index.html",
                      site_page(programs, reports_dir, failures=failures, lang=lang))
