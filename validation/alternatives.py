"""Demand intervals that were measured and not adopted (``docs/methods_forecasts.md``).

Not part of ``make validate``: it reproduces the table of alternatives to the published random
walk with drift, at the real history length (10 years of 13470) and 15 years ahead, in the three
demand designs of :mod:`forecasts` (random walks, trend + AR(1) 0.5, demo-like common level
shifts). The alternative is an AR(1) around a linear trend per industry with one persistence ρ
shared by all industries (ρ = 1 is the random walk with drift):

- ρ is drawn from its confidence distribution: the pooled least-squares ρ̂ (industries weighted by
  their yearly changes' variance) is compared with its distribution simulated on a grid of ρ
  (equicorrelated shocks, stationary start), and ρ solves ``P_ρ(ρ̂* ≤ ρ̂) = U``;
- given ρ, each industry's trend is estimated by GLS (Prais–Winsten), its coefficients and
  variance drawn from their sampling distributions and the AR(1) simulated forward.

Usage: ``python validation/alternatives.py [--sims 300] [--seed 11]`` (a few minutes).
"""

from __future__ import annotations

import argparse

import forecasts as designs  # validation/forecasts.py (run from validation/)
import numpy as np

from pipeline.analysis.competence_gap import demand as dm

GRID = np.linspace(0.0, 1.0, 21)
RHO_CAP = 0.999  # Prais–Winsten needs ρ < 1; at 0.999 the forecast is the random walk's
REFERENCE = 200  # simulated panels per grid point


def pooled_rho(y: np.ndarray) -> np.ndarray:
    """Pooled OLS ρ of y_t on (1, t, y_{t−1}); y has shape (..., years, industries)."""
    n = y.shape[-2]
    x = np.column_stack([np.ones(n - 1), np.arange(1, n, dtype=float)])
    resid = np.eye(n - 1) - x @ np.linalg.pinv(x)
    cur, lag = resid @ y[..., 1:, :], resid @ y[..., :-1, :]
    s2 = np.var(np.diff(y, axis=-2), axis=-2, ddof=1)
    s2 = np.where(s2 > 0, s2, np.inf)[..., None, :]
    return (lag * cur / s2).sum(axis=(-2, -1)) / (lag * lag / s2).sum(axis=(-2, -1))


def _ar_panels(rho: float, n: int, root: np.ndarray, reps: int, rng) -> np.ndarray:
    e = rng.standard_normal((reps, n, root.shape[0])) @ root.T
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] / np.sqrt(1 - rho ** 2) if rho < 1 else e[:, 0]
    for t in range(1, n):
        u[:, t] = rho * u[:, t - 1] + e[:, t]
    return u


def equicorrelation_root(y: np.ndarray) -> np.ndarray:
    """Square root of the equicorrelation matrix of the yearly changes (mean correlation ≥ 0)."""
    k = y.shape[1]
    d = np.diff(y, axis=0)
    ok = d.std(axis=0, ddof=1) > 0
    c = 0.0
    if ok.sum() > 1:
        r = np.corrcoef(d[:, ok].T)
        c = float(np.clip(r[np.triu_indices(ok.sum(), 1)].mean(), 0.0, 0.95))
    # Shrunk 2 % towards independence, as the published model's correlation (full rank).
    corr = (1 - dm.CORRELATION_SHRINKAGE) * ((1 - c) * np.eye(k) + c)
    w, v = np.linalg.eigh(corr + dm.CORRELATION_SHRINKAGE * np.eye(k))
    return v * np.sqrt(np.clip(w, 0.0, None))


def rho_draws(y: np.ndarray, root: np.ndarray, u: np.ndarray, seed: int,
              aggregate: bool = False) -> tuple[np.ndarray, float]:
    """ρ draws from the confidence distribution, and the unit-root p-value ``P_1(ρ̂* ≤ ρ̂)``."""
    rng = np.random.default_rng(seed)
    if aggregate:
        y, root = y.sum(axis=1, keepdims=True), np.ones((1, 1))
    obs = pooled_rho(y)
    p = np.array([np.mean(pooled_rho(_ar_panels(r, len(y), root, REFERENCE, rng)) <= obs)
                  for r in GRID])
    p = np.minimum.accumulate(p)  # decreasing in ρ
    return np.interp(u, p[::-1], GRID[::-1], left=1.0, right=0.0), float(p[-1])


