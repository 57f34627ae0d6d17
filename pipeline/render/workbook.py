"""The programme workbook ``tables.xlsx``: every published table, one sheet each, and sources.

Tables come from the notebooks' ``application/vnd.innsikt.table+json`` outputs, i.e. exactly as
published after disclosure control: suppressed cells stay ":". The file is made byte-stable:
fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io as _io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from pipeline import i18n, io
from pipeline.programs import Program
from pipeline.render import texts
from pipeline.render.content import ReportContent
from pipeline.render.frontpage import barometer
from pipeline.render.html import normalise_sources, split_rules

FIXED_TIME = dt.datetime(2000, 1, 1)  # Excel needs some date; this one is a constant
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)


def sheet_name(analysis: str, number: int, used: set[str], numbered: bool = True) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``) for table ``number``.

    ``analysis`` is the analysis's display title (a reader sees "Flytting og befolkning 2",
    not "migration 2"); long titles are cut so the number always shows.
    """
    tail = f" {number}" if numbered else ""
    base = _BAD_SHEET_CHARS.sub("-", analysis[:31 - len(tail)].rstrip() + tail)
    name = base[:31]
    suffix = 2
    while name.lower() in used:
        tail = f" ({suffix})"
        name = base[:31 - len(tail)] + tail
        suffix += 1
    used.add(name.lower())
    return name


def _cell_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def put(ws, row: int, column: int, value: Any):
    """Write one cell; text is always stored as text, never as a formula.

    openpyxl turns any string that starts with ``=`` into a formula. Text in the workbook comes
    from programme files and notebooks written by many hands, so a label such as
    ``=HYPERLINK("http://…")`` must stay a label: the cell is typed as a string and gets
    Excel's quote prefix, so editing it in Excel does not turn it into a formula either.
    """
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True
    return cell


def _autosize(ws, columns: int, start_row: int) -> None:
    for col in range(1, columns + 1):
        letter = get_column_letter(col)
        width = max((len(str(c.value)) for c in ws[letter][start_row - 1:] if c.value is not None),
                    default=8)
        ws.column_dimensions[letter].width = min(60, max(8, width + 2))


def _table_sheet(ws, table: Mapping[str, Any], analysis_title: str, lang: str) -> None:
    columns: Sequence[str] = table.get("columns", [])
    put(ws, 1, 1, str(table.get("caption", ""))).font = TITLE
    put(ws, 2, 1, f"{texts.t('analysis', lang)}: {analysis_title}")
    header_row = 4
    for col, name in enumerate(columns, 1):
        cell = put(ws, header_row, col, str(name))
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    suppressed = False
    for r, row in enumerate(table.get("data", []), header_row + 1):
        for col, value in enumerate(row, 1):
            value = _cell_value(value)
            suppressed = suppressed or value == ":"
            cell = put(ws, r, col, value)
            if value == ":":
                cell.alignment = Alignment(horizontal="right")
            elif isinstance(value, float):
                cell.number_format = "#,##0.0##"
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = "#,##0" if col > 1 else "0"
    note_row = header_row + len(table.get("data", [])) + 2
    notes = list(table.get("notes", []))
    if suppressed and not notes:
        notes.append(texts.t("suppressed_cells", lang))
    for i, note in enumerate(notes):
        put(ws, note_row + i, 1, str(note))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    _autosize(ws, max(1, len(columns)), header_row)


def _sources_sheet(ws, program: Program, lang: str, demo: bool,
                   provenance: Iterable[Mapping[str, Any]]) -> None:
    put(ws, 1, 1, f"{texts.t('sources_sheet', lang)}: {program.title}").font = TITLE
    put(ws, 2, 1, texts.t("source_demo" if demo else "source_ssb", lang))
    row = 3
    if demo:
        put(ws, row, 1, texts.t("demo_banner", lang)).font = BOLD
        row += 1
    put(ws, row, 1, texts.t("suppression", lang, threshold=program.disclosure_threshold))
    row += 2
    heads = ["col_table", "col_title", "col_updated", "col_retrieved", "col_note"]
    for col, key in enumerate(heads, 1):
        put(ws, row, col, texts.t(key, lang)).font = BOLD
    first = row
    provenance = list(provenance)
    for source in normalise_sources(provenance, lang):
        row += 1
        for col, key in enumerate(["table_id", "title", "updated", "retrieved", "note"], 1):
            put(ws, row, col, source[key] or None)
    rules = [] if demo else split_rules(provenance, lang)
    if rules:
        row += 2
        put(ws, row, 1, texts.t("split_rules", lang)).font = BOLD
        for rule in rules:
            row += 1
            put(ws, row, 1, rule)
    _autosize(ws, len(heads), first)


