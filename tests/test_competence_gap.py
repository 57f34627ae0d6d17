"""Tests of the competence-gap analysis: hand-computed cases, planted truths, interval coverage."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import i18n, report
from pipeline.analysis import competence_gap as cg
from pipeline.analysis.competence_gap import demand as dm
from pipeline.analysis.competence_gap import statistics as st
from pipeline.programs import Program
from pipeline.sources.tables import EMPLOYMENT_AGE_GROUPS

compute_module = importlib.import_module("pipeline.analysis.competence_gap.compute")


def _projection(persons: dict[tuple[int, str], float], ages=range(20, 30)) -> pd.DataFrame:
    """year, sex, age, value with ``persons[(year, sex)]`` people at every age in ``ages``."""
    rows = [(year, sex, age, n) for (year, sex), n in persons.items() for age in ages]
    return pd.DataFrame(rows, columns=["year", "sex", "age", "value"])


def _rates(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame([(s, g, r) for (s, g), r in values.items()],
                        columns=["sex", "age_group", "rate"])


RATES = _rates({("1", "20-24"): 0.5, ("1", "25-29"): 0.8, ("2", "20-24"): 0.6,
                ("2", "25-29"): 0.9})
PROJ = _projection({(2025, "1"): 100, (2026, "1"): 110, (2025, "2"): 50, (2026, "2"): 50})


def test_supply_is_population_times_rates():
    supply = st.supply_decomposition(PROJ, RATES, base_year=2025).set_index("year")["supply"]
    assert supply[2025] == pytest.approx(100 * 5 * 0.5 + 100 * 5 * 0.8 + 50 * 5 * 0.6
                                         + 50 * 5 * 0.9)
    assert supply[2026] == pytest.approx(275 + 440 + 150 + 225)


def test_decomposition_matches_hand_computation():
    """One year of ageing: each cohort moves one age up at the base year's rates."""
    out = st.supply_decomposition(PROJ, RATES, base_year=2025)
    # Cohorts aged 24 move from rate 0.5/0.6 to 0.8/0.9: new entrants 100·0.3 + 50·0.3 = 45.
    # Cohorts aged 29 leave the table's ages 20–29 (rate 0 at 30 here): replacement
    # 100·0.8 + 50·0.9 = 125. Closed supply 1025 + 45 − 125 = 945; actual 1090: migration 145.
    expected = pd.DataFrame({"year": [2025, 2026], "supply": [1025.0, 1090.0],
                             "replacement": [0.0, 125.0], "new_entrants": [0.0, 45.0],
                             "migration_deaths": [0.0, 145.0], "levers": [0.0, 0.0]})
    pd.testing.assert_frame_equal(out.reset_index(drop=True), expected)


def test_rate_lever_adds_percentage_points_after_base_year_only():
    base = st.supply_decomposition(PROJ, RATES, 2025).set_index("year")
    lifted = st.supply_decomposition(PROJ, RATES, 2025, rate_pp={"20-29": 5.0}).set_index("year")
    assert lifted.loc[2025, "supply"] == pytest.approx(base.loc[2025, "supply"])
    assert lifted.loc[2026, "levers"] == pytest.approx(0.05 * (110 * 10 + 50 * 10))
    capped = st.supply_decomposition(PROJ, RATES, 2025, rate_pp={"25-29": 50.0}).set_index("year")
    assert capped.loc[2026, "levers"] == pytest.approx(110 * 5 * 0.2 + 50 * 5 * 0.1)


def test_migration_lever_adds_working_migrants_cumulatively():
    rates = _rates({(s, g): 0.6 for s in ("1", "2") for g in EMPLOYMENT_AGE_GROUPS})
    proj = _projection({(y, s): 0 for y in range(2025, 2029) for s in ("1", "2")})
    supply = st.supply_decomposition(proj, rates, 2025, net_in_migration_per_year=100)
    np.testing.assert_allclose(supply["supply"], [0, 60, 120, 180])
    np.testing.assert_allclose(supply["migration_deaths"], [0, 60, 120, 180])
    stock = st.migrant_stock(100, 2025, [2027])
    assert stock["value"].sum() == pytest.approx(200)
    assert stock["age"].min() == 20 and stock["age"].max() == 40


