"""Areas: members, the one summing rule, attributes from data, comparison areas and centres.

The summing tests use small frames whose expected results are worked out by hand in the
comments; the last test checks the rule on the processed demo data for the areas issue 12 names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import areas, geography

VESTFOLD = ["3901", "3903", "3905", "3907", "3909", "3911"]  # Vestfold's six municipalities


def frame(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "year", "value"])


def test_kind_and_members() -> None:
    assert areas.kind("0") == "national" and areas.kind("39") == "county"
    assert areas.kind("3303") == "municipality"
    assert areas.members("39") == VESTFOLD
    assert len(areas.members(areas.NATIONAL)) == 357
    assert areas.members("5044") == ["5044"]
    assert areas.expand(["3905", "39"]) == VESTFOLD[2:3] + [c for c in VESTFOLD if c != "3905"]
    assert areas.is_within("3905", "39") and not areas.is_within("39", "3905")
    with pytest.raises(geography.GeographyError):
        areas.kind("9999")


def test_county_is_the_sum_of_its_municipalities() -> None:
    # 2023: 1+2+3+4+5+6 = 21; 2024: 10+20+30+40+50+60 = 210. Other counties' rows are ignored.
    rows = [(c, 2023, v) for c, v in zip(VESTFOLD, [1, 2, 3, 4, 5, 6], strict=True)]
    rows += [(c, 2024, v) for c, v in zip(VESTFOLD, [10, 20, 30, 40, 50, 60], strict=True)]
    rows += [("4005", 2023, 1000.0), ("4005", 2024, 1000.0)]
    got = areas.sum_counts(frame(rows), "39", by=["year"])
    expected = pd.DataFrame({"region": ["39", "39"], "year": [2023, 2024],
                             "value": [21.0, 210.0], "n_missing": [0, 0]})
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_own_rows_are_preferred_and_never_mixed() -> None:
    # The county row (500) wins over its municipalities (1+…+6 = 21); nothing is added to it.
    rows = [(c, 2024, v) for c, v in zip(VESTFOLD, [1, 2, 3, 4, 5, 6], strict=True)]
    rows.append(("39", 2024, 500.0))
    got = areas.sum_counts(frame(rows), "39", by=["year"])
    assert got[["region", "year", "value", "n_missing"]].values.tolist() == [["39", 2024, 500.0,
                                                                                0]]
    # A municipality is its own rows only.
    assert areas.sum_counts(frame(rows), "3905", by=["year"])["value"].tolist() == [3.0]


def test_country_from_municipalities_not_from_counties() -> None:
    # No national row: the country is the sum of all 357 municipalities (1 each = 357); the
    # county rows in the frame (100 each) are not municipalities and are not added.
    rows = [(c, 2024, 1.0) for c in geography.municipality_names()]
    rows += [(c, 2024, 100.0) for c in geography.county_names()]
    got = areas.sum_counts(frame(rows), areas.NATIONAL, by=["year"])
    assert got["value"].tolist() == [357.0] and got["n_missing"].tolist() == [0]
    # With a national row, that row is the answer.
    rows.append(("0", 2024, 5.0e6))
    assert areas.sum_counts(frame(rows), "0", by=["year"])["value"].tolist() == [5.0e6]


def test_missing_cells_are_not_zero() -> None:
    # 3903 is NaN (suppressed) and 3911 has no row at all: two members missing.
    rows = [("3901", 2024, 1.0), ("3903", 2024, np.nan), ("3905", 2024, 3.0),
            ("3907", 2024, 4.0), ("3909", 2024, 5.0)]
    strict = areas.sum_counts(frame(rows), "39", by=["year"])
    assert np.isnan(strict["value"].iloc[0]) and strict["n_missing"].iloc[0] == 2
    # complete=False: the members present, 1+3+4+5 = 13, and says two are missing.
    loose = areas.sum_counts(frame(rows), "39", by=["year"], complete=False)
    assert loose["value"].iloc[0] == 13.0 and loose["n_missing"].iloc[0] == 2
    # No row for the area at all: an empty frame with the documented columns.
    empty = areas.sum_counts(frame(rows), "42", by=["year"])
    assert empty.empty and list(empty.columns) == ["region", "year", "value", "n_missing"]


def test_several_value_columns_and_groups() -> None:
    df = pd.DataFrame({"region": ["4201", "4202", "4201", "4202"], "year": [2024] * 4,
                       "sex": ["1", "1", "2", "2"], "numerator": [1.0, 2.0, 3.0, 4.0],
                       "denominator": [10.0, 20.0, 30.0, 40.0]})
    got = areas.sum_counts(df, "42", by=["sex"], value_columns=["numerator", "denominator"],
                           complete=False)
    # Agder has 25 municipalities; two are present, so 23 are missing in each group.
    assert got["numerator"].tolist() == [3.0, 7.0]
    assert got["denominator"].tolist() == [30.0, 70.0]
    assert got["n_missing"].tolist() == [23, 23]


# --- attributes, comparison and centres -------------------------------------------------------

def test_attributes_cover_the_2024_structure() -> None:
    df = areas.attributes()
    assert sorted(df.index) == sorted(geography.municipality_names())
    assert df["centrality_class"].between(1, 6).all()
    bounds = [925, 870, 775, 670, 565]
    derived = 1 + sum((df["centrality_index"] < b).astype(int) for b in bounds)
    assert (derived == df["centrality_class"]).all()  # class follows SSB's index bounds
    assert df.loc["0301", "centrality_class"] == 1 and df.loc["5044", "centrality_class"] == 6
    assert 5.3e6 < df["population_2022"].sum() < 5.5e6  # 5 425 270 in SSB's 2022 response
    assert set(df["regional_centre"]) <= set(df.index)
    assert df["ba_region"].nunique() == 159


def test_regional_centre_from_data() -> None:
    assert areas.regional_centre("3334") == "3303"  # Flesberg → Kongsberg (BA region 7)
    assert areas.regional_centre("4223") == "4204"  # Vennesla → Kristiansand
    assert areas.regional_centre("5044") == "5044"  # Namsskogan is its own BA region
    assert areas.regional_centre("46") == "4601"  # Vestland: Bergen, never Oslo
    assert areas.regional_centre("32") == "0301"  # Akershus is served by Oslo
    assert areas.regional_centre("0") is None
    assert "3334" in areas.labour_market_members("3303")


def test_default_comparison_rule() -> None:
    kongsberg = areas.default_comparison("3303", n=3)
    assert len(kongsberg) == 3 and all(c[:2] == "33" for c in kongsberg)
    assert "3303" not in kongsberg
    # Oslo has no other municipality in its county: the nearest of the country fill the list.
    oslo = areas.default_comparison("0301", n=4)
    assert len(oslo) == 4 and all(c[:2] != "03" for c in oslo)
    assert areas.default_comparison("46") == [c for c in sorted(geography.county_names())
                                              if c != "46"]
    assert areas.default_comparison("0") == []
    # Nearest first by the documented distance, computed here by hand for Kongsberg.
    df = areas.attributes()
    log_pop, index = np.log(df["population_2022"].astype(float)), df["centrality_index"]
    others = [c for c in geography.municipalities_in_county("33") if c != "3303"]
    d = {c: abs(log_pop[c] - log_pop["3303"]) / log_pop.std()
         + abs(index[c] - index["3303"]) / index.std() for c in others}
    assert kongsberg == sorted(d, key=lambda c: (round(d[c], 12), c))[:3]


def test_info_of_a_county_and_the_country() -> None:
    vestland = areas.info("46")
    assert vestland.kind == "county" and vestland.name == "Vestland"
    assert vestland.regional_centre == "4601" and len(vestland.comparison) == 14
    norway = areas.info("0")
    assert norway.population_2022 == areas.attributes()["population_2022"].sum()
    assert norway.comparison == () and norway.labour_market_region is None


# --- the rule on the processed demo data (issue 12's areas) ----------------------------------

@pytest.mark.parametrize("code", ["4005", "46", "33", "5044", "0"])
def test_population_of_issue_areas_equals_the_sum_the_data_hold(in_demo_project, code) -> None:
    from pipeline import datasets

    change = datasets.load("population_change", "demo")
    pop = change[change["measure"] == "Folkemengde"]
    got = areas.sum_counts(pop, code, by=["year"]).set_index("year")["value"]
    munis = pop[pop["region"].isin(areas.members(code))]
    summed = munis.groupby("year")["value"].sum()
    pd.testing.assert_series_equal(got, summed, check_names=False)
    # 07459 by sex and age adds up to the same figure.
    by_age = datasets.load("population", "demo")
    total = areas.sum_counts(by_age, code, by=["year"]).set_index("year")["value"]
    pd.testing.assert_series_equal(total.loc[got.index], got, check_names=False)
    assert (got > 0).all() and got.index.min() == 2000


def test_slug_and_select() -> None:
    assert areas.slug("4005") == "4005-notodden"
    assert areas.slug("0301") == "0301-oslo-oslove"
    assert areas.slug("0") == "0-hele-landet"
    assert areas.slug("5612") == "5612-guovdageaidnu-kautokeino"  # Sámi letters to ASCII
    everything = areas.select("all,counties,0")
    assert len(everything) == 373 and len({areas.slug(c) for c in everything}) == 373
    assert len(areas.select("county:33")) == 18  # Buskerud's municipalities
    assert areas.select("4005, 4204,4005") == ["4005", "4204"]
    with pytest.raises(geography.GeographyError):
        areas.select("county:3303")
    with pytest.raises(geography.GeographyError):
        areas.select("Notodden")
