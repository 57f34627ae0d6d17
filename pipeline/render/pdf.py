"""PDF reports with WeasyPrint from the reports' own HTML and its print stylesheet.

PDFs are tagged PDF/UA-1 (structure tree, figure alt text from each image's ``alt``, document
language and title). WeasyPrint only reads local files and inline data (no network). Dates in
the PDF metadata are left out unless ``SOURCE_DATE_EPOCH`` is set (the reproducible-builds
convention), so the same HTML gives the same PDF bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
from pathlib import Path

from pipeline import io

PDF_VARIANT = "pdf/ua-1"
FONT_EPOCH = "946684800"  # 2000-01-01T00:00:00Z, the same constant as the workbook's dates
PRINT_CSS = Path(__file__).resolve().parent / "print.css"


def fixed_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` as a PDF date, else none (the reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_idat(data: bytes) -> bytes | None:
    """The concatenated ``IDAT`` data of an 8-bit, non-interlaced RGB or grey PNG, else None.

    That is exactly what a PDF image stream with ``/FlateDecode`` and a PNG predictor holds,
    so such a PNG goes into the PDF without being decoded and compressed again.
    """
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    bit_depth, colour_type, interlace = data[24], data[25], data[28]
    if bit_depth != 8 or colour_type not in (0, 2) or interlace:
        return None
    chunks, at = [], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        elif kind == b"IEND":
            return b"".join(chunks)
        at += 12 + length
    return None


def _install_png_passthrough() -> None:
    """Let WeasyPrint embed its own RGB PNGs as they are (same bytes, no second encoding).

    For every raster image in every PDF it writes, WeasyPrint (``RasterImage.get_x_object``)
    decodes the PNG it made while laying out and compresses the pixels again with the same
    settings, only to keep the ``IDAT`` data: a few hundredths of a second per figure and PDF,
    about a fifth of writing a report. This replaces that step, for PNGs whose ``IDAT`` can be
    used as is (see :func:`png_idat`), by reading the ``IDAT`` chunks of the bytes it already
    holds; re-encoding identical pixels with identical settings gives identical data, so the
    PDF bytes do not change. Anything else takes WeasyPrint's own path.
    """
    from weasyprint import images

    original = images.RasterImage._get_png_data
    if getattr(original, "innsikt", False):
        return

    def get_png_data(pillow_image):
        fp = getattr(pillow_image, "fp", None)
        if pillow_image.format == "PNG" and hasattr(fp, "getvalue"):
            data = png_idat(fp.getvalue())
            if data is not None:
                return data
        return original(pillow_image)

    get_png_data.innsikt = True
    images.RasterImage._get_png_data = staticmethod(get_png_data)


@contextlib.contextmanager
def font_clock():
    """Fix the clock fontTools stamps into every embedded font subset (``head.modified``).

    fontTools reads ``SOURCE_DATE_EPOCH``; without it each PDF would carry the time it was
    made inside its fonts. The variable is set only while rendering (and only when unset), so
    the PDF's own metadata dates still follow the user's setting. Every layout and PDF write
    passes through here, so it also installs :func:`_install_png_passthrough`.
    """
    _install_png_passthrough()
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FONT_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _offline_fetcher():
    from weasyprint import URLFetcher

    # Reports are self-contained; anything else (http, https, ftp) must not be fetched.
    return URLFetcher(allowed_protocols=("file", "data"))


# What the web page shows and paper leaves out (report.html.j2: the detail part's long tables
# and the validation table's rows); a ``print-only`` element beside each says where they are
# or sums them up, and print.css shows it on paper.
_SCREEN_ONLY = re.compile(r"<!--screen-only-->.*?<!--/screen-only-->", re.S)


def with_print_css(html_text: str) -> str:
    """The page as WeasyPrint should read it: the print stylesheet added last in ``<head>`` (so
    it wins the cascade), and what lies between ``<!--screen-only-->`` marks left out.

    The print stylesheet uses CSS Paged Media (running strings, page counters, leaders), which
    HTML validators reject, so it is added here for WeasyPrint rather than kept in the page.
    The long tables (the numbers behind the charts, year by year; every validation design's
    row) stay on the web page and in the workbook: laid out by WeasyPrint they cost more than
    the rest of the report together, and hiding them with CSS would not help, since WeasyPrint
    styles hidden elements too.
    """
    css = PRINT_CSS.read_text(encoding="utf-8").strip()
    marker = "</head>"
    if marker not in html_text:
        raise ValueError("the report HTML has no </head>; render it with pipeline.render")
    html_text = _SCREEN_ONLY.sub("", html_text)
    return html_text.replace(marker, f"<style>\n{css}\n</style>\n{marker}", 1)


def write_pdf(out_pdf: Path, *, title: str, language: str, html_path: Path | None = None,
              html_text: str | None = None, base_url: Path | None = None) -> Path:
    """Render HTML (a file or text) to a tagged PDF written atomically to ``out_pdf``.

    No base URL is given to WeasyPrint: reports are self-contained, and without one a relative
    link (``manifest.json``, ``index.html``) stays relative in the PDF, so it points at the
    published file beside the PDF and the bytes do not depend on where the checkout lives.
    ``base_url`` is accepted for older callers and ignored.
    """
    del base_url
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores; keep the run's output readable.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    if html_path is not None:
        html_text = Path(html_path).read_text(encoding="utf-8")
    source = HTML(string=with_print_css(html_text or ""), base_url=None,
                  url_fetcher=_offline_fetcher())
    created = fixed_date()
    with font_clock():
        document = source.render()
        document.metadata.title = title
        document.metadata.lang = language
        document.metadata.generator = "innsikt"
        document.metadata.created = document.metadata.modified = created
        data = document.write_pdf(pdf_variant=PDF_VARIANT)
    return io.write_bytes(out_pdf, data)


def render_pdf(html_path: Path, out_pdf: Path, *, title: str, language: str) -> Path:
    """Render a report's HTML to an A4, tagged (PDF/UA-1) PDF with its print stylesheet.

    Args:
        html_path: the HTML report (from :func:`pipeline.render.render_analysis_html`).
        out_pdf: the PDF to write (atomically).
        title: document title for the PDF metadata (shown by viewers instead of the file name).
        language: ``nb`` or ``en``; the PDF's ``/Lang``.

    Returns:
        ``out_pdf``.
    """
    return write_pdf(Path(out_pdf), title=title, language=language, html_path=Path(html_path))
