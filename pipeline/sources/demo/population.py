"""Cohort-component simulation of the population by one-year age and sex, 2000–LAST_YEAR + 1.

Integer draws for deaths, emigration, domestic out-moves, immigration, domestic in-moves and
births make 07459 and 06913 agree exactly: every year
``Folkemengde[t+1] = Folkemengde[t] + births − deaths + in − out + immigration − emigration``.

Net domestic migration follows the planted equation (see
:data:`pipeline.sources.demo.planted.NET_MIGRATION_INTERCEPT`). Moves within Norway net to zero
nationally: each year the excess of in-moves over out-moves that the equation gives is taken
back from every municipality in proportion to its population, i.e. one common rate ``γ_t`` per
year that a regression with a constant absorbs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.sources.demo import rates
from pipeline.sources.demo.planted import (
    NET_MIGRATION_INTERCEPT,
    NET_MIGRATION_JOB_GROWTH,
    NET_MIGRATION_LOG_POPULATION,
    NET_MIGRATION_NOISE_SD,
    PLANTED_RETENTION,
    SEED,
    attractiveness,
)
from pipeline.sources.demo.rates import AGES, SIM_FIRST_YEAR, SIM_YEARS, split_total
from pipeline.sources.demo.units import Units
from pipeline.sources.tables import POPULATION_COMPONENTS


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


@dataclass(frozen=True)
class _Fixed:
    """Everything drawn or derived once per simulation (the noise never depends on counts)."""

    z: dict[str, np.ndarray]  # (years, units, 2, ages) standard normals
    zu: dict[str, np.ndarray]  # (years, units) standard normals
    residual: np.ndarray  # planted attractiveness per unit
    imm_factor: np.ndarray
    fert_factor: np.ndarray
    b_start: np.ndarray
    out_prob: np.ndarray  # (units, 1, ages)
    in_tilt: np.ndarray  # (units, 1, ages)
    imm_out_rate: np.ndarray
    retention: int | None


def _fixed(units: Units) -> _Fixed:
    rng = np.random.default_rng([SEED, 1])
    n, n_years = len(units), len(SIM_YEARS)
    cells = (n, 2, len(AGES))
    z = {key: rng.standard_normal((n_years, *cells))
         for key in ("deaths", "emigration", "out", "immigrant_out", "in", "immigration")}
    zu = {key: rng.standard_normal((n_years, n))
          for key in ("net", "immigration", "births", "boys", "infant", "b_out", "b_death",
                      "c_out")}
    u = units.urbanity
    return _Fixed(
        z, zu, np.array([attractiveness(c) for c in units.codes]),
        imm_factor=np.exp(rng.normal(0, 0.3, n)) * (0.55 + 0.5 * u),
        fert_factor=np.exp(rng.normal(0, 0.06, n)) * (1.06 - 0.1 * u),
        b_start=np.exp(rng.normal(0, 0.25, n)),
        out_prob=np.minimum(0.9, rates.out_profile(u)[:, None, :]),
        in_tilt=rates.in_tilt(u)[:, None, :],
        imm_out_rate=0.07 + 0.12 * (1 - u),
        retention=units.index(PLANTED_RETENTION["region"]))


@dataclass
class _State:
    pop: np.ndarray  # (units, 2, ages)
    b_stock: np.ndarray  # immigrants
    c_stock: np.ndarray  # Norwegian-born to immigrant parents


def _leavers(state: _State, fx: _Fixed, k: int, year: int) -> dict[str, np.ndarray]:
    """Deaths, emigrants and domestic out-movers (immigrants' moves among them) of one year."""
    pop, n = state.pop, len(state.b_stock)
    b_share = state.b_stock / np.maximum(pop.sum(axis=(1, 2)), 1)
    deaths = _draw(pop, rates.mortality(year)[None], fx.z["deaths"][k])
    rest = pop - deaths
    emig_prob = np.minimum(0.5, rates.emigration_profile()[None, None, :]
                           * (1 + 3 * b_share)[:, None, None])
    emigrants = _draw(rest, emig_prob, fx.z["emigration"][k])
    rest = rest - emigrants
    out = _draw(rest, fx.out_prob, fx.z["out"][k])
    rest = rest - out
    rate = fx.imm_out_rate.copy()
    if fx.retention is not None and year >= PLANTED_RETENTION["from_year"]:
        rate[fx.retention] += PLANTED_RETENTION["immigrant_outflow_rate_change"]
    b_out = _draw(state.b_stock, rate, fx.zu["b_out"][k])
    adult = ((AGES >= 18) & (AGES <= 50)).astype(float)
    weights = (rest * adult).reshape(n, -1).astype(float)
    b_out_cells = _split_jittered(b_out, weights + 1e-9,
                                  fx.z["immigrant_out"][k].reshape(n, -1)).reshape(pop.shape)
    b_out_cells = np.minimum(b_out_cells, rest)
    return {"deaths": deaths, "emigrants": emigrants, "out": out + b_out_cells,
            "rest": rest - b_out_cells, "b_out": b_out, "b_share": b_share}


def _net_rate(units: Units, fx: _Fixed, k: int, year: int, total: np.ndarray,
              job_growth: np.ndarray) -> np.ndarray:
    """Net domestic migration per 1 000 by the planted equation (before the national balance)."""
    rate = (NET_MIGRATION_INTERCEPT + NET_MIGRATION_JOB_GROWTH * job_growth[k]
            + NET_MIGRATION_LOG_POPULATION * np.log(np.maximum(total, 1)) + fx.residual
            + NET_MIGRATION_NOISE_SD * fx.zu["net"][k])
    if fx.retention is not None and year >= PLANTED_RETENTION["from_year"]:
        rate[fx.retention] += PLANTED_RETENTION["net_domestic_migration_per_1000"]
    return rate


def _balanced_in_moves(out_total: np.ndarray, net_rate: np.ndarray,
                       total: np.ndarray) -> np.ndarray:
    """Domestic in-moves per unit such that in-moves equal out-moves over the country.

    The equation's excess is taken back from every unit in proportion to its population (one
    common rate γ_t); the rounding remainder goes to the largest unit.
    """
    in_total = np.maximum(0, out_total + np.rint(net_rate * total / 1000))
    excess = (in_total - out_total).sum()
    in_total = np.maximum(0, in_total - np.rint(excess * total / total.sum()))
    in_total[int(np.argmax(total))] -= (in_total - out_total).sum()
    return in_total.astype(np.int64)


def _arrivals(units: Units, fx: _Fixed, k: int, year: int, state: _State,
              left: dict[str, np.ndarray], job_growth: np.ndarray) -> dict[str, np.ndarray]:
    """Domestic in-movers and immigrants of one year, by unit, sex and age."""
    n, cells = len(units), state.pop.shape
    total = state.pop.sum(axis=(1, 2))
    in_total = _balanced_in_moves(left["out"].sum(axis=(1, 2)),
                                  _net_rate(units, fx, k, year, total, job_growth), total)
    # In-movers have the age mix of all domestic out-movers, tilted by the unit's pull, so
    # moving never turns old people into young ones at the national level.
    in_profile = left["out"].sum(axis=0)[None] * fx.in_tilt + 1e-9
    movers_in = _split_jittered(in_total, in_profile.reshape(n, -1),
                                fx.z["in"][k].reshape(n, -1)).reshape(cells)
    imm_mean = rates.interp(rates.IMMIGRATION_PER_1000, year) * fx.imm_factor * total / 1000
    imm_total = np.maximum(0, np.rint(imm_mean + np.sqrt(imm_mean) * fx.zu["immigration"][k])
                           ).astype(np.int64)
    profile = np.broadcast_to(rates.immigration_profile()[None], cells).reshape(n, -1)
    immigrants = _split_jittered(imm_total, profile,
                                 fx.z["immigration"][k].reshape(n, -1)).reshape(cells)
    return {"movers_in": movers_in, "immigrants": immigrants}


def _births(fx: _Fixed, k: int, year: int, pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Births by unit and newborns surviving to 1 January by unit and sex."""
    expected = (pop[:, 1, :] * rates.fertility(year)[None]).sum(axis=1) * fx.fert_factor
    births = np.maximum(0, np.rint(expected + np.sqrt(expected) * fx.zu["births"][k])
                        ).astype(np.int64)
    boys = _draw(births, 0.514, fx.zu["boys"][k])
    newborn = np.stack([boys, births - boys], axis=1)
    infant_deaths = np.minimum(newborn, np.stack([
        _draw(boys, 0.0022, fx.zu["infant"][k]), _draw(births - boys, 0.0018, fx.zu["infant"][k])],
        axis=1))
    return births, newborn - infant_deaths


def _immigrant_stocks(fx: _Fixed, k: int, state: _State, left: dict, came: dict,
                      births: np.ndarray, nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Next year's stocks of immigrants (B) and Norwegian-born to immigrant parents (C).

    Immigrants moving within Norway arrive where movers arrive, in proportion.
    """
    in_counts = came["movers_in"].sum(axis=(1, 2))
    b_in = np.rint(left["b_out"].sum() * in_counts / max(in_counts.sum(), 1))
    b_next = (state.b_stock - left["b_out"] + b_in
              + np.rint(0.85 * came["immigrants"].sum(axis=(1, 2)))
              - np.rint(0.6 * left["emigrants"].sum(axis=(1, 2)))
              - _draw(state.b_stock, 0.003, fx.zu["b_death"][k]))
    b_next = np.clip(b_next, 0, nxt.sum(axis=(1, 2))).astype(np.int64)
    c_next = (state.c_stock + np.rint(births * np.minimum(0.6, left["b_share"]))
              - _draw(state.c_stock, 0.005, fx.zu["c_out"][k]))
    c_next = np.clip(c_next, 0, nxt.sum(axis=(1, 2)) - b_next).astype(np.int64)
    return b_next, c_next


def _step(units: Units, fx: _Fixed, k: int, state: _State, job_growth: np.ndarray,
          ) -> tuple[_State, dict[str, np.ndarray], np.ndarray]:
    """One calendar year: the next 1 January population, the year's components, immigrants'
    domestic out-moves."""
    year = SIM_YEARS[k]
    total = state.pop.sum(axis=(1, 2))
    left = _leavers(state, fx, k, year)
    came = _arrivals(units, fx, k, year, state, left, job_growth)
    births, newborn = _births(fx, k, year, state.pop)
    survivors = left["rest"] + came["movers_in"] + came["immigrants"]
    nxt = np.zeros_like(state.pop)
    nxt[:, :, 1:] = survivors[:, :, :-1]
    nxt[:, :, -1] += survivors[:, :, -1]
    nxt[:, :, 0] = newborn
    b_next, c_next = _immigrant_stocks(fx, k, state, left, came, births, nxt)
    infant_deaths = births - newborn.sum(axis=1)
    comps = {
        "Folkemengde": total, "Levendefodte": births,
        "Dode": left["deaths"].sum(axis=(1, 2)) + infant_deaths,
        "Innflytting": came["movers_in"].sum(axis=(1, 2)),
        "Utflytting": left["out"].sum(axis=(1, 2)),
        "Innvandring": came["immigrants"].sum(axis=(1, 2)),
        "Utvandring": left["emigrants"].sum(axis=(1, 2)),
        "Folketilvekst": nxt.sum(axis=(1, 2)) - total,
    }
    return _State(nxt, b_next, c_next), comps, left["b_out"]


def _simulate_once(units: Units, scale: np.ndarray, job_growth: np.ndarray,
                   fx: _Fixed) -> Population:
    pop = np.rint(scale[:, None, None] * rates.initial_structure(units.urbanity)).astype(np.int64)
    b_stock = np.rint(pop.sum(axis=(1, 2)) * 0.04 * (0.5 + 1.6 * units.urbanity)
                      * fx.b_start).astype(np.int64)
    state = _State(pop, b_stock, np.rint(0.25 * b_stock).astype(np.int64))
    pops, bs, cs, b_outs = [state.pop], [state.b_stock], [state.c_stock], []
    comps: dict[str, list[np.ndarray]] = {k: [] for k in POPULATION_COMPONENTS}
    for k in range(len(SIM_YEARS)):
        state, year_comps, b_out = _step(units, fx, k, state, job_growth)
        for key, value in year_comps.items():
            comps[key].append(value)
        pops.append(state.pop)
        bs.append(state.b_stock)
        cs.append(state.c_stock)
        b_outs.append(b_out)
    return Population(np.stack(pops), {k: np.stack(v).astype(np.int64) for k, v in comps.items()},
                      np.stack(bs), np.stack(cs), np.stack(b_outs))


def simulate_population(units: Units, job_growth: np.ndarray) -> Population:
    """Simulate 2000–2026, calibrating the 2000 scale so 1 January 2024 lands near the targets.

    Args:
        units: the simulated municipalities.
        job_growth: yearly growth of jobs by place of work in percent, (years, units).
    """
    fx = _fixed(units)  # the same noise in every calibration round (common random numbers)
    scale = units.target / 1.2
    for _ in range(5):
        sim = _simulate_once(units, scale, job_growth, fx)
        scale = scale * units.target / np.maximum(sim.year(2024).sum(axis=(1, 2)), 1)
    return _simulate_once(units, scale, job_growth, fx)
