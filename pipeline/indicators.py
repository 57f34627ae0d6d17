"""The indicator registry: every indicator a programme can promise to move, in one place.

Each :class:`IndicatorSpec` says what the indicator is (``id``), how it is measured (``scale``:
``percent`` and ``per_thousand`` are rates built from a numerator and a denominator, ``pp`` a
difference of two percentages, ``count`` a number of people or jobs), which analysis computes it,
whether it is a county statistic only, and whether it is a *net* figure (a balance of flows that
can be negative, never a rate of people leaving). Its label lives in ``pipeline/texts/
indicators.yml`` under ``indicator_<id>``, so :func:`label` works in every report language.

Programme files (``programs.py``) validate indicator ids against :data:`REGISTRY`; effect
tracking takes each indicator's scale from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline import i18n

Scale = Literal["percent", "pp", "per_thousand", "count"]
MULTIPLIER: dict[str, float] = {"percent": 100.0, "per_thousand": 1000.0}


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: id, unit and the analysis that computes it."""

    id: str
    scale: Scale
    analysis: str
    county_only: bool = False  # SSB publishes it for counties only (completion of upper secondary)
    net: bool = False  # a balance of in- and outflows: may be negative

    @property
    def label_key(self) -> str:
        return f"indicator_{self.id}"

    @property
    def is_rate(self) -> bool:
        """Built from a numerator and a denominator (so binomial/Poisson noise applies)."""
        return self.scale in MULTIPLIER


REGISTRY: dict[str, IndicatorSpec] = {spec.id: spec for spec in (
    IndicatorSpec("neet_share_15_29", "percent", "youth_dropout"),
    IndicatorSpec("completion_rate_5y", "percent", "youth_dropout", county_only=True),
    IndicatorSpec("completion_rate_vocational_5y", "percent", "youth_dropout", county_only=True),
    IndicatorSpec("completion_gap_immigrants", "pp", "youth_dropout", county_only=True),
    IndicatorSpec("employment_rate_20_66", "percent", "competence_gap"),
    IndicatorSpec("employed_by_workplace", "count", "competence_gap"),
    IndicatorSpec("higher_education_share", "percent", "competence_gap"),
    IndicatorSpec("population", "count", "migration"),
    IndicatorSpec("net_migration_rate", "per_thousand", "migration", net=True),
    IndicatorSpec("net_domestic_migration_rate", "per_thousand", "migration", net=True),
    IndicatorSpec("immigrant_outflow_rate", "percent", "migration", net=True),
    IndicatorSpec("immigrant_share", "percent", "migration"),
)}


def get(indicator_id: str) -> IndicatorSpec:
    """The registry entry of ``indicator_id``.

    Raises:
        KeyError: naming the unknown id and the known ones.
    """
    try:
        return REGISTRY[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(REGISTRY)}"
                       ) from None


def label(indicator_id: str, language: str = "nb") -> str:
    """The indicator's label in ``language``."""
    return i18n.t(get(indicator_id).label_key, language)


def for_analysis(analysis: str) -> list[str]:
    """Ids of the indicators computed by ``analysis``, in registry order."""
    return [spec.id for spec in REGISTRY.values() if spec.analysis == analysis]
