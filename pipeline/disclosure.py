"""Small-cell suppression: nothing that leaves the pipeline shows a count below the threshold or
a value from which one can be recomputed.

The model. A table is ``df[count_columns]``: rows × count columns, each cell a count of persons.
The published *linear relations* between cells are, conservatively:

- **column relations** — within each group of rows (``group_by``; the whole frame when None),
  the cells of one count column add up to a known total: the group's total row when
  ``total_rows`` marks one (``total = sum(other rows)``), otherwise a total assumed published
  elsewhere (e.g. the county figure);
- **row relations** — with two or more count columns, the cells of one row add up to a known
  total: the ``total_column`` when given, otherwise a total assumed published elsewhere.

Suppression then runs in three steps:

1. *primary*: counts ``0 < x < threshold`` (default 5; ``0`` is publishable) and every cell SSB
   already marked ``:`` (status symbol or a literal ``":"``; such a cell is never shown as 0);
2. *secondary*: while some relation holds exactly one suppressed cell, suppress one more cell of
   that relation — the smallest positive published count (ties: the first), or a zero if there is
   none, because a pair "primary + a zero" would give away the primary's value;
3. *linear check*: a suppressed cell is recomputable iff its unit vector lies in the row space of
   the relations restricted to the suppressed cells (e.g. two suppressed rectangles joined by one
   cell). Such cells get one more secondary suppression and the check repeats.

Rates whose numerator or denominator is suppressed are suppressed too (``rates``).

Limitations, stated so that reports can say them: the check protects against exact
recomputation from the relations above, not against interval bounds (a row total of 6 with two
suppressed cells still says both are at most 6), and it knows only the relations it is told:
tables published at several nested levels (municipality → county → country) should be
suppressed level by level with ``group_by`` and ``total_rows``.

Display. :func:`suppress` returns a copy of ``df`` in which the count and rate columns are
``object`` columns holding the original numbers, with ``":"`` in every suppressed cell (and a
``status`` column, when present with one count column, set to ``":"`` there).
``result.disclosure.mask`` is the boolean frame of suppressed cells; :func:`suppression_mask`
computes the same mask without building the display frame. :func:`audit` lists every problem
(a published count in ``1..threshold-1``, or a recomputable ``":"`` cell) for tests and for the
render step's final check.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUPPRESSED = ":"
DEFAULT_THRESHOLD = 5
# Keys that are integers but never counts (audit's default column choice skips them).
KEY_COLUMNS = frozenset({"year", "age", "period", "cohort", "start_year", "horizon"})

RowSelector = pd.Series | Sequence[Hashable] | Callable[[pd.DataFrame], pd.Series] | None


@dataclass(frozen=True)
class _Relation:
    """One published linear relation: ``sum(coef * cell) = known``."""

    cells: tuple[int, ...]
    coefs: tuple[float, ...]


@pd.api.extensions.register_dataframe_accessor("disclosure")
class DisclosureAccessor:
    """``df.disclosure.mask``: True where a cell is shown as ``":"`` (suppressed)."""

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    @property
    def mask(self) -> pd.DataFrame:
        """Boolean frame, True where the displayed value is the suppression symbol."""
        return self._frame.apply(lambda col: col.map(lambda v: isinstance(v, str)
                                                     and v == SUPPRESSED)).astype(bool)

    @property
    def n_suppressed(self) -> int:
        """Number of suppressed cells."""
        return int(self.mask.to_numpy().sum())


# ---- public API --------------------------------------------------------------------------------


def suppress(df: pd.DataFrame, count_columns: Sequence[str], *,
             threshold: int = DEFAULT_THRESHOLD, group_by: Sequence[str] | str | None = None,
             total_rows: RowSelector = None, total_column: str | None = None,
             rates: Mapping[str, tuple[str, str]] | None = None,
             status_column: str | None = "status", row_relations: bool = True) -> pd.DataFrame:
    """Suppress small counts and everything that would reveal them; return a display frame.

    Args:
        df: the table, one row per published line.
        count_columns: columns holding counts of persons (numbers; ``":"`` or NaN with status
            ``:`` means SSB suppressed the cell).
        threshold: counts ``1 .. threshold-1`` are suppressed (the programme's
            ``disclosure_threshold``).
        group_by: columns whose value combinations form groups of rows that add up (a total per
            group is assumed published unless ``total_rows`` marks it).
        total_rows: the rows that are totals of the other rows of their group: a boolean Series
            aligned with ``df``, a list of index labels, or a function of ``df`` giving the mask.
            At most one total row per group.
        total_column: the count column that is the sum of the other count columns, if any.
        rates: rate column -> (numerator column, denominator column); a rate is suppressed
            wherever its numerator or denominator is.
        status_column: SSB's status column (used with a single count column).
        row_relations: whether the count columns of a row add up to a published total (the
            conservative default); False for columns that are not parts of a whole (e.g. years).

    Returns:
        A copy of ``df`` whose count and rate columns are ``object`` columns holding the numbers,
        with ``":"`` in suppressed cells. ``result.disclosure.mask`` gives the boolean mask.

    Raises:
        ValueError: naming the column or group when the input cannot be interpreted.
    """
    mask = suppression_mask(df, count_columns, threshold=threshold, group_by=group_by,
                            total_rows=total_rows, total_column=total_column,
                            status_column=status_column, row_relations=row_relations)
    rate_mask = _rate_mask(df, mask, rates or {})
    out = df.copy()
    for col in list(count_columns) + list(rate_mask.columns):
        hidden = mask[col] if col in mask.columns else rate_mask[col]
        shown = out[col].astype(object)
        out[col] = shown.where(~hidden.to_numpy(), SUPPRESSED)
    if status_column in out.columns and len(count_columns) == 1:
        status = out[status_column].astype(object)
        out[status_column] = status.where(~mask[count_columns[0]].to_numpy(), SUPPRESSED)
    return out


def suppression_mask(df: pd.DataFrame, count_columns: Sequence[str], *,
                     threshold: int = DEFAULT_THRESHOLD,
                     group_by: Sequence[str] | str | None = None,
                     total_rows: RowSelector = None, total_column: str | None = None,
                     status_column: str | None = "status",
                     row_relations: bool = True) -> pd.DataFrame:
    """The boolean frame (``df.index`` × ``count_columns``) of cells :func:`suppress` hides.

    Arguments as in :func:`suppress`.
    """
    count_columns = list(count_columns)
    _check_columns(df, count_columns, group_by, total_column)
    values, ssb_hidden = _numeric(df, count_columns, status_column)
    primary = ((values > 0) & (values < threshold)) | ssb_hidden
    relations = _relations(df, count_columns, group_by, _row_mask(df, total_rows),
                           total_column, row_relations)
    flat_values = values.to_numpy(dtype=float).ravel()
    hidden = primary.to_numpy().ravel().copy()
    for _ in range(hidden.size + 1):
        changed = _secondary(hidden, flat_values, relations)
        determined = derivable(hidden, relations)
        for cell in determined:
            changed |= _protect(cell, hidden, flat_values, relations)
        if not changed:
            break
    return pd.DataFrame(hidden.reshape(values.shape), index=df.index, columns=count_columns)


def suppress_series(series: pd.Series, *, threshold: int = DEFAULT_THRESHOLD,
                    has_total: bool = True) -> pd.Series:
    """Suppress one series of counts for display (a figure annotation, a single column).

    Args:
        series: counts (``":"`` or NaN allowed).
        threshold: as in :func:`suppress`.
        has_total: whether the series' sum is published (then a lone suppressed value gets a
            partner).

    Returns:
        An ``object`` series with ``":"`` in suppressed places.
    """
    frame = pd.DataFrame({"count": series.to_numpy(dtype=object)}, index=series.index)
    if has_total:
        out = suppress(frame, ["count"], threshold=threshold, status_column=None)
    else:  # every value its own group: no relation, primary suppression only
        out = suppress(frame.assign(_row=np.arange(len(frame))), ["count"],
                       threshold=threshold, group_by="_row", status_column=None)
    return out["count"].rename(series.name)


def display_value(value: Any, threshold: int = DEFAULT_THRESHOLD) -> Any:
    """A single count for running text: ``":"`` when ``0 < value < threshold``."""
    if isinstance(value, str):
        return value
    if value is not None and not pd.isna(value) and 0 < float(value) < threshold:
        return SUPPRESSED
    return value


def audit(df: pd.DataFrame, count_columns: Sequence[str] | None = None, *,
          threshold: int = DEFAULT_THRESHOLD, group_by: Sequence[str] | str | None = None,
          total_rows: RowSelector = None, total_column: str | None = None,
          row_relations: bool = True) -> list[str]:
    """Problems that would make a displayed table unsafe to publish (empty list = safe).

    Checks (1) that no published cell of a count column holds a count in ``1..threshold-1``
    and (2), when the table's relations are described (as for :func:`suppress`), that no
    ``":"`` cell can be recomputed from the published cells.

    Args:
        df: a display frame (numbers and ``":"``).
        count_columns: the count columns; default every column whose published values are all
            whole numbers, except keys such as ``year`` and ``age`` (:data:`KEY_COLUMNS`).
        threshold, group_by, total_rows, total_column, row_relations: as in :func:`suppress`.

    Returns:
        One message per problem, naming row label, column and value.
    """
    columns = list(count_columns) if count_columns is not None else _count_like_columns(df)
    problems = []
    for col in columns:
        for label, value in df[col].items():
            if isinstance(value, str):
                if value.strip() == SUPPRESSED:
                    continue
                try:
                    value = float(value.replace("\u00a0", "").replace(" ", "").replace(",", "."))
                except ValueError:
                    continue
            if value is not None and not pd.isna(value) and 0 < float(value) < threshold:
                problems.append(f"row {label!r}, column {col!r}: published count {value} is "
                                f"below the disclosure threshold {threshold}")
    if not columns:
        return problems
    hidden_frame = df[columns].apply(lambda c: c.map(lambda v: isinstance(v, str)
                                                     and v.strip() == SUPPRESSED))
    hidden = hidden_frame.to_numpy(dtype=bool).ravel()
    if hidden.any():
        relations = _relations(df, columns, group_by, _row_mask(df, total_rows), total_column,
                               row_relations)
        for cell in derivable(hidden, relations):
            row, col = divmod(cell, len(columns))
            problems.append(f"row {df.index[row]!r}, column {columns[col]!r}: the suppressed "
                            "value can be recomputed from the published totals")
    return problems


def derivable(hidden: np.ndarray, relations: Sequence[_Relation]) -> list[int]:
    """Flat indices of hidden cells that the relations determine uniquely.

    A hidden cell is determined iff its unit vector lies in the row space of the relation
    matrix restricted to the hidden cells (published cells move to the known side).
    """
    hidden_idx = np.flatnonzero(hidden)
    if hidden_idx.size == 0:
        return []
    position = {int(c): i for i, c in enumerate(hidden_idx)}
    rows = []
    for rel in relations:
        row = {position[c]: k for c, k in zip(rel.cells, rel.coefs, strict=True) if c in position}
        if row:
            rows.append(row)
    if not rows:
        return []
    found: list[int] = []
    for component in _components(rows, hidden_idx.size):
        local = {v: i for i, v in enumerate(component)}
        sub = [r for r in rows if next(iter(r)) in local]
        matrix = np.zeros((len(sub), len(component)))
        for i, r in enumerate(sub):
            for var, coef in r.items():
                matrix[i, local[var]] = coef
        _, s, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((s > 1e-9 * max(s.max(), 1.0)).sum())
        leverage = (vt[:rank] ** 2).sum(axis=0)
        found.extend(int(hidden_idx[component[i]]) for i in np.flatnonzero(leverage > 1 - 1e-8))
    return sorted(found)


# ---- internals ---------------------------------------------------------------------------------


def _check_columns(df: pd.DataFrame, count_columns: Sequence[str],
                   group_by: Sequence[str] | str | None, total_column: str | None) -> None:
    wanted = list(count_columns) + _as_list(group_by)
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise ValueError(f"disclosure: columns {missing} are not in the table; it has "
                         f"{list(df.columns)}")
    if total_column is not None and total_column not in count_columns:
        raise ValueError(f"disclosure: total_column {total_column!r} must be one of the count "
                         f"columns {list(count_columns)}")


def _as_list(value: Sequence[str] | str | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _numeric(df: pd.DataFrame, count_columns: Sequence[str],
             status_column: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts as floats, and where SSB (or an earlier pass) already shows ``":"``."""
    raw = df[list(count_columns)]
    ssb_hidden = raw.apply(lambda c: c.map(lambda v: isinstance(v, str)
                                           and v.strip() == SUPPRESSED)).astype(bool)
    values = raw.apply(lambda c: pd.to_numeric(c.mask(ssb_hidden[c.name]), errors="coerce"))
    if status_column and status_column in df.columns and len(count_columns) == 1:
        flagged = df[status_column].astype("string").fillna("").str.strip().eq(SUPPRESSED)
        ssb_hidden[count_columns[0]] |= flagged.to_numpy()
    bad = raw.apply(lambda c: c.map(lambda v: isinstance(v, str))) & ~ssb_hidden
    bad &= values.isna()
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        row = bad[col].idxmax()
        raise ValueError(f"disclosure: column {col!r} row {row!r} holds {raw.at[row, col]!r}, "
                         "which is neither a count nor ':'")
    return values.astype(float), ssb_hidden


