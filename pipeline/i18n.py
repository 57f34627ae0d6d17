"""Report language: one translation table and Norwegian/English number formatting.

Every string a report shows comes from :data:`TEXTS` (key → {"nb": …, "en": …}). Analysis modules
add their own keys with :func:`register` at import time, so the table stays one lookup while each
module keeps its wording next to its logic. Bokmål is the default; English is chosen by the
programme's ``language`` field.

Numbers follow the language: bokmål uses a narrow no-break space as thousands separator, a
decimal comma and a true minus sign (``−1 234,5``); English uses ``-1,234.5``.
"""

from __future__ import annotations

import math

LANGUAGES = ("nb", "en")
THIN_SPACE = "\u202f"  # narrow no-break space: never breaks a number across lines
MINUS = "\u2212"

TEXTS: dict[str, dict[str, str]] = {
    "demo_banner": {
        "nb": "Demonstrasjonsdata – ikke offisiell statistikk",
        "en": "Demo data – not official statistics",
    },
    "source_credit": {
        "nb": "Kilde: Statistisk sentralbyrå (SSB), tabell {tables}",
        "en": "Source: Statistics Norway (SSB), table {tables}",
    },
    "demo_credit": {
        "nb": "Kilde: syntetiske demonstrasjonsdata formet som SSB-tabell {tables}",
        "en": "Source: synthetic demo data shaped like SSB table {tables}",
    },
    "suppressed_note": {
        "nb": "«:» = skjult for å verne små tall (færre enn {threshold}) eller fordi tallet kan "
              "regnes ut fra andre tall.",
        "en": "“:” = suppressed to protect small counts (fewer than {threshold}) or because it "
              "could be derived from other figures.",
    },
    "national": {"nb": "Hele landet", "en": "Norway"},
    "interval": {"nb": "95 % intervall", "en": "95% interval"},
    "year": {"nb": "År", "en": "Year"},
    "region": {"nb": "Område", "en": "Area"},
    "value": {"nb": "Verdi", "en": "Value"},
    "too_little_data": {
        "nb": "{what}: for lite data for {region} til å si noe sikkert.",
        "en": "{what}: too little data for {region} to say anything reliable.",
    },
    "higher": {"nb": "høyere", "en": "higher"},
    "lower": {"nb": "lavere", "en": "lower"},
    "no_clear_difference": {"nb": "ingen klar forskjell", "en": "no clear difference"},
}


def register(texts: dict[str, dict[str, str]]) -> None:
    """Add a module's strings to the table; a key may only be defined once."""
    for key, variants in texts.items():
        missing = [lang for lang in LANGUAGES if lang not in variants]
        if missing:
            raise ValueError(f"translation {key!r} lacks {missing}")
        if key in TEXTS and TEXTS[key] != variants:
            raise ValueError(f"translation key {key!r} is defined twice with different text")
        TEXTS[key] = variants


def t(key: str, lang: str = "nb", **values: object) -> str:
    """The text of ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    try:
        text = TEXTS[key][lang]
    except KeyError:
        raise KeyError(f"no translation for {key!r}; add it with pipeline.i18n.register") from None
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
