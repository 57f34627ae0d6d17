"""Tests of pipeline.analysis.migration: hand-computed examples, planted truths, demo data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import migration as mig


# --------------------------------------------------------------------------------------------
# Helpers building tidy frames shaped like the datasets
# --------------------------------------------------------------------------------------------
def change_frame(rows: dict[tuple[str, int], dict[str, float]]) -> pd.DataFrame:
    """A tidy 06913 frame from {(region, year): {measure: value}}."""
    records = [{"region": region, "measure": measure, "year": year, "value": float(value),
                "status": pd.NA}
               for (region, year), measures in rows.items() for measure, value in
               measures.items()]
    return pd.DataFrame(records)


def balanced_year(pop: int, births: int, deaths: int, imm: int, emi: int, inn: int,
                  out: int) -> dict[str, float]:
    growth = births - deaths + imm - emi + inn - out
    return {"Folkemengde": pop, "Levendefodte": births, "Dode": deaths, "Innvandring": imm,
            "Utvandring": emi, "Innflytting": inn, "Utflytting": out, "Folketilvekst": growth}


# --------------------------------------------------------------------------------------------
# 1. Components of change
# --------------------------------------------------------------------------------------------
def test_components_add_up_exactly_and_flag_incomplete_years() -> None:
    y2020 = balanced_year(800, 5, 12, 10, 3, 40, 55)  # growth -15
    y2021 = balanced_year(785, 6, 9, 8, 2, 50, 44)  # growth 9
    y2022 = balanced_year(794, 4, 11, 7, 1, 38, 41)  # growth -4
    y2022["Innvandring"] = float("nan")  # incomplete source year
    frame = change_frame({("5044", 2020): y2020, ("5044", 2021): y2021,
                          ("5044", 2022): y2022, ("5044", 2023): {"Folkemengde": 790}})
    comp = mig.components(frame, ["5044"]).set_index("year")
    assert comp.loc[2020, "natural_increase"] == -7
    assert comp.loc[2020, "net_domestic"] == -15
    assert comp.loc[2020, "net_international"] == 7
    assert comp.loc[2020, "net_migration"] == -8
    assert comp.loc[2020, "balance_gap"] == 0
    assert comp.loc[2020, "stock_gap"] == 0  # 800 - 15 = 785
    assert comp.loc[2021, "stock_gap"] == 0
    assert bool(comp.loc[2020, "complete"]) and bool(comp.loc[2021, "complete"])
    assert not bool(comp.loc[2022, "complete"])
    check = mig.components_check(mig.components(frame, ["5044"]))
    assert check == {"n": 2, "ok": 2, "max_gap": 0.0}


def test_components_of_several_municipalities_are_sums_of_counts() -> None:
    a = balanced_year(1000, 10, 8, 5, 2, 30, 25)
    b = balanced_year(3000, 30, 20, 15, 6, 90, 100)
    frame = change_frame({("5041", 2020): a, ("5042", 2020): b})
    comp = mig.components(frame, ["5041", "5042"]).iloc[0]
    assert comp["population"] == 4000
    assert comp["births"] == 40
    assert comp["growth"] == a["Folketilvekst"] + b["Folketilvekst"]
    rates = mig.component_rates(mig.components(frame, ["5041", "5042"])).iloc[0]
    mean_pop = 4000 + (a["Folketilvekst"] + b["Folketilvekst"]) / 2
    assert rates["births"] == pytest.approx(40 / mean_pop * 1000)


def test_pooling_hides_small_counts() -> None:
    rows = {("5044", y): balanced_year(800, 3 if y % 2 else 4, 10, 6, 2, 40, 45)
            for y in range(2011, 2021)}
    comp = mig.components(change_frame(rows), ["5044"])
    years = mig.choose_pooling(comp, threshold=5)
    assert years == 3  # emigration 2 a year: 4 in two years is still small
    pooled = mig.pool_years(comp, years)
    assert (pooled["births"] >= 5).all()
    # The incomplete leading period (2011 alone) is dropped; the rest is summed exactly.
    assert pooled["period"].tolist() == ["2012–2014", "2015–2017", "2018–2020"]
    assert pooled["births"].sum() == comp.loc[comp["year"] >= 2012, "births"].sum()
    assert mig.choose_pooling(comp, threshold=2) == 1


def test_rate_interval_is_poisson() -> None:
    rate, low, high = mig.rate_interval(-20, 400, 4000)
    assert rate == pytest.approx(-5.0)
    assert high - rate == pytest.approx(1.96 * 20 / 4000 * 1000)
    assert low < rate < high


# --------------------------------------------------------------------------------------------
# 2. Cohort-change method
# --------------------------------------------------------------------------------------------
def test_cohort_change_reproduces_hand_computed_example() -> None:
    # Women aged 20, 21, 22 on 1 Jan 2020; the same cohorts are 21, 22, 23 on 1 Jan 2021.
    pop = pd.DataFrame({
        "sex": ["2"] * 8,
        "age": [20, 21, 22, 23, 20, 21, 22, 23],
        "year": [2020] * 4 + [2021] * 4,
        "value": [50.0, 40.0, 30.0, 20.0, 45.0, 44.0, 33.0, 27.0],
    })
    survival = pd.DataFrame({"year": [2020] * 3, "age": [20, 21, 22],
                             "survival": [0.99, 0.98, 0.97]})
    out = mig.cohort_net_migration(pop, survival, max_age=22).set_index("age")
    # Hand computation: net = P(a+1, 2021) - P(a, 2020) * S(a)
    #   age 21 at end: 44 - 50 * 0.99 = -5.5
    #   age 22 at end: 33 - 40 * 0.98 = -6.2
    #   age 23 at end: 27 - 30 * 0.97 = -2.1
    assert out.loc[21, "net_migration"] == pytest.approx(-5.5)
    assert out.loc[22, "net_migration"] == pytest.approx(-6.2)
    assert out.loc[23, "net_migration"] == pytest.approx(-2.1)
    assert list(out["year"].unique()) == [2020]
    no_deaths = mig.cohort_net_migration(pop, None, max_age=22).set_index("age")
    assert no_deaths.loc[21, "net_migration"] == pytest.approx(44 - 50)


def test_gompertz_survival_reproduces_registered_deaths() -> None:
    ages = np.arange(0, 101)
    pop = pd.DataFrame({"year": 2020, "age": ages, "value": 1000.0})
    deaths = pd.Series({2020: 4200.0})
    surv = mig.gompertz_survival(pop, deaths)
    hazard = -np.log(surv["survival"].to_numpy())
    # Second computation: expected deaths from the hazards equal the registered deaths.
    assert (1000 * hazard).sum() == pytest.approx(4200.0)
    assert hazard[90] / hazard[80] == pytest.approx(math.exp(10 * mig.GOMPERTZ_SLOPE))


def test_cohort_method_recovers_planted_net_migration() -> None:
    rng = np.random.default_rng(7)
    ages = np.arange(0, 91)
    start = rng.integers(200, 400, size=ages.size).astype(float)
    planted = np.where((ages >= 19) & (ages <= 23), -15.0, 2.0)  # youth leave, others arrive
    survival = np.exp(-0.0001 * np.exp(0.095 * ages))
    end = start * survival + planted
    pop = pd.concat([
        pd.DataFrame({"sex": "1", "age": ages, "year": 2020, "value": start}),
        pd.DataFrame({"sex": "1", "age": ages + 1, "year": 2021, "value": end}),
    ])
    surv = pd.DataFrame({"year": 2020, "age": ages, "survival": survival})
    out = mig.cohort_net_migration(pop, surv, max_age=90)
    np.testing.assert_allclose(out.sort_values("age")["net_migration"].to_numpy(), planted)
    profile = mig.age_profile(out, 2020, 2020)
    extremes = mig.extreme_groups(profile)
    assert extremes["worst_group"] == "20-24"


def test_age_groups_labels() -> None:
    labels = mig.age_groups(pd.Series([0, 4, 5, 19, 89, 90, 95]))
    assert labels.tolist() == ["0-4", "0-4", "5-9", "15-19", "85-89", "85-89", "85-89"]


# --------------------------------------------------------------------------------------------
# 3. Flows
# --------------------------------------------------------------------------------------------
def flows_frame() -> pd.DataFrame:
    rows = [("5001", "5044", 2022, 12), ("5044", "5001", 2022, 20), ("5046", "5044", 2022, 6),
            ("5044", "0301", 2022, 4), ("0301", "5044", 2022, 1), ("5001", "5044", 2023, 10),
            ("5044", "5001", 2023, 18), ("5001", "5006", 2022, 300), ("5044", "5044", 2022, 9)]
    return pd.DataFrame([{"origin": o, "destination": d, "measure": "Flytting", "year": y,
                          "value": float(v), "status": pd.NA} for o, d, y, v in rows])


def test_flow_summary_and_centre_exchange() -> None:
    flows = flows_frame()
    summary = mig.flow_summary(flows, ["5044"], 2022, 2023).set_index("partner")
    assert summary.loc["5001", "moves_in"] == 22
    assert summary.loc["5001", "moves_out"] == 38
    assert summary.loc["5001", "net"] == -16
    assert "5006" not in summary.index  # not involving the region
    exchange = mig.centre_exchange(flows, ["5044"], "5001").set_index("year")
    assert exchange.loc[2022, "net"] == -8
    assert exchange.loc[2023, "net"] == -8
    share = mig.within_share(flows, ["5044"], ["50"], 2022, 2023)
    # Gross moves 12+20+6+4+1+10+18 = 71, of which 0301 ones (5) are outside Trøndelag.
    assert share["share"] == pytest.approx(66 / 71 * 100)
    assert share["low"] < share["share"] < share["high"]


def test_regional_centres_are_2024_municipalities_in_their_county() -> None:
    from pipeline import geography

    assert sorted(mig.REGIONAL_CENTRES) == sorted(geography.county_names())
    for county, centre in mig.REGIONAL_CENTRES.items():
        assert geography.is_municipality(centre)
        assert geography.county_of(centre) == county or centre == mig.CAPITAL
    assert mig.centre_for(["5044"], "50") == "5001"
    assert mig.centre_for(["4204"], "42") == "0301"  # the centre itself → Oslo
    assert mig.centre_for(["33"], "33") == "0301"


# --------------------------------------------------------------------------------------------
# 4. Immigrants
# --------------------------------------------------------------------------------------------
def test_implied_outflow_recovers_planted_rate() -> None:
    years = list(range(2012, 2024))
    stock, rows = 100.0, []
    inflow = 20.0
    for y in years:
        rows.append((y, stock))
        stock = stock + inflow - 0.15 * (stock + inflow / 2)  # 15 % of residents leave
    stock_df = pd.DataFrame(rows, columns=["year", "stock"])
    comp = pd.DataFrame({"year": years, "immigration": inflow, "population": 1000.0})
    out = mig.implied_outflow(stock_df, comp)
    np.testing.assert_allclose(out["outflow_rate"].dropna(), 15.0)
    assert out["outflow_rate"].isna().sum() == 1  # last year has no next stock
    change = mig.outflow_change(out, 2018)
    assert change["diff"] == pytest.approx(0.0, abs=1e-9)
    assert change["low"] < 0 < change["high"]


# --------------------------------------------------------------------------------------------
# 5. Attractiveness: planted residuals in simulated data
# --------------------------------------------------------------------------------------------
def simulate_attractiveness(planted: dict[str, float], seed: int = 3, n: int = 250,
                            years: range = range(2012, 2022)) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    codes = [f"{9000 + i:04d}" for i in range(n)]
    pop0 = np.exp(rng.normal(8.5, 1.2, size=n))
    job_trend = rng.normal(0.5, 1.0, size=n)  # % a year
    change_rows, jobs_rows = [], []
    for i, code in enumerate(codes):
        pop, jobs = pop0[i], pop0[i] * 0.5
        jobs_rows.append({"region": code, "industry": "10-33", "measure": "x",
                          "year": years[0] - 1, "value": jobs})
        for y in years:
            jobs *= 1 + job_trend[i] / 100
            jobs_rows.append({"region": code, "industry": "10-33", "measure": "x", "year": y,
                              "value": jobs})
            target = -4 + 1.5 * job_trend[i] + 0.4 * math.log(pop) + planted.get(code, 0.0)
            out_rate = 45.0
            inn = rng.poisson(pop * (out_rate + target) / 1000)
            out = rng.poisson(pop * out_rate / 1000)
            growth = inn - out
            change_rows.append({("Folkemengde"): round(pop), "Innflytting": inn,
                                "Utflytting": out, "Folketilvekst": growth,
                                "_region": code, "_year": y})
            pop += growth
    change = pd.DataFrame([{"region": r["_region"], "measure": m, "year": r["_year"],
                            "value": float(r[m]), "status": pd.NA}
                           for r in change_rows for m in ("Folkemengde", "Innflytting",
                                                          "Utflytting", "Folketilvekst")])
    return change, pd.DataFrame(jobs_rows)


def test_attractiveness_recovers_planted_residuals_within_intervals() -> None:
    planted = {"9000": 12.0, "9001": -10.0, "9002": 6.0, "9003": 0.0}
    change, jobs = simulate_attractiveness(planted)
    areas = [[c] for c in planted]
    attr = mig.attractiveness(change, jobs, areas, window=3)
    assert not attr.empty
    latest = attr[attr["last"] == attr["last"].max()].set_index("area")
    for code, truth in planted.items():
        row = latest.loc[code]
        assert row["low"] <= truth <= row["high"], (code, truth, row.to_dict())
    assert latest.loc["9000", "rank"] == 1
    assert latest.loc["9001", "rank"] == 4
    # The planted job effect (1.5 per % job growth) is recovered by the model.
    assert latest["job_low"].iloc[0] <= 1.5 <= latest["job_high"].iloc[0]
    # Coverage over all windows and planted municipalities: most intervals cover the truth.
    covered = [(r["low"] <= planted[r["area"]] <= r["high"]) for _, r in attr.iterrows()]
    assert np.mean(covered) >= 0.8


def test_attractiveness_of_a_group_uses_summed_counts() -> None:
    change, jobs = simulate_attractiveness({}, n=60)
    panel = mig.window_panel(change, jobs, 2020, 3)
    fitted, _ = mig.fit_attractiveness(panel, 3)
    group = mig.group_residual(fitted, ["9000", "9001"])
    part = fitted.set_index("region").loc[["9000", "9001"]]
    actual = part["net"].sum() / part["person_years"].sum() * 1000
    assert group["actual"] == pytest.approx(actual)


# --------------------------------------------------------------------------------------------
# 6. Projection
# --------------------------------------------------------------------------------------------
def test_ets_forecast_follows_a_trend_with_intervals() -> None:
    rng = np.random.default_rng(1)
    years = np.arange(2000, 2025)
    series = pd.Series(1000 - 8 * (years - 2000) + rng.normal(0, 3, years.size), index=years)
    fc = mig.ets_forecast(series, 2030)
    assert fc["year"].tolist() == list(range(2025, 2031))
    assert (fc["low"] < fc["mean"]).all() and (fc["mean"] < fc["high"]).all()
    assert fc["mean"].iloc[0] == pytest.approx(800, abs=15)
    assert (fc["high"] - fc["low"]).is_monotonic_increasing
    assert mig.ets_forecast(series.iloc[:4], 2030).empty


# --------------------------------------------------------------------------------------------
# Demo data: planted truths of the demo generator
# --------------------------------------------------------------------------------------------
@pytest.fixture()
def demo(request: pytest.FixtureRequest):
    """The demo generator module, with the session's demo project as INNSIKT_ROOT."""
    module = pytest.importorskip("pipeline.sources.demo",
                                 reason="pipeline/sources/demo.py is not available")
    request.getfixturevalue("in_demo_project")
    return module


