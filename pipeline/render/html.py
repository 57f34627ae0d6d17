"""HTML reports: one self-contained page per executed analysis notebook.

The page is the programme's cover, the demo banner (demo data only), "Hovedfunn" collected from
the notebook's findings, the notebook's display outputs in order, and a methods and sources
appendix. CSS is inline, figures are inline PNG images with alt text, and nothing in the page
names a date, so the same inputs give the same bytes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from pipeline import i18n, io
from pipeline.programs import Program
from pipeline.render import texts
from pipeline.render.content import (
    TEMPLATES,
    RenderError,
    ReportContent,
    add_scroll_hints,
    read_report,
    split_long_tables,
    strip_findings,
)

LOG = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
MAX_KEY_FINDINGS = 6  # the summary a councillor reads first: 3 to 6 findings (issue 7)
MAX_MAIN_ROWS = 8  # longer tables go to the report's detail part (and the workbook)
MAX_HTML_BYTES = 5_000_000


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


@cache
def stylesheet() -> str:
    """The page stylesheet's text (inlined in every page; print.css is added by the PDF step)."""
    return (HERE / "report.css").read_text(encoding="utf-8").strip()


def report_language(program: Program, parameters: Mapping[str, Any] | None = None) -> str:
    """The report's language: the notebook's ``language`` parameter, else the programme's."""
    lang = str((parameters or {}).get("language") or program.language)
    if lang not in i18n.LANGUAGES:
        raise RenderError(f"parameter language: {lang!r} is not one of "
                          f"{', '.join(i18n.LANGUAGES)}; fix programs/{program.id}.yml or the "
                          "run's language parameter")
    return lang


def area_label(program: Program, parameters: Mapping[str, Any] | None = None) -> str:
    """The area the report is about: the ``region`` parameter's name, else the programme's."""
    region = str((parameters or {}).get("region") or "").strip()
    if not region:
        return program.region.label
    try:
        from pipeline import geography

        return f"{geography.region_name(region)} ({region})"
    except Exception:  # an unknown code still names the area by its code
        return region


def _date_text(value: Any) -> str:
    text = "" if value is None else str(value)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ]", text)
    return match[1] if match else text


def _time_text(value: Any) -> str:
    """A retrieval time to the minute (``2026-02-20 07:05 UTC``); other text unchanged."""
    text = "" if value is None else str(value)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::[\d.]+)?(Z|[+-]00:?00)?$", text)
    if not match:
        return _date_text(text)
    return f"{match[1]} {match[2]}" + (" UTC" if match[3] else "")


def _codes_in(note: str) -> int:
    """How many old codes a merge note names (``0101 A + 0102 B → 3101 C (merged; …)``)."""
    head = note.split(" → ", 1)[0]
    return len(head.split(" + ")) if " → " in note else 0


def harmonisation_note(record: Mapping[str, Any], lang: str) -> str:
    """One line saying what code harmonisation did to a table (empty for demo data).

    ``record["harmonisation"]`` is the per-dataset summary written by
    :func:`pipeline.datasets.build` (``renumbered``, ``merged``, ``split``, ``dropped`` notes).
    """
    kinds = record.get("harmonisation")
    if record.get("demo") or kinds is None:  # demo data, or not recorded: nothing to say
        return ""
    parts = []
    if kinds.get("renumbered"):
        parts.append(texts.t("harm_renumbered", lang, n=len(kinds["renumbered"])))
    merged = sum(_codes_in(n) for n in kinds.get("merged", []))
    if merged:
        parts.append(texts.t("harm_merged", lang, n=merged))
    grown = sum(1 for n in kinds.get("merged", []) if not _codes_in(n))
    if grown:
        parts.append(texts.t("harm_grown", lang, n=grown))
    if kinds.get("split"):
        parts.append(texts.t("harm_split", lang, n=len(kinds["split"])))
    if kinds.get("dropped"):
        parts.append(texts.t("harm_dropped", lang))
    if not parts:
        return texts.t("harm_none", lang)
    return texts.t("harm_summary", lang, parts=", ".join(parts))


_SPLIT_WEIGHTED = re.compile(r"^split of (?P<county>county )?(?P<unit>.+?) applied by "
                             r"(?P<rule>population weights|weights) \((?P<parts>.+)\)$")
_SPLIT_WHOLE = re.compile(r"^split of (?P<unit>.+?): no weights known: whole unit to "
                          r"(?P<pick>\S+)")


def _region(code: str) -> str:
    try:
        from pipeline import geography

        return f"{code} {geography.region_name(code)}"
    except Exception:  # an unknown code is still named by its code
        return code


