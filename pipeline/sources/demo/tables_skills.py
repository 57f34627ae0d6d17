"""Builders of the skills tables: persons 16+ by field of study (08921) and employed persons by
occupation (12542), demo.

The field shares are synthetic: national shares that drift from 2010 to 2025, a tilt with each
municipality's urbanity (humanities and social science up in towns, primary industries down),
a fixed per-municipality deviation and a little yearly noise, split exactly over the same
simulated adults (16+) as the education-level table 09429. Kongsberg (3303) is given a
technical profile (more natural science, technical and craft subjects), as its industry
suggests; the planted boost is :data:`FIELD_BOOST` so tests can check it is recovered.

Occupations (STYRK-08) split the employed residents of 06445 exactly: national shares of the
ten major groups that drift from 2015 to 2025, tilts with urbanity and with the municipality's
share of jobs in manufacturing, ICT and technical services (13470's simulated jobs), and noise;
groups 2 and 3 are then split into the ICT and engineering sub-major groups (21, 25, 31, 35)
and the rest. Kongsberg's planted ICT and engineering profile is :data:`OCCUPATION_BOOST`.
"""

from __future__ import annotations

import numpy as np

from pipeline.sources.demo import jsonstat as js
from pipeline.sources.demo.jsonstat import TableData
from pipeline.sources.demo.planted import SEED
from pipeline.sources.demo.rates import percent, split_total, year_index
from pipeline.sources.demo.tables_work import employed_residents
from pipeline.sources.demo.units import aggregate
from pipeline.sources.demo.world import World
from pipeline.sources.tables import OCCUPATIONS, TECH_OCCUPATIONS

# National shares (%) of persons 16+ by field in the table's first and last year.
FIELD_SHARES = {
    "0": (36.0, 30.0), "1": (4.5, 5.0), "2": (5.0, 5.5), "3": (4.0, 5.0), "4": (12.0, 12.0),
    "5": (19.5, 20.0), "6": (11.0, 13.0), "7": (1.8, 1.5), "8": (3.7, 4.0), "9": (2.5, 4.0),
}
FIELD_URBAN = {"0": -0.15, "1": 0.5, "2": 0.0, "3": 0.8, "4": 0.2, "5": -0.15, "6": -0.05,
               "7": -1.2, "8": -0.1, "9": 0.4}
FIELD_BOOST = {("3303", "5"): 0.3, ("3303", "4"): 0.05}
"""Planted log-share boosts: Kongsberg's technical profile (about 30 % more technical)."""


def _log_shares(world: World, years: list[int], fields: list[str]) -> np.ndarray:
    """Log weights (year, unit, field) of the field split."""
    rng = np.random.default_rng([SEED, 20])
    units = world.units
    t = (np.array(years, dtype=float) - years[0]) / max(years[-1] - years[0], 1)
    start = np.log([FIELD_SHARES[f][0] for f in fields])
    end = np.log([FIELD_SHARES[f][1] for f in fields])
    tilt = np.array([FIELD_URBAN[f] for f in fields])
    boost = np.array([[FIELD_BOOST.get((c, f), 0.0) for f in fields] for c in units.codes])
    return (start[None, None] + (end - start)[None, None] * t[:, None, None]
            + tilt[None, None] * (units.urbanity[None, :, None] - 0.5) + boost[None]
            + rng.normal(0, 0.06, (1, len(units), len(fields)))
            + rng.normal(0, 0.01, (len(years), len(units), len(fields))))


def table_education_by_field(world: World) -> TableData:
    """08921: persons 16 and over by broad field of study (NUS2000 fagfelt), persons."""
    spec = js.spec("08921")
    years = js.years(spec)
    fields = spec.codes["Fagfelt"]
    adults = world.population.pop[year_index(years)][:, :, :, 16:].sum(axis=(2, 3))
    persons = split_total(adults, np.exp(_log_shares(world, years, fields)))
    persons = aggregate(world.units, persons, axis=1)  # (year, region, field)
    measures = {"Personer": persons.astype(float),
                "PersonerProsent": percent(persons, persons.sum(axis=-1, keepdims=True))}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, year, reg, field)
    arr = js.arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Fagfelt"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


# National shares (%) of employed residents by STYRK-08 major group in 2015 and 2025.
OCCUPATION_SHARES = {
    "0": (3.0, 2.3), "1": (8.5, 8.0), "2": (23.0, 27.5), "3": (17.5, 17.0), "4": (7.0, 6.0),
    "5": (20.5, 20.5), "6": (1.8, 1.5), "7": (8.7, 8.0), "8": (5.8, 5.3), "9": (4.2, 3.9),
}
OCCUPATION_URBAN = {"0": 0.2, "1": 0.1, "2": 0.5, "3": 0.1, "4": 0.2, "5": 0.0, "6": -1.5,
                    "7": -0.25, "8": -0.35, "9": 0.1}
