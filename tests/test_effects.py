"""Tests of pipeline.analysis.effects: hand computations, independent computations, fast
simulations of the key validation designs (≥ 200 runs), planted truths on demo data, and the
import graph of the statistics modules."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import effects as fx
from pipeline.analysis.effects import statistics as st

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "validation"))
import effects as validation  # noqa: E402  (validation/effects.py, the simulation designs)

START = 2021


# --- Hand computations -------------------------------------------------------------------------


def test_did_equals_hand_built_2x2_with_hand_variance():
    # Treated goes 10 -> 7; comparison units go (8 -> 8, 12 -> 11, 9 -> 10): mean change 0.
    panel = pd.DataFrame({"region": ["T", "T", "A", "A", "B", "B", "C", "C"],
                          "year": [2020, 2021] * 4,
                          "value": [10.0, 7.0, 8.0, 8.0, 12.0, 11.0, 9.0, 10.0]})
    res = fx.estimate_effect(panel, "T", 2021, method="did", comparison=["A", "B", "C"])
    assert res.estimate == pytest.approx(-3.0)
    # No sampling part (values only): κ = Σ(d_j − d̄)² / (N − 1) = (0 + 1 + 1) / 2 = 1, and
    # SE² = κ (1 + 1/N) = 4/3; the t reference has N − 1 = 2 degrees of freedom.
    assert res.se == pytest.approx(math.sqrt(4 / 3))
    assert res.df == pytest.approx(2.0)
    half = 4.302652729911275 * res.se  # t(0.975, 2)
    assert res.ci_low == pytest.approx(-3.0 - half) and res.ci_high == pytest.approx(-3.0 + half)
    assert res.method == "did" and res.reason == "requested"


def test_sampling_variance_binomial_gross_flows_and_negative_nets():
    frame = pd.DataFrame({"value": [10.0, -5.0, 2.0], "numerator": [100.0, -10.0, 4.0],
                          "denominator": [1000.0, 2000.0, 2000.0],
                          "gross_in": [np.nan, 40.0, 50.0], "gross_out": [np.nan, 50.0, 46.0]})
    v = st.sampling_variance(frame, multiplier=100.0)
    assert v[0] == pytest.approx(100 ** 2 * 0.1 * 0.9 / 1000)  # binomial share
    assert v[1] == pytest.approx(100 ** 2 * 90 / 2000 ** 2)  # a negative net: in + out
    assert v[2] == pytest.approx(100 ** 2 * 96 / 2000 ** 2)  # gross flows win over binomial


def test_change_test_by_hand_on_a_short_series():
    years = list(range(2015, 2021))
    values = [10.0, 11.0, 10.0, 12.0, 11.0, 13.0]
    res = fx.change_test(pd.Series(values, index=years), 2016, 2020)
    second = np.array([values[i] - 2 * values[i - 1] + values[i - 2] for i in range(2, 6)])
    tau2 = np.mean(second ** 2) / 6  # no sampling part: τ² = mean(second differences²) / 6
    assert res.change == pytest.approx(2.0)
    assert res.se == pytest.approx(math.sqrt(2 * tau2))
    assert res.noise_sd == pytest.approx(math.sqrt(tau2))
    # Satterthwaite df = n_eff with no known part (4 second differences / 1.944).
    assert res.df == pytest.approx(max(1.0, 4 / 1.944))
    with pytest.raises(fx.NotEstimable):
        fx.change_test(pd.Series(values[:4], index=years[:4]), 2015, 2018)


def test_did_point_estimate_matches_statsmodels_twfe():
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    design = validation.PANEL_DESIGNS[1]
    panel, comparison = validation.simulate_panel(design, rng, -1.0)
    res = fx.estimate_effect(panel, "T", design.start, method="did", comparison=comparison)
    p = panel.assign(value=100 * panel["numerator"] / panel["denominator"])
    exog = pd.concat([((p["region"] == "T") & (p["year"] >= design.start)).astype(float)
                      .rename("d"),
                      pd.get_dummies(p["region"], drop_first=True, dtype=float),
                      pd.get_dummies(p["year"], drop_first=True, dtype=float)], axis=1)
    fit = sm.OLS(p["value"], sm.add_constant(exog)).fit()
    assert res.estimate == pytest.approx(fit.params["d"], abs=1e-9)


def test_minimum_detectable_effect_formula():
    assert fx.minimum_detectable_effect(1.0) == pytest.approx(1.959964 + 0.841621, abs=1e-5)
    assert fx.minimum_detectable_effect(1.0, df=4) == pytest.approx(2.776445 + 0.940965, abs=1e-4)


def test_pre_period_split_selects_on_early_years_and_tests_on_later_ones():
    select, test = st.pre_period_split(np.arange(2015, 2021))
    assert list(select) == [2015, 2016, 2017] and list(test) == [2018, 2019, 2020]
    select, test = st.pre_period_split(np.arange(2018, 2021))
    assert list(select) == [2018, 2019, 2020] and len(test) == 0


def test_power_rule_withholds_the_verdict():
    design = dataclasses.replace(validation.PANEL_DESIGNS[4], treated_size=150)
    panel, comparison = validation.simulate_panel(design, np.random.default_rng(3), -1.5)
    res = fx.estimate_effect(panel, "T", START, comparison=comparison, plausible_effect=2.0)
    assert res.mde > 2.0 and res.powered is False


def test_synthetic_control_weights_sum_to_one_and_placebo_rank_bounds():
    design = validation.PANEL_DESIGNS[0]
    panel, comparison = validation.simulate_panel(design, np.random.default_rng(5), -1.5)
    res = fx.estimate_effect(panel, "T", START, method="synth", comparison=comparison[:8])
    s = res.synth
    assert res.method == "synth" and sum(s.weights.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in s.weights.values())
    assert 1 / 9 <= s.placebo_p <= 1 and s.ci_low <= -1.5 <= s.ci_high


# --- Fast versions of the validation designs (≥ 200 runs each) ---------------------------------


def test_did_size_and_coverage_with_a_small_treated_area():
    """Treated 600 young people against comparisons of 1 500–20 000 (the case that failed)."""
    design = dataclasses.replace(validation.PANEL_DESIGNS[1], estimators=("did",))
    row = validation.run(200, seed=11, designs=(design,))[0]
    assert 0.01 <= row["null_rejection"] <= 0.09
    assert 0.90 <= row["coverage"] <= 0.99


def test_did_size_and_coverage_with_five_comparisons():
    design = dataclasses.replace(validation.PANEL_DESIGNS[4], estimators=("did",))
    row = validation.run(200, seed=12, designs=(design,))[0]
    assert 0.01 <= row["null_rejection"] <= 0.09
    assert 0.90 <= row["coverage"] <= 0.99


def test_did_is_never_anti_conservative_with_a_large_area_and_five_small_comparisons():
    """Declared "no valid interval" in validation/results.md: too wide, never too narrow."""
    design = dataclasses.replace(validation.PANEL_DESIGNS[6], estimators=("did",))
    row = validation.run(200, seed=14, designs=(design,))[0]
    assert row["null_rejection"] <= 0.05 and row["coverage"] >= 0.95


def test_change_test_size_under_the_project_generator():
    """The old two-year binomial test rejected a true null about half the time."""
    row = validation.run(200, seed=13, designs=(validation.SERIES_DESIGNS[0],))[0]
    assert 0.01 <= row["null_rejection"] <= 0.09
    assert 0.90 <= row["coverage"] <= 0.99


# --- Import graph ------------------------------------------------------------------------------


def test_statistics_modules_import_no_text_report_or_figures():
    code = ("import sys\n"
            "import pipeline.analysis.effects.estimate, pipeline.analysis.effects.tracking\n"
            "import pipeline.analysis.youth_dropout.statistics\n"
            "import pipeline.analysis.youth_dropout.results\n"
            "bad = sorted(m for m in sys.modules if m in ('matplotlib', 'pipeline.i18n',"
            " 'pipeline.report', 'pipeline.figures') or m.startswith('pipeline.present')"
            " or m.endswith('.sections') or m.endswith('effects.figures'))\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == ""


# --- Demo data (planted truths) ------------------------------------------------------------------


@pytest.fixture
def demo(in_demo_project: Path) -> Path:
    """Demo data generated once per session by tests/conftest.py (INNSIKT_ROOT points at it)."""
    return in_demo_project


def _assess(program_id: str, panels: dict) -> dict:
    from pipeline.programs import load_program

    prog = load_program(program_id)
    results = fx.assess_program(panels, prog, prog.region_codes, "demo")
    return {a.indicator: a for a in results if isinstance(a, fx.Assessment)}


def test_demo_kristiansand_neet_effect_recovered_with_a_verdict(demo):
    from pipeline.analysis import youth_dropout
    from pipeline.sources.demo import PLANTED_NEET_EFFECT as planted

    a = _assess("flere-i-arbeid", youth_dropout.INDICATORS)["neet_share_15_29"]
    e = a.effect
    # Planted −1.5 pp from 2022; the programme starts in 2021: post mean = 4/5 × −1.5.
    post = [y for y in e.post_years]
    truth = planted["pp"] * sum(y >= planted["from_year"] for y in post) / len(post)
    assert e.ci_low <= truth <= e.ci_high and e.ci_high < 0
    assert e.powered and a.verdict == "right"
    assert e.comparison_rule == "given" and e.pretrend is not None


def test_demo_completion_tracking_names_the_first_post_programme_cohort(demo):
    from pipeline.analysis import youth_dropout

    a = _assess("flere-i-arbeid", youth_dropout.INDICATORS)["completion_rate_vocational_5y"]
    assert a.level == "county_level" and a.treated == "42"
    assert a.first_post_cohort == 2021 and a.first_post_measured == 2026
    assert a.problem == "no_post_cohort" and a.effect is None


def test_demo_population_gets_a_power_statement_in_namsskogan_and_kongsberg(demo):
    from pipeline.analysis import migration

    for program_id in ("namsskogan-tilflytting", "vekst-i-kongsberg"):
        a = _assess(program_id, {"population": migration.INDICATORS["population"]})
        pop = a["population"]
        assert pop.verdict == "underpowered", program_id
        assert pop.effect.mde > pop.spec.plausible_effect


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
    assert any("første slike kullet måles i 2026" in t for t in texts)


def test_no_verdict_in_the_design_validation_found_without_a_valid_interval():
    """validation/results.md: a treated area larger than each of at most five comparisons has
    no valid interval (coverage ~100 %), so tracking withholds the estimate there."""
    from types import SimpleNamespace

    from pipeline.analysis.effects.tracking import outside_validated_designs

    panel = pd.DataFrame({"region": ["a", "b", "c", "a", "b", "c"], "year": [1, 1, 1, 2, 2, 2],
                          "numerator": [50, 5, 9, 52, 6, 8],
                          "denominator": [20000, 1500, 3000, 20100, 1500, 3100]})
    effect = SimpleNamespace(n_comparison=2, treated="a", comparison=("b", "c"), method="did",
                             comparison_rule="given")
    assert outside_validated_designs(panel, effect)
    bigger = panel.assign(denominator=[600, 1500, 3000, 600, 1500, 3100])
    assert not outside_validated_designs(bigger, effect)
    many = SimpleNamespace(n_comparison=6, treated="a", comparison=("b", "c"), method="did",
                           comparison_rule="given")
    assert not outside_validated_designs(panel, many)
    chosen = SimpleNamespace(n_comparison=8, treated="a", comparison=("b", "c"), method="synth",
                             comparison_rule="automatic")
    assert outside_validated_designs(bigger, chosen)