def test_group_rates_are_built_from_counts_not_averaged():
    rows = []
    for region, emp, pct in (("3303", 50, 50.0), ("3305", 270, 90.0)):
        rows += [(region, "1", "20-24", "Sysselsatte", 2025, emp),
                 (region, "1", "20-24", "SysselsatteProsent", 2025, pct)]
    df = pd.DataFrame(rows, columns=["region", "sex", "age_group", "measure", "year", "value"])
    counts = st.employment_counts(df).groupby(["year", "sex", "age_group"], as_index=False)[
        ["employed", "population"]].sum()
    rates = st.group_rates(counts, 2025)
    assert rates["rate"].iloc[0] == pytest.approx(320 / 400)  # not (50 + 90) / 2 %


def test_age_group_parsing_and_errors():
    assert st.parse_age_group("20-29") == (20, 29)
    assert st.parse_age_group("20–24") == (20, 24)
    with pytest.raises(ValueError, match="must lie within"):
        st.parse_age_group("10-19")
    with pytest.raises(ValueError, match="from-to"):
        st.parse_age_group("young")


def _gap_inputs(reps: int = 400):
    rng = np.random.default_rng(5)
    draws = 1000 + rng.normal(0, 30, (reps, 3)).cumsum(axis=1)
    parts = pd.DataFrame({"year": [2025, 2026, 2027, 2028],
                          "supply": [800.0, 790.0, 785.0, 770.0],
                          "replacement": [0.0, 12.0, 21.0, 32.0],
                          "new_entrants": [0.0, 5.0, 9.0, 10.0],
                          "migration_deaths": [0.0, -3.0, -3.0, -8.0], "levers": 0.0})
    return draws, parts


def test_gap_adds_up_and_interval_includes_supply_draws():
    draws, parts = _gap_inputs()
    ones = np.ones((400, 3))
    out = st.gap_frame(draws, 1000.0, parts, ones)
    direct = draws.mean(axis=0) - 1000.0 - (parts["supply"].to_numpy()[1:] - 800.0)
    np.testing.assert_allclose(out["gap"].to_numpy()[1:], direct, rtol=1e-12)
    parts_sum = (out["demand_growth"] + out["replacement"] - out["new_entrants"]
                 - out["migration_deaths"] - out["levers"])
    np.testing.assert_allclose(parts_sum, out["gap"], atol=1e-9)
    assert out["gap"].iloc[0] == 0 and out["gap_low"].iloc[0] == out["gap_high"].iloc[0] == 0
    wider = st.gap_frame(draws, 1000.0, parts, np.exp(np.random.default_rng(1).normal(
        0, 0.05, (400, 3))))
    assert (wider["gap_high"] - wider["gap_low"]).iloc[-1] > (out["gap_high"]
                                                              - out["gap_low"]).iloc[-1]


def test_job_shock_path_ramps_evenly_and_moves_gap_by_its_size():
    class Shock:
        jobs, from_year, to_year = 1000, 2025, 2029

    path = st.job_shock_path([Shock()], range(2024, 2032))
    np.testing.assert_allclose(path.to_numpy(), [0, 200, 400, 600, 800, 1000, 1000, 1000])
    draws, parts = _gap_inputs()
    extra = pd.Series([0.0, 100.0, 250.0, 400.0], index=parts["year"])
    base = st.gap_frame(draws, 1000.0, parts, np.ones((400, 3)))
    shocked = st.gap_frame(draws, 1000.0, parts, np.ones((400, 3)), extra)
    np.testing.assert_allclose(shocked["gap"] - base["gap"], extra.to_numpy())
    np.testing.assert_allclose(shocked["gap_low"] - base["gap_low"], extra.to_numpy())


def test_rate_multipliers_widen_with_the_rate_history_noise():
    calm = pd.Series(0.7 + np.random.default_rng(2).normal(0, 0.001, 15), index=range(15))
    noisy = pd.Series(0.7 + np.random.default_rng(2).normal(0, 0.02, 15), index=range(15))
    m_calm = st.rate_multipliers(calm, 10, 2000, 1)
    m_noisy = st.rate_multipliers(noisy, 10, 2000, 1)
    assert np.std(m_noisy[:, -1]) > 5 * np.std(m_calm[:, -1])
    np.testing.assert_array_equal(st.rate_multipliers(calm.iloc[:3], 4, 10, 1), np.ones((10, 4)))


# ---------------------------------------------------------------------------------------------
# Demand model and backtest
# ---------------------------------------------------------------------------------------------


