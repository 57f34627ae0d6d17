"""Raw JSON-stat 2.0 documents → tidy, schema-checked DataFrames → ``data/processed``.

One loader for both sources: demo documents have exactly the shape of SSB responses, so the demo
path exercises the same parser, harmoniser and checks as real data.

The documents are parsed by :mod:`pipeline.sources.jsonstat` (numpy index arithmetic, one
string per category, not per cell); code columns stay categorical from there to the processed
parquet and to :func:`load`, which is what keeps the 6-million-row projection table light.

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

import dataclasses
import functools
import json
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import config, geography, io
from pipeline.geography import NATIONAL
from pipeline.sources import cache
from pipeline.sources.errors import CacheIntegrityError, DataError
from pipeline.sources.jsonstat import (
    ParsedTable,
    category_values,
    parse_jsonstat,
    read_jsonstat,
    recode,
)
from pipeline.sources.tables import OWN_CODES, TABLES, USED_BY, Codelist, TableSpec, table

# Re-exported: callers import the parser and its error from here.
__all__ = ["BuildIncomplete", "DataError", "ParsedTable", "build", "build_dataset", "clear_cache",
           "harmonise_frame", "key_columns", "load", "manifest", "parse_jsonstat", "raw_files",
           "read_jsonstat", "strip_region_prefix", "tidy", "tidy_categorical", "validate"]

_LOG = logging.getLogger(__name__)
# Measures that are rates/shares: they cannot be summed across merged units.
RATE_MARKERS = ("Prosent", "Andel")
# SSB codelists whose values are today's units for every year (predecessors summed), unless
# asked for their member codes (``outputValues=single``).
CURRENT_UNIT_CODELISTS = ("agg_KommSummer", "agg_KommGjeldende", "vs_KommunFram")


_NATIONAL_SPELLINGS = ("Hele landet", "00", "0000")
_REGION_PREFIX = re.compile(r"^[A-Z]-")
_REGION_CODE = re.compile(r"\d{4}|\d{2}|0")


def strip_region_prefix(codes: pd.Series) -> pd.Series:
    """``K-3303`` → ``3303``, ``F-33`` → ``33``; national totals become ``0``."""
    stripped = codes.astype("string").str.replace(_REGION_PREFIX, "", regex=True)
    return stripped.mask(stripped.isin(_NATIONAL_SPELLINGS), NATIONAL)


def _strip_one(code: object) -> str:
    stripped = _REGION_PREFIX.sub("", str(code))
    return NATIONAL if stripped in _NATIONAL_SPELLINGS else stripped


def tidy(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Rename SSB dimensions to tidy names and convert codes to analysis types.

    ``Tid`` becomes an integer ``year`` (the first year of a span such as ``2019-2024``, i.e. the
    starting cohort of completion tables); one-year ``age`` becomes an integer (105 = 105+).
    Code columns are strings (``status`` and region columns ``string``), as they always were;
    the build uses the categorical form (:func:`tidy_categorical`) and :func:`load` returns it.
    """
    return _as_strings(tidy_categorical(frame, spec), spec)