def _row_mask(df: pd.DataFrame, total_rows: RowSelector) -> np.ndarray:
    if total_rows is None:
        return np.zeros(len(df), dtype=bool)
    if callable(total_rows):
        total_rows = total_rows(df)
    if isinstance(total_rows, pd.Series) and pd.api.types.is_bool_dtype(total_rows):
        return total_rows.reindex(df.index).fillna(False).to_numpy(dtype=bool)
    return df.index.isin(list(total_rows))


def _relations(df: pd.DataFrame, count_columns: Sequence[str],
               group_by: Sequence[str] | str | None, is_total: np.ndarray,
               total_column: str | None, row_relations: bool) -> list[_Relation]:
    n_cols = len(count_columns)
    relations: list[_Relation] = []
    keys = _as_list(group_by)
    positions = np.arange(len(df))
    if keys:
        groups = df.reset_index(drop=True).groupby(keys, sort=False, dropna=False).indices
        blocks = [np.asarray(v) for v in groups.values()]
    else:
        blocks = [positions]
    for block in blocks:
        totals = block[is_total[block]]
        if len(totals) > 1:
            labels = [df.index[i] for i in totals]
            raise ValueError(f"disclosure: group has several total rows {labels}; give "
                             "group_by so that each group has at most one")
        members = block[~is_total[block]]
        for c in range(n_cols):
            cells = [int(r) * n_cols + c for r in members]
            coefs = [1.0] * len(cells)
            if len(totals):
                cells.append(int(totals[0]) * n_cols + c)
                coefs.append(-1.0)
            if len(cells) >= 2:
                relations.append(_Relation(tuple(cells), tuple(coefs)))
    if row_relations and n_cols >= 2:
        total_pos = list(count_columns).index(total_column) if total_column else None
        for r in positions:
            cells = tuple(int(r) * n_cols + c for c in range(n_cols))
            coefs = tuple(-1.0 if c == total_pos else 1.0 for c in range(n_cols))
            relations.append(_Relation(cells, coefs))
    return relations


