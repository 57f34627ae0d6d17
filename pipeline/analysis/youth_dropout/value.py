"""What the youth results are worth: the NEET effect and the 16–18 cohort in kroner (no text).

Assembles the inputs of :mod:`pipeline.analysis.worth` from a youth result and the programme's
unit values (``unit_values`` in the programme file): the NEET effect in persons (effect in
percentage points × the treated area's residents 15–29 in the latest year) and in kroner a year
(``work_year``) and over a lifetime (``benefits_lifetime``); and, for a county, how many fewer
16–18-year-olds it has than if it followed the country, in kroner of county income
(``county_income_16_18``, a value or a published schedule from which the value is derived).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from pipeline import areas
from pipeline.analysis import worth
from pipeline.analysis.youth_dropout import statistics as st

INCOME_AGES = (16, 18)  # the income system's criterion for upper-secondary age
NEET_INDICATOR = "neet_share_15_29"
EFFECT_COLUMNS = ["indicator", "kind", "method", "year", "population", "estimate", "ci_low",
                  "ci_high", *worth.PERSON_COLUMNS]


def _population(neet: pd.DataFrame, code: str) -> tuple[int, float]:
    own = neet[(neet["code"] == code) & neet["denominator"].notna()]
    if own.empty:
        return -1, math.nan
    last = own.loc[own["year"].idxmax()]
    return int(last["year"]), float(last["denominator"])


def effect_worth(effects, neet: pd.DataFrame, unit_values: Mapping) -> pd.DataFrame:
    """The NEET effect (or, without one, one percentage point) in persons and kroner.

    Args:
        effects: the youth result's effect assessments.
        neet: :attr:`YouthResult.neet` (``code, year, denominator`` …).
        unit_values: the programme's unit values (key -> :class:`~pipeline.programs.UnitValue`).

    Returns:
        One row for the NEET indicator (:data:`EFFECT_COLUMNS`; ``kind`` is ``effect`` for a
        measured effect and ``per_pp`` for one percentage point in the programme's direction
        when no effect could be estimated; ``method`` the effect's, ``did``/``synth``), plus
        ``*_kr`` columns (``work_year``) and ``*_lifetime_kr`` columns (``benefits_lifetime``)
        for the unit values given. Empty without a ``work_year`` value or without the NEET
        indicator.
    """
    work = unit_values.get("work_year")
    found = [a for a in effects if a.indicator == NEET_INDICATOR]
    if work is None or work.value is None or not found:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    a = found[0]
    year, population = _population(neet, a.treated)
    if not math.isfinite(population):
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    if a.effect is not None:
        kind, est, low, high = "effect", a.effect.estimate, a.effect.ci_low, a.effect.ci_high
        method = a.effect.method
    else:  # one percentage point in the desired direction, no interval
        step = -1.0 if a.direction == "down" else 1.0
        kind, est, low, high, method = "per_pp", step, step, step, ""
    persons = worth.effect_in_persons(est, low, high, population, a.direction)
    row = pd.DataFrame([{"indicator": a.indicator, "kind": kind, "method": method, "year": year,
                         "population": population, "estimate": est, "ci_low": low,
                         "ci_high": high, **persons}])
    out = worth.to_kroner(row, work.value)
    lifetime = unit_values.get("benefits_lifetime")
    if lifetime is not None and lifetime.value is not None:
        out = worth.to_kroner(out, lifetime.value, suffix="_lifetime_kr")
    return out


def county_income(population: pd.DataFrame, projection: pd.DataFrame | None, area: str,
                  unit_values: Mapping, horizon: int) -> dict:
    """A county's 16–18 shortfall against the country's trend, in kroner of county income.

    Args:
        population, projection: the ``population`` and ``population_projection`` datasets.
        area: the programme's region (a county; other areas give an empty result).
        unit_values: the programme's unit values (``county_income_16_18``).
        horizon: last year (extended to the schedule's last year when that is later).

    Returns:
        ``{"kroner": frame, "fit": frame, "per_person": float, "base_year": int}``:
        :func:`worth.shortfall_in_kroner` by year, the schedule beside our refit
        (:func:`worth.implied_unit_value`), the kroner per 16–18-year-old used (the programme's
        value, else the one implied by its schedule) and the base year. Empty frames and NaN
        when the area is not a county, there is no unit value or no projection.
    """
    empty = {"kroner": pd.DataFrame(), "fit": pd.DataFrame(), "per_person": math.nan,
             "base_year": -1}
    unit = unit_values.get("county_income_16_18")
    if unit is None or areas.kind(area) != "county" or projection is None or not len(projection):
        return empty
    last = max([horizon, *unit.schedule])
    region = st.cohort_frame(population, projection, area, ages=INCOME_AGES, horizon=last)
    national = st.cohort_frame(population, projection, areas.NATIONAL, ages=INCOME_AGES,
                               horizon=last)
    observed = region.dropna(subset=["observed"])["year"]
    base = unit.base_year if unit.base_year is not None else int(observed.max())
    if base not in set(observed):
        return empty
    shortfall = worth.cohort_shortfall(region, national, base)
    if unit.value is not None:
        per_person, fit = float(unit.value), pd.DataFrame()
    else:
        per_person, fit = worth.implied_unit_value(unit.schedule, shortfall)
    if not math.isfinite(per_person):
        return {**empty, "fit": fit, "base_year": base}
    return {"kroner": worth.shortfall_in_kroner(shortfall, per_person), "fit": fit,
            "per_person": per_person, "base_year": base}
