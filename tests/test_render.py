"""Tests of pipeline.render: HTML, PDF, programme page, workbook and site index.

The executed notebook is built here with nbformat (no papermill): display outputs shaped like
pipeline.report's (headings, paragraph, findings, a table with its JSON copy, figures made with
pipeline.figures), plus the things that must never reach a report: code, Markdown, print output,
warnings and execute results.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from pipeline import figures
from pipeline.programs import Comparison, Program, Region
from pipeline.render import (
    RenderError,
    read_report,
    render_analysis_html,
    render_pdf,
    render_program,
    render_site,
)
from pipeline.render.content import (
    FINDING_MIME,
    TABLE_MIME,
    mark_wide_tables,
)
from pipeline.render.workbook import sheet_name

TOOLS = Path(os.environ.get("INNSIKT_TOOLS", "/opt/innsikt-tools")) / "node_modules"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")

SECRETS = ["CODE_SECRET", "MARKDOWN-SECRET", "SECRET-STDOUT", "SECRET-WARNING",
           "RAW-EXECUTE-RESULT"]
PROVENANCE = [
    {"table_id": "13556", "title": "Personer 15–29 år utenfor arbeid og utdanning",
     "updated": "2024-05-02T06:00:00Z"},
    {"table_id": "07459", "title": "Befolkning", "updated": "2024-02-21T07:00:00Z"},
]


def make_program(language: str = "nb") -> Program:
    """A programme without file or code validation (the renderer needs only its fields)."""
    title = "Flere i arbeid" if language == "nb" else "More people in work"
    return Program.model_construct(
        id="flere-i-arbeid" if language == "nb" else "more-in-work", title=title,
        owner="Kristiansand kommune", language=language, description="Et program for unge.",
        region=Region.model_construct(municipalities=["4204"], county=None, label="Kristiansand"),
        comparison=Comparison.model_construct(municipalities=[], county="42", national=True),
        start_year=2021, horizon=2040, analyses=["youth_dropout", "migration"], indicators=[],
        scenarios={}, references=[], disclosure_threshold=5)


def _display(markup: str, plain: str = "x", extra: dict | None = None):
    return new_output("display_data", data={"text/html": markup, "text/plain": plain,
                                            **(extra or {})})


def _figure(number: int, alt: str, caption: str):
    """A figure exactly as pipeline.report.figure shows it."""
    fig, ax = figures.new_figure()
    ax.plot([2019, 2020, 2021, 2022], [9.5, 9.9, 9.1, 8.7], marker="o", label="Kristiansand")
    ax.plot([2019, 2020, 2021, 2022], [8.5, 8.9, 8.4, 8.2], label="Hele landet")
    ax.legend()
    png = base64.b64encode(figures.to_png(fig)).decode("ascii")
    return _display(f'<figure id="figure-{number}"><img src="data:image/png;base64,{png}" '
                    f'alt="{html.escape(alt)}" width="653" height="230">'
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>", f"[{alt}]")


def _table(words: dict[str, str]):
    columns = [words["year"], words["persons"], words["share"]]
    data = [[2022, ":", 9.1], [2023, 12, 8.7]]
    head = "".join(f'<th scope="col">{c}</th>' for c in columns)
    body = ('<tr><th scope="row">2022</th><td class="num">:</td><td class="num">9,1</td></tr>'
            '<tr><th scope="row">2023</th><td class="num">12</td><td class="num">8,7</td></tr>')
    markup = (f'<div class="table-wrap"><table id="table-1"><caption>{words["caption"]}'
              f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
              '<p class="table-note">":" = suppressed</p></div>')
    payload = {"id": "table-1", "caption": words["caption"], "columns": columns, "data": data,
               "notes": ['":" = suppressed']}
    return _display(markup, words["caption"], {TABLE_MIME: payload})


def _finding(key: str, text: str, rank: int):
    """A finding as pipeline.report.finding shows it (with its id, so it is shown once)."""
    return _display(f'<p class="finding" id="finding-{key}" data-finding="{key}"><strong>'
                    f'{html.escape(text)}</strong></p>', text,
                    {FINDING_MIME: {"key": key, "text": text, "value": None, "rank": rank,
                                    "id": f"finding-{key}"}})


WORDS = {
    "nb": {"heading": "Unge utenfor arbeid", "sub": "Sammenligning", "year": "År",
           "persons": "Personer", "share": "Andel (%)", "caption": "Unge utenfor arbeid og "
           "utdanning", "late": "Andelen falt til 8,7 % (95 % intervall 8,1 til 9,3).",
           "first": "Kristiansand ligger lavere enn landet."},
    "en": {"heading": "Young people outside work", "sub": "Comparison", "year": "Year",
           "persons": "Persons", "share": "Share (%)", "caption": "Young people outside work "
           "and education", "late": "The share fell to 8.7% (95% interval 8.1 to 9.3).",
           "first": "Kristiansand is lower than Norway."},
}


def make_notebook(path: Path, language: str = "nb", error: bool = False) -> Path:
    """An executed report notebook with every kind of output the renderer meets."""
    w = WORDS[language]
    outputs = [
        new_output("stream", name="stdout", text="SECRET-STDOUT\n"),
        new_output("stream", name="stderr", text="SECRET-WARNING: FutureWarning\n"),
        _display(f"<h2>{w['heading']}</h2>"),
        _display("<p>Narrative paragraph.</p>"),
        _finding("neet_latest", w["late"], rank=20),
        _table(w),
        _figure(1, "Line chart: the share fell from 9.5 to 8.7 percent.", "Share outside"),
        _display(f"<h3>{w['sub']}</h3>"),
        _display('<p class="notice" role="note">Too little data.</p>'),
        _figure(2, "Second chart: 8.2 percent in Norway.", "Compared with Norway"),
        _finding("lower", w["first"], rank=10),
        new_output("execute_result", data={"text/html": "<table>RAW-EXECUTE-RESULT</table>",
                                           "text/plain": "x"}, execution_count=3),
    ]
    if error:
        outputs.append(new_output("error", ename="ValueError", evalue="boom", traceback=[]))
    cell = new_code_cell("CODE_SECRET = 1")
    cell.outputs = outputs
    nb = new_notebook()
    nb.cells = [new_markdown_cell("# MARKDOWN-SECRET"), new_code_cell("program = 'x'"), cell]
    nb.metadata["papermill"] = {"parameters": {"program": "flere-i-arbeid", "source": "demo",
                                               "region": "", "language": language}}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One rendered bokmål report (HTML and PDF), built once for the module."""
    root = tmp_path_factory.mktemp("render")
    program = make_program("nb")
    nb = make_notebook(root / "youth_dropout.ipynb")
    page = render_analysis_html(nb, root / "youth_dropout.html", program=program,
                                analysis="youth_dropout", demo=True, provenance=PROVENANCE)
    pdf = render_pdf(page, root / "youth_dropout.pdf", title="Unge – Flere i arbeid",
                     language="nb")
    return {"root": root, "nb": nb, "html": page, "pdf": pdf}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _visible(markup: str) -> str:
    """Page text without tags, styles and SVG (for order checks)."""
    markup = re.sub(r"<(style|svg)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def heading_levels(markup: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", markup)]