def trend_ar_paths(y: np.ndarray, steps: int, reps: int, seed: int, aggregate: bool = False
                   ) -> tuple[np.ndarray, float]:
    """Simulated paths (reps, steps, industries) of the trend + AR(1) model, and the p-value."""
    rng = np.random.default_rng(seed)
    n, k = y.shape
    root = equicorrelation_root(y)
    rho, p1 = rho_draws(y, root, rng.uniform(size=reps), seed, aggregate)
    rho = np.minimum(rho, RHO_CAP)
    pw = np.zeros((reps, n, n))
    pw[:, 0, 0] = np.sqrt(1 - rho ** 2)
    idx = np.arange(1, n)
    pw[:, idx, idx], pw[:, idx, idx - 1] = 1.0, -rho[:, None]
    xs = pw @ np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    ys = pw @ y
    inv = np.linalg.inv(np.swapaxes(xs, 1, 2) @ xs)
    beta = inv @ (np.swapaxes(xs, 1, 2) @ ys)
    s2 = ((ys - xs @ beta) ** 2).sum(axis=1) / (n - 2)
    sigma = np.sqrt(s2 * (n - 2) / rng.chisquare(n - 2, size=reps)[:, None])
    zb = rng.standard_normal((reps, 2, k)) @ root.T
    beta = beta + (np.linalg.cholesky(inv) @ zb) * sigma[:, None, :]
    u = y[-1][None, :] - (beta[:, 0] + beta[:, 1] * (n - 1))
    e = rng.standard_normal((reps, steps, k)) @ root.T * sigma[:, None, :]
    out = np.empty((reps, steps, k))
    for h in range(steps):
        u = rho[:, None] * u + e[:, h]
        out[:, h] = beta[:, 0] + beta[:, 1] * (n + h) + u
    return np.clip(out, 0.0, None), p1


def _inside(paths: np.ndarray, actual: float) -> bool:
    low, high = dm.interval(paths.sum(axis=2)[:, -1])
    return bool(low <= actual <= high)


def measure(truth, n_sims: int, seed: int) -> dict[str, float]:
    """Coverage of every rule in one design (the same histories for all rules)."""
    rng = np.random.default_rng(seed)
    hits = {"random walk": 0, "trend AR, pooled ρ": 0, "trend AR, ρ of the total": 0,
            "pretest 5 %": 0, "pretest 1 %": 0}
    n, steps = designs.HISTORY, designs.STEPS
    for i in range(n_sims):
        series = truth(rng, n + steps)
        y, actual = series[:n], float(series[-1].sum())
        fits = [dm.fit_series(y[:, j], dm.MODEL) for j in range(y.shape[1])]
        walk = _inside(dm.simulate_demand(fits, steps, 400, i), actual)
        pooled, p_pooled = trend_ar_paths(y, steps, 400, i)
        trend = _inside(pooled, actual)
        hits["random walk"] += walk
        hits["trend AR, pooled ρ"] += trend
        hits["trend AR, ρ of the total"] += _inside(trend_ar_paths(y, steps, 400, i, True)[0],
                                                    actual)
        hits["pretest 5 %"] += trend if p_pooled < 0.05 else walk
        hits["pretest 1 %"] += trend if p_pooled < 0.01 else walk
    return {rule: h / n_sims for rule, h in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    truths = {"random walks": designs._random_walks, "trend + AR(1) 0.5": designs._trend_ar,
              "demo-like": designs._common_shifts}
    results = {name: measure(t, args.sims, args.seed) for name, t in truths.items()}
    print("| rule | " + " | ".join(results) + " |")
    for rule in next(iter(results.values())):
        print(f"| {rule} | " + " | ".join(f"{100 * r[rule]:.1f} %" for r in results.values())
              + " |")


if __name__ == "__main__":
    main()
