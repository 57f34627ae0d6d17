"""Labour supply, the gap and its decomposition, job shocks, education: pure functions.

Statistics only (no text, figures or report context). Conventions:

- **Supply** is employed residents (*bosted*, 06445): projected population (14288) by sex and
  one-year age times the base year's employment rate of the age's five-year group, ages 15–74.
- **Decomposition** on the same basis, rates and ages as supply (issue 11, item 10). With
  ``k = t − base`` and ``P0(a)`` the base-year population:

  - *replacement* ``R(t) = Σ P0(a)·max(0, r(a) − r(a+k))``: employed residents lost as today's
    residents grow older (retirement and lower rates at higher ages, to 74);
  - *new entrants* ``N(t) = Σ P0(a)·max(0, r(a+k) − r(a))``: today's young residents reaching
    working ages;
  - *migration and deaths* ``M(t) = Σ P(a,t)·r(a) − Σ P0(a)·r(a+k)``: what the population
    projection adds or removes beyond ageing (and any scenario in-migrants);
  - *levers* ``L(t)``: employed residents added by scenario rate increases.

  ``ΔS = N − R + M + L`` exactly, and the gap on the workplace basis (today's net in-commuting
  held fixed) is ``gap = (D − D0) − ΔS = demand growth + R − N − M − L``.
- **Supply uncertainty**: the age-standardised employment rate of the area moves as a random
  walk whose yearly standard deviation is estimated from its own history (06445); paths are
  drawn with that standard deviation's sampling uncertainty. Population-projection uncertainty
  is *not* in the interval (SSB's alternatives are scenarios, shown separately).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

WORKING_AGES = (15, 74)  # ages covered by the employment tables
MIGRANT_AGES = (20, 39)  # age at arrival of scenario in-migrants (evenly spread)
HIGHER_EDUCATION = ("03a", "04a")
MIN_RATE_YEARS = 5  # fewer years of employment rates than this: no supply uncertainty


def parse_age_group(group: str) -> tuple[int, int]:
    """``"20-29"`` → ``(20, 29)``; ``"25"`` → ``(25, 25)``.

    Raises:
        ValueError: when the group is not ``a-b`` within the employment tables' ages 15–74.
    """
    text = str(group).replace("–", "-").strip()
    try:
        low, high = (int(p) for p in text.split("-")) if "-" in text else (int(text),) * 2
    except ValueError:
        raise ValueError(f"age group {group!r}: write it as 'from-to' in years, e.g. '20-29'"
                         ) from None
    if not WORKING_AGES[0] <= low <= high <= WORKING_AGES[1]:
        raise ValueError(f"age group {group!r}: must lie within {WORKING_AGES[0]}-"
                         f"{WORKING_AGES[1]} (the ages of the employment tables)")
    return low, high


def employment_counts(rate_rows: pd.DataFrame) -> pd.DataFrame:
    """Employed and population by region, year, sex and age group from 06445 rows.

    The population of a cell is recovered as employed / share (06445 publishes both), so areas
    can be summed as counts (rates are never summed).

    Returns:
        Frame with region, year, sex, age_group, employed, population.
    """
    columns = ["region", "year", "sex", "age_group", "employed", "population"]
    wide = rate_rows.pivot_table(index=columns[:4], columns="measure", values="value",
                                 aggfunc="sum", observed=True).reset_index()
    if wide.empty or "Sysselsatte" not in wide or "SysselsatteProsent" not in wide:
        return pd.DataFrame(columns=columns)
    wide = wide.dropna(subset=["Sysselsatte", "SysselsatteProsent"])
    share = wide["SysselsatteProsent"] / 100.0
    return pd.DataFrame({"region": wide["region"], "year": wide["year"].astype(int),
                         "sex": wide["sex"],
                         "age_group": wide["age_group"], "employed": wide["Sysselsatte"],
                         "population": (wide["Sysselsatte"] / share).where(share > 0, 0.0)})


def group_rates(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    """Employment rates by sex and age group in ``year`` (fractions), built from counts."""
    sel = counts[counts["year"] == year]
    out = sel.groupby(["sex", "age_group"], as_index=False)[["employed", "population"]].sum()
    out["rate"] = (out["employed"] / out["population"]).where(out["population"] > 0, 0.0)
    return out


def one_year_rates(rates: pd.DataFrame, rate_pp: Mapping[str, float] | None = None
                   ) -> pd.DataFrame:
    """Rates by sex and one-year age 15–74 from five-year groups, plus optional levers.

    Args:
        rates: sex, age_group ("20-24"), rate (fraction).
        rate_pp: age group ("20-29" or a table group) → extra percentage points.

    Returns:
        Frame with sex, age, rate (capped at 1).
    """
    rows = []
    for rec in rates.itertuples(index=False):
        low, high = parse_age_group(rec.age_group)
        rows.extend((rec.sex, age, float(rec.rate)) for age in range(low, high + 1))
    out = pd.DataFrame(rows, columns=["sex", "age", "rate"])
    for group, pp in (rate_pp or {}).items():
        low, high = parse_age_group(group)
        hit = out["age"].between(low, high)
        out.loc[hit, "rate"] = (out.loc[hit, "rate"] + pp / 100.0).clip(upper=1.0)
    return out


def migrant_stock(per_year: float, base_year: int, years: Sequence[int],
                  ages: tuple[int, int] = MIGRANT_AGES) -> pd.DataFrame:
    """Extra residents from scenario net in-migration, by year, sex and age.

    ``per_year`` people arrive every year after ``base_year``, spread evenly over ``ages`` and
    equally over the sexes; they age one year per year and nobody dies or leaves again.

    Returns:
        Frame with year, sex, age, value (persons); empty when ``per_year`` is 0.
    """
    columns = ["year", "sex", "age", "value"]
    if not per_year:
        return pd.DataFrame(columns=columns)
    per_cell = per_year / (ages[1] - ages[0] + 1) / 2
    rows = [(year, sex, age0 + year - arrival, per_cell)
            for year in years for arrival in range(base_year + 1, year + 1)
            for age0 in range(ages[0], ages[1] + 1) for sex in ("1", "2")]
    return pd.DataFrame(rows, columns=columns).groupby(columns[:3], as_index=False)["value"].sum()


def _employed(population: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    """Σ persons × rate by year (ages without a rate work 0)."""
    merged = population.merge(rates, on=["sex", "age"], how="left")
    return (merged["value"] * merged["rate"].fillna(0.0)).groupby(merged["year"]).sum()


def supply_decomposition(projection: pd.DataFrame, rates: pd.DataFrame, base_year: int,
                         rate_pp: Mapping[str, float] | None = None,
                         net_in_migration_per_year: float = 0) -> pd.DataFrame:
    """Employed residents per year and the parts of their change (see the module docstring).

    Args:
        projection: year, sex, age, value (persons) of one alternative, base year included.
        rates: base-year rates by sex and age group (see :func:`group_rates`).
        base_year: levers and extra migration apply to the years after it.
        rate_pp: age group → extra percentage points of employment.
        net_in_migration_per_year: extra net in-migrants per year (see :func:`migrant_stock`).

    Returns:
        Frame with year, supply, replacement, new_entrants, migration_deaths, levers;
        ``supply − supply[base] == new_entrants − replacement + migration_deaths + levers``.
    """
    years = sorted(int(y) for y in projection["year"].unique() if y >= base_year)
    pop = projection.loc[projection["year"].isin(years), ["year", "sex", "age", "value"]]
    extra = migrant_stock(net_in_migration_per_year, base_year, years)
    if not extra.empty:
        pop = pd.concat([pop, extra], ignore_index=True)
    base_rates = one_year_rates(rates)
    lifted = one_year_rates(rates, rate_pp) if rate_pp else base_rates
    at_base_rates = _employed(pop, base_rates).reindex(years, fill_value=0.0)
    after = pop[pop["year"] > base_year]
    supply = pd.concat([at_base_rates[[base_year]],
                        _employed(after, lifted)]).reindex(years, fill_value=0.0)
    p0 = pop[pop["year"] == base_year].groupby(["sex", "age"], as_index=False)["value"].sum()
    r0 = p0.merge(base_rates, on=["sex", "age"], how="left")["rate"].fillna(0.0).to_numpy()
    lookup = base_rates.set_index(["sex", "age"])["rate"]
    rows = []
    for year in years:
        k = year - base_year
        aged = pd.MultiIndex.from_arrays([p0["sex"], p0["age"] + k])
        rk = lookup.reindex(aged).fillna(0.0).to_numpy()
        persons = p0["value"].to_numpy()
        closed = float(persons @ rk)
        rows.append((year, float(persons @ np.clip(r0 - rk, 0, None)),
                     float(persons @ np.clip(rk - r0, 0, None)),
                     float(at_base_rates[year]) - closed))
    out = pd.DataFrame(rows, columns=["year", "replacement", "new_entrants", "migration_deaths"])
    return out.assign(supply=supply.to_numpy(),
                      levers=(supply - at_base_rates).to_numpy())[
        ["year", "supply", "replacement", "new_entrants", "migration_deaths", "levers"]]


def standardised_rate(counts: pd.DataFrame, base_year: int) -> pd.Series:
    """The area's employment rate per year with the base year's age and sex structure."""
    weights = counts[counts["year"] == base_year].set_index(["sex", "age_group"])["population"]
    rates = counts.assign(rate=(counts["employed"] / counts["population"]).where(
        counts["population"] > 0)).set_index(["year", "sex", "age_group"])["rate"]
    out = {}
    for year, part in rates.groupby(level="year"):
        part = part.droplevel("year").reindex(weights.index)
        ok = part.notna()
        if ok.all():
            out[int(year)] = float((part[ok] * weights[ok]).sum() / weights[ok].sum())
    return pd.Series(out, dtype=float).sort_index()


def rate_multipliers(rate: pd.Series, steps: int, repetitions: int, seed: int) -> np.ndarray:
    """Simulated multipliers of employed residents from employment-rate uncertainty.

    The standardised rate is taken to move as a random walk on the log scale; its yearly
    standard deviation is estimated from the series and drawn from its scaled inverse
    chi-square distribution, so a short history gives wider bands.

    Returns:
        Array (repetitions, steps) of multipliers (1 in expectation on the log scale), or ones
        when the series has fewer than :data:`MIN_RATE_YEARS` years.
    """
    changes = np.diff(np.log(rate.dropna().to_numpy(dtype=float)))
    if len(changes) + 1 < MIN_RATE_YEARS:
        return np.ones((repetitions, steps))
    rng = np.random.default_rng(seed)
    dof = len(changes) - 1
    sigma2 = float(np.sum((changes - changes.mean()) ** 2)) / dof if dof > 0 else 0.0
    sigma = np.sqrt(sigma2 * dof / rng.chisquare(dof, size=repetitions))
    return np.exp(np.cumsum(sigma[:, None] * rng.standard_normal((repetitions, steps)), axis=1))


def job_shock_path(shocks: Sequence[object], years: Sequence[int]) -> pd.Series:
    """Cumulative extra jobs per year from scenario job shocks (spread evenly over years).

    Each shock (attributes jobs, from_year, to_year) adds ``jobs × k / n`` in the k-th of its
    n years and all of ``jobs`` after ``to_year``.
    """
    total = pd.Series(0.0, index=list(years))
    for shock in shocks:
        n = shock.to_year - shock.from_year + 1
        for year in years:
            total[year] += shock.jobs * min(max((year - shock.from_year + 1) / n, 0.0), 1.0)
    return total


def gap_frame(demand_draws: np.ndarray, demand_base: float, parts: pd.DataFrame,
              supply_multipliers: np.ndarray, extra_jobs: pd.Series | None = None,
              level: float = 0.95) -> pd.DataFrame:
    """The gap per year with its interval (demand and employment-rate uncertainty) and parts.

    Args:
        demand_draws: simulated jobs, shape (repetitions, years after the base year).
        demand_base: jobs in the base year (observed).
        parts: output of :func:`supply_decomposition` (base year first).
        supply_multipliers: (repetitions, years after the base) from :func:`rate_multipliers`.
        extra_jobs: scenario job shocks by year (added to every draw).
        level: interval level.

    Returns:
        Frame with year, demand, demand_low, demand_high, supply, supply_low, supply_high,
        demand_growth, replacement, new_entrants, migration_deaths, levers, gap, gap_low,
        gap_high (new_entrants, migration_deaths and levers enter the gap with a minus sign:
        ``gap = demand_growth + replacement − new_entrants − migration_deaths − levers``).
    """
    years = parts["year"].to_numpy()
    steps = len(years) - 1
    reps = demand_draws.shape[0]
    draws = np.column_stack([np.full(reps, demand_base), demand_draws[:, :steps]])
    if extra_jobs is not None:
        draws = draws + extra_jobs.reindex(years, fill_value=0.0).to_numpy()[None, :]
    supply = parts["supply"].to_numpy()
    mult = np.column_stack([np.ones(reps), supply_multipliers[:reps, :steps]])
    supply_draws = supply[None, :] * mult
    gap_draws = draws - demand_base - (supply_draws - supply[0])
    tail = (1 - level) / 2
    q = [tail, 1 - tail]
    demand_growth = draws.mean(axis=0) - demand_base
    gap = (demand_growth + parts["replacement"] - parts["new_entrants"]
           - parts["migration_deaths"] - parts["levers"]).to_numpy()
    d_lo, d_hi = np.quantile(draws, q, axis=0)
    s_lo, s_hi = np.quantile(supply_draws, q, axis=0)
    g_lo, g_hi = np.quantile(gap_draws, q, axis=0)
    return parts.assign(demand=draws.mean(axis=0), demand_low=d_lo, demand_high=d_hi,
                        supply_low=s_lo, supply_high=s_hi, demand_growth=demand_growth,
                        gap=gap, gap_low=g_lo, gap_high=g_hi)[
        ["year", "demand", "demand_low", "demand_high", "supply", "supply_low", "supply_high",
         "demand_growth", "replacement", "new_entrants", "migration_deaths", "levers", "gap",
         "gap_low", "gap_high"]]


def estimate_job_shock(series: pd.Series, from_year: int, to_year: int, alpha: float = 0.05
                       ) -> dict[str, float]:
    """Estimate a ramped step in a jobs series (trend + AR(1) errors + intervention regressor).

    The regressor is 0 before ``from_year``, rises evenly to 1 in ``to_year`` and stays there, so
    its coefficient is the size of the shock in jobs (same shape as programme job shocks).

    Returns:
        dict with estimate, low, high (``1 − alpha`` interval) and se.
    """
    from statsmodels.tsa.arima.model import ARIMA

    years = np.asarray(series.index, dtype=int)
    ramp = np.clip((years - from_year + 1) / (to_year - from_year + 1), 0.0, 1.0)
    exog = np.column_stack([np.arange(len(years), dtype=float), ramp])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(series.to_numpy(dtype=float), exog=exog, order=(1, 0, 0), trend="c").fit()
    ci = np.asarray(res.conf_int(alpha=alpha))[2]
    return {"estimate": float(res.params[2]), "low": float(ci[0]), "high": float(ci[1]),
            "se": float(np.sqrt(np.asarray(res.cov_params())[2, 2]))}


def education_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Education levels of one area's population 16+ as shares (percent), from counts.

    Args:
        counts: year, level, value (persons), as :func:`pipeline.areas.sum_counts` gives.

    Returns:
        Frame with year, level, persons, share; a year without counts is left out.
    """
    counts = counts.dropna(subset=["value"]).rename(columns={"value": "persons"})
    totals = counts.groupby("year")["persons"].transform("sum")
    return counts.assign(share=counts["persons"] / totals * 100)[
        ["year", "level", "persons", "share"]].reset_index(drop=True)


