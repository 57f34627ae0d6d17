"""Raw JSON-stat 2.0 documents → tidy, schema-checked DataFrames → ``data/processed``.

One loader for both sources: demo documents have exactly the shape of SSB responses, so the demo
path exercises the same parser, harmoniser and checks as real data.

Why not pyjstat: it drops the sparse ``status`` symbols (``..``, ``:``) SSB uses to mark missing
and suppressed cells, which disclosure control and honest reporting need, and it is slow on the
1–2 million cell tables used here. The format is small (row-major values, last dimension fastest)
and is parsed with numpy below.

Tidy tables have one column per SSB dimension, renamed as in :mod:`pipeline.sources.tables`
(``region``, ``sex``, ``age`` …, ``measure`` for ``ContentsCode``, ``year`` for ``Tid``), plus
``value`` (float, NaN where SSB gives null) and ``status`` (SSB's symbol or missing).
Region codes lose the codelist prefix (``K-3303`` → ``3303``, ``F-33`` → ``33``); the whole
country is ``0`` (:data:`pipeline.geography.NATIONAL`). SSB's spellings of codes become the
registry's tidy codes (``1a`` → ``1``) and dimensions held at one value (years after start) are
not columns, so the tidy columns do not depend on which codelist or table round SSB offered.

The build (:func:`build`) verifies every SSB file against its sidecar before parsing it,
harmonises SSB tables to the 2024 structure (:func:`harmonise_frame`), builds every dataset it
can and names the ones it cannot with the analyses they block. :func:`load` is the one cached
loader of processed datasets.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import config, geography, io
from pipeline.geography import NATIONAL
from pipeline.sources import cache
from pipeline.sources.errors import CacheIntegrityError
from pipeline.sources.tables import OWN_CODES, TABLES, USED_BY, Codelist, TableSpec, table

_LOG = logging.getLogger(__name__)
# Measures that are rates/shares: they cannot be summed across merged units.
RATE_MARKERS = ("Prosent", "Andel")
# SSB codelists whose values are today's units for every year (predecessors summed), unless
# asked for their member codes (``outputValues=single``).
CURRENT_UNIT_CODELISTS = ("agg_KommSummer", "agg_KommGjeldende", "vs_KommunFram")


class DataError(ValueError):
    """Raised when a data file or table breaks its schema; the message names file, column, value."""


@dataclass(frozen=True)
class ParsedTable:
    """A parsed JSON-stat document: the long frame plus the metadata reports cite."""

    frame: pd.DataFrame
    table_id: str
    label: str
    updated: str
    source: str


def _category_codes(dim_id: str, dim: dict[str, Any], size: int, origin: str) -> list[str]:
    category = dim.get("category", {})
    index = category.get("index")
    if index is None:
        labels = category.get("label", {})
        codes = list(labels)
    elif isinstance(index, list):
        codes = list(index)
    else:
        codes = [code for code, _ in sorted(index.items(), key=lambda item: item[1])]
    if len(codes) != size:
        raise DataError(
            f"{origin}: dimension {dim_id!r} lists {len(codes)} categories but size says {size}; "
            "the file is not valid JSON-stat 2.0 (re-fetch it)"
        )
    return [str(code) for code in codes]


def _dense(values: Any, n: int, fill: Any, origin: str, key: str) -> list[Any]:
    """Expand JSON-stat's array-or-sparse-object encoding to a list of length ``n``."""
    if values is None:
        return [fill] * n
    if isinstance(values, str):  # one status symbol for every cell
        return [values] * n
    if isinstance(values, dict):
        dense = [fill] * n
        for pos, value in values.items():
            dense[int(pos)] = value
        return dense
    if len(values) != n:
        raise DataError(
            f"{origin}: {key!r} has {len(values)} entries but the dimensions give {n} cells; "
            "the file is truncated or corrupt (re-fetch it)"
        )
    return list(values)


