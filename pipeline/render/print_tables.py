"""Tables on paper get their column widths from here, so WeasyPrint need not measure them.

WeasyPrint lays a table out with CSS's automatic table layout: it measures the narrowest and
the widest each cell can be (shaping its text twice), then lays the cells out for real. In a
report's PDF that measuring was a quarter of the whole layout. The same rule is applied here,
on the text of the cells, with the advance widths of the report font (DejaVu Sans, which
matplotlib ships, so the figures, the tables and these widths use the same metrics), and
written into the page as a ``<colgroup>``; print.css then lays those tables out with
``table-layout: fixed``, which reads the widths instead of measuring.

The rule (CSS 2.1's automatic layout, as WeasyPrint applies it): each column's widest need is
its longest line, its narrowest its longest word (a header may hyphenate: print.css breaks long
header words, so a header word counts with at most :data:`HEADER_WORD_EM`). A table whose
columns all fit at their widest is as wide as that; otherwise it takes the text width and each
column gets its narrowest need plus a share of what is left in proportion to how much wider it
would like to be.

Only the report tables are measured (the plain ones in ``table-wrap`` boxes and the validation
and sources tables). The barometer (cell content added by print.css, its own landscape page)
and the front page's tables keep the automatic layout.
"""

from __future__ import annotations

import html
import importlib.util
import re
from functools import cache
from pathlib import Path

# The text width on an A4 portrait page (print.css: 210 mm less 2 x 18 mm margins), in points,
# and the tables' font size (print.css ``table { font-size: 7pt }``).
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
TABLE_FONT_PT = 7.0
ROOT_FONT_PT = 8.0  # print.css ``html { font-size: 8pt }``: the rem of the cell padding
# Cell padding left + right (print.css: 0.3rem each side; 0.2rem in a ``wide`` table), in em of
# the table's font, plus a little for rounding and borders.
PADDING_EM = {"": 2 * 0.3 * ROOT_FONT_PT / TABLE_FONT_PT + 0.15,
              "wide": 2 * 0.2 * ROOT_FONT_PT / TABLE_FONT_PT + 0.15}
HEADER_WORD_EM = 4.5  # about eight letters: print.css hyphenates longer header words
AVERAGE_EM = 0.58  # a character's width when the font cannot be read
_WIDTH = TEXT_WIDTH_PT / TABLE_FONT_PT - 0.5  # the text width in em, less a safety margin

_WRAPPED = re.compile(r'(<div class="table-wrap(?: (wide|detail))?"[^>]*>\s*)(<table\b[^>]*>)'
                      r'(.*?)(</table>)', re.S)
_CLASSED = re.compile(r'()()(<table class="(?:validation|sources)"[^>]*>)(.*?)(</table>)', re.S)
_HEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<(th|td)\b([^>]*)>(.*?)</\1>", re.S)
_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


@cache
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """Character → advance width in em of DejaVu Sans (regular or bold), and the fallback."""
    spec = importlib.util.find_spec("matplotlib")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        from fontTools.ttLib import TTFont

        folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"  # type: ignore[union-attr]
        font = TTFont(folder / name, lazy=True)
        per_em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        widths = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    except Exception:  # noqa: BLE001 — no font file: widths fall back to an average character
        return {}, AVERAGE_EM
    return widths, sum(widths.values()) / max(1, len(widths))


def text_em(text: str, *, bold: bool = False) -> float:
    """The width of ``text`` on one line, in em."""
    widths, fallback = _advances(bold)
    return sum(widths.get(ord(ch), fallback) for ch in text)


def _cell_text(inner: str) -> list[str]:
    """A cell's lines of plain text."""
    return [html.unescape(_TAG.sub("", line)).strip() for line in _BREAK.split(inner)]


def column_needs(body: str, padding: float) -> list[tuple[float, float]] | None:
    """``(narrowest, widest)`` need of each column in em, or None for a table without cells or
    with spanning cells (left to the automatic layout)."""
    head = _HEAD.search(body)
    needs: list[list[float]] = []
    for row_match in _ROW.finditer(body):
        in_head = head is not None and head.start() <= row_match.start() < head.end()
        for column, cell in enumerate(_CELL.finditer(row_match[1])):
            if "colspan" in cell[2] or "rowspan" in cell[2]:
                return None
            bold = in_head or cell[1] == "th" or "<strong" in cell[3] or "<b>" in cell[3]
            lines = _cell_text(cell[3])
            widest = max((text_em(line, bold=bold) for line in lines), default=0.0)
            words = [w for line in lines for w in line.split()]
            narrowest = max((text_em(w, bold=bold) for w in words), default=0.0)
            if in_head:
                narrowest = min(narrowest, HEADER_WORD_EM)
            while len(needs) <= column:
                needs.append([0.0, 0.0])
            needs[column][0] = max(needs[column][0], narrowest + padding)
            needs[column][1] = max(needs[column][1], widest + padding)
    return [(low, high) for low, high in needs] or None


def column_widths(needs: list[tuple[float, float]],
                  width: float = _WIDTH) -> tuple[float | None, list[float]]:
    """The table's width in em (None: the full text width) and each column's share, percent."""
    low = sum(n for n, _ in needs)
    high = sum(w for _, w in needs)
    if high <= width:
        return high, [100 * w / high for _, w in needs]
    if low >= width or high == low:
        return None, [100 * n / low for n, _ in needs]
    spare = (width - low) / (high - low)
    widths = [n + (w - n) * spare for n, w in needs]
    return None, [100 * w / width for w in widths]


def _with_widths(match: re.Match) -> str:
    lead, kind, opening, body, closing = match.groups()
    if "<colgroup" in body or "style=" in opening:
        return match[0]
    needs = column_needs(body, PADDING_EM["wide" if kind == "wide" else ""])
    if not needs:
        return match[0]
    table_em, shares = column_widths(needs)
    width = f"{table_em:.2f}em" if table_em is not None else "100%"
    cols = "".join(f'<col style="width:{share:.2f}%">' for share in shares)
    if 'class="' in opening:
        opening = opening.replace('class="', 'class="fixed ', 1)[:-1]
    else:
        opening = opening[:-1].rstrip() + ' class="fixed"'
    opening += f' style="width:{width}">'
    caption_end = body.find("</caption>")
    at = caption_end + len("</caption>") if caption_end >= 0 else 0
    return f"{lead}{opening}{body[:at]}<colgroup>{cols}</colgroup>{body[at:]}{closing}"


def with_column_widths(html_text: str) -> str:
    """The page with a ``<colgroup>`` of measured widths in each report table, marked
    ``class="fixed"`` for print.css's fixed table layout."""
    return _CLASSED.sub(_with_widths, _WRAPPED.sub(_with_widths, html_text))
