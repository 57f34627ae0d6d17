"""Deterministic synthetic demo data, shaped exactly like SSB's StatBank responses.

:func:`generate` writes one JSON-stat 2.0 document per table of the registry
(:data:`pipeline.sources.tables.TABLES`) to ``data/raw/demo/<table_id>.json``. Each document has
the keys, dimension ids, value codes, units and ``status`` symbols of a PxWebApi v2
``json-stat2`` response, so the demo path runs through the same parser and analyses as real
data. The file itself says it is synthetic: ``source`` reads "Demonstrasjonsdata – ikke
offisiell statistikk …" and ``extension.innsikt`` is ``{"demo": true, "seed": SEED}``.

How the numbers are made (one fixed seed, numpy ``Generator``, no clock):

- Population by one-year age and sex comes from a cohort-component simulation 2000–2026 with
  integer draws (deaths, emigration, domestic out-moves, immigration, domestic in-moves,
  births), so 07459 and 06913 agree exactly and every year satisfies
  ``Folkemengde[t+1] = Folkemengde[t] + births − deaths + in − out + immigration − emigration``.
  The start population is calibrated so that 1 January 2024 lands near the approximate scales
  in ``demo_regions.csv``.
- Net domestic migration follows the data-generating process
  ``rate per 1 000 = a + b·job_growth_pct + c·log(population) + residual + noise``
  (:data:`NET_MIGRATION_INTERCEPT` …, residuals in :data:`PLANTED_ATTRACTIVENESS`), with job
  growth from the synthetic employment by place of work (13470).
- Known effects are planted for the estimators' tests: :data:`PLANTED_NEET_EFFECT`,
  :data:`PLANTED_DEMAND_SHOCK`, :data:`PLANTED_RETENTION`, :data:`PLANTED_ATTRACTIVENESS`.
- Counties 33, 42 and 50 (and any county whose row in ``demo_regions.csv`` has no population,
  e.g. 03 Oslo) are the exact sums of their municipalities; the other counties are simulated as
  one region each, and the national total ``0`` is the sum of the 15 counties. County and
  national in/out-migration are sums of their parts (moves inside a county count on both
  sides, which leaves net migration unchanged).
- Realism for downstream code: small sex-specific NEET cells in tiny municipalities carry ``:``
  (suppressed), the newest year of 09429 carries ``..`` (not yet published) and the diagonal of
  13864 (moves from a municipality to itself) carries ``.`` (not applicable), all with null
  values.

Run ``python -m pipeline.sources.demo`` (or ``make data``) to write the files.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipeline import config, io
from pipeline.sources.tables import (
    BACKGROUNDS,
    COMPLETION_STATUS,
    EDUCATION_LEVELS,
    INDUSTRIES,
    LAST_YEAR,
    ONE_YEAR_AGES,
    POPULATION_COMPONENTS,
    PROJECTION_ALTERNATIVES,
    SEXES,
    STUDY_PROGRAMMES,
    TABLES,
    TableSpec,
)

SEED = 20240101
"""The one seed every synthetic number derives from (numpy ``Generator`` streams)."""

UPDATED = "2026-03-02T07:00:00Z"
"""Fixed ``updated`` stamp of every demo document (a clock would break byte-identical output)."""

SOURCE = "Demonstrasjonsdata – ikke offisiell statistikk (syntetiske tall generert av innsikt)"
NOTE = ("Demonstrasjonsdata – ikke offisiell statistikk. Tallene er syntetiske, laget av innsikt "
        "(pipeline/sources/demo.py) med fast frø, og har samme form som SSBs tabeller.")

NATIONAL = "0"
SIM_FIRST_YEAR = 2000
PROJECTION_LAST_YEAR = 2050
COVERED_COUNTIES = ("33", "42", "50")
"""Counties whose every municipality (2024 structure) is in the demo data."""
EXTRA_MUNICIPALITIES = ("0301", "1103", "3905", "4601")
"""Municipalities covered besides those of :data:`COVERED_COUNTIES` and programme files."""
BUSKERUD_JOBS_2024 = 163_000
"""Employed by place of work in Buskerud in 2024 (Buskerudplanen); the demo hits it closely."""
FALLBACK_POPULATION = 10_000
"""Scale used for a programme municipality missing from ``demo_regions.csv``."""

REGIONS_CSV = Path(__file__).with_name("demo_regions.csv")

# ---------------------------------------------------------------------------------------------
# Planted truths (imported by the estimators' tests)
# ---------------------------------------------------------------------------------------------

PLANTED_NEET_EFFECT = {"region": "4204", "from_year": 2022, "pp": -1.5}
"""Kristiansand's NEET share 15–29 (13556, both sexes and each sex) is 1.5 percentage points
below its counterfactual from 2022 on (programme Flere i arbeid, started 2021). Every
municipality shares the same common year shocks, levels are fixed per municipality and no other
municipality has an effect, so a difference-in-differences against any comparison group
recovers about −1.5 pp."""

PLANTED_DEMAND_SHOCK = {"region": "3303", "industry": "10-33", "jobs": 1000,
                        "from_year": 2019, "to_year": 2024}
"""Extra manufacturing (defence) jobs by place of work in Kongsberg (13470) above the trend:
``jobs · (year − from_year + 1) / (to_year − from_year + 1)`` from 2019, reaching +1 000 in 2024
and staying at +1 000 afterwards. The jobs feed Kongsberg's job growth and hence, through the
migration equation, its net domestic in-migration."""

PLANTED_RETENTION = {"region": "5044", "from_year": 2021, "immigrant_outflow_rate_change": -0.08,
                     "net_domestic_migration_per_1000": +8.0}
"""Namsskogan's in-mover service: from 2021 the annual rate at which resident immigrants move
to another municipality is 0.08 lower (e.g. 0.19 → 0.11), and the net domestic migration rate is
8 per 1 000 inhabitants higher than the migration equation alone gives."""

NET_MIGRATION_INTERCEPT = -28.0
"""``a`` in net_domestic_migration_rate = a + b·job_growth_pct + c·log(population) + residual +
noise (per 1 000 inhabitants, municipalities; population on 1 January, natural log)."""
NET_MIGRATION_JOB_GROWTH = 1.2
"""``b``: per 1 000 inhabitants per percent growth of jobs by place of work (13470 total)."""
NET_MIGRATION_LOG_POPULATION = 2.5
"""``c``: per 1 000 inhabitants per unit of log(population)."""
NET_MIGRATION_NOISE_SD = 2.5
"""Standard deviation of the yearly noise (per 1 000), independent across municipality-years."""
ATTRACTIVENESS_SD = 4.0
"""Standard deviation of the municipality residuals in :data:`PLANTED_ATTRACTIVENESS`."""

SMALL_CELL_POPULATION = 100
"""13556: sex-specific cells of a municipality with fewer residents aged 15–29 of that sex than
this are suppressed (status ``:``, value null), as SSB does for tiny municipalities."""
NOT_YET_PUBLISHED = ("09429", LAST_YEAR)
"""(table, year) whose every cell carries ``..`` (not yet published) with a null value."""


def attractiveness(code: str) -> float:
    """The planted migration residual (per 1 000 inhabitants) of a municipality.

    Drawn from its own stream seeded by ``SEED`` and the code, so adding a municipality to the
    coverage never changes another's residual.
    """
    rng = np.random.default_rng([SEED, 7, int(code)])
    return round(float(rng.normal(0.0, ATTRACTIVENESS_SD)), 2)


# ---------------------------------------------------------------------------------------------
# Coverage and geography
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionScale:
    """One row of ``demo_regions.csv``: a region's name, county and approximate scale."""

    code: str
    name: str
    county: str
    population_2024: float | None
    urbanity: float


@lru_cache(maxsize=1)
def region_scales() -> dict[str, RegionScale]:
    """The rows of ``demo_regions.csv`` by code (approximate scales for synthetic data)."""
    rows: dict[str, RegionScale] = {}
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in reader:
            pop = row["population_2024"].strip()
            rows[row["code"]] = RegionScale(row["code"], row["name"], row["county"],
                                            float(pop) if pop else None, float(row["urbanity"]))
    return rows


def _geography() -> Any:
    try:
        from pipeline import geography
    except ImportError:  # geography.py not written yet: fall back to demo_regions.csv
        return None
    return geography


def _codes(members: Any) -> list[str]:
    return [str(c) for c in (members.keys() if isinstance(members, dict) else members)]


