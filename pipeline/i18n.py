"""Report language: one translation table and Norwegian/English number formatting.

Every string a report shows comes from :data:`TEXTS` (key → {"nb": …, "en": …}), which is loaded
once from the YAML files in ``pipeline/texts/`` (one file per analysis or concern, e.g.
``common.yml``, ``migration.yml``). Text is data: no user-facing sentence is written in Python.
A key may be defined in one file only. Bokmål is the default; English is chosen by the
programme's ``language`` field.

Numbers follow the language: bokmål uses a narrow no-break space as thousands separator, a
decimal comma and a true minus sign (``−1 234,5``); English uses ``-1,234.5``.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

LANGUAGES = ("nb", "en")
THIN_SPACE = "\u202f"  # narrow no-break space: never breaks a number across lines
MINUS = "\u2212"

TEXTS_DIR = Path(__file__).resolve().parent / "texts"
TEXTS: dict[str, dict[str, str]] = {}
TEXT_SOURCES: dict[str, str] = {}  # key -> the texts file that defines it


def register(texts: dict[str, dict[str, str]]) -> None:
    """Add a module's strings to the table; a key may only be defined once."""
    for key, variants in texts.items():
        missing = [lang for lang in LANGUAGES if lang not in variants]
        if missing:
            raise ValueError(f"translation {key!r} lacks {missing}")
        if key in TEXTS and TEXTS[key] != variants:
            raise ValueError(f"translation key {key!r} is defined twice with different text")
        TEXTS[key] = variants


def load_texts(directory: Path = TEXTS_DIR) -> None:
    """Read every ``*.yml`` file of ``directory`` into :data:`TEXTS`.

    Raises:
        ValueError: a key defined in two files, or a key lacking one of :data:`LANGUAGES`.
    """
    for path in sorted(directory.glob("*.yml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in entries:
            if key in TEXT_SOURCES and TEXT_SOURCES[key] != path.name:
                raise ValueError(f"{path.name}: text key {key!r} is already defined in "
                                 f"{TEXT_SOURCES[key]}; keep each key in one file")
            TEXT_SOURCES[key] = path.name
        register({str(k): {lang: str(v) for lang, v in val.items()} for k, val in entries.items()})


def t(key: str, lang: str = "nb", **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    try:
        text = TEXTS[key][lang]
    except KeyError:
        raise KeyError(f"no translation for {key!r}; add it to a file in pipeline/texts/") from None
    return text.format(**values) if values else text


def fmt_number(value: float | int | None, lang: str = "nb", decimals: int = 0) -> str:
    """Format a number for a report: ``12 345,6`` (nb) or ``12,345.6`` (en); ``–`` if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    if lang == "nb":
        text = text.replace(",", THIN_SPACE).replace(".", ",")
    sign = (MINUS if lang == "nb" else "-") if value < 0 and float(text.replace(THIN_SPACE, "")
                                                                  .replace(",", "")
                                                                  .replace(".", "")) != 0 else ""
    return sign + text


def fmt_percent(value: float | None, lang: str = "nb", decimals: int = 1) -> str:
    """Format a percentage (given in percent, not as a fraction): ``12,3 %`` / ``12.3%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = fmt_number(value, lang, decimals)
    return f"{number}{THIN_SPACE}%" if lang == "nb" else f"{number}%"


def fmt_interval(low: float, high: float, lang: str = "nb", decimals: int = 0,
                 percent: bool = False) -> str:
    """Format an interval: ``12 300–14 100`` (nb) / ``12,300 to 14,100`` (en)."""
    fmt = fmt_percent if percent else fmt_number
    a, b = fmt(low, lang, decimals), fmt(high, lang, decimals)
    return f"{a} til {b}" if lang == "nb" else f"{a} to {b}"


load_texts()