def test_demo_components_add_up(demo) -> None:
    change = mig.load("population_change", "demo")
    for codes in (["5044"], ["3303"], ["33"], ["0"]):
        comp = mig.components(change, codes)
        check = mig.components_check(comp)
        assert check["n"] > 10
        assert check["ok"] == check["n"], (codes, check)
        done = comp[comp["complete"]].dropna(subset=["population_next"])
        assert (done["stock_gap"].abs() < 0.5).all(), codes


def test_demo_attractiveness_recovers_planted_residuals(demo) -> None:
    planted = dict(getattr(demo, "PLANTED_ATTRACTIVENESS", {}))
    if not planted:
        pytest.skip("demo generator plants no attractiveness residuals")
    retention = demo.PLANTED_RETENTION
    change = mig.load("population_change", "demo")
    jobs = mig.load("employment_by_industry", "demo")
    codes = sorted(planted)
    attr = mig.attractiveness(change, jobs, [[c] for c in codes], window=3)
    truth = attr["area"].map(planted)
    # Namsskogan's in-mover service adds to its residual from the service's first year on.
    boost = retention["net_domestic_migration_per_1000"] * (
        (attr["last"] - retention["from_year"] + 1).clip(lower=0, upper=3) / 3)
    truth = truth + np.where(attr["area"] == retention["region"], boost, 0.0)
    covered = (attr["low"] <= truth) & (truth <= attr["high"])
    latest = attr["last"] == attr["last"].max()
    assert covered[latest].mean() >= 0.9, attr[latest & ~covered]
    assert covered.mean() >= 0.9
    # The planted residuals are recovered, not merely covered by wide intervals.
    assert np.corrcoef(attr["residual"], truth)[0, 1] > 0.8
    assert (attr["high"] - attr["low"]).median() < 3 * 2 * demo.NET_MIGRATION_NOISE_SD
    own = attr[latest & (attr["area"] == retention["region"])].iloc[0]
    target = planted[retention["region"]] + retention["net_domestic_migration_per_1000"]
    assert own["low"] <= target <= own["high"]


