"""Disclosure control: no published count below the threshold, nothing recomputable.

Recomputability is checked here by a second, independent computation: the published table's
equations are written out from scratch and a suppressed cell counts as recomputable when adding
its unit vector to the equations (restricted to the suppressed cells) does not raise the rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import disclosure

THRESHOLD = 5


# ---- an independent checker ---------------------------------------------------------------


def recomputable_cells(hidden: np.ndarray, equations: list[list[tuple[int, int, float]]]
                       ) -> list[tuple[int, int]]:
    """Hidden cells fixed by the equations (each a list of (row, col, coef), sum = known)."""
    cells = [tuple(c) for c in np.argwhere(hidden)]
    if not cells:
        return []
    pos = {c: i for i, c in enumerate(cells)}
    rows = []
    for eq in equations:
        row = np.zeros(len(cells))
        for r, c, coef in eq:
            if (r, c) in pos:
                row[pos[(r, c)]] += coef
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    fixed = []
    for cell, i in pos.items():
        unit = np.zeros(len(cells))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            fixed.append(cell)
    return fixed


def grid_equations(n_rows: int, n_cols: int) -> list[list[tuple[int, int, float]]]:
    """A table whose last row and last column are totals."""
    eqs = []
    for c in range(n_cols):
        eqs.append([(r, c, 1.0) for r in range(n_rows - 1)] + [(n_rows - 1, c, -1.0)])
    for r in range(n_rows):
        eqs.append([(r, c, 1.0) for c in range(n_cols - 1)] + [(r, n_cols - 1, -1.0)])
    return eqs


def with_totals(body: np.ndarray) -> pd.DataFrame:
    full = np.vstack([body, body.sum(axis=0)])
    full = np.hstack([full, full.sum(axis=1, keepdims=True)])
    columns = [f"c{i}" for i in range(body.shape[1])] + ["total"]
    index = [f"r{i}" for i in range(body.shape[0])] + ["Total"]
    return pd.DataFrame(full, index=index, columns=columns)


def published_small_counts(display: pd.DataFrame, columns: list[str]) -> list:
    values = display[columns].to_numpy(dtype=object).ravel()
    return [v for v in values if not isinstance(v, str) and 0 < v < THRESHOLD]


def hidden_of(display: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return display[columns].apply(lambda c: c.map(lambda v: v == ":")).to_numpy(dtype=bool)


# ---- hand-built tables ----------------------------------------------------------------------


TEMPTING = pd.DataFrame(
    {"A": [3, 20, 15, 38], "B": [10, 30, 15, 55], "C": [12, 1, 15, 28], "total": [25, 51, 45, 121]},
    index=["r1", "r2", "r3", "Total"],
)
COLUMNS = ["A", "B", "C", "total"]


def test_tempting_table_naive_suppression_is_recomputable_ours_is_not():
    naive = TEMPTING.astype(object).mask((TEMPTING > 0) & (TEMPTING < THRESHOLD), ":")
    eqs = grid_equations(4, 4)
    # r1/A = 25 - 10 - 12 and r2/C = 51 - 20 - 30: both come straight back.
    assert recomputable_cells(hidden_of(naive, COLUMNS), eqs) == [(0, 0), (1, 2)]
    assert len(disclosure.audit(naive, COLUMNS, total_rows=["Total"], total_column="total")) == 2

    shown = disclosure.suppress(TEMPTING, COLUMNS, total_rows=["Total"], total_column="total")
    hidden = hidden_of(shown, COLUMNS)
    assert hidden[0, 0] and hidden[1, 2]
    assert recomputable_cells(hidden, eqs) == []
    assert published_small_counts(shown, COLUMNS) == []
    assert disclosure.audit(shown, COLUMNS, total_rows=["Total"], total_column="total") == []
    # The margins stay published and untouched; a rectangle of four cells is enough here.
    assert shown.loc["Total"].tolist() == [38, 55, 28, 121]
    assert shown["total"].tolist() == [25, 51, 45, 121]
    assert hidden.sum() == 4
    pd.testing.assert_frame_equal(shown.disclosure.mask, pd.DataFrame(
        hidden, index=TEMPTING.index, columns=COLUMNS).reindex(columns=shown.columns,
                                                               fill_value=False))


def test_two_protected_blocks_joined_by_one_cell_are_found_and_fixed():
    # Rows r0,r1 x cols c0,c1 and rows r2,r3 x cols c2,c3 are suppressed rectangles; r0/c2
    # joins them. Every row and column has two suppressed cells, yet r0/c2 is recomputable.
    body = np.full((4, 4), 40)
    hidden_body = np.zeros((4, 4), dtype=bool)
    hidden_body[np.ix_([0, 1], [0, 1])] = True
    hidden_body[np.ix_([2, 3], [2, 3])] = True
    hidden_body[0, 2] = True
    table = with_totals(body).astype(object)
    cols = list(table.columns)
    pattern = np.zeros(table.shape, dtype=bool)
    pattern[:4, :4] = hidden_body
    ssb = table.mask(pattern, ":")
    eqs = grid_equations(5, 5)
    assert recomputable_cells(pattern, eqs) == [(0, 2)]
    problems = disclosure.audit(ssb, cols, total_rows=["Total"], total_column="total")
    assert len(problems) == 1 and "'r0', column 'c2'" in problems[0]

    shown = disclosure.suppress(ssb, cols, total_rows=["Total"], total_column="total")
    hidden = hidden_of(shown, cols)
    assert (hidden | ~pattern).all()  # everything SSB suppressed stays suppressed
    assert hidden.sum() > pattern.sum()
    assert recomputable_cells(hidden, eqs) == []


def test_ssb_suppressed_cells_are_never_shown_as_zero_and_get_a_partner():
    df = pd.DataFrame({"region": ["3303", "3301", "3312", "3320"],
                       "value": [np.nan, 0.0, 140.0, 75.0],
                       "status": pd.array([":", None, None, None], dtype="string")})
    shown = disclosure.suppress(df, ["value"])
    assert shown["value"].tolist() == [":", 0.0, 140.0, ":"]
    assert shown["status"].tolist()[0] == ":" and shown["status"].tolist()[3] == ":"
    # The partner is the smallest positive count, not the zero (0 + x would give x away).


def test_zero_is_publishable_and_large_counts_untouched():
    df = pd.DataFrame({"value": [0, 0, 12, 7, 5]})
    shown = disclosure.suppress(df, ["value"])
    assert shown["value"].tolist() == [0, 0, 12, 7, 5]
    assert shown.disclosure.n_suppressed == 0


def test_threshold_is_configurable():
    df = pd.DataFrame({"value": [7, 12, 30, 40]})
    assert disclosure.suppress(df, ["value"], threshold=10)["value"].tolist() == [":", ":", 30, 40]
    assert disclosure.suppress(df, ["value"])["value"].tolist() == [7, 12, 30, 40]


def test_rates_follow_their_numerator_and_denominator():
    df = pd.DataFrame({"region": ["a", "b", "c", "d"], "neet": [3, 40, 55, 60],
                       "population": [300, 800, 900, 2],
                       "share": [1.0, 5.0, 6.1, 3000.0]})
    shown = disclosure.suppress(df, ["neet", "population"], row_relations=False,
                                rates={"share": ("neet", "population")})
    hidden = shown.disclosure.mask
    assert hidden["share"].tolist() == (hidden["neet"] | hidden["population"]).tolist()
    assert hidden.loc[0, "share"] and hidden.loc[3, "share"]
    assert disclosure.audit(shown, ["neet", "population"], row_relations=False) == []


def test_groups_are_protected_separately():
    df = pd.DataFrame({"county": ["33"] * 3 + ["42"] * 3, "region": list("abcdef"),
                       "value": [2, 50, 60, 70, 80, 90]})
    shown = disclosure.suppress(df, ["value"], group_by="county")
    assert shown["value"].tolist() == [":", ":", 60, 70, 80, 90]


def test_series_helper_and_display_value():
    s = pd.Series([3, 10, 0, 20], name="moves")
    assert disclosure.suppress_series(s).tolist() == [":", ":", 0, 20]
    assert disclosure.suppress_series(s, has_total=False).tolist() == [":", 10, 0, 20]
    assert disclosure.suppress_series(s).name == "moves"
    assert [disclosure.display_value(v) for v in (0, 1, 4, 5, np.nan, ":")][:4] == [0, ":", ":", 5]


def test_audit_default_columns_skip_keys_and_codes():
    df = pd.DataFrame({"region": ["03", "04"], "year": [2020, 2021], "age": [1, 2],
                       "value": [3, 40], "share": [1.5, 2.5]})
    problems = disclosure.audit(df)
    assert len(problems) == 1 and "'value'" in problems[0] and "3" in problems[0]


def test_audit_reads_formatted_numbers():
    df = pd.DataFrame({"value": ["3", "1\u00a0204", ":", ":"]})
    problems = disclosure.audit(df, ["value"])
    assert len(problems) == 1 and "published count 3" in problems[0]
    lone = disclosure.audit(df.iloc[1:3], ["value"])  # one ':' and a published total
    assert len(lone) == 1 and "recomputed" in lone[0]


def test_clear_errors():
    df = pd.DataFrame({"value": [1, 2], "g": [1, 1]})
    with pytest.raises(ValueError, match="'count'"):
        disclosure.suppress(df, ["count"])
    with pytest.raises(ValueError, match="several total rows"):
        disclosure.suppress(df, ["value"], total_rows=[0, 1], group_by="g")
    with pytest.raises(ValueError, match="neither a count"):
        disclosure.suppress(pd.DataFrame({"value": ["x", 3]}), ["value"])


# ---- properties -----------------------------------------------------------------------------

COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 80))


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 6).flatmap(lambda r: st.integers(2, 5).flatmap(
    lambda c: st.lists(st.lists(COUNTS, min_size=c, max_size=c), min_size=r, max_size=r))))
def test_no_suppressed_value_is_recomputable_in_a_table_with_totals(rows):
    body = np.array(rows)
    table = with_totals(body)
    cols = list(table.columns)
    shown = disclosure.suppress(table, cols, total_rows=["Total"], total_column="total")
    hidden = hidden_of(shown, cols)
    original = table.to_numpy()
    # 1. every primary cell is hidden; nothing published below the threshold
    assert hidden[(original > 0) & (original < THRESHOLD)].all()
    assert published_small_counts(shown, cols) == []
    # 2. published values are the true values
    published = shown[cols].to_numpy(dtype=object)[~hidden]
    assert (published.astype(float) == original[~hidden]).all()
    # 3. no suppressed cell alone in its row or column (when the line has one at all)
    for r, c in np.argwhere(hidden):
        assert hidden[r].sum() >= 2 and hidden[:, c].sum() >= 2
    # 4. solving the table's equations recovers no suppressed cell
    assert recomputable_cells(hidden, grid_equations(*table.shape)) == []
    assert disclosure.audit(shown, cols, total_rows=["Total"], total_column="total") == []


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.lists(COUNTS, min_size=1, max_size=6), min_size=1, max_size=5))
def test_no_suppressed_value_is_recomputable_in_groups_with_total_rows(groups):
    frames = []
    for g, values in enumerate(groups):
        frames.append(pd.DataFrame({"county": g, "region": [f"{g}-{i}" for i in
                                                            range(len(values))],
                                    "value": values, "is_total": False}))
        frames.append(pd.DataFrame({"county": [g], "region": [f"{g}-total"],
                                    "value": [sum(values)], "is_total": [True]}))
    df = pd.concat(frames, ignore_index=True)
    shown = disclosure.suppress(df, ["value"], group_by="county", total_rows=df["is_total"])
    hidden = hidden_of(shown, ["value"])
    assert published_small_counts(shown, ["value"]) == []
    eqs = []
    for g in range(len(groups)):
        members = df.index[(df["county"] == g) & ~df["is_total"]]
        total = df.index[(df["county"] == g) & df["is_total"]][0]
        eqs.append([(int(r), 0, 1.0) for r in members] + [(int(total), 0, -1.0)])
    assert recomputable_cells(hidden, eqs) == []


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.lists(COUNTS, min_size=3, max_size=3), min_size=2, max_size=8))
def test_wide_table_without_published_totals_assumes_them(rows):
    df = pd.DataFrame(rows, columns=["men", "women", "other"])
    shown = disclosure.suppress(df, list(df.columns))
    hidden = hidden_of(shown, list(df.columns))
    n_rows, n_cols = hidden.shape
    eqs = [[(r, c, 1.0) for r in range(n_rows)] for c in range(n_cols)]
    eqs += [[(r, c, 1.0) for c in range(n_cols)] for r in range(n_rows)]
    assert recomputable_cells(hidden, eqs) == []
    assert published_small_counts(shown, list(df.columns)) == []
