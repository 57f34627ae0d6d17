"""Residential attractiveness after Telemarksforsking: migration beyond what jobs predict.

Statistics only. For every municipality and rolling window, net *domestic* migration per 1 000
inhabitants is regressed (OLS, HC3 errors) on

- job growth in the municipality (13470, % a year),
- job growth in the rest of its county, the nearest labour-market region the data allow,
- immigration from abroad per 1 000 (treated separately, as the anchor does: settlement of
  refugees and labour immigrants is not domestic attractiveness, and newcomers move on), and
- log population (size).

The residual is the attractiveness. Its interval adds the municipality's own year-to-year noise
(:func:`noise_model`) to the fitted value's variance; ranks get intervals by simulation.

The model is the same for every area (all municipalities, every window): :func:`fitted_windows`
fits it once per content of the input tables and keeps the last few fits, so an area batch on a
warm kernel does not refit it for every migration report (the key is a hash of the frames'
values, so changed data are fitted again; callers get copies).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import areas

TERMS = ["job_growth", "region_job_growth", "immigration_rate", "log_pop"]


def jobs_total(employment: pd.DataFrame) -> pd.DataFrame:
    """Jobs by place of work summed over industries: ``region``, ``year``, ``jobs``."""
    out = employment.groupby(["region", "year"], as_index=False)["value"].sum(min_count=1)
    return out.rename(columns={"value": "jobs"})


def municipal_wide(change: pd.DataFrame) -> pd.DataFrame:
    """Municipal rows of 06913 as one row per (region, year) with the domestic-migration columns.

    Columns: ``region``, ``year``, ``mean_pop``, ``net`` (in − out), ``gross`` (in + out),
    ``immigration`` (from abroad, all citizenships).
    """
    c = change[(change["region"].str.len() == 4)
               & change["measure"].isin(["Folkemengde", "Innflytting", "Utflytting",
                                         "Folketilvekst", "Innvandring"])]
    wide = c.pivot_table(index=["region", "year"], columns="measure", values="value",
                         aggfunc="sum").reset_index()
    needed = ["Folkemengde", "Innflytting", "Utflytting", "Folketilvekst", "Innvandring"]
    if any(m not in wide.columns for m in needed):
        return pd.DataFrame(columns=["region", "year", "mean_pop", "net", "gross",
                                     "immigration"])
    wide = wide.dropna(subset=needed)
    return pd.DataFrame({"region": wide["region"], "year": wide["year"].astype(int),
                         "mean_pop": wide["Folkemengde"] + wide["Folketilvekst"] / 2,
                         "net": wide["Innflytting"] - wide["Utflytting"],
                         "gross": wide["Innflytting"] + wide["Utflytting"],
                         "immigration": wide["Innvandring"]})


def window_panel(change: pd.DataFrame, employment: pd.DataFrame, last: int,
                 window: int = 3, wide: pd.DataFrame | None = None,
                 jobs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per municipality for the window ``last−window+1``…``last``.

    Args:
        change: 06913 tidy frame (ignored when ``wide`` is given).
        employment: 13470 tidy frame (ignored when ``jobs`` is given).
        last: last year of the window.
        window: years in the window.
        wide: :func:`municipal_wide` of ``change``, precomputed (faster over many windows).
        jobs: :func:`jobs_total` of ``employment``, precomputed.

    Returns:
        Columns ``region``, ``net_rate`` (net domestic migration per 1 000 mean inhabitants a
        year), ``job_growth`` (% a year, jobs at the end of the window against the end of the
        year before it, annualised), ``log_pop``, ``population`` (mean), ``net``, ``gross``,
        ``person_years`` (summed counts), ``within_var`` (variance of the yearly rates inside the
        window), ``poisson_var`` (mean yearly Poisson variance of the rate, ``gross/pop²``),
        ``region_job_growth`` (% a year in the rest of the county: the labour-market region)
        and ``immigration_rate`` (immigration from abroad per 1 000 a year).
    """
    return window_panels(change, employment, [last], window, wide=wide, jobs=jobs)[int(last)]


