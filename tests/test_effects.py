"""Tests of pipeline.analysis.effects: planted truths, coverage, and independent computations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import effects as fx

START = 2021
YEARS = range(2015, 2026)


def simulate_panel(seed: int, n_units: int = 10, effect: float = -1.5, years=YEARS,
                   start: int = START, youths: int = 20_000, pre_trend: float = 0.0
                   ) -> pd.DataFrame:
    """Binomial NEET-like counts: unit level + common year shock + unit noise (+ effect on unit 0).

    Unit ``9000`` is treated; the truth is ``effect`` percentage points from ``start``.
    """
    rng = np.random.default_rng(seed)
    shocks = {y: rng.normal(0, 0.5) for y in years}
    rows = []
    for i in range(n_units):
        code = f"{9000 + i:04d}"
        level = rng.normal(10, 1.5)
        size = int(youths * rng.uniform(0.6, 1.4))
        for y in years:
            share = level + shocks[y] + rng.normal(0, 0.3)
            if i == 0:
                share += (effect if y >= start else 0.0) + pre_trend * (y - start)
            count = rng.binomial(size, share / 100)
            rows.append((code, y, 100 * count / size, count, size))
    return pd.DataFrame(rows, columns=["region", "year", "value", "numerator", "denominator"])


# --- Second, independent computations ---------------------------------------------------------


def test_did_equals_hand_built_2x2_difference_of_four_means():
    # Treated goes 10 -> 7; comparison units go (8 -> 8, 12 -> 11, 9 -> 10): mean change 0.
    panel = pd.DataFrame({
        "region": ["T", "T", "A", "A", "B", "B", "C", "C"],
        "year": [2020, 2021] * 4,
        "value": [10.0, 7.0, 8.0, 8.0, 12.0, 11.0, 9.0, 10.0],
    })
    res = fx.did(panel, "T", 2021)
    treated_change = 7.0 - 10.0
    comparison_change = (8 + 11 + 10) / 3 - (8 + 12 + 9) / 3
    assert res.estimate == pytest.approx(treated_change - comparison_change)
    assert res.estimate == pytest.approx(-3.0)
    # Unit-contrast SE by hand: sd of the comparison changes (0, -1, +1) = 1, × sqrt(1 + 1/3).
    assert res.se == pytest.approx(1.0 * math.sqrt(1 + 1 / 3))
    assert res.df == 2 and res.n_comparison == 3 and res.method == "unit_contrast"
    half = 4.302652729911275 * res.se  # t(0.975, 2)
    assert res.ci_low == pytest.approx(-3.0 - half) and res.ci_high == pytest.approx(-3.0 + half)


def test_did_point_estimate_matches_numpy_twfe_regression():
    panel = simulate_panel(seed=7)
    res = fx.did(panel, "9000", START)
    # Independent: least squares on an explicit dummy matrix with numpy.
    units = sorted(panel["region"].unique())
    years = sorted(panel["year"].unique())
    x = np.column_stack(
        [((panel["region"] == "9000") & (panel["year"] >= START)).to_numpy(float)]
        + [(panel["region"] == u).to_numpy(float) for u in units]
        + [(panel["year"] == y).to_numpy(float) for y in years[1:]])
    beta, *_ = np.linalg.lstsq(x, panel["value"].to_numpy(), rcond=None)
    assert res.estimate == pytest.approx(beta[0], abs=1e-9)


def test_event_study_coefficients_are_differences_relative_to_reference_year():
    panel = simulate_panel(seed=3)
    es = fx.event_study(panel, "9000", START).set_index("year")
    wide = panel.pivot(index="region", columns="year", values="value")
    rel = wide.sub(wide[START - 1], axis=0)
    expected = rel.loc["9000"] - rel.drop(index="9000").mean()
    assert es.loc[START - 1, "estimate"] == 0 and es.loc[START - 1, "period"] == "reference"
    for year in (2015, 2019, 2022, 2025):
        assert es.loc[year, "estimate"] == pytest.approx(expected[year], abs=1e-9)
    assert set(es["period"]) == {"pre", "reference", "post"}


def test_minimum_detectable_effect_formula():
    assert fx.minimum_detectable_effect(1.0) == pytest.approx(1.959964 + 0.841621, abs=1e-5)
    assert fx.minimum_detectable_effect(0.5) == pytest.approx(2.8016 / 2, abs=1e-3)
    # Few degrees of freedom: t quantiles, larger than 2.8 × SE.
    assert fx.minimum_detectable_effect(1.0, df=4) == pytest.approx(2.776445 + 0.940965, abs=1e-4)


def test_proportion_change_matches_hand_wald():
    change, low, high, p = fx.proportion_change(100, 1000, 80, 1000)
    se = math.sqrt(0.1 * 0.9 / 1000 + 0.08 * 0.92 / 1000)
    assert change == pytest.approx(-2.0)
    assert low == pytest.approx(100 * (-0.02 - 1.96 * se))
    assert high == pytest.approx(100 * (-0.02 + 1.96 * se))
    assert 0.05 < p < 0.2


# --- Planted truths and coverage --------------------------------------------------------------


def test_planted_effect_recovered_and_null_contains_zero():
    res = fx.did(simulate_panel(seed=11, effect=-1.5), "9000", START)
    assert res.ci_low <= -1.5 <= res.ci_high
    assert res.ci_high < 0 and res.significant
    null = fx.did(simulate_panel(seed=12, effect=0.0), "9000", START)
    assert null.ci_low <= 0 <= null.ci_high


def test_interval_covers_truth_90_to_99_percent_over_200_simulations():
    truth = -1.5
    covered = rejected_pretrend = 0
    n_sims = 200
    for seed in range(n_sims):
        panel = simulate_panel(seed=1000 + seed, n_units=8, effect=truth, years=range(2017, 2025))
        res = fx.did(panel, "9000", START)
        covered += res.ci_low <= truth <= res.ci_high
        rejected_pretrend += fx.pretrend_test(panel, "9000", START).p_value < 0.05
    assert 0.90 <= covered / n_sims <= 0.99
    # Parallel trends hold in the simulation: the pre-trend test rejects about 5 % of the time.
    assert 0.01 <= rejected_pretrend / n_sims <= 0.12


def test_clustered_se_is_too_small_with_one_treated_unit():
    # Why the reported interval is not the CRVE one (see the module docstring).
    res = fx.did(simulate_panel(seed=5), "9000", START)
    assert res.se_cluster < 0.6 * res.se


def test_pretrend_test_detects_a_planted_pre_trend():
    panel = simulate_panel(seed=21, n_units=12, effect=0.0, pre_trend=0.6)
    test = fx.pretrend_test(panel, "9000", START)
    assert test.p_value < 0.05
    es = fx.event_study(panel, "9000", START)
    leads = es[es["period"] == "pre"].sort_values("year")
    assert leads["estimate"].iloc[0] < -2  # six years before the reference: about -3 pp


def test_pretrend_falls_back_to_slope_test_with_few_comparison_units():
    panel = simulate_panel(seed=2, n_units=5)
    test = fx.pretrend_test(panel, "9000", START)
    assert test.method == "slope" and test.df1 == 1 and 0 <= test.p_value <= 1
    many = fx.pretrend_test(simulate_panel(seed=2, n_units=12), "9000", START)
    assert many.method == "hotelling" and many.df1 == many.n_leads == 5


def test_too_few_comparison_units_or_years_is_not_estimable():
    panel = simulate_panel(seed=1, n_units=3)
    with pytest.raises(fx.NotEstimable) as err:
        fx.did(panel, "9000", START)
    assert err.value.reason == "fx_reason_few_comparison"
    with pytest.raises(fx.NotEstimable):
        fx.did(simulate_panel(seed=1), "9000", 2030)  # no post years
    with pytest.raises(fx.NotEstimable):
        fx.did(simulate_panel(seed=1), "9000", 2015)  # no pre years


def test_choose_comparison_picks_units_similar_in_level_trend_and_size():
    rows = []
    for code, level, trend, size in [("T", 10, 0.0, 20_000), ("S1", 10.2, 0.0, 21_000),
                                     ("S2", 9.8, 0.05, 19_000), ("S3", 10.1, -0.05, 20_500),
                                     ("F1", 20, 0.0, 20_000), ("F2", 10, 1.0, 20_000),
                                     ("F3", 10, 0.0, 300), ("F4", 3, -0.5, 90_000)]:
        for y in YEARS:
            rows.append((code, y, level + trend * (y - 2015), 1.0, size))
    panel = pd.DataFrame(rows, columns=["region", "year", "value", "numerator", "denominator"])
    panel["region"] = panel["region"].str.pad(2, fillchar="X")
    chosen = fx.choose_comparison(panel, "XT", START, n=3)
    assert sorted(chosen) == ["S1", "S2", "S3"]


def test_combine_sums_counts_not_rates():
    panel = pd.DataFrame({"region": ["0001", "0002"], "year": [2020, 2020],
                          "value": [10.0, 50.0], "numerator": [10.0, 5.0],
                          "denominator": [100.0, 10.0]})
    out = fx.combine(panel, ["0001", "0002"], "R", "percent")
    assert out["value"].iloc[0] == pytest.approx(100 * 15 / 110)


def test_assess_reports_baseline_latest_target_and_masks_small_counts():
    panel = simulate_panel(seed=4)
    a = fx.assess(panel, ["9000"], START, "neet_share_15_29", direction="down", target=8.0,
                  by=2026, comparison=[f"{9000 + i:04d}" for i in range(1, 10)])
    assert a.baseline_year == START and a.latest_year == 2025
    assert a.baseline == pytest.approx(panel.query("region == '9000' and year == @START")
                                       ["value"].iloc[0])
    assert a.did is not None and a.mde is not None and a.pretrend is not None
    assert a.comparison_rule == "programme" and not a.masked
    small = panel.assign(numerator=panel["numerator"].where(panel["region"] != "9000", 3))
    assert fx.assess(small, ["9000"], START, "neet_share_15_29").masked


def test_assess_flags_sparse_region():
    panel = simulate_panel(seed=8)
    tiny = simulate_panel(seed=9, youths=100)
    panel = pd.concat([panel[panel["region"] != "9000"], tiny[tiny["region"] == "9000"]])
    a = fx.assess(panel, ["9000"], START, "neet_share_15_29")
    assert a.sparse_noise is not None and a.sparse_noise > fx.SPARSE_SE_PP
    assert fx.verdict(a) == "fx_verdict_na"
    assert a.mde > 3  # binomial noise alone hides effects of a few points


# --- Demo data (planted programme effect) -----------------------------------------------------


@pytest.fixture
def demo(in_demo_project: Path) -> Path:
    """Demo data generated once per session by tests/conftest.py (INNSIKT_ROOT points at it)."""
    return in_demo_project


def test_demo_planted_neet_effect_recovered(demo):
    from pipeline.analysis import youth_dropout
    from pipeline.sources.demo import PLANTED_NEET_EFFECT as planted

    panel = youth_dropout.neet_panel("demo")
    comparison = ["4601", "1103", "5001", "3301", "4203"]  # flere-i-arbeid.yml
    res = fx.did(panel, planted["region"], planted["from_year"], comparison)
    assert res.ci_low <= planted["pp"] <= res.ci_high
    assert res.ci_high < 0


def test_demo_municipality_without_effect_contains_zero(demo):
    from pipeline.analysis import youth_dropout

    panel = youth_dropout.neet_panel("demo")
    comparison = fx.choose_comparison(panel, "4601", 2021, exclude=("4204",))
    assert "4204" not in comparison and len(comparison) == fx.AUTO_COMPARISON_N
    res = fx.did(panel, "4601", 2021, comparison)
    assert res.ci_low <= 0 <= res.ci_high


def test_demo_county_region_compares_with_other_counties(demo):
    from pipeline.analysis import youth_dropout

    a = fx.assess(youth_dropout.neet_panel("demo"), ["33"], 2024, "neet_share_15_29")
    assert a.level == "county_region" and a.treated == "33"
    assert a.comparison and all(len(c) == 2 and c not in ("33", "0") for c in a.comparison)
    assert a.did is not None and a.did.post_years == (2024, 2025)
    voc = fx.assess(youth_dropout.completion_vocational_panel("demo"), ["4204"], 2021,
                    "completion_rate_vocational_5y", county="42")
    assert voc.level == "county_level" and voc.treated == "42"


def test_demo_namsskogan_is_flagged_sparse(demo):
    from pipeline.analysis import youth_dropout

    a = fx.assess(youth_dropout.neet_panel("demo"), ["5044"], 2020, "neet_share_15_29")
    assert a.sparse_noise is not None and fx.verdict(a) == "fx_verdict_na"


def test_track_shows_the_right_track_panel(demo, monkeypatch):
    from pipeline import report
    from pipeline.analysis import youth_dropout

    shown: list[dict] = []
    monkeypatch.setattr(report, "_display", shown.append)
    ctx = report.setup("flere-i-arbeid", source="demo")
    fx.track(ctx, youth_dropout.INDICATORS)
    texts = [b["text/plain"] for b in shown]
    assert texts[0] == "Er vi på rett vei?"
    assert any(t.startswith("Hva tallene ikke kan si") for t in texts)
    tables = [b[report.TABLE_MIME] for b in shown if report.TABLE_MIME in b]
    assert len(tables) == 1 and len(tables[0]["data"]) == 3  # the three youth indicators
    findings = [b[report.FINDING_MIME]["text"] for b in shown if report.FINDING_MIME in b]
    assert any(f.startswith("Sammenlignet med sammenligningskommunene i programfilen")
               and f.endswith("klar endring i ønsket retning.") for f in findings)
    assert any("Kristiansand: fra" in f for f in findings)
    assert sum(t.startswith("[") for t in texts) == 3  # one figure per indicator, with alt text

    shown.clear()
    fx.track(report.setup("vekst-i-kongsberg", source="demo", language="en"),
             youth_dropout.INDICATORS)
    assert [b["text/plain"] for b in shown] == ["Are we on the right track?",
                                                fx.i18n.t("fx_none", "en")]
