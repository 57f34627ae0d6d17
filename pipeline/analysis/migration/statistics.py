"""Migration statistics: components, cohort method, flows, immigrants. Pure functions.

No text, figures or report context. Conventions:

- ``population_change`` (06913): ``Folkemengde`` is the population on 1 January of ``year``; the
  other measures are events *during* ``year``, so ``population(t+1) = population(t) + growth(t)``
  and ``growth = births − deaths + immigration − emigration + in-migration − out-migration``.
- Rates are per 1 000 mean inhabitants of the year (1 January plus half the year's growth).
- Areas are summed with :func:`pipeline.areas.sum_counts` (counts, never rates). A county uses
  its own rows when the data have them (moves between its municipalities are then not
  migration).
- Age profile: cohort-change (residual) method on 07459, ``net = P(a+1, t+1) − P(a, t)·S(a, t)``
  with survival from a Gompertz schedule (:data:`GOMPERTZ_SLOPE`) calibrated each year to the
  country's registered deaths; newborns and ages above 89 left out.
- Immigrants: :func:`net_outflow` is a net change of the immigrant stock, not an outflow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import areas

NATIONAL = areas.NATIONAL

#: 06913 measure codes -> column names used here.
COMPONENTS = {
    "Folkemengde": "population",
    "Levendefodte": "births",
    "Dode": "deaths",
    "Innvandring": "immigration",
    "Utvandring": "emigration",
    "Innflytting": "in_migration",
    "Utflytting": "out_migration",
    "Folketilvekst": "growth",
}
FLOW_COMPONENTS = ["births", "deaths", "immigration", "emigration", "in_migration",
                   "out_migration"]
#: Signs of the components in the balancing equation of population change.
SIGNS = {"births": 1, "deaths": -1, "immigration": 1, "emigration": -1, "in_migration": 1,
         "out_migration": -1}

#: Gompertz slope of adult mortality (per year of age). Norwegian life tables give a slope of
#: about 0.09–0.10 for ages 30–95; the level is calibrated each year to registered deaths.
GOMPERTZ_SLOPE = 0.095

#: Share of a year's immigration (06913, all citizenships) counted as immigrants (09817
#: category B). 1.0 counts every immigration; returning Norwegians then inflate the inflow and
#: the net outflow by the same amount.
IMMIGRANT_SHARE_OF_IMMIGRATION = 1.0

SMALL_POPULATION = 5000


def components(change: pd.DataFrame, area: str) -> pd.DataFrame:
    """Components of population change per year for an area (municipality, county or "0").

    Args:
        change: the tidy ``population_change`` dataset (06913).
        area: the area code (its own rows if present, else its municipalities).

    Returns:
        One row per year with ``population`` (1 January), the six flows, ``growth`` and the
        derived ``natural_increase``, ``net_domestic``, ``net_international``,
        ``net_migration``, ``population_next`` (1 January next year), ``balance_gap``
        (growth minus the sum of the components), ``stock_gap`` (population change minus
        growth) and ``complete`` (no component missing).
    """
    summed = areas.sum_counts(change, area, ["measure", "year"])
    wide = summed.pivot(index="year", columns="measure", values="value")
    missing = summed.pivot(index="year", columns="measure", values="n_missing")
    wide = wide.rename(columns=COMPONENTS).reindex(columns=list(COMPONENTS.values()))
    missing = missing.rename(columns=COMPONENTS).reindex(columns=list(COMPONENTS.values()))
    out = wide.sort_index()
    out = out.assign(
        natural_increase=out["births"] - out["deaths"],
        net_domestic=out["in_migration"] - out["out_migration"],
        net_international=out["immigration"] - out["emigration"],
    )
    out = out.assign(net_migration=out["net_domestic"] + out["net_international"])
    next_year = out["population"].reindex(out.index + 1).to_numpy()
    out = out.assign(
        population_next=next_year,
        balance_gap=out["growth"] - (out["natural_increase"] + out["net_migration"]),
    )
    out = out.assign(stock_gap=out["population_next"] - out["population"] - out["growth"])
    complete = (missing.fillna(1).sum(axis=1) == 0) & out[FLOW_COMPONENTS + ["growth"]].notna().all(
        axis=1)
    out = out.assign(complete=complete.reindex(out.index).fillna(False).astype(bool))
    out.index.name = "year"
    return out.reset_index()


def mean_population(comp: pd.DataFrame) -> pd.Series:
    """Mean population of each year: 1 January plus half the year's growth."""
    return comp["population"] + comp["growth"].fillna(0) / 2


