"""Demographic rates and profiles of the synthetic population, and small counting helpers.

The schedules are smooth caricatures of Norway's (total fertility by year, Gompertz-like
mortality, migration by age); they make the demo data look like population statistics without
being any.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from pipeline.sources.tables import LAST_YEAR, ONE_YEAR_AGES

SIM_FIRST_YEAR = 2000
PROJECTION_LAST_YEAR = 2050

AGES = np.arange(len(ONE_YEAR_AGES))  # 0 … 105 (105 = 105+)
SIM_YEARS = list(range(SIM_FIRST_YEAR, LAST_YEAR + 1))

_TFR = {2000: 1.85, 2005: 1.84, 2009: 1.98, 2012: 1.85, 2015: 1.72, 2018: 1.56, 2020: 1.48,
        2021: 1.55, 2023: 1.40, 2024: 1.44, 2025: 1.45}
IMMIGRATION_PER_1000 = {2000: 6.1, 2002: 7.5, 2004: 6.2, 2006: 9.3, 2007: 13.0, 2008: 14.2,
                         2009: 13.4, 2011: 15.6, 2013: 13.9, 2015: 11.8, 2017: 10.1,
                         2019: 9.1, 2020: 7.2, 2021: 9.7, 2022: 16.2, 2023: 16.0, 2024: 12.8,
                         2025: 11.0}


def interp(table: dict[int, float], year: float) -> float:
    """Linear interpolation in a ``{year: value}`` table (flat outside it)."""
    years = sorted(table)
    return float(np.interp(year, years, [table[y] for y in years]))


def bump(centre: float, width: float) -> np.ndarray:
    """A Gaussian bump over the one-year ages, 1 at ``centre``."""
    return np.exp(-(((AGES - centre) / width) ** 2))


def mortality(year: int) -> np.ndarray:
    """Probability of dying within the year, by sex (men, women) and age on 1 January."""
    base = 0.0001 + 0.000006 * np.exp(0.11 * AGES)
    base[0] = 0.0025
    male = np.where(AGES < 85, 1.55, 1.15) * math.exp(-0.022 * (year - 2015))
    female = math.exp(-0.014 * (year - 2015))
    return np.minimum(0.6, np.stack([base * male, base * female]))


def fertility(year: int) -> np.ndarray:
    """Age-specific fertility rates of women by age on 1 January (sum = total fertility)."""
    mean_age = 29.5 + 2.0 * (year - 2000) / 25
    shape = np.where((AGES >= 15) & (AGES <= 49), bump(mean_age, 5.5 * math.sqrt(2)), 0.0)
    return interp(_TFR, year) * shape / shape.sum()


def out_profile(urbanity: np.ndarray) -> np.ndarray:
    """Domestic out-migration probability by unit and age: young adults leave rural places."""
    u = urbanity[:, None]
    profile = (0.02 + (0.06 + 0.06 * (1 - u)) * bump(21, 4) + 0.04 * bump(29, 6)
               + 0.012 * bump(3, 4))
    return (1.0 + 0.25 * (1 - u)) * profile


def in_tilt(urbanity: np.ndarray) -> np.ndarray:
    """Relative pull of each unit on movers by age: cities draw young adults, rural places
    families and people in their thirties."""
    tau = 1.2 * (urbanity[:, None] - 0.5)
    return np.exp(tau * (bump(22, 5) - 0.5 * bump(36, 8) - 0.5 * bump(5, 5)))


def in_profile(urbanity: np.ndarray) -> np.ndarray:
    """Age distribution of net movers by unit in the projection (sums to 1 over sex, age)."""
    u = urbanity[:, None]
    peak = 23 + 8 * (1 - u)
    shape = (np.exp(-(((AGES - peak) / 5) ** 2)) + 0.5 * bump(34, 7) + 0.25 * bump(5, 5)
             + 0.05 * bump(65, 10) + 0.01)
    both = np.stack([shape, shape], axis=1) / 2
    return both / both.sum(axis=(1, 2), keepdims=True)


def immigration_profile() -> np.ndarray:
    """Age-sex distribution of immigrants (sums to 1 over sex, age)."""
    shape = bump(28, 8) + 0.3 * bump(6, 6) + 0.02
    both = np.stack([0.52 * shape, 0.48 * shape])
    return both / both.sum()


def emigration_profile() -> np.ndarray:
    """Emigration probability by age."""
    return 0.002 + 0.007 * bump(30, 9)


# Approximate persons per one-year age in Norway on 1 January 2000 (thousands): small 1930s
# cohorts, the post-war boom, the smaller cohorts of the late 1970s and 1980s.
_AGE_2000 = {0: 59, 5: 61, 10: 59, 15: 53, 20: 53, 25: 60, 30: 68, 35: 69, 40: 64, 45: 64,
             50: 65, 55: 63, 60: 45, 65: 39, 70: 37, 75: 34, 80: 25, 85: 15, 90: 6, 95: 1.7,
             100: 0.2, 105: 0.02}


def initial_structure(urbanity: np.ndarray) -> np.ndarray:
    """Age-sex shares of each unit in 2000: cities hold more young adults, rural places more
    elderly; the population-weighted mix is close to Norway's age pyramid of 2000."""
    ages = sorted(_AGE_2000)
    persons = np.interp(AGES, ages, [_AGE_2000[a] for a in ages])
    women = np.interp(AGES, [0, 50, 70, 80, 90, 105], [0.487, 0.49, 0.53, 0.6, 0.72, 0.8])
    both = np.stack([persons * (1 - women), persons * women])
    u = urbanity[:, None, None]
    tilt = np.exp(1.2 * (u - 0.6) * (bump(27, 9) - bump(72, 14)))
    shares = both[None] * tilt
    return shares / shares.sum(axis=(1, 2), keepdims=True)


def split_total(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer totals over the last axis of ``weights`` exactly (largest remainders)."""
    total = np.asarray(total, dtype=np.int64)
    w = weights / weights.sum(axis=-1, keepdims=True)
    exact = total[..., None] * w
    floor = np.floor(exact).astype(np.int64)
    remainder = total - floor.sum(axis=-1)
    order = np.argsort(-(exact - floor), axis=-1, kind="stable")
    # The rank of each cell is the inverse permutation of ``order`` (no second sort needed).
    ranks = np.empty_like(order)
    positions = np.broadcast_to(np.arange(order.shape[-1]), order.shape)
    np.put_along_axis(ranks, order, positions, axis=-1)
    return floor + (ranks < remainder[..., None])


def percent(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """100 · numerator / denominator, one decimal; NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(denominator > 0, 100.0 * numerator / denominator, np.nan), 1)


def age_group_index(group: str) -> np.ndarray:
    """Boolean mask of the one-year ages in a group such as ``15-19``."""
    low, high = (int(x) for x in group.split("-"))
    return (AGES >= low) & (AGES <= high)


def group_population(pop: np.ndarray, groups: list[str]) -> np.ndarray:
    """Sum the last (age) axis of ``pop`` into age groups such as ``15-19``."""
    return np.stack([pop[..., age_group_index(g)].sum(axis=-1) for g in groups], axis=-1)


def year_index(years: Iterable[int]) -> list[int]:
    """Positions of calendar years in the simulation arrays."""
    return [y - SIM_FIRST_YEAR for y in years]
