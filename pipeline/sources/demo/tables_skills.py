"""Builder of the skills table: persons 16 and over by broad field of study (08921, demo).

The field shares are synthetic: national shares that drift from 2010 to 2025, a tilt with each
municipality's urbanity (humanities and social science up in towns, primary industries down),
a fixed per-municipality deviation and a little yearly noise, split exactly over the same
simulated adults (16+) as the education-level table 09429. Kongsberg (3303) is given a
technical profile (more natural science, technical and craft subjects), as its industry
suggests; the planted boost is :data:`FIELD_BOOST` so tests can check it is recovered.
"""

from __future__ import annotations

import numpy as np

from pipeline.sources.demo import jsonstat as js
from pipeline.sources.demo.jsonstat import TableData
from pipeline.sources.demo.planted import SEED
from pipeline.sources.demo.rates import percent, split_total, year_index
from pipeline.sources.demo.units import aggregate
from pipeline.sources.demo.world import World

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
