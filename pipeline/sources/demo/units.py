"""Which units the demo simulates and how they add up to counties and the country.

The demo simulates every municipality of the 2024 structure (357) and publishes the counties and
the country as exact sums of their municipalities, the way SSB's summed codelists do. Each
municipality's scale comes from data (see ``demo_regions.csv`` for the hand-set 85 and
``pipeline/data/area_attributes_2024.csv`` for all others).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline import areas, geography

REGIONS_CSV = Path(__file__).resolve().parent.parent / "demo_regions.csv"

URBANITY_SLOPE = 0.00157
"""Urbanity per point of SSB's centrality index (least squares on the 85 hand-set ones)."""
URBANITY_INTERCEPT = -0.746


@dataclass(frozen=True)
class RegionScale:
    """One row of ``demo_regions.csv``: a municipality's name, county and approximate scale."""

    code: str
    name: str
    county: str
    population_2024: float
    urbanity: float


@lru_cache(maxsize=1)
def region_scales() -> dict[str, RegionScale]:
    """The hand-set rows of ``demo_regions.csv`` by code (approximate scales for synthetic data)."""
    rows: dict[str, RegionScale] = {}
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in reader:
            rows[row["code"]] = RegionScale(row["code"], row["name"], row["county"],
                                            float(row["population_2024"]), float(row["urbanity"]))
    unknown = sorted(set(rows) - set(geography.municipality_names()))
    if unknown:
        raise ValueError(f"{REGIONS_CSV}: {unknown} are not municipalities of the 2024 structure")
    return rows


def covered_municipalities() -> list[str]:
    """Municipalities in the demo data: every municipality of the 2024 structure, sorted."""
    return sorted(geography.municipality_names())


def names() -> dict[str, str]:
    """SSB's names of every published region code (municipalities, counties, the country)."""
    out = {str(k): str(v) for k, v in geography.municipality_names().items()}
    out.update({str(k): str(v) for k, v in geography.county_names().items()})
    out[areas.NATIONAL] = geography.NATIONAL_NAME
    return out


def _scale(code: str, attributes) -> tuple[float, float]:
    """Target population on 1 January 2024 and urbanity of one municipality."""
    hand_set = region_scales().get(code)
    if hand_set is not None:
        return hand_set.population_2024, hand_set.urbanity
    row = attributes.loc[code]
    urbanity = URBANITY_SLOPE * float(row["centrality_index"]) + URBANITY_INTERCEPT
    return float(row["population_2022"]), float(np.clip(round(urbanity, 3), 0.0, 1.0))


@dataclass(frozen=True)
class Units:
    """The simulated units (municipalities) and their aggregation to the published regions."""

    codes: list[str]
    county: list[str]
    target: np.ndarray  # population on 1 January 2024
    urbanity: np.ndarray
    out_codes: list[str]  # published regions: "0", counties, municipalities
    agg: np.ndarray  # (published regions, units) 0/1 aggregation matrix

    def __len__(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int | None:
        """Position of a municipality among the units, or None when it is not simulated."""
        return self.codes.index(code) if code in self.codes else None


def build_units(codes: list[str] | None = None) -> Units:
    """Assemble the simulated municipalities and the aggregation to counties and Norway.

    Args:
        codes: municipalities to simulate (default: all of the 2024 structure). A subset is for
            quick experiments only: its counties and country are then sums of the subset.
    """
    codes = sorted(codes) if codes is not None else covered_municipalities()
    attributes = areas.attributes()
    scales = [_scale(c, attributes) for c in codes]
    county = [geography.county_of(c) for c in codes]
    counties = sorted(geography.county_names())
    out_codes = [areas.NATIONAL, *counties, *codes]
    agg = np.zeros((len(out_codes), len(codes)))
    agg[0, :] = 1.0
    for j, county_code in enumerate(county):
        agg[1 + counties.index(county_code), j] = 1.0
        agg[1 + len(counties) + j, j] = 1.0
    return Units(codes, county, np.array([s[0] for s in scales]),
                 np.array([s[1] for s in scales]), out_codes, agg)


def aggregate(units: Units, x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sum unit-level counts (unit axis ``axis``) to the published regions."""
    moved = np.moveaxis(x, axis, 0)
    out = np.tensordot(units.agg, moved, axes=(1, 0))
    out = np.rint(out).astype(np.int64) if np.issubdtype(x.dtype, np.integer) else out
    return np.moveaxis(out, 0, axis)


def region_codes(units: Units, level: str) -> list[str]:
    """Published codes of one level: ``county`` (country and counties) or ``municipality``."""
    if level == "county":
        return [c for c in units.out_codes if len(c) <= 2]
    return list(units.out_codes)


def county_aggregate(units: Units, x: np.ndarray, axis: int) -> np.ndarray:
    """Sum unit-level counts to the country and the counties only (county-level tables)."""
    keep = [i for i, c in enumerate(units.out_codes) if len(c) <= 2]
    return np.take(aggregate(units, x, axis=axis), keep, axis=axis)