def window_panels(change: pd.DataFrame, employment: pd.DataFrame, lasts: Sequence[int],
                  window: int = 3, wide: pd.DataFrame | None = None,
                  jobs: pd.DataFrame | None = None) -> dict[int, pd.DataFrame]:
    """:func:`window_panel` for several windows at once: ``{last: panel}``, the same frames.

    One groupby over every window's rows (each yearly row repeated once per window it falls
    in) and array arithmetic on the jobs, instead of a dozen pandas operations per window:
    the per-group sums, means and variances are pandas' own, over the same rows in the same
    order, so the numbers are identical to one :func:`window_panel` call per window.
    """
    wide = municipal_wide(change) if wide is None else wide
    jobs = jobs_total(employment[employment["region"].str.len() == 4]) if jobs is None else jobs
    lasts = sorted({int(last) for last in lasts})
    year = wide["year"].to_numpy()
    rows = [np.flatnonzero((year >= last - window + 1) & (year <= last)) for last in lasts]
    w = wide.iloc[np.concatenate(rows) if rows else []]
    w = w.assign(_last=np.repeat(np.asarray(lasts, dtype=np.int64), [len(r) for r in rows]),
                 rate=w["net"] / w["mean_pop"] * 1000, pv=w["gross"] / w["mean_pop"] ** 2 * 1e6)
    counts = w.groupby(["_last", "region"], observed=True, sort=True).agg(
        years=("year", "nunique"), person_years=("mean_pop", "sum"), net=("net", "sum"),
        gross=("gross", "sum"), within_var=("rate", "var"), poisson_var=("pv", "mean"),
        immigration=("immigration", "sum"))
    counts = counts[counts["years"] == window]
    key_last = counts.index.get_level_values("_last").to_numpy()
    key_region = counts.index.get_level_values("region").astype(object).to_numpy()
    growth, regional = _job_growth(jobs, key_last, key_region, window)
    out = counts.assign(job_growth=growth, region_job_growth=regional)
    out = out.dropna(subset=["job_growth", "region_job_growth"])
    out = out[np.isfinite(out["job_growth"]) & np.isfinite(out["region_job_growth"])
              & (out["person_years"] > 0)]
    out = out.assign(net_rate=out["net"] / out["person_years"] * 1000,
                     immigration_rate=out["immigration"] / out["person_years"] * 1000,
                     population=out["person_years"] / window)
    out = out.assign(log_pop=np.log(out["population"]))
    out_last = out.index.get_level_values("_last").to_numpy()
    out = out.reset_index(level="_last", drop=True)
    panels = {}
    for last in lasts:
        part = out[out_last == last]
        panels[last] = part.assign(first=last - window + 1, last=last).reset_index()
    return panels


def _job_growth(jobs: pd.DataFrame, key_last: np.ndarray, key_region: np.ndarray,
                window: int) -> tuple[np.ndarray, np.ndarray]:
    """Own and regional job growth (% a year) of the rows ``(key_last, key_region)``.

    The arithmetic of :func:`window_panel` on arrays: jobs at the end of the year before the
    window (``j0``) and at its end (``j1``); the county's jobs without the municipality, summed
    over the municipalities present in both years (pandas' groupby sums, so the same numbers);
    the rest of the country where the municipality is its whole county.
    """
    from pipeline import geography

    regions = jobs["region"].astype(object).to_numpy()
    years = jobs["year"].to_numpy()
    values = jobs["jobs"].to_numpy(dtype=float)
    county_of = {r: geography.county_of(r) for r in pd.unique(regions)}
    by_year = {int(y): (regions[years == y], values[years == y]) for y in np.unique(years)}
    empty = (np.array([], dtype=object), np.array([], dtype=float))
    n = len(key_region)
    growth, regional = np.full(n, np.nan), np.full(n, np.nan)
    for last in np.unique(key_last):
        sel = np.flatnonzero(key_last == last)
        r1, v1 = by_year.get(int(last), empty)
        r0, v0 = by_year.get(int(last) - window, empty)
        j1 = dict(zip(r1, v1, strict=True))
        j0 = dict(zip(r0, v0, strict=True))
        in_both = np.fromiter((r in j1 for r in r0), bool, len(r0))
        c1 = pd.Series(v1).groupby([county_of[r] for r in r1]).sum().to_dict()
        c0 = pd.Series(v0[in_both]).groupby([county_of[r] for r in r0[in_both]]).sum().to_dict()
        nat1, nat0 = float(pd.Series(v1).sum()), float(pd.Series(v0).sum())
        here = key_region[sel]
        a1 = np.array([j1.get(r, np.nan) for r in here], dtype=float)
        a0 = np.array([j0.get(r, np.nan) for r in here], dtype=float)
        known = np.array([r in j1 for r in here], dtype=bool)
        county = [county_of.get(r) for r in here]
        rest1 = np.array([c1[c] if k else np.nan for c, k in zip(county, known, strict=True)],
                         dtype=float) - a1
        rest0 = np.array([c0.get(c, np.nan) if k and r in j0 else np.nan
                          for c, k, r in zip(county, known, here, strict=True)],
                         dtype=float) - a0
        with np.errstate(divide="ignore", invalid="ignore"):  # as pandas: NaN/inf, no warning
            own = ((a1 / a0) ** (1 / window) - 1) * 100
            near = ((rest1 / rest0) ** (1 / window) - 1) * 100
            national = (((nat1 - a1) / (nat0 - a0)) ** (1 / window) - 1) * 100
        alone = (rest1 <= 0) | np.isnan(rest1)
        growth[sel] = own
        regional[sel] = np.where(alone, national, near)
    return growth, regional


