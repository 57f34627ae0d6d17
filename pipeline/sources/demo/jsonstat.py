"""JSON-stat 2.0 documents shaped like PxWebApi v2 ``json-stat2`` responses.

The keys, dimension ids, value codes, units and ``status`` symbols are SSB's, so the demo path
runs through the same parser (:mod:`pipeline.datasets`) as real data. Every null value carries a
symbol: ``..`` not yet published, ``:`` suppressed, ``.`` not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.sources.demo.planted import NOTE, SEED, SOURCE, UPDATED
from pipeline.sources.tables import (
    BACKGROUNDS,
    COMPLETION_STATUS,
    EDUCATION_LEVELS,
    FIELDS_OF_STUDY,
    INDUSTRIES,
    LAST_YEAR,
    OCCUPATIONS,
    ONE_YEAR_AGES,
    POPULATION_COMPONENTS,
    PROJECTION_ALTERNATIVES,
    SEXES,
    STUDY_PROGRAMMES,
    TECH_OCCUPATIONS,
    TableSpec,
    by_table_id,
)

_MEASURES = {
    "Personer1": ("Personer", "personer", 0),
    "Flytting": ("Flyttinger", "flyttinger", 0),
    "AndelBefolkning": ("Andel av befolkningen (prosent)", "prosent", 1),
    "Personer": ("Personer", "personer", 0),
    "Prosent": ("Prosent", "prosent", 1),
    "PersonerProsent": ("Personer 16 år og over (prosent)", "prosent", 1),
    "Bosatte": ("Bosatte (personer)", "personer", 0),
    "BosatteProsent": ("Bosatte (prosent)", "prosent", 1),
    "SysselEtterArbste": ("Sysselsatte personer etter arbeidssted", "personer", 0),
    "Sysselsatte": ("Sysselsatte", "personer", 0),
    "SysselsatteProsent": ("Sysselsatte i prosent av befolkningen", "prosent", 1),
    **{code: (label, "personer", 0) for code, label in POPULATION_COMPONENTS.items()},
    **{code: (label, "personer", 0) for code, label in PROJECTION_ALTERNATIVES.items()},
}

_DIMENSION_LABELS = {
    "Region": "region", "Kjonn": "kjønn", "Alder": "alder", "ContentsCode": "statistikkvariabel",
    "Tid": "år", "Fraflyttingsregion": "fraflyttingsregion", "TilflyttRegion": "tilflyttingsregion",
    "InnvandrKat": "innvandringskategori", "Landbakgrunn": "landbakgrunn",
    "UtdProgram": "utdanningsprogram", "FullforingVGO": "fullføringsgrad",
    "HovArbStyrkStatus": "arbeidsstyrkestatus", "NACE2007": "næring (SN2007)",
    "Nivaa": "nivå", "Fagfelt": "fagfelt", "Yrke": "yrke",
}

_CODE_LABELS = {
    "Kjonn": SEXES,
    "InnvandrKat": {**BACKGROUNDS, "B": "Innvandrere",
                    "C": "Norskfødte med innvandrerforeldre"},
    "Landbakgrunn": {"999": "I alt"},
    "UtdProgram": STUDY_PROGRAMMES,
    "FullforingVGO": COMPLETION_STATUS,
    "HovArbStyrkStatus": {"NEET": "Utenfor arbeid, utdanning og opplæring (NEET)",
                          "NEET2": "Utenfor arbeid, utdanning og opplæring",
                          "TOT3": "I alt"},
    "NACE2007": {**INDUSTRIES, "00-99": "Alle næringer"},
    "Nivaa": EDUCATION_LEVELS,
    "Fagfelt": FIELDS_OF_STUDY,
    "Yrke": {**OCCUPATIONS, **TECH_OCCUPATIONS},
}


def _code_label(dim: str, code: str, names: dict[str, str]) -> str:
    if dim in ("Region", "Fraflyttingsregion", "TilflyttRegion"):
        return names.get(code, code)
    if dim == "ContentsCode":
        return _MEASURES[code][0]
    if dim == "Alder":
        if code in ONE_YEAR_AGES:
            return "105 år eller eldre" if code == "105+" else f"{int(code)} år"
        return f"{code} år"
    return _CODE_LABELS.get(dim, {}).get(code, code)


@dataclass
class TableData:
    """Values of one table in the registry's dimension order, ready to write."""

    spec: TableSpec
    categories: dict[str, list[str]]  # dimension id -> codes, in spec.dimensions order
    values: np.ndarray  # float, shape = sizes; NaN = null
    status: dict[int, str]  # flat position -> SSB symbol
    notes: list[str]