# Log-weight change per unit of the job mix deviation (share of jobs in manufacturing, ICT
# and technical services minus the country's): industrial places have more crafts, operators
# and engineers.
OCCUPATION_INDUSTRY = {"3": 1.0, "7": 1.5, "8": 2.0, "21": 2.5, "31": 2.5, "25": 1.0}
TECHNICAL_INDUSTRIES = ("10-33", "58-63", "68-75")
# Sub-major groups as fractions of their major group (2: 21, 25, rest; 3: 31, 35, rest).
SUB_GROUPS = {"2": {"21": 0.17, "25": 0.12}, "3": {"31": 0.20, "35": 0.06}}
SUB_URBAN = {"21": 0.1, "25": 0.6, "31": -0.1, "35": 0.3}
OCCUPATION_BOOST = {("3303", "2"): 0.08, ("3303", "3"): 0.05, ("3303", "21"): 0.55,
                    ("3303", "25"): 0.45, ("3303", "31"): 0.5, ("3303", "35"): 0.35}
"""Planted log-weight boosts: Kongsberg's ICT and engineering profile (defence industry)."""


def _job_mix(world: World, idx: list[int]) -> np.ndarray:
    """Each unit's share of jobs in technical industries minus the country's, (year, unit)."""
    jobs = world.jobs.by_industry[idx]
    pos = [world.jobs.industries.index(k) for k in TECHNICAL_INDUSTRIES]
    mix = jobs[:, :, pos].sum(axis=2) / np.maximum(jobs.sum(axis=2), 1)
    national = jobs[:, :, pos].sum(axis=(1, 2)) / jobs.sum(axis=(1, 2))
    return mix - national[:, None]


def _boost(world: World, codes: list[str]) -> np.ndarray:
    return np.array([[OCCUPATION_BOOST.get((c, k), 0.0) for k in codes]
                     for c in world.units.codes])


def _major_weights(world: World, years: list[int], mix: np.ndarray) -> np.ndarray:
    """Weights (year, unit, major group) of the split of employed residents."""
    rng = np.random.default_rng([SEED, 21])
    codes = list(OCCUPATIONS)
    t = (np.array(years, dtype=float) - years[0]) / max(years[-1] - years[0], 1)
    start = np.log([OCCUPATION_SHARES[k][0] for k in codes])
    end = np.log([OCCUPATION_SHARES[k][1] for k in codes])
    urban = np.array([OCCUPATION_URBAN[k] for k in codes])
    industry = np.array([OCCUPATION_INDUSTRY.get(k, 0.0) for k in codes])
    u = world.units.urbanity[None, :, None] - 0.5
    log_w = (start + (end - start) * t[:, None, None] + urban * u + industry * mix[..., None]
             + _boost(world, codes)[None] + rng.normal(0, 0.05, (1, len(world.units), len(codes)))
             + rng.normal(0, 0.01, (len(years), len(world.units), len(codes))))
    return np.exp(log_w)


def _sub_split(world: World, major: np.ndarray, mix: np.ndarray, group: str) -> np.ndarray:
    """Counts (year, unit, sub-group) of one major group's ICT/engineering sub-groups."""
    rng = np.random.default_rng([SEED, 22, int(group)])
    subs = list(SUB_GROUPS[group])
    base = np.array([SUB_GROUPS[group][k] for k in subs])
    u = world.units.urbanity[None, :, None] - 0.5
    log_w = (np.log(base) + np.array([SUB_URBAN[k] for k in subs]) * u
             + np.array([OCCUPATION_INDUSTRY.get(k, 0.0) for k in subs]) * mix[..., None]
             + _boost(world, subs)[None] + rng.normal(0, 0.05, (1, len(world.units), len(subs))))
    weights = np.exp(log_w)
    rest = np.clip(1 - weights.sum(axis=-1, keepdims=True), 0.2, None)
    counts = split_total(major, np.concatenate([weights, rest], axis=-1))
    return counts[..., :-1]


def table_employment_by_occupation(world: World) -> TableData:
    """12542: employed residents (4th quarter) by STYRK-08 major group and the ICT and
    engineering sub-major groups, persons; the major groups add up to 06445's employed."""
    spec = js.spec("12542")
    years = js.years(spec)
    rate_years, employed, _ = employed_residents(world)
    total = employed[[rate_years.index(y) for y in years]].sum(axis=(2, 3))  # (year, unit)
    mix = _job_mix(world, year_index(years))
    majors = list(OCCUPATIONS)
    major = split_total(total, _major_weights(world, years, mix))  # (year, unit, group)
    subs = {code: counts for group in SUB_GROUPS
            for code, counts in zip(SUB_GROUPS[group],
                                    np.moveaxis(_sub_split(world, major[..., majors.index(group)],
                                                           mix, group), -1, 0), strict=True)}
    by_code = {**{k: major[..., i] for i, k in enumerate(majors)}, **subs}
    cells = np.stack([by_code[k] for k in spec.codes["Yrke"]], axis=-1)
    cells = aggregate(world.units, cells, axis=1).astype(float)  # (year, region, occupation)
    assert set(spec.codes["Yrke"]) == set(OCCUPATIONS) | set(TECH_OCCUPATIONS)
    arr = js.arrange(spec, cells[None], ["ContentsCode", "Tid", "Region", "Yrke"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])
