"""The renderer's access to its wording, which lives in ``pipeline/texts/render.yml``.

Keys there are prefixed ``render.`` so they can never clash with an analysis module's keys in
the one translation table (:mod:`pipeline.i18n`); :func:`t` adds the prefix.
"""

from __future__ import annotations

from pipeline import i18n


def t(key: str, lang: str, **values: object) -> str:
    """A renderer string (``render.`` prefix optional) in ``lang``."""
    prefixed = key if key.startswith("render.") else f"render.{key}"
    return i18n.t(prefixed if prefixed in i18n.TEXTS else key, lang, **values)


def analysis_title(analysis: str, lang: str) -> str:
    """Display title of an analysis; unknown analyses get their name in sentence case."""
    key = f"render.analysis_title_{analysis}"
    if key not in i18n.TEXTS:
        return analysis.replace("_", " ").capitalize()
    return i18n.t(key, lang)