def noise_model(panel: pd.DataFrame) -> tuple[float, float]:
    """Variance of a municipality's yearly net migration rate: ``sigma0² + phi · poisson_var``.

    Fitted across municipalities from the variation of the yearly rates inside the window
    (least squares of ``within_var`` on ``[1, poisson_var]``, both terms kept non-negative).
    ``phi`` > 1 is extra-Poisson variation (families move together); ``sigma0²`` is noise that
    does not shrink with size (e.g. the opening of an institution).

    Returns:
        ``(sigma0_sq, phi)``.
    """
    ok = panel.dropna(subset=["within_var", "poisson_var"])
    if len(ok) < 5:
        return 0.0, 1.0
    y = ok["within_var"].to_numpy(dtype=float)
    x = ok["poisson_var"].to_numpy(dtype=float)
    A = np.column_stack([np.ones_like(x), x])
    (s0, phi), *_ = np.linalg.lstsq(A, y, rcond=None)
    if phi < 0:
        return float(max(y.mean(), 0.0)), 0.0
    if s0 < 0:
        return 0.0, float((x * y).sum() / (x * x).sum())
    return float(s0), float(phi)


def fit_attractiveness(panel: pd.DataFrame, window: int, alpha: float = 0.05) -> tuple[
        pd.DataFrame, object]:
    """OLS of net domestic migration on own and regional job growth, immigration and size (HC3).

    Returns:
        The panel with ``expected``, ``residual``, ``se`` and ``low``/``high`` (the
        ``1 − alpha`` interval) of the residual, and the fitted statsmodels results. The
        residual's variance is the municipality's own noise over the window
        (:func:`noise_model` divided by ``window``) plus the variance of the fitted value.
    """
    from scipy import stats
    from statsmodels.regression.linear_model import OLS

    X = np.column_stack([np.ones(len(panel)), panel[TERMS].to_numpy(dtype=float)])
    y = panel["net_rate"].to_numpy(dtype=float)
    res = OLS(y, X).fit(cov_type="HC3")
    fitted = X @ res.params
    cov = np.asarray(res.cov_params())
    mean_var = np.einsum("ij,jk,ik->i", X, cov, X)
    s0, phi = noise_model(panel)
    noise_var = (s0 + phi * panel["poisson_var"].to_numpy(dtype=float)) / window
    se = np.sqrt(noise_var + mean_var)
    z = float(stats.norm.ppf(1 - alpha / 2))
    residual = y - fitted
    out = panel.assign(expected=fitted, residual=residual, se=se, low=residual - z * se,
                       high=residual + z * se, noise_sigma0_sq=s0, noise_phi=phi)
    return out, res


def group_residual(fitted: pd.DataFrame, area: str) -> dict[str, float]:
    """The residual of an area of several municipalities: summed counts, not mean rates."""
    return _group_residual(fitted, fitted["region"].astype(object).to_numpy(), area)


def _nansum(values: np.ndarray) -> float:
    # What pandas' Series.sum does (no bottleneck): NaN as 0, then numpy's pairwise sum.
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _group_residual(fitted: pd.DataFrame, regions: np.ndarray, area: str) -> dict[str, float]:
    """:func:`group_residual` with the region codes as a plain array (called per window and
    area: no categorical ``isin`` and no sub-frame), the same sums in the same order."""
    members = set(areas.members(area))
    mask = np.fromiter((r in members for r in regions), bool, len(regions))
    if not mask.any():
        return {}
    person_years = fitted["person_years"].to_numpy(dtype=float)[mask]
    py = _nansum(person_years)
    actual = _nansum(fitted["net"].to_numpy(dtype=float)[mask]) / py * 1000
    expected = _nansum(fitted["expected"].to_numpy(dtype=float)[mask] * person_years) / py
    # Variances add over municipalities with weights person_years / py.
    se = math.sqrt(_nansum((fitted["se"].to_numpy(dtype=float)[mask] * person_years / py)
                           ** 2))
    resid = actual - expected
    return {"actual": actual, "expected": expected, "residual": resid, "se": se,
            "low": resid - 1.96 * se, "high": resid + 1.96 * se}