def test_demo_immigrant_outflow_recovers_planted_retention(demo) -> None:
    retention = demo.PLANTED_RETENTION
    change = mig.load("population_change", "demo")
    immigrants = mig.load("immigrants", "demo")
    code, start = retention["region"], retention["from_year"]
    comp = mig.components(change, [code])
    out = mig.implied_outflow(mig.immigrant_stock(immigrants, [code]), comp)
    result = mig.outflow_change(out[out["year"] >= start - 5], start)
    planted_pp = retention["immigrant_outflow_rate_change"] * 100
    assert result["low"] <= planted_pp <= result["high"], result
    assert result["diff"] < 0


def test_demo_indicator_panels(demo) -> None:
    for key, func in mig.INDICATORS.items():
        panel = func("demo")
        assert {"region", "year", "value"} <= set(panel.columns), key
        assert panel["region"].str.len().eq(4).all()
        assert panel["region"].nunique() > 50, key
        if "numerator" in panel.columns:
            np.testing.assert_allclose(
                panel["value"],
                panel["numerator"] / panel["denominator"] * (100 if key.startswith("immigrant")
                                                             else 1000))


# --------------------------------------------------------------------------------------------
# The notebook, for the smallest programme region
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_notebook_runs_for_namsskogan_with_small_numbers_handled(demo, tmp_path) -> None:
    import json

    import papermill

    from pipeline import config, report

    source = config.paths().notebook("migration")
    out = tmp_path / "migration.ipynb"
    papermill.execute_notebook(str(source), str(out), parameters={"region": "5044"},
                               progress_bar=False, kernel_name="python3")
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    data = [o.get("data", {}) for o in outputs]
    findings = [d[report.FINDING_MIME] for d in data if report.FINDING_MIME in d]
    tables = [d[report.TABLE_MIME] for d in data if report.TABLE_MIME in d]
    keys = {f["key"] for f in findings}
    assert {"mig_growth", "mig_attractiveness", "mig_age_profile", "mig_centre",
            "mig_immigrant_outflow", "mig_projection"} == {k for k in keys
                                                            if k.startswith("mig_")}
    texts = ["".join(d.get("text/plain", "")) for d in data]  # nbformat may store lines
    assert any("Tallene per år er små" in t for t in texts)  # the small-place notice
    components = next(t for t in tables if t["caption"].startswith("Komponentene"))
    gross = [i for i, c in enumerate(components["columns"])
             if c in ("Fødte", "Døde", "Innvandring", "Utvandring")]
    for row in components["data"]:
        for i in gross:
            assert row[i] == ":" or not (0 < float(row[i]) < 5), row


def test_comparison_set_rules(demo) -> None:
    from pipeline import report

    change = mig.load("population_change", "demo")
    own = report.setup("namsskogan-tilflytting", source="demo")
    assert mig.comparison_set(own, change)[1:] == [[c] for c in own.comparison_codes]
    county = report.setup("buskerudplanen", source="demo")
    assert len(mig.comparison_set(county, change)) == 15
    other = report.setup("vekst-i-kongsberg", source="demo", region="5043")
    areas = mig.comparison_set(other, change)
    assert areas[0] == ["5043"] and len(areas) == 7
    assert all(a[0].startswith("50") for a in areas)  # same county, similar size