def split_rule_text(note: str, lang: str) -> str:
    """A split note of :mod:`pipeline.geography` in plain words (the note itself if unknown)."""
    if match := _SPLIT_WEIGHTED.match(note):
        shares = []
        for part in match["parts"].split(", "):
            code, _, weight = part.rpartition(" ")
            try:
                share = i18n.fmt_percent(100 * float(weight), lang, 1)
            except ValueError:
                return note
            shares.append(f"{_region(code)} {share}")
        rule = ("harm_rule_population" if match["rule"] == "population weights"
                else "harm_rule_fixed")
        unit = match["unit"]
        if match["county"]:  # old county codes have no 2024 name: say what the number is
            unit = f"{texts.t('harm_county', lang)} {unit}"
        return texts.t("harm_split_weighted", lang, unit=unit, shares=", ".join(shares),
                       rule=texts.t(rule, lang))
    if match := _SPLIT_WHOLE.match(note):
        return texts.t("harm_split_whole", lang, unit=match["unit"], pick=_region(match["pick"]))
    return note


def split_rules(provenance: Iterable[Mapping[str, Any]], lang: str) -> list[str]:
    """Every split rule applied, in plain words, with the tables it was applied to."""
    tables: dict[str, set[str]] = {}
    for record in provenance:
        if record.get("demo"):
            continue
        for note in (record.get("harmonisation") or {}).get("split", []):
            tables.setdefault(str(note), set()).add(str(record.get("table_id") or ""))
    return [texts.t("harm_split_where", lang, tables=", ".join(sorted(ids)),
                    rule=split_rule_text(note, lang))
            for note, ids in sorted(tables.items())]


def normalise_sources(provenance: Iterable[Mapping[str, Any]],
                      lang: str = "nb") -> list[dict[str, str]]:
    """Provenance records as display rows, deduplicated and sorted by table id.

    Each record may hold ``table_id``, ``title``, ``updated``, ``retrieved`` (or
    ``retrieved_at``), ``note``, ``demo`` and ``harmonisation`` (see
    :func:`harmonisation_note`, which gives the note when none is set); other keys are ignored.
    """
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for record in provenance:
        row = {"table_id": str(record.get("table_id") or record.get("dataset") or ""),
               "title": str(record.get("title") or ""),
               "updated": _date_text(record.get("updated")),
               "retrieved": _time_text(record.get("retrieved") or record.get("retrieved_at")),
               "note": str(record.get("note") or harmonisation_note(record, lang))}
        rows[(row["table_id"], row["title"])] = row
    return [rows[key] for key in sorted(rows)]


def page_context(program: Program, lang: str, demo: bool, **extra: Any) -> dict[str, Any]:
    """Variables every page template needs (translation helpers, CSS, programme, demo)."""
    def t(key: str, **values: object) -> str:
        return texts.t(key, lang, **values)

    return {"lang": lang, "t": t, "css": Markup(stylesheet()),
            "program": program, "demo": demo, "description": "", "body_class": "",
            "lead": program.description_for(lang) if program is not None else "",
            **extra}


def source_label(demo: bool, lang: str) -> str:
    """The data source named on covers."""
    return texts.t("source_demo" if demo else "source_ssb", lang)


def _reproduce(program: Program, analysis: str, lang: str) -> Markup:
    template = escape(i18n.text_of("render.reproduce", lang))
    return Markup(template).format(
        notebook=Markup("<code>notebooks/{}.ipynb</code>").format(analysis),
        program_file=Markup("<code>programs/{}.yml</code>").format(program.id),
        manifest=Markup('<a href="manifest.json"><code>manifest.json</code></a>'))


def methods_context(program: Program, provenance: Iterable[Mapping[str, Any]],
                    lang: str | None = None) -> dict[str, Any]:
    """Template variables of the methods and sources appendix (in ``lang``, default the
    programme's language)."""
    lang = lang or program.language
    provenance = list(provenance)
    sources = normalise_sources(provenance, lang)
    return {"sources": sources, "threshold": program.disclosure_threshold,
            "sources_have_retrieved": any(s["retrieved"] for s in sources),
            "sources_have_notes": any(s["note"] for s in sources),
            "split_rules": split_rules(provenance, lang), **validation_context(lang)}


def validation_context(lang: str) -> dict[str, Any]:
    """The measured size and coverage of every estimator (``make validate``), for the methods
    appendix: the whole table (analysis reports) and one row per estimator (combined PDF)."""
    from pipeline.validation_table import validation_summary, validation_table

    table = validation_table()

    def pct(value: float) -> str:
        return "–" if value != value else i18n.fmt_number(value, lang, 1)

    def span(low: float, high: float) -> str:
        return "–" if low != low else (pct(low) if low == high else f"{pct(low)}–{pct(high)}")

    full = [{"design": r.design, "estimator": r.estimator, "runs": str(r.runs),
             "null": pct(r.null_rejection), "coverage": pct(r.coverage), "note": r.note}
            for r in table.itertuples(index=False)]
    summary = [{"estimator": r.estimator, "designs": str(r.designs),
                "null": span(r.null_low, r.null_high),
                "coverage": span(r.coverage_low, r.coverage_high), "failing": str(r.failing)}
               for r in validation_summary(table).itertuples(index=False)]
    runs = int(table["runs"].max()) if len(table) else 0
    return {"validation": full, "validation_summary": summary, "validation_runs": runs}