def test_drift_forecast_matches_statsmodels_arima():
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(8)
    y = 300 + np.cumsum(4 + rng.normal(0, 6, 16))
    ours = dm.point_forecast(dm.fit_series(y, "drift"), 4)
    theirs = ARIMA(y, order=(0, 1, 0), trend="t").fit().forecast(4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_unknown_model_is_an_error():
    with pytest.raises(ValueError, match="unknown demand model"):
        dm.fit_series([1.0, 2.0, 3.0, 4.0, 5.0], "ets")


def test_backtest_of_an_exact_line_is_exact_and_counts_outcomes():
    jobs = pd.DataFrame({"a": 100 + 5.0 * np.arange(12), "b": 50 + 2.0 * np.arange(12)},
                        index=range(2010, 2022))
    bt = dm.backtest(jobs, max_horizon=15, repetitions=50)
    # Origins 2017…2020 (8…11 years of data), horizons up to the last year.
    assert sorted(bt["origin"].unique()) == [2017, 2018, 2019, 2020]
    np.testing.assert_allclose(bt["forecast"], bt["actual"])
    cov = dm.coverage_by_horizon(bt)
    assert cov["n"].tolist() == [4, 3, 2, 1] and cov["coverage"].tolist() == [100.0] * 4


def test_interval_coverage_of_aggregated_random_walks():
    """95 % intervals of a three-industry total cover 90–99 % of simulated outcomes."""
    rng = np.random.default_rng(2024)
    n, steps, hits = 18, 5, []
    for rep in range(200):
        series = [200 + np.cumsum(3 + rng.normal(0, 10, n + steps)) for _ in range(3)]
        fits = [dm.fit_series(s[:n], "drift") for s in series]
        total = dm.simulate_demand(fits, steps, 400, seed=rep).sum(axis=2)
        low, high = dm.interval(total[:, -1])
        hits.append(low <= sum(s[-1] for s in series) <= high)
    assert 0.90 <= float(np.mean(hits)) <= 0.99


def _ar_series(rng: np.random.Generator, n: int, rho: float = 0.5, sd: float = 10.0):
    e, u = rng.normal(0, sd, n), np.zeros(n)
    for t in range(n):
        u[t] = rho * (u[t - 1] if t else 0.0) + e[t]
    return 200 + 3 * np.arange(n) + u


def test_planted_ramp_shock_recovered_in_simulated_series():
    rng = np.random.default_rng(21)
    years = np.arange(2008, 2026)
    ramp = np.clip((years - 2019 + 1) / 6, 0, 1)
    est = st.estimate_job_shock(pd.Series(_ar_series(rng, len(years)) + 500 * ramp, index=years),
                                2019, 2024)
    assert est["low"] < 500 < est["high"]
    null = st.estimate_job_shock(pd.Series(_ar_series(rng, len(years)), index=years), 2019, 2024)
    assert null["low"] < 0 < null["high"]


def test_planted_demand_shock_recovered_in_demo_data(in_demo_project):
    from pipeline import datasets
    from pipeline.sources.demo import PLANTED_DEMAND_SHOCK as planted

    df = datasets.load("employment_by_industry", "demo")
    rows = df[(df["region"] == planted["region"]) & (df["industry"] == planted["industry"])]
    est = st.estimate_job_shock(rows.set_index("year")["value"], planted["from_year"],
                                planted["to_year"])
    assert est["low"] < planted["jobs"] < est["high"]
    assert est["high"] - est["low"] < planted["jobs"]


# ---------------------------------------------------------------------------------------------
# compute() on a small synthetic world and on demo data
# ---------------------------------------------------------------------------------------------

HORIZON = 2040
# Persons 16+ by field of study (5 technical, 0 general, 9 unspecified) in 2024.
FIELD_COUNTS = {"3303": {"0": 60.0, "5": 30.0, "9": 10.0},
                "33": {"0": 120.0, "5": 50.0, "9": 30.0},
                "0": {"0": 700.0, "5": 200.0, "9": 100.0}}

# Employed residents by occupation in 2024 (per 1 000; scaled by region): the ten major groups
# add up to the total, the ICT and engineering sub-major groups sit inside groups 2 and 3.
OCC_MAJORS = {"3303": [20, 80, 300, 200, 60, 200, 10, 60, 50, 20],
              "33": [20, 80, 290, 195, 60, 215, 10, 60, 50, 20],
              "0": [20, 80, 280, 190, 60, 230, 10, 60, 50, 20]}
OCC_SUBS = {"3303": {"21": 120, "25": 60, "31": 80, "35": 3},
            "33": {"21": 60, "25": 45, "31": 45, "35": 10},
            "0": {"21": 50, "25": 40, "31": 35, "35": 10}}
OCC_SCALE = {"3303": 1, "33": 10, "0": 100}


def _occupation_rows() -> list[tuple]:
    rows = []
    for region, majors in OCC_MAJORS.items():
        scale = OCC_SCALE[region]
        counts = {str(i): n * scale for i, n in enumerate(majors)}
        counts.update({k: n if region == "3303" else n * scale
                       for k, n in OCC_SUBS[region].items()})
        rows += [(region, code, "Sysselsatte", 2024, float(n)) for code, n in counts.items()]
        # 2023: Kongsberg's group 6 is missing, so the year is left out for Kongsberg only.
        rows += [(region, code, "Sysselsatte", 2023,
                  np.nan if (region, code) == ("3303", "6") else float(n))
                 for code, n in counts.items()]
    return rows


def _world(job_years: range = range(2010, 2026), persons: float = 100.0) -> dict:
    rng = np.random.default_rng(3)
    jobs = [("3303", ind, "SysselEtterArbste", y, 500 + 10 * (y - 2010) + rng.normal(0, 5))
            for ind in ("10-33", "86-88", "58-63") for y in job_years]
    rate_rows = []
    for year in range(2018, 2026):
        for sex in ("1", "2"):
            for group in EMPLOYMENT_AGE_GROUPS:
                rate_rows += [("3303", sex, group, "Sysselsatte", year, 0.5 * persons * 5),
                              ("3303", sex, group, "SysselsatteProsent", year, 50.0)]
    proj = [("3303", sex, age, alt, y, persons * factor)
            for alt, factor in (("MMMM", 1.0), ("LLML", 0.9), ("HHMH", 1.1))
            for y in range(2024, HORIZON + 1) for sex in ("1", "2") for age in range(106)]
    edu = [("3303", level, "0", "Personer", y, 100.0) for y in range(2015, 2025)
           for level in ("01", "03a")]
    fields = [(region, field, "Personer", 2024, n) for region, counts in FIELD_COUNTS.items()
              for field, n in counts.items()]
    return {
        "employment_by_industry": pd.DataFrame(jobs, columns=["region", "industry", "measure",
                                                              "year", "value"]),
        "employment_rate": pd.DataFrame(rate_rows, columns=["region", "sex", "age_group",
                                                            "measure", "year", "value"]),
        "population_projection": pd.DataFrame(proj, columns=["region", "sex", "age",
                                                             "alternative", "year", "value"]),
        "education": pd.DataFrame(edu, columns=["region", "level", "sex", "measure", "year",
                                                "value"]),
        "education_by_field": pd.DataFrame(fields, columns=["region", "field", "measure", "year",
                                                            "value"]),
        "employment_by_occupation": pd.DataFrame(
            _occupation_rows(), columns=["region", "occupation", "measure", "year", "value"]),
    }


def _program(scenarios: dict | None = None) -> Program:
    return Program.model_validate({
        "id": "test", "title": "Test", "owner": "Test",
        "region": {"municipalities": ["3303"], "label": "Testby"}, "start_year": 2019,
        "horizon": HORIZON, "analyses": ["competence_gap"], "scenarios": scenarios or {}})


@pytest.fixture()
def world(monkeypatch: pytest.MonkeyPatch):
    def install(**kwargs):
        data = _world(**kwargs)
        monkeypatch.setattr(compute_module, "_load", lambda dataset, source: data[dataset])
        return data
    return install


def test_compute_commuting_frame_matches_hand_computation(world):
    data = world()
    result = cg.compute("3303", program=_program(), repetitions=200, backtest_repetitions=50)
    assert result.ok, result.problems
    jobs = data["employment_by_industry"].groupby("year")["value"].sum()
    employed = 2 * len(EMPLOYMENT_AGE_GROUPS) * 0.5 * 100 * 5
    expected = pd.DataFrame({"year": range(2018, 2026), "jobs": jobs.loc[2018:2025].to_numpy(),
                             "residents": employed})
    expected["net_in_commuting"] = expected["jobs"] - expected["residents"]
    expected["ratio"] = expected["jobs"] / expected["residents"]
    pd.testing.assert_frame_equal(result.commuting, expected, check_dtype=False)


def test_scenario_levers_move_the_gap_by_the_expected_amount(world):
    world()
    program = _program({
        "rates": {"label": "Rates", "employment_rate_pp": {"20-29": 2.0}},
        "movers": {"label": "Movers", "net_in_migration_per_year": 10},
        "jobs": {"label": "Jobs", "job_shocks": [{"industry": "10-33", "jobs": 300,
                                                  "from_year": 2026, "to_year": 2028,
                                                  "label": "x"}]},
    })
    result = cg.compute("3303", program=program, repetitions=300, backtest_repetitions=50)
    sc = result.scenarios.set_index("key")["vs_baseline"]
    assert sc["rates"] == pytest.approx(-40.0)  # 2 pp of 100 × 10 ages × 2 sexes
    assert sc["movers"] == pytest.approx(-75.0)  # 10 a year for 15 years at 50 %
    assert sc["jobs"] == pytest.approx(300.0)
    gaps = result.gap
    np.testing.assert_allclose(gaps["demand_growth"] + gaps["replacement"] - gaps["new_entrants"]
                               - gaps["migration_deaths"] - gaps["levers"], gaps["gap"],
                               atol=1e-9)
    assert set(result.scenarios["key"]) >= {"baseline", "everything_right", "low", "high"}
    assert result.backtest_horizon == 8 and result.reported_horizon == 15
    assert 0 <= result.backtest_coverage <= 100


def test_field_of_study_frames_match_hand_computation(world):
    world()
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    fields = result.fields.set_index(["region", "field"])
    assert list(result.fields.columns) == ["region", "year", "field", "persons", "share"]
    assert fields.loc[("3303", "5"), "share"] == pytest.approx(30.0)  # 30 of 100
    assert fields.loc[("33", "5"), "share"] == pytest.approx(25.0)  # 50 of 200
    assert fields.loc[("0", "0"), "share"] == pytest.approx(70.0)  # 700 of 1000
    tech = result.field_comparison.set_index("field").loc["5"]
    assert (tech["share"], tech["share_county"], tech["share_national"]) == pytest.approx(
        (30.0, 25.0, 20.0))
    assert tech["diff_national"] == pytest.approx(10.0)
    # 30 % of 100 against 20 % of 1000: a z of about 2.4, so p is below 0.05.
    assert tech["p_national"] < 0.05
    assert result.field_comparison.set_index("field").loc["9", "p_national"] > 0.5  # 10 % both


def test_missing_field_of_study_table_blocks_nothing(monkeypatch: pytest.MonkeyPatch):
    """08921's codes are unverified: without the dataset the rest of the analysis still runs."""
    from pipeline import datasets

    data = _world()

    def load(dataset, source):
        if dataset == "education_by_field":
            raise datasets.DataError("data/processed/ssb/education_by_field.parquet missing")
        return data[dataset]

    monkeypatch.setattr(compute_module, "_load", load)
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    assert result.ok and result.fields.empty and result.field_comparison.empty
    assert "education_by_field" not in result.sources
    assert datasets.blocked_analyses("education_by_field") == []


def test_occupation_frames_match_hand_computation(world):
    world()
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    occ = result.occupations
    assert list(occ.columns) == ["region", "year", "occupation", "level", "employed", "share",
                                 "suppressed"]
    # Kongsberg's 2023 lacks a major group: left out, not understated; the others keep it.
    assert set(occ.loc[occ.region == "3303", "year"]) == {2024}
    assert set(occ.loc[occ.region == "0", "year"]) == {2023, 2024}
    comp = result.occupation_comparison.set_index("occupation")
    assert comp.loc["2", "share"] == pytest.approx(30.0)  # 300 of 1 000
    assert comp.loc["21", ["share", "share_county", "share_national"]].tolist() == \
        pytest.approx([12.0, 6.0, 5.0])
    ict = comp.loc["ikt"]
    assert ict["level"] == "sum" and ict["employed"] == 263
    assert (ict["share"], ict["share_county"], ict["share_national"]) == pytest.approx(
        (26.3, 16.0, 13.5))
    assert ict["diff_national"] == pytest.approx(12.8) and ict["p_national"] < 1e-6
    # 3 ICT technicians are below the threshold; 25 (the smallest other cell of the sub-groups
    # and their published sum) goes too, or 263 − 120 − 60 − 80 would give the 3 away.
    assert comp.loc[["35", "25"], "suppressed"].all()
    assert not comp.loc[["21", "31", "ikt", "2"], "suppressed"].any()
    assert comp.loc[["35", "25"], ["diff_national", "p_national"]].isna().all().all()


def test_occupation_shares_suppress_small_counts_and_what_would_reveal_them():
    from pipeline import disclosure
    from pipeline.analysis.competence_gap import skills

    counts = pd.DataFrame({"year": 2024, "occupation": ["1", "2", "3", "21", "25"],
                           "value": [50.0, 47.0, 3.0, 30.0, 9.0]})
    out = skills.occupation_shares(counts, ["1", "2", "3"], ["21", "25"]).set_index("occupation")
    assert out.loc["2", "share"] == pytest.approx(47.0) and out.loc["ikt", "employed"] == 39
    # Group 3 (3 persons) is primary; the major groups add up to all employed, so the smallest
    # other major group (2) is suppressed as well. The sub-groups are all published.
    assert out["suppressed"].to_dict() == {"1": False, "2": True, "3": True, "21": False,
                                           "25": False, "ikt": False}
    # The same rule as every published table: nothing to add for disclosure control.
    shown = out.reset_index().assign(employed=lambda d: d["employed"].where(
        ~d["suppressed"], disclosure.SUPPRESSED).astype(object))
    majors = shown[shown.level == "major"]
    assert disclosure.audit(majors, ["employed"]) == []


def test_occupation_section_shows_no_suppressed_count_or_share(world):
    from pipeline.analysis.competence_gap import sections

    world()
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    ctx = report.setup("", source="demo", region="3303", language="nb")
    section = sections.occupations(ctx, result)
    tables = [p for kind, p in section.items if kind == "table"]
    main, detail = tables
    assert detail.get("kind") == "detail" and "kind" not in main
    df = main["df"].set_index(ctx.t("cg_col_occupation"))
    hidden = df.loc[["IKT-rådgivere", "IKT-teknikere"]]
    assert (hidden[[ctx.t("cg_col_employed"), "Kongsberg (%)"]] == ":").all().all()
    finding = next(p for kind, p in section.items if kind == "finding")
    text = finding["text"].replace("\u202f", " ")
    assert "question" not in finding and "26,3 %" in text and "13,5 %" in text
    assert "klart høyere" in text and "263" in text
    assert "2023" not in text  # Kongsberg's 2023 is incomplete: no "since" sentence


def test_occupations_with_one_digit_groups_only(monkeypatch: pytest.MonkeyPatch):
    """The two-digit codes are optional: without them the major groups are the table."""
    from pipeline.analysis.competence_gap import sections

    data = _world()
    occ = data["employment_by_occupation"]
    data["employment_by_occupation"] = occ[occ["occupation"].str.len() == 1]
    monkeypatch.setattr(compute_module, "_load", lambda dataset, source: data[dataset])
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    assert set(result.occupation_comparison["level"]) == {"major"}
    assert result.occupations["employed"].dtype == float
    ctx = report.setup("", source="demo", region="3303", language="en")
    items = sections.occupations(ctx, result).items
    assert [kind for kind, _ in items] == ["table"]  # no detail table, no ICT finding
    assert len(items[0][1]["df"]) == 10 and "major occupation group" in items[0][1]["caption"]


def test_missing_occupation_table_blocks_nothing(monkeypatch: pytest.MonkeyPatch):
    """12542 is unverified: without it the analysis runs and the report has no such section."""
    from pipeline import datasets
    from pipeline.analysis.competence_gap import sections

    data = _world()

    def load(dataset, source):
        if dataset == "employment_by_occupation":
            raise datasets.DataError("employment_by_occupation.parquet missing")
        return data[dataset]

    monkeypatch.setattr(compute_module, "_load", load)
    result = cg.compute("3303", program=_program(), repetitions=100, backtest_repetitions=20)
    assert result.ok and result.occupations.empty and result.occupation_comparison.empty
    assert "employment_by_occupation" not in result.sources
    assert datasets.blocked_analyses("employment_by_occupation") == []
    ctx = report.setup("", source="demo", region="3303", language="nb")
    assert sections.occupations(ctx, result) is None


def test_kongsbergs_report_speaks_about_ict_and_engineering_occupations(in_demo_project):
    """The programme report has the section (main table, detail table, tested finding on the
    front-page skills question); an area profile of a small municipality has it too, with its
    small cells suppressed."""
    from pipeline.analysis.competence_gap import sections

    ctx = report.setup("vekst-i-kongsberg", source="demo", language="nb")
    result = cg.compute("3303", program="vekst-i-kongsberg", repetitions=100,
                        backtest_repetitions=20)
    assert "employment_by_occupation" in result.sources
    found = [s for s in sections.sections(result, ctx)
             if s.heading == "cg_heading_skills_occupations"]
    assert len(found) == 1  # fields of study and occupations under one heading
    items = found[0].items
    tables = [p for kind, p in items if kind == "table"]
    occupation_tables = [t for t in tables if "yrke" in t["caption"]]
    assert [t.get("kind", "") for t in occupation_tables] == ["", "detail"]
    main = occupation_tables[0]
    assert "IKT- og ingeniøryrker" in main["caption"] and len(main["df"]) == 4
    found_items = [p for kind, p in items if kind == "finding"]
    finding = next(p for p in found_items if p["key"] == "cg_skills_occupations")
    assert "Kongsberg" in finding["text"] and "klart høyere" in finding["text"]
    # One answer per question on the front page: fields of study (the issue's "skills by
    # field"); the occupations stay in the section, which the block links to.
    fields = next(p for p in found_items if p["key"] == "cg_skills_technical")
    assert fields["question"] == "cg_q_skills" and "question" not in finding
    ict = result.occupation_comparison.set_index("occupation").loc["ikt"]
    assert ict["share"] > ict["share_county"] > 0 and ict["diff_national"] > 8

    profile = report.setup("", source="demo", region="5044", language="en")
    small = cg.compute("5044", repetitions=50, backtest_repetitions=10)
    section = sections.occupations(profile, small)
    main = next(p for kind, p in section.items if kind == "table")
    assert (main["df"] == ":").to_numpy().any()
    hidden = small.occupation_comparison.query("suppressed")
    assert len(hidden) >= 2 and (hidden["employed"] > 0).all()


def test_field_shares_leave_out_a_year_with_a_missing_field():
    from pipeline.analysis.competence_gap import skills

    counts = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "field": ["0", "5"] * 2,
                           "value": [3.0, 1.0, 2.0, np.nan]})
    out = skills.field_shares(counts)
    expected = pd.DataFrame({"year": [2023, 2023], "field": ["0", "5"], "persons": [3.0, 1.0],
                             "share": [75.0, 25.0]})
    pd.testing.assert_frame_equal(out, expected)


