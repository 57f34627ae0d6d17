"""PDF reports with WeasyPrint from the reports' own HTML and its print stylesheet.

PDFs are tagged PDF/UA-1 (structure tree, figure alt text from each image's ``alt``, document
language and title). WeasyPrint only reads local files and inline data (no network). Dates in
the PDF metadata are left out unless ``SOURCE_DATE_EPOCH`` is set (the reproducible-builds
convention), so the same HTML gives the same PDF bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import math
import os
import re
from pathlib import Path

from pipeline import io
from pipeline.render import print_fonts
from pipeline.render.print_tables import with_column_widths

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


def _png_chunks(data: bytes) -> dict[bytes, bytes] | None:
    """The chunks of a PNG by type (``IDAT`` chunks joined), or None if ``data`` is no PNG."""
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    chunks: dict[bytes, list[bytes]] = {}
    at = 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        chunks.setdefault(kind, []).append(data[at + 8:at + 8 + length])
        if kind == b"IEND":
            return {kind: b"".join(parts) for kind, parts in chunks.items()}
        at += 12 + length
    return None


def png_idat(data: bytes) -> bytes | None:
    """The concatenated ``IDAT`` data of an 8-bit, non-interlaced RGB or grey PNG, else None.

    That is exactly what a PDF image stream with ``/FlateDecode`` and a PNG predictor holds,
    so such a PNG goes into the PDF without being decoded and compressed again.
    """
    chunks = _png_chunks(data)
    if chunks is None:
        return None
    bit_depth, colour_type, interlace = data[24], data[25], data[28]
    if bit_depth != 8 or colour_type not in (0, 2) or interlace:
        return None
    return chunks.get(b"IDAT")


def png_palette(data: bytes) -> tuple[int, bytes, bytes] | None:
    """``(bit depth, PLTE, IDAT)`` of a non-interlaced palette PNG without transparency.

    Such an image is a PDF image with an ``/Indexed`` colour space over its palette and the
    same ``IDAT`` stream (the figures of :mod:`pipeline.present.figures` are all like this).
    """
    chunks = _png_chunks(data)
    if chunks is None or data[25] != 3 or data[28] or b"tRNS" in chunks:
        return None
    if b"PLTE" not in chunks or b"IDAT" not in chunks or data[24] not in (1, 2, 4, 8):
        return None
    return data[24], chunks[b"PLTE"], chunks[b"IDAT"]


def _install_png_passthrough() -> None:
    """Let WeasyPrint embed PNGs as they are: the same ``IDAT`` bytes, no second encoding.

    - RGB and grey PNGs: for every raster image in every PDF it writes, WeasyPrint
      (``RasterImage.get_x_object``) decodes the PNG and compresses the pixels again with the
      same settings, only to keep the ``IDAT`` data. That step reads the ``IDAT`` chunks of the
      bytes it already holds instead (:func:`png_idat`); the PDF bytes do not change.
    - Palette PNGs (every figure): WeasyPrint converts them to RGB and encodes that as a new
      PNG while laying out (about 30 ms per figure and layout), then does the above. They are
      kept as they are instead and written with an ``/Indexed`` colour space over their palette
      (:func:`png_palette`): no decoding at all, and the image in the PDF is the palette PNG's
      size rather than an RGB one's. Only with WeasyPrint's default image options (no
      ``dpi``, ``optimize_images`` or ``jpeg_quality``), which the reports use.

    Anything else takes WeasyPrint's own path.
    """
    import pydyf
    from weasyprint import images

    raster = images.RasterImage
    if getattr(raster._get_png_data, "innsikt", False):
        return
    original_png_data, original_init = raster._get_png_data, raster.__init__
    original_x_object = raster.get_x_object

    def get_png_data(pillow_image):
        fp = getattr(pillow_image, "fp", None)
        if pillow_image.format == "PNG" and hasattr(fp, "getvalue"):
            data = png_idat(fp.getvalue())
            if data is not None:
                return data
        return original_png_data(pillow_image)

    def init(self, pillow_image, image_id, image_data, filename=None, cache=None,
             orientation="none", options=images.DEFAULT_OPTIONS):
        palette = None
        if (pillow_image.format == "PNG" and pillow_image.mode == "P"
                and "transparency" not in pillow_image.info and image_data is not None
                and not options["dpi"] and not options["optimize_images"]
                and options["jpeg_quality"] is None
                and images.rotate_pillow_image(pillow_image, orientation) is pillow_image):
            palette = png_palette(image_data)
        if palette is None:
            original_init(self, pillow_image, image_id, image_data, filename, cache,
                          orientation, options)
            return
        # What WeasyPrint's __init__ sets, for an image it need not convert.
        self.id, self._cache = image_id, {} if cache is None else cache
        self._jpeg_quality, self._dpi = None, None
        self.mode, self.format, self.optimize, self.invert_colors = "P", "PNG", False, False
        self.width, self.height = pillow_image.width, pillow_image.height
        self.ratio = (self.width / self.height) if self.height != 0 else math.inf
        self.image_data = self.cache_image_data(image_data, filename)
        self.innsikt_palette = palette

    def get_x_object(self, interpolate, dpi_ratio):
        palette = getattr(self, "innsikt_palette", None)
        if palette is None or dpi_ratio != 1:
            return original_x_object(self, interpolate, dpi_ratio)
        bits, plte, idat = palette
        # A hex string: a literal one would let a reader normalise line-end bytes.
        lookup = b"<" + plte.hex().encode("ascii") + b">"
        extra = pydyf.Dictionary({
            "Type": "/XObject", "Subtype": "/Image", "Width": self.width,
            "Height": self.height, "BitsPerComponent": bits,
            "ColorSpace": pydyf.Array(("/Indexed", "/DeviceRGB", len(plte) // 3 - 1, lookup)),
            "Interpolate": "true" if interpolate else "false", "Filter": "/FlateDecode",
            "DecodeParms": pydyf.Dictionary({"Predictor": 15, "Columns": self.width,
                                             "BitsPerComponent": bits}),
        })
        return pydyf.Stream([self.cache_image_data(idat, slot="stream")], extra)

    get_png_data.innsikt = True
    raster._get_png_data = staticmethod(get_png_data)
    raster.__init__ = init
    raster.get_x_object = get_x_object


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


def offline_fetcher():
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
    styles hidden elements too. The report tables get their column widths written in
    (:mod:`pipeline.render.print_tables`), so WeasyPrint lays them out without measuring.
    """
    css = PRINT_CSS.read_text(encoding="utf-8").strip()
    marker = "</head>"
    if marker not in html_text:
        raise ValueError("the report HTML has no </head>; render it with pipeline.render")
    return _for_paper(html_text).replace(marker, f"<style>\n{css}\n</style>\n{marker}", 1)


