"""Builders of the population tables: 07459, 06913, 13864, 09817 and the projection 14288.

Each builder turns the simulated world into the values of one registry table, in SSB's
dimension order, with counties and the country as sums of their municipalities.
"""

from __future__ import annotations

import math

import numpy as np

from pipeline.sources.demo import jsonstat as js
from pipeline.sources.demo.jsonstat import TableData
from pipeline.sources.demo.planted import SEED
from pipeline.sources.demo.rates import (
    PROJECTION_LAST_YEAR,
    SIM_FIRST_YEAR,
    fertility,
    immigration_profile,
    in_profile,
    mortality,
    percent,
    year_index,
)
from pipeline.sources.demo.units import aggregate
from pipeline.sources.demo.world import World


def table_population(world: World) -> TableData:
    """07459: population 1 January by sex and one-year age."""
    spec = js.spec("07459")
    years = js.years(spec)
    pop = aggregate(world.units, world.population.pop[year_index(years)], axis=1)
    # pop: (year, region, sex, age) -> add ContentsCode axis
    arr = js.arrange(spec, pop[..., None].astype(float),
                     ["Tid", "Region", "Kjonn", "Alder", "ContentsCode"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def table_population_change(world: World) -> TableData:
    """06913: Folkemengde 1 January and the components of change during the year."""
    spec = js.spec("06913")
    years = js.years(spec)
    idx = year_index(years)
    comps = world.population.components
    arr = np.stack([aggregate(world.units, comps[c][idx], axis=1)
                    for c in spec.codes["ContentsCode"]])  # (measure, year, region)
    arr = js.arrange(spec, arr.astype(float), ["ContentsCode", "Tid", "Region"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, ["Innflytting og utflytting for fylker og hele landet "
                                           "er summen over kommunene (demo)."])


def table_migration_flows(world: World) -> TableData:
    """13864: moves between municipalities, within each one's domestic in/out totals.

    Each municipality's out-movers are spread over the others by a gravity model (sizes to the
    power 0.8, twelve times the pull inside the own county); where a destination would receive
    more than its in-movers, its column is scaled down, so the flows never exceed 06913.
    """
    spec = js.spec("13864")
    rng = np.random.default_rng([SEED, 4])
    units = world.units
    years = js.years(spec)
    comps = world.population.components
    size = units.target
    county = np.array(units.county)
    gravity = (size[:, None] * size[None, :]) ** 0.8 * np.where(
        county[:, None] == county[None, :], 12.0, 1.0)
    np.fill_diagonal(gravity, 0.0)
    p = gravity / gravity.sum(axis=1, keepdims=True)
    flows = np.zeros((len(years), len(units), len(units)))
    for k, year in enumerate(years):
        out = comps["Utflytting"][year - SIM_FIRST_YEAR]
        inn = comps["Innflytting"][year - SIM_FIRST_YEAR]
        draws = rng.multinomial(out, p).astype(float)
        col = draws.sum(axis=0)
        factor = np.where(col > inn, inn / np.maximum(col, 1), 1.0)
        flows[k] = np.floor(draws * factor[None, :])
    diagonal = np.broadcast_to(np.eye(len(units), dtype=bool), flows.shape)
    flows[diagonal] = np.nan
    arr = js.arrange(spec, flows[..., None], ["Tid", "Fraflyttingsregion", "TilflyttRegion",
                                              "ContentsCode"])
    cats = js.categories(spec, Fraflyttingsregion=units.codes, TilflyttRegion=units.codes,
                         Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, js.status_where(np.isnan(arr), "."),
                     ["Flyttinger mellom kommunene; summen kan være litt lavere enn "
                      "inn- og utflyttingen i 06913 (demo)."])


def table_immigrants(world: World) -> TableData:
    """09817: immigrants (B) and Norwegian-born to immigrant parents (C), persons and share."""
    spec = js.spec("09817")
    years = js.years(spec)
    idx = year_index(years)
    pop = aggregate(world.units, world.population.pop[idx].sum(axis=(2, 3)), axis=1)
    stocks = {"B": aggregate(world.units, world.population.immigrants[idx], axis=1),
              "C": aggregate(world.units, world.population.norwegian_born[idx], axis=1)}
    cats_b = spec.codes["InnvandrKat"]
    persons = np.stack([stocks[c] for c in cats_b]).astype(float)  # (cat, year, region)
    share = percent(persons, pop[None])
    measures = {"Personer1": persons, "AndelBefolkning": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, cat, year, region)
    arr = arr[:, :, None]  # Landbakgrunn
    arr = js.arrange(spec, arr, ["ContentsCode", "InnvandrKat", "Landbakgrunn", "Tid", "Region"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


_PROJECTION_TFR = {"MMMM": 1.55, "HHMH": 1.80, "LLML": 1.30}
_PROJECTION_MORTALITY_GAIN = {"MMMM": 0.012, "HHMH": 0.016, "LLML": 0.008}
_PROJECTION_IMMIGRATION = {"MMMM": 0.0, "HHMH": 2.5, "LLML": -2.5}  # per 1 000, added
_PROJECTION_ABROAD_FACTOR = 0.6  # net immigration ahead relative to 2015–2024


def table_projection(world: World) -> TableData:
    """14288: projected population 1 January 2024–2050 by sex and one-year age for the main,
    high and low alternatives (deterministic expected values from the 2024 population)."""
    spec = js.spec("14288")
    units = world.units
    years = list(range(2024, PROJECTION_LAST_YEAR + 1))
    comps = world.population.components
    recent = year_index(range(2015, 2025))
    pop_recent = comps["Folkemengde"][recent].sum(axis=0).astype(float)
    domestic = 1000 * (comps["Innflytting"][recent] - comps["Utflytting"][recent]).sum(axis=0) \
        / pop_recent
    abroad = 1000 * (comps["Innvandring"][recent] - comps["Utvandring"][recent]).sum(axis=0) \
        / pop_recent
    profile = (in_profile(units.urbanity) * 0.5
               + immigration_profile().reshape(1, 2, -1) * 0.5)  # (unit, sex, age)
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
    arr = js.arrange(spec, arr.astype(float), ["ContentsCode", "Tid", "Region", "Kjonn", "Alder"])
    cats = js.categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, ["Framskrivingen tar utgangspunkt i befolkningen "
                                           "1. januar 2024 i demodataene."])
