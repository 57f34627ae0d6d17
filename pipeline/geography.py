"""Norwegian regional structure: the 2024 municipalities and counties, and code changes since 2017.

Everything innsikt reports is in the **2024 structure** (357 municipalities, 15 counties). SSB
series break at every reform (2018 Trøndelag, 2020 national reform, 2024 county splits), so this
module carries old codes forward:

* :func:`changes` — the change table (KLASS classification 131 ``/changes``), bundled.
* :func:`crosswalk` — every municipality code in use since 2017 → its 2024 code(s) with weights.
* :func:`harmonise` (counts) / :func:`harmonise_rates` — re-express a tidy frame in the 2024
  structure (:func:`pipeline.datasets.harmonise_frame` applies them to a whole SSB table).
* :func:`code_from_label` — SSB labels such as ``"Bamble (2020-2023)"`` → code.

Bundled data (``pipeline/data/``, regenerate nothing by hand; sources below):

* ``municipalities_2024.csv`` (code, name, county), ``counties_2024.csv`` (code, name). Codes and
  names are KLASS 131 ``codesAt`` (a public dump taken at 2026-01-01; the structure has not
  changed since 1 January 2024). Names are SSB's current forms, including Sami double names
  (``"Trondheim - Tråante"``, ``"Dielddanuorri - Tjeldsund"``); :func:`code_from_label` accepts
  any part of a double name. County names are the plain bokmål names.
* ``municipality_changes.csv`` (old_code, old_name, new_code, new_name, date): the offline
  fallback of KLASS ``/classifications/131/changes``. Complete for every change from 1 January
  2017 to 1 January 2024 (all counties): 2017 Sandefjord; 2018 Larvik, Færder, Holmestrand and
  the Trøndelag renumbering (16xx/17xx → 50xx, Rissa + Leksvik → 5054 Indre Fosen); 2019 Rindal
  to Trøndelag; the 2020 reform (422 → 356); 2024 (Viken, Vestfold og Telemark, Troms og
  Finnmark renumbered; 1507 Ålesund split into 1508 Ålesund and 1580 Haram). Cross-checked
  against (a) the real 2022 StatBank response (356 codes), (b) SSB 07459 population per
  historical code summing exactly to SSB's "Kommuner 2024, sammenslåtte tidsserier" for every
  year (github.com/oystess/valg_analyser ``data/processed/kodemapping_2024.csv``), (c) an SSB
  1994–2024 correspondence of 2016 codes to 2024 codes (github.com/lauriejh/regtools) and (d)
  the KLASS 2026 code list. Name-only changes are not listed (KLASS rows with oldCode == newCode
  are skipped anyway). Small border adjustments between surviving municipalities are not
  represented; SSB's own comparable series treat Svelvik (0711) as wholly merged into Drammen.
* ``municipality_codes.csv`` (code, name, valid_from, valid_to, other_name): every code in use
  since 2016 with its validity in years; the yearly structures it implies (428 municipalities in
  2016, 426, 422, 422, 356 from 2020, 357 from 2024) follow exactly from the change table
  (tested). ``other_name`` keeps an earlier SSB spelling for label matching.
* ``crosswalk_overrides.csv``: direct assignments where chaining through a later split would
  blur a unit: 1534 Haram (to 2019) → 1580 Haram, 1504/1523/1529/1546 → 1508 Ålesund.
* ``split_weights.csv``: weights for the three real splits. Weight = share of the old unit's
  population assigned to each successor. 1507 Ålesund → 1508/1580 by the successors'
  population on 1 January 2024 (exact: the split took effect that day). 5012 Snillfjord →
  5055 Heim / 5056 Hitra / 5059 Orkland and 1850 Tysfjord → 1806 Narvik / 1875 Hamarøy are
  *estimates* (successor's 1 Jan 2020 population minus its whole predecessors' 1 Jan 2019
  population, normalised). A split with no known weights (e.g. a new one arriving from live
  KLASS) goes wholly to one successor — the one bearing the old name, else the first — and the
  notes say so.
* ``county_changes.csv``: counties. 2020–2023 counties split in 2024 (30 Viken, 38 Vestfold og
  Telemark, 54 Troms og Finnmark) carry population weights (1 January 2023). Pre-2020 counties
  go wholly to the 2024 county that took the largest part; municipalities that changed county
  (e.g. Røyken/Hurum, Jevnaker/Lunner, Svelvik, Hornindal, Halsa, Tjeldsund) are ignored there,
  which is approximate: prefer summing harmonised municipalities where they exist.

:func:`crosswalk` and :func:`harmonise` always use the bundled table (reproducible builds);
the live KLASS table (:mod:`pipeline.sources.klass`, read by ``innsikt fetch``) is only
compared with it.

Harmonising sums counts. It must not be applied to rates or percentages; :func:`harmonise_rates`
keeps rate rows only where the unit is unchanged or only renumbered and drops the rest with a
note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL = "0"
NATIONAL_NAME = "Hele landet"
TARGET_YEAR = 2024
# Region codes SSB publishes that are not part of the municipal/county structure.
NON_GEOGRAPHIC = frozenset({"21-22", "2100", "2111", "2121", "2131", "21", "22", "23", "2300",
                            "2311", "Rest", "99", "9999", "9900"})
CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "date"]


class GeographyError(ValueError):
    """A region code or label cannot be resolved; the message says which and what to do."""


# --------------------------------------------------------------------------------------------
# The 2024 structure
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _load_csv(name: str) -> pd.DataFrame:
    path = DATA_DIR / name
    if not path.exists():
        raise GeographyError(f"bundled geography file {path} is missing; reinstall innsikt")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _read_csv(name: str) -> pd.DataFrame:
    return _load_csv(name).copy()  # callers may modify their copy; the cache stays clean


@lru_cache(maxsize=1)
def _municipalities() -> pd.DataFrame:
    return _read_csv("municipalities_2024.csv")


def municipality_names() -> dict[str, str]:
    """2024 municipality code (4 characters) → SSB name, for all 357 municipalities."""
    return dict(_municipality_names())  # a copy: callers may modify it


@lru_cache(maxsize=1)
def _municipality_names() -> dict[str, str]:
    df = _municipalities()
    return dict(zip(df["code"], df["name"], strict=True))


def county_names() -> dict[str, str]:
    """2024 county code (2 characters) → name, for the 15 counties."""
    return dict(_county_names())


@lru_cache(maxsize=1)
def _county_names() -> dict[str, str]:
    df = _read_csv("counties_2024.csv")
    return dict(zip(df["code"], df["name"], strict=True))


def is_municipality(code: str) -> bool:
    """Whether ``code`` is a 2024 municipality code (a 4-character string)."""
    return isinstance(code, str) and code in _municipality_names()


def is_county(code: str) -> bool:
    """Whether ``code`` is a 2024 county code (a 2-character string)."""
    return isinstance(code, str) and code in _county_names()


def county_of(code: str) -> str:
    """The 2024 county code of a 2024 municipality code (``"3303"`` → ``"33"``).

    Raises:
        GeographyError: if ``code`` is not a 2024 municipality.
    """
    if not is_municipality(code):
        raise GeographyError(f"municipality code {code!r} is not in the 2024 structure; "
                             "use crosswalk() to map older codes first")
    return code[:2]


def municipalities_in_county(county: str) -> list[str]:
    """Sorted 2024 municipality codes of a 2024 county (``"33"`` → 18 Buskerud codes)."""
    if not is_county(county):
        raise GeographyError(f"county code {county!r} is not one of the 15 counties of 2024: "
                             f"{sorted(county_names())}")
    return sorted(c for c in municipality_names() if c[:2] == county)


def region_name(code: str) -> str:
    """Name of a 2024 municipality, a 2024 county or ``"0"`` (``"Hele landet"``).

    Raises:
        GeographyError: for any other code.
    """
    if code == NATIONAL:
        return NATIONAL_NAME
    names = municipality_names() | county_names()
    if code in names:
        return names[code]
    hist = _historical_names()
    if code in hist:
        return hist[code][0][0]
    raise GeographyError(f"unknown region code {code!r}: expected a 4-digit municipality, a "
                         "2-digit county or '0'")


# --------------------------------------------------------------------------------------------
# Change table
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bundled_changes() -> pd.DataFrame:
    df = _read_csv("municipality_changes.csv")
    df["date"] = pd.to_datetime(df["date"])
    return df[CHANGE_COLUMNS]


def _filter_years(df: pd.DataFrame, from_year: int, to_year: int) -> pd.DataFrame:
    years = df["date"].dt.year
    # KLASS `from=YYYY-12-31&to=ZZZZ-01-02` returns changes on 1 Jan of YYYY+1 … ZZZZ.
    keep = (years > from_year) & (years <= to_year)
    return df.loc[keep].reset_index(drop=True)


def changes(from_year: int = 2017, to_year: int = TARGET_YEAR) -> pd.DataFrame:
    """Municipality code changes that took effect after ``from_year`` up to ``to_year``.

    From the bundled table (reproducible builds); :mod:`pipeline.sources.klass` reads the live
    KLASS table during ``innsikt fetch`` and reports where it differs.

    Args:
        from_year: structure year to start from (changes on 1 January ``from_year + 1`` onward).
        to_year: last year whose 1 January changes are included.

    Returns:
        Columns ``old_code, old_name, new_code, new_name, date`` (``date`` = the 1 January the
        change took effect). One old code with several rows is a split; several old codes with the
        same new code at the same date is a merge. Name-only changes are excluded.
    """
    return _filter_years(_bundled_changes(), from_year, to_year)


def filter_years(df: pd.DataFrame, from_year: int, to_year: int) -> pd.DataFrame:
    """Changes of a change table that took effect after ``from_year`` up to ``to_year``."""
    return _filter_years(df, from_year, to_year)


@lru_cache(maxsize=1)
def _split_weights() -> dict[tuple[str, str], float]:
    df = _read_csv("split_weights.csv")
    return {(o, n): float(w) for o, n, w in zip(df["old_code"], df["new_code"], df["weight"],
                                                 strict=True)}


def _edges(table: pd.DataFrame) -> dict[str, list[tuple[str, float, str]]]:
    """old code → [(new code, weight, rule)] from a change table."""
    weights = _split_weights()
    out: dict[str, list[tuple[str, float, str]]] = {}
    for old, group in table.groupby("old_code", sort=True):
        news = sorted(set(group["new_code"]))
        if len(news) == 1:
            out[old] = [(news[0], 1.0, "whole")]
            continue
        known = [weights.get((old, n)) for n in news]
        if all(w is not None for w in known):
            total = sum(known)  # type: ignore[arg-type]
            out[old] = [(n, w / total, "population weights")  # type: ignore[operator]
                        for n, w in zip(news, known, strict=True)]
            continue
        old_name = str(group["old_name"].iloc[0]).lower()
        same = [n for n, nm in zip(group["new_code"], group["new_name"], strict=True)
                if str(nm).lower() == old_name]
        pick = same[0] if same else news[0]
        out[old] = [(pick, 1.0, f"no weights known: whole unit to {pick}")]
    return out


# --------------------------------------------------------------------------------------------
# Crosswalk
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _overrides(target_year: int) -> dict[str, dict[str, float]]:
    """Direct old → target assignments that override chaining (see ``crosswalk_overrides.csv``).

    Chaining 1534 Haram → 1507 Ålesund → {1508, 1580} would spread old Haram over both 2024
    units, although Haram was re-established with its old borders; SSB's comparable series put
    1534 wholly in 1580 and the other parts of 1507 wholly in 1508.
    """
    df = _read_csv("crosswalk_overrides.csv")
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for o, n, w, year in zip(df["old_code"], df["new_code"], df["weight"],
                             df["from_target_year"], strict=True):
        if target_year >= int(year):
            out[o][n] = float(w)
    return dict(out)


def _resolve(code: str, edges: dict[str, list[tuple[str, float, str]]],
             overrides: dict[str, dict[str, float]], depth: int = 0) -> dict[str, float]:
    if depth > 10:
        raise GeographyError(f"cycle in the municipality change table at code {code!r}")
    if code in overrides:
        return dict(overrides[code])
    if code not in edges:
        return {code: 1.0}
    out: dict[str, float] = defaultdict(float)
    for new, weight, _ in edges[code]:
        for final, w in _resolve(new, edges, overrides, depth + 1).items():
            out[final] += weight * w
    return dict(out)


def _crosswalk_from(table: pd.DataFrame, target_year: int) -> pd.DataFrame:
    table = table.loc[table["date"].dt.year <= target_year]
    edges = _edges(table)
    codes = set(table["old_code"]) | set(table["new_code"])
    if target_year >= TARGET_YEAR:
        codes |= set(municipality_names())
    rows = [(old, new, w) for old in sorted(codes)
            for new, w in sorted(_resolve(old, edges, _overrides(target_year)).items())]
    return pd.DataFrame(rows, columns=["old_code", "new_code", "weight"])


@lru_cache(maxsize=4)
def _crosswalk_cached(target_year: int) -> pd.DataFrame:
    return _crosswalk_from(_bundled_changes(), target_year)


def crosswalk(target_year: int = TARGET_YEAR) -> pd.DataFrame:
    """Every municipality code in use since 2017 → its code(s) in ``target_year``.

    Chains are followed (0604 → 3006 → 3303 gives ``0604 → 3303``); codes already valid map to
    themselves with weight 1. Splits give several rows whose ``weight`` (share of the old unit's
    population) sums to 1 per old code.

    Returns:
        Columns ``old_code, new_code, weight``.
    """
    return _crosswalk_cached(target_year).copy()


@lru_cache(maxsize=1)
def _county_edges() -> dict[str, list[tuple[str, float]]]:
    df = _read_csv("county_changes.csv")
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for o, n, w in zip(df["old_code"], df["new_code"], df["weight"], strict=True):
        out[o].append((n, float(w)))
    return dict(out)


def county_crosswalk() -> pd.DataFrame:
    """Every county code in use since 2017 → 2024 county code(s) with weights (see module doc)."""
    rows = [(o, n, w) for o, targets in sorted(_county_edges().items()) for n, w in targets]
    rows += [(c, c, 1.0) for c in sorted(county_names())]
    return pd.DataFrame(rows, columns=["old_code", "new_code", "weight"])


# --------------------------------------------------------------------------------------------
# Names and labels
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _historical_names() -> dict[str, list[tuple[str, int, int]]]:
    """code → [(name, first_year, last_year)] for every municipality code since 2016.

    From ``municipality_codes.csv`` (blank ``valid_from`` = before 2017, blank ``valid_to`` =
    still valid). ``other_name`` holds an earlier SSB spelling (e.g. ``Trondheim`` for
    ``Trondheim - Tråante``).
    """
    df = _read_csv("municipality_codes.csv")
    out: dict[str, list[tuple[str, int, int]]] = {}
    for code, name, lo, hi, other in df.itertuples(index=False):
        first = int(lo) if lo else 0
        last = int(hi) if hi else 9999
        out[code] = [(name, first, last)] + ([(other, first, last)] if other else [])
    return out


def municipality_codes() -> pd.DataFrame:
    """Every municipality code in use since 2016 with its name and validity (years).

    Returns:
        Columns ``code, name, valid_from, valid_to`` (``valid_from`` 0 = before 2017,
        ``valid_to`` 9999 = still valid).
    """
    rows = [(c, periods[0][0], periods[0][1], periods[0][2])
            for c, periods in sorted(_historical_names().items())]
    return pd.DataFrame(rows, columns=["code", "name", "valid_from", "valid_to"])


_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<start>\d{4})?\s*-\s*(?P<end>\d{4})?\)\s*$")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _parts(name: str) -> set[str]:
    """Parts of a (Sami/Kven) double name without a county qualifier: 'a - b' → {a, b}."""
    plain = _QUALIFIER.sub("", _norm(name))
    return {p.strip() for p in re.split(r"\s+-\s+", plain)} | {plain}


def code_from_label(label: str, year: int) -> str:
    """The municipality code an SSB region label refers to.

    Understands SSB's period suffixes: ``"Bamble (-2019)"`` → ``0814``, ``"Bamble
    (2020-2023)"`` → ``3813``, ``"Bamble"`` with ``year`` 2024 → ``4012``; county qualifiers
    (``"Bø (Telemark) (-2019)"`` → ``0821``) and either part of a double name (``"Trondheim"``,
    ``"Trondheim - Tråante"``). Carry the result to 2024 with :func:`crosswalk`. ``"Hele
    landet"``/``"Norge"`` give ``"0"``, 2024 county names their county code.

    Args:
        label: the SSB label.
        year: the data year; used when the label has no period suffix.

    Raises:
        GeographyError: if no municipality of that name existed then, or the name is ambiguous.
    """
    text = label.strip()
    if _norm(text) in ("hele landet", "norge", "landet i alt"):
        return NATIONAL
    match = _SUFFIX.match(text)
    if match:
        name = match["name"]
        # The suffix's end year lies inside the code's validity (its start may predate 2017).
        when = int(match["end"]) if match["end"] else max(int(match["start"]), year)
    else:
        name, when = text, year
    valid = [(code, nm) for code, periods in _historical_names().items()
             for nm, lo, hi in periods if lo <= when <= hi]
    exact = sorted({code for code, nm in valid if _norm(nm) == _norm(name)})
    if len(exact) == 1:
        return exact[0]
    if not exact and not _QUALIFIER.search(name):
        wanted = _parts(name)
        exact = sorted({code for code, nm in valid if wanted & _parts(nm)})
        if len(exact) == 1:
            return exact[0]
    if not exact:
        counties = {_norm(n): c for c, n in county_names().items()}
        if _norm(name) in counties:
            return counties[_norm(name)]
        raise GeographyError(f"no municipality named {name!r} existed in {when} (label "
                             f"{label!r}); check the spelling against municipality_codes()")
    raise GeographyError(f"label {label!r} is ambiguous in {when}: codes {exact}; add the county "
                         "in parentheses as SSB does, e.g. 'Våler (Østfold)'")


# --------------------------------------------------------------------------------------------
# Harmonising data
# --------------------------------------------------------------------------------------------


def _describe(code: str) -> str:
    hist = _historical_names().get(code)
    return f"{code} {hist[0][0]}" if hist else code


@lru_cache(maxsize=64)
def _graph(target_year: int, after_year: int | None = None
           ) -> tuple[dict[str, list[tuple[str, float, str]]], dict[str, set[str]]]:
    """Edges (old → [(new, weight, rule)]) and their inverse for changes up to ``target_year``
    (and, if given, only those taking effect after ``after_year``)."""
    table = _bundled_changes()
    years = table["date"].dt.year
    keep = years <= target_year
    if after_year is not None:
        keep &= years > after_year
    edges = _edges(table.loc[keep])
    incoming: dict[str, set[str]] = defaultdict(set)
    for old, targets in edges.items():
        for new, _, _ in targets:
            incoming[new].add(old)
    return edges, dict(incoming)


def _validity(code: str) -> tuple[int, int]:
    """(first year, last year) a code was valid; (0, 9999) when unknown or open."""
    periods = _historical_names().get(code)
    return (periods[0][1], periods[0][2]) if periods else (0, 9999)


def _kind(code: str, target_year: int, after_year: int | None = None) -> str:
    """How ``code`` reaches the target structure: ``same``, ``renumbered``, ``merged``, ``split``.

    ``merged`` also covers a code that stays while others are merged into it (5001 Trondheim
    absorbing 5030 Klæbu): its territory is not the same before and after.
    """
    overrides = _overrides(target_year)
    if code in overrides:
        if len(overrides[code]) > 1:
            return "split"
        target = next(iter(overrides[code]))
        sources = [o for o, t in overrides.items() if target in t]
        return "renumbered" if len(sources) == 1 else "merged"
    edges, incoming = _graph(target_year, after_year)
    current, previous, moved = code, None, False
    for _ in range(12):
        if incoming.get(current, set()) - ({previous} if previous else set()):
            return "merged"
        if current not in edges:
            return "renumbered" if moved else "same"
        if len(edges[current]) != 1:
            return "split"
        nxt = edges[current][0][0]
        if _validity(nxt)[0] <= _validity(current)[1]:
            return "merged"  # absorbed into a unit that already existed
        previous, current, moved = current, nxt, True
    raise GeographyError(f"cycle in the municipality change table at code {code!r}")


def _mapping(codes: Iterable[str], target_year: int, first_years: dict[str, int] | None = None,
             current_units: bool = False) -> tuple[dict[str, list[tuple[str, float]]], list[str]]:
    """code → [(target, weight)] for the codes present, plus notes on what was applied.

    ``first_years`` (code → first data year) limits the notes to changes after the data start.
    ``current_units``: the source already reports every year on today's units (SSB's summed
    codelists), so a code that absorbed others covers its whole area in early years too.
    """
    cw = crosswalk(target_year)
    by_old: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for o, n, w in zip(cw["old_code"], cw["new_code"], cw["weight"], strict=True):
        by_old[o].append((n, float(w)))
    edges, _ = _graph(target_year)
    county_edges = _county_edges() if target_year >= TARGET_YEAR else {}
    out: dict[str, list[tuple[str, float]]] = {}
    notes: list[str] = []
    merged: dict[str, list[str]] = defaultdict(list)
    for code in sorted(set(codes)):
        if code == NATIONAL or is_county(code):
            out[code] = [(code, 1.0)]
        elif code in county_edges:
            out[code] = county_edges[code]
            parts = ", ".join(f"{n} {w:.3f}" for n, w in county_edges[code])
            if len(county_edges[code]) > 1:
                notes.append(f"split of county {code} applied by population weights ({parts})")
            else:
                notes.append(f"county {code} → {county_edges[code][0][0]} (largest successor; "
                             "municipalities that changed county are not moved)")
        elif code in by_old:
            out[code] = by_old[code]
            # Changes that created this code are its history, not a merge into its data.
            born = _historical_names().get(code, [("", 0, 0)])[0][1]
            start = max(born, (first_years or {}).get(code, 0))
            kind = _kind(code, target_year, start or None)
            if len(by_old[code]) > 1:
                rules = {r for o in _chain_codes(code, edges) for _, _, r in edges.get(o, [])}
                rule = "population weights" if "population weights" in rules else "weights"
                parts = ", ".join(f"{n} {w:.3f}" for n, w in by_old[code])
                notes.append(f"split of {_describe(code)} applied by {rule} ({parts})")
            elif kind == "renumbered":
                target = by_old[code][0][0]
                notes.append(f"{_describe(code)} → {target} {region_name(target)} (renumbered)")
            elif by_old[code][0][0] != code:
                merged[by_old[code][0][0]].append(code)
            elif kind == "merged" and not current_units:
                notes.append(f"{_describe(code)}: other units were merged into it; values from "
                             "before the merger cover a smaller area")
            rules = [r for o in _chain_codes(code, edges) for _, _, r in edges.get(o, [])
                     if r.startswith("no weights")]
            for rule in rules:
                notes.append(f"split of {_describe(code)}: {rule}")
        else:
            out[code] = [(code, 1.0)]
            notes.append(f"{code}: unknown region code kept unchanged")
    for target, olds in sorted(merged.items()):
        joined = " + ".join(_describe(o) for o in sorted(olds))
        notes.append(f"{joined} → {target} {region_name(target)} (merged; counts summed)")
    return out, notes


def _chain_codes(code: str, edges: dict[str, list[tuple[str, float, str]]]) -> list[str]:
    """``code`` and every code it passes through (all branches)."""
    seen, todo = [], [code]
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.append(c)
        todo += [n for n, _, _ in edges.get(c, [])]
    return seen


def _comparable(code: str, year: int | None, target_year: int) -> bool:
    """Whether a rate for ``code`` in ``year`` describes the same territory as its target unit:
    every later change is a pure renumbering and nothing merged into the chain."""
    if code == NATIONAL or is_county(code):
        return True
    if len(code) == 2:  # an old county: boundaries differ from every 2024 county
        return False
    return _kind(code, target_year, year) in ("same", "renumbered")


def harmonise(df: pd.DataFrame, column: str = "region",
              value_columns: Sequence[str] = ("value",), target_year: int = TARGET_YEAR,
              current_units: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Re-express a frame of counts in the ``target_year`` regional structure.

    Old codes are replaced by their target code(s); merged units are summed, splits are
    distributed by the crosswalk weights. The result is grouped by all non-value columns and
    summed (``min_count=1``: all-missing stays missing). A ``status`` column (SSB symbols) is not
    a key: it keeps the first non-missing symbol of each group. Only for counts — never rates.

    Args:
        df: tidy frame.
        column: the region column.
        value_columns: the columns to sum (and to scale by split weights).
        target_year: the structure to harmonise to (2024).
        current_units: the source reports past years on today's units (see :func:`_mapping`).

    Returns:
        ``(frame, notes)``: the harmonised frame and human-readable notes of what was applied,
        e.g. ``"0604 Kongsberg → 3303 Kongsberg (renumbered)"``.
    """
    if column not in df.columns:
        raise GeographyError(f"harmonise: column {column!r} not in frame columns "
                             f"{list(df.columns)}")
    if df.empty:
        return df.copy(), []
    codes = df[column].astype(str)
    first_years = (df.assign(__c=codes).groupby("__c")["year"].min().astype(int).to_dict()
                   if "year" in df.columns else None)
    mapping, notes = _mapping(codes.unique(), target_year, first_years, current_units)
    link = pd.DataFrame([(o, n, w) for o, targets in mapping.items() for n, w in targets],
                        columns=["__old", "__new", "__w"])
    work = df.assign(__old=codes).merge(link, on="__old", how="left")
    for col in value_columns:
        work[col] = work[col] * work["__w"]
    work[column] = work["__new"]
    work = work.drop(columns=["__old", "__new", "__w"])
    out = _group_sum(work, value_columns)
    out[column] = out[column].astype(df[column].dtype)
    return out, notes