def component_rates(comp: pd.DataFrame, per: float = 1000.0) -> pd.DataFrame:
    """Components as rates per ``per`` mean inhabitants (one row per year)."""
    cols = FLOW_COMPONENTS + ["natural_increase", "net_domestic", "net_international",
                              "net_migration", "growth"]
    mean_pop = mean_population(comp)
    rates = comp[cols].div(mean_pop, axis=0) * per
    return pd.concat([comp[["year"]], rates.assign(mean_population=mean_pop)], axis=1)


def choose_pooling(comp: pd.DataFrame, threshold: int,
                   candidates: Sequence[int] = (1, 2, 3, 5)) -> int:
    """The shortest period (years) in which no component is a small count (1 … threshold−1)."""
    flows = comp.dropna(subset=FLOW_COMPONENTS)
    for years in candidates:
        pooled = pool_years(flows, years)
        small = pooled[FLOW_COMPONENTS].apply(lambda s: (s > 0) & (s < threshold))
        if not small.to_numpy().any():
            return years
    return candidates[-1]


def pool_years(comp: pd.DataFrame, years: int) -> pd.DataFrame:
    """Sum components over consecutive periods of ``years`` ending with the last year."""
    if years == 1 or comp.empty:
        return comp.assign(period=comp["year"].astype(str))
    last = int(comp["year"].max())
    block = (last - comp["year"]) // years
    cols = FLOW_COMPONENTS + ["natural_increase", "net_domestic", "net_international",
                              "net_migration", "growth"]
    grouped = comp.assign(_block=block).groupby("_block")
    out = grouped[cols].sum(min_count=1)
    first = grouped["year"].min()
    last_year = grouped["year"].max()
    out = out.assign(year=last_year, first_year=first,
                     period=[f"{a}–{b}" for a, b in zip(first, last_year, strict=True)])
    # Incomplete leading period: drop it unless it is the only one.
    full = (last_year - first + 1) == years
    out = out[full] if full.any() else out
    return out.sort_values("year").reset_index(drop=True)


def components_check(comp: pd.DataFrame) -> dict[str, float]:
    """How well the components add up: years checked, years exact, largest gap."""
    done = comp[comp["complete"]]
    gaps = done["balance_gap"].abs()
    return {"n": int(len(done)), "ok": int((gaps < 0.5).sum()),
            "max_gap": float(gaps.max()) if len(done) else float("nan")}


def rate_interval(count_sum: float, gross: float, person_years: float,
                  per: float = 1000.0) -> tuple[float, float, float]:
    """A net rate with a Poisson 95 % interval (the net of two independent Poisson counts).

    Args:
        count_sum: the net count (in − out) summed over years.
        gross: in + out summed over the same years (variance of the net count).
        person_years: summed mean population.
    """
    rate = count_sum / person_years * per
    half = 1.96 * math.sqrt(max(gross, 0.0)) / person_years * per
    return rate, rate - half, rate + half


def gompertz_survival(national_population: pd.DataFrame, national_deaths: pd.Series,
                      slope: float = GOMPERTZ_SLOPE) -> pd.DataFrame:
    """One-year survival by age from a Gompertz schedule calibrated to registered deaths.

    The hazard at age ``a`` is ``A(t) · exp(slope · (a + 0.5))``; ``A(t)`` is chosen so that the
    national population (both sexes, 1 January) would have exactly the registered deaths of
    year ``t``. Survival is ``exp(−hazard)``.

    Args:
        national_population: columns ``year``, ``age``, ``value`` (both sexes summed).
        national_deaths: registered deaths indexed by year (06913 ``Dode`` for ``0``).
        slope: the Gompertz slope per year of age.

    Returns:
        Columns ``year``, ``age`` (age on 1 January), ``survival``.
    """
    pop = national_population.groupby(["year", "age"], as_index=False)["value"].sum()
    pop = pop.assign(shape=np.exp(slope * (pop["age"] + 0.5)))
    exposure = (pop["value"] * pop["shape"]).groupby(pop["year"]).sum()
    level = (national_deaths.reindex(exposure.index) / exposure).rename("level")
    out = pop.merge(level, left_on="year", right_index=True, how="inner")
    hazard = (out["level"] * out["shape"]).clip(upper=5.0)
    return out.assign(survival=np.exp(-hazard))[["year", "age", "survival"]].dropna()


