"""Tests for pipeline.geography: the 2024 structure, the change table and harmonisation."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline import datasets
from pipeline import geography as geo
from pipeline.sources import klass
from pipeline.sources.tables import TABLES, Codelist

SHARED = Path(os.environ.get("INNSIKT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SAMPLE_2022 = SHARED / "ssb-samples/elastic-data-tool/download-07459_20220914-092711.json"
TELEMARK = SHARED / "ssb-samples/telemark"


def _codes_2022() -> list[str]:
    if not SAMPLE_2022.exists():
        pytest.skip(f"real SSB sample {SAMPLE_2022} absent (../shared not checked out)")
    doc = json.loads(SAMPLE_2022.read_text(encoding="utf-8"))
    codes = [c.removeprefix("K-") for c in doc["dimension"]["Region"]["category"]["index"]]
    return [c for c in codes if c.isdigit() and len(c) == 4]


# ------------------------------------------------------------------------------- structure


def test_2024_structure_has_357_municipalities_and_15_counties():
    names = geo.municipality_names()
    counties = geo.county_names()
    assert len(names) == 357
    assert len(counties) == 15
    assert all(isinstance(c, str) and len(c) == 4 and c.isdigit() for c in names)
    assert all(isinstance(c, str) and len(c) == 2 and c.isdigit() for c in counties)
    assert {c[:2] for c in names} == set(counties)
    assert sorted(counties) == ["03", "11", "15", "18", "31", "32", "33", "34", "39", "40",
                                "42", "46", "50", "55", "56"]


def test_programme_anchors_and_county_membership():
    names = geo.municipality_names()
    assert names["3303"] == "Kongsberg"
    assert names["4204"] == "Kristiansand"
    assert names["5044"] == "Namsskogan"
    assert names["3301"] == "Drammen" and names["3201"] == "Bærum"
    assert names["1508"] == "Ålesund" and names["1580"] == "Haram"
    assert len(geo.municipalities_in_county("33")) == 18  # Buskerud
    assert len(geo.municipalities_in_county("42")) == 25  # Agder
    assert len(geo.municipalities_in_county("50")) == 38  # Trøndelag
    assert geo.county_of("3303") == "33"
    assert geo.region_name("0") == "Hele landet"
    assert geo.region_name("33") == "Buskerud"
    assert geo.region_name("4204") == "Kristiansand"
    assert geo.is_municipality("3303") and not geo.is_municipality("3006")
    assert geo.is_county("42") and not geo.is_county("30")
    with pytest.raises(geo.GeographyError, match="3006"):
        geo.county_of("3006")
    with pytest.raises(geo.GeographyError):
        geo.municipalities_in_county("30")


# ------------------------------------------------------------------------------- changes


def test_design_2022_codes_carried_through_2024_changes_land_on_2024_list():
    codes = set(_codes_2022())
    assert len(codes) == 356
    table = geo.changes(2023, 2024)
    assert set(table["date"].dt.strftime("%Y-%m-%d")) == {"2024-01-01"}
    assert set(table["old_code"]) <= codes  # every changed code existed in 2022
    carried = (codes - set(table["old_code"])) | set(table["new_code"])
    assert carried == set(geo.municipality_names())
    # Through the crosswalk: only Ålesund's split adds a code.
    cw = geo.crosswalk()
    sub = cw.loc[cw["old_code"].isin(codes)]
    assert set(sub["new_code"]) == set(geo.municipality_names())
    fanout = sub.groupby("old_code")["new_code"].nunique()
    assert list(fanout[fanout > 1].index) == ["1507"]
    anchors = {"3006": "3303", "3005": "3301", "3024": "3201", "3001": "3101",
               "5401": "5501", "5403": "5601"}
    pairs = set(zip(table["old_code"], table["new_code"], strict=True))
    assert all((o, n) in pairs for o, n in anchors.items())


def test_2020_reform_table_turns_the_2019_structure_into_the_real_2022_list():
    codes = geo.municipality_codes()
    in_2019 = set(codes.loc[(codes["valid_from"] <= 2019) & (codes["valid_to"] >= 2019), "code"])
    assert len(in_2019) == 422
    reform = geo.changes(2019, 2020)
    after = (in_2019 - set(reform["old_code"])) | set(reform["new_code"])
    assert after == set(_codes_2022())


def test_history_examples_from_the_api_notes():
    table = geo.changes(2016, 2024)
    pairs = {(o, n, d.year) for o, n, d in
             zip(table["old_code"], table["new_code"], table["date"], strict=True)}
    assert ("1740", "5044", 2018) in pairs  # Namsskogan, Trøndelag renumbering
    assert {("1624", "5054", 2018), ("1718", "5054", 2018)} <= pairs  # Indre Fosen
    assert {("1001", "4204", 2020), ("1017", "4204", 2020), ("1018", "4204", 2020)} <= pairs
    assert ("0604", "3006", 2020) in pairs and ("3006", "3303", 2024) in pairs
    assert ("0219", "3024", 2020) in pairs
    assert {("0602", "3005", 2020), ("0625", "3005", 2020), ("0711", "3005", 2020)} <= pairs
    assert {("5012", "5055", 2020), ("5012", "5056", 2020), ("5012", "5059", 2020)} <= pairs
    assert {("1850", "1806", 2020), ("1850", "1875", 2020)} <= pairs
    assert not (table["old_code"] == table["new_code"]).any()
    assert table["date"].dt.month.eq(1).all() and table["date"].dt.day.eq(1).all()


def test_crosswalk_chains_and_every_target_is_a_2024_code():
    cw = geo.crosswalk()
    lookup = {o: dict(zip(g["new_code"], g["weight"], strict=True))
              for o, g in cw.groupby("old_code")}
    assert lookup["0604"] == {"3303": 1.0}
    assert lookup["3006"] == {"3303": 1.0}
    assert lookup["1740"] == {"5044": 1.0}
    assert lookup["1624"] == {"5054": 1.0}
    assert lookup["1534"] == {"1580": 1.0}  # old Haram is the new Haram, not a share of 1507
    assert lookup["1504"] == {"1508": 1.0}
    assert set(cw["new_code"]) <= set(geo.municipality_names())
    assert set(cw["old_code"]) == set(geo.municipality_codes()["code"])


def test_split_weights_sum_to_one_per_old_code():
    cw = geo.crosswalk()
    totals = cw.groupby("old_code")["weight"].sum()
    assert (totals - 1).abs().max() < 1e-9
    splits = cw.groupby("old_code")["new_code"].nunique()
    assert set(splits[splits > 1].index) == {"1507", "1613", "5012", "1850"}
    raw = pd.read_csv(geo.DATA_DIR / "split_weights.csv", dtype={"old_code": str})
    assert (raw.groupby("old_code")["weight"].sum() - 1).abs().max() < 1e-5
    counties = geo.county_crosswalk().groupby("old_code")["weight"].sum()
    assert (counties - 1).abs().max() < 1e-5


# ------------------------------------------------------------------------------- harmonise


def _series(code: str, years: range, value) -> list[dict]:
    return [{"region": code, "sex": "0", "year": y, "value": float(value(y))} for y in years]


def test_real_code_history_becomes_one_continuous_summed_series():
    rows = (_series("0604", range(2017, 2020), lambda y: 1000 + y)
            + _series("3006", range(2020, 2024), lambda y: 1000 + y)
            + _series("3303", range(2024, 2026), lambda y: 1000 + y)
            + _series("1001", range(2017, 2020), lambda y: 90_000 + y)
            + _series("1017", range(2017, 2020), lambda y: 6_000)
            + _series("1018", range(2017, 2020), lambda y: 11_000)
            + _series("4204", range(2020, 2026), lambda y: 107_000 + y))
    out, notes = geo.harmonise(pd.DataFrame(rows))
    assert set(out["region"]) == {"3303", "4204"}
    kongsberg = out.loc[out["region"] == "3303"].set_index("year")["value"]
    assert list(kongsberg.index) == list(range(2017, 2026))
    assert kongsberg.to_dict() == {y: 1000.0 + y for y in range(2017, 2026)}
    kristiansand = out.loc[out["region"] == "4204"].set_index("year")["value"]
    assert list(kristiansand.index) == list(range(2017, 2026))
    assert kristiansand.to_dict() == {y: 107_000.0 + y for y in range(2017, 2026)}
    assert "0604 Kongsberg → 3303 Kongsberg (renumbered)" in notes
    assert any(n.startswith("1001 Kristiansand + 1017 Songdalen + 1018 Søgne → 4204")
               for n in notes)


def test_harmonise_applies_split_weights_and_keeps_totals():
    df = pd.DataFrame({"region": ["5012", "1507", "0301"], "year": [2019, 2023, 2023],
                       "value": [1000.0, 10_000.0, 5.0]})
    out, notes = geo.harmonise(df)
    got = dict(zip(out["region"], out["value"], strict=True))
    assert got["5059"] == pytest.approx(507.619)
    assert got["1508"] + got["1580"] == pytest.approx(10_000.0)
    assert out["value"].sum() == pytest.approx(df["value"].sum())
    assert any(n.startswith("split of 5012 Snillfjord applied by population weights")
               for n in notes)


def test_harmonise_frame_drops_non_geography_and_merged_rates():
    spec = TABLES["education"]
    base = {"level": "01", "sex": "0", "status": pd.NA}
    rows = [
        {"region": "0604", "measure": "Personer", "year": 2019, "value": 10.0},
        {"region": "3006", "measure": "Personer", "year": 2021, "value": 11.0},
        {"region": "1001", "measure": "Personer", "year": 2019, "value": 5.0},
        {"region": "1017", "measure": "Personer", "year": 2019, "value": 2.0},
        {"region": "0604", "measure": "PersonerProsent", "year": 2019, "value": 33.0},
        {"region": "1001", "measure": "PersonerProsent", "year": 2019, "value": 40.0},
        {"region": "4204", "measure": "PersonerProsent", "year": 2021, "value": 41.0},
        {"region": "21-22", "measure": "Personer", "year": 2019, "value": 99.0},
        {"region": "Rest", "measure": "Personer", "year": 2019, "value": 99.0},
        {"region": "0", "measure": "Personer", "year": 2019, "value": 1000.0},
    ]
    df = pd.DataFrame([base | r for r in rows])
    df["region"] = df["region"].astype("string")
    with pytest.warns(UserWarning, match="rates for merged or split units dropped"):
        out = datasets.harmonise_frame(df, spec)
    assert set(out["region"]) == {"0", "3303", "4204"}
    key = {(r, m, y): v for r, m, y, v in
           zip(out["region"], out["measure"], out["year"], out["value"], strict=True)}
    assert key[("4204", "Personer", 2019)] == 7.0
    assert key[("3303", "PersonerProsent", 2019)] == 33.0  # renumbered rate kept
    assert ("4204", "PersonerProsent", 2019) not in key  # merged rate dropped
    assert key[("4204", "PersonerProsent", 2021)] == 41.0
    assert sorted(out.columns) == sorted(df.columns)
    assert any("21-22" in n for n in out.attrs["geography_notes"])


# ------------------------------------------------------------------------------- labels


@pytest.mark.parametrize(("label", "year", "code"), [
    ("Bamble (-2019)", 2010, "0814"),
    ("Bamble (2020-2023)", 2021, "3813"),
    ("Bamble", 2024, "4012"),
    ("Bø (Telemark) (-2019)", 2015, "0821"),
    ("Kragerø (1960-2019)", 2012, "0815"),
    ("Midt-Telemark (2020-2023)", 2022, "3817"),
    ("Trondheim", 2024, "5001"),
    ("Trondheim - Tråante", 2024, "5001"),
    ("Divtasvuodna - Tysfjord (-2019)", 2015, "1850"),
    ("Tysfjord", 2019, "1850"),
    ("Våler (Østfold)", 2024, "3114"),
    ("Hele landet", 2024, "0"),
    ("Buskerud", 2024, "33"),
])
def test_code_from_label(label, year, code):
    assert geo.code_from_label(label, year) == code


def test_code_from_label_errors_name_the_problem():
    with pytest.raises(geo.GeographyError, match="ambiguous"):
        geo.code_from_label("Våler", 2024)
    with pytest.raises(geo.GeographyError, match="Atlantis"):
        geo.code_from_label("Atlantis", 2024)
    with pytest.raises(geo.GeographyError, match="2021"):
        geo.code_from_label("Sauherad", 2021)  # merged into Midt-Telemark in 2020


def test_telemark_sample_labels_resolve_to_2024_codes_without_loss():
    path = TELEMARK / "utdanningsnivaa.csv"
    if not path.exists():
        pytest.skip(f"Telemark sample {path} absent (../shared not checked out)")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.DataFrame(rows)
    df["year"] = df["År"].astype(int)
    df["value"] = pd.to_numeric(df["Verdi"])
    labels = df[["Kommune", "year"]].drop_duplicates()
    codes = {(lab, y): geo.code_from_label(lab, y) for lab, y in labels.itertuples(index=False)}
    df["region"] = [codes[(lab, y)] for lab, y in zip(df["Kommune"], df["year"], strict=True)]
    counts = df.loc[df["Variabel"] == "Personer 16 år og over",
                    ["region", "Utdanningsnivå", "Kjønn", "year", "value"]]
    out, notes = geo.harmonise(counts)
    telemark = geo.municipalities_in_county("40")
    assert set(out["region"]) == set(telemark)
    assert out["value"].sum() == pytest.approx(counts["value"].sum())  # nothing lost
    # Every year 2004–2025 has all 17 municipalities, once per level and sex.
    per_year = out.groupby("year")["region"].nunique()
    assert per_year.min() == per_year.max() == 17
    assert not out.duplicated(["region", "Utdanningsnivå", "Kjønn", "year"]).any()
    assert any("0821 Bø (Telemark) + 0822 Sauherad → 4020 Midt-Telemark" in n for n in notes)


def _telemark_education() -> pd.DataFrame:
    """The real Telemark 09429 figures as SSB's member-code output gives them: every historical
    code for every year 2004-2025, empty where the code did not exist that year."""
    path = TELEMARK / "utdanningsnivaa.csv"
    if not path.exists():
        pytest.skip(f"Telemark sample {path} absent (../shared not checked out)")
    with path.open(encoding="utf-8") as fh:
        df = pd.DataFrame(list(csv.DictReader(fh)))
    df["year"] = df["År"].astype(int)
    df["value"] = pd.to_numeric(df["Verdi"], errors="coerce")
    labels = df[["Kommune", "year"]].drop_duplicates()
    codes = {(lab, y): geo.code_from_label(lab, y) for lab, y in labels.itertuples(index=False)}
    df["region"] = [codes[(lab, y)] for lab, y in zip(df["Kommune"], df["year"], strict=True)]
    df["measure"] = df["Variabel"].map({"Personer 16 år og over": "Personer",
                                        "Personer 16 år og over (prosent)": "PersonerProsent"})
    df = df.rename(columns={"Utdanningsnivå": "level", "Kjønn": "sex"})
    published = df[["region", "level", "sex", "measure", "year", "value"]]
    # The empty cells SSB adds for every code in every other year of the table.
    grid = pd.MultiIndex.from_product(
        [sorted(published["region"].unique()), sorted(published["level"].unique()),
         sorted(published["sex"].unique()), ["Personer", "PersonerProsent"],
         range(2004, 2026)], names=["region", "level", "sex", "measure", "year"])
    full = (published.set_index(["region", "level", "sex", "measure", "year"])
            .reindex(grid).reset_index())
    full["status"] = pd.array([pd.NA] * len(full), dtype="string")
    full["region"] = full["region"].astype("string")
    return full, published


def test_real_telemark_rates_survive_harmonisation_without_false_warnings(recwarn):
    full, published = _telemark_education()
    spec = TABLES["education"]
    single = {"Region": Codelist("agg_KommGjeldende", "single")}
    out = datasets.harmonise_frame(full, spec, single)
    out = datasets._drop_duplicate_keys(out, ["region", "level", "sex", "measure", "year"])
    rates = out[out["measure"] == "PersonerProsent"]
    # Every published percentage of a unit that was only renumbered reaches its 2024 code.
    merged = {"0821", "0822"}  # Bø + Sauherad → Midt-Telemark in 2020: rates cannot be summed
    pub = published[(published["measure"] == "PersonerProsent") & published["value"].notna()
                    & ~published["region"].isin(merged)]
    cw = geo.crosswalk().set_index("old_code")["new_code"].to_dict()
    got = rates.set_index(["region", "level", "sex", "year"])["value"]
    lost = [r for r in pub.itertuples(index=False)
            if pd.isna(got.get((cw.get(r.region, r.region), r.level, r.sex, r.year)))]
    assert lost == [], f"{len(lost)} published percentages became NaN, e.g. {lost[:3]}"
    # Notodden, short university education, 2023: real 23.1.
    assert got[("4005", "Universitets- og høgskolenivå, kort", "Begge kjønn", 2023)] == 23.1
    # Renumberings (3806 Porsgrunn … 3825 Vinje) are not reported as dropped; the real merger is.
    dropped = [str(w.message) for w in recwarn if "dropped" in str(w.message)]
    assert len(dropped) == 1
    assert "0821" in dropped[0] and "0822" in dropped[0]
    assert not any(code in dropped[0] for code in ("3806", "3825", "0805", "0834"))
    counts = out[out["measure"] == "Personer"]
    assert counts["value"].sum() == pytest.approx(
        published.loc[published["measure"] == "Personer", "value"].sum())


# ------------------------------------------------------------------------------- live KLASS
# (pipeline.sources.klass: geography itself never reaches the network)


KLASS_JSON = {"codeChanges": [
    {"oldCode": "3006", "oldName": "Kongsberg", "newCode": "3303", "newName": "Kongsberg",
     "changeOccurred": "2024-01-01"},
    {"oldCode": "1507", "oldName": "Ålesund", "newCode": "1508", "newName": "Ålesund",
     "changeOccurred": "2024-01-01"},
    {"oldCode": "1507", "oldName": "Ålesund", "newCode": "1580", "newName": "Haram",
     "changeOccurred": "2024-01-01"},
    {"oldCode": "5001", "oldName": "Trondheim", "newCode": "5001",
     "newName": "Trondheim - Tråante", "changeOccurred": "2024-01-01"},
]}


def test_live_klass_changes_are_read_and_name_only_rows_skipped(httpserver, monkeypatch):
    httpserver.expect_request(
        "/classifications/131/changes",
        query_string={"from": "2023-12-31", "to": "2024-01-02"},
    ).respond_with_json(KLASS_JSON)
    monkeypatch.setenv("INNSIKT_KLASS_URL", httpserver.url_for("/").rstrip("/"))
    table = klass.changes(2023, 2024)
    assert list(table.columns) == geo.CHANGE_COLUMNS
    assert len(table) == 3
    assert set(zip(table["old_code"], table["new_code"], strict=True)) == {
        ("3006", "3303"), ("1507", "1508"), ("1507", "1580")}
    assert (table["date"] == pd.Timestamp("2024-01-01")).all()


def test_live_klass_503_falls_back_to_bundled_table(httpserver, monkeypatch):
    httpserver.expect_request("/classifications/131/changes").respond_with_data(
        "Service Unavailable", status=503)
    monkeypatch.setenv("INNSIKT_KLASS_URL", httpserver.url_for("/").rstrip("/"))
    with pytest.warns(UserWarning, match="bundled table"):
        table = klass.changes(2023, 2024)
    pd.testing.assert_frame_equal(table, geo.changes(2023, 2024))
    assert len(table) == 115


def test_real_2022_population_harmonises_to_357_municipalities_with_the_same_total():
    _codes_2022()  # skips when the sample is absent
    doc = json.loads(SAMPLE_2022.read_text(encoding="utf-8"))
    index = doc["dimension"]["Region"]["category"]["index"]
    codes = sorted(index, key=index.get)
    df = pd.DataFrame({"region": [c.removeprefix("K-") for c in codes],
                       "year": 2022, "value": [float(v) for v in doc["value"]]})
    df = df.loc[df["region"].str.fullmatch(r"\d{4}")]
    out, _ = geo.harmonise(df)
    assert len(out) == 357
    assert out["value"].sum() == pytest.approx(df["value"].sum())
    values = dict(zip(out["region"], out["value"], strict=True))
    assert values["3303"] == 27879  # K-3006 Kongsberg in the sample
    assert values["4204"] == 113737
    assert values["5044"] == 818


def test_yearly_structures_follow_from_the_change_table():
    codes = geo.municipality_codes()

    def structure(year: int) -> set[str]:
        valid = (codes["valid_from"] <= year) & (codes["valid_to"] >= year)
        return set(codes.loc[valid, "code"])

    sizes = {y: len(structure(y)) for y in range(2016, 2025)}
    assert sizes == {2016: 428, 2017: 426, 2018: 422, 2019: 422, 2020: 356, 2021: 356,
                     2022: 356, 2023: 356, 2024: 357}
    for year in range(2017, 2025):
        step = geo.changes(year - 1, year)
        carried = (structure(year - 1) - set(step["old_code"])) | set(step["new_code"])
        assert carried == structure(year), year


def test_split_without_known_weights_goes_wholly_to_the_namesake_and_is_noted():
    table = pd.DataFrame({
        "old_code": ["9001", "9001"], "old_name": ["Nyby", "Nyby"],
        "new_code": ["9002", "9003"], "new_name": ["Annaby", "Nyby"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    })
    edges = geo._edges(table)
    assert edges["9001"] == [("9003", 1.0, "no weights known: whole unit to 9003")]
    cw = geo._crosswalk_from(table, 2024)
    assert cw.loc[cw["old_code"] == "9001", "new_code"].tolist() == ["9003"]


def test_county_codes_harmonise_old_counties_and_2024_splits():
    df = pd.DataFrame({"region": ["09", "10", "30", "33"], "year": [2019, 2019, 2022, 2024],
                       "value": [100.0, 200.0, 1000.0, 7.0]})
    out, notes = geo.harmonise(df)
    got = {(r, y): v for r, y, v in zip(out["region"], out["year"], out["value"], strict=True)}
    assert got[("42", 2019)] == 300.0
    assert got[("31", 2022)] + got[("32", 2022)] + got[("33", 2022)] == pytest.approx(1000.0)
    assert got[("32", 2022)] == pytest.approx(554.092)  # Akershus' share of Viken, 1 Jan 2023
    assert got[("33", 2024)] == 7.0
    assert any(n.startswith("split of county 30") for n in notes)
