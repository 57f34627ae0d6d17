"""The seed, the fixed stamps and the planted truths of the demo data.

Everything an estimator's test checks against lives here, so a reader sees in one place what the
demo data are built to contain: a programme effect on NEET, a demand shock, a retention effect and
the migration equation with one residual per municipality.
"""

from __future__ import annotations

import numpy as np

from pipeline.sources.tables import LAST_YEAR

SEED = 20240101
"""The one seed every synthetic number derives from (numpy ``Generator`` streams)."""

UPDATED = "2026-03-02T07:00:00Z"
"""Fixed ``updated`` stamp of every demo document (a clock would break byte-identical output)."""

SOURCE = "Demonstrasjonsdata – ikke offisiell statistikk (syntetiske tall generert av innsikt)"
NOTE = ("Demonstrasjonsdata – ikke offisiell statistikk. Tallene er syntetiske, laget av innsikt "
        "(pipeline/sources/demo/) med fast frø, og har samme form som SSBs tabeller.")

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
"""``a`` in net_domestic_migration_rate = a + γ_t + b·job_growth_pct + c·log(population) +
residual + noise (per 1 000 inhabitants; population on 1 January, natural log). ``γ_t`` is one
number per year, the same for every municipality, that makes moves within Norway net to zero
(see :mod:`pipeline.sources.demo.population`); a regression with a constant absorbs it."""
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

    Drawn from its own stream seeded by ``SEED`` and the code, so the residual of a municipality
    never depends on which other municipalities are simulated.
    """
    rng = np.random.default_rng([SEED, 7, int(code)])
    return round(float(rng.normal(0.0, ATTRACTIVENESS_SD)), 2)


def demand_shock(year: int) -> int:
    """Jobs added by :data:`PLANTED_DEMAND_SHOCK` in ``year``."""
    shock = PLANTED_DEMAND_SHOCK
    span = shock["to_year"] - shock["from_year"] + 1
    done = min(max(year - shock["from_year"] + 1, 0), span)
    return round(shock["jobs"] * done / span)