def tidy_categorical(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """:func:`tidy` with code columns as categoricals of string codes (sorted categories).

    Each conversion runs once per category, not per cell; rows are sorted by the key columns.
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
    columns: dict[str, Any] = {}
    regions = {spec.dimensions[d] for d in spec.region_dimensions}
    for dim in (c for c in frame.columns if c in spec.dimensions):  # the document's order
        name = spec.dimensions[dim]
        inverse = {s: code for code, alts in spec.spellings.get(dim, {}).items() for s in alts}
        if name == spec.time_column:
            columns["year"] = category_values(frame[dim], lambda c: int(str(c)[:4]), np.int64)
        elif name == "age":
            columns["age"] = category_values(
                frame[dim], lambda c, m=inverse: int(m.get(str(c), str(c)).rstrip("+")),
                np.int64)
        elif name in regions:
            columns[name] = recode(frame[dim], lambda c, m=inverse: _strip_one(m.get(str(c),
                                                                                    str(c))))
        else:  # SSB's spelling → the tidy code (1a → 1)
            columns[name] = recode(frame[dim], lambda c, m=inverse: m.get(str(c), str(c)))
    # A time dimension named otherwise (``period``) gives ``year`` last, as it always has.
    keys = list(columns) if spec.time_column == "year" else \
        [c for c in columns if c != "year"] + ["year"]
    columns["value"] = np.asarray(frame["value"], dtype=float)
    columns["status"] = _status_column(frame["status"])
    flat = _key_index({k: pd.Series(columns[k], copy=False) for k in keys}, keys)
    exact = flat is not None
    if exact and len(flat) and not _is_sorted(flat):
        order = np.argsort(flat, kind="stable")
        del flat
        for name in list(columns):  # one column at a time: the table is never held twice
            columns[name] = columns[name].take(order)
    out = pd.DataFrame({k: columns.pop(k) for k in [*keys, "value", "status"]}, copy=False)
    return out if exact else _sorted(out, keys)


def _status_column(status: pd.Series) -> pd.Categorical:
    """SSB's status symbols as a categorical with sorted categories (missing: no symbol)."""
    return recode(status, str) if len(status) else pd.Categorical([], categories=[])


def _ranks(series: pd.Series) -> tuple[np.ndarray, int]:
    """Integers that order like ``series`` (0 … n-1, missing last), and their count."""
    if isinstance(series.dtype, pd.CategoricalDtype) and \
            series.cat.categories.is_monotonic_increasing:
        codes = np.asarray(series.cat.codes, dtype=np.int64)
        k = len(series.cat.categories)
        return np.where(codes < 0, k, codes), k + 1
    values = np.asarray(series)
    if values.dtype.kind in "biu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 20:  # years, ages: a dense small range is its own rank
            return values.astype(np.int64) - low, high - low + 1
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    return np.where(codes < 0, len(uniques), codes), len(uniques) + 1


def _key_index(df: Mapping[str, pd.Series] | pd.DataFrame, keys: list[str]
               ) -> np.ndarray | None:
    """One int64 per row that orders and compares like the row's ``keys`` (None: too many
    combinations for one integer)."""
    flat = np.zeros(len(df[keys[0]]) if keys else len(df), dtype=np.int64)
    combinations = 1.0
    for key in keys:  # one column at a time, so only two row-long integer arrays exist at once
        rank, count = _ranks(df[key])
        combinations *= max(count, 1)
        if combinations >= 2.0**62:
            return None
        flat *= max(count, 1)
        flat += rank
    return flat


def _is_sorted(flat: np.ndarray) -> bool:
    return bool((flat[1:] >= flat[:-1]).all())


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``df`` stably sorted by ``keys`` (index reset); returned as it is when already sorted.

    Sorting one combined integer key replaces pandas' multi-column sort of strings.
    """
    if not len(df):
        return df.reset_index(drop=True)
    flat = _key_index(df, keys)
    if flat is None:
        return df.sort_values(keys, kind="stable").reset_index(drop=True)
    if _is_sorted(flat):
        return df.reset_index(drop=True)
    return df.take(np.argsort(flat, kind="stable")).reset_index(drop=True)


def key_columns(spec: TableSpec) -> list[str]:
    """The columns that identify one row of a tidy dataset."""
    cols = [c for c in spec.dimensions.values() if c != spec.time_column]
    return cols + ["year"]


def _duplicated(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Rows whose key repeats an earlier row's (``DataFrame.duplicated``, on integer keys)."""
    if not len(df):
        return np.zeros(0, dtype=bool)
    flat = _key_index(df, keys)
    if flat is None:
        return df.duplicated(keys).to_numpy()
    if _is_sorted(flat):  # the usual case: repeats are neighbours
        return np.concatenate([[False], flat[1:] == flat[:-1]])
    return pd.Series(flat).duplicated().to_numpy()


def validate(df: pd.DataFrame, spec: TableSpec, origin: str) -> pd.DataFrame:
    """Check a tidy table against its schema; raise :class:`DataError` naming what is wrong."""
    expected = key_columns(spec) + ["value", "status"]
    if sorted(df.columns) != sorted(expected):
        raise DataError(f"{origin}: columns {sorted(df.columns)} differ from {sorted(expected)}")
    for dim in spec.region_dimensions:
        col = spec.dimensions[dim]
        codes = pd.unique(df[col].astype("string")) if not isinstance(
            df[col].dtype, pd.CategoricalDtype) else df[col].cat.remove_unused_categories(
            ).cat.categories
        bad = [c for c in codes if pd.isna(c) or not _REGION_CODE.fullmatch(str(c))]
        if bad:
            raise DataError(
                f"{origin}: column {col!r} has region code {bad[0]!r}; expected a 4-digit "
                "municipality, 2-digit county or '0' for Norway"
            )
    negative = df.loc[df["value"] < 0]
    if len(negative) and spec.dataset not in ("population_change",):
        row = negative.iloc[0]
        raise DataError(f"{origin}: negative value {row['value']} in row {row.to_dict()}")
    dupes = _duplicated(df, key_columns(spec))
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
    parsed, frames = [], []
    for path in files:
        table_ = read_jsonstat(path)
        frames.append(tidy_categorical(table_.frame, spec))
        # Only the metadata is kept: the long frame of a big table is not held twice.
        parsed.append(dataclasses.replace(table_, frame=table_.frame.iloc[:0]))
        del table_
    notes: list[str] = []
    if source == "ssb" or len(frames) > 1:
        # Harmonisation and concatenation work on plain strings (categoricals with different
        # categories do not concatenate); the result is made categorical again below.
        frames = [_as_strings(f, spec) for f in frames]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    if source == "ssb":
        df = harmonise_frame(df, spec, _codelists_used(spec, _ssb_query(files)))
        notes = list(df.attrs.get("geography_notes", []))
    df = _categorical(_drop_duplicate_keys(df, key_columns(spec)))
    df = validate(df, spec, origin=", ".join(str(f) for f in files))
    # Re-attached because not every pandas operation above carries ``attrs`` along.
    df.attrs["geography_notes"] = notes
    return df, parsed, files


def _as_strings(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Categorical code columns as the string dtypes the harmoniser was written for."""
    regions = {spec.dimensions[d] for d in spec.region_dimensions}
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string" if col in regions or col == "status" else str)
    return out


def code_columns(df: pd.DataFrame) -> list[str]:
    """The code columns of a tidy frame: everything but ``value`` and the integer columns."""
    return [c for c in df.columns if c != "value" and df[c].dtype.kind not in "biuf"]


def _categorical(df: pd.DataFrame) -> pd.DataFrame:
    """Code columns (and ``status``) as categoricals of strings with sorted categories, only
    the codes present: the dtype of processed data (a few bytes per row instead of a string)."""
    for col in code_columns(df):
        series = df[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = np.asarray(series.cat.codes)
            categories = series.cat.categories
            # bincount is one pass; remove_unused_categories would sort all codes.
            if not (np.bincount(codes[codes >= 0], minlength=len(categories)) > 0).all():
                series = series.cat.remove_unused_categories()
                categories = series.cat.categories
            if not categories.is_monotonic_increasing:
                series = series.cat.set_categories(sorted(str(c) for c in categories))
        else:
            series = series.astype(pd.CategoricalDtype(
                sorted(series.dropna().astype(str).unique())))
        df[col] = series
    return df


def _drop_duplicate_keys(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key, a published value winning over an empty cell of the same key, sorted
    by the keys."""
    if not _duplicated(df, keys).any():  # the usual case: nothing to drop, only to sort
        return _sorted(df, keys)
    order = _sorted(df.assign(__empty=df["value"].isna()), keys + ["__empty"])
    out = order.loc[~_duplicated(order, keys)].drop(columns="__empty")
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
            _write_parquet(df, tmp)
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


# Rows are sorted by region (the first key), so a row group holds a few regions and a read
# filtered by region skips the others by their min/max statistics.
ROW_GROUP_ROWS = 32_768


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a tidy frame: categoricals as dictionary columns, small row groups (see above)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path,
                   row_group_size=ROW_GROUP_ROWS)


@functools.lru_cache(maxsize=32)
def _read_parquet(path: str, mtime_ns: int, size: int,
                  regions: tuple[str, ...] | None = None,
                  region_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    # Keyed by the file's stamp: a rebuilt dataset is read again, an unchanged one once.
    import pyarrow as pa
    import pyarrow.parquet as pq

    filters = ([[(col, "in", list(regions))] for col in region_columns]
               if regions is not None else None)
    # split_blocks + self_destruct: each column is converted and its Arrow buffer released
    # in turn, so the table is not held twice while converting.
    # String columns are read dictionary-encoded: Arrow hands pandas categoricals directly,
    # instead of a string per row that _categorical would then have to encode (most of the
    # time of a read).
    schema = pq.read_schema(path)
    strings = [f.name for f in schema if pa.types.is_string(f.type)
               or pa.types.is_large_string(f.type)]
    table = pq.read_table(path, filters=filters, read_dictionary=strings)
    # A column with no value at all (``status`` where nothing is flagged) has Arrow's null
    # type and would arrive as one ``None`` object per row, which _categorical then encodes
    # (most of a second for the projection's 6 million rows): give it its empty categorical
    # directly.
    empty = [f.name for f in table.schema if pa.types.is_null(f.type)]
    frame = table.drop_columns(empty).to_pandas(split_blocks=True, self_destruct=True)
    for name in empty:
        frame.insert(table.schema.get_field_index(name), name, pd.Categorical.from_codes(
            np.full(len(frame), -1, dtype=np.int8), dtype=pd.CategoricalDtype([])))
    del table
    # Arrow's allocator keeps freed pages for reuse; a notebook worker wants them back.
    pa.default_memory_pool().release_unused()
    return _categorical(frame)


def load(dataset: str, source: str | None = None, *,
         regions: Iterable[str] | None = None) -> pd.DataFrame:
    """Load a processed tidy dataset (built by :func:`build`): THE cached loader.

    Each file is read once per process and kept (keyed by path, modification time and size,
    so a rebuilt file is read again); every call returns a shallow copy, which pandas'
    copy-on-write (always on since pandas 3) turns into a real copy of whatever a caller
    modifies, so callers may modify what they get without affecting other callers, and an
    unmodified frame costs no memory twice. Analyses should call this rather than keep
    caches of their own.

    Code columns (``region``, ``sex``, ``measure`` …, and ``status``) are categoricals of
    string codes with sorted categories (only the codes present); ``year``, ``age`` are
    integers, ``value`` a float. Compare and filter them as strings (``df.region == "3303"``,
    ``isin``); to assign a code that is not a category, ``astype(str)`` the column first.

    Args:
        dataset: dataset name, e.g. ``population`` (see :mod:`pipeline.sources.tables`).
        source: ``demo`` or ``ssb`` (default: ``INNSIKT_DATA_SOURCE`` or ``demo``).
        regions: only the rows of these region codes (in any region column: origin or
            destination of a flow), read from the file without the other regions' rows,
            e.g. ``[code, *areas.members(code), "0"]``. Equal to the full frame's rows of
            those codes (index reset, categories only the codes present). ``None``: all rows.

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
    if regions is None:
        return _read_parquet(str(path), stat.st_mtime_ns, stat.st_size).copy(deep=False)
    if isinstance(regions, str):
        regions = [regions]
    wanted = tuple(sorted({str(r) for r in regions}))
    columns = tuple(spec.dimensions[d] for d in spec.region_dimensions)
    return _read_parquet(str(path), stat.st_mtime_ns, stat.st_size, wanted, columns
                         ).copy(deep=False)


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