def county_members(county: str) -> list[str]:
    """Municipality codes (2024) of a county, from :mod:`pipeline.geography` when present."""
    geo = _geography()
    if geo is not None:
        return sorted(_codes(geo.municipalities_in_county(county)))
    return sorted(c for c, r in region_scales().items() if len(c) == 4 and r.county == county)


def _program_municipalities(programs_dir: Path | None = None) -> set[str]:
    programs_dir = programs_dir or config.paths().programs
    codes: set[str] = set()
    for path in sorted(programs_dir.glob("*.yml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc}); fix the programme file") from None
        for key in ("region", "comparison"):
            for code in (doc.get(key) or {}).get("municipalities") or []:
                codes.add(str(code).zfill(4))
    return codes


def covered_municipalities(programs_dir: Path | None = None) -> list[str]:
    """Municipalities in the demo data: every municipality of Buskerud, Agder and Trøndelag,
    Oslo, Bergen, Stavanger, Tønsberg and every municipality a programme file names."""
    codes = set(EXTRA_MUNICIPALITIES) | _program_municipalities(programs_dir)
    for county in COVERED_COUNTIES:
        codes |= set(county_members(county))
    return sorted(codes)


def _names() -> dict[str, str]:
    names = {code: row.name for code, row in region_scales().items()}
    geo = _geography()
    if geo is not None:
        names.update({str(k): str(v) for k, v in geo.municipality_names().items()})
        if hasattr(geo, "county_names"):
            names.update({str(k): str(v) for k, v in geo.county_names().items()})
    names[NATIONAL] = "Hele landet"
    return names


def _covered_at_import() -> list[str]:
    try:
        return covered_municipalities()
    except ValueError:  # a broken programme file must not break importing; generate() reports it
        codes = set(EXTRA_MUNICIPALITIES)
        for county in COVERED_COUNTIES:
            codes |= set(county_members(county))
        return sorted(codes)


PLANTED_ATTRACTIVENESS: dict[str, float] = {
    code: attractiveness(code) for code in _covered_at_import()
}
"""Residual (per 1 000 inhabitants) of every covered municipality in the net domestic migration
equation (see :data:`NET_MIGRATION_INTERCEPT`). Computed for the municipalities covered when the
module was imported; :func:`attractiveness` gives the same value for any code."""


@dataclass(frozen=True)
class Units:
    """The simulated units: covered municipalities plus counties not built from them."""

    codes: list[str]
    county: list[str]
    target: np.ndarray  # population on 1 January 2024
    urbanity: np.ndarray
    is_municipality: np.ndarray
    out_codes: list[str]  # published regions: "0", counties, municipalities
    agg: np.ndarray  # (published regions, units) 0/1 aggregation matrix

    def __len__(self) -> int:
        return len(self.codes)


def build_units(programs_dir: Path | None = None) -> Units:
    """Assemble the simulated units and the aggregation to counties and Norway."""
    scales = region_scales()
    munis = covered_municipalities(programs_dir)
    counties = sorted(c for c in scales if len(c) == 2)
    sum_counties = [c for c in counties if scales[c].population_2024 is None]
    for county in sum_counties:
        missing = sorted(set(county_members(county)) - set(munis))
        if missing:
            raise ValueError(f"{REGIONS_CSV}: county {county} has no population_2024, so it is "
                             f"summed from its municipalities, but {missing} are not covered; "
                             "give the county a population or cover them")
    synthetic = [c for c in counties if c not in sum_counties]
    codes = munis + synthetic
    county_of = [scales[c].county if c in scales else c[:2] for c in munis] + synthetic
    target = np.array([scales[c].population_2024 if c in scales else FALLBACK_POPULATION
                       for c in codes], dtype=float)
    urbanity = np.array([scales[c].urbanity if c in scales else 0.3 for c in codes])
    is_muni = np.array([len(c) == 4 for c in codes])
    out_codes = [NATIONAL] + counties + munis
    agg = np.zeros((len(out_codes), len(codes)))
    for j, code in enumerate(codes):
        agg[out_codes.index(code), j] = 1.0
        county = county_of[j]
        if is_muni[j] and county in sum_counties:
            agg[out_codes.index(county), j] = 1.0
        if not is_muni[j] or county in sum_counties:
            agg[0, j] = 1.0
    return Units(codes, county_of, target, urbanity, is_muni, out_codes, agg)


def aggregate(units: Units, x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sum unit-level counts (unit axis ``axis``) to the published regions."""
    moved = np.moveaxis(x, axis, 0)
    out = np.tensordot(units.agg, moved, axes=(1, 0))
    out = np.rint(out).astype(np.int64) if np.issubdtype(x.dtype, np.integer) else out
    return np.moveaxis(out, 0, axis)


# ---------------------------------------------------------------------------------------------
# Demographic rates
# ---------------------------------------------------------------------------------------------

AGES = np.arange(len(ONE_YEAR_AGES))  # 0 … 105 (105 = 105+)
SIM_YEARS = list(range(SIM_FIRST_YEAR, LAST_YEAR + 1))

_TFR = {2000: 1.85, 2005: 1.84, 2009: 1.98, 2012: 1.85, 2015: 1.72, 2018: 1.56, 2020: 1.48,
        2021: 1.55, 2023: 1.40, 2024: 1.44, 2025: 1.45}
_IMMIGRATION_PER_1000 = {2000: 6.1, 2002: 7.5, 2004: 6.2, 2006: 9.3, 2007: 13.0, 2008: 14.2,
                         2009: 13.4, 2011: 15.6, 2013: 13.9, 2015: 11.8, 2017: 10.1,
                         2019: 9.1, 2020: 7.2, 2021: 9.7, 2022: 16.2, 2023: 16.0, 2024: 12.8,
                         2025: 11.0}
_JOB_SHOCKS = {2009: -0.02, 2010: -0.005, 2020: -0.02, 2021: 0.02, 2022: 0.02}
_OIL_SHOCKS = {2015: -0.015, 2016: -0.015, 2017: 0.005}  # Rogaland and Agder
_OIL_COUNTIES = ("11", "42")


def _interp(table: dict[int, float], year: float) -> float:
    years = sorted(table)
    return float(np.interp(year, years, [table[y] for y in years]))


def _bump(centre: float, width: float) -> np.ndarray:
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
    shape = np.where((AGES >= 15) & (AGES <= 49), _bump(mean_age, 5.5 * math.sqrt(2)), 0.0)
    return _interp(_TFR, year) * shape / shape.sum()


def _out_profile(urbanity: np.ndarray) -> np.ndarray:
    """Domestic out-migration probability by unit and age: young adults leave rural places."""
    u = urbanity[:, None]
    profile = (0.02 + (0.06 + 0.06 * (1 - u)) * _bump(21, 4) + 0.04 * _bump(29, 6)
               + 0.012 * _bump(3, 4))
    return (1.0 + 0.25 * (1 - u)) * profile


def _in_tilt(urbanity: np.ndarray) -> np.ndarray:
    """Relative pull of each unit on movers by age: cities draw young adults, rural places
    families and people in their thirties."""
    tau = 1.2 * (urbanity[:, None] - 0.5)
    return np.exp(tau * (_bump(22, 5) - 0.5 * _bump(36, 8) - 0.5 * _bump(5, 5)))


def _in_profile(urbanity: np.ndarray) -> np.ndarray:
    """Age distribution of net movers by unit in the projection (sums to 1 over sex, age)."""
    u = urbanity[:, None]
    peak = 23 + 8 * (1 - u)
    shape = (np.exp(-(((AGES - peak) / 5) ** 2)) + 0.5 * _bump(34, 7) + 0.25 * _bump(5, 5)
             + 0.05 * _bump(65, 10) + 0.01)
    both = np.stack([shape, shape], axis=1) / 2
    return both / both.sum(axis=(1, 2), keepdims=True)


def _immigration_profile() -> np.ndarray:
    shape = _bump(28, 8) + 0.3 * _bump(6, 6) + 0.02
    both = np.stack([0.52 * shape, 0.48 * shape])
    return both / both.sum()


def _emigration_profile() -> np.ndarray:
    return 0.002 + 0.007 * _bump(30, 9)


# Approximate persons per one-year age in Norway on 1 January 2000 (thousands): small 1930s
# cohorts, the post-war boom, the smaller cohorts of the late 1970s and 1980s.
_AGE_2000 = {0: 59, 5: 61, 10: 59, 15: 53, 20: 53, 25: 60, 30: 68, 35: 69, 40: 64, 45: 64,
             50: 65, 55: 63, 60: 45, 65: 39, 70: 37, 75: 34, 80: 25, 85: 15, 90: 6, 95: 1.7,
             100: 0.2, 105: 0.02}


def _initial_structure(urbanity: np.ndarray) -> np.ndarray:
    """Age-sex shares of each unit in 2000: cities hold more young adults, rural places more
    elderly; the population-weighted mix is close to Norway's age pyramid of 2000."""
    ages = sorted(_AGE_2000)
    persons = np.interp(AGES, ages, [_AGE_2000[a] for a in ages])
    women = np.interp(AGES, [0, 50, 70, 80, 90, 105], [0.487, 0.49, 0.53, 0.6, 0.72, 0.8])
    both = np.stack([persons * (1 - women), persons * women])
    u = urbanity[:, None, None]
    tilt = np.exp(1.2 * (u - 0.6) * (_bump(27, 9) - _bump(72, 14)))
    shares = both[None] * tilt
    return shares / shares.sum(axis=(1, 2), keepdims=True)


# ---------------------------------------------------------------------------------------------
# Jobs by place of work (13470) — exogenous to the population model
# ---------------------------------------------------------------------------------------------

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


def demand_shock(year: int) -> int:
    """Jobs added by :data:`PLANTED_DEMAND_SHOCK` in ``year``."""
    shock = PLANTED_DEMAND_SHOCK
    span = shock["to_year"] - shock["from_year"] + 1
    done = min(max(year - shock["from_year"] + 1, 0), span)
    return round(shock["jobs"] * done / span)


def simulate_jobs(units: Units) -> Jobs:
    """Jobs by place of work: a trend per unit, common and oil shocks, AR(1) noise, industry
    shares tilted by urbanity, and the planted Kongsberg demand shock."""
    rng = np.random.default_rng([SEED, 2])
    n, years = len(units), np.array(SIM_YEARS)
    ratio = 0.44 + 0.14 * units.urbanity + rng.normal(0, 0.03, n)
    ratio = np.where(units.is_municipality, ratio, 0.52)
    for code, value in _JOB_RATIO.items():
        if code in units.codes:
            ratio[units.codes.index(code)] = value
    base_2024 = units.target * ratio
    shock_region = PLANTED_DEMAND_SHOCK["region"]
    if shock_region in units.codes:
        base_2024[units.codes.index(shock_region)] -= PLANTED_DEMAND_SHOCK["jobs"]
    buskerud = np.array([c == "33" and m for c, m in zip(units.county, units.is_municipality,
                                                          strict=True)])
    if buskerud.any():
        extra = PLANTED_DEMAND_SHOCK["jobs"] if shock_region in units.codes else 0
        base_2024[buskerud] *= (BUSKERUD_JOBS_2024 - extra) / base_2024[buskerud].sum()
    trend = -0.004 + 0.014 * units.urbanity + rng.normal(0, 0.003, n)
    common = np.cumsum([_JOB_SHOCKS.get(int(y), 0.0) for y in years])
    oil = np.cumsum([_OIL_SHOCKS.get(int(y), 0.0) for y in years])
    in_oil = np.isin(units.county, _OIL_COUNTIES)
    noise = np.zeros((len(years), n))
    for k in range(len(years)):
        noise[k] = (0.6 * noise[k - 1] if k else 0) + rng.normal(0, 0.006, n)
    i24 = SIM_YEARS.index(2024)
    log_path = (trend[None] * (years[:, None] - 2024) + (common - common[i24])[:, None]
                + np.outer(oil - oil[i24], in_oil) + noise - noise[i24])
    total = base_2024[None] * np.exp(log_path)
    industries = list(INDUSTRIES)
    base = np.log([_INDUSTRY_BASE[k] for k in industries])
    tilt = np.array([_INDUSTRY_URBAN.get(k, 0.0) for k in industries])
    drift = np.array([_INDUSTRY_TREND.get(k, 0.0) for k in industries])
    log_share = (base[None, None] + tilt[None, None] * (units.urbanity[None, :, None] - 0.5)
                 + drift[None, None] * (years[:, None, None] - 2015)
                 + rng.normal(0, 0.25, (1, n, len(industries)))
                 + rng.normal(0, 0.03, (len(years), n, len(industries))))
    if shock_region in units.codes:  # Kongsberg is an industrial town (defence, maritime, oil)
        log_share[:, units.codes.index(shock_region), industries.index("10-33")] += 1.7
    share = np.exp(log_share)
    share /= share.sum(axis=2, keepdims=True)
    by_industry = np.rint(total[:, :, None] * share).astype(np.int64)
    if shock_region in units.codes:
        j, k = units.codes.index(shock_region), industries.index(PLANTED_DEMAND_SHOCK["industry"])
        by_industry[:, j, k] += [demand_shock(int(y)) for y in years]
    return Jobs(by_industry, industries)


# ---------------------------------------------------------------------------------------------
# Cohort-component population simulation
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Population:
    """Simulated population and its components per unit.

    ``pop`` holds 1 January of SIM_FIRST_YEAR … LAST_YEAR + 1; components hold calendar years
    SIM_FIRST_YEAR … LAST_YEAR.
    """

    pop: np.ndarray  # (years + 1, units, 2, 106) int64
    components: dict[str, np.ndarray]  # code -> (years, units) int64
    immigrants: np.ndarray  # (years + 1, units) int64, InnvandrKat B
    norwegian_born: np.ndarray  # (years + 1, units) int64, InnvandrKat C
    immigrant_out: np.ndarray  # (years, units) domestic out-moves of immigrants

    def year(self, year: int) -> np.ndarray:
        """Population on 1 January of ``year``, (units, sex, age)."""
        return self.pop[year - SIM_FIRST_YEAR]


def _draw(n: np.ndarray, p: np.ndarray | float, z: np.ndarray) -> np.ndarray:
    """A binomial-like count from fixed standard normals ``z`` (normal approximation).

    Common random numbers: the draw moves smoothly with ``n`` and ``p``, so the calibration of
    the start population converges and repeated runs are identical.
    """
    mean = n * p
    sd = np.sqrt(np.maximum(mean * (1 - p), 0.0))
    return np.clip(np.rint(mean + sd * z), 0, n).astype(np.int64)


def _split_jittered(total: np.ndarray, weights: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Split totals over the last axis with weights perturbed by fixed noise (exact sums)."""
    return split_total(np.maximum(total, 0), weights * np.exp(0.15 * z) + 1e-12)


def _simulate_once(units: Units, scale: np.ndarray, job_growth: np.ndarray) -> Population:
    rng = np.random.default_rng([SEED, 1])
    n, n_years = len(units), len(SIM_YEARS)
    cells = (n, 2, len(AGES))
    # Fixed noise for every draw (drawn up front so the stream never depends on the counts).
    z = {key: rng.standard_normal((n_years, *cells))
         for key in ("deaths", "emigration", "out", "immigrant_out", "in", "immigration")}
    zu = {key: rng.standard_normal((n_years, n))
          for key in ("net", "immigration", "births", "boys", "infant", "b_out", "b_death",
                      "c_out")}
    residual_county = rng.normal(0, 2.0, n)
    imm_factor = np.exp(rng.normal(0, 0.3, n)) * (0.55 + 0.5 * units.urbanity)
    fert_factor = np.exp(rng.normal(0, 0.06, n)) * (1.06 - 0.1 * units.urbanity)
    b_start = np.exp(rng.normal(0, 0.25, n))

    u = units.urbanity
    pop = np.rint(scale[:, None, None] * _initial_structure(u)).astype(np.int64)
    out_prob = np.minimum(0.9, _out_profile(u)[:, None, :])
    in_tilt = _in_tilt(u)[:, None, :]
    in_national = units.agg[0] > 0  # units that together make up Norway (no double counting)
    absorbers = in_national & ~units.is_municipality
    imm_profile = _immigration_profile()[None]
    emig = _emigration_profile()
    residual = np.where(units.is_municipality,
                        [attractiveness(c) if len(c) == 4 else 0.0 for c in units.codes],
                        residual_county)
    imm_out_rate = 0.07 + 0.12 * (1 - u)
    retention = units.codes.index(PLANTED_RETENTION["region"]) \
        if PLANTED_RETENTION["region"] in units.codes else None
    adult = ((AGES >= 18) & (AGES <= 50)).astype(float)
    b_stock = np.rint(pop.sum(axis=(1, 2)) * 0.04 * (0.5 + 1.6 * u) * b_start).astype(np.int64)
    c_stock = np.rint(0.25 * b_stock).astype(np.int64)
    pops, bs, cs, b_outs = [pop], [b_stock], [c_stock], []
    comps: dict[str, list[np.ndarray]] = {k: [] for k in POPULATION_COMPONENTS}
    for k, year in enumerate(SIM_YEARS):
        total = pop.sum(axis=(1, 2))
        b_share = b_stock / np.maximum(total, 1)
        deaths = _draw(pop, mortality(year)[None], z["deaths"][k])
        rest = pop - deaths
        emig_prob = np.minimum(0.5, emig[None, None, :] * (1 + 3 * b_share)[:, None, None])
        emigrants = _draw(rest, emig_prob, z["emigration"][k])
        rest = rest - emigrants
        out = _draw(rest, out_prob, z["out"][k])
        rest = rest - out
        rate = imm_out_rate.copy()
        if retention is not None and year >= PLANTED_RETENTION["from_year"]:
            rate[retention] += PLANTED_RETENTION["immigrant_outflow_rate_change"]
        b_out = _draw(b_stock, rate, zu["b_out"][k])
        weights = (rest * adult).reshape(n, -1).astype(float)
        b_out_cells = _split_jittered(b_out, weights + 1e-9,
                                      z["immigrant_out"][k].reshape(n, -1)).reshape(cells)
        b_out_cells = np.minimum(b_out_cells, rest)
        out = out + b_out_cells
        rest = rest - b_out_cells
        net_rate = np.where(
            units.is_municipality,
            NET_MIGRATION_INTERCEPT + NET_MIGRATION_JOB_GROWTH * job_growth[k]
            + NET_MIGRATION_LOG_POPULATION * np.log(np.maximum(total, 1)),
            0.0) + residual + NET_MIGRATION_NOISE_SD * zu["net"][k]
        if retention is not None and year >= PLANTED_RETENTION["from_year"]:
            net_rate[retention] += PLANTED_RETENTION["net_domestic_migration_per_1000"]
        out_total = out.sum(axis=(1, 2))
        in_total = np.maximum(0, out_total + np.rint(net_rate * total / 1000))
        # Moves within Norway net to zero nationally: the synthetic counties absorb the balance.
        excess = (in_total - out_total)[in_national].sum()
        if absorbers.any():
            weight = total[absorbers] / total[absorbers].sum()
            in_total[absorbers] -= np.rint(excess * weight)
            in_total[np.flatnonzero(absorbers)[0]] -= (in_total - out_total)[in_national].sum()
            in_total = np.maximum(in_total, 0)
        # In-movers have the age mix of all domestic out-movers, tilted by the unit's pull, so
        # moving never turns old people into young ones at the national level.
        in_profile = out[in_national].sum(axis=0)[None] * in_tilt + 1e-9
        movers_in = _split_jittered(in_total.astype(np.int64), in_profile.reshape(n, -1),
                                    z["in"][k].reshape(n, -1)).reshape(cells)
        imm_mean = _interp(_IMMIGRATION_PER_1000, year) * imm_factor * total / 1000
        imm_total = np.maximum(0, np.rint(imm_mean + np.sqrt(imm_mean) * zu["immigration"][k])
                               ).astype(np.int64)
        immigrants = _split_jittered(imm_total, np.broadcast_to(imm_profile, cells)
                                     .reshape(n, -1), z["immigration"][k].reshape(n, -1)
                                     ).reshape(cells)
        expected_births = (pop[:, 1, :] * fertility(year)[None]).sum(axis=1) * fert_factor
        births = np.maximum(0, np.rint(expected_births + np.sqrt(expected_births)
                                       * zu["births"][k])).astype(np.int64)
        boys = _draw(births, 0.514, zu["boys"][k])
        newborn = np.stack([boys, births - boys], axis=1)
        infant_deaths = np.minimum(newborn, np.stack([
            _draw(boys, 0.0022, zu["infant"][k]), _draw(births - boys, 0.0018, zu["infant"][k])],
            axis=1))
        survivors = rest + movers_in + immigrants
        nxt = np.zeros_like(pop)
        nxt[:, :, 1:] = survivors[:, :, :-1]
        nxt[:, :, -1] += survivors[:, :, -1]
        nxt[:, :, 0] = newborn - infant_deaths
        # Immigrant stocks: arrivals, domestic moves, emigration and deaths of immigrants.
        # Immigrants moving within Norway arrive where movers arrive, in proportion.
        in_counts = movers_in.sum(axis=(1, 2))
        b_in = np.rint(b_out[in_national].sum() * in_counts / max(in_counts[in_national].sum(), 1))
        b_next = (b_stock - b_out + b_in + np.rint(0.85 * immigrants.sum(axis=(1, 2)))
                  - np.rint(0.6 * emigrants.sum(axis=(1, 2)))
                  - _draw(b_stock, 0.003, zu["b_death"][k]))
        b_next = np.clip(b_next, 0, nxt.sum(axis=(1, 2))).astype(np.int64)
        c_next = (c_stock + np.rint(births * np.minimum(0.6, b_share))
                  - _draw(c_stock, 0.005, zu["c_out"][k]))
        c_next = np.clip(c_next, 0, nxt.sum(axis=(1, 2)) - b_next).astype(np.int64)
        comps["Folkemengde"].append(total)
        comps["Levendefodte"].append(births)
        comps["Dode"].append(deaths.sum(axis=(1, 2)) + infant_deaths.sum(axis=1))
        comps["Innflytting"].append(movers_in.sum(axis=(1, 2)))
        comps["Utflytting"].append(out.sum(axis=(1, 2)))
        comps["Innvandring"].append(immigrants.sum(axis=(1, 2)))
        comps["Utvandring"].append(emigrants.sum(axis=(1, 2)))
        comps["Folketilvekst"].append(nxt.sum(axis=(1, 2)) - total)
        pop, b_stock, c_stock = nxt, b_next, c_next
        pops.append(pop)
        bs.append(b_stock)
        cs.append(c_stock)
        b_outs.append(b_out)
    return Population(np.stack(pops), {k: np.stack(v).astype(np.int64) for k, v in comps.items()},
                      np.stack(bs), np.stack(cs), np.stack(b_outs))


def simulate_population(units: Units, jobs: Jobs) -> Population:
    """Simulate 2000–2026, calibrating the 2000 scale so 1 January 2024 lands near the targets."""
    growth = jobs.growth_pct()
    scale = units.target / 1.2
    for _ in range(5):
        sim = _simulate_once(units, scale, growth)
        scale = scale * units.target / np.maximum(sim.year(2024).sum(axis=(1, 2)), 1)
    return _simulate_once(units, scale, growth)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

def split_total(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer totals over the last axis of ``weights`` exactly (largest remainders)."""
    total = np.asarray(total, dtype=np.int64)
    w = weights / weights.sum(axis=-1, keepdims=True)
    exact = total[..., None] * w
    floor = np.floor(exact).astype(np.int64)
    remainder = total - floor.sum(axis=-1)
    order = np.argsort(-(exact - floor), axis=-1, kind="stable")
    ranks = np.argsort(order, axis=-1, kind="stable")
    return floor + (ranks < remainder[..., None])


def percent(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """100 · numerator / denominator, one decimal; NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(denominator > 0, 100.0 * numerator / denominator, np.nan), 1)


def _age_group_index(group: str) -> np.ndarray:
    low, high = (int(x) for x in group.split("-"))
    return (AGES >= low) & (AGES <= high)


def _group_population(pop: np.ndarray, groups: list[str]) -> np.ndarray:
    """Sum the last (age) axis of ``pop`` into age groups such as ``15-19``."""
    return np.stack([pop[..., _age_group_index(g)].sum(axis=-1) for g in groups], axis=-1)


def _year_index(years: Iterable[int]) -> list[int]:
    return [y - SIM_FIRST_YEAR for y in years]


# ---------------------------------------------------------------------------------------------
# JSON-stat documents
# ---------------------------------------------------------------------------------------------

_MEASURES = {
    "Personer1": ("Personer", "personer", 0),
    "Flytting": ("Flyttinger", "flyttinger", 0),
    "AndelBefolkning": ("Andel av befolkningen (prosent)", "prosent", 1),
    "Personer": ("Personer", "personer", 0),
    "Prosent": ("Prosent", "prosent", 1),
    "PersonerProsent": ("Personer 16 år og over (prosent)", "prosent", 1),
    "Bosatte": ("Bosatte (personer)", "personer", 0),
    "BosatteProsent": ("Bosatte (prosent)", "prosent", 1),
    "SysselEtterArbste": ("Sysselsatte personer etter arbeidssted", "personer", 0),
    "Sysselsatte": ("Sysselsatte", "personer", 0),
    "SysselsatteProsent": ("Sysselsatte i prosent av befolkningen", "prosent", 1),
    **{code: (label, "personer", 0) for code, label in POPULATION_COMPONENTS.items()},
    **{code: (label, "personer", 0) for code, label in PROJECTION_ALTERNATIVES.items()},
}

_DIMENSION_LABELS = {
    "Region": "region", "Kjonn": "kjønn", "Alder": "alder", "ContentsCode": "statistikkvariabel",
    "Tid": "år", "Fraflyttingsregion": "fraflyttingsregion", "TilflyttRegion": "tilflyttingsregion",
    "InnvandrKat": "innvandringskategori", "Landbakgrunn": "landbakgrunn",
    "UtdProgram": "utdanningsprogram", "FullforingVGO": "fullføringsgrad",
    "HovArbStyrkStatus": "arbeidsstyrkestatus", "NACE2007": "næring (SN2007)",
    "Nivaa": "nivå",
}

_CODE_LABELS = {
    "Kjonn": SEXES,
    "InnvandrKat": {**BACKGROUNDS, "B": "Innvandrere",
                    "C": "Norskfødte med innvandrerforeldre"},
    "Landbakgrunn": {"999": "I alt"},
    "UtdProgram": STUDY_PROGRAMMES,
    "FullforingVGO": COMPLETION_STATUS,
    "HovArbStyrkStatus": {"NEET": "Utenfor arbeid, utdanning og opplæring (NEET)",
                          "NEET2": "Utenfor arbeid, utdanning og opplæring",
                          "TOT3": "I alt"},
    "NACE2007": {**INDUSTRIES, "00-99": "Alle næringer"},
    "Nivaa": EDUCATION_LEVELS,
}


def _code_label(dim: str, code: str, names: dict[str, str]) -> str:
    if dim in ("Region", "Fraflyttingsregion", "TilflyttRegion"):
        return names.get(code, code)
    if dim == "ContentsCode":
        return _MEASURES[code][0]
    if dim == "Alder":
        if code in ONE_YEAR_AGES:
            return "105 år eller eldre" if code == "105+" else f"{int(code)} år"
        return f"{code} år"
    return _CODE_LABELS.get(dim, {}).get(code, code)


@dataclass
class TableData:
    """Values of one table in the registry's dimension order, ready to write."""

    spec: TableSpec
    categories: dict[str, list[str]]  # dimension id -> codes, in spec.dimensions order
    values: np.ndarray  # float, shape = sizes; NaN = null
    status: dict[int, str]  # flat position -> SSB symbol
    notes: list[str]


def _value_list(values: np.ndarray, decimals: np.ndarray) -> list[Any]:
    flat = values.ravel()
    dec = decimals.ravel()
    missing = np.isnan(flat)
    if not dec.any():
        ints = np.rint(np.where(missing, 0, flat)).astype(np.int64).tolist()
        if not missing.any():
            return ints
        return [None if m else v for v, m in zip(ints, missing.tolist(), strict=True)]
    rounded = np.where(dec > 0, np.round(flat, 1), np.rint(flat)).tolist()
    return [None if m else (v if d else int(v))
            for v, d, m in zip(rounded, dec.tolist(), missing.tolist(), strict=True)]


def document(data: TableData, names: dict[str, str]) -> dict[str, Any]:
    """The JSON-stat 2.0 document of one table, shaped like a PxWebApi v2 response."""
    spec = data.spec
    ids = list(spec.dimensions)
    if list(data.categories) != ids:
        raise ValueError(f"table {spec.table_id}: dimensions {list(data.categories)} differ "
                         f"from pipeline/sources/tables.py {ids}")
    sizes = [len(data.categories[d]) for d in ids]
    if list(data.values.shape) != sizes:
        raise ValueError(f"table {spec.table_id}: values have shape {data.values.shape}, "
                         f"dimensions give {sizes}")
    dimension: dict[str, Any] = {}
    for dim in ids:
        codes = data.categories[dim]
        category: dict[str, Any] = {
            "index": {code: i for i, code in enumerate(codes)},
            "label": {code: _code_label(dim, code, names) for code in codes},
        }
        if dim == "ContentsCode":
            category["unit"] = {code: {"base": _MEASURES[code][1],
                                       "decimals": _MEASURES[code][2]} for code in codes}
        dimension[dim] = {"label": _DIMENSION_LABELS.get(dim, dim.lower()),
                          "category": category}
    measure_axis = ids.index("ContentsCode")
    dec_shape = [1] * len(ids)
    dec_shape[measure_axis] = sizes[measure_axis]
    decimals = np.array([_MEASURES[c][2] for c in data.categories["ContentsCode"]])
    decimals = np.broadcast_to(decimals.reshape(dec_shape), data.values.shape)
    # Every null carries a symbol; one without a planted reason is "not applicable".
    status = {**_status_where(np.isnan(data.values), "."), **data.status}
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"{spec.table_id}: {spec.title}",
        "source": SOURCE,
        "updated": UPDATED,
        "note": [NOTE, *data.notes],
        "id": ids,
        "size": sizes,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"],
                 "geo": list(spec.region_dimensions)},
        "dimension": dimension,
        "value": _value_list(data.values, decimals),
        **({"status": {str(pos): sym for pos, sym in sorted(status.items())}} if status else {}),
        "extension": {"px": {"tableid": spec.table_id, "decimals": int(decimals.max()),
                             "language": "no", "contents": spec.title},
                      "innsikt": {"demo": True, "seed": SEED}},
    }


def _status_where(mask: np.ndarray, symbol: str) -> dict[int, str]:
    return {int(pos): symbol for pos in np.flatnonzero(mask.ravel())}


def _categories(spec: TableSpec, **given: list[str]) -> dict[str, list[str]]:
    """Dimension codes in the registry's order: ``given`` for Region/Tid etc., else spec.codes."""
    out = {}
    for dim in spec.dimensions:
        if dim in given:
            out[dim] = given[dim]
        elif dim in spec.codes:
            out[dim] = list(spec.codes[dim])
        else:
            raise ValueError(f"table {spec.table_id}: no codes for dimension {dim!r}")
    return out


def _arrange(spec: TableSpec, array: np.ndarray, axes: list[str]) -> np.ndarray:
    """Transpose ``array`` whose axes are named ``axes`` into the registry's dimension order."""
    order = [axes.index(dim) for dim in spec.dimensions]
    return np.transpose(array, order)


def _years(spec: TableSpec, last: int = LAST_YEAR) -> list[int]:
    return list(range(spec.first_year, last + 1))


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class World:
    """Everything simulated once and shared by the table builders."""

    units: Units
    jobs: Jobs
    population: Population
    neet: np.ndarray  # (years 2000.., units, 2) NEET persons 15–29 by sex (men, women)


def _spec(table_id: str) -> TableSpec:
    return next(s for s in TABLES.values() if s.table_id == table_id)


def table_population(world: World) -> TableData:
    """07459: population 1 January by sex and one-year age."""
    spec = _spec("07459")
    years = _years(spec)
    pop = aggregate(world.units, world.population.pop[_year_index(years)], axis=1)
    # pop: (year, region, sex, age) -> add ContentsCode axis
    arr = _arrange(spec, pop[..., None].astype(float), ["Tid", "Region", "Kjonn", "Alder",
                                                        "ContentsCode"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def table_population_change(world: World) -> TableData:
    """06913: Folkemengde 1 January and the components of change during the year."""
    spec = _spec("06913")
    years = _years(spec)
    idx = _year_index(years)
    comps = world.population.components
    arr = np.stack([aggregate(world.units, comps[c][idx], axis=1)
                    for c in spec.codes["ContentsCode"]])  # (measure, year, region)
    arr = _arrange(spec, arr.astype(float), ["ContentsCode", "Tid", "Region"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, ["Innflytting og utflytting for fylker og hele landet "
                                           "er summen over kommunene (demo)."])


def table_migration_flows(world: World) -> TableData:
    """13864: moves between covered municipalities, within each one's domestic in/out totals."""
    spec = _spec("13864")
    rng = np.random.default_rng([SEED, 4])
    units = world.units
    munis = np.flatnonzero(units.is_municipality)
    codes = [units.codes[j] for j in munis]
    years = _years(spec)
    comps = world.population.components
    size = units.target[munis]
    county = np.array([units.county[j] for j in munis])
    same = county[:, None] == county[None, :]
    gravity = (size[:, None] * size[None, :]) ** 0.8 * np.where(same, 12.0, 1.0)
    np.fill_diagonal(gravity, 0.0)
    rest_of_norway = (5.5e6 - size) ** 0.8 * size ** 0.8 * 2.5
    flows = np.zeros((len(years), len(munis), len(munis)))
    for k, year in enumerate(years):
        out = comps["Utflytting"][year - SIM_FIRST_YEAR][munis]
        inn = comps["Innflytting"][year - SIM_FIRST_YEAR][munis]
        p = np.concatenate([gravity, rest_of_norway[:, None]], axis=1)
        draws = rng.multinomial(out, p / p.sum(axis=1, keepdims=True))[:, :-1].astype(float)
        col = draws.sum(axis=0)
        factor = np.where(col > inn, inn / np.maximum(col, 1), 1.0)
        flows[k] = np.floor(draws * factor[None, :])
    diagonal = np.broadcast_to(np.eye(len(munis), dtype=bool), flows.shape)
    flows[diagonal] = np.nan
    arr = _arrange(spec, flows[..., None], ["Tid", "Fraflyttingsregion", "TilflyttRegion",
                                            "ContentsCode"])
    status_mask = np.isnan(arr)
    cats = _categories(spec, Fraflyttingsregion=codes, TilflyttRegion=codes,
                       Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, _status_where(status_mask, "."),
                     ["Flyttinger mellom kommunene i demodataene; flytting til og fra resten av "
                      "landet er ikke med."])


def table_immigrants(world: World) -> TableData:
    """09817: immigrants (B) and Norwegian-born to immigrant parents (C), persons and share."""
    spec = _spec("09817")
    years = _years(spec)
    idx = _year_index(years)
    pop = aggregate(world.units, world.population.pop[idx].sum(axis=(2, 3)), axis=1)
    stocks = {"B": aggregate(world.units, world.population.immigrants[idx], axis=1),
              "C": aggregate(world.units, world.population.norwegian_born[idx], axis=1)}
    cats_b = spec.codes["InnvandrKat"]
    persons = np.stack([stocks[c] for c in cats_b]).astype(float)  # (cat, year, region)
    share = percent(persons, pop[None])
    measures = {"Personer1": persons, "AndelBefolkning": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, cat, year, region)
    arr = arr[:, :, None]  # Landbakgrunn
    arr = _arrange(spec, arr, ["ContentsCode", "InnvandrKat", "Landbakgrunn", "Tid", "Region"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def _county_codes(units: Units) -> list[str]:
    return [c for c in units.out_codes if len(c) <= 2]


def _county_agg(units: Units, x: np.ndarray, axis: int) -> np.ndarray:
    keep = [i for i, c in enumerate(units.out_codes) if len(c) <= 2]
    return np.take(aggregate(units, x, axis=axis), keep, axis=axis)


_COUNTY_EFFECT = {"03": 0.0, "11": -1.3, "15": -0.9, "18": -0.2, "31": 1.5, "32": 0.0,
                  "33": 0.5, "34": 0.3, "39": 1.5, "40": 0.9, "42": 0.6, "46": -0.8,
                  "50": 0.0, "55": -0.8, "56": 0.4}


def _cohorts(spec: TableSpec) -> list[int]:
    return list(range(spec.first_year, LAST_YEAR - 5 + 1))


def _completion_counts(world: World, rng: np.random.Generator, starts: list[int],
                       ) -> np.ndarray:
    """Completion counts by cohort, unit, sex (men, women), programme (general, vocational)
    and status 1–4."""
    units = world.units
    status_codes = list(COMPLETION_STATUS)
    entrants = np.stack([world.population.year(s)[:, :, 15] for s in starts])  # (c, u, sex)
    entrants = np.rint(entrants * 0.97).astype(np.int64)
    vocational = rng.binomial(entrants, np.array([0.56, 0.40])[None, None])
    by_prog = np.stack([entrants - vocational, vocational], axis=-1)  # (c, u, sex, prog)
    effect = np.array([_COUNTY_EFFECT.get(c, 0.0) for c in units.county]) / 100
    t = np.array(starts, dtype=float)[:, None, None, None] - 2006
    complete = (np.array([0.845, 0.66])[None, None, None, :] + np.array([0.005, 0.006]) * t
                + np.array([-0.02, 0.02])[None, None, :, None] - effect[None, :, None, None]
                + rng.normal(0, 0.01, (1, len(units), 1, 1)))
    still = np.broadcast_to(np.array([0.03, 0.07]), complete.shape)
    failed = np.broadcast_to(np.array([0.03, 0.08]), complete.shape)
    complete = np.minimum(complete, 0.98 - still - failed)
    dropped = 1 - complete - still - failed
    probs = np.stack([complete, still, failed, dropped], axis=-1)
    counts = rng.multinomial(by_prog, probs)
    assert counts.shape[-1] == len(status_codes)
    return counts


def table_completion(world: World) -> TableData:
    """12960: upper-secondary completion within five years by county, sex and programme."""
    spec = _spec("12960")
    rng = np.random.default_rng([SEED, 5])
    starts = _cohorts(spec)
    counts = _completion_counts(world, rng, starts)  # (c, u, sex, prog, status)
    counts = _county_agg(world.units, counts, axis=1)
    sexes = np.concatenate([counts.sum(axis=2, keepdims=True), counts], axis=2)  # 0, 1, 2
    full = np.concatenate([sexes.sum(axis=3, keepdims=True), sexes], axis=3)  # 00, 01, 02
    share = percent(full, full.sum(axis=-1, keepdims=True))
    sex_pos = {"0": 0, "1": 1, "2": 2}
    prog_pos = {"00": 0, "01": 1, "02": 2}
    full = full[:, :, [sex_pos[s] for s in spec.codes["Kjonn"]]]
    full = full[:, :, :, [prog_pos[p] for p in spec.codes["UtdProgram"]]]
    share = share[:, :, [sex_pos[s] for s in spec.codes["Kjonn"]]]
    share = share[:, :, :, [prog_pos[p] for p in spec.codes["UtdProgram"]]]
    measures = {"Personer": full.astype(float), "Prosent": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])
    arr = _arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "UtdProgram",
                               "FullforingVGO"])
    cats = _categories(spec, Region=_county_codes(world.units),
                       Tid=[f"{s}-{s + 5}" for s in starts])
    return TableData(spec, cats, arr, {}, ["Kull etter startår; status fem år etter start."])


def table_completion_background(world: World) -> TableData:
    """14883: completion by immigrant background (B, C, rest E; 0 = all) by county."""
    spec = _spec("14883")
    rng = np.random.default_rng([SEED, 6])
    units = world.units
    starts = _cohorts(spec)
    entrants = np.stack([world.population.year(s)[:, :, 15].sum(axis=1) for s in starts])
    entrants = np.rint(entrants * 0.97).astype(np.int64)  # (c, u)
    t = np.array(starts, dtype=float)[:, None] - 2010
    u = units.urbanity[None]
    b_share = (0.06 + 0.004 * t) * (0.5 + u)
    c_share = (0.03 + 0.003 * t) * (0.5 + u)
    groups = rng.multinomial(entrants, np.stack([b_share, c_share, 1 - b_share - c_share],
                                                axis=-1))  # (c, u, [B, C, E])
    effect = np.array([_COUNTY_EFFECT.get(c, 0.0) for c in units.county]) / 100
    base = 0.80 + 0.006 * t - effect[None]
    complete = np.stack([base - 0.20, base - 0.06, base + 0.01], axis=-1)
    still = np.broadcast_to(np.array([0.07, 0.05, 0.04]), complete.shape)
    failed = np.broadcast_to(np.array([0.07, 0.05, 0.05]), complete.shape)
    complete = np.minimum(complete, 0.98 - still - failed)
    probs = np.stack([complete, still, failed, 1 - complete - still - failed], axis=-1)
    counts = rng.multinomial(groups, probs)  # (c, u, group, status)
    counts = _county_agg(units, counts, axis=1)
    by_group = {"B": counts[:, :, 0], "C": counts[:, :, 1], "E": counts[:, :, 2],
                "0": counts.sum(axis=2)}
    persons = np.stack([by_group[g] for g in spec.codes["InnvandrKat"]], axis=2)
    share = percent(persons, persons.sum(axis=-1, keepdims=True))
    measures = {"Personer": persons.astype(float), "Prosent": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, c, r, g, s)
    arr = arr[..., None, None]  # UtdProgram, Kjonn
    arr = _arrange(spec, arr, ["ContentsCode", "Tid", "Region", "InnvandrKat", "FullforingVGO",
                               "UtdProgram", "Kjonn"])
    cats = _categories(spec, Region=_county_codes(units), Tid=[f"{s}-{s + 5}" for s in starts])
    return TableData(spec, cats, arr, {}, ["Kull etter startår; status fem år etter start."])


_NEET_COMMON = {2015: 0.0, 2016: 0.3, 2017: 0.1, 2018: -0.1, 2019: -0.3, 2020: 1.0, 2021: 0.4,
                2022: -0.5, 2023: -0.4, 2024: 0.0, 2025: 0.3}
_NEET_LEVEL = {"4204": 10.4}


def simulate_neet(units: Units, population: Population) -> np.ndarray:
    """NEET persons 15–29 by year (SIM_YEARS), unit and sex, with the planted programme effect.

    Share (pp) = unit level + sex gap + common year shock + noise (+ effect); the count is the
    share of the unit's population 15–29 of that sex on 1 January.
    """
    rng = np.random.default_rng([SEED, 3])
    n = len(units)
    level = 9.0 + rng.normal(0, 1.2, n) + np.array([_COUNTY_EFFECT.get(c, 0.0)
                                                     for c in units.county])
    for code, value in _NEET_LEVEL.items():
        if code in units.codes:
            level[units.codes.index(code)] = value
    years = np.array(SIM_YEARS)
    common = np.array([_interp(_NEET_COMMON, y) if y >= 2015 else 0.0 for y in years])
    share = (level[None, :, None] + np.array([0.6, -0.6])[None, None, :]
             + common[:, None, None] + rng.normal(0, 0.25, (len(years), n, 2)))
    region = PLANTED_NEET_EFFECT["region"]
    if region in units.codes:
        after = years >= PLANTED_NEET_EFFECT["from_year"]
        share[after, units.codes.index(region), :] += PLANTED_NEET_EFFECT["pp"]
    share = np.clip(share, 1.0, 30.0)
    young = population.pop[: len(years), :, :, 15:30].sum(axis=-1)  # (year, unit, sex)
    return np.rint(young * share / 100).astype(np.int64)


def table_neet(world: World) -> TableData:
    """13556: NEET persons 15–29 and percent of the population 15–29, by sex."""
    spec = _spec("13556")
    years = _years(spec)
    idx = _year_index(years)
    neet = aggregate(world.units, world.neet[idx], axis=1)  # (year, region, sex)
    young = aggregate(world.units, world.population.pop[idx][:, :, :, 15:30].sum(axis=-1),
                      axis=1)
    neet = np.concatenate([neet.sum(axis=2, keepdims=True), neet], axis=2)
    young = np.concatenate([young.sum(axis=2, keepdims=True), young], axis=2)
    sex_pos = [{"0": 0, "1": 1, "2": 2}[s] for s in spec.codes["Kjonn"]]
    neet, young = neet[:, :, sex_pos], young[:, :, sex_pos]
    measures = {"Bosatte": neet.astype(float), "BosatteProsent": percent(neet, young)}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, year, region, sex)
    is_muni = np.array([len(c) == 4 for c in world.units.out_codes])
    small = ((young < SMALL_CELL_POPULATION) & is_muni[None, :, None]
             & (np.array(spec.codes["Kjonn"]) != "0")[None, None, :])
    arr = np.where(small[None], np.nan, arr)
    arr = arr[:, :, :, :, None, None]  # HovArbStyrkStatus, Alder
    arr = _arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "HovArbStyrkStatus",
                               "Alder"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, _status_where(np.isnan(arr), ":"), [])


def table_neet_county(world: World) -> TableData:
    """13563: NEET2 (outside work, education and training) and TOT3 (everyone) by county and
    age group 15–29 / 30–61; TOT3 persons = the age group's population, percent 100."""
    spec = _spec("13563")
    rng = np.random.default_rng([SEED, 8])
    units = world.units
    years = _years(spec)
    idx = _year_index(years)
    pop = world.population.pop[idx]
    young_total = pop[:, :, :, 15:30].sum(axis=(2, 3))
    adult_total = pop[:, :, :, 30:62].sum(axis=(2, 3))
    effect = np.array([_COUNTY_EFFECT.get(c, 0.0) for c in units.county])
    common = np.array([_interp(_NEET_COMMON, y) for y in years])
    adult_share = (16.0 + 1.5 * effect[None] + 0.5 * common[:, None]
                   + rng.normal(0, 0.2, (len(years), len(units))))
    neet2 = {"15-29": world.neet[idx].sum(axis=2),
             "30-61": np.rint(adult_total * adult_share / 100).astype(np.int64)}
    total = {"15-29": young_total, "30-61": adult_total}
    persons = np.stack([np.stack([(neet2 if s == "NEET2" else total)[a]
                                  for a in spec.codes["Alder"]])
                        for s in spec.codes["HovArbStyrkStatus"]])  # (status, age, year, unit)
    persons = _county_agg(units, persons, axis=3)
    denominators = np.stack([_county_agg(units, total[a], axis=1) for a in spec.codes["Alder"]])
    measures = {"Bosatte": persons.astype(float),
                "BosatteProsent": percent(persons, denominators[None])}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])
    arr = _arrange(spec, arr, ["ContentsCode", "HovArbStyrkStatus", "Alder", "Tid", "Region"])
    cats = _categories(spec, Region=_county_codes(units), Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def table_employment_by_industry(world: World) -> TableData:
    """13470: employed persons by place of work and industry (17 groups)."""
    spec = _spec("13470")
    years = _years(spec)
    jobs = aggregate(world.units, world.jobs.by_industry[_year_index(years)], axis=1)
    pos = [world.jobs.industries.index(k) for k in spec.codes["NACE2007"]]
    arr = jobs[:, :, pos][..., None].astype(float)  # (year, region, industry, measure)
    arr = _arrange(spec, arr, ["Tid", "Region", "NACE2007", "ContentsCode"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


_EMPLOYMENT_RATE = {
    "1": [33, 70, 80, 85, 87, 88, 87, 85, 80, 66, 28, 10],
    "2": [36, 70, 77, 80, 83, 85, 85, 83, 77, 58, 20, 6],
}
_EMPLOYMENT_COMMON = {2008: 0.8, 2009: -0.8, 2010: -1.0, 2013: -0.5, 2016: -1.2, 2019: 0.0,
                      2020: -1.2, 2021: 0.0, 2022: 1.2, 2025: 1.0}


def table_employment_by_age(world: World) -> TableData:
    """07984: employed by place of work, all industries, by sex and age group; the cells add
    up exactly to the 13470 total of the same region and year."""
    spec = _spec("07984")
    years = _years(spec)
    idx = _year_index(years)
    groups = spec.codes["Alder"]
    sexes = spec.codes["Kjonn"]
    pop = _group_population(world.population.pop[idx], groups)  # (year, unit, sex, group)
    rate = np.stack([np.array(_EMPLOYMENT_RATE[s], dtype=float) for s in ("1", "2")])
    weights = (pop * rate[None, None]).reshape(len(years), len(world.units), -1) + 1e-9
    cells = split_total(world.jobs.total[idx], weights).reshape(pop.shape)
    cells = aggregate(world.units, cells, axis=1)
    sex_pos = [{"1": 0, "2": 1}[s] for s in sexes]
    arr = cells[:, :, sex_pos][..., None, None].astype(float)  # NACE2007, ContentsCode
    arr = _arrange(spec, arr, ["Tid", "Region", "Kjonn", "Alder", "NACE2007", "ContentsCode"])
    cats = _categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def table_employment_rate(world: World) -> TableData:
    """06445: employed residents by sex and age group, persons and percent of the population."""
    spec = _spec("06445")
    rng = np.random.default_rng([SEED, 9])
    units = world.units
    years = _years(spec)
    idx = _year_index(years)
    groups = spec.codes["Alder"]
    pop = _group_population(world.population.pop[idx], groups)  # (year, unit, sex, group)
    rate = np.stack([np.array(_EMPLOYMENT_RATE[s], dtype=float) for s in ("1", "2")])
    offset = (rng.normal(0, 1.5, len(units))
              - 0.8 * np.array([_COUNTY_EFFECT.get(c, 0.0) for c in units.county]))
    common = np.array([_interp(_EMPLOYMENT_COMMON, y) for y in years])
    women_trend = np.array([0.0, 0.1])[None, :] * (np.array(years)[:, None] - 2008)
    share = (rate[None, None] + offset[None, :, None, None] + common[:, None, None, None]
             + women_trend[:, None, :, None]
             + rng.normal(0, 0.4, (len(years), len(units), 1, 1)))
    share = np.clip(share, 1.0, 97.0)
    employed = aggregate(units, np.rint(pop * share / 100).astype(np.int64), axis=1)
    pop = aggregate(units, pop, axis=1)
    sex_pos = [{"1": 0, "2": 1}[s] for s in spec.codes["Kjonn"]]
    employed, pop = employed[:, :, sex_pos], pop[:, :, sex_pos]
    measures = {"Sysselsatte": employed.astype(float),
                "SysselsatteProsent": percent(employed, pop)}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])
    arr = _arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "Alder"])
    cats = _categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