def test_field_of_study_on_demo_data_matches_the_raw_document(in_demo_project):
    """A second computation: Kongsberg's technical share straight from the JSON-stat file."""
    import json

    from pipeline.sources.demo.tables_skills import FIELD_BOOST

    doc = json.loads((in_demo_project / "data/raw/demo/08921.json").read_text("utf-8"))
    dims = {d: doc["dimension"][d]["category"]["index"] for d in doc["id"]}
    sizes = doc["size"]

    def value(**codes) -> float:
        flat = 0
        for dim, size in zip(doc["id"], sizes, strict=True):
            flat = flat * size + dims[dim][codes[dim]]
        return doc["value"][flat]

    def share(region: str) -> float:
        cell = {"ContentsCode": "Personer", "Tid": "2025", "Region": region}
        total = sum(value(**cell, Fagfelt=f) for f in dims["Fagfelt"])
        return 100 * value(**cell, Fagfelt="5") / total

    result = cg.compute("3303", program="vekst-i-kongsberg", repetitions=100,
                        backtest_repetitions=20)
    tech = result.field_comparison.set_index("field").loc["5"]
    assert tech["year"] == 2025
    assert tech["share"] == pytest.approx(share("3303"))
    assert tech["share_national"] == pytest.approx(share("0"))
    assert tech["share_county"] == pytest.approx(share("33"))
    # The planted technical profile shows: clearly above the country, and tested so.
    assert FIELD_BOOST[("3303", "5")] > 0
    assert tech["diff_national"] > 2 and tech["p_national"] < 0.001


