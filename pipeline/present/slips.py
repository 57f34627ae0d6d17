"""Checks of rendered report text for the classes of wording slip readers have found.

- ``national-capital``: "Hele landet" (or "Heile landet") capitalised in the middle of a
  sentence ("enn Hele landet"); use the text ``national_inline`` there;
- ``dash-mix``: number ranges written with both a hyphen (``45-49``) and an en dash
  (``15–29``) in one document; write ranges with the en dash;
- ``caption-repeat``: the same two-word phrase twice in one caption ("Buskerud, Hele landet og
  hele landet");
- ``other-programme``: a text marked ``only: [programme]`` in ``pipeline/texts`` (see
  :mod:`pipeline.i18n`) in the report of another programme.

Only prose is read (paragraphs, list items, captions, figure captions, headings), not table
cells, where "Hele landet" starts a cell and codes such as ``10-33`` are data.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import cache

from pipeline import i18n

_PROSE = re.compile(r"<(p|li|caption|figcaption|h[1-6])\b[^>]*>(.*?)</\1>", re.S)
_CAPTIONS = re.compile(r"<(caption|figcaption)\b[^>]*>(.*?)</\1>", re.S)
_NATIONAL = re.compile(r"(?<=[\wæøå,;)])\s+(Hele|Heile) landet")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_HYPHEN_RANGE = re.compile(r"(?<![\d.,-])\b\d{1,4}-\d{1,4}\b(?![\d-])")
_DASH_RANGE = re.compile(r"\b\d{1,4}–\d{1,4}\b")
_WORD = re.compile(r"[^\W\d_]+", re.U)
STOPWORDS = frozenset("og i på for av med til som er en et the of and in to a an by or fra "
                      "frå enn than".split())


def _plain(fragment: str) -> str:
    fragment = re.sub(r"<(style|svg|script)\b.*?</\1>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def prose(markup: str) -> list[str]:
    """The prose texts of a page (paragraphs, list items, captions, headings), tags removed."""
    markup = re.sub(r"<(style|svg|script)\b.*?</\1>", " ", markup, flags=re.S)
    return [_plain(m[2]) for m in _PROSE.finditer(markup)]


@cache
def _place_name_pairs() -> frozenset[tuple[str, str]]:
    """Consecutive word pairs inside the 2024 area names ("indre østfold", "trondheim tråante").

    A caption may name its area twice ("…: Indre Østfold og hele landet. Skyggen er intervallet
    for Indre Østfold."); that is not the slip this check is for.
    """
    from pipeline import geography

    names = [*geography.municipality_names().values(), *geography.county_names().values()]
    pairs: set[tuple[str, str]] = set()
    for name in names:
        words = [w.lower() for w in _WORD.findall(name)]
        pairs.update(zip(words, words[1:], strict=False))
    return frozenset(pairs)


def _repeated_phrase(caption: str) -> str:
    words = [w.lower() for w in _WORD.findall(caption)]
    pairs = Counter(zip(words, words[1:], strict=False))
    for (a, b), count in pairs.items():
        if count > 1 and a not in STOPWORDS and b not in STOPWORDS \
                and (a, b) not in _place_name_pairs():
            return f"{a} {b}"
    return ""


def _specific_texts(program_id: str) -> list[tuple[str, str]]:
    """(key, fixed text) of texts specific to other programmes (the part before a placeholder)."""
    found = []
    for key, programmes in i18n.ONLY.items():
        if program_id in programmes:
            continue
        for text in i18n.TEXTS[key].values():
            head = text.split("{", 1)[0].strip()
            if len(head) >= 15:
                found.append((key, head))
    return found


def scan(markup: str, program_id: str = "") -> list[str]:
    """Every slip in one rendered HTML page, as ``kind: detail`` lines (empty when clean)."""
    texts = prose(markup)
    slips = []
    for text in texts:
        for match in _NATIONAL.finditer(text):
            start = max(0, match.start() - 30)
            slips.append(f"national-capital: …{text[start:match.end()]}")
    joined = " ".join(_DATE.sub("", t) for t in texts)
    hyphens, dashes = _HYPHEN_RANGE.findall(joined), _DASH_RANGE.findall(joined)
    if hyphens and dashes:
        slips.append(f"dash-mix: {', '.join(sorted(set(hyphens)))} beside "
                     f"{', '.join(sorted(set(dashes))[:3])}")
    for match in _CAPTIONS.finditer(markup):
        caption = _plain(match[2])
        phrase = _repeated_phrase(caption)
        if phrase:
            slips.append(f"caption-repeat: {phrase!r} twice in {caption!r}")
    if program_id:
        page = " ".join(texts)
        for key, head in _specific_texts(program_id):
            if head in page:
                slips.append(f"other-programme: text {key!r} ({head!r}) in {program_id}")
    return slips