_EDUCATION_SHARES = {  # national shares (%) in 2004 and 2025
    "01": (31.0, 24.0), "02a": (42.0, 36.0), "11": (2.0, 3.5), "03a": (19.0, 24.0),
    "04a": (5.0, 11.0), "09a": (1.0, 1.5),
}
_EDUCATION_URBAN = {"01": -0.35, "02a": -0.1, "11": 0.0, "03a": 0.25, "04a": 1.0, "09a": 0.3}
_EDUCATION_BOOST = {("3303", "04a"): 0.3, ("3303", "03a"): 0.1}


def table_education(world: World) -> TableData:
    """09429: persons 16 and over by education level, persons and percent; the newest year is
    not yet published (``..``)."""
    spec = _spec("09429")
    rng = np.random.default_rng([SEED, 10])
    units = world.units
    years = _years(spec)
    idx = _year_index(years)
    levels = spec.codes["Nivaa"]
    adults = world.population.pop[idx][:, :, :, 16:].sum(axis=(2, 3))  # (year, unit)
    t = (np.array(years, dtype=float) - 2004) / (2025 - 2004)
    start = np.log([_EDUCATION_SHARES[k][0] for k in levels])
    end = np.log([_EDUCATION_SHARES[k][1] for k in levels])
    tilt = np.array([_EDUCATION_URBAN[k] for k in levels])
    boost = np.array([[_EDUCATION_BOOST.get((c, k), 0.0) for k in levels] for c in units.codes])
    log_share = (start[None, None] + (end - start)[None, None] * t[:, None, None]
                 + tilt[None, None] * (units.urbanity[None, :, None] - 0.5) + boost[None]
                 + rng.normal(0, 0.08, (1, len(units), len(levels)))
                 + rng.normal(0, 0.01, (len(years), len(units), len(levels))))
    persons = split_total(adults, np.exp(log_share))  # (year, unit, level)
    persons = aggregate(units, persons, axis=1)
    share = percent(persons, persons.sum(axis=-1, keepdims=True))
    measures = {"Personer": persons.astype(float), "PersonerProsent": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, year, region, lvl)
    table_id, year = NOT_YET_PUBLISHED
    unpublished = np.zeros(arr.shape, dtype=bool)
    if table_id == spec.table_id and year in years:
        unpublished[:, years.index(year)] = True
    arr = np.where(unpublished, np.nan, arr)[..., None]  # Kjonn
    unpublished = unpublished[..., None]
    order = ["ContentsCode", "Tid", "Region", "Nivaa", "Kjonn"]
    arr = _arrange(spec, arr, order)
    mask = _arrange(spec, unpublished, order)
    cats = _categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, _status_where(mask, ".."),
                     [f"Tall for {year} er ikke publisert ennå (demo)."])