def test_too_little_history_is_reported_not_raised(world):
    world(job_years=range(2021, 2026))
    result = cg.compute("3303", program=_program(), repetitions=100)
    assert not result.ok and result.problems == ("jobs:5",)
    from pipeline.analysis.competence_gap.sections import problem_text

    class Ctx:
        def t(self, key, **values):
            return i18n.t(key, "en", **values)

    assert "only 5 years" in problem_text(Ctx(), result)


def test_compute_runs_for_every_kind_of_area_on_demo_data(in_demo_project):
    for area, program in (("4204", "flere-i-arbeid"), ("33", None), ("5044", None)):
        result = cg.compute(area, program=program, repetitions=200, backtest_repetitions=50)
        assert result.ok, (area, result.problems)
        gaps = result.gap
        assert gaps["year"].iloc[-1] == 2040 and gaps["gap"].iloc[0] == pytest.approx(0, abs=1e-6)
        assert (gaps["gap_low"] <= gaps["gap_high"]).all()
        assert result.backtest_horizon == 10 and len(result.coverage) == 10
        assert {"area", "year", "value"} <= set(result.higher_education.columns)


# ---------------------------------------------------------------------------------------------
# Education, indicators, layout
# ---------------------------------------------------------------------------------------------


def test_higher_education_share_and_trend():
    counts = pd.DataFrame({"year": np.repeat(range(2015, 2021), 2),
                           "level": ["03a", "02a"] * 6,
                           "value": [v for y in range(6) for v in (30 + y, 70 - y)]})
    higher = st.higher_education_share(st.education_shares(counts))
    np.testing.assert_allclose(higher["value"], [30, 31, 32, 33, 34, 35])
    trend = st.share_trend(higher)
    assert trend["slope"] == pytest.approx(1.0) and trend["low"] <= 1.0 <= trend["high"]


