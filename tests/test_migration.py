"""Tests of pipeline.analysis.migration: hand-computed examples, planted truths, demo data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import geography
from pipeline.analysis import migration
from pipeline.analysis.migration import attractiveness as att
from pipeline.analysis.migration import statistics as mig


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
    comp = mig.components(frame, "5044").set_index("year")
    assert comp.loc[2020, "natural_increase"] == -7
    assert comp.loc[2020, "net_domestic"] == -15
    assert comp.loc[2020, "net_international"] == 7
    assert comp.loc[2020, "net_migration"] == -8
    assert comp.loc[2020, "balance_gap"] == 0
    assert comp.loc[2020, "stock_gap"] == 0  # 800 - 15 = 785
    assert comp.loc[2021, "stock_gap"] == 0
    assert bool(comp.loc[2020, "complete"]) and bool(comp.loc[2021, "complete"])
    assert not bool(comp.loc[2022, "complete"])
    check = mig.components_check(mig.components(frame, "5044"))
    assert check == {"n": 2, "ok": 2, "max_gap": 0.0}


def test_components_of_a_county_are_sums_of_its_municipalities() -> None:
    members = geography.municipalities_in_county("50")
    rows = {(code, 2020): balanced_year(1000 + i, 10, 8, 5, 2, 30 + i % 7, 25)
            for i, code in enumerate(members)}
    frame = change_frame(rows)
    comp = mig.components(frame, "50").iloc[0]
    assert comp["population"] == sum(1000 + i for i in range(len(members)))
    assert comp["births"] == 10 * len(members)
    assert comp["growth"] == sum(r["Folketilvekst"] for r in rows.values())
    assert bool(comp["complete"])
    # A member missing: the county's figure is not the sum of the rest (missing is not zero).
    partial = change_frame({k: v for k, v in rows.items() if k[0] != members[0]})
    assert not bool(mig.components(partial, "50").iloc[0]["complete"])


def test_pooling_hides_small_counts() -> None:
    rows = {("5044", y): balanced_year(800, 3 if y % 2 else 4, 10, 6, 2, 40, 45)
            for y in range(2011, 2021)}
    comp = mig.components(change_frame(rows), "5044")
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
    summary = mig.flow_summary(flows, "5044", 2022, 2023).set_index("partner")
    assert summary.loc["5001", "moves_in"] == 22
    assert summary.loc["5001", "moves_out"] == 38
    assert summary.loc["5001", "net"] == -16
    assert "5006" not in summary.index  # not involving the region
    exchange = mig.partner_exchange(flows, "5044", "5001").set_index("year")
    assert exchange.loc[2022, "net"] == -8
    assert exchange.loc[2023, "net"] == -8
    share = mig.within_share(flows, "5044", "50", 2022, 2023)
    # Gross moves 12+20+6+4+1+10+18 = 71, of which 0301 ones (5) are outside Trøndelag.
    assert share["share"] == pytest.approx(66 / 71 * 100)
    assert share["low"] < share["share"] < share["high"]


def test_main_partner_is_taken_from_the_flows() -> None:
    flows = flows_frame()
    assert mig.main_partner(flows, "5044", 2022, 2023) == "5001"  # 60 moves, the most
    assert mig.main_partner(flows[flows["year"] == 1999], "5044", 1999, 1999) is None


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
    out = mig.net_outflow(stock_df, comp)
    np.testing.assert_allclose(out["net_outflow_rate"].dropna(), 15.0)
    assert out["net_outflow_rate"].isna().sum() == 1  # last year has no next stock
    change = mig.outflow_change(out, 2018)
    assert change["diff"] == pytest.approx(0.0, abs=1e-9)
    assert change["low"] < 0 < change["high"]


# --------------------------------------------------------------------------------------------
# 5. Attractiveness: planted residuals in simulated data
# --------------------------------------------------------------------------------------------
CODES = sorted(geography.municipality_names())


def simulate_attractiveness(planted: dict[str, float], seed: int = 3, n: int = 250,
                            years: range = range(2012, 2022), regional: float = 0.0
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Municipalities whose net domestic rate follows own job growth, size and ``planted``;
    ``regional`` adds that many per 1 000 per % job growth in the rest of the county."""
    rng = np.random.default_rng(seed)
    codes = CODES[:n]
    pop0 = np.exp(rng.normal(8.5, 1.2, size=n))
    job_trend = rng.normal(0.5, 1.0, size=n)  # % a year
    county = pd.Series([geography.county_of(c) for c in codes], index=codes)
    change_rows, jobs_rows = [], []
    for i, code in enumerate(codes):
        pop, jobs = pop0[i], pop0[i] * 0.5
        jobs_rows.append({"region": code, "industry": "10-33", "measure": "x",
                          "year": years[0] - 1, "value": jobs})
        same = (county == county[code]).to_numpy() & (np.arange(n) != i)
        region_growth = float(np.average(job_trend[same], weights=pop0[same])) if same.any() \
            else 0.0
        for y in years:
            jobs *= 1 + job_trend[i] / 100
            jobs_rows.append({"region": code, "industry": "10-33", "measure": "x", "year": y,
                              "value": jobs})
            target = (-4 + 1.5 * job_trend[i] + regional * region_growth + 0.4 * math.log(pop)
                      + planted.get(code, 0.0))
            inn = rng.poisson(pop * (45.0 + target) / 1000)
            out = rng.poisson(pop * 45.0 / 1000)
            change_rows.append({"Folkemengde": round(pop), "Innflytting": inn, "Utflytting": out,
                                "Folketilvekst": inn - out,
                                "Innvandring": rng.poisson(pop * 8 / 1000),
                                "_region": code, "_year": y})
            pop += inn - out
    change = pd.DataFrame([{"region": r["_region"], "measure": m, "year": r["_year"],
                            "value": float(r[m]), "status": pd.NA}
                           for r in change_rows for m in ("Folkemengde", "Innflytting",
                                                          "Utflytting", "Folketilvekst",
                                                          "Innvandring")])
    return change, pd.DataFrame(jobs_rows)