def cohort_net_migration(population: pd.DataFrame, survival: pd.DataFrame | None = None,
                         max_age: int = 89) -> pd.DataFrame:
    """Net migration by sex and one-year cohort with the cohort-change (residual) method.

    For a cohort aged ``a`` on 1 January of year ``t``:
    ``net = P(a+1, t+1) − P(a, t) · S(a, t)``, where ``S`` is one-year survival
    (1 when ``survival`` is None, i.e. deaths ignored). Children born during ``t`` and cohorts
    older than ``max_age`` on 1 January are left out.

    Args:
        population: one area's population with columns ``sex``, ``age``, ``year``, ``value``
            (1 January).
        survival: columns ``year``, ``age``, ``survival`` (same for both sexes), or None.
        max_age: oldest age on 1 January included.

    Returns:
        Columns ``sex``, ``year`` (the year the moves happened), ``age`` (age at the end of the
        year, ``a + 1``), ``start`` (``P(a, t)``), ``end`` (``P(a+1, t+1)``), ``expected``
        (survivors), ``net_migration``.
    """
    pop = population[population["age"] <= max_age + 1][["sex", "age", "year", "value"]]
    start = pop[pop["age"] <= max_age].rename(columns={"value": "start"})
    end = pop.assign(age=pop["age"] - 1, year=pop["year"] - 1).rename(columns={"value": "end"})
    end = end[end["age"] >= 0]
    merged = start.merge(end, on=["sex", "age", "year"], how="inner")
    if survival is None:
        merged = merged.assign(survival=1.0)
    else:
        merged = merged.merge(survival, on=["year", "age"], how="left")
        merged = merged.assign(survival=merged["survival"].fillna(1.0))
    expected = merged["start"] * merged["survival"]
    out = merged.assign(expected=expected, net_migration=merged["end"] - expected,
                        age=merged["age"] + 1)
    return out[["sex", "year", "age", "start", "end", "expected", "net_migration"]].sort_values(
        ["sex", "year", "age"]).reset_index(drop=True)