def _secondary(hidden: np.ndarray, values: np.ndarray, relations: Sequence[_Relation]) -> bool:
    """Give every relation with a single suppressed cell a second one; True if any changed."""
    by_cell = _by_cell(relations)
    changed_any = False
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(hidden[c] for c in rel.cells) == 1:
                partner = _partner(rel, hidden, values, by_cell)
                if partner is not None:
                    hidden[partner] = True
                    changed = changed_any = True
    return changed_any


def _by_cell(relations: Sequence[_Relation]) -> dict[int, list[_Relation]]:
    index: dict[int, list[_Relation]] = {}
    for rel in relations:
        for cell in rel.cells:
            index.setdefault(cell, []).append(rel)
    return index


def _partner(rel: _Relation, hidden: np.ndarray, values: np.ndarray,
             by_cell: Mapping[int, Sequence[_Relation]]) -> int | None:
    """The published cell of ``rel`` to suppress next.

    Preference: a cell that also completes another relation holding a single suppressed cell
    (fewer suppressions overall), then the smallest positive count, then a zero (a partner of
    zero would reveal the primary's value through the total).
    """
    published = [c for c in rel.cells if not hidden[c]]
    if not published:
        return None

    def rank(cell: int) -> tuple[int, int, float, int]:
        lonely = sum(1 for other in by_cell.get(cell, ()) if other is not rel
                     and sum(hidden[c] for c in other.cells) == 1)
        value = values[cell]
        kind = 0 if value > 0 else (1 if value == 0 else 2)  # positive, zero, missing
        return (kind, -lonely, float(np.nan_to_num(value, nan=np.inf)), cell)

    return min(published, key=rank)