def test_attractiveness_recovers_planted_residuals_within_intervals() -> None:
    planted = {CODES[1]: 12.0, CODES[2]: -10.0, CODES[3]: 6.0, CODES[4]: 0.0}
    change, jobs = simulate_attractiveness(planted, regional=2.0)
    attr = att.attractiveness(change, jobs, list(planted), window=3)
    assert not attr.empty
    latest = attr[attr["last"] == attr["last"].max()].set_index("area")
    for code, truth in planted.items():
        row = latest.loc[code]
        assert row["low"] <= truth <= row["high"], (code, truth, row.to_dict())
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
    assert latest.loc[CODES[1], "rank"] == 1 and latest.loc[CODES[2], "rank"] == 4
    assert latest["job_low"].iloc[0] <= 1.5 <= latest["job_high"].iloc[0]
    covered = [(r["low"] <= planted[r["area"]] <= r["high"]) for _, r in attr.iterrows()]
    assert np.mean(covered) >= 0.8
    # Regional job growth is a term of its own (Telemarksforsking's anchor): recovered too.
    res, _ = att.latest_model(change, jobs, 3)
    low, high = np.asarray(res.conf_int())[att.TERMS.index("region_job_growth") + 1]
    assert low <= 2.0 <= high


def test_attractiveness_is_fitted_once_per_content_of_its_tables(monkeypatch) -> None:
    """The model is the same for every area: a second area's call reuses the fits, a copy
    of the same data too, and changed data are fitted again; what callers get is theirs."""
    change, jobs = simulate_attractiveness({CODES[1]: 5.0}, n=len(CODES))
    fits = []
    real_fit = att.fit_attractiveness
    monkeypatch.setattr(att, "fit_attractiveness", lambda *a, **k: fits.append(1) or
                        real_fit(*a, **k))
    monkeypatch.setattr(att, "_FITS", type(att._FITS)())
    first = att.attractiveness(change, jobs, list(CODES[:3]))
    n = len(fits)
    assert n > 0
    second = att.attractiveness(change.copy(), jobs.copy(), list(CODES[1:4]))
    res, fitted = att.latest_model(change, jobs, 3)
    assert len(fits) == n and res is not None and not second.empty
    fitted["expected"] = 0.0  # the caller's copy: the kept fit is unchanged
    again = att.attractiveness(change, jobs, list(CODES[:3]))
    pd.testing.assert_frame_equal(first, again)
    changed = change.assign(value=change["value"] * 1.01)
    att.attractiveness(changed, jobs, list(CODES[:3]))
    assert len(fits) == 2 * n