def _contents_row(contents, row: int, name: str, title: str, caption: str) -> None:
    link = put(contents, row, 1, name)
    link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
    put(contents, row, 2, title)
    put(contents, row, 3, caption)


def _barometer_sheet(ws, merged: Mapping[str, Any], lang: str) -> None:
    """The merged barometer: one row per municipality, latest and change per indicator."""
    put(ws, 1, 1, str(merged["caption"])).font = TITLE
    header_row = 3
    put(ws, header_row, 1, texts.t("area", lang)).font = BOLD
    change = texts.t("barometer_change", lang, start=merged["start"])
    for i, column in enumerate(merged["columns"]):
        put(ws, header_row, 2 + 2 * i, str(column)).font = BOLD
        put(ws, header_row, 3 + 2 * i, change).font = BOLD
    for r, row in enumerate(merged["rows"], header_row + 1):
        put(ws, r, 1, str(row["name"]))
        for i, (latest, delta, comparison) in enumerate(row["cells"]):
            put(ws, r, 2 + 2 * i, str(latest)).alignment = Alignment(horizontal="right")
            put(ws, r, 3 + 2 * i, str(delta)).alignment = Alignment(horizontal="right")
            if comparison:
                ws.cell(row=r, column=2 + 2 * i).font = Font(
                    bold=True, color="006100" if comparison == "better" else "9C0006")
    put(ws, header_row + len(merged["rows"]) + 2, 1, str(merged["legend"]))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    _autosize(ws, 1 + 2 * len(merged["columns"]), header_row)


def _stable_bytes(wb: Workbook) -> bytes:
    """Save without openpyxl's "modified = now" and with fixed zip entry times."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "innsikt"
    buffer = _io.BytesIO()
    # Stored, not compressed: the entries are compressed once, below, with their fixed times.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        ExcelWriter(wb, archive).save()
    stable = _io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return stable.getvalue()


def build_workbook(program: Program, reports: Mapping[str, ReportContent], *, demo: bool,
                   provenance: Iterable[Mapping[str, Any]], lang: str) -> bytes:
    """The workbook's bytes: a contents sheet, one sheet per published table, a sources sheet.

    Args:
        program: the programme.
        reports: analysis name → its report content, in report order.
        demo: demo data (the sources sheet says so).
        provenance: source table records (see :func:`pipeline.render.html.normalise_sources`).
        lang: language of the sheet texts.
    """
    wb = Workbook()
    contents = wb.active
    contents.title = texts.t("contents_sheet", lang)
    put(contents, 1, 1, program.title).font = TITLE
    row = 2
    if demo:
        put(contents, row, 1, texts.t("demo_banner", lang)).font = BOLD
        row += 1
    row += 1
    for col, key in enumerate(["sheet", "analysis", "caption"], 1):
        put(contents, row, col, texts.t(key, lang)).font = BOLD
    first = row
    used = {contents.title.lower(), texts.t("sources_sheet", lang).lower()}
    merged = barometer(reports)
    if merged is not None:
        name = sheet_name(texts.t("barometer_sheet", lang), 0, used, numbered=False)
        _barometer_sheet(wb.create_sheet(name), merged, lang)
        row += 1
        _contents_row(contents, row, name, texts.t("barometer_title", lang), merged["caption"])
    for analysis, content in reports.items():
        title = texts.analysis_title(analysis, lang)
        tables = [tb for tb in content.tables if tb.get("kind") != "barometer"]
        short = (texts.t(f"sheet_{analysis}", lang)
                 if f"render.sheet_{analysis}" in i18n.TEXTS else title)
        for number, table in enumerate(tables, 1):
            name = sheet_name(short, number, used)
            _table_sheet(wb.create_sheet(name), table, title, lang)
            row += 1
            _contents_row(contents, row, name, title, str(table.get("caption", "")))
    _autosize(contents, 3, first)
    _sources_sheet(wb.create_sheet(texts.t("sources_sheet", lang)), program, lang, demo,
                   provenance)
    return _stable_bytes(wb)


def render_workbook(out_xlsx, program: Program, reports: Mapping[str, ReportContent], *,
                    demo: bool, provenance: Iterable[Mapping[str, Any]], lang: str):
    """Write :func:`build_workbook`'s bytes atomically to ``out_xlsx``."""
    return io.write_bytes(out_xlsx, build_workbook(program, reports, demo=demo,
                                                   provenance=provenance, lang=lang))
