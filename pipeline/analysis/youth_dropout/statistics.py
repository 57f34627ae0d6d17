"""Youth statistics: binomial GLMs and tidy transforms (pure: no text, no figures, no context).

Counts, not only rates: binomial GLMs (statsmodels, ``endog = [successes, failures]``) give
proportions with intervals (:func:`proportion_ci`), trends (:func:`binomial_trend`,
quasi-binomial: the dispersion is estimated and never taken below 1) and group gaps
(:func:`group_gap`). A gap between two groups in one year is tested with the *overdispersion* of
the two groups' year-to-year series (:func:`gap_dispersion`: a quasi-binomial GLM with year
effects; the Pearson dispersion, floored at 1, scales the binomial variance), so a region is not
declared different from the rest of its county on binomial noise alone. A region is always
compared with the *rest* of its county or country (their counts minus the region's), never with
an area that contains it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from pipeline import areas
from pipeline.analysis.effects import NotEstimable

COMPLETION_YEARS = 5
COMPLETED = "1"  # FullforingVGO: completed and passed within five years
COHORT_AGES = (16, 19)
ALPHA = 0.05

def _counts_endog(successes, trials) -> np.ndarray:
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return np.column_stack([s, n - s])


def proportion_ci(successes: float, trials: float, alpha: float = ALPHA
                  ) -> tuple[float, float, float]:
    """A proportion with its interval from an intercept-only binomial GLM (logit link).

    Returns:
        (share, low, high) in percent. The interval is the Wald interval on the logit scale,
        transformed back (it stays inside 0–100 %). Degenerate counts (0 or all) give NaN.
    """
    if not trials or trials <= 0 or successes <= 0 or successes >= trials:
        share = 100 * successes / trials if trials else float("nan")
        return share, float("nan"), float("nan")
    with warnings.catch_warnings():  # one observation: statsmodels warns about df_resid = 0
        warnings.simplefilter("ignore")
        fit = sm.GLM(_counts_endog([successes], [trials]), np.ones((1, 1)),
                     family=sm.families.Binomial()).fit()
    low, high = fit.conf_int(alpha)[0]
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    return 100 * expit(fit.params[0]), 100 * expit(low), 100 * expit(high)


def group_gap(successes: tuple[float, float], trials: tuple[float, float],
              alpha: float = ALPHA, dispersion: float = 1.0) -> dict[str, float | str]:
    """Gap between two binomial groups from a GLM with a group indicator (logit link).

    Args:
        successes: (reference group, other group).
        trials: (reference group, other group).
        alpha: level of the test.
        dispersion: variance factor (≥ 1) for year-to-year noise beyond the binomial, from
            :func:`gap_dispersion`; the SE is multiplied by its square root.

    Returns:
        dict with ``rate_ref``, ``rate`` (percent), ``gap`` (other − reference, percentage
        points), ``ci_low``, ``ci_high`` (delta method on the GLM's covariance), ``odds_ratio``,
        ``p_value`` (Wald test of the group coefficient, overdispersion-scaled), ``dispersion``
        and ``verdict``: ``higher``/``lower`` when p < alpha, else ``no_clear_difference``.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if (n <= 0).any() or (s <= 0).any() or (s >= n).any():
        nan = float("nan")
        rate = 100 * s / np.where(n > 0, n, np.nan)
        return {"rate_ref": float(rate[0]), "rate": float(rate[1]),
                "gap": float(rate[1] - rate[0]), "ci_low": nan, "ci_high": nan,
                "odds_ratio": nan, "p_value": nan, "dispersion": dispersion,
                "verdict": "no_clear_difference"}
    exog = np.column_stack([np.ones(2), np.array([0.0, 1.0])])
    with warnings.catch_warnings():  # saturated two-group model: df_resid = 0 by design
        warnings.simplefilter("ignore")
        fit = sm.GLM(_counts_endog(s, n), exog, family=sm.families.Binomial()).fit()
    b0, b1 = fit.params
    p0, p1 = 1 / (1 + math.exp(-b0)), 1 / (1 + math.exp(-(b0 + b1)))
    grad = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    scale = math.sqrt(max(1.0, dispersion))
    se = math.sqrt(float(grad @ fit.cov_params() @ grad)) * scale
    z = stats.norm.ppf(1 - alpha / 2)
    gap = p1 - p0
    p_value = float(2 * stats.norm.sf(abs(b1 / (fit.bse[1] * scale))))
    verdict = ("no_clear_difference" if not p_value < alpha
               else ("higher" if gap > 0 else "lower"))
    return {"rate_ref": 100 * p0, "rate": 100 * p1, "gap": 100 * gap,
            "ci_low": 100 * (gap - z * se), "ci_high": 100 * (gap + z * se),
            "odds_ratio": math.exp(b1), "p_value": p_value, "dispersion": max(1.0, dispersion),
            "verdict": verdict}



def gap_dispersion(reference: pd.DataFrame, group: pd.DataFrame) -> float:
    """Overdispersion of two groups' yearly counts around a constant gap (≥ 1).

    Args:
        reference, group: frames with ``year, numerator, denominator`` (e.g. the rest of the
            county and the region).

    Returns:
        Pearson χ² / df of a binomial GLM with year effects and a group effect (statsmodels),
        floored at 1; 1 when fewer than three common years.
    """
    both = reference.merge(group, on="year", suffixes=("_r", "_g")).dropna()
    both = both[(both["denominator_r"] > 0) & (both["denominator_g"] > 0)]
    if len(both) < 3:
        return 1.0
    n = len(both)
    succ = np.concatenate([both["numerator_r"], both["numerator_g"]]).astype(float)
    trials = np.concatenate([both["denominator_r"], both["denominator_g"]]).astype(float)
    years = np.tile(np.eye(n), (2, 1))
    exog = np.column_stack([years, np.repeat([0.0, 1.0], n)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(_counts_endog(succ, trials), exog, family=sm.families.Binomial()).fit()
    return max(1.0, float(fit.pearson_chi2 / fit.df_resid)) if fit.df_resid > 0 else 1.0

def binomial_trend(frame: pd.DataFrame, alpha: float = ALPHA) -> dict[str, float | str]:
    """Linear trend on the logit scale over years: quasi-binomial GLM on counts.

    Args:
        frame: rows with ``year``, ``numerator``, ``denominator`` (one area).

    Returns:
        dict with ``slope_pp`` (average change in percentage points a year at the mean share:
        ``100 β p̄(1 − p̄)``), ``ci_low``, ``ci_high``, ``p_value``, ``dispersion`` (Pearson χ²/df,
        floored at 1 so year-to-year noise beyond the binomial widens, never narrows, the
        interval), ``first``, ``last`` and ``verdict`` (``up``/``down``/``flat``).
    """
    f = frame.dropna(subset=["numerator", "denominator"])
    f = f[f["denominator"] > 0]
    if len(f) < 3:
        raise NotEstimable("few_years", "fewer than three years with counts")
    x = f["year"].to_numpy(dtype=float) - f["year"].mean()
    exog = np.column_stack([np.ones(len(f)), x])
    endog = _counts_endog(f["numerator"], f["denominator"])
    fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    dispersion = max(1.0, float(fit.pearson_chi2 / fit.df_resid)) if fit.df_resid > 0 else 1.0
    fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit(scale=dispersion)
    pbar = float(f["numerator"].sum() / f["denominator"].sum())
    factor = 100 * pbar * (1 - pbar)
    low, high = fit.conf_int(alpha)[1]
    p_value = float(fit.pvalues[1])
    slope = float(fit.params[1])
    verdict = "flat" if not p_value < alpha else ("up" if slope > 0 else "down")
    return {"slope_pp": factor * slope, "ci_low": factor * low, "ci_high": factor * high,
            "p_value": p_value, "dispersion": dispersion, "first": int(f["year"].min()),
            "last": int(f["year"].max()), "verdict": verdict}


# ---------------------------------------------------------------------------------------------
# Tidy data → analysis frames (pure)
# ---------------------------------------------------------------------------------------------


def neet_frame(neet: pd.DataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """NEET counts and shares by region, sex and year from the tidy 13556 table.

    Returns:
        ``region, sex, year, numerator`` (NEET persons), ``denominator`` (residents 15–29),
        ``value`` (share, %), ``suppressed`` (SSB ``:`` or missing value).
    """
    base = neet[(neet["labour_status"] == "NEET") & (neet["age_group"] == "15-29")]
    wide = base.pivot_table(index=["region", "sex", "year"], columns="measure", values="value",
                            aggfunc="first", dropna=False).reset_index()
    status = (base.assign(suppressed=base["status"].eq(":").fillna(False).astype(bool))
              .groupby(["region", "sex", "year"], as_index=False)["suppressed"].any())
    wide = wide.merge(status, on=["region", "sex", "year"], how="left")
    num = wide.get("Bosatte", pd.Series(np.nan, index=wide.index)).astype(float)
    pct = wide.get("BosatteProsent", pd.Series(np.nan, index=wide.index)).astype(float)
    den = (num / (pct / 100)).where(pct > 0)
    den = den.round()
    out = pd.DataFrame({"region": wide["region"].astype(str), "sex": wide["sex"].astype(str),
                        "year": wide["year"].astype(int), "numerator": num,
                        "denominator": den, "value": pct,
                        "suppressed": wide["suppressed"].fillna(False).astype(bool)})
    if population is not None and (out["denominator"].isna() & out["numerator"].notna()).any():
        young = youth_population(population, 15, 29)
        out = out.merge(young, on=["region", "sex", "year"], how="left")
        out["denominator"] = out["denominator"].fillna(out.pop("persons"))
    out["value"] = out["value"].fillna(100 * out["numerator"] / out["denominator"])
    out["suppressed"] = out["suppressed"] | out["value"].isna()
    return out.sort_values(["region", "sex", "year"]).reset_index(drop=True)


def youth_population(population: pd.DataFrame, first_age: int, last_age: int) -> pd.DataFrame:
    """Residents aged ``first_age``–``last_age`` by region, sex (``0`` = both) and year."""
    p = population[(population["age"] >= first_age) & (population["age"] <= last_age)]
    by_sex = p.groupby(["region", "sex", "year"], as_index=False)["value"].sum()
    both = by_sex.groupby(["region", "year"], as_index=False)["value"].sum().assign(sex="0")
    out = pd.concat([by_sex, both], ignore_index=True).rename(columns={"value": "persons"})
    out["region"] = out["region"].astype(str)
    out["sex"] = out["sex"].astype(str)
    return out


def completion_frame(completion: pd.DataFrame) -> pd.DataFrame:
    """Completion within five years by region, sex, programme and cohort (tidy 12960/14883).

    Returns:
        the key columns present (``region``, ``sex``, ``programme``, ``background``), ``year``
        (cohort start), ``measured_year``, ``completed``, ``cohort`` (sum of the four statuses)
        and ``value`` (percent completed).
    """
    persons = completion[completion["measure"] == "Personer"]
    keys = [c for c in ("region", "sex", "programme", "background") if c in persons.columns]
    grouped = persons.groupby(keys + ["year"], as_index=False)
    total = grouped["value"].sum(min_count=len(persons["completion_status"].unique()))
    done = (persons[persons["completion_status"] == COMPLETED]
            .groupby(keys + ["year"], as_index=False)["value"].sum(min_count=1))
    out = total.rename(columns={"value": "cohort"}).merge(
        done.rename(columns={"value": "completed"}), on=keys + ["year"], how="left")
    out["value"] = 100 * out["completed"] / out["cohort"]
    out["measured_year"] = out["year"] + COMPLETION_YEARS
    for k in keys:
        out[k] = out[k].astype(str)
    return out.sort_values(keys + ["year"]).reset_index(drop=True)


def immigrant_gap_frame(background: pd.DataFrame) -> pd.DataFrame:
    """Completion gap rest of population (E) minus immigrants (B), pp, with its binomial SE."""
    frame = completion_frame(background)
    if "programme" in frame:
        frame = frame[frame["programme"] == "00"]
    b = frame[frame["background"] == "B"]
    e = frame[frame["background"] == "E"]
    both = b.merge(e, on=["region", "year"], suffixes=("_b", "_e"), how="inner")
    pb, pe = both["completed_b"] / both["cohort_b"], both["completed_e"] / both["cohort_e"]
    se = 100 * np.sqrt(pb * (1 - pb) / both["cohort_b"] + pe * (1 - pe) / both["cohort_e"])
    return pd.DataFrame({"region": both["region"], "year": both["year"],
                         "measured_year": both["year"] + COMPLETION_YEARS,
                         "value": 100 * (pe - pb), "se": se})


def cohort_frame(population: pd.DataFrame, projection: pd.DataFrame | None, code: str,
                 ages: tuple[int, int] = COHORT_AGES, horizon: int = 2040) -> pd.DataFrame:
    """Residents aged 16–19 in area ``code``: registered (07459) and projected (14288).

    Areas are summed with :func:`pipeline.areas.sum_counts` (a member missing makes the sum
    missing).

    Returns:
        ``year, observed, main, low, high`` (persons; projection columns from the first year
        after the last registered year to ``horizon``).
    """
    def ages_only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["age"] >= ages[0]) & (frame["age"] <= ages[1])]

    observed = areas.sum_counts(ages_only(population), code, by=["year"]).dropna(
        subset=["value"]).set_index("year")["value"].rename("observed")
    out = observed.to_frame()
    if projection is not None and len(projection):
        proj = areas.sum_counts(ages_only(projection), code, by=["year", "alternative"])
        proj = proj[(proj["year"] > observed.index.max()) & (proj["year"] <= horizon)]
        wide = proj.pivot_table(index="year", columns="alternative", values="value")
        names = {"MMMM": "main", "LLML": "low", "HHMH": "high"}
        wide = wide.rename(columns=names)
        out = out.join(wide[[c for c in names.values() if c in wide.columns]], how="outer")
    for col in ("main", "low", "high"):
        if col not in out:
            out[col] = np.nan
    out.index.name = "year"
    return out.reset_index()[["year", "observed", "main", "low", "high"]].astype(
        {"year": int})
