"""The indicator registry: every indicator a programme can promise to move, in one place.

Each :class:`IndicatorSpec` says what the indicator is (``id``), how it is measured (``scale``:
``percent`` and ``per_thousand`` are rates built from a numerator and a denominator, ``pp`` a
difference of two percentages, ``count`` a number of people or jobs), which analysis computes it,
whether it is a county statistic only, and whether it is a *net* figure (a balance of flows that
can be negative, never a rate of people leaving). Its label lives in ``pipeline/texts/
indicators.yml`` under ``indicator_<id>``, so :func:`label` works in every report language.

Programme files (``programs.py``) validate indicator ids against :data:`REGISTRY`; effect
tracking takes each indicator's scale from here.

**Power rule.** ``plausible_effect`` is the largest change a regional programme can plausibly
cause in the indicator within its first five years, in the units effects are estimated in
(percentage points for ``percent`` and ``pp``, per thousand for ``per_thousand``, percent for
``count``). When the minimum detectable effect (80 % power, 5 % level) is larger than this, the
data cannot show an effect of a size the programme could have, and the reports say so instead of
giving a verdict. The values are upper bounds (a generous value errs towards giving a verdict);
none of the programmes' own documents (``shared/seeds/``) states a number for what it will
change, so each value rests on what the documents say the programme does:

- NEET 2 pp, employment rate 2 pp: Flere i arbeid aims at "en stor reduksjon av andelen utenfor
  arbeid og utdanning" and a higher labour-force share, with no number (seed 003, work committee
  minutes 9 Feb 2022, which also say large changes are still far off); its programme file's target
  (8.0 % by 2026) is 3 pp below the 2021 level of the demo data, a change that includes the
  common trend the comparison removes, so 2 pp is kept for the effect. Buskerudplanen (seed 002)
  expects a shortfall of 22 000 workers by 2040 and 14 000 "even if everything goes right": all
  measures together close about 8 000 of about 163 000 employed over 16 years (5 %), about
  1–1.5 pp of the employment rate in five years.
- completion 3 pp, vocational 4 pp, gap immigrants–others 5 pp: Flere i arbeid wants higher
  completion "særlig på yrkesfag" (seed 003), again without a number. SSB publishes completion by
  county only, so a municipal programme moves the county figure by its share of the county's
  young people at most: :func:`plausible_in` scales the value by that share (Kristiansand has
  about 36 % of Agder's 15–19-year-olds).
- employed by workplace 6 %: Kongsberg Defence & Aerospace grew by more than 1 000 employees since
  2018 (seed 002), about 6 % of Kongsberg's jobs; Vekst i Kongsberg (seed 001) works on filling
  such jobs, so more than the whole expansion cannot be credited to it.
- population 3 %, net (domestic) migration 5 per 1 000, immigrants' net outflow 5 pp: the
  Namsskogan settlement service (seed 004; one coordinator for three years in a municipality of
  under 1 000 inhabitants) aims to make in-movers, especially immigrants, stay; retaining five more
  people a year is about 6 per 1 000 and 3 % in five years. Kongsberg wants "flere innbyggere"
  (seed 001); 3 % of its 27 000 is about the workforce of the defence expansion.
- higher-education share 2 pp, immigrant share 2 pp: no programme states a number;
  KompetanseMagneten (seed 001) adds study places in Kongsberg. 2 pp in five years is several
  years of national trend.

``cohort_lag`` is set for indicators measured on cohorts: the panel's ``year`` is the cohort's
starting year and the figure is measured ``cohort_lag`` years later (completion within five
years). Only cohorts starting in or after the programme's start year count as "after".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    plausible_effect: float = 2.0  # see the power rule in the module docstring
    cohort_lag: int = 0  # > 0: year = cohort start, measured this many years later

    @property
    def label_key(self) -> str:
        return f"indicator_{self.id}"

    @property
    def multiplier(self) -> float:
        """100 for percent, 1000 for per thousand, 1 otherwise."""
        return MULTIPLIER.get(self.scale, 1.0)

    @property
    def log_scale(self) -> bool:
        """Counts are analysed as ``100 × log(value)`` (effects ≈ percent changes)."""
        return self.scale == "count"

    @property
    def is_rate(self) -> bool:
        """Built from a numerator and a denominator (so binomial/Poisson noise applies)."""
        return self.scale in MULTIPLIER


REGISTRY: dict[str, IndicatorSpec] = {spec.id: spec for spec in (
    IndicatorSpec("neet_share_15_29", "percent", "youth_dropout", plausible_effect=2.0),
    IndicatorSpec("completion_rate_5y", "percent", "youth_dropout", county_only=True,
                  plausible_effect=3.0, cohort_lag=5),
    IndicatorSpec("completion_rate_vocational_5y", "percent", "youth_dropout", county_only=True,
                  plausible_effect=4.0, cohort_lag=5),
    IndicatorSpec("completion_gap_immigrants", "pp", "youth_dropout", county_only=True,
                  plausible_effect=5.0, cohort_lag=5),
    IndicatorSpec("employment_rate_20_66", "percent", "competence_gap", plausible_effect=2.0),
    IndicatorSpec("employed_by_workplace", "count", "competence_gap", plausible_effect=6.0),
    IndicatorSpec("higher_education_share", "percent", "competence_gap", plausible_effect=2.0),
    IndicatorSpec("population", "count", "migration", plausible_effect=3.0),
    IndicatorSpec("net_migration_rate", "per_thousand", "migration", net=True,
                  plausible_effect=5.0),
    IndicatorSpec("net_domestic_migration_rate", "per_thousand", "migration", net=True,
                  plausible_effect=5.0),
    IndicatorSpec("immigrant_outflow_rate", "percent", "migration", net=True,
                  plausible_effect=5.0),
    IndicatorSpec("immigrant_share", "percent", "migration", plausible_effect=2.0),
)}


def plausible_in(spec: IndicatorSpec, area_share: float = 1.0) -> float:
    """The power rule's plausible effect on the figure as measured.

    A programme covering only ``area_share`` of the unit the indicator is measured for (a
    municipal programme followed on a county statistic: Flere i arbeid's completion rates are
    Agder's) moves that figure by at most its plausible effect times that share.
    """
    return spec.plausible_effect * min(max(area_share, 0.0), 1.0)


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
    from pipeline import i18n  # imported here: computations using the registry need no text

    return i18n.t(get(indicator_id).label_key, language)


def for_analysis(analysis: str) -> list[str]:
    """Ids of the indicators computed by ``analysis``, in registry order."""
    return [spec.id for spec in REGISTRY.values() if spec.analysis == analysis]
