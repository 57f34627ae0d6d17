"""What it is worth: measured effects and projected cohort changes in kroner (statistics only).

Pure functions on DataFrames and numbers, no text. The unit values (kroner per person in work
per year, per lifetime on benefits, of county income per 16–18-year-old) come from the
programme file (:class:`pipeline.programs.UnitValue`), each with its source; the reports show
the results as an *illustration* beside the programme's own figures, never as an estimate of
their own. An interval is carried through unchanged in meaning: a 95 % interval of an effect
in persons times a fixed unit value is a 95 % interval of the same quantity in kroner (the unit
value's own uncertainty is not known and not added).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

PERSON_COLUMNS = ["persons", "persons_low", "persons_high"]
ALTERNATIVES = ("main", "low", "high")


def effect_in_persons(estimate: float, ci_low: float, ci_high: float, population: float,
                      direction: str, per: float = 100.0) -> dict[str, float]:
    """A share effect (percentage points) as persons moved in the programme's direction.

    Args:
        estimate, ci_low, ci_high: the effect and its interval, in percentage points (``per``
            units of the share: 100 for percent, 1 000 for per mille).
        population: the denominator of the share in the latest year (e.g. residents 15–29).
        direction: ``down`` (fewer is better, e.g. NEET) or ``up``.
        per: the share's scale.

    Returns:
        ``persons``, ``persons_low``, ``persons_high``: persons in the desired direction
        (positive = the programme's aim; an effect against it is negative). The interval's
        ends swap when the direction is ``down`` so that ``low <= high``.

    Raises:
        ValueError: a direction other than ``up``/``down`` or a negative population.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    if not population >= 0:
        raise ValueError(f"population must be a non-negative count, not {population!r}")
    sign = -1.0 if direction == "down" else 1.0
    ends = sorted(sign * x * population / per for x in (ci_low, ci_high))
    return {"persons": sign * estimate * population / per, "persons_low": ends[0],
            "persons_high": ends[1]}


def to_kroner(frame: pd.DataFrame, unit_value: float, columns: list[str] | None = None,
              suffix: str = "_kr") -> pd.DataFrame:
    """Multiply value columns (an estimate and its interval) by a unit value in kroner.

    Args:
        frame: rows with the columns to convert (default :data:`PERSON_COLUMNS`).
        unit_value: kroner per unit (must be positive, so an interval keeps its order).
        columns: the columns to convert.
        suffix: added to each converted column's name.

    Returns:
        ``frame`` with one ``<column><suffix>`` per converted column.

    Raises:
        ValueError: a unit value that is not a positive finite number.
    """
    if not (isinstance(unit_value, (int, float)) and math.isfinite(unit_value)
            and unit_value > 0):
        raise ValueError(f"unit value must be a positive number of kroner, not {unit_value!r}")
    columns = columns or PERSON_COLUMNS
    return frame.assign(**{f"{c}{suffix}": frame[c] * float(unit_value) for c in columns})


def cohort_shortfall(region: pd.DataFrame, national: pd.DataFrame,
                     base_year: int) -> pd.DataFrame:
    """How many fewer young people a region has than if it followed the country's change.

    County income for upper-secondary age follows a county's *share* of the country's
    16–18-year-olds, so what costs income is falling faster than the others, not falling.

    Args:
        region, national: cohort frames ``year, observed, main, low, high`` (persons, as
            :func:`pipeline.analysis.youth_dropout.statistics.cohort_frame` gives).
        base_year: the year both are measured from (observed in both frames).

    Returns:
        ``year, alternative, persons, expected, shortfall`` for every projected year and SSB
        alternative (``main``, ``low``, ``high``): ``expected`` = the region's base-year count
        times the country's change since then (same alternative), ``shortfall`` = expected −
        persons (positive: fewer than the country's trend).

    Raises:
        ValueError: when the base year is not observed in both frames.
    """
    reg, nat = region.set_index("year"), national.set_index("year")
    try:
        reg0, nat0 = float(reg.at[base_year, "observed"]), float(nat.at[base_year, "observed"])
    except KeyError:
        raise ValueError(f"base year {base_year} is not observed in both cohort frames") from None
    if not (np.isfinite(reg0) and np.isfinite(nat0) and nat0 > 0):
        raise ValueError(f"base year {base_year} has no observed count in both frames")
    rows = []
    for alt in ALTERNATIVES:
        both = pd.DataFrame({"persons": reg[alt], "national": nat[alt]}).dropna()
        both = both[both.index > base_year]
        expected = reg0 * both["national"] / nat0
        rows.append(pd.DataFrame({"year": both.index.astype(int), "alternative": alt,
                                  "persons": both["persons"].to_numpy(),
                                  "expected": expected.to_numpy(),
                                  "shortfall": (expected - both["persons"]).to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def implied_unit_value(schedule: Mapping[int, float], shortfall: pd.DataFrame
                       ) -> tuple[float, pd.DataFrame]:
    """Kroner per young person implied by a published schedule of lost income.

    The schedule gives the income lost against the base year at some years (Buskerud: 46, 153,
    256 and 320 mill kr by 2029, 2033, 2037 and 2041). Dividing by the projected shortfall
    (main alternative) at the same years gives kroner per young person; one value for all
    years is the least-squares line through the origin, ``Σ loss·shortfall / Σ shortfall²``.

    Args:
        schedule: year -> kroner lost against the base year.
        shortfall: :func:`cohort_shortfall` output.

    Returns:
        ``(value, fit)``: the kroner per young person (NaN when no schedule year is projected
        or the shortfall is not positive) and ``year, published, shortfall, per_person,
        refitted`` for the schedule years inside the projection (``refitted`` = value ×
        shortfall, to set beside ``published``).
    """
    main = shortfall[shortfall["alternative"] == "main"].set_index("year")["shortfall"]
    years = sorted(y for y in schedule if y in main.index)
    fit = pd.DataFrame({"year": years, "published": [float(schedule[y]) for y in years],
                        "shortfall": [float(main[y]) for y in years]})
    denominator = float((fit["shortfall"] ** 2).sum())
    positive = len(fit) and (fit["shortfall"] > 0).all() and denominator > 0
    value = float((fit["published"] * fit["shortfall"]).sum() / denominator) if positive \
        else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        fit["per_person"] = np.where(fit["shortfall"] > 0, fit["published"] / fit["shortfall"],
                                     np.nan)
    fit["refitted"] = value * fit["shortfall"]
    return value, fit


def shortfall_in_kroner(shortfall: pd.DataFrame, unit_value: float) -> pd.DataFrame:
    """The shortfall in kroner by year, main alternative with SSB's low–high range.

    Returns:
        ``year, shortfall, shortfall_low, shortfall_high, kr, kr_low, kr_high``: the range is
        the smallest and largest of the three alternatives (SSB's alternatives are scenarios,
        not a probability interval).
    """
    wide = shortfall.pivot_table(index="year", columns="alternative", values="shortfall")
    cols = [c for c in ALTERNATIVES if c in wide.columns]
    out = pd.DataFrame({"shortfall": wide["main"], "shortfall_low": wide[cols].min(axis=1),
                        "shortfall_high": wide[cols].max(axis=1)})
    out = to_kroner(out.rename_axis("year").reset_index(), unit_value,
                    ["shortfall", "shortfall_low", "shortfall_high"], suffix="_kr")
    return out.rename(columns={"shortfall_kr": "kr", "shortfall_low_kr": "kr_low",
                               "shortfall_high_kr": "kr_high"})
