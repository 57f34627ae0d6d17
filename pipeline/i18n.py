"""Report language: one translation table and Norwegian/English number formatting.

Every string a report shows comes from :data:`TEXTS` (key → {"nb": …, "en": …, "nn": …}), which
is loaded once from the YAML files in ``pipeline/texts/`` (one file per analysis or concern, e.g.
``common.yml``, ``render.yml``). Text is data: no user-facing sentence is written in Python. A key
may be defined in one file only. Bokmål is the default; English is chosen by the programme's or
the run's ``language``. Nynorsk (``nn``) is written for the council-facing texts; a key without
an ``nn`` text falls back to bokmål, per key, so a nynorsk report is always complete.

A text entry may also say ``only: [programme-id, ...]``: the text is specific to those
programmes, and :mod:`pipeline.present.slips` reports it when it shows up in another
programme's report.

Numbers follow the language: bokmål and nynorsk use a narrow no-break space as thousands
separator, a decimal comma and a true minus sign (``−1 234,5``); English uses ``-1,234.5``.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

LANGUAGES = ("nb", "en", "nn")
REQUIRED = ("nb", "en")  # every key has these; nn falls back to nb
FALLBACK = {"nn": "nb"}
NORWEGIAN = ("nb", "nn")
THIN_SPACE = "\u202f"  # narrow no-break space: never breaks a number across lines
MINUS = "\u2212"

TEXTS_DIR = Path(__file__).resolve().parent / "texts"
TEXTS: dict[str, dict[str, str]] = {}
TEXT_SOURCES: dict[str, str] = {}  # key -> the texts file that defines it
ONLY: dict[str, tuple[str, ...]] = {}  # key -> the programmes the text is specific to


def register(texts: dict[str, dict[str, str]]) -> None:
    """Add strings to the table; a key may only be defined once.

    Raises:
        ValueError: a key lacking bokmål or English, or defined twice with different text.
    """
    for key, variants in texts.items():
        missing = [lang for lang in REQUIRED if lang not in variants]
        if missing:
            raise ValueError(f"translation {key!r} lacks {missing}")
        unknown = sorted(set(variants) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"translation {key!r} has unknown languages {unknown}")
        if key in TEXTS and TEXTS[key] != variants:
            raise ValueError(f"translation key {key!r} is defined twice with different text")
        TEXTS[key] = variants


def load_texts(directory: Path = TEXTS_DIR) -> None:
    """Read every ``*.yml`` file of ``directory`` into :data:`TEXTS`.

    Raises:
        ValueError: a key defined in two files, or a key lacking one of :data:`REQUIRED`.
    """
    for path in sorted(directory.glob("*.yml")):
        # libyaml when built in (12× faster; every kernel and worker reads these at import).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506
        for key, value in entries.items():
            if key in TEXT_SOURCES and TEXT_SOURCES[key] != path.name:
                raise ValueError(f"{path.name}: text key {key!r} is already defined in "
                                 f"{TEXT_SOURCES[key]}; keep each key in one file")
            if not isinstance(value, dict):
                raise ValueError(f"{path.name}: text key {key!r} must map languages to texts")
            TEXT_SOURCES[key] = path.name
            if "only" in value:
                ONLY[str(key)] = tuple(str(p) for p in value["only"])
        register({str(k): {lang: str(v) for lang, v in val.items() if lang != "only"}
                  for k, val in entries.items()})


def check_language(lang: str) -> str:
    """``lang`` if it is a report language.

    Raises:
        ValueError: naming the language and the valid ones.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def text_of(key: str, lang: str = "nb") -> str:
    """The raw text of ``key`` in ``lang`` (nynorsk falls back to bokmål), unformatted.

    Raises:
        KeyError: the key is in no texts file.
    """
    check_language(lang)
    try:
        variants = TEXTS[key]
    except KeyError:
        raise KeyError(f"no translation for {key!r}; add it to a file in pipeline/texts/") from None
    while lang not in variants:
        lang = FALLBACK[lang]
    return variants[lang]


def t(key: str, lang: str = "nb", **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``."""
    text = text_of(key, lang)
    return text.format(**values) if values else text


def fmt_number(value: float | int | None, lang: str = "nb", decimals: int = 0) -> str:
    """Format a number: ``12 345,6`` (nb, nn) or ``12,345.6`` (en); ``–`` if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    norwegian = lang in NORWEGIAN
    if norwegian:
        text = text.replace(",", THIN_SPACE).replace(".", ",")
    digits = text.replace(THIN_SPACE, "").replace(",", "").replace(".", "")
    sign = (MINUS if norwegian else "-") if value < 0 and float(digits) != 0 else ""
    return sign + text


def fmt_percent(value: float | None, lang: str = "nb", decimals: int = 1) -> str:
    """Format a percentage (given in percent, not as a fraction): ``12,3 %`` / ``12.3%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = fmt_number(value, lang, decimals)
    return f"{number}{THIN_SPACE}%" if lang in NORWEGIAN else f"{number}%"


def fmt_interval(low: float, high: float, lang: str = "nb", decimals: int = 0,
                 percent: bool = False) -> str:
    """Format an interval: ``12 300 til 14 100`` (nb, nn) / ``12,300 to 14,100`` (en)."""
    fmt = fmt_percent if percent else fmt_number
    a, b = fmt(low, lang, decimals), fmt(high, lang, decimals)
    return f"{a} til {b}" if lang in NORWEGIAN else f"{a} to {b}"


load_texts()