def assert_heading_order(markup: str) -> None:
    levels = heading_levels(markup)
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}: {levels}"


def assert_self_contained(markup: str) -> None:
    refs = re.findall(r'\s(?:src|href|xlink:href|action|poster|data)="([^"]*)"', markup)
    refs += re.findall(r"url\(([^)]*)\)", markup)
    for ref in refs:
        ref = ref.strip("'\"")
        if ref.startswith("data:image/png;base64,"):  # a figure's print image, inline
            continue
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", ref, re.I), f"external reference {ref}"
    assert "@import" not in markup


def assert_unique_ids(markup: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', markup)
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate ids: {dupes[:5]}"


# ---------------------------------------------------------------- HTML

def test_html_has_language_banner_and_landmarks(built):
    page = _text(built["html"])
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"nb\">")
    assert "Demonstrasjonsdata – ikke offisiell statistikk" in page
    assert page.index("demo-banner") < page.index("<h1")
    for landmark in ("<header", "<main id=\"main\"", "<footer"):
        assert landmark in page
    assert '<a class="skip-link" href="#main">' in page
    assert "<title>Unge utenfor arbeid og utdanning – Flere i arbeid</title>" in page


def test_html_key_findings_first_and_ordered_by_rank(built):
    page = _text(built["html"])
    text = _visible(page[page.index("<main"):])
    summary = text.index("Hovedfunn")
    first, late = WORDS["nb"]["first"], WORDS["nb"]["late"]
    assert summary < text.index(WORDS["nb"]["heading"])
    assert summary < text.index(first) < text.index(late) < text.index(WORDS["nb"]["heading"])
    # Each finding is shown once: in the summary, which links to where it arises.
    assert text.count(first) == 1 and text.count(late) == 1


def test_html_leaves_out_code_markdown_streams_and_results(built):
    page = _text(built["html"])
    for secret in SECRETS:
        assert secret not in page


def test_html_is_self_contained_with_unique_ids_and_heading_order(built):
    page = _text(built["html"])
    assert_self_contained(page)
    assert_unique_ids(page)
    assert_heading_order(page)
    assert "<metadata>" not in page  # matplotlib's RDF block is not valid in HTML
    assert 'href="index.html"' in page and 'href="../index.html"' in page
    assert len(page.encode()) < 2_000_000


def test_html_tables_keep_scope_and_methods_list_sources(built):
    page = _text(built["html"])
    assert '<th scope="col">År</th>' in page and '<th scope="row">2022</th>' in page
    methods = page[page.index('id="methods"'):]
    assert "13556" in methods and "2024-05-02" in methods and "07459" in methods
    assert methods.index("07459") < methods.index("13556")  # sorted: stable for any input order
    assert "syntetiske demonstrasjonsdata" in methods


def test_html_is_byte_identical_when_rendered_again(built, tmp_path):
    again = render_analysis_html(built["nb"], tmp_path / "again.html", program=make_program(),
                                 analysis="youth_dropout", demo=True,
                                 provenance=list(reversed(PROVENANCE)))
    assert again.read_bytes() == built["html"].read_bytes()


def test_failed_notebook_is_refused(tmp_path):
    nb = make_notebook(tmp_path / "broken.ipynb", error=True)
    with pytest.raises(RenderError, match=r"broken\.ipynb.*ValueError: boom"):
        render_analysis_html(nb, tmp_path / "broken.html", program=make_program(),
                             analysis="youth_dropout", demo=True, provenance=[])
    assert not (tmp_path / "broken.html").exists()


def test_missing_notebook_is_refused(tmp_path):
    with pytest.raises(RenderError, match="not found"):
        read_report(tmp_path / "nothing.ipynb")


def test_english_programme_gets_english_strings(tmp_path):
    nb = make_notebook(tmp_path / "migration.ipynb", language="en")
    page = _text(render_analysis_html(nb, tmp_path / "migration.html",
                                      program=make_program("en"), analysis="migration",
                                      demo=True, provenance=PROVENANCE))
    assert '<html lang="en">' in page
    for english in ("Demo data – not official statistics", "Key findings",
                    "Methods and sources", "Skip to content", "Migration and population"):
        assert english in page
    for bokmal in ("Hovedfunn", "Demonstrasjonsdata", "Hopp til innholdet"):
        assert bokmal not in page