def _value_list(values: np.ndarray, decimals: np.ndarray) -> list[Any]:
    flat = values.ravel()
    dec = decimals.ravel()
    missing = np.isnan(flat)
    if not dec.any():
        ints = np.rint(np.where(missing, 0, flat)).astype(np.int64).tolist()
        if not missing.any():
            return ints
        return [None if m else v for v, m in zip(ints, missing.tolist(), strict=True)]
    rounded = np.where(dec > 0, np.round(flat, 1), np.rint(flat)).tolist()
    return [None if m else (v if d else int(v))
            for v, d, m in zip(rounded, dec.tolist(), missing.tolist(), strict=True)]


def document(data: TableData, names: dict[str, str]) -> dict[str, Any]:
    """The JSON-stat 2.0 document of one table, shaped like a PxWebApi v2 response."""
    spec = data.spec
    ids = list(spec.dimensions)
    if list(data.categories) != ids:
        raise ValueError(f"table {spec.table_id}: dimensions {list(data.categories)} differ "
                         f"from pipeline/sources/tables.py {ids}")
    sizes = [len(data.categories[d]) for d in ids]
    if list(data.values.shape) != sizes:
        raise ValueError(f"table {spec.table_id}: values have shape {data.values.shape}, "
                         f"dimensions give {sizes}")
    dimension: dict[str, Any] = {}
    for dim in ids:
        codes = data.categories[dim]
        category: dict[str, Any] = {
            "index": {code: i for i, code in enumerate(codes)},
            "label": {code: _code_label(dim, code, names) for code in codes},
        }
        if dim == "ContentsCode":
            category["unit"] = {code: {"base": _MEASURES[code][1],
                                       "decimals": _MEASURES[code][2]} for code in codes}
        dimension[dim] = {"label": _DIMENSION_LABELS.get(dim, dim.lower()),
                          "category": category}
    measure_axis = ids.index("ContentsCode")
    dec_shape = [1] * len(ids)
    dec_shape[measure_axis] = sizes[measure_axis]
    decimals = np.array([_MEASURES[c][2] for c in data.categories["ContentsCode"]])
    decimals = np.broadcast_to(decimals.reshape(dec_shape), data.values.shape)
    # Every null carries a symbol; one without a planted reason is "not applicable".
    status = {**status_where(np.isnan(data.values), "."), **data.status}
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"{spec.table_id}: {spec.title}",
        "source": SOURCE,
        "updated": UPDATED,
        "note": [NOTE, *data.notes],
        "id": ids,
        "size": sizes,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"],
                 "geo": list(spec.region_dimensions)},
        "dimension": dimension,
        "value": _value_list(data.values, decimals),
        **({"status": {str(pos): sym for pos, sym in sorted(status.items())}} if status else {}),
        "extension": {"px": {"tableid": spec.table_id, "decimals": int(decimals.max()),
                             "language": "no", "contents": spec.title},
                      "innsikt": {"demo": True, "seed": SEED}},
    }


def status_where(mask: np.ndarray, symbol: str) -> dict[int, str]:
    """Flat positions where ``mask`` is true, each with ``symbol``."""
    return {int(pos): symbol for pos in np.flatnonzero(mask.ravel())}


def categories(spec: TableSpec, **given: list[str]) -> dict[str, list[str]]:
    """Dimension codes in the registry's order: ``given`` for Region/Tid etc., else spec.codes."""
    out = {}
    for dim in spec.dimensions:
        if dim in given:
            out[dim] = given[dim]
        elif dim in spec.codes:
            out[dim] = list(spec.codes[dim])
        else:
            raise ValueError(f"table {spec.table_id}: no codes for dimension {dim!r}")
    return out


def arrange(spec: TableSpec, array: np.ndarray, axes: list[str]) -> np.ndarray:
    """Transpose ``array`` whose axes are named ``axes`` into the registry's dimension order."""
    order = [axes.index(dim) for dim in spec.dimensions]
    return np.transpose(array, order)


def years(spec: TableSpec, last: int = LAST_YEAR) -> list[int]:
    """Years of a table from its first year to ``last``."""
    return list(range(spec.first_year, last + 1))




def spec(table_id: str) -> TableSpec:
    """The registry's :class:`TableSpec` of an SSB table number."""
    return by_table_id(table_id)