def _group_sum(work: pd.DataFrame, value_columns: Sequence[str]) -> pd.DataFrame:
    keys = [c for c in work.columns if c not in value_columns and c != "status"]
    grouped = work.groupby(keys, dropna=False, sort=True)
    out = grouped[list(value_columns)].sum(min_count=1)
    if "status" in work.columns:
        out["status"] = grouped["status"].first()
    return out.reset_index()[list(work.columns)]


def harmonise_rates(df: pd.DataFrame, column: str = "region",
                    target_year: int = TARGET_YEAR) -> tuple[pd.DataFrame, list[str]]:
    """Carry rates (percentages, shares) to the ``target_year`` structure without summing.

    A rate is kept, under its target code, where its unit is unchanged or only renumbered
    since the year it describes; a rate of a merged or split unit is dropped (rates cannot be
    summed). Empty cells of a code for years it did not exist (SSB's member-code output lists
    every code for every year) carry nothing and are left out before anything is decided, so
    they neither hide the renumbered code's published rate nor count as "dropped". Where two
    rows land on one key, a published value wins over an empty cell.

    Args:
        df: tidy rows of rate measures with ``column`` and ``year``.
        column: the region column.
        target_year: the structure to harmonise to.

    Returns:
        ``(frame, notes)``: notes name the renumbered codes and, for the warning, the units
        whose published rates were dropped.
    """
    codes = df[column].astype(str)
    years = df["year"] if "year" in df.columns else pd.Series([None] * len(df), index=df.index)
    df = df.loc[~(_outside_validity(codes, years) & df["value"].isna())]
    codes, years = codes.loc[df.index], years.loc[df.index]
    pairs = pd.DataFrame({"code": codes, "year": years}).drop_duplicates()
    mapping, _ = _mapping(pairs["code"].unique(), target_year)
    keep_pair: dict[tuple[str, object], bool] = {}
    for code, year in pairs.itertuples(index=False):
        targets = mapping[code]
        # A rate already published on a target code (summed codelists report past years on
        # today's units) needs no change; otherwise keep it only where merely renumbered.
        identity = len(targets) == 1 and targets[0][0] == code
        since = None if pd.isna(year) else max(int(year), _validity(code)[0])
        keep_pair[(code, year)] = identity or (
            len(targets) == 1 and _comparable(code, since, target_year))
    keep = pd.Series([keep_pair[(c, y)] for c, y in zip(codes, years, strict=True)],
                     index=df.index)
    notes = []
    lost = df.loc[~keep & df["value"].notna()]
    if len(lost):
        listed = ", ".join(sorted({_describe(c) for c in lost[column].astype(str)}))
        notes.append(f"{column}: rates for merged or split units dropped (rates cannot be summed):"
                     f" {listed}")
    kept = df.loc[keep].copy()
    kept[column] = [mapping[c][0][0] for c in kept[column].astype(str)]
    kept[column] = kept[column].astype(df[column].dtype)
    for c in sorted({c for c in codes[keep] if mapping[c][0][0] != c}):
        notes.append(f"{_describe(c)} → {mapping[c][0][0]} (renumbered; rate kept)")
    keys = [k for k in kept.columns if k not in ("value", "status")]
    kept = (kept.assign(__empty=kept["value"].isna())
            .sort_values([*keys, "__empty"], kind="stable")
            .drop_duplicates(keys, keep="first").drop(columns="__empty"))
    return kept.reset_index(drop=True), notes


def _outside_validity(codes: pd.Series, years: pd.Series) -> pd.Series:
    """Rows describing a municipality code in a year the code did not exist."""
    if years.isna().all():
        return pd.Series(False, index=codes.index)
    bounds = {c: _validity(c) for c in codes.unique()}
    lo = codes.map(lambda c: bounds[c][0])
    hi = codes.map(lambda c: bounds[c][1])
    numeric = pd.to_numeric(years, errors="coerce")
    return (numeric < lo) | (numeric > hi)