def test_no_demo_banner_for_real_data(tmp_path):
    nb = make_notebook(tmp_path / "youth_dropout.ipynb")
    page = _text(render_analysis_html(nb, tmp_path / "y.html", program=make_program(),
                                      analysis="youth_dropout", demo=False,
                                      provenance=PROVENANCE))
    assert "Demonstrasjonsdata" not in page and 'class="demo-banner"' not in page
    assert "Statistisk sentralbyrå" in page


def test_mime_types_agree_with_report_module():
    report = pytest.importorskip("pipeline.report")
    assert (TABLE_MIME, FINDING_MIME) == (report.TABLE_MIME, report.FINDING_MIME)


def test_wide_tables_get_smaller_print_and_a_focusable_region():
    def table(columns: int) -> str:
        head = "".join(f'<th scope="col">c{i}</th>' for i in range(columns))
        return (f'<div class="table-wrap"><table id="t"><caption>Wide &amp; long</caption>'
                f"<thead><tr>{head}</tr></thead><tbody></tbody></table></div>")

    # Any wrapper may scroll on a narrow screen (axe: scrollable-region-focusable).
    assert ('<div class="table-wrap" tabindex="0" role="region" aria-label="Wide &amp; long">'
            in mark_wide_tables(table(4)))
    assert '<div class="table-wrap wide" tabindex="0" role="region" aria-label="Wide &amp; long">' \
        in mark_wide_tables(table(8))
    assert 'class="table-wrap very-wide"' in mark_wide_tables(table(13))


def test_print_tables_get_measured_column_widths_by_the_automatic_layout_rule():
    from pipeline.render import print_tables
    from pipeline.render.pdf import with_print_css

    # Columns that fit at their widest: the table is as wide as they are, shares by need.
    width, shares = print_tables.column_widths([(2.0, 4.0), (3.0, 12.0)], width=40.0)
    assert width == 16.0 and shares == [25.0, 75.0]
    # Too wide: the full text width; each column its narrowest plus a share of the rest in
    # proportion to how much wider it wants to be.
    width, shares = print_tables.column_widths([(2.0, 4.0), (3.0, 53.0)], width=25.0)
    spare = (25 - 5) / (57 - 5)
    assert width is None and shares == pytest.approx([4 * (2 + 2 * spare), 4 * (3 + 50 * spare)])
    # Narrowest needs alone too wide: in proportion to those.
    assert print_tables.column_widths([(30.0, 40.0), (10.0, 50.0)], width=20.0)[1] == [75, 25]

    long_text = "en lang forklaring av hva tallet betyr " * 3
    page = ('<html><head></head><body><div class="table-wrap" tabindex="0"><table id="t">'
            '<caption>Tall</caption><thead><tr><th>År</th><th>Forklaring</th></tr></thead>'
            f'<tbody><tr><td>2024</td><td>{long_text}</td></tr></tbody></table></div>'
            '<div class="table-wrap barometer"><table class="barometer"><tr><td>x</td></tr>'
            '</table></div></body></html>')
    printed = with_print_css(page)
    table = re.search(r'<table id="t" class="fixed" style="width:([^"]+)"><caption>Tall'
                      r'</caption><colgroup>(.*?)</colgroup>', printed)
    assert table, printed[:400]
    shares = [float(x) for x in re.findall(r'width:([\d.]+)%', table[2])]
    assert len(shares) == 2 and sum(shares) == pytest.approx(100, abs=0.05)
    assert shares[1] > 3 * shares[0]  # the long text gets the room
    # The barometer (cells completed by print.css) keeps the automatic layout.
    assert '<table class="barometer">' in printed
    assert "table.fixed { table-layout: fixed; }" in printed


def test_print_stylesheets_are_parsed_once_and_the_page_keeps_none_of_its_own():
    from pipeline.render.html import stylesheet
    from pipeline.render.pdf import print_source

    page = (f"<html><head><style>\n{stylesheet()}\n</style></head><body><p>x</p>"
            "<!--screen-only--><table><tr><td>long</td></tr></table><!--/screen-only-->"
            "</body></html>")
    text, sheets = print_source(page)
    assert "<style" not in text and "long" not in text and "<p>x</p>" in text
    again = print_source(page)[1]
    assert len(sheets) == 3 and all(a is b for a, b in zip(sheets, again, strict=True))
    # A page that is not ours keeps its stylesheet and gets print.css inline, as before.
    foreign, none = print_source("<html><head><style>p{}</style></head><body></body></html>")
    assert none == [] and "p{}" in foreign and "table.fixed" in foreign


def test_figure_ticks_follow_the_report_language():
    def ticks(language):
        fig, ax = figures.new_figure(width=7.0, height=3.8)  # ticks every 2 000
        ax.plot([2019, 2020, 2021, 2022], [1500.0, -2000.0, 13000.0, 2500.0])
        return re.findall(r"<!-- (.+?) -->", figures.to_svg(fig, language))

    nb, en = ticks("nb"), ticks("en")
    assert "2019" in nb and "2019.5" not in nb and "2019.0" not in nb  # whole years only
    assert "\u22122\u202f000" in nb and "12\u202f000" in nb
    assert "-2,000" in en and "12,000" in en


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    names = [sheet_name("a_very_long_analysis_name_indeed[x]", 1, used) for _ in range(3)]
    assert len(set(names)) == 3
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)


# ---------------------------------------------------------------- PDF

