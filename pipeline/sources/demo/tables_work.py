"""Builders of the education and labour tables: completion, NEET, employment, education level.

Each builder turns the simulated world into the values of one registry table, in SSB's
dimension order; county-level tables (12960, 14883, 13563) are sums of the municipalities.
"""

from __future__ import annotations

import numpy as np

from pipeline.sources.demo import jsonstat as js
from pipeline.sources.demo.jsonstat import TableData
from pipeline.sources.demo.planted import NOT_YET_PUBLISHED, SEED, SMALL_CELL_POPULATION
from pipeline.sources.demo.rates import group_population, interp, percent, split_total, year_index
from pipeline.sources.demo.units import aggregate, county_aggregate, region_codes
from pipeline.sources.demo.world import NEET_COMMON, World, county_effect
from pipeline.sources.tables import COMPLETION_STATUS, LAST_YEAR, TableSpec


def _start(table_id: str, stream: int):
    """A builder's table spec, its own random stream, its years and their index in the world."""
    spec = js.spec(table_id)
    years = js.years(spec)
    return spec, np.random.default_rng([SEED, stream]), years, year_index(years)


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
    effect = county_effect(units) / 100
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
    spec = js.spec("12960")
    rng = np.random.default_rng([SEED, 5])
    starts = _cohorts(spec)
    counts = _completion_counts(world, rng, starts)  # (c, u, sex, prog, status)
    counts = county_aggregate(world.units, counts, axis=1)
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
    arr = js.arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "UtdProgram",
                                 "FullforingVGO"])
    cats = js.categories(spec, Region=region_codes(world.units, "county"),
                         Tid=[f"{s}-{s + 5}" for s in starts])
    return TableData(spec, cats, arr, {}, ["Kull etter startår; status fem år etter start."])


def table_completion_background(world: World) -> TableData:
    """14883: completion by immigrant background (B, C, rest E; 0 = all) by county."""
    spec = js.spec("14883")
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
    effect = county_effect(units) / 100
    base = 0.80 + 0.006 * t - effect[None]
    complete = np.stack([base - 0.20, base - 0.06, base + 0.01], axis=-1)
    still = np.broadcast_to(np.array([0.07, 0.05, 0.04]), complete.shape)
    failed = np.broadcast_to(np.array([0.07, 0.05, 0.05]), complete.shape)
    complete = np.minimum(complete, 0.98 - still - failed)
    probs = np.stack([complete, still, failed, 1 - complete - still - failed], axis=-1)
    counts = rng.multinomial(groups, probs)  # (c, u, group, status)
    counts = county_aggregate(units, counts, axis=1)
    by_group = {"B": counts[:, :, 0], "C": counts[:, :, 1], "E": counts[:, :, 2],
                "0": counts.sum(axis=2)}
    persons = np.stack([by_group[g] for g in spec.codes["InnvandrKat"]], axis=2)
    share = percent(persons, persons.sum(axis=-1, keepdims=True))
    measures = {"Personer": persons.astype(float), "Prosent": share}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])  # (m, c, r, g, s)
    arr = arr[..., None, None]  # UtdProgram, Kjonn
    arr = js.arrange(spec, arr, ["ContentsCode", "Tid", "Region", "InnvandrKat",
                                 "FullforingVGO", "UtdProgram", "Kjonn"])
    cats = js.categories(spec, Region=region_codes(units, "county"),
                         Tid=[f"{s}-{s + 5}" for s in starts])
    return TableData(spec, cats, arr, {}, ["Kull etter startår; status fem år etter start."])


def table_neet(world: World) -> TableData:
    """13556: NEET persons 15–29 and percent of the population 15–29, by sex."""
    spec = js.spec("13556")
    years = js.years(spec)
    idx = year_index(years)
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
    arr = js.arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "HovArbStyrkStatus",
                                 "Alder"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, js.status_where(np.isnan(arr), ":"), [])


