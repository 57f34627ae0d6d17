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
country is ``0``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import config, io
from pipeline.sources.tables import TABLES, TableSpec, table

NATIONAL = "0"


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
    out = frame.rename(columns=spec.dimensions)
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
    sidecars.
    """
    base = config.paths().raw_source(source)
    single = base / f"{spec.table_id}.json"
    parts = sorted(p for p in (base / spec.table_id).glob("*.json")
                   if not p.name.endswith(".meta.json"))
    return ([single] if single.exists() else []) + parts


def build_dataset(spec: TableSpec, source: str
                  ) -> tuple[pd.DataFrame, list[ParsedTable], list[Path]]:
    """Parse, tidy and validate every raw file of one table."""
    files = raw_files(spec, source)
    if not files:
        hint = "run `make data`" if source == "demo" else "run `make data DATA=ssb`"
        raise DataError(f"no raw data for table {spec.table_id} ({spec.dataset}) "
                        f"in {config.paths().raw_source(source)}: {hint}")
    parsed = [read_jsonstat(path) for path in files]
    frames = [tidy(p.frame, spec) for p in parsed]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    notes: list[str] = []
    if source == "ssb":
        from pipeline import geography

        df = geography.harmonise_frame(df, spec)
        notes = list(df.attrs.get("geography_notes", []))
    df = df.drop_duplicates(key_columns(spec), keep="last")
    df = df.sort_values(key_columns(spec), kind="stable").reset_index(drop=True)
    df = validate(df, spec, origin=", ".join(str(f) for f in files))
    # Re-attached because not every pandas operation above carries ``attrs`` along.
    df.attrs["geography_notes"] = notes
    return df, parsed, files


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


def build(source: str | None = None, datasets: Iterable[str] | None = None,
          progress: bool = True) -> Path:
    """Build ``data/processed/<source>/<dataset>.parquet`` for every table and a manifest.

    Returns:
        The path of the manifest (``data/processed/<source>/manifest.json``), which records the
        input files' SHA-256, the tables' SSB labels and ``updated`` stamps, and per dataset the
        code harmonisation applied (``geography_notes`` and, sorted by kind, ``harmonisation``;
        see :func:`summarise_geography_notes`).
    """
    source = source or config.data_source()
    out_dir = config.paths().processed_source(source)
    manifest: dict[str, Any] = {"source": source, "datasets": {}}
    names = list(datasets) if datasets else list(TABLES)
    for i, name in enumerate(names, 1):
        spec = table(name)
        if progress:
            print(f"[{i}/{len(names)}] {spec.table_id} → {name}", flush=True)
        df, parsed, files = build_dataset(spec, source)
        target = out_dir / f"{name}.parquet"
        with io.atomic_path(target) as tmp:
            df.to_parquet(tmp, index=False)
        manifest["datasets"][name] = {
            "table_id": spec.table_id,
            "title": parsed[0].label or spec.title,
            "updated": max(p.updated for p in parsed),
            "rows": len(df),
            "inputs": {str(f.relative_to(config.project_root())): io.sha256_file(f) for f in files},
            "sha256": io.sha256_file(target),
            # What harmonisation to the 2024 structure did (empty for demo data, which is
            # generated in that structure): the notes as written, and sorted by kind.
            "geography_notes": df.attrs.get("geography_notes", []),
            "harmonisation": summarise_geography_notes(df.attrs.get("geography_notes", [])),
        }
    return io.write_json(out_dir / "manifest.json", manifest)


def load(dataset: str, source: str | None = None) -> pd.DataFrame:
    """Load a processed tidy dataset (built by :func:`build`).

    Args:
        dataset: dataset name, e.g. ``population`` (see :mod:`pipeline.sources.tables`).
        source: ``demo`` or ``ssb`` (default: ``INNSIKT_DATA_SOURCE`` or ``demo``).

    Raises:
        DataError: when the dataset has not been built, saying which command builds it.
    """
    source = source or config.data_source()
    spec = table(dataset)
    path = config.paths().processed_source(source) / f"{spec.dataset}.parquet"
    if not path.exists():
        raise DataError(f"{path} does not exist: run `make data` (DATA={source}) first")
    return pd.read_parquet(path)


def manifest(source: str | None = None) -> dict[str, Any]:
    """The processed-data manifest of ``source`` (tables, SSB stamps, input hashes)."""
    source = source or config.data_source()
    path = config.paths().processed_source(source) / "manifest.json"
    if not path.exists():
        raise DataError(f"{path} does not exist: run `make data` (DATA={source}) first")
    return json.loads(path.read_text(encoding="utf-8"))