def _protect(cell: int, hidden: np.ndarray, values: np.ndarray,
             relations: Sequence[_Relation]) -> bool:
    """Suppress one more cell in a relation of a recomputable ``cell``."""
    by_cell = _by_cell(relations)
    touching = sorted(by_cell.get(cell, ()), key=lambda r: sum(hidden[c] for c in r.cells))
    for rel in touching:
        partner = _partner(rel, hidden, values, by_cell)
        if partner is not None:
            hidden[partner] = True
            return True
    return False


def _components(rows: Sequence[Mapping[int, float]], n: int) -> list[list[int]]:
    """Connected components of hidden cells linked by sharing a relation (union-find)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        first, *rest = row
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = {}
    for v in {v for row in rows for v in row}:
        groups.setdefault(find(v), []).append(v)
    return [sorted(g) for g in groups.values()]


def _rate_mask(df: pd.DataFrame, mask: pd.DataFrame,
               rates: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    out = {}
    for rate, parts in rates.items():
        if rate not in df.columns:
            raise ValueError(f"disclosure: rate column {rate!r} is not in the table")
        hidden = np.zeros(len(df), dtype=bool)
        for part in parts:
            if part not in mask.columns:
                raise ValueError(f"disclosure: rate {rate!r} uses {part!r}, which is not one of "
                                 f"the count columns {list(mask.columns)}")
            hidden |= mask[part].to_numpy()
        out[rate] = hidden
    return pd.DataFrame(out, index=df.index)


def _count_like_columns(df: pd.DataFrame) -> list[str]:
    columns = []
    for col in df.columns:
        if str(col) in KEY_COLUMNS:
            continue
        published = [v for v in df[col] if not (isinstance(v, str) and v.strip() == SUPPRESSED)]
        # Only real numbers: codes such as "03" are strings and never counts.
        if not published or not all(isinstance(v, numbers.Number) and not isinstance(v, bool)
                                    for v in published):
            continue
        values = np.asarray(published, dtype=float)
        finite = values[~np.isnan(values)]
        if (finite % 1 == 0).all():
            columns.append(col)
    return columns