def test_indicator_panels(monkeypatch: pytest.MonkeyPatch):
    from pipeline import datasets

    data = _world()
    monkeypatch.setattr(datasets, "load", lambda dataset, source=None: data[dataset])
    assert set(cg.INDICATORS) == {"employment_rate_20_66", "employed_by_workplace",
                                  "higher_education_share"}
    row = cg.INDICATORS["employment_rate_20_66"]("demo").iloc[0]
    assert row["denominator"] == pytest.approx(2 * (9 * 500 + 0.4 * 500))
    assert row["value"] == pytest.approx(50.0)
    jobs = cg.INDICATORS["employed_by_workplace"]("demo")
    assert list(jobs.columns) == ["region", "year", "value"] and len(jobs) == 16
    assert cg.INDICATORS["higher_education_share"]("demo")["value"].iloc[0] == pytest.approx(50)


STATISTICS_MODULES = ["pipeline/analysis/competence_gap/demand.py",
                      "pipeline/analysis/competence_gap/statistics.py",
                      "pipeline/analysis/competence_gap/skills.py",
                      "pipeline/analysis/worth.py",
                      "pipeline/analysis/youth_dropout/value.py",
                      "pipeline/analysis/migration/statistics.py",
                      "pipeline/analysis/migration/attractiveness.py"]