def test_attractiveness_of_a_county_uses_summed_counts() -> None:
    change, jobs = simulate_attractiveness({}, n=len(CODES))
    panel = att.window_panel(change, jobs, 2020, 3)
    fitted, _ = att.fit_attractiveness(panel, 3)
    group = att.group_residual(fitted, "50")
    part = fitted.set_index("region").loc[geography.municipalities_in_county("50")]
    assert group["actual"] == pytest.approx(part["net"].sum() / part["person_years"].sum() * 1000)


def test_rank_intervals_are_tight_for_clear_gaps_and_wide_for_ties() -> None:
    part = pd.DataFrame({"residual": [10.0, 0.0, -10.0, 0.1, 0.0], "se": [0.1] * 3 + [2.0] * 2})
    out = att.rank_intervals(part)
    assert out["rank_low"].iloc[0] == 1 and out["rank_high"].iloc[0] == 1
    assert out["rank_high"].iloc[3] - out["rank_low"].iloc[3] >= 2


# --------------------------------------------------------------------------------------------
# Demo data: planted truths of the demo generator, and compute()
# --------------------------------------------------------------------------------------------
@pytest.fixture()
def demo(request: pytest.FixtureRequest):
    """The demo generator module, with the session's demo project as INNSIKT_ROOT."""
    module = pytest.importorskip("pipeline.sources.demo",
                                 reason="pipeline.sources.demo is not available")
    request.getfixturevalue("in_demo_project")
    return module


def _load(name: str) -> pd.DataFrame:
    from pipeline import datasets

    return datasets.load(name, "demo")


def test_demo_components_add_up(demo) -> None:
    change = _load("population_change")
    for code in ("5044", "3303", "33", "0"):
        comp = mig.components(change, code)
        check = mig.components_check(comp)
        assert check["n"] > 10
        assert check["ok"] == check["n"], (code, check)
        done = comp[comp["complete"]].dropna(subset=["population_next"])
        assert (done["stock_gap"].abs() < 0.5).all(), code


def test_demo_attractiveness_recovers_planted_residuals(demo) -> None:
    planted = dict(getattr(demo, "PLANTED_ATTRACTIVENESS", {}))
    if not planted:
        pytest.skip("demo generator plants no attractiveness residuals")
    retention = demo.PLANTED_RETENTION
    attr = att.attractiveness(_load("population_change"), _load("employment_by_industry"),
                              sorted(planted), window=3)
    truth = attr["area"].map(planted)
    # Namsskogan's in-mover service adds to its residual from the service's first year on.
    boost = retention["net_domestic_migration_per_1000"] * (
        (attr["last"] - retention["from_year"] + 1).clip(lower=0, upper=3) / 3)
    truth = truth + np.where(attr["area"] == retention["region"], boost, 0.0)
    covered = (attr["low"] <= truth) & (truth <= attr["high"])
    latest = attr["last"] == attr["last"].max()
    assert covered[latest].mean() >= 0.9, attr[latest & ~covered]
    assert covered.mean() >= 0.9
    assert np.corrcoef(attr["residual"], truth)[0, 1] > 0.8
    assert (attr["high"] - attr["low"]).median() < 3 * 2 * demo.NET_MIGRATION_NOISE_SD
    own = attr[latest & (attr["area"] == retention["region"])].iloc[0]
    target = planted[retention["region"]] + retention["net_domestic_migration_per_1000"]
    assert own["low"] <= target <= own["high"]


