"""The JSON-stat parser and tidy tables, on hand-built documents and the real SSB response."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import datasets
from pipeline.datasets import DataError, parse_jsonstat, read_jsonstat, strip_region_prefix, tidy
from pipeline.sources.tables import table


def small_doc() -> dict:
    """2 regions × 2 years, the last dimension (Tid) fastest; one null with status ':'."""
    return {
        "version": "2.0", "class": "dataset", "label": "07459: Befolkning", "updated": "2024-02-21",
        "id": ["Region", "ContentsCode", "Tid"], "size": [2, 1, 2],
        "dimension": {
            "Region": {"category": {"index": {"K-3303": 0, "F-33": 1},
                                    "label": {"K-3303": "Kongsberg", "F-33": "Buskerud"}}},
            "ContentsCode": {"category": {"index": {"Personer1": 0},
                                          "label": {"Personer1": "Personer"}}},
            "Tid": {"category": {"index": ["2023", "2024"]}},
        },
        "value": [27000, None, 270000, 275000],
        "status": {"1": ":"},
        "extension": {"px": {"tableid": "07459"}},
    }


def test_parse_orders_values_row_major_with_last_dimension_fastest():
    parsed = parse_jsonstat(small_doc())
    expected = pd.DataFrame({
        "Region": ["K-3303", "K-3303", "F-33", "F-33"],
        "ContentsCode": ["Personer1"] * 4,
        "Tid": ["2023", "2024", "2023", "2024"],
        "value": [27000.0, np.nan, 270000.0, 275000.0],
        "status": pd.array([None, ":", None, None], dtype="string"),
    })
    assert all(isinstance(parsed.frame[c].dtype, pd.CategoricalDtype)
               for c in ("Region", "ContentsCode", "Tid", "status"))
    plain = parsed.frame.astype({c: "string" for c in ("Region", "ContentsCode", "Tid",
                                                        "status")})
    pd.testing.assert_frame_equal(plain, expected, check_dtype=False)
    assert parsed.table_id == "07459"
    assert parsed.updated == "2024-02-21"


def test_sparse_value_object_and_single_status_string_expand():
    doc = small_doc()
    doc["value"] = {"0": 1, "3": 4}
    doc["status"] = ".."
    frame = parse_jsonstat(doc).frame
    assert frame["value"].isna().tolist() == [False, True, True, False]
    assert set(frame["status"]) == {".."}


def test_size_mismatch_is_reported_as_corrupt():
    doc = small_doc()
    doc["value"] = doc["value"][:3]
    with pytest.raises(DataError, match="truncated or corrupt"):
        parse_jsonstat(doc, origin="x.json")


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "07459.json"
    path.write_text(json.dumps(small_doc())[:-20], encoding="utf-8")
    with pytest.raises(DataError, match=str(path)):
        read_jsonstat(path)


def test_region_prefixes_are_stripped():
    codes = pd.Series(["K-3303", "F-33", "0", "3303", "Hele landet"])
    assert strip_region_prefix(codes).tolist() == ["3303", "33", "0", "3303", "0"]


def test_tidy_renames_and_types():
    spec = table("population_change")
    frame = parse_jsonstat(small_doc()).frame
    out = tidy(frame, spec)
    assert list(out.columns) == ["region", "measure", "year", "value", "status"]
    assert out["year"].dtype.kind == "i"
    assert out["region"].tolist() == ["33", "33", "3303", "3303"]


def test_validate_names_column_and_value():
    spec = table("population_change")
    out = tidy(parse_jsonstat(small_doc()).frame, spec)
    out.loc[0, "region"] = "33x"
    with pytest.raises(DataError, match=r"column 'region' has region code '33x'"):
        datasets.validate(out, spec, "demo.json")
    dup = pd.concat([out.iloc[[1]], out.iloc[[1]]])
    with pytest.raises(DataError, match="duplicate key"):
        datasets.validate(dup, spec, "demo.json")


def test_real_ssb_response_spot_values(sample_07459):
    """The recorded 07459 response (2022, 359 regions) parses to SSB's published figures."""
    parsed = read_jsonstat(sample_07459)
    frame = parsed.frame.assign(Region=lambda d: strip_region_prefix(d["Region"]))
    values = frame.set_index("Region")["value"]
    assert parsed.table_id == "07459"
    assert parsed.updated == "2022-02-24T07:00:00Z"
    assert len(frame) == 359
    assert values["3006"] == 27879  # Kongsberg
    assert values["4204"] == 113737  # Kristiansand
    assert values["5044"] == 818  # Namsskogan
    assert values["0301"] == 699827  # Oslo
    assert frame["value"].sum() == 5425270


# --------------------------------------------------------------------------------------------
# The vectorised parser against the per-cell reference it replaced, and the filtered load


