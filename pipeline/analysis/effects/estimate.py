"""``estimate_effect``: one or a few treated areas against comparison areas (pure statistics).

The public estimator behind "Er vi på rett vei?": difference-in-differences and synthetic
control side by side, with a size-aware interval (validated in ``validation/validate.py``), the
minimum detectable effect computed *before* any verdict, and a pre-trend test on years the
comparison group was not chosen on. See ``docs/methods_effects.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.analysis.effects import synth as sc
from pipeline.analysis.effects.statistics import (
    ALPHA,
    MIN_COMPARISON,
    NotEstimable,
    PretrendTest,
    balanced,
    choose_comparison,
    event_study,
    minimum_detectable_effect,
    pre_period_split,
    pre_post_change,
    pretrend_test,
    sampling_variance,
    split_years,
    unit_contrast,
)

AUTO_COMPARISON_N = 8
PRETREND_ALPHA = 0.10  # below this the parallel-trends assumption is doubted: use synth
METHODS = ("auto", "did", "synth")


@dataclass(frozen=True)
class EffectEstimate:
    """An effect estimate with its interval, power and the design behind it.

    Attributes:
        estimate: effect in the analysed units (pp for shares, per thousand for per-thousand
            rates, ``100 × log`` points ≈ percent for counts).
        ci_low, ci_high: interval at ``1 − alpha``; p_value: two-sided test of no effect.
        se, df: standard error and t degrees of freedom (None = normal).
        method: ``did`` or ``synth``; reason: why that method (``requested``,
            ``parallel_trends_not_rejected``, ``pretrend_rejected``, ``no_pretrend_test``,
            ``few_donors``).
        mde: minimum detectable effect (80 % power, 5 % level) of the method used.
        plausible_effect: the largest effect a programme could plausibly cause (indicator
            registry), or None; powered: ``mde <= plausible_effect`` (None when unknown).
        treated, comparison: the units; comparison_rule: ``given`` or ``automatic``.
        pre_years, post_years: years of the balanced block; selection_years: pre years the
            comparison group (or synthetic weights) was chosen on.
        pretrend: pre-trend test on the other pre years (None when impossible).
        event: year-by-year differences (see :func:`statistics.event_study`).
        did_estimate, did_ci, did_p_value: the DiD result (always computed).
        synth: the synthetic control fit (None when it cannot be fitted).
        kappa, phi: the fitted variance model of the method used.
        alpha: level.
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    se: float
    df: float | None
    method: str
    reason: str
    mde: float
    plausible_effect: float | None
    powered: bool | None
    treated: str
    comparison: tuple[str, ...]
    comparison_rule: str
    pre_years: tuple[int, ...]
    post_years: tuple[int, ...]
    selection_years: tuple[int, ...]
    pretrend: PretrendTest | None
    event: pd.DataFrame
    did_estimate: float
    did_ci: tuple[float, float]
    did_p_value: float
    synth: sc.SynthFit | None
    kappa: float
    phi: float
    alpha: float = ALPHA
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def significant(self) -> bool:
        """True when the test at ``alpha`` rejects "no effect"."""
        return bool(self.p_value < self.alpha)

    @property
    def n_comparison(self) -> int:
        return len(self.comparison)

    @property
    def weights(self) -> dict[str, float]:
        """Comparison weights of the method used (equal for DiD)."""
        if self.method == "synth" and self.synth is not None:
            return dict(self.synth.weights)
        return {c: 1 / len(self.comparison) for c in self.comparison}


def prepare_panel(panel: pd.DataFrame, multiplier: float = 100.0,
                  log_scale: bool = False) -> pd.DataFrame:
    """``region, year, value, v``: values (rates from counts when needed) and known variances.

    Args:
        panel: ``region, year`` and ``value`` or ``numerator, denominator`` (optional ``se``,
            ``gross_in``, ``gross_out``).
        multiplier: 100 for percent, 1000 for per thousand (rates from counts).
        log_scale: analyse ``100 × log(value)`` (counts of people or jobs): effects ≈ percent.
    """
    p = panel.assign(region=panel["region"].astype(str), year=panel["year"].astype(int))
    if "value" not in p.columns:
        p = p.assign(value=multiplier * p["numerator"] / p["denominator"])
    if log_scale:
        return p.assign(value=100 * np.log(p["value"].where(p["value"] > 0)), v=0.0)
    return p.assign(v=sampling_variance(p, multiplier))


def _choose_method(method: str, pretrend: PretrendTest | None, synth_fit) -> tuple[str, str]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method != "auto":
        if method == "synth" and synth_fit is None:
            raise NotEstimable("few_comparison", "synthetic control needs more donors or years")
        return method, "requested"
    if synth_fit is None:
        return "did", "few_donors"
    if pretrend is None:
        return "did", "no_pretrend_test"
    if pretrend.p_value < PRETREND_ALPHA:
        return "synth", "pretrend_rejected"
    return "did", "parallel_trends_not_rejected"


