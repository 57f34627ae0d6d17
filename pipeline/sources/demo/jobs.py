"""Jobs by place of work (13470), exogenous to the population model.

A trend per municipality, common and oil-price shocks, AR(1) noise and industry shares tilted by
urbanity, plus the planted Kongsberg demand shock. Buskerud's total is calibrated to the
programme's figure of about 163 000 employed in 2024.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.sources.demo.planted import PLANTED_DEMAND_SHOCK, SEED, demand_shock
from pipeline.sources.demo.rates import SIM_YEARS
from pipeline.sources.demo.units import Units
from pipeline.sources.tables import INDUSTRIES

BUSKERUD_JOBS_2024 = 163_000
"""Employed by place of work in Buskerud in 2024 (Buskerudplanen); the demo hits it closely."""

_JOB_SHOCKS = {2009: -0.02, 2010: -0.005, 2020: -0.02, 2021: 0.02, 2022: 0.02}
_OIL_SHOCKS = {2015: -0.015, 2016: -0.015, 2017: 0.005}  # Rogaland and Agder
_OIL_COUNTIES = ("11", "42")

_INDUSTRY_BASE = {"01-03": 2.0, "05-09": 2.0, "10-33": 7.5, "35-39": 1.3, "41-43": 8.5,
                  "45-47": 12.5, "49-53": 4.8, "55-56": 3.5, "58-63": 4.2, "64-66": 1.7,
                  "68-75": 6.5, "77-82": 5.0, "84": 6.3, "85": 8.0, "86-88": 21.5,
                  "90-99": 3.5, "00": 0.7}
_INDUSTRY_URBAN = {"01-03": -1.5, "58-63": 1.2, "64-66": 1.0, "68-75": 0.8, "77-82": 0.6,
                   "10-33": -0.3, "05-09": -0.5, "55-56": 0.2}  # log-tilt per unit of urbanity
_INDUSTRY_TREND = {"01-03": -0.02, "10-33": -0.006, "86-88": 0.01, "58-63": 0.015,
                   "45-47": -0.004, "05-09": -0.005}  # log share change per year
_JOB_RATIO = {"0301": 0.78, "3303": 0.64}


@dataclass(frozen=True)
class Jobs:
    """Employment by place of work per unit, year (2000–LAST_YEAR) and industry."""

    by_industry: np.ndarray  # (years, units, industries) int64
    industries: list[str]

    @property
    def total(self) -> np.ndarray:
        """Jobs over all industries, (years, units)."""
        return self.by_industry.sum(axis=2)

    def growth_pct(self) -> np.ndarray:
        """Yearly growth of total jobs in percent (the first year repeats the second)."""
        total = self.total.astype(float)
        growth = np.zeros_like(total)
        growth[1:] = 100 * (total[1:] / total[:-1] - 1)
        growth[0] = growth[1]
        return growth


def _base_2024(units: Units, rng: np.random.Generator) -> np.ndarray:
    """Jobs in 2024 without the planted shock: a jobs-to-population ratio per municipality."""
    ratio = 0.44 + 0.14 * units.urbanity + rng.normal(0, 0.03, len(units))
    for code, value in _JOB_RATIO.items():
        if code in units.codes:
            ratio[units.codes.index(code)] = value
    base = units.target * ratio
    shock = units.index(PLANTED_DEMAND_SHOCK["region"])
    if shock is not None:
        base[shock] -= PLANTED_DEMAND_SHOCK["jobs"]
    buskerud = np.array([c == "33" for c in units.county])
    if buskerud.any():
        extra = PLANTED_DEMAND_SHOCK["jobs"] if shock is not None else 0
        base[buskerud] *= (BUSKERUD_JOBS_2024 - extra) / base[buskerud].sum()
    return base


def _log_path(units: Units, rng: np.random.Generator) -> np.ndarray:
    """Log of total jobs relative to 2024, (years, units): trend, shocks and AR(1) noise."""
    n, years = len(units), np.array(SIM_YEARS)
    trend = -0.004 + 0.014 * units.urbanity + rng.normal(0, 0.003, n)
    common = np.cumsum([_JOB_SHOCKS.get(int(y), 0.0) for y in years])
    oil = np.cumsum([_OIL_SHOCKS.get(int(y), 0.0) for y in years])
    in_oil = np.isin(units.county, _OIL_COUNTIES)
    noise = np.zeros((len(years), n))
    for k in range(len(years)):
        noise[k] = (0.6 * noise[k - 1] if k else 0) + rng.normal(0, 0.006, n)
    i24 = SIM_YEARS.index(2024)
    return (trend[None] * (years[:, None] - 2024) + (common - common[i24])[:, None]
            + np.outer(oil - oil[i24], in_oil) + noise - noise[i24])


def _shares(units: Units, rng: np.random.Generator, industries: list[str]) -> np.ndarray:
    """Industry shares per year and unit, tilted by urbanity (sum 1 over industries)."""
    n, years = len(units), np.array(SIM_YEARS)
    base = np.log([_INDUSTRY_BASE[k] for k in industries])
    tilt = np.array([_INDUSTRY_URBAN.get(k, 0.0) for k in industries])
    drift = np.array([_INDUSTRY_TREND.get(k, 0.0) for k in industries])
    log_share = (base[None, None] + tilt[None, None] * (units.urbanity[None, :, None] - 0.5)
                 + drift[None, None] * (years[:, None, None] - 2015)
                 + rng.normal(0, 0.25, (1, n, len(industries)))
                 + rng.normal(0, 0.03, (len(years), n, len(industries))))
    shock = units.index(PLANTED_DEMAND_SHOCK["region"])
    if shock is not None:  # Kongsberg is an industrial town (defence, maritime, oil)
        log_share[:, shock, industries.index("10-33")] += 1.7
    share = np.exp(log_share)
    return share / share.sum(axis=2, keepdims=True)


def simulate_jobs(units: Units) -> Jobs:
    """Jobs by place of work per unit, year and industry, with the planted demand shock."""
    rng = np.random.default_rng([SEED, 2])
    industries = list(INDUSTRIES)
    base = _base_2024(units, rng)
    total = base[None] * np.exp(_log_path(units, rng))
    by_industry = np.rint(total[:, :, None] * _shares(units, rng, industries)).astype(np.int64)
    shock = units.index(PLANTED_DEMAND_SHOCK["region"])
    if shock is not None:
        k = industries.index(PLANTED_DEMAND_SHOCK["industry"])
        by_industry[:, shock, k] += [demand_shock(int(y)) for y in SIM_YEARS]
    return Jobs(by_industry, industries)
