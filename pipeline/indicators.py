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
``count``). The values are set from the programmes' own targets and documented programme effects
(Flere i arbeid aims at about 2.4 pp less NEET in five years; Kongsberg's 1 000 extra defence jobs
are about 6 % of the municipality's jobs; a settlement service changes a small municipality's
population by a few percent at most). When the minimum detectable effect (80 % power, 5 % level)
is larger than this, the data cannot show an effect of a size the programme could have, and the
reports say so instead of giving a verdict.

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
