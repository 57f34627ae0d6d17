"""Deterministic synthetic demo data for every area, shaped exactly like SSB's StatBank responses.

:func:`generate` writes one JSON-stat 2.0 document per table of the registry
(:data:`pipeline.sources.tables.TABLES`) to ``data/raw/demo/<table_id>.json``, with the keys,
dimension ids, value codes, units and ``status`` symbols of a PxWebApi v2 ``json-stat2``
response, so the demo path runs through the same parser and analyses as real data. The file
says it is synthetic: ``source`` reads "Demonstrasjonsdata – ikke offisiell statistikk …" and
``extension.innsikt`` is ``{"demo": true, "seed": SEED}``.

Coverage: all 357 municipalities of the 2024 structure; the 15 counties and the country (``0``)
are the exact sums of their municipalities wherever SSB publishes them in a table (every
table with a summed region codelist; the county-level tables 12960, 14883 and 13563 hold only
counties and the country). 13864 (moves between municipalities) holds municipalities only, as
SSB's does.

How the numbers are made (one fixed seed, numpy ``Generator`` streams, no clock):

- Jobs by place of work (:mod:`.jobs`), then population by one-year age and sex from a
  cohort-component simulation 2000–2026 with integer draws (:mod:`.population`), so 07459 and
  06913 agree exactly. Each municipality's start population is calibrated so that 1 January
  2024 lands near its scale: the hand-set ``demo_regions.csv`` for 85 municipalities, SSB's
  population of 2022 (``pipeline/data/area_attributes_2024.csv``) for the others.
- Net domestic migration follows ``rate per 1 000 = a + γ_t + b·job_growth_pct +
  c·log(population) + residual + noise`` (:data:`NET_MIGRATION_INTERCEPT` …, residuals in
  :data:`PLANTED_ATTRACTIVENESS`); ``γ_t`` makes moves within Norway net to zero.
- Planted truths for the estimators' tests (:mod:`.planted`): :data:`PLANTED_NEET_EFFECT`,
  :data:`PLANTED_DEMAND_SHOCK`, :data:`PLANTED_RETENTION`, :data:`PLANTED_ATTRACTIVENESS`.
- Realism for downstream code: small sex-specific NEET cells in tiny municipalities carry ``:``
  (suppressed), the newest year of 09429 carries ``..`` (not yet published) and the diagonal of
  13864 carries ``.`` (not applicable), all with null values.

Layout: :mod:`.planted` (seed, stamps, truths), :mod:`.units` (what is simulated, sums),
:mod:`.rates`, :mod:`.jobs`, :mod:`.population`, :mod:`.world` (simulation shared by the
tables), :mod:`.tables_people`, :mod:`.tables_work` and :mod:`.tables_skills` (one builder
per table), :mod:`.jsonstat` (the document). Run ``python -m pipeline.sources.demo`` (or
``make data``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline import config, io
from pipeline.sources.demo import tables_people, tables_skills, tables_work
from pipeline.sources.demo.jsonstat import TableData, document
from pipeline.sources.demo.planted import (
    ATTRACTIVENESS_SD,
    NET_MIGRATION_INTERCEPT,
    NET_MIGRATION_JOB_GROWTH,
    NET_MIGRATION_LOG_POPULATION,
    NET_MIGRATION_NOISE_SD,
    NOT_YET_PUBLISHED,
    NOTE,
    PLANTED_DEMAND_SHOCK,
    PLANTED_NEET_EFFECT,
    PLANTED_RETENTION,
    SEED,
    SMALL_CELL_POPULATION,
    SOURCE,
    UPDATED,
    attractiveness,
    demand_shock,
)
from pipeline.sources.demo.rates import percent, split_total
from pipeline.sources.demo.units import covered_municipalities, names
from pipeline.sources.demo.world import World, simulate
from pipeline.sources.tables import TABLES

__all__ = [
    "ATTRACTIVENESS_SD", "BUILDERS", "NET_MIGRATION_INTERCEPT", "NET_MIGRATION_JOB_GROWTH",
    "NET_MIGRATION_LOG_POPULATION", "NET_MIGRATION_NOISE_SD", "NOTE", "NOT_YET_PUBLISHED",
    "PLANTED_ATTRACTIVENESS", "PLANTED_DEMAND_SHOCK", "PLANTED_NEET_EFFECT", "PLANTED_RETENTION",
    "SEED", "SMALL_CELL_POPULATION", "SOURCE", "UPDATED", "attractiveness",
    "covered_municipalities", "demand_shock", "generate", "main", "percent", "simulate",
    "split_total",
]

PLANTED_ATTRACTIVENESS: dict[str, float] = {
    code: attractiveness(code) for code in covered_municipalities()
}
"""Residual (per 1 000 inhabitants) of every municipality in the net domestic migration
equation (see :data:`NET_MIGRATION_INTERCEPT`); :func:`attractiveness` gives the same value."""

BUILDERS: dict[str, Callable[[World], TableData]] = {
    "07459": tables_people.table_population,
    "06913": tables_people.table_population_change,
    "13864": tables_people.table_migration_flows,
    "09817": tables_people.table_immigrants,
    "12960": tables_work.table_completion,
    "14883": tables_work.table_completion_background,
    "13556": tables_work.table_neet,
    "13563": tables_work.table_neet_county,
    "13470": tables_work.table_employment_by_industry,
    "07984": tables_work.table_employment_by_age,
    "06445": tables_work.table_employment_rate,
    "09429": tables_work.table_education,
    "08921": tables_skills.table_education_by_field,
    "12542": tables_skills.table_employment_by_occupation,
    "14288": tables_people.table_projection,
}


def generate(out_dir: Path | None = None, *, progress: bool = True) -> list[Path]:
    """Write one demo JSON-stat document per registry table.

    Args:
        out_dir: target folder (default ``data/raw/demo`` under the project root).
        progress: print one line per table.

    Returns:
        The written paths, in registry order.

    Raises:
        ValueError: when a registry table has no demo builder.
    """
    out_dir = Path(out_dir) if out_dir is not None else config.paths().raw_source("demo")
    missing = [s.table_id for s in TABLES.values() if s.table_id not in BUILDERS]
    if missing:
        raise ValueError(f"no demo builder for tables {missing}: add one to "
                         "pipeline/sources/demo/__init__.py (BUILDERS)")
    world = simulate()
    region_names = names()
    paths = []
    for i, spec in enumerate(TABLES.values(), 1):
        doc = document(BUILDERS[spec.table_id](world), region_names)
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
    """Command line: ``python -m pipeline.sources.demo [--quiet] [OUT_DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sources.demo",
        description="Write the synthetic demo tables (JSON-stat 2.0, shaped like SSB's).")
    parser.add_argument("out_dir", nargs="?", type=Path,
                        help="folder for the JSON files (default: data/raw/demo)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    generate(args.out_dir, progress=not args.quiet)
    return 0