def _for_paper(html_text: str) -> str:
    """The page without what paper leaves out, its report tables with measured widths."""
    return with_column_widths(_SCREEN_ONLY.sub("", html_text))


def print_source(html_text: str) -> tuple[str, list]:
    """The page as WeasyPrint should read it, and the stylesheets to lay it out with.

    The same as :func:`with_print_css`, except that the page's own stylesheet (report.css,
    inlined by every page) and the print stylesheet are handed to WeasyPrint as parsed
    stylesheets, parsed once per process (:func:`_parsed`) instead of in every layout (about
    75 ms each time). WeasyPrint gives such stylesheets the "user" origin; since the page then
    has no stylesheet of its own, they keep their order (print.css after report.css) and their
    precedence over WeasyPrint's defaults, so the cascade is the same. First comes the
    bundled fonts' ``@font-face`` stylesheet (:mod:`pipeline.render.print_fonts`). A page
    without the report stylesheet (not made by :mod:`pipeline.render`) gets
    :func:`with_print_css` (and the system's fonts).
    """
    from pipeline.render.html import stylesheet

    report_css = stylesheet()
    inline = f"<style>\n{report_css}\n</style>"
    if inline not in html_text or "</head>" not in html_text:
        return with_print_css(html_text), []
    page = _for_paper(html_text.replace(inline, "", 1))
    print_css = PRINT_CSS.read_text(encoding="utf-8").strip()
    return page, [print_fonts.font_faces(), _parsed(report_css), _parsed(print_css)]


@functools.lru_cache(maxsize=8)
def _parsed(css_text: str):
    """A stylesheet parsed by WeasyPrint, kept for the next layout (keyed by its text, so an
    edited stylesheet is parsed again in a long-lived worker)."""
    from weasyprint import CSS

    return CSS(string=css_text, font_config=print_fonts.font_config())


def layout(html_text: str, base_url: Path | None = None):
    """Lay out a page with the print stylesheet into a WeasyPrint ``Document``.

    Args:
        html_text: a page from :mod:`pipeline.render`.
        base_url: the folder the PDF will be published in (relative links resolve against
            it); None keeps them relative.
    """
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores; keep the run's output readable.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # A file inside the folder, not the folder: WeasyPrint adds the trailing slash only for
    # folders that exist, and the publish folder may not exist yet.
    base = str(Path(base_url) / "index.html") if base_url is not None else None
    page, stylesheets = print_source(html_text)
    with font_clock():
        return HTML(string=page, base_url=base, url_fetcher=offline_fetcher()).render(
            stylesheets=stylesheets, font_config=print_fonts.font_config())


def write_pdf(out_pdf: Path, *, title: str, language: str, html_path: Path | None = None,
              html_text: str | None = None, base_url: Path | None = None) -> Path:
    """Render HTML (a file or text) to a tagged PDF written atomically to ``out_pdf``.

    No base URL is given to WeasyPrint: reports are self-contained, and without one a relative
    link (``manifest.json``, ``index.html``) stays relative in the PDF, so it points at the
    published file beside the PDF and the bytes do not depend on where the checkout lives.
    ``base_url`` is accepted for older callers and ignored.
    """
    del base_url
    if html_path is not None:
        html_text = Path(html_path).read_text(encoding="utf-8")
    document = layout(html_text or "")
    created = fixed_date()
    with font_clock():
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
