"""From what the registry wants to what one SSB table offers: resolution, validation, planning.

:func:`resolve` reads a table's ``/metadata`` (and the value codes of the codelists it offers)
and decides the concrete query: for every dimension the first preferred codelist the table
offers that reaches the wanted regional level (with ``outputValues``), SSB's spelling of every
wanted code, the one value of each fixed dimension present (e.g. "years after start"). Whatever
differs from the registry's first choice is recorded as a *substitution* note; anything that
cannot be met is an :class:`SsbQueryError` naming the table, the dimension, what was asked and
what the table offers.

:func:`plan_parts` then splits the resolved query to stay under SSB's cell limit (years first,
then regions).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.sources.errors import SsbQueryError
from pipeline.sources.tables import OWN_CODES, Codelist, FixedDimension, TableSpec

MAX_CELLS = 800_000
TIME_DIMENSION = "Tid"
# A regional level is reached when the values include codes of that shape (prefix stripped).
LEVEL_PATTERNS = {"municipality": re.compile(r"^(?:[A-Z]-)?\d{4}$"),
                  "county": re.compile(r"^(?:[A-Z]-)?\d{2}$")}

CodelistValues = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Resolved:
    """The concrete query for one table round.

    Attributes:
        table_id: the table round used (e.g. ``14746`` rather than the registry's ``14288``).
        codelists: dimension -> the codelist chosen (``OWN_CODES`` for the table's own codes).
        codes: dimension -> the SSB value codes sent (SSB's spelling).
        recode: dimension -> SSB code -> tidy code, where they differ (``1a`` -> ``1``).
        fixed: dimension id -> the one code selected (not a tidy column).
        universe: dimension -> every code a ``*`` selects (for splitting).
        notes: substitutions made (empty when the registry's first choice fitted everywhere).
    """

    table_id: str
    codelists: dict[str, Codelist]
    codes: dict[str, list[str]]
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    universe: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """A JSON-able summary for the table manifest (provenance and ``fetch --check``)."""
        return {
            "table_id": self.table_id,
            "codelists": {d: [c.id, c.output_values] for d, c in self.codelists.items()},
            "codes": self.codes, "recode": self.recode, "fixed": self.fixed,
            "substitutions": self.notes,
        }


def unique(codes: Iterable[str]) -> list[str]:
    """Codes in order without repeats (SSB answers 500 to a code sent twice)."""
    return list(dict.fromkeys(str(c) for c in codes))


def category_codes(dim: Mapping[str, Any]) -> list[str]:
    """A metadata dimension's value codes in SSB's order."""
    index = dim.get("category", {}).get("index")
    if index is None:
        return list(dim.get("category", {}).get("label", {}))
    if isinstance(index, list):
        return [str(c) for c in index]
    return [str(c) for c, _ in sorted(index.items(), key=lambda item: item[1])]


def offered_codelists(dim: Mapping[str, Any]) -> list[str]:
    """Ids of the codelists a metadata dimension offers."""
    return [str(c.get("id")) for c in dim.get("extension", {}).get("codelists", []) or []]


def codelist_values(doc: Mapping[str, Any]) -> list[str]:
    """Value codes of a ``/codelists/{id}`` response (``values: [{code, label, valueMap}]``)."""
    return unique(str(v["code"]) for v in doc.get("values", []))


def nearest(value: str, candidates: Sequence[str], n: int = 5) -> list[str]:
    """The candidates closest to ``value`` (case first, then spelling)."""
    lowered = {c.lower(): c for c in candidates}
    if value.lower() in lowered and lowered[value.lower()] != value:
        return [lowered[value.lower()]]
    hits = difflib.get_close_matches(value, list(candidates), n=n, cutoff=0.4)
    return hits or list(candidates)[:n]


def _where(spec: TableSpec, table_id: str) -> str:
    return f"table {table_id} ({spec.dataset}, pipeline/sources/tables.py)"


def _check_dimensions(spec: TableSpec, table_id: str, dims: Mapping[str, Any],
                      ids: list[str]) -> None:
    for variable in spec.dimensions:
        if variable not in dims:
            raise SsbQueryError(
                f"{_where(spec, table_id)}: dimension {variable!r} does not exist; the table has "
                f"{ids}; nearest: {nearest(variable, ids)}")


def _match_fixed(variable: str, dim: Mapping[str, Any],
                 fixed: Sequence[FixedDimension]) -> FixedDimension | None:
    label = str(dim.get("label", ""))
    for wanted in fixed:
        if variable.lower() in (i.lower() for i in wanted.ids) or re.search(wanted.label, label):
            return wanted
    return None


def _fixed_code(spec: TableSpec, table_id: str, variable: str, dim: Mapping[str, Any],
                wanted: FixedDimension) -> str:
    codes = category_codes(dim)
    lowered = {c.lower(): c for c in codes}
    for code in wanted.codes:
        if code.lower() in lowered:
            return lowered[code.lower()]
    labels = dim.get("category", {}).get("label", {})
    for code in codes:
        if re.search(wanted.code_label, str(labels.get(code, ""))):
            return code
    raise SsbQueryError(
        f"{_where(spec, table_id)}: dimension {variable!r} ({dim.get('label', '')}) is held at "
        f"{wanted.meaning}; asked for codes {list(wanted.codes)}; the table offers "
        f"{[f'{c} {labels.get(c, c)}' for c in codes][:12]}")


def _fixed_dimensions(spec: TableSpec, table_id: str, dims: Mapping[str, Any],
                      ids: list[str]) -> tuple[dict[str, str], list[str]]:
    fixed: dict[str, str] = {}
    notes: list[str] = []
    for variable in ids:
        if variable in spec.dimensions:
            continue
        wanted = _match_fixed(variable, dims[variable], spec.fixed)
        if wanted is not None:
            fixed[variable] = _fixed_code(spec, table_id, variable, dims[variable], wanted)
            notes.append(f"{variable}: held at {fixed[variable]} ({wanted.meaning})")
        elif not dims[variable].get("extension", {}).get("elimination", False):
            raise SsbQueryError(
                f"{_where(spec, table_id)}: dimension {variable!r} cannot be left out (SSB does "
                f"not allow eliminating it); add it to the spec's dimensions and codes, or to "
                f"its fixed dimensions")
    return fixed, notes


def _reaches(values: Sequence[str], level: str) -> bool:
    pattern = LEVEL_PATTERNS.get(level)
    return pattern is None or any(pattern.match(v) for v in values)


def _choose_codelist(spec: TableSpec, table_id: str, variable: str, dim: Mapping[str, Any],
                     values_of: CodelistValues) -> tuple[Codelist, list[str], str | None]:
    """The first preferred codelist offered (and reaching the level for region dimensions)."""
    offered = offered_codelists(dim)
    prefs = spec.preferred_codelists(variable)
    is_region = variable in spec.region_dimensions
    rejected: list[str] = []
    for rank, pref in enumerate(prefs):
        if pref.id is not None and pref.id not in offered:
            rejected.append(f"{pref.describe()} not offered")
            continue
        values = list(values_of(pref.id)) if pref.id is not None else category_codes(dim)
        if is_region and not _reaches(values, spec.level):
            rejected.append(f"{pref.describe()} has no {spec.level} codes")
            continue
        note = None
        if rank:
            note = (f"{variable}: using {pref.describe()} instead of {prefs[0].describe()} "
                    f"({'; '.join(rejected)})")
        return pref, values, note
    raise SsbQueryError(
        f"{_where(spec, table_id)}: dimension {variable!r}: asked for codelists "
        f"{[p.describe() for p in prefs]} ({'; '.join(rejected)}); the table offers "
        f"{offered or 'no codelist'}; nearest: "
        f"{nearest(str(prefs[0].id), offered) if offered else []}")


def _spell(spec: TableSpec, table_id: str, variable: str, valid: Sequence[str],
           source: str) -> tuple[list[str], dict[str, str], list[str]]:
    """SSB's spelling of each wanted code; tidy codes left out when optional and absent."""
    lowered = {c.lower(): c for c in valid}
    sent: list[str] = []
    recode: dict[str, str] = {}
    notes: list[str] = []
    fallbacks: list[tuple[str, str, str]] = []  # (tidy code, sent, first choice)
    spellings = spec.spellings.get(variable, {})
    for code in unique(spec.codes[variable]):
        candidates = (*spellings.get(code, ()), code)
        hit = next((lowered[c.lower()] for c in candidates if c.lower() in lowered), None)
        if hit is None:
            if code in spec.optional_codes.get(variable, ()):
                notes.append(f"{variable}: {code} left out (none of {list(candidates)} offered)")
                continue
            raise SsbQueryError(
                f"{_where(spec, table_id)}: value code {code!r} of dimension {variable!r} does "
                f"not exist in {source} (asked for {list(candidates)}); nearest valid codes: "
                f"{nearest(code, valid)}")
        sent.append(hit)
        if hit != code:
            recode[hit] = code
        if hit.lower() != candidates[0].lower():
            fallbacks.append((code, hit, candidates[0]))
    if fallbacks:
        notes.append(f"{variable}: sent {', '.join(h for _, h, _ in fallbacks)} "
                     f"({', '.join(f for _, _, f in fallbacks)} not offered)")
    return sent, recode, notes


def resolve(spec: TableSpec, metadata: Mapping[str, Any], values_of: CodelistValues,
            table_id: str | None = None) -> Resolved:
    """Decide the concrete query of ``spec`` for a table from its metadata.

    Args:
        spec: the registry entry (what is wanted).
        metadata: the decoded ``/tables/{id}/metadata`` response (json-stat2).
        values_of: codelist id -> its value codes (called only for codelists the table offers
            and the registry prefers).
        table_id: the table round the metadata belongs to (default ``spec.table_id``).

    Returns:
        The :class:`Resolved` query, with a note for every substitution.

    Raises:
        SsbQueryError: naming the table, the dimension, what was asked and what is offered.
    """
    table_id = table_id or spec.table_id
    dims = metadata.get("dimension", {})
    ids = list(metadata.get("id", dims.keys()))
    _check_dimensions(spec, table_id, dims, ids)
    time_codes(spec, metadata, table_id)  # the years wanted exist
    fixed, notes = _fixed_dimensions(spec, table_id, dims, ids)
    codelists: dict[str, Codelist] = {}
    codes: dict[str, list[str]] = {}
    recode: dict[str, dict[str, str]] = {}
    universe: dict[str, list[str]] = {}
    for variable in spec.dimensions:
        if variable == TIME_DIMENSION:
            continue
        if variable in spec.codelists or variable in spec.region_dimensions:
            chosen, valid, note = _choose_codelist(spec, table_id, variable, dims[variable],
                                                   values_of)
            notes += [note] if note else []
        else:
            chosen, valid = OWN_CODES, category_codes(dims[variable])
        codelists[variable] = chosen
        universe[variable] = valid
        if variable in spec.codes:
            source = f"codelist {chosen.id!r}" if chosen.id else "the table"
            sent, changed, cnotes = _spell(spec, table_id, variable, valid, source)
            codes[variable], notes = sent, notes + cnotes
            if changed:
                recode[variable] = changed
    return Resolved(table_id, codelists, codes, recode, fixed, universe, notes)


def validate_query(spec: TableSpec, metadata: Mapping[str, Any],
                   codelists: Mapping[str, Sequence[str]] | None = None) -> Resolved:
    """:func:`resolve` with the codelists' values given as a mapping (tests, checks).

    A codelist the table offers but ``codelists`` lacks is treated as having every code the
    registry asks for (its values are checked once known).
    """
    known = dict(codelists or {})

    def values_of(codelist: str) -> Sequence[str]:
        if codelist in known:
            return known[codelist]
        wanted = [c for v, prefs in spec.codelists.items() for p in prefs if p.id == codelist
                  for c in [*spec.codes.get(v, []),
                            *[s for sp in spec.spellings.get(v, {}).values() for s in sp]]]
        return wanted or ["K-0000", "F-00", "0000", "00"]

    return resolve(spec, metadata, values_of)


# --------------------------------------------------------------------------------------------
# Planning


@dataclass(frozen=True)
class Part:
    """One data query of a table: a file name and the POST body selecting its cells."""

    name: str
    selection: tuple[tuple[str, Codelist, tuple[str, ...]], ...]
    cells: int

    def body(self) -> dict[str, Any]:
        """The PxWebApi v2 POST body of this part."""
        items = []
        for variable, codelist, codes in self.selection:
            item: dict[str, Any] = {"variableCode": variable}
            if codelist.id:
                item["codelist"] = codelist.id
            if codelist.output_values:
                item["outputValues"] = codelist.output_values
            item["valueCodes"] = list(codes)
            items.append(item)
        return {"selection": items}


@dataclass(frozen=True)
class _DimPlan:
    variable: str
    codelist: Codelist
    codes: tuple[str, ...]       # the concrete codes the selection resolves to
    expression: tuple[str, ...]  # what is sent when the dimension is not split


def year_of(code: str) -> int:
    """The first year in a time code (``2019-2024`` → 2019; ``2020K1`` → 2020)."""
    match = re.match(r"\d{4}", code)
    return int(match.group(0)) if match else 0


def time_codes(spec: TableSpec, metadata: Mapping[str, Any], table_id: str | None = None
               ) -> tuple[list[str], list[str]]:
    """The periods wanted (from ``first_year``) and the expression that selects them."""
    codes = category_codes(metadata["dimension"][TIME_DIMENSION])
    chosen = [c for c in codes if year_of(c) >= spec.first_year]
    if not chosen:
        raise SsbQueryError(
            f"table {table_id or spec.table_id}: no period from {spec.first_year} on; the table "
            f"has {codes[:3]}…{codes[-3:]} (check first_year in pipeline/sources/tables.py)")
    expression = ["*"] if len(chosen) == len(codes) else [f"from({chosen[0]})"]
    return chosen, expression


def dim_plans(spec: TableSpec, metadata: Mapping[str, Any], resolved: Resolved
              ) -> list[_DimPlan]:
    """One plan per dimension sent, in the table's order (eliminated ones left out)."""
    plans = []
    for variable in metadata.get("id", list(metadata["dimension"])):
        if variable in resolved.fixed:
            code = (resolved.fixed[variable],)
            plans.append(_DimPlan(variable, OWN_CODES, code, code))
            continue
        if variable not in spec.dimensions:
            continue  # eliminated (resolve checked that SSB allows it)
        codelist = resolved.codelists.get(variable, OWN_CODES)
        if variable == TIME_DIMENSION:
            codes, expression = time_codes(spec, metadata, resolved.table_id)
        elif variable in resolved.codes:
            codes = resolved.codes[variable]
            expression = codes
        else:
            codes, expression = resolved.universe[variable], ["*"]
        plans.append(_DimPlan(variable, codelist, tuple(codes), tuple(expression)))
    return plans


def plan_parts(spec: TableSpec, metadata: Mapping[str, Any], resolved: Resolved,
               max_cells: int = MAX_CELLS) -> list[Part]:
    """Split the resolved query into parts of at most ``max_cells`` cells.

    Years are grouped first; when a single year is still too large, the region dimensions are
    split into chunks. A query that fits is one part using ``*`` / ``from(year)``. Parts are
    named ``part-0001`` … in order.
    """
    plans = dim_plans(spec, metadata, resolved)
    order = [TIME_DIMENSION, *spec.region_dimensions]
    pieces = _split(plans, order, max_cells)
    width = max(4, len(str(len(pieces))))
    return [Part(f"part-{i:0{width}d}", tuple((p.variable, p.codelist, p.expression)
                                              for p in piece), _cells(piece))
            for i, piece in enumerate(pieces, 1)]


def _cells(plans: Sequence[_DimPlan]) -> int:
    return math.prod(len(p.codes) for p in plans)


def _split(plans: list[_DimPlan], order: Sequence[str], max_cells: int) -> list[list[_DimPlan]]:
    total = _cells(plans)
    if total <= max_cells:
        return [plans]
    for variable in order:
        pos = next((i for i, p in enumerate(plans) if p.variable == variable), None)
        if pos is None or len(plans[pos].codes) < 2:
            continue
        dim = plans[pos]
        per_code = total // len(dim.codes)
        size = max(1, max_cells // max(per_code, 1))
        pieces: list[list[_DimPlan]] = []
        for start in range(0, len(dim.codes), size):
            chunk = dim.codes[start:start + size]
            sub = list(plans)
            sub[pos] = _DimPlan(dim.variable, dim.codelist, chunk, chunk)
            rest = [v for v in order if v != variable]
            pieces.extend(_split(sub, rest, max_cells))
        return pieces
    return [plans]  # cannot split further; SSB will say so and the error names the table


def halve(part: Part, spec: TableSpec, universe: Mapping[str, Sequence[str]],
          times: Sequence[str], table_id: str) -> list[Part]:
    """Split a part SSB refused in two (years first, then regions); names get -1, -2."""
    selection = list(part.selection)
    for variable in [TIME_DIMENSION, *spec.region_dimensions]:
        pos = next((i for i, s in enumerate(selection) if s[0] == variable), None)
        if pos is None:
            continue
        name, codelist, codes = selection[pos]
        if variable == TIME_DIMENSION:
            concrete = _resolve_time(codes, times)
        else:
            concrete = list(codes) if codes != ("*",) else list(universe.get(variable, []))
        if len(concrete) < 2:
            continue
        mid = len(concrete) // 2
        halves = []
        for i, chunk in enumerate((concrete[:mid], concrete[mid:]), 1):
            sub = list(selection)
            sub[pos] = (name, codelist, tuple(chunk))
            halves.append(Part(f"{part.name}-{i}", tuple(sub),
                               part.cells * len(chunk) // len(concrete)))
        return halves
    raise SsbQueryError(
        f"table {table_id}: SSB refuses part {part.name} as too many cells and it cannot be "
        "split further (one year, one region); narrow the codes in pipeline/sources/tables.py")


def _resolve_time(codes: Sequence[str], times: Sequence[str]) -> list[str]:
    if tuple(codes) == ("*",):
        return list(times)
    if len(codes) == 1 and (match := re.fullmatch(r"from\((.+)\)", codes[0])):
        start = list(times).index(match.group(1)) if match.group(1) in times else 0
        return list(times)[start:]
    return list(codes)


def spec_fingerprint(spec: TableSpec) -> str:
    """A hash of what the registry asks of a table; a changed spec invalidates its cache."""
    payload = json.dumps(
        {"dimensions": spec.dimensions, "codes": spec.codes,
         "codelists": {d: [list(c) for c in prefs] for d, prefs in spec.codelists.items()},
         "first_year": spec.first_year, "spellings": spec.spellings,
         "optional": spec.optional_codes, "fixed": [list(f) for f in spec.fixed],
         "tables": list(spec.table_ids)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
