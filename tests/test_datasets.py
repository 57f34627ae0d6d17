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
    pd.testing.assert_frame_equal(parsed.frame, expected, check_dtype=False)
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
