"""JSON-stat 2.0 documents → long DataFrames with categorical code columns, without per-cell
Python strings.

Why not pyjstat: it drops the sparse ``status`` symbols (``..``, ``:``) SSB uses to mark missing
and suppressed cells, which disclosure control and honest reporting need, and it builds one
Python string per cell, which is slow and heavy on the 1–6 million cell tables used here. The
format is small: values are row-major with the last dimension fastest, so the category of cell
``i`` in dimension ``d`` is ``(i // stride_d) % size_d`` (``stride_d`` the product of the sizes
after ``d``). Each dimension becomes a :class:`pandas.Categorical` built from those integer codes
(:meth:`pandas.Categorical.from_codes`); the strings exist once per category, not once per cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.sources.errors import DataError


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
        codes = list(category.get("label", {}))
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


def _cell_codes(sizes: list[int], n: int) -> list[np.ndarray]:
    """Per dimension, the category position of every cell (row-major, last fastest).

    Dimension ``d`` repeats each position ``stride_d`` times (the product of the later sizes)
    and the whole run once per combination of the earlier dimensions.
    """
    out = []
    stride = n
    for size in sizes:
        size = max(size, 1)
        stride //= size
        dtype = np.int8 if size < 1 << 7 else np.int16 if size < 1 << 15 else np.int32
        run = np.repeat(np.arange(size, dtype=dtype), stride)
        out.append(np.tile(run, n // max(size * stride, 1)))
    return out


def _values(values: Any, n: int, origin: str) -> np.ndarray:
    """JSON-stat ``value`` (array with nulls, or sparse object) → float array, NaN for null."""
    if isinstance(values, dict):
        dense = np.full(n, np.nan)
        if values:
            pos = np.fromiter((int(p) for p in values), dtype=np.int64, count=len(values))
            dense[pos] = np.array([np.nan if v is None else v for v in values.values()],
                                  dtype=float)
        return dense
    if len(values) != n:
        raise DataError(
            f"{origin}: 'value' has {len(values)} entries but the dimensions give {n} cells; "
            "the file is truncated or corrupt (re-fetch it)"
        )
    # numpy turns None into NaN itself when the dtype is float: one C loop, no list copy.
    return np.array(values, dtype=float) if n else np.empty(0)


def _status(status: Any, n: int, origin: str) -> pd.Categorical:
    """JSON-stat ``status`` (absent, one symbol, array or sparse object) → categorical."""
    if status is None:
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
    if isinstance(status, str):  # one status symbol for every cell
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[status])
    if isinstance(status, dict):
        symbols = sorted({str(s) for s in status.values() if s is not None})
        lookup = {s: i for i, s in enumerate(symbols)}
        codes = np.full(n, -1, dtype=np.int8)
        for pos, symbol in status.items():
            codes[int(pos)] = -1 if symbol is None else lookup[str(symbol)]
        return pd.Categorical.from_codes(codes, categories=symbols)
    if len(status) != n:
        raise DataError(
            f"{origin}: 'status' has {len(status)} entries but the dimensions give {n} cells; "
            "the file is truncated or corrupt (re-fetch it)"
        )
    return pd.Categorical(status)


def parse_jsonstat(doc: dict[str, Any], origin: str = "<document>") -> ParsedTable:
    """Parse a JSON-stat 2.0 dataset into a long DataFrame.

    Args:
        doc: the decoded JSON document (class ``dataset``).
        origin: a name for error messages, usually the file path.

    Returns:
        ParsedTable with one categorical column per dimension (the codes as strings, categories
        in the document's order), ``value`` (float, NaN for null) and ``status`` (categorical
        of SSB's symbols, missing where there is none).

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
    if doc.get("value") is None:
        raise DataError(
            f"{origin}: the dataset has no 'value' (a response without figures); nothing is "
            "built from it: fetch it again (`innsikt fetch --refresh`)")
    columns: dict[str, Any] = {}
    for dim_id, size, codes in zip(ids, sizes, _cell_codes(sizes, n), strict=True):
        categories = _category_codes(dim_id, doc["dimension"][dim_id], size, origin)
        columns[dim_id] = pd.Categorical.from_codes(codes, categories=categories)
    columns["value"] = _values(doc["value"], n, origin)
    columns["status"] = _status(doc.get("status"), n, origin)
    px = doc.get("extension", {}).get("px", {})
    return ParsedTable(
        frame=pd.DataFrame(columns),
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


def as_categorical(column: pd.Series) -> pd.Categorical:
    """A column as a categorical of strings (a categorical column is used as it is)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array
    return pd.Categorical(column.astype("string"))


def recode(column: pd.Series, func: Callable[[Any], Hashable]) -> pd.Categorical:
    """Apply ``func`` to every category (not every cell) of a code column.

    Returns:
        A categorical whose categories are the distinct results, sorted, so that sorting by
        its codes orders rows as sorting the strings would; several old categories may map to
        one new one.
    """
    cat = as_categorical(column)
    mapped = [func(c) for c in cat.categories]
    new = sorted(set(mapped))
    position = {c: i for i, c in enumerate(new)}
    dtype = np.int8 if len(new) < 1 << 7 else np.int16 if len(new) < 1 << 15 else np.int32
    lookup = np.array([position[m] for m in mapped] + [-1], dtype=dtype)
    # Index -1 (a missing code) picks the trailing -1 of ``lookup``; the smallest integer
    # type keeps from_codes from copying.
    return pd.Categorical.from_codes(lookup[np.asarray(cat.codes)], categories=new)


def category_values(column: pd.Series, func: Callable[[Any], Any], dtype: Any) -> np.ndarray:
    """``func`` of every cell, computed once per category (e.g. ``2019-2024`` → 2019)."""
    cat = as_categorical(column)
    if (np.asarray(cat.codes) < 0).any():
        raise DataError(f"column {column.name!r} has missing codes")
    table = np.array([func(c) for c in cat.categories], dtype=dtype)
    return table[np.asarray(cat.codes)]
