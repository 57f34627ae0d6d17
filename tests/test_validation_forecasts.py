"""Fast versions (≥ 200 runs, seconds) of the forecast validation designs, the backtest span on
real-length histories, the validation table the reports show, and the power rule's dilution on
county statistics."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import indicators
from pipeline.analysis.competence_gap import demand as dm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "validation"))
import forecasts as validation  # noqa: E402  (validation/forecasts.py, the simulation designs)

RUNS, INDUSTRIES, PATHS = 200, 4, 200


def _coverage(truth, seed: int) -> float:
    """Share of simulated totals 15 years ahead inside the 95 % demand interval (10 years)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(RUNS):
        series = truth(rng, validation.HISTORY + validation.STEPS, INDUSTRIES)
        fits = [dm.fit_series(series[:validation.HISTORY, j], dm.MODEL)
                for j in range(INDUSTRIES)]
        total = dm.simulate_demand(fits, validation.STEPS, PATHS, seed + i).sum(axis=2)
        low, high = dm.interval(total[:, -1])
        hits += bool(low <= series[-1].sum() <= high)
    return hits / RUNS


def test_real_history_length_and_horizon():
    # SSB 13470 starts in 2016: 10 years to 2025, 15 years to 2040.
    assert (validation.HISTORY, validation.STEPS) == (10, 15)
    assert validation.BACKTEST_SPAN == 4


def test_demand_interval_covers_random_walks_at_the_reported_horizon():
    assert 0.90 <= _coverage(validation._random_walks, 11) <= 0.99


def test_demand_interval_is_conservative_when_jobs_revert_to_a_trend():
    """Trend + AR(1) 0.5: the random-walk band is too wide, declared "no valid interval" in
    validation/results.md; coverage ≥ 95 % means a verdict from it errs less than 5 %."""
    assert _coverage(validation._trend_ar, 12) >= 0.95


def test_backtest_starts_earlier_on_short_histories_to_test_four_years_ahead():
    assert dm.backtest_min_train(10) == 6  # real 13470: horizons 1–4
    assert dm.backtest_min_train(12) == dm.MIN_YEARS
    assert dm.backtest_min_train(18) == dm.MIN_YEARS  # demo data: horizons 1–10
    rng = np.random.default_rng(3)
    jobs = np.cumsum(rng.normal(5, 3, (10, 3)), axis=0) + 200
    bt = dm.backtest(pd.DataFrame(jobs, index=range(2016, 2026)), max_horizon=15,
                     repetitions=50)
    assert int(bt["horizon"].max()) == 4 and int(bt["origin"].min()) == 2021


def test_validation_table_parses_the_published_rows(tmp_path):
    text = ("# Validation results\n\n| design | estimator | runs | null rejection | coverage (95 %)"
            " | note |\n|---|---|---|---|---|---|\n| a | did | 400 | 4.5 % | 93.8 % | ok |\n"
            "| b | SSB | 400 | – | – | no interval |\n")
    path = tmp_path / "results.md"
    path.write_text(text, encoding="utf-8")
    from pipeline.validation_table import validation_table

    table = validation_table(path)
    assert table["design"].tolist() == ["a", "b"]
    assert table.loc[0, "null_rejection"] == pytest.approx(4.5)
    assert np.isnan(table.loc[1, "coverage"])
    assert validation_table(tmp_path / "missing.md").empty
    assert len(validation_table()) >= 40  # the committed table


def test_plausible_effect_is_diluted_on_a_county_statistic():
    spec = indicators.get("completion_rate_vocational_5y")
    assert indicators.plausible_in(spec) == spec.plausible_effect
    assert indicators.plausible_in(spec, 0.25) == pytest.approx(spec.plausible_effect / 4)
    assert indicators.plausible_in(spec, 3.0) == spec.plausible_effect


def test_methods_appendix_carries_the_validation_table_and_its_summary():
    from pipeline.render.html import validation_context
    from pipeline.validation_table import validation_summary, validation_table

    table = validation_table()
    summary = validation_summary(table)
    assert summary["designs"].sum() == len(table) >= 40
    did = summary.set_index("estimator").loc["did"]
    assert 2 <= did["null_low"] <= did["null_high"] <= 8
    assert 90 <= did["coverage_low"] <= did["coverage_high"] <= 98
    assert did["failing"] == (table[table["estimator"] == "did"]["note"]
                              .str.startswith("no valid")).sum()
    context = validation_context("nb")
    assert len(context["validation"]) == len(table) and context["validation_runs"] >= 400
    assert len(context["validation_summary"]) == len(summary)
