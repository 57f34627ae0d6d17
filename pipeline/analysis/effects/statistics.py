"""Estimators for effect tracking: pure functions on DataFrames (no text, no figures, no context).

Every test and interval here has its size and coverage measured by simulation in
``validation/validate.py`` (``make validate``); ``docs/methods_effects.md`` states the model and
the results. The two public entry points, :func:`change_test` and
:func:`pipeline.analysis.effects.estimate.estimate_effect`, build on the pieces below.

**Noise model.** A yearly rate of an area is ``y_it = μ_it + s_it + u_it``: ``μ`` the smooth
underlying path, ``s`` sampling noise whose variance ``v_it`` is *known* from the counts
(:func:`sampling_variance`: binomial ``M² p(1 − p)/n`` for a share, Poisson ``M² (in + out)/n²``
for a net rate given its gross flows), and ``u`` extra year-to-year noise (common shocks, local
events) whose variance is *estimated*. Small areas have large ``v``; the estimators carry each
area's own ``v`` so one treated municipality of 600 young people is not judged by the noise of
comparison towns of 20 000.

**Unit contrasts** (:func:`unit_contrast`): a statistic ``d_i`` per unit (a pre/post change, a
pre-period slope, a change relative to a reference year) with variance
``Var(d_i) = κ + φ v_i`` (``v_i`` its known sampling part). ``κ ≥ 0`` and ``φ ≥ 1`` are
estimated from the comparison units' residuals (φ only with at least
:data:`MIN_UNITS_FOR_PHI` comparisons; otherwise φ = 1, the binomial floor): the size-aware
correction of Conley & Taber (2011) proposed by Ferman & Pinto (2019, "Inference in
differences-in-differences with few treated groups and heteroskedasticity"). The contrast
``d_1 − Σ w_j d_j`` then has ``SE² = κ + φ v_1 + Σ w_j² (κ + φ v_j)`` and a t reference with
Satterthwaite degrees of freedom (``N − 1`` when the estimated part dominates, large when the
known binomial part does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
POWER = 0.8
MIN_COMPARISON = 3
MIN_PRE_YEARS = 2
MIN_UNITS_FOR_PHI = 8  # fewer comparisons cannot tell extra noise that scales with size
MIN_CHANGE_YEARS = 6  # change_test needs this many years of the area's own history
MAX_DF = 1000.0
# Second differences of white noise are MA(2) (autocorrelations −2/3, 1/6), so the mean of their
# squares has about n / 1.94 degrees of freedom, not n.
SECOND_DIFF_DF_FACTOR = 1 / 1.944


class NotEstimable(ValueError):
    """The design cannot be estimated; ``reason`` is a short code (``few_pre``, ``no_post`` …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def t_quantile(q: float, df: float | None) -> float:
    """Quantile of the t distribution (normal when ``df`` is None or very large)."""
    if df is None or df >= MAX_DF:
        return float(stats.norm.ppf(q))
    return float(stats.t.ppf(q, df))


def two_sided_p(t: float, df: float | None) -> float:
    """Two-sided p-value of a t statistic."""
    if not math.isfinite(t):
        return float("nan")
    if df is None or df >= MAX_DF:
        return float(2 * stats.norm.sf(abs(t)))
    return float(2 * stats.t.sf(abs(t), df))


def minimum_detectable_effect(se: float, df: float | None = None, alpha: float = ALPHA,
                              power: float = POWER) -> float:
    """Smallest true effect a two-sided test at ``alpha`` detects with probability ``power``.

    ``MDE = (t_{1−α/2, df} + t_{power, df}) × SE``; with a normal reference and the defaults this
    is ``(1.960 + 0.842) × SE = 2.80 × SE``.
    """
    return (t_quantile(1 - alpha / 2, df) + t_quantile(power, df)) * se


# ---------------------------------------------------------------------------------------------
# Sampling variance from counts
# ---------------------------------------------------------------------------------------------


def sampling_variance(frame: pd.DataFrame, multiplier: float = 100.0) -> pd.Series:
    """Known sampling variance of each row's ``value`` (in the value's units, squared).

    Args:
        frame: rows with ``value`` and optionally ``numerator``/``denominator`` (a rate
            ``multiplier × numerator / denominator``), ``gross_in``/``gross_out`` (the gross flows
            behind a net numerator) or ``se`` (a standard error given with the value).
        multiplier: 100 for percent, 1000 for per thousand.

    Returns:
        Series aligned with ``frame``: Poisson ``M² (gross_in + gross_out) / n²`` for a net rate
        with gross flows; binomial ``M² p (1 − p) / n`` for a share (0 ≤ numerator ≤ n);
        ``se²`` when given; otherwise 0 (no known part: all noise is estimated).
    """
    out = pd.Series(0.0, index=frame.index)
    cols = set(frame.columns)
    if {"numerator", "denominator"} <= cols:
        num = frame["numerator"].astype(float)
        den = frame["denominator"].astype(float).where(frame["denominator"] > 0)
        if {"gross_in", "gross_out"} <= cols:
            gross = frame["gross_in"].astype(float) + frame["gross_out"].astype(float)
            flows = multiplier ** 2 * gross / den ** 2
            out = out.where(flows.isna(), flows)
        share = num / den
        binomial = multiplier ** 2 * share * (1 - share) / den
        ok = (num >= 0) & (num <= den) & out.eq(0)
        out = out.where(~ok | binomial.isna(), binomial)
    if "se" in cols:
        se2 = frame["se"].astype(float) ** 2
        out = out.where(se2.isna() | out.gt(0), se2)
    return out.fillna(0.0)


# ---------------------------------------------------------------------------------------------
# Change over time in one area
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeTest:
    """A change between two years of one area, tested against the area's own variation.

    Attributes:
        from_year, to_year: the two years compared.
        from_value, to_value: the values in those years.
        change: ``to_value − from_value``.
        se: standard error of the change (sampling + estimated year-to-year noise).
        ci_low, ci_high: interval at ``1 − alpha``.
        p_value: two-sided p for "no change in the underlying level".
        df: degrees of freedom of the t reference (None = normal).
        noise_sd: estimated sd of the extra year-to-year noise (``τ``).
        sampling_sd: sd of the sampling part of the change (``sqrt(v_from + v_to)``).
        n_years: years of history used to estimate the noise.
        alpha: level of the test.
    """

    from_year: int
    to_year: int
    from_value: float
    to_value: float
    change: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float | None
    noise_sd: float
    sampling_sd: float
    n_years: int
    alpha: float = ALPHA

    @property
    def significant(self) -> bool:
        """True when the test rejects "no change" at ``alpha`` (only then "klar endring")."""
        return bool(self.p_value < self.alpha)


def _as_frame(series: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(series, pd.Series):
        return pd.DataFrame({"year": series.index.astype(int), "value": series.to_numpy(float)})
    return series.reset_index(drop=True)


def change_test(series: pd.DataFrame | pd.Series, from_year: int, to_year: int, *,
                multiplier: float = 100.0, alpha: float = ALPHA) -> ChangeTest:
    """Test the change of one area's indicator from ``from_year`` to ``to_year``.

    The noise of a single year around the area's smooth path has a known sampling part
    (:func:`sampling_variance`; for net rates from their gross flows, so negative nets work) and
    an extra part ``τ²`` estimated from the area's own history by second differences:
    ``E[(y_t − 2y_{t−1} + y_{t−2})²] = v_t + 4v_{t−1} + v_{t−2} + 6τ²``. Second differences
    remove a linear trend, and a trend break only inflates them (conservative), so a steady trend
    is neither mistaken for noise nor needed in a model. The change has
    ``Var = v_from + v_to + 2τ²``; the t reference has Satterthwaite degrees of freedom.

    Args:
        series: one area: a frame with ``year, value`` (optional ``numerator, denominator``,
            ``gross_in, gross_out`` or ``se``; or ``v``, the known sampling variances) or a
            Series of values indexed by year.
        from_year: baseline year.
        to_year: the later year.
        multiplier: 100 (percent) or 1000 (per thousand) for the sampling variance of rates.
        alpha: level of the test and ``1 −`` the interval's coverage.

    Returns:
        ChangeTest.

    Raises:
        NotEstimable: a year missing, or fewer than :data:`MIN_CHANGE_YEARS` years of history.
    """
    f = _as_frame(series).dropna(subset=["value"]).sort_values("year")
    if "v" not in f.columns:  # a caller may pass the known variances itself
        f = f.assign(v=sampling_variance(f, multiplier))
    f = f.assign(year=f["year"].astype(int), v=f["v"].fillna(0.0))
    by_year = f.set_index("year")
    if from_year not in by_year.index or to_year not in by_year.index:
        raise NotEstimable("no_data", f"{from_year} or {to_year} missing")
    if len(f) < MIN_CHANGE_YEARS:
        raise NotEstimable("few_years", f"{len(f)} years")
    years = by_year.index.to_numpy()
    y, v = by_year["value"].to_numpy(float), by_year["v"].to_numpy(float)
    triples = [i for i in range(2, len(years))
               if years[i] - years[i - 1] == 1 and years[i - 1] - years[i - 2] == 1]
    if len(triples) < MIN_CHANGE_YEARS - 2:
        raise NotEstimable("few_years", "too few consecutive years")
    idx = np.array(triples)
    second = y[idx] - 2 * y[idx - 1] + y[idx - 2]
    known = v[idx] + 4 * v[idx - 1] + v[idx - 2]
    tau2 = max(0.0, float(np.mean(second ** 2 - known)) / 6)
    v_pair = float(by_year.loc[from_year, "v"] + by_year.loc[to_year, "v"])
    var = v_pair + 2 * tau2
    # Satterthwaite: only τ² is estimated, from squared second differences whose mean is
    # 6τ² + (known part), with about n / 1.94 degrees of freedom; Var(2τ̂²) follows.
    n_eff = len(triples) * SECOND_DIFF_DF_FACTOR
    expected = 6 * tau2 + float(np.mean(known))
    df = MAX_DF if tau2 == 0 else min(MAX_DF, max(1.0, 9 * n_eff * var ** 2 / expected ** 2))
    change = float(by_year.loc[to_year, "value"] - by_year.loc[from_year, "value"])
    se = math.sqrt(var)
    crit = t_quantile(1 - alpha / 2, df)
    p = two_sided_p(change / se, df) if se > 0 else float("nan")
    return ChangeTest(from_year=int(from_year), to_year=int(to_year),
                      from_value=float(by_year.loc[from_year, "value"]),
                      to_value=float(by_year.loc[to_year, "value"]), change=change, se=se,
                      ci_low=change - crit * se, ci_high=change + crit * se, p_value=p,
                      df=None if df >= MAX_DF else df, noise_sd=math.sqrt(tau2),
                      sampling_sd=math.sqrt(v_pair), n_years=len(f), alpha=alpha)


# ---------------------------------------------------------------------------------------------
# Unit contrasts with size-aware variance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contrast:
    """``d_treated − Σ w_j d_j`` with its size-aware standard error (see module docstring)."""

    estimate: float
    se: float
    df: float | None
    kappa: float
    phi: float
    n_comparison: int

    def interval(self, alpha: float = ALPHA) -> tuple[float, float]:
        crit = t_quantile(1 - alpha / 2, self.df)
        return self.estimate - crit * self.se, self.estimate + crit * self.se

    @property
    def p_value(self) -> float:
        return two_sided_p(self.estimate / self.se, self.df) if self.se > 0 else float("nan")


def _fit_variance(r2: np.ndarray, x: np.ndarray, weight: np.ndarray, estimate_phi: bool
                  ) -> tuple[float, float, list[bool]]:
    """Weighted least squares of ``r²`` on ``x = [a, b]`` with κ ≥ 0 and φ ≥ 1."""
    sw = np.sqrt(weight)
    a, b = x[:, 0], x[:, 1]
    fixed = max(0.0, float(weight @ (a * (r2 - b)) / (weight @ (a * a)))), 1.0, [True, False]
    if not estimate_phi:
        return fixed
    k, f = np.linalg.lstsq(x * sw[:, None], r2 * sw, rcond=None)[0]
    if f >= 1 and k >= 0:
        return float(k), float(f), [True, True]
    if k < 0 and f >= 1:
        return 0.0, max(1.0, float(weight @ (b * r2) / (weight @ (b * b)))), [False, True]
    return fixed


def _variance_model(r2: np.ndarray, v: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(κ, φ, covariance of (κ̂, φ̂)) from squared residuals ``r_j² = (d_j − d̄)²``.

    With independent units and ``σ_j² = κ + φ v_j``, exactly
    ``E[r_j²] = κ (1 − 1/N) + φ (v_j (1 − 2/N) + Σ v / N²)``. Fitted by feasible weighted least
    squares (``Var(r_j²) ≈ 2 σ_j⁴`` for normal residuals: large, precise units weigh more), with
    κ ≥ 0 and φ ≥ 1 (φ fixed at 1, the binomial floor, with fewer than
    :data:`MIN_UNITS_FOR_PHI` comparisons). A parameter held at its bound has zero variance.
    """
    n = len(r2)
    x = np.column_stack([np.full(n, 1 - 1 / n), v * (1 - 2 / n) + v.sum() / n ** 2])
    estimate_phi = n >= MIN_UNITS_FOR_PHI and np.ptp(v) > 0
    kappa, phi, free = _fit_variance(r2, x, np.ones(n), estimate_phi)
    for _ in range(2):  # feasible GLS: weights from the previous fit
        fitted = x @ np.array([kappa, phi])
        fitted = np.maximum(fitted, 0.1 * max(float(fitted.mean()), 1e-12))
        kappa, phi, free = _fit_variance(r2, x, 1 / fitted ** 2, estimate_phi)
    fitted = np.maximum(x @ np.array([kappa, phi]), 1e-12)
    xf = x[:, free]
    cov = np.zeros((2, 2))
    # × N/(N − 1): residuals around the mean sum to zero, which independent r² ignore (with equal
    # variances this gives the sample variance's exact 2σ⁴/(N − 1)).
    cov[np.ix_(free, free)] = np.linalg.pinv((xf.T / (2 * fitted ** 2)) @ xf) * n / (n - 1)
    return kappa, phi, cov


def contrast(d1: float, v1: float, d: np.ndarray, v: np.ndarray,
             weights: np.ndarray | None = None) -> Contrast:
    """Contrast ``d1 − Σ w_j d_j`` of a treated statistic with comparison statistics.

    Args:
        d1, v1: the treated unit's statistic and its known sampling variance.
        d, v: the comparison units' statistics and known variances (arrays).
        weights: comparison weights summing to one (default equal).

    Returns:
        Contrast with the Ferman–Pinto-type size-aware SE and Satterthwaite df
        (``df = 2 V̂² / Var(V̂)`` from the covariance of the variance model's parameters).

    Raises:
        NotEstimable: fewer than :data:`MIN_COMPARISON` comparison units.
    """
    d, v = np.asarray(d, float), np.asarray(v, float)
    n = len(d)
    if n < MIN_COMPARISON:
        raise NotEstimable("few_comparison", f"{n} comparison units")
    w = np.full(n, 1 / n) if weights is None else np.asarray(weights, float)
    kappa, phi, cov = _variance_model((d - d.mean()) ** 2, v)
    ww = float(w @ w)
    grad = np.array([1 + ww, v1 + float(w ** 2 @ v)])  # dV/dκ, dV/dφ
    var = kappa * grad[0] + phi * grad[1]
    var_of_var = float(grad @ cov @ grad)
    df = MAX_DF if var_of_var <= 0 else min(MAX_DF, max(2.0, 2 * var ** 2 / var_of_var))
    return Contrast(estimate=float(d1 - w @ d), se=math.sqrt(var),
                    df=None if df >= MAX_DF else df, kappa=kappa, phi=phi, n_comparison=n)


def unit_contrast(stat: pd.Series, known_var: pd.Series, treated: str,
                  comparison: list[str], weights: np.ndarray | None = None) -> Contrast:
    """:func:`contrast` for statistics given as Series indexed by unit code."""
    return contrast(float(stat.loc[treated]), float(known_var.loc[treated]),
                    stat.loc[comparison].to_numpy(float),
                    known_var.loc[comparison].to_numpy(float), weights)


# ---------------------------------------------------------------------------------------------
# Panels: balanced blocks, DiD, event study, pre-trends, comparison choice
# ---------------------------------------------------------------------------------------------


def wide(panel: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """Units × years matrix of ``column`` (NaN where missing)."""
    frame = panel[["region", "year", column]].drop_duplicates(["region", "year"])
    return frame.set_index(["region", "year"])[column].unstack("year").sort_index()


def balanced(panel: pd.DataFrame, treated: str, comparison: list[str] | None
             ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The balanced block: years where the treated unit has a value; complete comparisons.

    Returns:
        (values, known variances, comparison units kept), both frames units × years.
    """
    values = wide(panel)
    if treated not in values.index:
        raise NotEstimable("no_data", f"{treated} not in the panel")
    variances = wide(panel, "v") if "v" in panel.columns else values * 0.0
    comp = [c for c in (comparison if comparison is not None else values.index)
            if c != treated and c in values.index]
    keep_years = values.loc[treated].notna().to_numpy()
    if not keep_years.any():
        raise NotEstimable("no_data", "the treated unit has no values")
    block = values.loc[[treated] + comp].loc[:, keep_years]
    complete = block.notna().all(axis=1).to_numpy()
    block = block[complete]
    comp = list(block.index[1:])
    return block, variances.reindex(index=block.index, columns=block.columns).fillna(0.0), comp


def split_years(years: np.ndarray, start_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) years of a block."""
    years = np.asarray(years)
    return years[years < start_year], years[years >= start_year]


def pre_post_change(block: pd.DataFrame, var: pd.DataFrame, pre: np.ndarray,
                    post: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Each unit's mean post minus mean pre value, with its known sampling variance."""
    cols = block.columns.to_numpy()
    is_pre, is_post = np.isin(cols, pre), np.isin(cols, post)
    y, v = block.to_numpy(float), var.to_numpy(float)
    d = y[:, is_post].mean(axis=1) - y[:, is_pre].mean(axis=1)
    dv = v[:, is_post].sum(axis=1) / is_post.sum() ** 2 + v[:, is_pre].sum(axis=1) / (
        is_pre.sum() ** 2)
    return pd.Series(d, index=block.index), pd.Series(dv, index=block.index)


def pre_period_split(pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Years to choose comparison units on, and later years to test pre-trends on.

    The first half of the pre-period (rounded up) selects; the rest tests, so a comparison group
    matched on some years is not judged by the same years (matching on the test years would bias
    the pre-trend test toward passing). With fewer than four pre years there is no split: the
    selection uses them all and no independent pre-trend test is possible (empty test years).
    """
    pre = np.sort(np.asarray(pre))
    if len(pre) < 4:
        return pre, pre[:0]
    cut = math.ceil(len(pre) / 2)
    return pre[:cut], pre[cut:]


@dataclass(frozen=True)
class PretrendTest:
    """Slope of the treated unit minus the comparison mean over the test years of the pre-period."""

    slope_difference: float
    se: float
    statistic: float
    df: float | None
    p_value: float
    years: tuple[int, ...]


def _arrays(block: pd.DataFrame, var: pd.DataFrame, treated: str, comparison: list[str]
            ) -> tuple[np.ndarray, np.ndarray]:
    """Values and variances with the treated unit in row 0 and the comparisons after it."""
    order = [treated, *comparison]
    return block.loc[order].to_numpy(float), var.loc[order].to_numpy(float)


def pretrend_test(block: pd.DataFrame, var: pd.DataFrame, treated: str, comparison: list[str],
                  years: np.ndarray) -> PretrendTest:
    """Size-aware test that the treated unit's pre-period slope equals the comparisons'.

    Raises:
        NotEstimable: fewer than three test years.
    """
    years = np.asarray(years)
    if len(years) < 3:
        raise NotEstimable("few_pre", "fewer than three pre-trend test years")
    y, v = _arrays(block[years], var[years], treated, comparison)
    x = years.astype(float) - years.mean()
    sxx = float(x @ x)
    slopes, sv = y @ x / sxx, v @ (x ** 2) / sxx ** 2
    c = contrast(slopes[0], sv[0], slopes[1:], sv[1:])
    t = c.estimate / c.se if c.se > 0 else 0.0
    return PretrendTest(slope_difference=c.estimate, se=c.se, statistic=t, df=c.df,
                        p_value=c.p_value, years=tuple(int(y) for y in years))


def event_study(block: pd.DataFrame, var: pd.DataFrame, treated: str, comparison: list[str],
                start_year: int, alpha: float = ALPHA,
                weights: np.ndarray | None = None) -> pd.DataFrame:
    """Treated minus comparison, year by year, relative to the last pre year.

    Returns:
        ``year, relative_year, estimate, se, ci_low, ci_high, period`` (``pre``, ``reference``,
        ``post``); each year's interval from :func:`contrast` on the change since the
        reference year.
    """
    years = np.asarray(block.columns)
    pre = years[years < start_year]
    if len(pre) == 0:
        raise NotEstimable("few_pre")
    ref = int(pre.max())
    y, v = _arrays(block, var, treated, comparison)
    r = int(np.flatnonzero(years == ref)[0])
    rows = []
    for k, year in enumerate(years):
        year = int(year)
        row = {"year": year, "relative_year": year - start_year, "estimate": 0.0, "se": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "period": "reference"}
        if year != ref:
            rel, rv = y[:, k] - y[:, r], v[:, k] + v[:, r]
            c = contrast(rel[0], rv[0], rel[1:], rv[1:], weights)
            low, high = c.interval(alpha)
            row.update(estimate=c.estimate, se=c.se, ci_low=low, ci_high=high,
                       period="pre" if year < start_year else "post")
        rows.append(row)
    return pd.DataFrame(rows)


def choose_comparison(panel: pd.DataFrame, treated: str, years: list[int] | np.ndarray,
                      n: int = 8, exclude: tuple[str, ...] = (),
                      candidates: list[str] | None = None) -> list[str]:
    """Units most similar to ``treated`` in ``years`` (the selection part of the pre-period).

    Candidates (default: units of the same code length other than the whole country) must have
    a value in every year the treated unit has one. Features: mean level and linear slope over
    ``years`` and size (log mean ``denominator``), each standardised over the candidates and
    the treated unit; Euclidean distance with equal weights; ties broken by code.

    Returns:
        Up to ``n`` unit codes, most similar first.
    """
    values = wide(panel)
    if treated not in values.index:
        raise NotEstimable("no_data", f"{treated} not in the panel")
    years = [y for y in years if y in values.columns and pd.notna(values.loc[treated, y])]
    if len(years) < MIN_PRE_YEARS:
        raise NotEstimable("few_pre")
    observed = [y for y in values.columns if pd.notna(values.loc[treated, y])]
    pool = candidates if candidates is not None else [
        u for u in values.index if len(u) == len(treated) and u != "0"]
    units = [u for u in pool if u in values.index and u != treated and u not in exclude
             and values.loc[u, observed].notna().all()]
    block = values.loc[[treated] + units, years]
    x = np.asarray(years, dtype=float) - np.mean(years)
    features = pd.DataFrame({"level": block.mean(axis=1)}, index=block.index)
    if len(years) >= 2:
        features["trend"] = block.to_numpy() @ x / float(x @ x)
    if "denominator" in panel.columns and panel["denominator"].notna().any():
        size = wide(panel, "denominator").reindex(block.index)[years].mean(axis=1)
        features["size"] = np.log(size.clip(lower=1))
    features = features.dropna(axis=1, how="any")
    spread = features.std(ddof=0).replace(0, np.nan)
    z = ((features - features.mean()) / spread).dropna(axis=1, how="all").fillna(0.0)
    distance = np.sqrt(((z.loc[units] - z.loc[treated]) ** 2).sum(axis=1))
    ranked = pd.DataFrame({"d": distance, "code": distance.index}).sort_values(["d", "code"])
    return list(ranked["code"].iloc[:n])