def age_groups(ages: pd.Series, width: int = 5, top: int = 90) -> pd.Series:
    """Label ages with groups ``0-4``, ``5-9`` … (the last group open, e.g. ``85-90``)."""
    low = (ages.clip(upper=top) // width) * width
    low = low.where(low < top, top - width)
    return low.astype(int).astype(str) + "-" + (low + width - 1).clip(upper=top).astype(
        int).astype(str)


def area_population(population: pd.DataFrame, area: str) -> pd.DataFrame:
    """One area's population by sex, age and year (``area``: a municipality, county or "0")."""
    out = areas.sum_counts(population, area, ["sex", "age", "year"])
    return out.drop(columns="n_missing")


def national_survival(population: pd.DataFrame, change: pd.DataFrame) -> pd.DataFrame:
    """Survival by year and age calibrated to the country's registered deaths."""
    nat = area_population(population, NATIONAL)
    deaths = areas.sum_counts(change[change["measure"] == "Dode"], NATIONAL, ["year"]).set_index(
        "year")["value"]
    return gompertz_survival(nat, deaths)


def age_profile(cohort: pd.DataFrame, first: int, last: int, width: int = 5) -> pd.DataFrame:
    """Average yearly net migration by sex and age group over ``first``–``last``.

    Returns:
        Columns ``sex``, ``age_group``, ``age_low``, ``net_migration`` (per year),
        ``rate`` (per 1 000 of the age group's start population).
    """
    sel = cohort[(cohort["year"] >= first) & (cohort["year"] <= last)]
    n_years = max(sel["year"].nunique(), 1)
    grouped = sel.assign(age_group=age_groups(sel["age"], width),
                         age_low=(sel["age"] // width) * width)
    grouped = grouped.groupby(["sex", "age_group"], as_index=False).agg(
        age_low=("age_low", "min"), net=("net_migration", "sum"), start=("start", "sum"))
    grouped = grouped.assign(net_migration=grouped["net"] / n_years,
                             rate=grouped["net"] / grouped["start"].where(grouped["start"] > 0)
                             * 1000)
    return grouped.drop(columns=["net", "start"]).sort_values(["sex", "age_low"]).reset_index(
        drop=True)


def extreme_groups(profile: pd.DataFrame) -> dict[str, object]:
    """Age groups (both sexes) with the largest net loss and the largest net gain."""
    both = profile.groupby(["age_group", "age_low"], as_index=False)["net_migration"].sum()
    worst = both.loc[both["net_migration"].idxmin()]
    best = both.loc[both["net_migration"].idxmax()]
    return {"worst_group": worst["age_group"], "worst": float(worst["net_migration"]),
            "best_group": best["age_group"], "best": float(best["net_migration"])}


def flow_summary(flows: pd.DataFrame, area: str, first: int, last: int,
                 top: int = 10) -> pd.DataFrame:
    """Moves in, out and net by partner municipality over ``first``–``last``.

    Moves between the region's own municipalities are left out. The ``top`` partners by gross
    moves are listed; the rest are summed in one row with ``partner`` ``"other"``.
    """
    members = set(areas.members(area))
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    inflow = sel[sel["destination"].isin(members) & ~sel["origin"].isin(members)]
    outflow = sel[sel["origin"].isin(members) & ~sel["destination"].isin(members)]
    moves_in = inflow.groupby("origin")["value"].sum().rename("moves_in")
    moves_out = outflow.groupby("destination")["value"].sum().rename("moves_out")
    out = pd.concat([moves_in, moves_out], axis=1).fillna(0.0)
    out.index.name = "partner"
    out = out.assign(net=out["moves_in"] - out["moves_out"],
                     gross=out["moves_in"] + out["moves_out"])
    out = out[out["gross"] > 0].sort_values(["gross", "net"], ascending=False).reset_index()
    head = out.head(top)
    rest = out.iloc[top:]
    if len(rest):
        other = pd.DataFrame([{"partner": "other", "moves_in": rest["moves_in"].sum(),
                               "moves_out": rest["moves_out"].sum(), "net": rest["net"].sum(),
                               "gross": rest["gross"].sum()}])
        head = pd.concat([head, other], ignore_index=True)
    return head


def within_share(flows: pd.DataFrame, area: str, within: str, first: int,
                 last: int) -> dict[str, float]:
    """Share of the region's moves (in + out) whose other end lies in ``within``.

    Returns:
        ``share`` (%), ``low``, ``high`` (Wilson 95 % interval), ``moves`` (gross).
    """
    from statsmodels.stats.proportion import proportion_confint

    members = set(areas.members(area))
    others = set(areas.members(within)) - members
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    into = sel[sel["destination"].isin(members) & ~sel["origin"].isin(members)]
    out = sel[sel["origin"].isin(members) & ~sel["destination"].isin(members)]
    gross = into["value"].sum() + out["value"].sum()
    near = (into.loc[into["origin"].isin(others), "value"].sum()
            + out.loc[out["destination"].isin(others), "value"].sum())
    if gross <= 0:
        return {"share": float("nan"), "low": float("nan"), "high": float("nan"), "moves": 0.0}
    low, high = proportion_confint(int(round(near)), int(round(gross)), method="wilson")
    return {"share": near / gross * 100, "low": low * 100, "high": high * 100,
            "moves": float(gross)}


def internal_share(flows: pd.DataFrame, area: str, first: int,
                   last: int) -> dict[str, float]:
    """Share of the moves involving a multi-municipality region that stay inside it.

    Returns:
        ``share`` (%), ``low``, ``high`` (Wilson 95 % interval), ``moves`` (all moves with at
        least one end in the region).
    """
    from statsmodels.stats.proportion import proportion_confint

    members = set(areas.members(area))
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    o, d = sel["origin"].isin(members), sel["destination"].isin(members)
    inside = sel.loc[o & d, "value"].sum()
    total = sel.loc[o | d, "value"].sum()
    if total <= 0:
        return {"share": float("nan"), "low": float("nan"), "high": float("nan"), "moves": 0.0}
    low, high = proportion_confint(int(round(inside)), int(round(total)), method="wilson")
    return {"share": inside / total * 100, "low": low * 100, "high": high * 100,
            "moves": float(total)}


def partner_exchange(flows: pd.DataFrame, area: str, centre: str) -> pd.DataFrame:
    """Moves between the area and municipality ``centre`` per year: ``to_region``,
    ``to_centre``, ``net``."""
    members = set(areas.members(area))
    to_region = flows[(flows["origin"] == centre) & flows["destination"].isin(members)]
    to_centre = flows[flows["origin"].isin(members) & (flows["destination"] == centre)]
    out = pd.concat([to_region.groupby("year")["value"].sum().rename("to_region"),
                     to_centre.groupby("year")["value"].sum().rename("to_centre")],
                    axis=1).fillna(0.0).sort_index()
    out = out.assign(net=out["to_region"] - out["to_centre"])
    out.index.name = "year"
    return out.reset_index()


def immigrant_stock(immigrants: pd.DataFrame, area: str) -> pd.DataFrame:
    """Immigrants (category B, all countries) on 1 January: ``year``, ``stock``."""
    sel = immigrants[(immigrants["category"] == "B") & (immigrants["measure"] == "Personer1")
                     & (immigrants["country_background"] == "999")]
    out = areas.sum_counts(sel, area, ["year"]).rename(columns={"value": "stock"})
    return out[["year", "stock"]].sort_values("year").reset_index(drop=True)


def net_outflow(stock: pd.DataFrame, comp: pd.DataFrame,
                    share_immigrants: float = IMMIGRANT_SHARE_OF_IMMIGRATION) -> pd.DataFrame:
    """Net outflow of immigrants: how much the immigrant stock fell short of stock + arrivals.

    This is a *net* figure, not a rate of people leaving: 09817 counts the stock and 06913 the
    immigration of all citizenships, and no table gives immigrants' own out-moves. It mixes
    emigration, moves to other municipalities (net of immigrants moving in from them) and
    deaths, and counts returning Norwegians as arrivals, so it can be negative.

    ``outflow(t) = stock(t) + k · immigration(t) − stock(t+1)`` and
    ``rate(t) = outflow(t) / (stock(t) + k · immigration(t) / 2)``: the outflow per immigrant
    resident in the year (arrivals count for half a year, as in a mean population), where ``k``
    is the share of immigration assumed to be immigrants. Deaths of immigrants are not
    subtracted (they are counted in the outflow), and moves to and from other municipalities
    enter as a net.

    Args:
        stock: ``year``, ``stock`` (1 January).
        comp: :func:`components` of the same area (``year``, ``immigration``, ``population``).
        share_immigrants: ``k``.

    Returns:
        Columns ``year``, ``stock``, ``stock_next``, ``immigration``, ``at_risk``,
        ``net_outflow``, ``net_outflow_rate`` (%), ``share`` (% of the population on 1 January).
    """
    merged = stock.merge(comp[["year", "immigration", "population"]], on="year", how="left")
    nxt = stock.assign(year=stock["year"] - 1).rename(columns={"stock": "stock_next"})
    merged = merged.merge(nxt, on="year", how="left")
    inflow = share_immigrants * merged["immigration"]
    at_risk = merged["stock"] + inflow / 2
    outflow = merged["stock"] + inflow - merged["stock_next"]
    return merged.assign(
        at_risk=at_risk, net_outflow=outflow,
        net_outflow_rate=outflow / at_risk.where(at_risk > 0) * 100,
        share=merged["stock"] / merged["population"].where(merged["population"] > 0) * 100,
    )[["year", "stock", "stock_next", "immigration", "at_risk", "net_outflow",
       "net_outflow_rate", "share"]]


def outflow_change(out: pd.DataFrame, start_year: int) -> dict[str, float]:
    """Pooled net outflow rate before and from ``start_year``, and their difference with a 95 % CI.

    Pooled rates are summed outflow over summed residents. The interval uses the larger of two
    standard errors: the binomial one (each resident an independent stay-or-leave trial) and
    one from the year-to-year variation of the yearly rates (Welch, t distribution), because
    the implied outflow is a net of several flows and varies more than a binomial count.

    Returns:
        ``before``, ``after``, ``diff`` (percentage points), ``low``, ``high``, ``first``,
        ``pre_last``, ``last``; empty when either period has no year.
    """
    from scipy import stats

    done = out.dropna(subset=["net_outflow", "at_risk"])
    done = done[done["at_risk"] > 0]
    before = done[done["year"] < start_year]
    after = done[done["year"] >= start_year]
    if before.empty or after.empty:
        return {}

    def pooled(part: pd.DataFrame) -> tuple[float, float]:
        p = part["net_outflow"].sum() / part["at_risk"].sum()
        return p, max(p * (1 - p), 0.0) / part["at_risk"].sum()

    p0, v0 = pooled(before)
    p1, v1 = pooled(after)
    se_binomial = math.sqrt(v0 + v1)
    r0 = before["net_outflow"] / before["at_risk"]
    r1 = after["net_outflow"] / after["at_risk"]
    se_yearly, dof = 0.0, float("inf")
    if len(r0) > 1 and len(r1) > 1:
        a, b = r0.var(ddof=1) / len(r0), r1.var(ddof=1) / len(r1)
        se_yearly = math.sqrt(a + b)
        if a + b > 0:
            dof = (a + b) ** 2 / (a**2 / (len(r0) - 1) + b**2 / (len(r1) - 1))
    se = max(se_binomial, se_yearly)
    q = float(stats.t.ppf(0.975, dof)) if se_yearly > se_binomial else 1.959963984540054
    diff = (p1 - p0) * 100
    return {"before": p0 * 100, "after": p1 * 100, "diff": diff, "low": diff - q * se * 100,
            "high": diff + q * se * 100, "first": int(before["year"].min()),
            "pre_last": int(before["year"].max()), "last": int(after["year"].max())}


def young_retention(population: pd.DataFrame, area: str, low: int = 20,
                    high: int = 39) -> pd.DataFrame:
    """Share of the cohorts aged ``low``–``high`` on 1 January still there a year later (%)."""
    pop = area_population(population, area)
    pop = pop.groupby(["age", "year"], as_index=False)["value"].sum()
    start = pop[(pop["age"] >= low) & (pop["age"] <= high)].groupby("year")["value"].sum()
    end = pop[(pop["age"] >= low + 1) & (pop["age"] <= high + 1)].groupby("year")["value"].sum()
    end.index = end.index - 1
    ratio = (end / start).dropna() * 100
    return ratio.rename("kept").rename_axis("year").reset_index()


def immigrant_share_series(immigrants: pd.DataFrame, change: pd.DataFrame,
                           compared: Sequence[str]) -> pd.DataFrame:
    """Immigrants as % of the population on 1 January for several areas: ``area, year, share``.

    Shares are recomputed from summed counts (09817 persons over 06913 population), so an area
    of several municipalities is weighted correctly.
    """
    parts = []
    for code in compared:
        stock = immigrant_stock(immigrants, code)
        pop = areas.sum_counts(change[change["measure"] == "Folkemengde"], code, ["year"])
        merged = stock.merge(pop[["year", "value"]], on="year", how="inner")
        merged = merged[merged["value"] > 0]
        parts.append(pd.DataFrame({"area": code, "year": merged["year"],
                                   "share": merged["stock"] / merged["value"] * 100}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["area", "year", "share"])


def main_partner(flows: pd.DataFrame, area: str, first: int, last: int) -> str | None:
    """The municipality outside ``area`` with the most moves to and from it in the period.

    Taken from the flows themselves (13864) rather than from a list of assumed regional
    centres: the partner is whatever place the data say people move between most.
    """
    summary = flow_summary(flows, area, first, last, top=1)
    summary = summary[summary["partner"] != "other"]
    return str(summary["partner"].iloc[0]) if len(summary) else None