_PROJECTION_TFR = {"MMMM": 1.55, "HHMH": 1.80, "LLML": 1.30}
_PROJECTION_MORTALITY_GAIN = {"MMMM": 0.012, "HHMH": 0.016, "LLML": 0.008}
_PROJECTION_IMMIGRATION = {"MMMM": 0.0, "HHMH": 2.5, "LLML": -2.5}  # per 1 000, added
_PROJECTION_ABROAD_FACTOR = 0.6  # net immigration ahead relative to 2015–2024


def table_projection(world: World) -> TableData:
    """14288: projected population 1 January 2024–2050 by sex and one-year age for the main,
    high and low alternatives (deterministic expected values from the 2024 population)."""
    spec = _spec("14288")
    units = world.units
    years = list(range(2024, PROJECTION_LAST_YEAR + 1))
    comps = world.population.components
    recent = _year_index(range(2015, 2025))
    pop_recent = comps["Folkemengde"][recent].sum(axis=0).astype(float)
    domestic = 1000 * (comps["Innflytting"][recent] - comps["Utflytting"][recent]).sum(axis=0) \
        / pop_recent
    abroad = 1000 * (comps["Innvandring"][recent] - comps["Utvandring"][recent]).sum(axis=0) \
        / pop_recent
    profile = (_in_profile(units.urbanity) * 0.5
               + _immigration_profile().reshape(1, 2, -1) * 0.5)  # (unit, sex, age)
    base = world.population.year(2024).astype(float)
    result = {}
    for alt in spec.codes["ContentsCode"]:
        pop = base.copy()
        path = [pop]
        for year in years[1:]:
            step = year - 2024
            tfr = 1.44 + (_PROJECTION_TFR[alt] - 1.44) * min(1.0, step / 10)
            asfr = fertility(2025) / max(fertility(2025).sum(), 1e-9) * tfr
            q = mortality(2024) * math.exp(-_PROJECTION_MORTALITY_GAIN[alt] * step)
            total = pop.sum(axis=(1, 2))
            births = (pop[:, 1, :] * asfr[None]).sum(axis=1)
            net = (domestic + _PROJECTION_ABROAD_FACTOR * abroad
                   + _PROJECTION_IMMIGRATION[alt]) * total / 1000
            survivors = pop * (1 - q[None]) + net[:, None, None] * profile
            survivors = np.maximum(survivors, 0.0)
            nxt = np.zeros_like(pop)
            nxt[:, :, 1:] = survivors[:, :, :-1]
            nxt[:, :, -1] += survivors[:, :, -1]
            nxt[:, 0, 0] = births * 0.514 * 0.998
            nxt[:, 1, 0] = births * 0.486 * 0.998
            pop = nxt
            path.append(pop)
        result[alt] = np.rint(np.stack(path)).astype(np.int64)  # (year, unit, sex, age)
    arr = np.stack([aggregate(units, result[alt], axis=1) for alt in spec.codes["ContentsCode"]])
    arr = _arrange(spec, arr.astype(float), ["ContentsCode", "Tid", "Region", "Kjonn", "Alder"])
    cats = _categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, ["Framskrivingen tar utgangspunkt i befolkningen "
                                           "1. januar 2024 i demodataene."])