def table_neet_county(world: World) -> TableData:
    """13563: NEET2 (outside work, education and training) and TOT3 (everyone) by county and
    age group 15–29 / 30–61; TOT3 persons = the age group's population, percent 100."""
    spec = js.spec("13563")
    rng = np.random.default_rng([SEED, 8])
    units = world.units
    years = js.years(spec)
    idx = year_index(years)
    pop = world.population.pop[idx]
    young_total = pop[:, :, :, 15:30].sum(axis=(2, 3))
    adult_total = pop[:, :, :, 30:62].sum(axis=(2, 3))
    effect = county_effect(units)
    common = np.array([interp(NEET_COMMON, y) for y in years])
    adult_share = (16.0 + 1.5 * effect[None] + 0.5 * common[:, None]
                   + rng.normal(0, 0.2, (len(years), len(units))))
    neet2 = {"15-29": world.neet[idx].sum(axis=2),
             "30-61": np.rint(adult_total * adult_share / 100).astype(np.int64)}
    total = {"15-29": young_total, "30-61": adult_total}
    persons = np.stack([np.stack([(neet2 if s == "NEET2" else total)[a]
                                  for a in spec.codes["Alder"]])
                        for s in spec.codes["HovArbStyrkStatus"]])  # (status, age, year, unit)
    persons = county_aggregate(units, persons, axis=3)
    denominators = np.stack([county_aggregate(units, total[a], axis=1)
                             for a in spec.codes["Alder"]])
    measures = {"Bosatte": persons.astype(float),
                "BosatteProsent": percent(persons, denominators[None])}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])
    arr = js.arrange(spec, arr, ["ContentsCode", "HovArbStyrkStatus", "Alder", "Tid", "Region"])
    cats = js.categories(spec, Region=region_codes(units, "county"), Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def table_employment_by_industry(world: World) -> TableData:
    """13470: employed persons by place of work and industry (17 groups)."""
    spec = js.spec("13470")
    years = js.years(spec)
    jobs = aggregate(world.units, world.jobs.by_industry[year_index(years)], axis=1)
    pos = [world.jobs.industries.index(k) for k in spec.codes["NACE2007"]]
    arr = jobs[:, :, pos][..., None].astype(float)  # (year, region, industry, measure)
    arr = js.arrange(spec, arr, ["Tid", "Region", "NACE2007", "ContentsCode"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
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
    spec = js.spec("07984")
    years = js.years(spec)
    idx = year_index(years)
    groups = spec.codes["Alder"]
    sexes = spec.codes["Kjonn"]
    pop = group_population(world.population.pop[idx], groups)  # (year, unit, sex, group)
    rate = np.stack([np.array(_EMPLOYMENT_RATE[s], dtype=float) for s in ("1", "2")])
    weights = (pop * rate[None, None]).reshape(len(years), len(world.units), -1) + 1e-9
    cells = split_total(world.jobs.total[idx], weights).reshape(pop.shape)
    cells = aggregate(world.units, cells, axis=1)
    sex_pos = [{"1": 0, "2": 1}[s] for s in sexes]
    arr = cells[:, :, sex_pos][..., None, None].astype(float)  # NACE2007, ContentsCode
    arr = js.arrange(spec, arr, ["Tid", "Region", "Kjonn", "Alder", "NACE2007", "ContentsCode"])
    cats = js.categories(spec, Region=world.units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, {}, [])


def employed_residents(world: World) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Employed residents of 06445 per simulated municipality: its years, the employed persons
    and the population, each (year, unit, sex, age group). The occupation table (12542)
    splits the same persons, so the two agree exactly."""
    spec, rng, years, idx = _start("06445", 9)
    units, groups = world.units, spec.codes["Alder"]
    pop = group_population(world.population.pop[idx], groups)  # (year, unit, sex, group)
    rate = np.stack([np.array(_EMPLOYMENT_RATE[s], dtype=float) for s in ("1", "2")])
    offset = (rng.normal(0, 1.5, len(units))
              - 0.8 * county_effect(units))
    common = np.array([interp(_EMPLOYMENT_COMMON, y) for y in years])
    women_trend = np.array([0.0, 0.1])[None, :] * (np.array(years)[:, None] - 2008)
    share = (rate[None, None] + offset[None, :, None, None] + common[:, None, None, None]
             + women_trend[:, None, :, None]
             + rng.normal(0, 0.4, (len(years), len(units), 1, 1)))
    share = np.clip(share, 1.0, 97.0)
    return years, np.rint(pop * share / 100).astype(np.int64), pop


def table_employment_rate(world: World) -> TableData:
    """06445: employed residents by sex and age group, persons and percent of the population."""
    spec, units = js.spec("06445"), world.units
    years, employed, pop = employed_residents(world)
    employed, pop = aggregate(units, employed, axis=1), aggregate(units, pop, axis=1)
    sex_pos = [{"1": 0, "2": 1}[s] for s in spec.codes["Kjonn"]]
    employed, pop = employed[:, :, sex_pos], pop[:, :, sex_pos]
    measures = {"Sysselsatte": employed.astype(float),
                "SysselsatteProsent": percent(employed, pop)}
    arr = np.stack([measures[m] for m in spec.codes["ContentsCode"]])
    arr = js.arrange(spec, arr, ["ContentsCode", "Tid", "Region", "Kjonn", "Alder"])
    cats = js.categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
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
    spec, rng, years, idx = _start("09429", 10)
    units, levels = world.units, spec.codes["Nivaa"]
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
    arr = js.arrange(spec, arr, order)
    mask = js.arrange(spec, unpublished, order)
    cats = js.categories(spec, Region=units.out_codes, Tid=[str(y) for y in years])
    return TableData(spec, cats, arr, js.status_where(mask, ".."),
                     [f"Tall for {year} er ikke publisert ennå (demo)."])
