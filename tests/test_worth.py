"""What it is worth: effects and cohort changes in kroner, checked by hand on small frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis import worth


def test_share_effect_in_persons_keeps_the_interval_in_order():
    # −1.2 pp (−1.5 to −0.9) of 25 000 residents, fewer is better: 300 fewer (225 to 375).
    out = worth.effect_in_persons(-1.2, -1.5, -0.9, 25_000, "down")
    assert out == pytest.approx({"persons": 300.0, "persons_low": 225.0, "persons_high": 375.0})
    up = worth.effect_in_persons(2.0, 1.0, 3.0, 1_000, "up")
    assert up == pytest.approx({"persons": 20.0, "persons_low": 10.0, "persons_high": 30.0})
    with pytest.raises(ValueError, match="direction"):
        worth.effect_in_persons(1, 0, 2, 10, "sideways")


def test_kroner_conversion_of_value_and_interval():
    frame = pd.DataFrame({"persons": [300.0, -52.0], "persons_low": [225.0, -354.0],
                          "persons_high": [375.0, 250.0]})
    out = worth.to_kroner(frame, 61_000)
    expected = frame.assign(persons_kr=[18_300_000.0, -3_172_000.0],
                            persons_low_kr=[13_725_000.0, -21_594_000.0],
                            persons_high_kr=[22_875_000.0, 15_250_000.0])
    pd.testing.assert_frame_equal(out, expected)
    assert (out["persons_low_kr"] <= out["persons_kr"]).all()
    assert (out["persons_kr"] <= out["persons_high_kr"]).all()
    lifetime = worth.to_kroner(frame.iloc[:1], 16e6, suffix="_lifetime_kr")
    assert lifetime["persons_lifetime_kr"].iloc[0] == pytest.approx(4.8e9)
    for bad in (0, -61_000, math.nan, math.inf):
        with pytest.raises(ValueError, match="positive number of kroner"):
            worth.to_kroner(frame, bad)


def _cohorts(observed: dict[int, float], projected: dict[int, tuple[float, float, float]]
             ) -> pd.DataFrame:
    rows = [{"year": y, "observed": v, "main": math.nan, "low": math.nan, "high": math.nan}
            for y, v in observed.items()]
    rows += [{"year": y, "observed": math.nan, "main": m, "low": lo, "high": hi}
             for y, (m, lo, hi) in projected.items()]
    return pd.DataFrame(rows)


REGION = _cohorts({2025: 1000.0}, {2029: (900.0, 880.0, 920.0), 2033: (800.0, 760.0, 840.0)})
NATION = _cohorts({2025: 10_000.0}, {2029: (9500.0, 9400.0, 9600.0),
                                     2033: (9000.0, 8800.0, 9200.0)})


def test_shortfall_is_against_the_national_trend():
    out = worth.cohort_shortfall(REGION, NATION, 2025).set_index(["year", "alternative"])
    # Main 2029: the country falls 5 %, so 950 expected; 900 projected: 50 fewer.
    assert out.loc[(2029, "main"), "expected"] == pytest.approx(950.0)
    assert out.loc[(2029, "main"), "shortfall"] == pytest.approx(50.0)
    assert out.loc[(2033, "low"), "shortfall"] == pytest.approx(880.0 - 760.0)
    with pytest.raises(ValueError, match="base year 2024"):
        worth.cohort_shortfall(REGION, NATION, 2024)


def test_implied_value_per_person_and_kroner_with_range():
    shortfall = worth.cohort_shortfall(REGION, NATION, 2025)
    # Main shortfalls: 50 (2029) and 100 (2033). Published 10 and 25 mill kr:
    # Σ L·S / Σ S² = (10e6·50 + 25e6·100) / (50² + 100²) = 3.0e9 / 12 500 = 240 000 kr.
    value, fit = worth.implied_unit_value({2029: 10e6, 2033: 25e6, 2041: 1e9}, shortfall)
    assert value == pytest.approx(240_000.0)
    assert list(fit["year"]) == [2029, 2033]  # 2041 is beyond the projection
    assert list(fit["per_person"]) == pytest.approx([200_000.0, 250_000.0])
    assert list(fit["refitted"]) == pytest.approx([12e6, 24e6])
    kroner = worth.shortfall_in_kroner(shortfall, value).set_index("year")
    # 2033: low alternative 880 − 760 = 120, high 920 − 840 = 80, main 100.
    assert kroner.loc[2033, ["shortfall", "shortfall_low", "shortfall_high"]].tolist() == \
        pytest.approx([100.0, 80.0, 120.0])
    assert kroner.loc[2033, ["kr", "kr_low", "kr_high"]].tolist() == pytest.approx(
        [24e6, 19.2e6, 28.8e6])


def test_no_implied_value_without_a_positive_shortfall():
    flat = worth.cohort_shortfall(NATION.assign(observed=NATION["observed"]), NATION, 2025)
    value, fit = worth.implied_unit_value({2029: 10e6}, flat)
    assert math.isnan(value) and len(fit) == 1


def test_youth_result_turns_the_neet_effect_and_the_cohort_into_kroner(in_demo_project):
    """On demo data: Kristiansand's NEET effect and Buskerud's 16–18 shortfall, by hand."""
    from pipeline.analysis import youth_dropout as yd

    result = yd.compute("4204", program="flere-i-arbeid")
    neet = next(a for a in result.effects if a.indicator == "neet_share_15_29")
    row = result.worth.iloc[0]
    own = result.neet[result.neet["code"] == "4204"]
    population = float(own.loc[own["year"].idxmax(), "denominator"])
    assert row["kind"] == "effect" and row["population"] == population
    assert row["persons"] == pytest.approx(-neet.effect.estimate * population / 100)
    assert row["persons_low"] == pytest.approx(-neet.effect.ci_high * population / 100)
    assert row["persons_high_kr"] == pytest.approx(-neet.effect.ci_low * population / 100 * 61e3)
    assert "persons_lifetime_kr" not in row.index  # Kristiansand gives no lifetime value

    county = yd.compute("33", program="buskerudplanen")
    income = county.county_income
    fit = income["fit"].set_index("year")
    assert list(fit.index) == [2029, 2033, 2037, 2041]
    shortfall = fit["shortfall"]
    expected = (fit["published"] * shortfall).sum() / (shortfall ** 2).sum()
    assert income["per_person"] == pytest.approx(expected)
    kroner = income["kroner"].set_index("year")
    assert kroner.loc[2041, "kr"] == pytest.approx(shortfall[2041] * expected)
    assert (kroner["kr_low"] <= kroner["kr"]).all() and (kroner["kr"] <= kroner["kr_high"]).all()
    # A municipality programme gets no county income (the income system is the county's).
    assert yd.compute("3303", program="vekst-i-kongsberg").county_income["kroner"].empty