BUILDERS: dict[str, Callable[[World], TableData]] = {
    "07459": table_population,
    "06913": table_population_change,
    "13864": table_migration_flows,
    "09817": table_immigrants,
    "12960": table_completion,
    "14883": table_completion_background,
    "13556": table_neet,
    "13563": table_neet_county,
    "13470": table_employment_by_industry,
    "07984": table_employment_by_age,
    "06445": table_employment_rate,
    "09429": table_education,
    "14288": table_projection,
}


def simulate(programs_dir: Path | None = None) -> World:
    """Run every simulation once (jobs, population, NEET) for the covered regions."""
    units = build_units(programs_dir)
    jobs = simulate_jobs(units)
    population = simulate_population(units, jobs)
    return World(units, jobs, population, simulate_neet(units, population))


def generate(out_dir: Path | None = None, *, progress: bool = True) -> list[Path]:
    """Write one demo JSON-stat document per registry table.

    Args:
        out_dir: target folder (default ``data/raw/demo`` under the project root).
        progress: print one line per table.

    Returns:
        The written paths, in registry order.

    Raises:
        ValueError: when a registry table has no demo builder, or ``demo_regions.csv`` and the
            coverage disagree (the message names the file and codes).
    """
    out_dir = Path(out_dir) if out_dir is not None else config.paths().raw_source("demo")
    missing = [s.table_id for s in TABLES.values() if s.table_id not in BUILDERS]
    if missing:
        raise ValueError(f"no demo builder for tables {missing}: add one to "
                         "pipeline/sources/demo.py (BUILDERS)")
    world = simulate()
    names = _names()
    paths = []
    for i, spec in enumerate(TABLES.values(), 1):
        doc = document(BUILDERS[spec.table_id](world), names)
        # Key order is fixed by construction (SSB's order; category.index in position order),
        # so the bytes are identical on every run without sorting.
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        path = io.write_text(out_dir / f"{spec.table_id}.json", text + "\n")
        paths.append(path)
        if progress:
            print(f"[{i}/{len(TABLES)}] {spec.table_id} → {path} "
                  f"({path.stat().st_size / 1e6:.1f} MB)", flush=True)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m pipeline.sources.demo [OUT_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    generate(Path(args[0]) if args else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
