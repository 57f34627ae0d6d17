"""Tests of the competence-gap analysis: hand-computed cases, planted truths, interval coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import i18n
from pipeline.analysis import competence_gap as cg
from pipeline.programs import Program
from pipeline.sources.tables import EMPLOYMENT_AGE_GROUPS

# ---------------------------------------------------------------------------------------------
# Small hand-made inputs
# ---------------------------------------------------------------------------------------------


def _projection(persons: dict[tuple[int, str], float], ages=range(20, 30)) -> pd.DataFrame:
    """year, sex, age, value with ``persons[(year, sex)]`` people at every age in ``ages``."""
    rows = [(year, sex, age, n) for (year, sex), n in persons.items() for age in ages]
    return pd.DataFrame(rows, columns=["year", "sex", "age", "value"])


def _rates(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame([(s, g, r) for (s, g), r in values.items()],
                        columns=["sex", "age_group", "rate"])


def test_supply_is_population_times_rates():
    proj = _projection({(2025, "1"): 100, (2026, "1"): 110, (2025, "2"): 50, (2026, "2"): 50})
    rates = _rates({("1", "20-24"): 0.5, ("1", "25-29"): 0.8,
                    ("2", "20-24"): 0.6, ("2", "25-29"): 0.9})
    supply = cg.labour_supply(proj, rates, base_year=2025)
    # 2025: 100·5·0.5 + 100·5·0.8 + 50·5·0.6 + 50·5·0.9
    assert supply[2025] == pytest.approx(1025.0)
    assert supply[2026] == pytest.approx(275 + 440 + 150 + 225)


def test_rate_lever_adds_percentage_points_after_base_year_only():
    proj = _projection({(2025, "1"): 100, (2026, "1"): 110, (2025, "2"): 50, (2026, "2"): 50})
    rates = _rates({("1", "20-24"): 0.5, ("1", "25-29"): 0.8,
                    ("2", "20-24"): 0.6, ("2", "25-29"): 0.9})
    base = cg.labour_supply(proj, rates, 2025)
    lifted = cg.labour_supply(proj, rates, 2025, rate_pp={"20-29": 5.0})
    assert lifted[2025] == pytest.approx(base[2025])
    assert lifted[2026] - base[2026] == pytest.approx(0.05 * (110 * 10 + 50 * 10))
    # Rates are capped at 100 %: women 25-29 go from 0.9 to 1.0, not 1.4.
    capped = cg.labour_supply(proj, rates, 2025, rate_pp={"25-29": 50.0})
    assert capped[2026] - base[2026] == pytest.approx(110 * 5 * 0.2 + 50 * 5 * 0.1)


def test_migration_lever_adds_working_migrants_cumulatively():
    groups = [(s, g) for s in ("1", "2") for g in EMPLOYMENT_AGE_GROUPS]
    rates = _rates({key: 0.6 for key in groups})
    proj = _projection({(y, s): 0 for y in range(2025, 2029) for s in ("1", "2")})
    supply = cg.labour_supply(proj, rates, 2025, net_in_migration_per_year=100)
    np.testing.assert_allclose(supply.to_numpy(), [0, 60, 120, 180])
    stock = cg.migrant_stock(100, 2025, [2027])
    assert stock["persons"].sum() == pytest.approx(200)
    assert stock["age"].min() == 20 and stock["age"].max() == 40  # first arrivals aged a year


def test_group_rates_are_built_from_counts_not_averaged():
    rows = []
    for region, emp, pct in (("3303", 50, 50.0), ("3305", 270, 90.0)):
        rows += [(region, "1", "20-24", "Sysselsatte", 2025, emp),
                 (region, "1", "20-24", "SysselsatteProsent", 2025, pct)]
    df = pd.DataFrame(rows, columns=["region", "sex", "age_group", "measure", "year", "value"])
    rates, year = cg.group_employment_rates(df, ["3303", "3305"])
    assert year == 2025
    assert rates["rate"].iloc[0] == pytest.approx(320 / 400)  # not (50 + 90) / 2 %


def test_age_group_parsing_and_errors():
    assert cg.parse_age_group("20-29") == (20, 29)
    assert cg.parse_age_group("20–24") == (20, 24)
    with pytest.raises(ValueError, match="must lie within"):
        cg.parse_age_group("10-19")
    with pytest.raises(ValueError, match="from-to"):
        cg.parse_age_group("young")


def test_replacement_counts_workers_turning_67():
    by_age = pd.DataFrame({"age_group": ["60-64", "65-69"], "value": [50.0, 20.0]})
    rep = cg.replacement_demand(by_age, 2025, range(2025, 2031))
    # Per age: 10 at 60–64, 4 at 65–69. 2026: everyone 66+ (66, 67, 68, 69) → 16; 2027: the
    # 65-year-olds → 4; 2028–2030: one age of the 60–64 group each → 10.
    np.testing.assert_allclose(rep["retiring"], [0, 16, 4, 10, 10, 10])
    np.testing.assert_allclose(rep["cumulative"], [0, 16, 20, 30, 40, 50])


# ---------------------------------------------------------------------------------------------
# Gap decomposition and scenario shocks
# ---------------------------------------------------------------------------------------------


def _decomposition_inputs():
    rng = np.random.default_rng(5)
    draws = 1000 + rng.normal(0, 30, (400, 3)).cumsum(axis=1)
    supply = pd.Series([800.0, 790.0, 785.0, 770.0], index=[2025, 2026, 2027, 2028])
    rep = pd.DataFrame({"year": [2025, 2026, 2027, 2028], "retiring": [0, 12.0, 9.0, 11.0],
                        "cumulative": [0, 12.0, 21.0, 32.0]})
    return draws, supply, rep


def test_decomposition_adds_up_and_matches_direct_computation():
    draws, supply, rep = _decomposition_inputs()
    out = cg.gap_decomposition(draws, 1000.0, supply, rep, 2025)
    direct_gap = draws.mean(axis=0) - 1000.0 - (supply.to_numpy()[1:] - 800.0)
    np.testing.assert_allclose(out["gap"].to_numpy()[1:], direct_gap, rtol=1e-12)
    parts = out["demand_growth"] + out["replacement"] + out["demography"]
    np.testing.assert_allclose(parts, out["gap"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["replacement"], [0, 12, 21, 32])
    np.testing.assert_allclose(out["demography"], [0, 10 - 12, 15 - 21, 30 - 32])
    assert out["gap"].iloc[0] == 0 and out["gap_low"].iloc[0] == out["gap_high"].iloc[0] == 0
    gap_draws = draws - 1000.0 - (supply.to_numpy()[1:] - 800.0)
    np.testing.assert_allclose(out["gap_high"].to_numpy()[1:],
                               np.quantile(gap_draws, 0.975, axis=0))


def test_job_shock_path_ramps_evenly():
    class Shock:
        jobs, from_year, to_year = 1000, 2025, 2029

    path = cg.job_shock_path([Shock()], range(2024, 2032))
    np.testing.assert_allclose(path.to_numpy(), [0, 200, 400, 600, 800, 1000, 1000, 1000])


def test_job_shock_moves_gap_and_interval_by_its_size():
    draws, supply, rep = _decomposition_inputs()
    extra = pd.Series([0.0, 100.0, 250.0, 400.0], index=supply.index)
    base = cg.gap_decomposition(draws, 1000.0, supply, rep, 2025)
    shocked = cg.gap_decomposition(draws, 1000.0, supply, rep, 2025, extra)
    np.testing.assert_allclose(shocked["gap"] - base["gap"], extra.to_numpy())
    np.testing.assert_allclose(shocked["gap_low"] - base["gap_low"], extra.to_numpy())
    np.testing.assert_allclose(shocked["demand_growth"] - base["demand_growth"], extra.to_numpy())


# ---------------------------------------------------------------------------------------------
# A small synthetic world for the whole analysis
# ---------------------------------------------------------------------------------------------

HORIZON = 2040


def _world(job_years: range = range(2010, 2026), persons: float = 100.0) -> dict:
    rng = np.random.default_rng(3)
    jobs = [("3303", ind, "SysselEtterArbste", y, 500 + 10 * (y - 2010) + rng.normal(0, 5))
            for ind in ("10-33", "86-88", "58-63") for y in job_years]
    rate_rows = []
    for sex in ("1", "2"):
        for group in EMPLOYMENT_AGE_GROUPS:
            pop = persons * 5
            rate_rows += [("3303", sex, group, "Sysselsatte", 2025, 0.5 * pop),
                          ("3303", sex, group, "SysselsatteProsent", 2025, 50.0)]
    proj = [("3303", sex, age, alt, y, persons * factor)
            for alt, factor in (("MMMM", 1.0), ("LLML", 0.9), ("HHMH", 1.1))
            for y in range(2024, HORIZON + 1) for sex in ("1", "2") for age in range(106)]
    by_age = [("3303", "00-99", "1", g, "Sysselsatte", 2025, 40.0) for g in EMPLOYMENT_AGE_GROUPS]
    return {
        "employment_by_industry": pd.DataFrame(jobs, columns=["region", "industry", "measure",
                                                              "year", "value"]),
        "employment_rate": pd.DataFrame(rate_rows, columns=["region", "sex", "age_group",
                                                            "measure", "year", "value"]),
        "population_projection": pd.DataFrame(proj, columns=["region", "sex", "age",
                                                             "alternative", "year", "value"]),
        "employment_by_age": pd.DataFrame(by_age, columns=["region", "industry", "sex",
                                                           "age_group", "measure", "year",
                                                           "value"]),
    }


def _program(scenarios: dict | None = None) -> Program:
    return Program.model_validate({
        "id": "test", "title": "Test", "owner": "Test", "region": {"municipalities": ["3303"],
                                                                   "label": "Testby"},
        "start_year": 2019, "horizon": HORIZON, "analyses": ["competence_gap"],
        "scenarios": scenarios or {}})


@pytest.fixture()
def world(monkeypatch: pytest.MonkeyPatch):
    def install(**kwargs):
        data = _world(**kwargs)
        monkeypatch.setattr(cg, "_load", lambda dataset, source: data[dataset])
        return data
    return install


def test_scenario_levers_move_the_gap_by_the_expected_amount(world):
    world()
    program = _program({
        "rates": {"label": "Rates", "employment_rate_pp": {"20-29": 2.0}},
        "movers": {"label": "Movers", "net_in_migration_per_year": 10},
        "jobs": {"label": "Jobs", "job_shocks": [{"industry": "10-33", "jobs": 300,
                                                  "from_year": 2026, "to_year": 2028,
                                                  "label": "x"}]},
    })
    result = cg.analyse(["3303"], program, "demo", "Testby", repetitions=300)
    assert result.ok, result.problems
    sc = result.scenarios.set_index("key")["vs_baseline"]
    # 2 pp of 100 persons × 10 ages × 2 sexes = 40 more employed residents: gap −40.
    assert sc["rates"] == pytest.approx(-40.0)
    # 10 movers a year for 15 years at a 50 % employment rate: gap −75.
    assert sc["movers"] == pytest.approx(-75.0)
    assert sc["jobs"] == pytest.approx(300.0)
    # Population alternatives: ±10 % of the baseline supply change (with constant rates only
    # the level differs, and the base year is fixed), so the gap changes by −(S_alt − S_base).
    supply = result.supply
    expected_low = -((supply["LLML"][HORIZON] - supply["LLML"][result.base_year])
                     - (supply["MMMM"][HORIZON] - supply["MMMM"][result.base_year]))
    assert sc["low"] == pytest.approx(expected_low)
    gaps = result.baseline
    np.testing.assert_allclose(gaps["demand_growth"] + gaps["replacement"] + gaps["demography"],
                               gaps["gap"], atol=1e-9)
    assert set(result.scenarios["key"]) >= {"baseline", "everything_right", "low", "high"}
    assert len(result.backtest) == 5


def test_too_little_history_is_reported_not_raised(world):
    world(job_years=range(2021, 2026))
    result = cg.analyse(["3303"], _program(), "demo", "Testby", repetitions=100)
    assert not result.ok
    assert result.problems == ["jobs:5"]

    class Ctx:
        language = "en"

        def t(self, key, **values):
            return i18n.t(key, "en", **values)

    assert "only 5 years" in cg.problem_text(Ctx(), result)


def test_missing_region_is_reported(world):
    world()
    result = cg.analyse(["3305"], _program(), "demo", "Elsewhere", repetitions=100)
    assert "employment_rate" in result.problems and "jobs:0" in result.problems

    class Ctx:
        def t(self, key, **values):
            return i18n.t(key, "en", **values)

    text = cg.problem_text(Ctx(), result)
    assert "Elsewhere" in text and "06445" in text and "13470" in text


# ---------------------------------------------------------------------------------------------
# Demand models: second computation, planted truth, coverage, aggregation
# ---------------------------------------------------------------------------------------------


def test_drift_forecast_matches_statsmodels_arima():
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(8)
    y = 300 + np.cumsum(4 + rng.normal(0, 6, 16))
    ours = cg.point_forecast(cg.fit_series(y, "drift"), 4)
    theirs = ARIMA(y, order=(0, 1, 0), trend="t").fit().forecast(4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_unknown_model_is_an_error():
    with pytest.raises(ValueError, match="unknown demand model"):
        cg.fit_series([1.0, 2.0, 3.0, 4.0, 5.0], "ets")


def _ar_series(rng: np.random.Generator, n: int, rho: float = 0.5, sd: float = 10.0):
    e = rng.normal(0, sd, n)
    u = np.zeros(n)
    for t in range(n):
        u[t] = rho * (u[t - 1] if t else 0.0) + e[t]
    return 200 + 3 * np.arange(n) + u


def test_planted_ramp_shock_recovered_in_simulated_series():
    rng = np.random.default_rng(21)
    years = np.arange(2008, 2026)
    ramp = np.clip((years - 2019 + 1) / 6, 0, 1)
    y = _ar_series(rng, len(years)) + 500 * ramp
    est = cg.estimate_job_shock(pd.Series(y, index=years), 2019, 2024)
    assert est["low"] < 500 < est["high"]
    null = cg.estimate_job_shock(pd.Series(_ar_series(rng, len(years)), index=years), 2019, 2024)
    assert null["low"] < 0 < null["high"]


def test_planted_demand_shock_recovered_in_demo_data(in_demo_project):
    from pipeline import datasets
    from pipeline.sources.demo import PLANTED_DEMAND_SHOCK as planted

    df = datasets.load("employment_by_industry", "demo")
    rows = df[(df["region"] == planted["region"]) & (df["industry"] == planted["industry"])]
    est = cg.estimate_job_shock(rows.set_index("year")["value"], planted["from_year"],
                                planted["to_year"])
    assert est["low"] < planted["jobs"] < est["high"]
    assert est["high"] - est["low"] < planted["jobs"]  # informative, not just wide


def test_whole_analysis_on_demo_county(in_demo_project):
    from pipeline.programs import load_program

    program = load_program("buskerudplanen")
    result = cg.analyse(["33"], program, "demo", "Buskerud", repetitions=400)
    assert result.ok, result.problems
    gaps = result.baseline
    assert gaps["year"].iloc[-1] == program.horizon and gaps["gap"].iloc[0] == 0
    np.testing.assert_allclose(gaps["demand_growth"] + gaps["replacement"] + gaps["demography"],
                               gaps["gap"], atol=1e-6)
    assert (gaps["gap_low"] <= gaps["gap"]).all() and (gaps["gap"] <= gaps["gap_high"]).all()
    keys = set(result.scenarios["key"])
    assert {"baseline", "everything_right", "low", "high"} <= keys
    sc = result.scenarios.set_index("key")
    # More people in work and more in-movers can only shrink the gap.
    assert sc.loc["everything_right", "vs_baseline"] < 0


@pytest.mark.parametrize("model", ["trend_ar", "drift"])
def test_interval_coverage_of_aggregated_demand(model):
    """95 % intervals of a three-industry total cover 90–99 % of simulated outcomes."""
    rng = np.random.default_rng(2024)
    n, steps, hits = 16, 3, []
    for rep in range(300):
        if model == "trend_ar":
            series = [_ar_series(rng, n + steps) for _ in range(3)]
        else:
            series = [200 + np.cumsum(3 + rng.normal(0, 10, n + steps)) for _ in range(3)]
        fits = [cg.fit_series(s[:n], model) for s in series]
        total = cg.simulate_demand(fits, steps, 600, seed=rep).sum(axis=2)
        low, high = np.quantile(total, [0.025, 0.975], axis=0)
        actual = sum(s[n:] for s in series)
        hits.extend((low <= actual) & (actual <= high))
    coverage = float(np.mean(hits))
    assert 0.90 <= coverage <= 0.99, coverage


def test_industry_intervals_are_aggregated_by_simulation_not_summed():
    rng = np.random.default_rng(4)
    fits = [cg.fit_series(_ar_series(rng, 16), "trend_ar") for _ in range(4)]
    draws = cg.simulate_demand(fits, 5, 4000, seed=1)
    widths = np.diff(np.quantile(draws[:, -1, :], [0.025, 0.975], axis=0), axis=0).ravel()
    total = draws[:, -1, :].sum(axis=1)
    total_width = float(np.diff(np.quantile(total, [0.025, 0.975]))[0])
    assert total_width < 0.8 * widths.sum()  # summing bounds would overstate the interval
    assert total_width > np.sqrt((widths ** 2).sum()) * 0.9  # but shocks are not ignored


def test_model_comparison_prefers_the_true_model_on_clear_cases():
    rng = np.random.default_rng(9)
    years = range(2008, 2026)
    trend = pd.DataFrame({k: _ar_series(rng, len(years), rho=0.2, sd=4) for k in "ab"},
                         index=years)
    walk = pd.DataFrame({k: 500 + np.cumsum(rng.normal(0, 25, len(years))) for k in "ab"},
                        index=years)
    assert cg.compare_models(trend)["model"].iloc[0] == "trend_ar"
    assert set(cg.compare_models(walk)["model"]) == {"trend_ar", "drift"}


# ---------------------------------------------------------------------------------------------
# Education and indicators
# ---------------------------------------------------------------------------------------------


def _education_frame() -> pd.DataFrame:
    rows = []
    for year in range(2015, 2022):
        higher = 300 + 10 * (year - 2015)
        counts = {"01": 200, "02a": 400 - 10 * (year - 2015), "11": 50, "03a": higher / 2,
                  "04a": higher / 2, "09a": 50}
        for level, n in counts.items():
            value = np.nan if year == 2021 else float(n)  # 2021: not yet published
            rows.append(("3303", level, "0", "Personer", year, value))
    return pd.DataFrame(rows, columns=["region", "level", "sex", "measure", "year", "value"])


def test_higher_education_share_and_trend():
    shares = cg.education_shares(_education_frame(), ["3303"])
    assert shares["year"].max() == 2020
    higher = cg.higher_education_share(shares)
    np.testing.assert_allclose(higher["value"], [30, 31, 32, 33, 34, 35])
    trend = cg.share_trend(higher)
    assert trend["slope"] == pytest.approx(1.0)
    assert trend["low"] <= 1.0 <= trend["high"]


def test_indicators_panels(monkeypatch: pytest.MonkeyPatch):
    data = _world()
    data["education"] = _education_frame()
    monkeypatch.setattr(cg, "_load", lambda dataset, source: data[dataset])
    assert set(cg.INDICATORS) == {"employment_rate_20_66", "employed_by_workplace",
                                  "higher_education_share"}
    rate = cg.INDICATORS["employment_rate_20_66"]("demo")
    # Every group has 500 people at 50 %: ages 20–64 (9 groups) + 2/5 of 65–69, both sexes.
    row = rate.iloc[0]
    assert row["denominator"] == pytest.approx(2 * (9 * 500 + 0.4 * 500))
    assert row["value"] == pytest.approx(50.0)
    jobs = cg.INDICATORS["employed_by_workplace"]("demo")
    assert list(jobs.columns) == ["region", "year", "value"] and len(jobs) == 16
    edu = cg.INDICATORS["higher_education_share"]("demo")
    assert edu["value"].iloc[0] == pytest.approx(30.0) and len(edu) == 6
