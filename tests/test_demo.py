"""The synthetic demo data: SSB's shape, internal consistency, magnitudes and planted truths.

The generator runs once per session (the demo project of ``conftest.py``; about 10 s of CPU for
all 357 municipalities) and once more for the determinism check; every test reads the files
through the real parser, so the checks are on what
the pipeline will see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline import config, geography
from pipeline.datasets import read_jsonstat, tidy, validate
from pipeline.sources import demo
from pipeline.sources.tables import LAST_YEAR, TABLES, TableSpec

COUNTIES_SUMMED = tuple(sorted(geography.county_names()))  # every county is a sum
SSB_SYMBOLS = {".", "..", ":"}


@pytest.fixture(scope="session")
def demo_dir(demo_project: Path) -> Path:
    """The raw demo files of the session's demo project (generated once, see conftest)."""
    return demo_project / "data" / "raw" / "demo"


@pytest.fixture(scope="session")
def docs(demo_dir: Path) -> dict[str, dict[str, Any]]:
    return {spec.dataset: json.loads((demo_dir / f"{spec.table_id}.json").read_text("utf-8"))
            for spec in TABLES.values()}


@pytest.fixture(scope="session")
def tidy_tables(demo_dir: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name, spec in TABLES.items():
        path = demo_dir / f"{spec.table_id}.json"
        out[name] = validate(tidy(read_jsonstat(path).frame, spec), spec, str(path))
    return out


def wide(df: pd.DataFrame, index: list[str], columns: str = "measure") -> pd.DataFrame:
    return df.pivot_table(index=index, columns=columns, values="value", aggfunc="sum")


# --- shape -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", list(TABLES.values()), ids=lambda s: s.table_id)
def test_document_has_ssb_shape_and_registry_codes(docs: dict, spec: TableSpec) -> None:
    doc = docs[spec.dataset]
    assert doc["version"] == "2.0" and doc["class"] == "dataset"
    assert doc["label"] == f"{spec.table_id}: {spec.title}"
    assert doc["source"] == demo.SOURCE and "Demonstrasjonsdata" in doc["source"]
    assert doc["updated"] == demo.UPDATED
    assert doc["extension"]["px"]["tableid"] == spec.table_id
    assert doc["extension"]["innsikt"] == {"demo": True, "seed": demo.SEED}
    assert doc["id"] == list(spec.dimensions)
    assert doc["role"]["time"] == ["Tid"] and doc["role"]["metric"] == ["ContentsCode"]
    assert doc["role"]["geo"] == list(spec.region_dimensions)
    sizes = [len(doc["dimension"][d]["category"]["index"]) for d in doc["id"]]
    assert doc["size"] == sizes
    assert len(doc["value"]) == int(np.prod(sizes))
    for dim, codes in spec.codes.items():
        index = doc["dimension"][dim]["category"]["index"]
        assert sorted(index, key=index.get) == codes, f"{spec.table_id} {dim}"
    units = doc["dimension"]["ContentsCode"]["category"]["unit"]
    assert set(units) == set(spec.codes["ContentsCode"])
    assert doc["extension"]["px"]["decimals"] == max(u["decimals"] for u in units.values())
    years = list(doc["dimension"]["Tid"]["category"]["index"])
    first = spec.first_year
    if spec.time_column == "period":  # completion cohorts: "start-(start+5)"
        assert years[0] == f"{first}-{first + 5}"
        assert years[-1] == f"{LAST_YEAR - 5}-{LAST_YEAR}"
    elif spec.table_id == "14288":
        assert years[0] == "2024" and years[-1] == "2050"
    else:
        assert years == [str(y) for y in range(first, LAST_YEAR + 1)]
    for pos, symbol in doc.get("status", {}).items():
        assert symbol in SSB_SYMBOLS
        assert doc["value"][int(pos)] is None
    assert all(str(i) in doc.get("status", {}) for i, v in enumerate(doc["value"]) if v is None)


def test_region_codes_are_plain_ssb_codes(docs: dict) -> None:
    regions = list(docs["population"]["dimension"]["Region"]["category"]["index"])
    assert regions[0] == "0"
    assert set(geography.county_names()) <= set(regions)
    assert regions == ["0", *sorted(geography.county_names()),
                       *sorted(geography.municipality_names())]  # all 357 of the 2024 structure
    labels = docs["population"]["dimension"]["Region"]["category"]["label"]
    assert labels["3303"] == "Kongsberg" and labels["0"] == "Hele landet"
    county_regions = list(docs["completion"]["dimension"]["Region"]["category"]["index"])
    assert county_regions == ["0", *sorted(geography.county_names())]


def test_programme_municipalities_are_covered(docs: dict) -> None:
    regions = set(docs["population"]["dimension"]["Region"]["category"]["index"])
    for path in sorted(config.paths().programs.glob("*.yml")):
        prog = yaml.safe_load(path.read_text(encoding="utf-8"))
        named = [*prog["region"].get("municipalities", []),
                 *(prog.get("comparison") or {}).get("municipalities", [])]
        assert set(named) <= regions, path.name


def test_generation_is_byte_identical(demo_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    second = demo.generate(tmp_path)
    assert [p.name for p in second] == [f"{s.table_id}.json" for s in TABLES.values()]
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(TABLES)
    for path in second:
        assert path.read_bytes() == (demo_dir / path.name).read_bytes(), path.name
    assert sum(p.stat().st_size for p in second) < 60e6


# --- magnitudes and sums ----------------------------------------------------------------------

def test_population_magnitudes(tidy_tables: dict) -> None:
    pop = tidy_tables["population_change"]
    jan = pop[(pop.measure == "Folkemengde") & (pop.year == 2024)].set_index("region")["value"]
    assert 26_000 <= jan["3303"] <= 30_000
    assert 110_000 <= jan["4204"] <= 120_000
    assert 700 <= jan["5044"] <= 900
    assert 260_000 <= jan["33"] <= 290_000
    assert 300_000 <= jan["42"] <= 340_000
    assert 460_000 <= jan["50"] <= 500_000
    assert 5_300_000 <= jan["0"] <= 5_700_000
    jobs = tidy_tables["employment_by_industry"]
    buskerud = jobs[(jobs.region == "33") & (jobs.year == 2024)]["value"].sum()
    assert 158_000 <= buskerud <= 168_000


@pytest.mark.parametrize("dataset", ["population", "population_change", "employment_by_industry",
                                     "employment_by_age", "immigrants", "population_projection",
                                     "education", "employment_rate", "neet",
                                     "education_by_field", "employment_by_occupation"])
def test_counties_and_nation_are_sums(tidy_tables: dict, dataset: str) -> None:
    spec = TABLES[dataset]
    df = tidy_tables[dataset]
    count_measures = set(spec.count_measures) or set(df["measure" if "measure" in df else
                                                         "alternative"])
    measure_col = "measure" if "measure" in df else "alternative"
    df = df[df[measure_col].isin(count_measures) & df["value"].notna()]
    if "sex" in df and dataset == "neet":
        df = df[df["sex"] == "0"]  # sex-specific cells of tiny municipalities are suppressed
    keys = [c for c in df.columns if c not in ("region", "value", "status")]
    by_region = df.set_index(["region", *keys])["value"]
    for county in COUNTIES_SUMMED:
        members = geography.municipalities_in_county(county)
        summed = df[df.region.isin(members)].groupby(keys)["value"].sum()
        county_values = by_region.loc[county].reindex(summed.index)
        pd.testing.assert_series_equal(county_values, summed, check_names=False)
    counties = df[df.region.isin(list(geography.county_names()))].groupby(keys)["value"].sum()
    national = by_region.loc["0"].reindex(counties.index)
    pd.testing.assert_series_equal(national, counties, check_names=False)


def test_population_accounting_identity_is_exact(tidy_tables: dict) -> None:
    w = wide(tidy_tables["population_change"], ["region", "year"])
    nxt = w.groupby(level="region")["Folkemengde"].shift(-1).dropna()
    cur = w.loc[nxt.index]
    change = (cur.Levendefodte - cur.Dode + cur.Innflytting - cur.Utflytting
              + cur.Innvandring - cur.Utvandring)
    assert ((nxt - cur.Folkemengde) == change).all()
    assert ((nxt - cur.Folkemengde) == cur.Folketilvekst).all()
    last = w.xs(LAST_YEAR, level="year")  # growth into 1 January of the next year
    assert (last.Folketilvekst == last.Levendefodte - last.Dode + last.Innflytting
            - last.Utflytting + last.Innvandring - last.Utvandring).all()
    national = w.loc["0"]
    assert (national.Innflytting == national.Utflytting).all()  # moves within Norway net out


def test_population_by_age_sums_to_folkemengde(tidy_tables: dict) -> None:
    by_age = tidy_tables["population"].groupby(["region", "year"])["value"].sum()
    change = tidy_tables["population_change"]
    total = change[change.measure == "Folkemengde"].set_index(["region", "year"])["value"]
    pd.testing.assert_series_equal(by_age.sort_index(), total.sort_index(), check_names=False)


def test_population_age_structure_is_plausible(tidy_tables: dict) -> None:
    pop = tidy_tables["population"]
    nation = pop[(pop.region == "0") & (pop.year == 2024)]
    share_old = nation.loc[nation.age >= 67, "value"].sum() / nation["value"].sum()
    assert 0.14 <= share_old <= 0.20
    oslo = pop[(pop.region == "0301") & (pop.year == 2024)]
    rural = pop[(pop.region == "5043") & (pop.year == 2024)]
    young = [(f.loc[f.age.between(20, 29), "value"].sum() / f["value"].sum()) for f in (oslo,
                                                                                         rural)]
    assert young[0] > 1.5 * young[1]  # young adults move to cities


def test_migration_flows_within_domestic_totals(tidy_tables: dict) -> None:
    flows = tidy_tables["migration_flows"]
    assert (flows.loc[flows.origin == flows.destination, "status"] == ".").all()
    flows = flows[flows.origin != flows.destination]
    w = wide(tidy_tables["population_change"], ["region", "year"])
    out = flows.groupby(["origin", "year"])["value"].sum()
    inn = flows.groupby(["destination", "year"])["value"].sum()
    assert (out <= w.loc[out.index, "Utflytting"].to_numpy()).all()
    assert (inn <= w.loc[inn.index, "Innflytting"].to_numpy()).all()
    assert out.sum() > 0.3 * w.loc[out.index, "Utflytting"].sum()


def test_immigrant_shares_match_counts(tidy_tables: dict) -> None:
    w = wide(tidy_tables["immigrants"], ["region", "category", "year"])
    change = tidy_tables["population_change"]
    pop = change[change.measure == "Folkemengde"].set_index(["region", "year"])["value"]
    denominator = pop.reindex(w.index.droplevel("category")).to_numpy()
    expected = np.round(100 * w["Personer1"].to_numpy() / denominator, 1)
    np.testing.assert_allclose(w["AndelBefolkning"].to_numpy(), expected, atol=0.051)
    national = w.loc[("0", "B")]
    assert national.loc[2025, "AndelBefolkning"] > national.loc[2010, "AndelBefolkning"]


def test_neet_percent_is_count_over_population(tidy_tables: dict) -> None:
    neet = wide(tidy_tables["neet"], ["region", "sex", "year"]).dropna()
    pop = tidy_tables["population"]
    young = pop[pop.age.between(15, 29)].groupby(["region", "sex", "year"])["value"].sum()
    both = young.groupby(["region", "year"]).sum()
    both.index = pd.MultiIndex.from_tuples([(r, "0", y) for r, y in both.index],
                                           names=["region", "sex", "year"])
    young = pd.concat([young, both]).reindex(neet.index)
    expected = np.round(100 * neet["Bosatte"] / young, 1)
    np.testing.assert_allclose(neet["BosatteProsent"], expected, atol=0.051)
    county = wide(tidy_tables["neet_county"], ["region", "labour_status", "age_group", "year"])
    total = county.xs("TOT3", level="labour_status")
    assert (total["BosatteProsent"] == 100.0).all()
    n15 = county.xs(("NEET2", "15-29"), level=("labour_status", "age_group"))["Bosatte"]
    n13556 = neet.xs("0", level="sex")["Bosatte"]
    pd.testing.assert_series_equal(n15.loc[["33", "42"]], n13556.loc[["33", "42"]],
                                   check_names=False)


def test_employment_tables_agree(tidy_tables: dict) -> None:
    by_industry = tidy_tables["employment_by_industry"].groupby(["region", "year"])["value"].sum()
    by_age = tidy_tables["employment_by_age"].groupby(["region", "year"])["value"].sum()
    pd.testing.assert_series_equal(by_age.sort_index(), by_industry.sort_index(),
                                   check_names=False)
    rate = wide(tidy_tables["employment_rate"], ["region", "sex", "age_group", "year"])
    assert rate["SysselsatteProsent"].between(0, 100).all()
    assert (rate.xs("40-44", level="age_group")["SysselsatteProsent"]
            > rate.xs("70-74", level="age_group")["SysselsatteProsent"]).all()


def test_education_trends_to_higher_levels(tidy_tables: dict) -> None:
    edu = tidy_tables["education"]
    share = wide(edu[edu.region == "0"], ["year"], columns="level")
    pct = edu[(edu.region == "0") & (edu.measure == "PersonerProsent")]
    pct = pct.pivot(index="year", columns="level", values="value")
    higher = pct["03a"] + pct["04a"]
    assert higher.loc[2024] > higher.loc[2004] + 5
    assert share.loc[2004].notna().all()
    newest = edu[edu.year == LAST_YEAR]
    assert newest["value"].isna().all() and (newest["status"] == "..").all()


def test_fields_of_study_split_the_same_adults_as_education_levels(tidy_tables: dict) -> None:
    """08921 and 09429 divide the same simulated persons 16+ (levels' last year unpublished)."""
    fields = tidy_tables["education_by_field"]
    levels = tidy_tables["education"]
    levels = levels[(levels.measure == "Personer") & levels.value.notna()]
    by_field = fields.groupby(["region", "year"])["value"].sum()
    by_level = levels.groupby(["region", "year"])["value"].sum()
    common = by_field.index.intersection(by_level.index)
    assert len(common) > 357 * 10
    pd.testing.assert_series_equal(by_field.loc[common], by_level.loc[common], check_names=False)


def test_kongsberg_has_the_planted_technical_profile(tidy_tables: dict) -> None:
    from pipeline.sources.demo.tables_skills import FIELD_BOOST

    fields = tidy_tables["education_by_field"]
    last = fields[fields.year == LAST_YEAR]
    share = (last.set_index(["region", "field"])["value"]
             / last.groupby("region")["value"].sum()).unstack()
    technical = share["5"]
    assert FIELD_BOOST[("3303", "5")] > 0
    assert technical["3303"] > technical["0"] + 0.02
    assert technical["3303"] > technical.drop(["3303"]).quantile(0.9)
    assert (fields["value"] >= 0).all() and fields["value"].notna().all()


def test_occupation_table_is_shaped_like_ssbs(docs: dict) -> None:
    """12542: Region × Yrke (STYRK-08 major groups, then the ICT/engineering sub-major groups)
    × one measure in persons × years from 2015, every region of the other municipal tables."""
    from pipeline.sources.tables import OCCUPATIONS, TECH_OCCUPATIONS

    doc = docs["employment_by_occupation"]
    assert doc["id"] == ["Region", "Yrke", "ContentsCode", "Tid"]
    yrke = doc["dimension"]["Yrke"]["category"]
    assert list(yrke["index"]) == [*OCCUPATIONS, *TECH_OCCUPATIONS]
    assert yrke["label"]["25"] == "IKT-rådgivere" and yrke["label"]["2"] == "Akademiske yrker"
    assert list(doc["dimension"]["ContentsCode"]["category"]["index"]) == ["Sysselsatte"]
    assert doc["dimension"]["ContentsCode"]["category"]["unit"]["Sysselsatte"]["decimals"] == 0
    years = list(doc["dimension"]["Tid"]["category"]["index"])
    assert years == [str(y) for y in range(2015, LAST_YEAR + 1)]
    regions = doc["dimension"]["Region"]["category"]["index"]
    assert regions.keys() == docs["employment_rate"]["dimension"]["Region"]["category"][
        "index"].keys()
    assert doc["size"] == [len(regions), 14, 1, len(years)]
    assert len(doc["value"]) == np.prod(doc["size"]) and None not in doc["value"]
    assert all(float(v).is_integer() and v >= 0 for v in doc["value"])


def test_occupations_split_the_same_employed_as_the_employment_rate_table(
        tidy_tables: dict) -> None:
    from pipeline.sources.tables import OCCUPATIONS, TECH_OCCUPATIONS

    occ = tidy_tables["employment_by_occupation"]
    majors = occ[occ.occupation.isin(list(OCCUPATIONS))].groupby(["region", "year"])["value"].sum()
    rate = tidy_tables["employment_rate"]
    employed = rate[rate.measure == "Sysselsatte"].groupby(["region", "year"])["value"].sum()
    pd.testing.assert_series_equal(majors, employed.loc[majors.index], check_names=False)
    # Each sub-major group is inside its major group (21, 25 in 2; 31, 35 in 3).
    wide_occ = occ.pivot_table(index=["region", "year"], columns="occupation", values="value")
    assert (wide_occ["21"] + wide_occ["25"] <= wide_occ["2"]).all()
    assert (wide_occ["31"] + wide_occ["35"] <= wide_occ["3"]).all()
    assert set(TECH_OCCUPATIONS) <= set(wide_occ.columns)


def test_kongsberg_has_the_planted_ict_and_engineering_profile(tidy_tables: dict) -> None:
    from pipeline.sources.demo.tables_skills import OCCUPATION_BOOST
    from pipeline.sources.tables import OCCUPATIONS, TECH_OCCUPATIONS

    occ = tidy_tables["employment_by_occupation"]
    last = occ[occ.year == LAST_YEAR].pivot(index="region", columns="occupation", values="value")
    total = last[list(OCCUPATIONS)].sum(axis=1)
    ict = last[list(TECH_OCCUPATIONS)].sum(axis=1) / total
    assert all(OCCUPATION_BOOST[("3303", k)] > 0 for k in TECH_OCCUPATIONS)
    assert ict["3303"] > ict["0"] + 0.08  # well above the country (about 13 %)
    assert ict["3303"] > ict.drop(["3303"]).quantile(0.95)
    assert 0.10 < ict["0"] < 0.18  # plausible national level


def test_projection_alternatives_diverge(tidy_tables: dict) -> None:
    proj = tidy_tables["population_projection"]
    totals = proj.groupby(["region", "alternative", "year"])["value"].sum().unstack("alternative")
    pop = tidy_tables["population"]
    base = pop[pop.year == 2024].groupby("region")["value"].sum()
    start = totals.xs(2024, level="year")
    for alt in ("MMMM", "HHMH", "LLML"):
        pd.testing.assert_series_equal(start[alt].sort_index(), base.sort_index(),
                                       check_names=False)
    for region in ("0", "33", "4204", "3303"):
        later = totals.loc[region].loc[2030:]
        assert (later.LLML < later.MMMM).all() and (later.MMMM < later.HHMH).all(), region
        spread = later.HHMH - later.LLML
        assert spread.loc[2050] > spread.loc[2030]
    assert 5.8e6 <= totals.loc[("0", 2050), "MMMM"] <= 6.6e6


def test_completion_gaps(tidy_tables: dict) -> None:
    comp = tidy_tables["completion"]
    done = comp[(comp.measure == "Prosent") & (comp.completion_status == "1")
                & (comp.sex == "0")].pivot_table(index=["region", "year"], columns="programme",
                                                 values="value")
    gap = (done["01"] - done["02"]).loc["0"]
    assert gap.between(10, 20).all()
    counts = comp[(comp.measure == "Personer")]
    w = counts.pivot_table(index=["region", "year", "completion_status", "sex"],
                           columns="programme", values="value")
    assert (w["00"] == w["01"] + w["02"]).all()
    bg = tidy_tables["completion_background"]
    share = bg[(bg.measure == "Prosent") & (bg.completion_status == "1")].pivot_table(
        index=["region", "year"], columns="background", values="value")
    assert (share.loc["0", "B"] < share.loc["0", "E"] - 10).all()
    persons = bg[bg.measure == "Personer"].pivot_table(
        index=["region", "year", "completion_status"], columns="background", values="value")
    assert (persons["0"] == persons["B"] + persons["C"] + persons["E"]).all()


# --- planted truths ---------------------------------------------------------------------------

def test_planted_constants() -> None:
    assert demo.SEED == 20240101
    assert demo.PLANTED_NEET_EFFECT == {"region": "4204", "from_year": 2022, "pp": -1.5}
    assert demo.PLANTED_DEMAND_SHOCK["region"] == "3303"
    assert demo.PLANTED_DEMAND_SHOCK["jobs"] == 1000
    assert demo.PLANTED_RETENTION["region"] == "5044"
    covered = set(demo.covered_municipalities())
    assert set(demo.PLANTED_ATTRACTIVENESS) == covered
    assert all(demo.PLANTED_ATTRACTIVENESS[c] == demo.attractiveness(c) for c in covered)
    values = np.array(list(demo.PLANTED_ATTRACTIVENESS.values()))
    assert 2 < values.std() < 6 and len(set(values)) > 0.8 * len(values)
    for name in ("NET_MIGRATION_INTERCEPT", "NET_MIGRATION_JOB_GROWTH",
                 "NET_MIGRATION_LOG_POPULATION", "NET_MIGRATION_NOISE_SD"):
        assert isinstance(getattr(demo, name), float)


def test_planted_neet_effect_visible_in_raw_did(tidy_tables: dict) -> None:
    neet = tidy_tables["neet"]
    share = neet[(neet.measure == "BosatteProsent") & (neet.sex == "0")].pivot(
        index="region", columns="year", values="value")
    effect = demo.PLANTED_NEET_EFFECT
    comparison = ["4601", "1103", "5001", "3301", "4203"]  # flere-i-arbeid's comparison group
    pre = [y for y in share.columns if y < effect["from_year"]]
    post = [y for y in share.columns if y >= effect["from_year"]]
    treated = share.loc[effect["region"]]
    control = share.loc[comparison].mean()
    did = (treated[post].mean() - treated[pre].mean()) - (control[post].mean()
                                                          - control[pre].mean())
    assert did == pytest.approx(effect["pp"], abs=0.4)
    placebo = share.loc["4203"]  # a comparison municipality has no effect
    rest = share.loc[[c for c in comparison if c != "4203"]].mean()
    assert abs((placebo[post].mean() - placebo[pre].mean())
               - (rest[post].mean() - rest[pre].mean())) < 0.5


def test_planted_demand_shock_visible(tidy_tables: dict) -> None:
    jobs = tidy_tables["employment_by_industry"]
    manufacturing = jobs[jobs.industry == "10-33"].pivot(index="region", columns="year",
                                                          values="value")
    kongsberg = manufacturing.loc["3303"]
    assert kongsberg[2024] - kongsberg[2018] > 700
    others = manufacturing.loc[[c for c in geography.municipalities_in_county("33")
                                if c != "3303"]].sum()
    assert abs(others[2024] / others[2018] - 1) < 0.1
    assert [demo.demand_shock(y) for y in (2018, 2019, 2024, 2025)] == [0, 167, 1000, 1000]


def test_planted_retention_raises_net_migration(tidy_tables: dict) -> None:
    w = wide(tidy_tables["population_change"], ["region", "year"]).loc["5044"]
    rate = 1000 * (w.Innflytting - w.Utflytting) / w.Folkemengde
    start = demo.PLANTED_RETENTION["from_year"]
    assert rate.loc[start:].mean() - rate.loc[2010:start - 1].mean() > 4


def test_small_cells_are_suppressed(tidy_tables: dict) -> None:
    neet = tidy_tables["neet"]
    tiny = neet[neet.region.isin(["5043", "5044", "5052"]) & neet.sex.isin(["1", "2"])]
    assert len(tiny) and (tiny["status"] == ":").all() and tiny["value"].isna().all()
    large = neet[neet.region.isin(["4204", "0", "50"])]
    assert large["status"].isna().all() and large["value"].notna().all()


def test_demo_command_line_takes_options_not_folders_named_like_them(tmp_path, capsys):
    """``-q`` once became a folder called ``-q`` full of demo tables; options are options now."""
    from pipeline.sources.demo import main

    with pytest.raises(SystemExit) as stopped:
        main(["--no-such-option"])
    assert stopped.value.code == 2
    assert "usage: python -m pipeline.sources.demo" in capsys.readouterr().err
    assert not (tmp_path / "--no-such-option").exists()
