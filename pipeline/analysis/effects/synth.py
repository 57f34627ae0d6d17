"""Synthetic control for one treated area (pure statistics; weights fitted by ``pysyncon``).

Why pysyncon: it is a maintained implementation of Abadie, Diamond & Hainmueller's synthetic
control (the same quadratic programme as R's ``Synth``), so the weights are not hand-rolled.

The variant used is the *demeaned* synthetic control recommended by Ferman & Pinto (2021,
"Synthetic controls with imperfect pretreatment fit"): each unit's pre-period mean is removed
before the weights are fitted, and the estimate is the post-period mean gap minus the
pre-period mean gap, ``d_1 − Σ w_j d_j`` with ``d_i`` each unit's post minus pre mean. The
weights are fitted on the *selection* years of the pre-period only
(:func:`pipeline.analysis.effects.statistics.pre_period_split`); the pre-period fit (RMSPE) is
reported on all pre years.

Inference: the prediction interval uses the same size-aware unit-contrast variance as DiD with
the synthetic weights (``SE² = κ + φ v_1 + Σ w_j² (κ + φ v_j)``, see
:mod:`pipeline.analysis.effects.statistics`); the placebo-in-space rank (each comparison unit
"treated" in turn, synthesised from the others) is reported beside it. A rank test can never
give ``p < 1/(N+1)``, which the reports say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analysis.effects.statistics import (
    ALPHA,
    NotEstimable,
    pre_post_change,
    unit_contrast,
)

MIN_SYNTH_COMPARISON = 4


@dataclass(frozen=True)
class SynthFit:
    """Synthetic-control weights and the estimate they give.

    Attributes:
        weights: comparison unit → weight (non-negative, sum 1).
        estimate, se, df, ci_low, ci_high, p_value: demeaned SC estimate with its interval.
        pre_rmspe: root mean squared pre-period gap after demeaning (fit quality).
        placebo_rank: rank of the treated unit's |t| among all units (1 = most extreme), or None.
        placebo_p: ``placebo_rank / (N + 1)``, or None when placebos were not run.
        gaps: treated minus synthetic by year (demeaned by the pre-period gap).
    """

    weights: dict[str, float]
    estimate: float
    se: float
    df: float | None
    ci_low: float
    ci_high: float
    p_value: float
    pre_rmspe: float
    placebo_rank: int | None
    placebo_p: float | None
    gaps: pd.Series


def fit_weights(block: pd.DataFrame, treated: str, comparison: list[str],
                fit_years: np.ndarray) -> np.ndarray:
    """Demeaned synthetic-control weights of ``comparison`` for ``treated`` (pysyncon ``Synth``).

    The predictors are the demeaned outcomes in each fit year with equal importance (a fixed
    ``V``), which makes the fit a single quadratic programme.
    """
    from pysyncon import Synth

    fit_years = np.asarray(fit_years)
    if len(fit_years) < 2:
        raise NotEstimable("few_pre", "fewer than two years to fit synthetic weights")
    demeaned = block[fit_years].sub(block[fit_years].mean(axis=1), axis=0).T
    z0 = demeaned[comparison]
    z1 = demeaned[treated].rename(treated)
    model = Synth()
    model.fit(X0=z0, X1=z1, Z0=z0, Z1=z1, custom_V=np.ones(len(fit_years)))
    w = np.clip(np.asarray(model.W, float), 0, None)
    return w / w.sum()


def _one(block: pd.DataFrame, var: pd.DataFrame, treated: str, comparison: list[str],
         pre: np.ndarray, post: np.ndarray, fit_years: np.ndarray):
    w = fit_weights(block, treated, comparison, fit_years)
    d, v = pre_post_change(block, var, pre, post)
    return w, unit_contrast(d, v, treated, comparison, weights=w)


def synthetic_control(block: pd.DataFrame, var: pd.DataFrame, treated: str,
                      comparison: list[str], pre: np.ndarray, post: np.ndarray,
                      fit_years: np.ndarray, alpha: float = ALPHA,
                      placebos: bool = True) -> SynthFit:
    """Demeaned synthetic control with a size-aware interval and placebo-in-space ranks.

    Args:
        block, var: balanced values and known sampling variances (units × years).
        treated: treated unit; comparison: donor units.
        pre, post: pre- and post-period years; fit_years: pre years the weights are fitted on.
        alpha: 1 − the interval's coverage.
        placebos: also synthesise each donor from the others (N extra fits).

    Raises:
        NotEstimable: fewer than :data:`MIN_SYNTH_COMPARISON` donors or too few fit years.
    """
    if len(comparison) < MIN_SYNTH_COMPARISON:
        raise NotEstimable("few_comparison", f"{len(comparison)} donors")
    w, c = _one(block, var, treated, comparison, pre, post, fit_years)
    low, high = c.interval(alpha)
    synthetic = pd.Series(w @ block.loc[comparison].to_numpy(), index=block.columns)
    gap = block.loc[treated] - synthetic
    gap = gap - gap[pre].mean()
    rank = p_placebo = None
    if placebos:
        t1 = abs(c.estimate / c.se) if c.se > 0 else 0.0
        ts = []
        for j in comparison:
            donors = [u for u in comparison if u != j]
            try:
                _, cj = _one(block.drop(index=treated), var.drop(index=treated), j, donors,
                             pre, post, fit_years)
            except (NotEstimable, ValueError):
                continue
            ts.append(abs(cj.estimate / cj.se) if cj.se > 0 else 0.0)
        rank = 1 + int(np.sum(np.array(ts) >= t1 - 1e-12))
        p_placebo = rank / (len(ts) + 1)
    return SynthFit(weights={u: float(x) for u, x in zip(comparison, w, strict=True)},
                    estimate=c.estimate, se=c.se, df=c.df, ci_low=low, ci_high=high,
                    p_value=c.p_value, pre_rmspe=float(np.sqrt(np.mean(gap[pre] ** 2))),
                    placebo_rank=rank, placebo_p=p_placebo, gaps=gap)