@pytest.fixture(scope="module")
def pdf_reader(built):
    pypdf = pytest.importorskip("pypdf")
    return pypdf.PdfReader(str(built["pdf"]))


def test_pdf_is_tagged_with_language_and_title(pdf_reader):
    root = pdf_reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/Lang"] == "nb"
    assert pdf_reader.metadata.title == "Unge – Flere i arbeid"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")


def _struct_alts(node, found: list[str]) -> list[str]:
    node = node.get_object()
    if hasattr(node, "get"):
        if node.get("/S") == "/Figure" and "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in (kids if isinstance(kids, list) else [kids]):
                if hasattr(kid, "get_object"):
                    _struct_alts(kid, found)
    return found


def test_pdf_figures_have_alt_text(pdf_reader):
    alts = _struct_alts(pdf_reader.trailer["/Root"]["/StructTreeRoot"], [])
    assert "Line chart: the share fell from 9.5 to 8.7 percent." in alts
    assert "Second chart: 8.2 percent in Norway." in alts


def test_pdf_marks_demo_on_every_page_and_reads_in_order(pdf_reader):
    pages = [page.extract_text() for page in pdf_reader.pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert "Demonstrasjonsdata – ikke offisiell statistikk" in text, f"page {number}"
        assert f"{number} / {len(pages)}" in text
    text = "\n".join(pages)
    order = ["Unge utenfor arbeid og utdanning", "Hovedfunn", WORDS["nb"]["first"],
             WORDS["nb"]["heading"], "Narrative paragraph.", WORDS["nb"]["sub"],
             "Metode og kilder", "13556"]
    position = 0
    for item in order:  # each item is found after the one before it
        found = text.find(item, position)
        assert found >= 0, f"{item!r} not found after position {position}"
        position = found + len(item)
    for secret in SECRETS:
        assert secret not in text


def _figure_boxes(node, found: list) -> list:
    node = node.get_object()
    if hasattr(node, "get"):
        if node.get("/S") == "/Figure" and "/A" in node:
            found.append([float(v) for v in node["/A"]["/BBox"]])
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in (kids if isinstance(kids, list) else [kids]):
                if hasattr(kid, "get_object"):
                    _figure_boxes(kid, found)
    return found


def test_pdf_figures_fit_within_the_page(pdf_reader):
    boxes = _figure_boxes(pdf_reader.trailer["/Root"]["/StructTreeRoot"], [])
    assert len(boxes) == 2
    a4_width_px = 210 / 25.4 * 96
    for x1, y1, x2, y2 in boxes:
        assert 0 < x1 < x2 < a4_width_px and 0 < y1 < y2, (x1, y1, x2, y2)
        assert x2 - x1 > 0.8 * (a4_width_px - 2 * 18 / 25.4 * 96)  # scaled to the text width


def test_pdf_embeds_its_fonts(pdf_reader):
    fonts = set()
    for page in pdf_reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            if desc is not None:
                desc = desc.get_object()
                fonts.add((str(font["/BaseFont"]),
                           any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    assert fonts and all(embedded for _, embedded in fonts), fonts
    # set in the bundled faces (pipeline.render.print_fonts), not whatever the system has
    assert {name.split("+")[-1] for name, _ in fonts} >= {"innsikt-Sans", "innsikt-Sans-Bold"}


def test_bundled_print_fonts_cover_every_character_of_the_texts_and_area_names():
    from fontTools.ttLib import TTFont

    from pipeline.render import print_fonts

    package = Path(print_fonts.__file__).resolve().parents[1]
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("texts/*.yml")))
    text += "".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("data/*.csv")))
    needed = {c for c in text if c.isprintable() and not c.isspace()}
    assert {"ø", "å", "á", "š", "−"} <= needed  # the texts and the Sámi names were read
    for _, _, _, name in print_fonts.FACES:
        cmap = TTFont(print_fonts.FONTS_DIR / name).getBestCmap()
        missing = sorted(c for c in needed if ord(c) not in cmap)
        assert not missing, f"{name} lacks {missing}: add their block to UNICODE_RANGES"
        assert "GPOS" not in TTFont(print_fonts.FONTS_DIR / name)  # see the module docstring


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file(),
                    reason="DejaVu fonts are not installed here")
def test_bundled_print_fonts_are_made_again_from_dejavu(tmp_path):
    from fontTools.ttLib import TTFont

    from pipeline.render import print_fonts

    for path in print_fonts.build(Path("/usr/share/fonts/truetype/dejavu"), tmp_path):
        made, bundled = TTFont(path), TTFont(print_fonts.FONTS_DIR / path.name)
        assert sorted(made.keys()) == sorted(bundled.keys()), path.name
        assert made.getBestCmap() == bundled.getBestCmap(), path.name
        assert made.getGlyphOrder() == bundled.getGlyphOrder(), path.name


def test_pdf_is_byte_identical_when_rendered_again(built, tmp_path):
    again = render_pdf(built["html"], tmp_path / "again.pdf", title="Unge – Flere i arbeid",
                       language="nb")
    assert again.read_bytes() == built["pdf"].read_bytes()


# ---------------------------------------------------------------- programme and site

@pytest.fixture(scope="module")
def programme(built) -> dict[str, Path]:
    out = built["root"] / "flere-i-arbeid"
    executed = {"youth_dropout": built["nb"],
                "migration": make_notebook(built["root"] / "migration.ipynb")}
    return render_program(make_program(), executed, out, demo=True, provenance=PROVENANCE)