PRESENTATION = ("pipeline.i18n", "pipeline.report", "pipeline.figures", "matplotlib",
                "pipeline.present", "pipeline.render", "pipeline.analysis.display")


@pytest.mark.parametrize("path", STATISTICS_MODULES)
def test_statistics_modules_import_no_text_report_or_figures(path):
    root = Path(__file__).resolve().parents[1]
    tree = ast.parse((root / path).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
    bad = [m for m in imported if m.startswith(PRESENTATION)
           or m.rsplit(".", 1)[-1] in ("sections", "tables", "figures", "i18n", "report")]
    assert not bad, (path, bad)


def test_gap_caption_mentions_external_points_only_when_there_are_some(in_demo_project):
    """Kristiansand quotes no future gap figure: its caption must not promise labelled points;
    Buskerud's Menon figures for 2040 are plotted and the caption says so."""
    from pipeline import report
    from pipeline.analysis import competence_gap
    from pipeline.analysis.competence_gap import figures as fg
    from pipeline.analysis.competence_gap.sections import gap

    for program, area, plotted in (("flere-i-arbeid", "4204", False),
                                   ("buskerudplanen", "33", True)):
        ctx = report.setup(program, source="demo")
        result = competence_gap.compute(area, program=program, source="demo")
        assert bool(fg.plotted_references(result)) is plotted
        figure = next(p for kind, p in gap(ctx, result).items if kind == "figure")
        assert ("merkede punkter" in figure["caption"]) is plotted