def attractiveness(change: pd.DataFrame, employment: pd.DataFrame, compared: Sequence[str],
                   window: int = 3, seed: int = 11, *, windows: dict | None = None
                   ) -> pd.DataFrame:
    """Rolling-window attractiveness residuals for the areas ``compared`` (first: the region).

    ``windows``: the fits of :func:`fitted_windows` for these frames and ``window``, when the
    caller has them already (it then need not hash the frames again).

    Returns:
        One row per (window end, area): ``last``, ``first``, ``area``, ``actual``,
        ``expected``, ``residual``, ``se``, ``low``, ``high``, ``rank`` (1 = most attractive
        among ``compared``) with its 95 % interval ``rank_low``–``rank_high``, ``n_areas``,
        ``n_municipalities``, and the model's ``job_coef``, ``job_low``, ``job_high``.
    """
    rows = []
    if windows is None:
        windows = fitted_windows(change, employment, window)
    for last, (panel, fitted, res) in windows.items():
        if res is None:
            continue
        ci = np.asarray(res.conf_int())
        regions = fitted["region"].astype(object).to_numpy()
        present = set(regions)
        for code in compared:
            members = areas.members(code)
            # A county stands for its municipalities only when nearly all are in the model.
            if len(members) > 1 and np.mean([m in present for m in members]) < 0.8:
                continue
            g = _group_residual(fitted, regions, code)
            if g:
                rows.append({"last": last, "first": last - window + 1, "area": code,
                             **g, "n_municipalities": len(panel),
                             "job_coef": float(res.params[1]), "job_low": float(ci[1, 0]),
                             "job_high": float(ci[1, 1])})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.assign(rank=out.groupby("last")["residual"].rank(ascending=False, method="min")
                     .astype(int),
                     n_areas=out.groupby("last")["area"].transform("size"))
    return pd.concat([rank_intervals(part, seed) for _, part in out.groupby("last")])


def rank_intervals(part: pd.DataFrame, seed: int = 11, draws: int = 2000) -> pd.DataFrame:
    """95 % intervals of each area's rank in one window, by simulating its residuals.

    Each area's residual is drawn from a normal with its estimate and standard error
    (independently: the areas are different municipalities) and the areas are ranked in every
    draw; the interval is the 2.5 and 97.5 % quantile of the ranks.
    """
    rng = np.random.default_rng(seed)
    sims = part["residual"].to_numpy()[None, :] + rng.standard_normal(
        (draws, len(part))) * part["se"].to_numpy()[None, :]
    ranks = (-sims).argsort(axis=1).argsort(axis=1) + 1
    low, high = np.quantile(ranks, [0.025, 0.975], axis=0)
    return part.assign(rank_low=low.astype(int), rank_high=np.ceil(high).astype(int))


def latest_model(change: pd.DataFrame, employment: pd.DataFrame, window: int = 3, *,
                 windows: dict | None = None):
    """The fitted model of the latest window (for the coefficient table), or None.

    ``windows``: as for :func:`attractiveness`.
    """
    if windows is None:
        windows = fitted_windows(change, employment, window)
    if not windows:
        last = min(int(employment["year"].max()),
                   int(change.loc[change["measure"] == "Innflytting", "year"].max()))
        return None, window_panel(change, employment, last, window)
    panel, fitted, res = windows[max(windows)]
    return (None, panel) if res is None else (res, fitted)


_FITS: OrderedDict = OrderedDict()
_FITS_KEPT = 4


def _content_key(frame: pd.DataFrame) -> str:
    """A hash of a frame's columns and values (not of its index)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def fitted_windows(change: pd.DataFrame, employment: pd.DataFrame, window: int = 3
                   ) -> dict[int, tuple[pd.DataFrame, pd.DataFrame | None, object | None]]:
    """Every window's panel and fit: ``{last: (panel, fitted panel, results)}``, windows from
    the first with ``window`` years of both tables to the last year both have; fitted panel and
    results are None for a window with fewer than 10 municipalities.

    Memoised on the frames' contents (see the module docstring); the frames handed out are
    shallow copies, which copy-on-write keeps apart from the kept ones.
    """
    key = (_content_key(change), _content_key(employment), int(window))
    if key not in _FITS:
        _FITS[key] = _fit_windows(change, employment, window)
        while len(_FITS) > _FITS_KEPT:
            _FITS.popitem(last=False)
    _FITS.move_to_end(key)
    return {last: (panel.copy(deep=False), None if fitted is None else fitted.copy(deep=False),
                   res) for last, (panel, fitted, res) in _FITS[key].items()}


def _fit_windows(change: pd.DataFrame, employment: pd.DataFrame, window: int) -> dict:
    jobs_years = sorted(employment["year"].unique())
    change_years = sorted(change.loc[change["measure"] == "Innflytting", "year"].unique())
    if not jobs_years or not change_years:
        return {}
    first_end = max(int(jobs_years[0]) + window, int(change_years[0]) + window - 1)
    last_end = min(int(jobs_years[-1]), int(change_years[-1]))
    out = {}
    for last, panel in window_panels(change, employment, range(first_end, last_end + 1),
                                     window).items():
        fitted, res = fit_attractiveness(panel, window) if len(panel) >= 10 else (None, None)
        out[last] = (panel, fitted, res)
    return out