def parse_jsonstat(doc: dict[str, Any], origin: str = "<document>") -> ParsedTable:
    """Parse a JSON-stat 2.0 dataset into a long DataFrame.

    Args:
        doc: the decoded JSON document (class ``dataset``).
        origin: a name for error messages, usually the file path.

    Returns:
        ParsedTable with one column per dimension (codes as strings), ``value`` (float) and
        ``status`` (string or missing).

    Raises:
        DataError: when the document is not a JSON-stat 2.0 dataset or its sizes disagree.
    """
    if doc.get("class") != "dataset" or "id" not in doc or "dimension" not in doc:
        raise DataError(
            f"{origin}: not a JSON-stat 2.0 dataset (needs class 'dataset', 'id', 'dimension')"
        )
    ids: list[str] = list(doc["id"])
    sizes: list[int] = [int(s) for s in doc["size"]]
    n = int(np.prod(sizes)) if sizes else 0
    columns: dict[str, Any] = {}
    repeat = n
    for dim_id, size in zip(ids, sizes, strict=True):
        codes = np.asarray(_category_codes(dim_id, doc["dimension"][dim_id], size, origin))
        repeat //= max(size, 1)
        # Row-major: the last dimension varies fastest.
        columns[dim_id] = np.tile(np.repeat(codes, repeat), n // max(size * repeat, 1))
    if doc.get("value") is None:
        raise DataError(
            f"{origin}: the dataset has no 'value' (a response without figures); nothing is "
            "built from it: fetch it again (`innsikt fetch --refresh`)")
    raw_values = _dense(doc.get("value"), n, None, origin, "value")
    columns["value"] = np.array([np.nan if v is None else v for v in raw_values], dtype=float)
    status = _dense(doc.get("status"), n, None, origin, "status")
    columns["status"] = pd.array(status, dtype="string")
    frame = pd.DataFrame(columns)
    px = doc.get("extension", {}).get("px", {})
    return ParsedTable(
        frame=frame,
        table_id=str(px.get("tableid") or doc.get("label", "").split(":")[0]).strip(),
        label=str(doc.get("label", "")),
        updated=str(doc.get("updated", "")),
        source=str(doc.get("source", "")),
    )


def read_jsonstat(path: Path | str) -> ParsedTable:
    """Read and parse a JSON-stat file, naming the file in every error."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); the file is truncated "
            "or corrupt: delete it and fetch or generate it again"
        ) from None
    return parse_jsonstat(doc, origin=str(path))


def strip_region_prefix(codes: pd.Series) -> pd.Series:
    """``K-3303`` → ``3303``, ``F-33`` → ``33``; national totals become ``0``."""
    stripped = codes.astype("string").str.replace(r"^[A-Z]-", "", regex=True)
    return stripped.mask(stripped.isin(["Hele landet", "00", "0000"]), NATIONAL)


def tidy(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Rename SSB dimensions to tidy names and convert codes to analysis types.

    ``Tid`` becomes an integer ``year`` (the first year of a span such as ``2019-2024``, i.e. the
    starting cohort of completion tables); one-year ``age`` becomes an integer (105 = 105+).
    """
    missing = [dim for dim in spec.dimensions if dim not in frame.columns]
    if missing:
        raise DataError(
            f"table {spec.table_id}: dimensions {missing} missing; expected "
            f"{list(spec.dimensions)}"
        )
    extra = [c for c in frame.columns if c not in spec.dimensions and c not in ("value", "status")]
    for dim in extra:  # a fixed dimension (e.g. years after start): one value, not a column
        if frame[dim].nunique() > 1:
            raise DataError(f"table {spec.table_id}: dimension {dim!r} is not in the registry "
                            f"and has {frame[dim].nunique()} values; expected one")
    out = frame.drop(columns=extra)
    for dim, spelled in spec.spellings.items():  # SSB's spelling → the tidy code (1a → 1)
        if dim in out.columns:
            inverse = {s: code for code, alts in spelled.items() for s in alts}
            out[dim] = out[dim].astype(str).replace(inverse)
    out = out.rename(columns=spec.dimensions)
    for dim in spec.region_dimensions:
        col = spec.dimensions[dim]
        out[col] = strip_region_prefix(out[col])
    time_col = spec.time_column
    out["year"] = out[time_col].astype(str).str.slice(0, 4).astype(int)
    if time_col != "year":
        out = out.drop(columns=time_col)
    if "age" in out.columns:
        out["age"] = out["age"].astype(str).str.rstrip("+").astype(int)
    keys = [c for c in out.columns if c not in ("value", "status")]
    return out[keys + ["value", "status"]].sort_values(keys, kind="stable").reset_index(drop=True)


def key_columns(spec: TableSpec) -> list[str]:
    """The columns that identify one row of a tidy dataset."""
    cols = [c for c in spec.dimensions.values() if c != spec.time_column]
    return cols + ["year"]


def validate(df: pd.DataFrame, spec: TableSpec, origin: str) -> pd.DataFrame:
    """Check a tidy table against its schema; raise :class:`DataError` naming what is wrong."""
    expected = key_columns(spec) + ["value", "status"]
    if sorted(df.columns) != sorted(expected):
        raise DataError(f"{origin}: columns {sorted(df.columns)} differ from {sorted(expected)}")
    for dim in spec.region_dimensions:
        col = spec.dimensions[dim]
        bad = df.loc[~df[col].str.fullmatch(r"\d{4}|\d{2}|0"), col]
        if len(bad):
            raise DataError(
                f"{origin}: column {col!r} has region code {bad.iloc[0]!r}; expected a 4-digit "
                "municipality, 2-digit county or '0' for Norway"
            )
    negative = df.loc[df["value"] < 0]
    if len(negative) and spec.dataset not in ("population_change",):
        row = negative.iloc[0]
        raise DataError(f"{origin}: negative value {row['value']} in row {row.to_dict()}")
    dupes = df.duplicated(key_columns(spec))
    if dupes.any():
        raise DataError(
            f"{origin}: duplicate key {df.loc[dupes, key_columns(spec)].iloc[0].to_dict()}"
        )
    return df


def raw_files(spec: TableSpec, source: str) -> list[Path]:
    """The raw JSON-stat files holding ``spec``'s table for ``source``, sorted.

    Demo writes ``data/raw/demo/<table>.json``; the SSB cache writes one or more parts under
    ``data/raw/ssb/<table>/`` (queries over the cell limit are split) with ``.meta.json``
    sidecars, for the newest table round cached (e.g. ``14746`` before ``14288``). SSB files
    are verified against their sidecars first.

    Raises:
        CacheIntegrityError: an SSB file is missing, has no sidecar or differs from it.
    """
    base = config.paths().raw_source(source)
    if source == "ssb":
        folder = cache.cached_table_dir(spec.table_ids, spec.dataset, base)
        return cache.verify_table(folder) if folder else []
    single = base / f"{spec.table_id}.json"
    parts = sorted(p for p in (base / spec.table_id).glob("*.json")
                   if not p.name.endswith(".meta.json"))
    return ([single] if single.exists() else []) + parts


def _ssb_query(files: list[Path]) -> dict[str, Any]:
    """How the cached SSB table was queried (``resolved`` in its table manifest)."""
    if not files:
        return {}
    return cache.read_manifest(files[0].parent).get("resolved", {})


def _codelists_used(spec: TableSpec, query: Mapping[str, Any]) -> dict[str, Codelist]:
    used = {dim: Codelist(*pair) for dim, pair in query.get("codelists", {}).items()}
    return {dim: used.get(dim, spec.preferred_codelists(dim)[0])
            for dim in spec.region_dimensions}


def build_dataset(spec: TableSpec, source: str
                  ) -> tuple[pd.DataFrame, list[ParsedTable], list[Path]]:
    """Parse, tidy, harmonise (SSB) and validate every raw file of one table.

    Raises:
        DataError: no raw data, or a file breaks the format or the schema.
        CacheIntegrityError: an SSB raw file fails verification against its sidecar.
    """
    files = raw_files(spec, source)
    if not files:
        hint = ("run `make data`" if source == "demo"
                else f"run `innsikt fetch --table {spec.dataset}` (or `make data DATA=ssb`)")
        raise DataError(f"no raw data for table {spec.table_id} ({spec.dataset}) "
                        f"in {config.paths().raw_source(source)}: {hint}")
    parsed = [read_jsonstat(path) for path in files]
    frames = [tidy(p.frame, spec) for p in parsed]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    notes: list[str] = []
    if source == "ssb":
        df = harmonise_frame(df, spec, _codelists_used(spec, _ssb_query(files)))
        notes = list(df.attrs.get("geography_notes", []))
    df = _drop_duplicate_keys(df, key_columns(spec))
    df = validate(df, spec, origin=", ".join(str(f) for f in files))
    # Re-attached because not every pandas operation above carries ``attrs`` along.
    df.attrs["geography_notes"] = notes
    return df, parsed, files


def _drop_duplicate_keys(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key, a published value winning over an empty cell of the same key."""
    order = df.assign(__empty=df["value"].isna()).sort_values(keys + ["__empty"], kind="stable")
    out = order.drop_duplicates(keys, keep="first").drop(columns="__empty")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Harmonisation to the 2024 structure (code knowledge in pipeline.geography)


def _is_rate(measure: object) -> bool:
    return any(marker in str(measure) for marker in RATE_MARKERS)


def _current_units(codelist: Codelist) -> bool:
    return (codelist.id or "").startswith(CURRENT_UNIT_CODELISTS) and \
        codelist.output_values != "single"


def harmonise_frame(df: pd.DataFrame, spec: TableSpec,
                    codelists: Mapping[str, Codelist] | None = None,
                    target_year: int = geography.TARGET_YEAR) -> pd.DataFrame:
    """Harmonise a tidy SSB table to the 2024 structure.

    Every region dimension of ``spec`` is harmonised. Non-geographic codes (``21-22`` Svalbard,
    ``23`` continental shelf, ``Rest``, ``99``/``9999``) are dropped. Counts are summed over
    merged units (:func:`pipeline.geography.harmonise`); rows whose ``measure`` contains
    ``Prosent`` or ``Andel`` are rates, kept where the unit is unchanged or only renumbered and
    dropped (with a warning) where it was merged or split
    (:func:`pipeline.geography.harmonise_rates`). All notes are stored in
    ``df.attrs["geography_notes"]`` and logged.

    Args:
        df: the tidy frame (:func:`tidy`).
        spec: its registry entry.
        codelists: region dimension -> the codelist the data were fetched with (default the
            registry's first preference); summed codelists report every year on today's units.
        target_year: the structure to harmonise to.
    """
    notes: list[str] = []
    out = df
    for dim in spec.region_dimensions:
        col = spec.dimensions[dim]
        if col not in out.columns:
            continue
        codes = out[col].astype(str)
        dropped = codes.isin(geography.NON_GEOGRAPHIC)
        if dropped.any():
            notes.append(f"{col}: dropped non-geographic codes "
                         f"{sorted(codes[dropped].unique())}")
            out = out.loc[~dropped]
        is_rate = (out["measure"].map(_is_rate) if "measure" in out.columns
                   else pd.Series(False, index=out.index))
        codelist = (codelists or {}).get(dim) or spec.preferred_codelists(dim)[0] or OWN_CODES
        counts, cnotes = geography.harmonise(out.loc[~is_rate], column=col,
                                             target_year=target_year,
                                             current_units=_current_units(codelist))
        notes += cnotes
        rates = out.loc[is_rate]
        if len(rates):
            rates, rnotes = geography.harmonise_rates(rates, col, target_year)
            notes += rnotes
        out = pd.concat([counts, rates], ignore_index=True) if len(rates) else counts
    out = out.reset_index(drop=True)
    notes = list(dict.fromkeys(notes))
    out.attrs["geography_notes"] = notes
    for note in notes:
        # Rows lost are worth a warning; renumberings and merges are routine.
        if note.startswith(tuple(f"{spec.dimensions[d]}: rates" for d in spec.region_dimensions)):
            warnings.warn(f"{spec.table_id} {spec.dataset}: {note}", stacklevel=2)
        else:
            _LOG.info("%s %s: %s", spec.table_id, spec.dataset, note)
    return out


# Note shapes written by :func:`pipeline.geography.harmonise_frame` (its wording is the contract).
_NOTE_KINDS = (
    ("split", re.compile(r"^split of ")),
    ("dropped", re.compile(r"dropped")),
    ("merged", re.compile(r"\(merged; counts summed\)$|other units were merged into it")),
    ("renumbered", re.compile(r"\(renumbered(; rate kept)?\)$|^county \S+ → ")),
)


def summarise_geography_notes(notes: Iterable[str]) -> dict[str, list[str]]:
    """Sort harmonisation notes by what was done, for the manifest and the report appendix.

    Args:
        notes: the notes of :func:`pipeline.geography.harmonise_frame`.

    Returns:
        ``{"renumbered": [...], "merged": [...], "split": [...], "dropped": [...],
        "other": [...]}``: each note once, in its original order, under the first kind it
        matches (``split`` first: a split note is never a renumbering).
    """
    out: dict[str, list[str]] = {k: [] for k in ("renumbered", "merged", "split", "dropped",
                                                  "other")}
    for note in dict.fromkeys(str(n) for n in notes):
        kind = next((k for k, pattern in _NOTE_KINDS if pattern.search(note)), "other")
        out[kind].append(note)
    return out


class BuildIncomplete(DataError):
    """Some datasets could not be built; the others were. ``missing``: dataset -> reason."""

    def __init__(self, message: str, missing: dict[str, str], manifest: Path):
        super().__init__(message)
        self.missing = missing
        self.manifest = manifest


def blocked_analyses(dataset: str) -> list[str]:
    """The analyses that read ``dataset`` (their package's ``DATASETS`` where declared)."""
    import importlib

    out = []
    for analysis in config.ANALYSES:
        try:
            declared = getattr(importlib.import_module(f"pipeline.analysis.{analysis}"),
                               "DATASETS", None)
        except ImportError:
            declared = None
        if dataset in (declared if declared is not None else ()) or (
                declared is None and analysis in USED_BY.get(dataset, ())):
            out.append(analysis)
    return out or list(USED_BY.get(dataset, ()))


def _entry(spec: TableSpec, df: pd.DataFrame, parsed: list[ParsedTable], files: list[Path],
           target: Path, source: str) -> dict[str, Any]:
    notes = df.attrs.get("geography_notes", [])
    query = _ssb_query(files) if source == "ssb" else {}
    return {
        "table_id": query.get("table_id", spec.table_id),
        "title": parsed[0].label or spec.title,
        "updated": max(p.updated for p in parsed),
        "rows": len(df),
        "inputs": {str(f.relative_to(config.project_root())): io.sha256_file(f) for f in files},
        "sha256": io.sha256_file(target),
        # What harmonisation to the 2024 structure did (empty for demo data, which is
        # generated in that structure): the notes as written, and sorted by kind.
        "geography_notes": notes,
        "harmonisation": summarise_geography_notes(notes),
        # How SSB was queried: codelists, SSB spellings, the table round, substitutions.
        "query": query,
    }


def build(source: str | None = None, datasets: Iterable[str] | None = None,
          progress: bool = True) -> Path:
    """Build ``data/processed/<source>/<dataset>.parquet`` for every table and a manifest.

    Every dataset that can be built is; one whose raw data are missing or fail verification
    is not (and an older processed file of it is removed, so nothing stale is used).

    Returns:
        The path of the manifest (``data/processed/<source>/manifest.json``), which records the
        input files' SHA-256, the tables' SSB labels and ``updated`` stamps, and per dataset the
        code harmonisation applied (``geography_notes`` and, sorted by kind, ``harmonisation``;
        see :func:`summarise_geography_notes`), the SSB query used (``query``), and under
        ``missing`` the datasets not built with the reason and the analyses they block.

    Raises:
        BuildIncomplete: some datasets were not built (the manifest is written first).
    """
    source = source or config.data_source()
    out_dir = config.paths().processed_source(source)
    manifest: dict[str, Any] = {"source": source, "datasets": {}, "missing": {}}
    names = list(datasets) if datasets else list(TABLES)
    for i, name in enumerate(names, 1):
        spec = table(name)
        if progress:
            print(f"[{i}/{len(names)}] {spec.table_id} → {name}", flush=True)
        target = out_dir / f"{name}.parquet"
        try:
            df, parsed, files = build_dataset(spec, source)
        except (DataError, CacheIntegrityError) as exc:
            target.unlink(missing_ok=True)
            manifest["missing"][name] = {"table_id": spec.table_id, "reason": str(exc),
                                         "blocks": blocked_analyses(name)}
            if progress:
                print(f"    not built: {exc}", flush=True)
            continue
        with io.atomic_path(target) as tmp:
            df.to_parquet(tmp, index=False)
        manifest["datasets"][name] = _entry(spec, df, parsed, files, target, source)
    path = io.write_json(out_dir / "manifest.json", manifest)
    if manifest["missing"]:
        raise _incomplete(manifest["missing"], len(names), path)
    return path


def _incomplete(missing: Mapping[str, Mapping[str, Any]], total: int, path: Path
                ) -> BuildIncomplete:
    lines = [f"  {name} (table {m['table_id']}), needed by "
             f"{', '.join(m['blocks']) or 'no analysis'}: {m['reason']}"
             for name, m in missing.items()]
    blocked = sorted({a for m in missing.values() for a in m["blocks"]})
    return BuildIncomplete(
        f"{len(missing)} of {total} datasets were not built (the others are in {path.parent}):\n"
        + "\n".join(lines)
        + f"\nAnalyses blocked: {', '.join(blocked) or 'none'}; the others can run.",
        {name: str(m["reason"]) for name, m in missing.items()}, path)


@functools.lru_cache(maxsize=32)
def _read_parquet(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    # Keyed by the file's stamp: a rebuilt dataset is read again, an unchanged one once.
    return pd.read_parquet(path)


def load(dataset: str, source: str | None = None) -> pd.DataFrame:
    """Load a processed tidy dataset (built by :func:`build`): THE cached loader.

    Each file is read once per process and kept (keyed by path, modification time and size,
    so a rebuilt file is read again); every call returns a copy, so callers may modify what
    they get without affecting other callers. Analyses should call this rather than keep
    caches of their own.

    Args:
        dataset: dataset name, e.g. ``population`` (see :mod:`pipeline.sources.tables`).
        source: ``demo`` or ``ssb`` (default: ``INNSIKT_DATA_SOURCE`` or ``demo``).

    Raises:
        DataError: when the dataset has not been built, saying which command builds it (and,
            when the last build could not build it, why).
    """
    source = source or config.data_source()
    spec = table(dataset)
    path = config.paths().processed_source(source) / f"{spec.dataset}.parquet"
    try:
        stat = path.stat()
    except FileNotFoundError:
        why = _missing_reason(source, spec.dataset) or f"run `make data` (DATA={source}) first"
        raise DataError(f"{path} does not exist: {why}") from None
    return _read_parquet(str(path), stat.st_mtime_ns, stat.st_size).copy()


def clear_cache() -> None:
    """Forget every dataset read by :func:`load` (tests; long sessions after a rebuild)."""
    _read_parquet.cache_clear()


def _missing_reason(source: str, dataset: str) -> str:
    try:
        missing = manifest(source).get("missing", {})
    except (DataError, OSError, ValueError):
        return ""
    return f"the last build could not build it: {missing[dataset]['reason']}" \
        if dataset in missing else ""


def manifest(source: str | None = None) -> dict[str, Any]:
    """The processed-data manifest of ``source`` (tables, SSB stamps, input hashes)."""
    source = source or config.data_source()
    path = config.paths().processed_source(source) / "manifest.json"
    if not path.exists():
        raise DataError(f"{path} does not exist: run `make data` (DATA={source}) first")
    return json.loads(path.read_text(encoding="utf-8"))