def _summary(content: ReportContent, program: Program, analysis: str,
             lang: str) -> list[dict[str, Any]]:
    """The report's key findings: its first-ranked few, and every finding of this analysis
    that the programme's front page shows.

    The body leaves these out, so the combined PDF (front page, then the analyses' bodies)
    shows each finding once, and so does the analysis report (summary, then body).
    """
    from pipeline.render import frontpage

    def link(_analysis: str, _anchor: str) -> str:
        return ""

    reports = {analysis: content}
    on_front = frontpage.shown_finding_ids(
        frontpage.blocks(program, reports, lang, link),
        frontpage.references(program, reports, lang, link)).get(analysis, set())
    summary = content.key_findings(MAX_KEY_FINDINGS)
    ids = {str(f.get("id")) for f in summary}
    return summary + [f for f in content.key_findings()
                      if str(f.get("id")) in on_front and str(f.get("id")) not in ids]


def analysis_page(content: ReportContent, *, program: Program, analysis: str, demo: bool,
                  provenance: Iterable[Mapping[str, Any]]) -> str:
    """The HTML text of one analysis report (see :func:`render_analysis_html`)."""
    lang = report_language(program, content.parameters)
    title = texts.analysis_title(analysis, lang)
    summary = _summary(content, program, analysis, lang)
    # Each finding is shown once: in the summary (linking to its section) or, beyond the
    # summary's few, where it arises.
    body = strip_findings(content.body, {str(f.get("id")) for f in summary if f.get("id")})
    body, detail = split_long_tables(body, MAX_MAIN_ROWS, texts.t("table_in_detail", lang))
    hint = texts.t("scroll_hint", lang)
    body, detail = add_scroll_hints(body, hint), add_scroll_hints(detail, hint)
    facts = [(texts.t("owner", lang), program.owner)] if program.owner else []
    facts += [(texts.t("area", lang), area_label(program, content.parameters)),
              (texts.t("data_source", lang), source_label(demo, lang))]
    context = page_context(
        program, lang, demo,
        page_title=f"{title} – {program.title}",
        description=f"{program.title}: {title}",
        analysis_title=title, facts=facts,
        findings=summary,
        body=Markup(body), detail=Markup(detail), page_name=f"{analysis}.html",
        reproduce=_reproduce(program, analysis, lang),
        **methods_context(program, provenance, lang))
    return _environment().get_template("report.html.j2").render(context)


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """Render one of the page templates in ``templates/``."""
    return _environment().get_template(name).render(dict(context))


def write_page(out_html: Path, markup: str) -> Path:
    """Write a page atomically, warning when it grows past a few MB."""
    data = markup.encode("utf-8")
    if len(data) > MAX_HTML_BYTES:
        LOG.warning("%s is %.1f MB; reports should stay a few MB at most (fewer or simpler "
                    "figures)", out_html, len(data) / 1e6)
    return io.write_bytes(out_html, data)


def render_analysis_html(executed_nb: Path, out_html: Path, *, program: Program, analysis: str,
                         demo: bool, provenance: list[dict],
                         content: ReportContent | None = None) -> Path:
    """Render one executed analysis notebook as a self-contained, accessible HTML report.

    Args:
        executed_nb: ``reports/<program>/<analysis>.ipynb`` as executed by papermill.
        out_html: the page to write (atomically), normally beside the notebook.
        program: the programme the notebook ran for.
        analysis: the analysis name (``competence_gap``, ``youth_dropout``, ``migration``).
        demo: the data are synthetic demo data (adds the demo banner on every page).
        provenance: source tables ``{table_id, title, updated, retrieved?, note?}``.
        content: the notebook's :func:`read_report`, when the caller has read it already.

    Returns:
        ``out_html``.

    Raises:
        RenderError: when the notebook is missing, unreadable or has an error output.
    """
    from pipeline.present import slips

    content = content if content is not None else read_report(executed_nb)
    markup = analysis_page(content, program=program, analysis=analysis, demo=demo,
                           provenance=provenance)
    for slip in slips.scan(markup, program.id):  # wording slips: say so, never block a report
        LOG.warning("%s: wording slip %s", out_html, slip)
    return write_page(Path(out_html), markup)