def _reference_frame(doc: dict, spec) -> pd.DataFrame:
    """The string-per-cell parse + tidy of before the vectorised parser (kept as the oracle)."""
    ids, sizes = list(doc["id"]), [int(s) for s in doc["size"]]
    n = int(np.prod(sizes))
    columns, repeat = {}, n
    for dim_id, size in zip(ids, sizes, strict=True):
        index = doc["dimension"][dim_id]["category"]["index"]
        codes = np.asarray(list(index) if isinstance(index, list)
                           else sorted(index, key=index.get))
        repeat //= size
        columns[dim_id] = np.tile(np.repeat(codes, repeat), n // (size * repeat))
    values = doc["value"]
    if isinstance(values, dict):
        values = [values.get(str(i)) for i in range(n)]
    columns["value"] = np.array([np.nan if v is None else v for v in values], dtype=float)
    status = doc.get("status") or {}
    status = [status] * n if isinstance(status, str) else [status.get(str(i)) for i in range(n)]
    columns["status"] = pd.array(status, dtype="string")
    out = pd.DataFrame(columns)
    out = out.drop(columns=[c for c in ids if c not in spec.dimensions])
    for dim, spelled in spec.spellings.items():
        if dim in out.columns:
            out[dim] = out[dim].astype(str).replace(
                {s: code for code, alts in spelled.items() for s in alts})
    out = out.rename(columns=spec.dimensions)
    for dim in spec.region_dimensions:
        out[spec.dimensions[dim]] = strip_region_prefix(out[spec.dimensions[dim]])
    out["year"] = out[spec.time_column].astype(str).str.slice(0, 4).astype(int)
    if spec.time_column != "year":
        out = out.drop(columns=spec.time_column)
    if "age" in out.columns:
        out["age"] = out["age"].astype(str).str.rstrip("+").astype(int)
    keys = [c for c in out.columns if c not in ("value", "status")]
    return out[keys + ["value", "status"]].sort_values(keys, kind="stable").reset_index(drop=True)


def _as_reference(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: reference[c].dtype for c in reference.columns})


@pytest.mark.parametrize("dataset", ["neet", "completion", "population_change"])
def test_load_equals_the_per_cell_reference_parse(in_demo_project, dataset):
    """Same columns, order and values as the string-per-cell parser gave (dtypes aside)."""
    spec = table(dataset)
    path = in_demo_project / "data" / "raw" / "demo" / f"{spec.table_id}.json"
    reference = _reference_frame(json.loads(path.read_text(encoding="utf-8")), spec)
    loaded = datasets.load(dataset, "demo")
    assert list(loaded.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(_as_reference(loaded, reference), reference,
                                  check_exact=True)
    # The public tidy() keeps the old dtypes as well (string code columns).
    pd.testing.assert_frame_equal(tidy(read_jsonstat(path).frame, spec), reference,
                                  check_exact=True)


def test_code_columns_are_categorical_with_sorted_categories(in_demo_project):
    df = datasets.load("population", "demo")
    for col in ("region", "sex", "measure", "status"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
        assert list(df[col].cat.categories) == sorted(df[col].dropna().unique())
    assert df["year"].dtype == np.int64 and df["age"].dtype == np.int64


def test_filtered_load_equals_the_full_frame_rows(in_demo_project):
    full = datasets.load("population", "demo")
    codes = ["3301", "3303", "0"]
    got = datasets.load("population", "demo", regions=codes)
    expected = full[full["region"].isin(codes)].reset_index(drop=True)
    expected["region"] = expected["region"].cat.remove_unused_categories()
    pd.testing.assert_frame_equal(got, expected)
    assert set(got["region"]) == set(codes)


def test_filtered_load_of_flows_keeps_either_end(in_demo_project):
    full = datasets.load("migration_flows", "demo")
    got = datasets.load("migration_flows", "demo", regions="3301")
    mask = full["origin"].eq("3301") | full["destination"].eq("3301")
    assert len(got) == int(mask.sum()) > 0
    assert (got["origin"].eq("3301") | got["destination"].eq("3301")).all()


def test_a_loaded_frame_can_be_modified_without_touching_the_cache(in_demo_project):
    first = datasets.load("neet", "demo")
    first["value"] = -1.0
    first.loc[0, "year"] = 1
    again = datasets.load("neet", "demo")
    assert (again["value"] != -1.0).any() and again.loc[0, "year"] != 1


def test_multi_part_tables_concatenate_and_drop_empty_duplicates():
    """Parts of a split SSB query (different categories) concatenate; a published value wins."""
    spec = table("population_change")
    first, second = small_doc(), small_doc()
    second["dimension"]["Region"]["category"]["index"] = {"K-3303": 0, "K-3301": 1}
    second["value"], second["status"] = [5, 6, 7, 8], {}
    frames = [tidy(parse_jsonstat(d).frame, spec) for d in (first, second)]
    out = datasets._categorical(datasets._drop_duplicate_keys(
        pd.concat(frames, ignore_index=True), datasets.key_columns(spec)))
    assert out["region"].tolist() == ["33", "33", "3301", "3301", "3303", "3303"]
    # 3303 2023 is published in both parts: the first is kept; 3303 2024 is empty in the
    # first part, so the second part's published value wins.
    assert out["value"].tolist() == [270000.0, 275000.0, 7.0, 8.0, 27000.0, 6.0]
    assert isinstance(out["region"].dtype, pd.CategoricalDtype)