def higher_education_share(shares: pd.DataFrame) -> pd.DataFrame:
    """Share with higher education (levels 03a + 04a) per year: year, numerator, denominator,
    value (percent)."""
    total = shares.groupby("year")["persons"].sum()
    higher = shares[shares["level"].isin(HIGHER_EDUCATION)].groupby("year")["persons"].sum()
    out = pd.DataFrame({"numerator": higher.reindex(total.index, fill_value=0.0),
                        "denominator": total})
    out["value"] = out["numerator"] / out["denominator"] * 100
    return out.rename_axis("year").reset_index()


def share_trend(series: pd.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """Linear trend of a share (percentage points per year), OLS with HAC standard errors.

    Returns:
        dict slope, low, high, p (nan when fewer than 4 years).
    """
    import statsmodels.api as sm

    data = series.dropna(subset=["value"])
    if len(data) < 4:
        return {"slope": math.nan, "low": math.nan, "high": math.nan, "p": math.nan}
    x = sm.add_constant(data["year"].to_numpy(dtype=float) - float(data["year"].min()))
    res = sm.OLS(data["value"].to_numpy(dtype=float), x).fit(cov_type="HAC",
                                                             cov_kwds={"maxlags": 2})
    low, high = np.asarray(res.conf_int(alpha))[1]
    return {"slope": float(res.params[1]), "low": float(low), "high": float(high),
            "p": float(res.pvalues[1])}


def share_difference_p(a: pd.Series, b: pd.Series) -> float:
    """p-value of a difference of two shares (numerator, denominator), statsmodels' score test.

    Counts from registers are not independent draws, so this is a guide to whether a
    difference is larger than year-to-year chance, not an exact test.
    """
    from statsmodels.stats.proportion import test_proportions_2indep

    return float(test_proportions_2indep(a["numerator"], a["denominator"], b["numerator"],
                                         b["denominator"]).pvalue)