def test_demo_immigrant_net_outflow_recovers_planted_retention(demo) -> None:
    retention = demo.PLANTED_RETENTION
    code, start = retention["region"], retention["from_year"]
    comp = mig.components(_load("population_change"), code)
    out = mig.net_outflow(mig.immigrant_stock(_load("immigrants"), code), comp)
    result = mig.outflow_change(out[out["year"] >= start - 5], start)
    planted_pp = retention["immigrant_outflow_rate_change"] * 100
    assert result["low"] <= planted_pp <= result["high"], result
    assert result["diff"] < 0


def test_demo_indicator_panels(demo) -> None:
    from pipeline import indicators

    for key, func in migration.INDICATORS.items():
        panel = func("demo")
        assert {"region", "year", "value"} <= set(panel.columns), key
        assert panel["region"].str.len().eq(4).all() and panel["region"].nunique() > 50, key
        if "numerator" in panel.columns:
            scale = indicators.MULTIPLIER[indicators.get(key).scale]
            np.testing.assert_allclose(panel["value"],
                                       panel["numerator"] / panel["denominator"] * scale)
    assert indicators.get("immigrant_outflow_rate").net  # labelled as the net figure it is


def test_compute_for_every_kind_of_area(demo) -> None:
    for area, program in (("5044", "namsskogan-tilflytting"), ("4204", "flere-i-arbeid"),
                          ("33", None), ("0", None)):
        r = migration.compute(area, program=program)
        assert r.area == area and not r.components.empty
        assert set(r.projection["alternative"]) == {"MMMM", "LLML", "HHMH"}
        assert r.projection["year"].max() == 2040
    assert r.attractiveness.empty and r.flows.empty  # the country has neither
    own = migration.compute("5044", program="namsskogan-tilflytting")
    assert own.partner == "5001" and own.start_year == 2020 and own.small
    assert list(own.attractiveness["area"].unique())[0] == "5044"
    assert {"rank_low", "rank_high"} <= set(own.attractiveness.columns)


def test_compute_rates_frame_matches_hand_computation(demo) -> None:
    r = migration.compute("5044")
    first, last = int(r.rates["first"].iloc[0]), int(r.rates["last"].iloc[0])
    comp = mig.components(_load("population_change"), "5044")
    comp = comp[comp["year"].between(first, last)]
    person_years = (comp["population"] + comp["growth"] / 2).sum()
    row = r.rates.set_index("area").loc["5044"]
    assert row["births"] == pytest.approx(comp["births"].sum() / person_years * 1000)
    assert row["net_domestic"] == pytest.approx(
        (comp["in_migration"] - comp["out_migration"]).sum() / person_years * 1000)
    assert list(r.rates["area"]) == ["5044", "50", "0"]


def test_comparison_set_rules(demo) -> None:
    from pipeline.analysis.migration.compute import comparison_set

    change = _load("population_change")
    assert comparison_set("5044", ["5041", "5042"], change) == ["5044", "5041", "5042"]
    assert len(comparison_set("33", [], change)) == 15
    areas = comparison_set("5043", [], change)
    assert areas[0] == "5043" and len(areas) == 7
    assert all(a.startswith("50") for a in areas)


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
    frames = [d for d in data if "text/html" in d and "dataframe" in "".join(d["text/html"])]
    assert len(frames) >= 3
    texts = ["".join(d.get("text/plain", "")) for d in data]
    assert any("Tallene per år er små" in t for t in texts)
    assert not any("95 % intervall" in t for t in texts if "SSBs hovedalternativ gir" in t)
    components = next(t for t in tables if t["caption"].startswith("Komponentene"))
    gross = [i for i, c in enumerate(components["columns"])
             if c in ("Fødte", "Døde", "Innvandring", "Utvandring")]
    for row in components["data"]:
        for i in gross:
            assert row[i] == ":" or not (0 < float(row[i]) < 5), row
