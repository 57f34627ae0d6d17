"""The fonts the PDFs are set in: DejaVu Sans and Sans Mono, cut to the characters reports use.

The reports' stylesheet asks for DejaVu Sans. Taken from the system, it is a 760 KB font with
6 000 glyphs (Cyrillic, Arabic, …) and large OpenType layout tables, and WeasyPrint subsets it
anew for every PDF it writes: with fontTools 4.68 (which reads the layout tables in full before
WeasyPrint's subset drops them) that was 2.9 s of a programme's 8 s render, measured. The
fonts in ``fonts/`` are the same typefaces reduced once, by :func:`build`, to what Norwegian,
Sámi and English reports and their numbers need (:data:`UNICODE_RANGES`), without the ``GPOS``
table: kerning comes from the fonts' own ``kern`` table, which HarfBuzz applies when there is
no ``GPOS`` (the same pairs; DejaVu ships both), and ``GSUB`` (ligatures, ``locl``) is kept.
Subsetting one of them for a PDF takes 0.05–0.08 s (0.9 s of a programme's render for its
eleven subsets, measured). A character outside the ranges is still printed: Pango falls back
to the system's fonts for it (as before, slower).

They also make the PDFs the same on every machine: a laptop without DejaVu installed used to
get Helvetica or Arial instead. The web pages keep asking the browser for DejaVu Sans.

The fonts are DejaVu's (Bitstream Vera licence, DejaVu changes in the public domain; see
``fonts/LICENSE``). To make them again, from a DejaVu installation::

    python -m pipeline.render.print_fonts /usr/share/fonts/truetype/dejavu
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
# (CSS family, weight, style, file): the families print.css puts first.
FACES = (
    ("innsikt Sans", 400, "normal", "DejaVuSans.ttf"),
    ("innsikt Sans", 700, "normal", "DejaVuSans-Bold.ttf"),
    ("innsikt Sans", 400, "italic", "DejaVuSans-Oblique.ttf"),
    ("innsikt Sans", 700, "italic", "DejaVuSans-BoldOblique.ttf"),
    ("innsikt Mono", 400, "normal", "DejaVuSansMono.ttf"),
    ("innsikt Mono", 700, "normal", "DejaVuSansMono-Bold.ttf"),
)
# Latin (with Sámi: á č đ ŋ š ŧ ž, Latin Extended-B), IPA and modifier letters, combining marks,
# Greek (statistical symbols), punctuation, super- and subscripts, currency, letterlike
# symbols, number forms, arrows, mathematical operators, technical symbols, box drawing and
# blocks, geometric shapes (▲ ▼), miscellaneous symbols, dingbats (✓ ✗), ligatures.
UNICODE_RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F), (0x0370, 0x03FF),
    (0x2000, 0x206F), (0x2070, 0x209F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2150, 0x218F),
    (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2300, 0x23FF), (0x2500, 0x257F), (0x2580, 0x259F),
    (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF), (0xFB00, 0xFB06), (0xFFFD, 0xFFFD),
)


def font_face_css(fonts_dir: Path = FONTS_DIR) -> str:
    """``@font-face`` rules for the bundled faces that are present (empty if none are)."""
    rules = []
    for family, weight, style, name in FACES:
        path = fonts_dir / name
        if path.is_file():
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                         f'font-style: {style}; src: url("{path.as_uri()}"); }}')
    return "\n".join(rules)


@functools.lru_cache(maxsize=1)
def font_config():
    """One WeasyPrint font configuration per process, holding the bundled faces.

    WeasyPrint would otherwise make a new one (a fontconfig set-up) for every layout; the
    stylesheet declaring the faces must be parsed with the configuration the layout uses.
    """
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    atexit.register(_remove_font_folder, config)
    return config


def _remove_font_folder(config) -> None:
    """Remove the folder WeasyPrint copies ``@font-face`` files into, at exit.

    WeasyPrint removes it when the configuration is collected; a configuration kept for the
    whole process is collected only during interpreter shutdown, when that clean-up fails with
    a message on stderr ("Exception ignored in FontConfiguration.__del__").
    """
    folder = getattr(config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        config._folder = None


@functools.lru_cache(maxsize=1)
def font_faces():
    """The ``@font-face`` stylesheet, parsed once per process with :func:`font_config`."""
    from weasyprint import CSS

    return CSS(string=font_face_css(), font_config=font_config())


def build(source_dir: Path, out_dir: Path = FONTS_DIR) -> list[Path]:
    """Write the reduced faces into ``out_dir`` from DejaVu's ``.ttf`` files in ``source_dir``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from pipeline import io

    unicodes = [u for first, last in UNICODE_RANGES for u in range(first, last + 1)]
    written = []
    for _, _, _, name in FACES:
        options = subset.Options(layout_features=["*"], name_IDs=["*"], name_languages=["*"],
                                 notdef_outline=True, hinting=False, glyph_names=False,
                                 legacy_kern=True)
        options.drop_tables += ["GPOS", "FFTM", "MATH"]
        # recalcTimestamp=False: the same bytes from the same source, whenever made
        font = TTFont(Path(source_dir) / name, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        out = Path(out_dir) / name
        with io.atomic_path(out) as tmp:
            font.save(tmp, reorderTables=True)
        written.append(out)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m pipeline.render.print_fonts <folder with DejaVu .ttf files>")
    for path in build(Path(sys.argv[1])):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
