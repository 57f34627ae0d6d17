"""The simulated world shared by every table builder: units, jobs, population and NEET."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.sources.demo.jobs import Jobs, simulate_jobs
from pipeline.sources.demo.planted import PLANTED_NEET_EFFECT, SEED
from pipeline.sources.demo.population import Population, simulate_population
from pipeline.sources.demo.rates import SIM_YEARS, interp
from pipeline.sources.demo.units import Units, build_units

COUNTY_EFFECT = {"03": 0.0, "11": -1.3, "15": -0.9, "18": -0.2, "31": 1.5, "32": 0.0,
                 "33": 0.5, "34": 0.3, "39": 1.5, "40": 0.9, "42": 0.6, "46": -0.8,
                 "50": 0.0, "55": -0.8, "56": 0.4}
"""County level shifts (percentage points) of NEET, completion and employment."""

NEET_COMMON = {2015: 0.0, 2016: 0.3, 2017: 0.1, 2018: -0.1, 2019: -0.3, 2020: 1.0, 2021: 0.4,
               2022: -0.5, 2023: -0.4, 2024: 0.0, 2025: 0.3}
"""The common year shock of every municipality's NEET share (percentage points)."""
_NEET_LEVEL = {"4204": 10.4}


@dataclass(frozen=True)
class World:
    """Everything simulated once and shared by the table builders."""

    units: Units
    jobs: Jobs
    population: Population
    neet: np.ndarray  # (years 2000.., units, 2) NEET persons 15–29 by sex (men, women)


def county_effect(units: Units) -> np.ndarray:
    """:data:`COUNTY_EFFECT` of each unit's county."""
    return np.array([COUNTY_EFFECT.get(c, 0.0) for c in units.county])


def simulate_neet(units: Units, population: Population) -> np.ndarray:
    """NEET persons 15–29 by year (SIM_YEARS), unit and sex, with the planted programme effect.

    Share (pp) = unit level + sex gap + common year shock + noise (+ effect); the count is the
    share of the unit's population 15–29 of that sex on 1 January.
    """
    rng = np.random.default_rng([SEED, 3])
    n = len(units)
    level = 9.0 + rng.normal(0, 1.2, n) + county_effect(units)
    for code, value in _NEET_LEVEL.items():
        if code in units.codes:
            level[units.codes.index(code)] = value
    years = np.array(SIM_YEARS)
    common = np.array([interp(NEET_COMMON, y) if y >= 2015 else 0.0 for y in years])
    share = (level[None, :, None] + np.array([0.6, -0.6])[None, None, :]
             + common[:, None, None] + rng.normal(0, 0.25, (len(years), n, 2)))
    treated = units.index(PLANTED_NEET_EFFECT["region"])
    if treated is not None:
        after = years >= PLANTED_NEET_EFFECT["from_year"]
        share[after, treated, :] += PLANTED_NEET_EFFECT["pp"]
    share = np.clip(share, 1.0, 30.0)
    young = population.pop[: len(years), :, :, 15:30].sum(axis=-1)  # (year, unit, sex)
    return np.rint(young * share / 100).astype(np.int64)


def simulate(codes: list[str] | None = None) -> World:
    """Run every simulation once (jobs, population, NEET).

    Args:
        codes: municipalities to simulate (default: all 357 of the 2024 structure).
    """
    units = build_units(codes)
    jobs = simulate_jobs(units)
    population = simulate_population(units, jobs.growth_pct())
    return World(units, jobs, population, simulate_neet(units, population))