def test_programme_page_links_reports_and_downloads(programme):
    page = _text(programme["index"])
    for link in ('href="youth_dropout.html"', 'href="youth_dropout.pdf"',
                 'href="migration.html"', 'href="flere-i-arbeid.pdf"', 'href="tables.xlsx"'):
        assert link in page
    assert WORDS["nb"]["first"] in page
    assert "Demonstrasjonsdata" in page
    assert_self_contained(page)
    assert_heading_order(page)
    assert_unique_ids(page)


def test_programme_page_lists_failed_analysis_as_unavailable(built, tmp_path):
    broken = make_notebook(tmp_path / "migration.ipynb", error=True)
    executed = {"youth_dropout": built["nb"], "migration": broken}
    written = render_program(make_program(), executed, tmp_path, demo=True,
                             provenance=PROVENANCE)
    page = _text(written["index"])
    assert "analysen feilet" in page and 'href="migration.html"' not in page
    assert 'href="youth_dropout.html"' in page


def test_combined_pdf_has_contents_and_every_analysis(programme):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(programme["pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    position = 0
    for item in ("Svar på programmets spørsmål",  # page 1: the front page, then contents
                 "Innhold", "Unge utenfor arbeid og utdanning", "Flytting og befolkning",
                 "Metode og kilder",  # the contents list, then the sections in that order
                 "Unge utenfor arbeid og utdanning", "Flytting og befolkning",
                 "Metode og kilder", "13556"):
        found = text.find(item, position)
        assert found >= 0, f"{item!r} not found after position {position}"
        position = found + len(item)
    # Each finding once: the front page holds each analysis's first finding (the two test
    # analyses have the same one), so the bodies (the analyses' main parts) leave it out.
    assert text.count(WORDS["nb"]["first"]) == 2
    assert reader.pages[0].extract_text().count(WORDS["nb"]["first"]) == 2
    assert "Svar på programmets spørsmål" in reader.pages[0].extract_text()
    assert reader.trailer["/Root"]["/Lang"] == "nb"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert all("Demonstrasjonsdata" in page.extract_text() for page in reader.pages)


def test_workbook_has_a_sheet_per_table_suppression_and_sources(programme, built, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(programme["workbook"])
    assert wb.sheetnames[0] == "Innhold" and wb.sheetnames[-1] == "Kilder"
    tables = wb.sheetnames[1:-1]
    assert tables == ["Unge 1", "Flytting 1"]
    sheet = wb[tables[0]]
    assert sheet["A1"].value == WORDS["nb"]["caption"]
    rows = list(sheet.iter_rows(min_row=4, max_row=6, values_only=True))
    assert rows[0] == ("År", "Personer", "Andel (%)")
    assert rows[1] == (2022, ":", 9.1) and rows[2] == (2023, 12, 8.7)
    sources = [c for row in wb["Kilder"].iter_rows(values_only=True) for c in row if c]
    assert "13556" in sources and "2024-05-02" in sources
    assert "Demonstrasjonsdata – ikke offisiell statistikk" in sources
    with zipfile.ZipFile(programme["workbook"]) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core
    # Rendering again gives the same bytes (fixed dates and zip times).
    again = render_program(make_program(), {"youth_dropout": built["nb"],
                                            "migration": built["root"] / "migration.ipynb"},
                           tmp_path, demo=True, provenance=PROVENANCE)
    assert again["workbook"].read_bytes() == programme["workbook"].read_bytes()
    assert again["index"].read_bytes() == programme["index"].read_bytes()


def test_site_index_links_programmes_and_lists_failures(built, programme):
    reports = built["root"]
    # The site links <program>/<analysis>.html only when the file exists.
    shutil.copy(built["html"], reports / "flere-i-arbeid" / "youth_dropout.html")
    executed = {"youth_dropout": built["nb"], "migration": reports / "migration.ipynb"}
    english = make_program("en")  # as the runner passes it: the programme's manifest.json
    site = render_site([(make_program(), executed), (english, {"source": "ssb"})], reports,
                       failures=["flere-i-arbeid/competence_gap: cell 4 raised ValueError"])
    page = _text(site)
    assert '<html lang="nb">' in page
    assert 'href="flere-i-arbeid/index.html"' in page
    assert 'href="flere-i-arbeid/youth_dropout.html"' in page
    assert 'href="flere-i-arbeid/migration.html"' not in page  # not rendered: no broken link
    assert 'href="flere-i-arbeid/flere-i-arbeid.pdf"' in page
    assert 'href="flere-i-arbeid/tables.xlsx"' in page
    assert 'lang="en"' in page and "More people in work" in page
    card = page[page.index('id="prog-more-in-work"'):]
    assert "Demo data" not in card  # its manifest says ssb
    assert "competence_gap: cell 4 raised ValueError" in page
    assert_self_contained(page)
    assert_heading_order(page)


# ---------------------------------------------------------------- accessibility checkers

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUNNER = """<script>%s</script><script>
axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
  .then(function (r) { done({violations: r.violations.map(function (v) {
      return {id: v.id, help: v.help, nodes: v.nodes.map(function (n) {
        return n.target.join(' '); })}; }), passes: r.passes.length}); })
  .catch(function (e) { done({error: String(e)}); });
function done(result) { var pre = document.createElement('pre'); pre.id = 'axe-result';
  pre.textContent = JSON.stringify(result); document.body.appendChild(pre); }
</script>"""


def run_axe(page: Path, workdir: Path) -> dict:
    """Run axe-core (WCAG 2.1 A/AA rules) on a page in headless Chromium; return its result."""
    probe = workdir / f"axe-{page.name}"
    runner = AXE_RUNNER % (AXE.read_text(encoding="utf-8"), json.dumps(AXE_TAGS))
    probe.write_text(_text(page).replace("</body>", runner + "</body>"), encoding="utf-8")
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--virtual-time-budget=30000", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False)
    match = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"axe produced no result (chromium exit {done.returncode}): {done.stderr[-800:]}"
    return json.loads(html.unescape(match[1]))


needs_axe = pytest.mark.skipif(
    not (CHROMIUM and AXE.exists()),
    reason="axe-core check needs Chromium (apt-get install chromium) and axe-core "
           f"(npm install axe-core in {TOOLS.parent}); not found")
needs_vnu = pytest.mark.skipif(
    not (JAVA and VNU.exists()),
    reason="Nu HTML Checker needs Java (apt-get install default-jre-headless) and vnu-jar "
           f"(npm install vnu-jar in {TOOLS.parent}); not found")


@needs_axe
def test_axe_finds_no_wcag_violations(built, programme, tmp_path):
    site = render_site([(make_program(), {})], tmp_path, failures=["x/y: failed"])
    for page in (built["html"], programme["index"], site):
        result = run_axe(page, tmp_path)
        assert "error" not in result, result
        assert result["passes"] > 10, result  # axe really ran its rules
        assert result["violations"] == [], f"{page.name}: {result['violations']}"


@needs_axe
def test_axe_check_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><main>'
                   '<p style="color:#bbb;background:#fff">faint</p><img src="data:,">'
                   "</main></body></html>", encoding="utf-8")
    ids = {v["id"] for v in run_axe(bad, tmp_path)["violations"]}
    assert {"html-has-lang", "image-alt", "color-contrast"} <= ids


def run_vnu(*pages: Path) -> list[dict]:
    done = subprocess.run([JAVA, "-jar", str(VNU), "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=300, check=False)
    return [m for m in json.loads(done.stderr or "{}").get("messages", [])
            if m.get("type") == "error" or m.get("subType") == "fatal"]


@needs_vnu
def test_nu_html_checker_finds_no_errors(built, programme, tmp_path):
    site = render_site([(make_program(), {})], tmp_path, failures=["x/y: failed"])
    broken = tmp_path / "broken.html"  # a control: the checker must see its duplicate id
    broken.write_text("<!DOCTYPE html><html lang=en><title>x</title><p id=a><p id=a>",
                      encoding="utf-8")
    errors = run_vnu(built["html"], programme["index"], site, broken)
    assert [e for e in errors if e.get("url", "").endswith("/broken.html")], errors
    errors = [e for e in errors if not e.get("url", "").endswith("/broken.html")]
    assert errors == [], errors[:5]


# ---------------------------------------------------------------- with pipeline.report itself

def test_renders_what_pipeline_report_displays(tmp_path, monkeypatch):
    """The notebook-side API's real markup goes through the renderer (no kernel needed)."""
    report = pytest.importorskip("pipeline.report")
    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    ctx = report.setup("flere-i-arbeid", source="demo", language="nb")
    report.heading(ctx, "Unge utenfor arbeid")
    report.paragraph(ctx, "Tekst.")
    report.finding(ctx, "latest", text="Andelen er 8,7 %.", value="8,7 %", rank=1)
    for number in (1, 2):
        fig, ax = figures.new_figure()
        ax.plot([2019, 2020, 2021], [1.0, 2.0, 1.5])
        report.figure(ctx, fig, alt=f"Figur {number}: toppen var 2,0 i 2020.", caption="Figur")
    report.notice(ctx, "For lite data.")
    cell = new_code_cell("report calls")
    cell.outputs = [new_output("display_data", data=bundle) for bundle in shown]
    nb = new_notebook()
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "youth_dropout.ipynb")
    page = _text(render_analysis_html(tmp_path / "youth_dropout.ipynb", tmp_path / "r.html",
                                      program=ctx.program, analysis="youth_dropout",
                                      demo=ctx.demo, provenance=PROVENANCE))
    summary = page[page.index('id="key-findings"'):page.index('class="report-body')]
    assert "Andelen er 8,7 %." in summary
    assert '<figure id="figure-2"><img src="data:image/png;base64,' in page
    assert 'alt="Figur 2: toppen var 2,0 i 2020."' in page
    assert_unique_ids(page)
    assert_heading_order(page)
    assert_self_contained(page)


def test_run_language_overrides_the_programme_language_on_programme_outputs(tmp_path):
    """`innsikt run --language en` on a bokmål programme gives English programme outputs."""
    executed = {"youth_dropout": make_notebook(tmp_path / "youth_dropout.ipynb", language="en")}
    written = render_program(make_program("nb"), executed, tmp_path / "out", demo=True,
                             provenance=PROVENANCE)
    page = _text(written["index"])
    assert '<html lang="en"' in page
    assert "Demo data – not official statistics" in page
    assert "Demonstrasjonsdata" not in page


# ---------------------------------------------------------------- hostile text (issue 15)

HOSTILE = ['=HYPERLINK("http://evil.example","klikk")', "<script>alert(1)</script>",
           '"><img src=x onerror=alert(1)>', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|'"]


def _hostile_program():
    from pipeline.programs import Reference

    evil = " ".join(HOSTILE)
    return Program.model_construct(
        id="flere-i-arbeid", title=f"T {HOSTILE[0]}", owner=HOSTILE[1], language="nb",
        description=HOSTILE[2],
        region=Region.model_construct(municipalities=["4204"], county=None, label=HOSTILE[2]),
        comparison=Comparison.model_construct(municipalities=[], county="42", national=True),
        start_year=2021, horizon=2040, analyses=["youth_dropout"], indicators=[], scenarios={},
        references=[Reference.model_construct(label=h, value=1.0, year=2040, source=evil)
                    for h in HOSTILE], disclosure_threshold=5)


def _notebook_from_report_calls(tmp_path, monkeypatch, calls) -> Path:
    report = pytest.importorskip("pipeline.report")
    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    ctx = report.setup("flere-i-arbeid", source="demo", language="nb")
    calls(report, ctx)
    cell = new_code_cell("report calls")
    cell.outputs = [new_output("display_data", data=bundle) for bundle in shown]
    nb = new_notebook()
    nb.cells = [cell]
    nb.metadata["papermill"] = {"parameters": {"program": "flere-i-arbeid", "source": "demo",
                                               "region": "", "language": "nb"}}
    path = tmp_path / "youth_dropout.ipynb"
    nbformat.write(nb, path)
    return path


def _hostile_calls(report, ctx):
    import pandas as pd

    for text in HOSTILE:
        report.heading(ctx, text)
        report.paragraph(ctx, text)
        report.notice(ctx, text)
        report.finding(ctx, "k", text=text, reference=HOSTILE[0], verdict=text)
    report.table(ctx, pd.DataFrame({HOSTILE[0]: HOSTILE, "n": [10, 11, 12, 13, 14]}),
                 caption=HOSTILE[0], note=HOSTILE[3])
    fig, ax = figures.new_figure()
    ax.plot([2019, 2020], [1.0, 2.0], label=HOSTILE[1])
    ax.set_ylabel(HOSTILE[2])
    report.figure(ctx, fig, alt=HOSTILE[2], caption=HOSTILE[1])


FIGURE_IMAGE = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"<>]*" '
                          r'width="\d+" height="\d+">')


def test_hostile_programme_text_is_escaped_and_never_a_formula(tmp_path, monkeypatch):
    pypdf = pytest.importorskip("pypdf")
    openpyxl = pytest.importorskip("openpyxl")
    nb = _notebook_from_report_calls(tmp_path, monkeypatch, _hostile_calls)
    program = _hostile_program()
    out = tmp_path / "out"
    page = render_analysis_html(nb, out / "youth_dropout.html", program=program,
                                analysis="youth_dropout", demo=True, provenance=PROVENANCE)
    render_pdf(page, out / "youth_dropout.pdf", title=program.title, language="nb")
    written = render_program(program, {"youth_dropout": nb}, out, demo=True,
                             provenance=PROVENANCE)
    site = render_site([(program, {"youth_dropout": nb})], tmp_path, failures=[HOSTILE[1]])
    for markup in map(_text, (page, written["index"], site)):
        markup = FIGURE_IMAGE.sub("", markup)  # the figures' own images
        assert "<script" not in markup.lower() and "<img" not in markup.lower()
        assert "onerror=alert" not in markup.replace("onerror=alert(1)&gt;", "")
        assert 'href="http://evil' not in markup
    for pdf in (out / "youth_dropout.pdf", written["pdf"]):
        data = pdf.read_bytes()
        assert b"/JavaScript" not in data and b"/JS " not in data
        assert not [u for u in _pdf_uris(pdf) if "evil" in u]
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)
        assert "HYPERLINK" in text  # shown as the text it is
    wb = openpyxl.load_workbook(written["workbook"])
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert any(v.startswith("=HYPERLINK") for v in texts)
    with zipfile.ZipFile(written["workbook"]) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


# ------------------------------------------------------- location independence (issue 14)

def test_outputs_are_byte_identical_in_two_differently_named_folders(tmp_path):
    outputs = []
    for folder in ("a", "a-much-longer-checkout-folder-name"):
        root = tmp_path / folder / "reports"
        root.mkdir(parents=True)
        executed = {"youth_dropout": make_notebook(root / "youth_dropout.ipynb"),
                    "migration": make_notebook(root / "migration.ipynb")}
        out = root / "flere-i-arbeid"
        page = render_analysis_html(executed["youth_dropout"], out / "youth_dropout.html",
                                    program=make_program(), analysis="youth_dropout",
                                    demo=True, provenance=PROVENANCE)
        render_pdf(page, out / "youth_dropout.pdf", title="x", language="nb")
        render_program(make_program(), executed, out, demo=True, provenance=PROVENANCE)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
        for pdf in sorted(out.glob("*.pdf")):
            assert not [u for u in _pdf_uris(pdf) if "://" in u or str(tmp_path) in u]
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between the folders"
        assert str(tmp_path).encode() not in outputs[0][name], f"{name} holds a local path"
        assert b"file://" not in outputs[0][name], f"{name} holds a file:// link"


def _pdf_uris(path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    uris = []
    for page in pypdf.PdfReader(str(path)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


def test_pdf_links_to_the_manifest_relatively(built):
    uris = _pdf_uris(built["pdf"])
    assert "manifest.json" in uris and not [u for u in uris if ":" in u or "/" in u], uris


# ------------------------------------------------------- front page and barometer (issue 13)

def _front_calls(report, ctx):
    import pandas as pd

    report.heading(ctx, "Unge utenfor")
    report.finding(ctx, "neet", text="NEET-andelen er 8,7 %.", question="neet_share_15_29",
                   interval="8,1 til 9,3 %", verdict="lavere enn sammenligningen",
                   method="DiD", target="0,7 prosentpoeng over målet")
    report.finding(ctx, "other", text="Et annet funn.", rank=10)
    panel = pd.DataFrame([
        {"region": r, "year": y, "value": 100 * n / d, "numerator": n, "denominator": d}
        for r, n, d in [("0", 9000, 100000), ("4204", 900, 10000), ("4201", 30, 300),
                        ("4202", 400, 2000), ("4203", 150, 2000)]
        for y in (2021, 2023)])
    report.barometer(ctx, {"neet_share_15_29": lambda source: panel})


def test_front_page_answers_questions_and_barometer_colours_only_tested_cells(
        tmp_path, monkeypatch):
    from pipeline.programs import Indicator

    nb = _notebook_from_report_calls(tmp_path, monkeypatch, _front_calls)
    program = make_program().model_copy(update={
        "indicators": [Indicator(id="neet_share_15_29", direction="down", target=8.0, by=2026)],
        "analyses": ["youth_dropout"]})
    written = render_program(program, {"youth_dropout": nb}, tmp_path / "out", demo=True,
                             provenance=PROVENANCE)
    page = _text(written["index"])
    front = page[page.index('class="front-page"'):page.index('class="barometer-page"')]
    assert "Er vi på rett vei?" in front and "NEET-andelen er 8,7 %." in front
    assert "8,1 til 9,3 %" in front and "DiD" in front and "0,7 prosentpoeng" in front
    assert "Programmets mål: 8,0\u202f% innen 2026." in front
    assert 'href="youth_dropout.html#section-1"' in front
    # The analysis already answers a question block: no extra block for its other findings.
    assert "Et annet funn." not in front
    barometer = page[page.index('class="barometer-page"'):]
    assert barometer.count('<tr><th scope="row">') == 4  # the four Agder members given
    # 4202 (20 %) and 4203 (7.5 %) differ from the country (9 %): coloured; 4201 (10 % of
    # 300) and 4204 (9 %) do not: plain.
    assert barometer.count("td class=\"num worse\"") == 1
    assert barometer.count("td class=\"num better\"") == 1
    assert barometer.count('td class="num">') == 2
    assert "▲" in barometer and "▼" in barometer
    assert "test på 5 %-nivå" in barometer
    assert_unique_ids(page)
    assert_heading_order(page)
    openpyxl = pytest.importorskip("openpyxl")
    assert openpyxl.load_workbook(written["workbook"]).sheetnames[1] == "Barometer"
    pypdf = pytest.importorskip("pypdf")
    first = pypdf.PdfReader(str(written["pdf"])).pages[0].extract_text()
    assert "Svar på programmets spørsmål" in first and "NEET-andelen er 8,7 %." in first
    if CHROMIUM and AXE.exists():  # the barometer's colours and table pass WCAG 2.1 AA
        assert run_axe(written["index"], tmp_path)["violations"] == []


# ---------------------------------------------------------------- layout and wording

def test_year_tick_labels_never_overlap():
    for width in (3.0, 4.5, 7.0):
        fig, ax = figures.new_figure(width=width)
        years = list(range(2000, 2025))
        ax.plot(years, range(25), label="a")
        ax.plot(years, range(25, 50), label="b")
        ax.set_xticks(years)
        ax.set_ylabel("Personer")
        assert figures.tick_label_overlaps(fig)  # the set-up overlaps before rendering
        svg = figures.to_svg(fig, "nb")
        assert figures.tick_label_overlaps(fig) == [], width
        assert "legend" in svg  # two labelled lines get a legend


def test_slip_scanner_finds_each_class_and_the_reports_are_clean(programme, monkeypatch):
    from pipeline import i18n
    from pipeline.present import slips

    bad = ("<p>Andelen er høyere enn Hele landet.</p><p>Alder 45-49 og 15–29.</p>"
           "<figure><figcaption>Buskerud, Hele landet og hele landet</figcaption></figure>"
           "<p>Indikatorer en tilflyttertjeneste kan følge med på</p>")
    monkeypatch.setitem(i18n.ONLY, "demo_banner", ("namsskogan-tilflytting",))
    monkeypatch.setitem(i18n.TEXTS, "demo_banner", {
        "nb": "Indikatorer en tilflyttertjeneste kan følge med på", "en": "x"})
    kinds = {s.split(":")[0] for s in slips.scan(bad, "flere-i-arbeid")}
    assert kinds == {"national-capital", "dash-mix", "caption-repeat", "other-programme"}
    assert slips.scan("<p>Hele landet har flest.</p><td>45-49</td>", "x") == []
    # An area whose name has two words, named twice in its own caption, is no slip.
    for name in ("Trondheim - Tråante", "Indre Østfold"):
        assert slips.scan(f"<figure><figcaption>Andel: {name} og hele landet. Skyggen er "
                          f"intervallet for {name}.</figcaption></figure>", "x") == []
    monkeypatch.undo()
    assert slips.scan(_text(programme["index"]), "flere-i-arbeid") == []


def test_nynorsk_run_gives_nynorsk_pages_with_bokmal_fallback(tmp_path):
    nb = make_notebook(tmp_path / "youth_dropout.ipynb")
    notebook = nbformat.read(nb, as_version=4)
    notebook.metadata["papermill"]["parameters"]["language"] = "nn"
    nbformat.write(notebook, nb)
    written = render_program(make_program("nb"), {"youth_dropout": nb}, tmp_path / "out",
                             demo=True, provenance=PROVENANCE)
    page = _text(written["index"])
    assert '<html lang="nn"' in page
    assert "Demonstrasjonsdata – ikkje offisiell statistikk" in page
    assert "Svar på spørsmåla til programmet" in page


def test_area_profile_renders_without_programme_text(tmp_path):
    from pipeline.programs import area_profile

    profile = area_profile("3303")
    nb = make_notebook(tmp_path / "youth_dropout.ipynb")
    written = render_program(profile, {"youth_dropout": nb}, tmp_path / "out", demo=True,
                             provenance=PROVENANCE)
    page = _text(written["index"])
    assert "<h1>Kongsberg</h1>" in page and "Er vi på rett vei?" not in page
    assert "references_title" not in page and "Programmets egne tall" not in page