def estimate_effect(panel: pd.DataFrame, treated: str, start_year: int, method: str = "auto",
                    *, comparison: list[str] | None = None, candidates: list[str] | None = None,
                    multiplier: float = 100.0, log_scale: bool = False,
                    plausible_effect: float | None = None, alpha: float = ALPHA,
                    n_auto: int = AUTO_COMPARISON_N, placebos: bool = True,
                    prepared: bool = False, event: bool = True) -> EffectEstimate:
    """Effect of a programme in ``treated`` from ``start_year`` against comparison areas.

    Args:
        panel: long frame ``region, year`` with ``numerator, denominator`` or ``value``
            (optional ``se``; for net rates ``gross_in, gross_out``).
        treated: the treated unit's code (several municipalities: sum them first).
        start_year: first year the programme could act (years ≥ it are "post"; for cohort
            indicators the panel's year is the cohort's starting year).
        method: ``auto`` (DiD unless the pre-trend test rejects at 10 % and a synthetic control
            can be fitted), ``did`` or ``synth``.
        comparison: comparison units; None chooses ``n_auto`` units most similar on the first
            half of the pre-period (from ``candidates`` when given).
        multiplier, log_scale: how values are built and analysed (see :func:`prepare_panel`).
        plausible_effect: the largest effect the programme could plausibly cause; when the MDE
            exceeds it, ``powered`` is False and reports give no verdict.
        alpha: level of tests and ``1 −`` coverage of intervals.
        placebos: run placebo-in-space fits for the synthetic control.
        prepared: the panel already has ``value`` and ``v`` (skip :func:`prepare_panel`).
        event: also compute the year-by-year event study (off in simulations, for speed).

    Returns:
        EffectEstimate.

    Raises:
        NotEstimable: no data, too few pre years, no post years or too few comparison units.
    """
    p = panel if prepared else prepare_panel(panel, multiplier, log_scale)
    treated = str(treated)
    observed = p.loc[(p["region"] == treated) & p["value"].notna(), "year"]
    pre_all, post_all = split_years(np.sort(observed.unique()), start_year)
    if len(pre_all) < 1:
        raise NotEstimable("few_pre", f"{len(pre_all)} pre years")
    if len(post_all) < 1:
        raise NotEstimable("no_post")
    select, test = pre_period_split(pre_all)
    rule = "given" if comparison is not None else "automatic"
    if comparison is None:
        comparison = choose_comparison(p, treated, select, n=n_auto, candidates=candidates)
    else:
        test = pre_all  # a group named in advance was not chosen on these years
    block, var, comp = balanced(p, treated, list(comparison))
    return effect_from_block(block, var, treated, comp, start_year, method, select=select,
                             test=test, rule=rule, plausible_effect=plausible_effect,
                             alpha=alpha, placebos=placebos, event=event)


def effect_from_block(block: pd.DataFrame, var: pd.DataFrame, treated: str, comp: list[str],
                      start_year: int, method: str = "auto", *, select: np.ndarray,
                      test: np.ndarray, rule: str = "given",
                      plausible_effect: float | None = None, alpha: float = ALPHA,
                      placebos: bool = True, event: bool = True) -> EffectEstimate:
    """:func:`estimate_effect` on a balanced block (units × years, treated first).

    Args:
        block, var: values and known sampling variances (see :func:`statistics.balanced`).
        treated, comp: the treated unit and the comparison units.
        select: pre years the comparison group / synthetic weights are chosen on.
        test: pre years for the pre-trend test.
        Others: as in :func:`estimate_effect`.
    """
    if len(comp) < MIN_COMPARISON:
        raise NotEstimable("few_comparison", f"{len(comp)} complete comparison units")
    pre, post = split_years(block.columns.to_numpy(), start_year)
    if len(pre) < 1 or len(post) < 1:
        raise NotEstimable("few_pre" if len(pre) < 1 else "no_post")
    d, v = pre_post_change(block, var, pre, post)
    did = unit_contrast(d, v, treated, comp)
    pretrend = None
    test = np.asarray([y for y in test if y in set(pre)])
    if len(test) >= 3:
        pretrend = pretrend_test(block, var, treated, comp, test)
    synth_fit = None
    if method != "did" and len(comp) >= sc.MIN_SYNTH_COMPARISON and len(select) >= 2:
        synth_fit = sc.synthetic_control(block, var, treated, comp, pre, post, select,
                                         alpha=alpha, placebos=placebos)
    chosen, reason = _choose_method(method, pretrend, synth_fit)
    if chosen == "synth":
        weights = np.array([synth_fit.weights[c] for c in comp])
        contrast = unit_contrast(d, v, treated, comp, weights=weights)
    else:
        weights, contrast = None, did
    low, high = contrast.interval(alpha)
    mde = minimum_detectable_effect(contrast.se, contrast.df, alpha)
    powered = None if plausible_effect is None else bool(mde <= plausible_effect)
    events = (event_study(block, var, treated, comp, start_year, alpha, weights) if event
              else pd.DataFrame())
    return EffectEstimate(
        estimate=contrast.estimate, ci_low=low, ci_high=high, p_value=contrast.p_value,
        se=contrast.se, df=contrast.df, method=chosen, reason=reason, mde=mde,
        plausible_effect=plausible_effect, powered=powered, treated=treated,
        comparison=tuple(comp), comparison_rule=rule,
        pre_years=tuple(int(y) for y in pre), post_years=tuple(int(y) for y in post),
        selection_years=tuple(int(y) for y in select), pretrend=pretrend, event=events,
        did_estimate=did.estimate, did_ci=did.interval(alpha), did_p_value=did.p_value,
        synth=synth_fit, kappa=contrast.kappa, phi=contrast.phi, alpha=alpha)


def effect_number(value: float, log_scale: bool) -> float:
    """An effect on ``100 × log`` points as a percent change (other scales unchanged)."""
    return 100 * (math.exp(value / 100) - 1) if log_scale else value
