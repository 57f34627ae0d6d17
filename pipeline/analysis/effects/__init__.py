"""Effect tracking for every programme: "Er vi på rett vei?" (are we on the right track?).

For each indicator a programme promises to move (``programs/<id>.yml``: ``indicators``) this
package reports the baseline, the latest value, the target and the distance to it, whether the
change is larger than the area's own year-to-year variation, and an effect estimate against
comparison areas. Every analysis exposes ``INDICATORS: dict[str, Callable[[str], DataFrame]]``
(indicator id → function of the data source returning a panel ``region, year, value`` and, for
rates built from counts, ``numerator, denominator``; optionally ``se``, and for net rates the
gross flows ``gross_in, gross_out``) and its notebook calls ``effects.track(ctx, INDICATORS)``.

Layout (one concern per module):

- :mod:`.statistics` — the estimators' pieces, pure: sampling variance from counts,
  :func:`change_test`, size-aware unit contrasts (Ferman–Pinto), event study, pre-trend test,
  comparison choice, minimum detectable effect;
- :mod:`.synth` — synthetic control (weights from ``pysyncon``), placebo-in-space ranks;
- :mod:`.estimate` — :func:`estimate_effect` (``auto``/``did``/``synth``, power first);
- :mod:`.tracking` — one programme indicator assessed (areas summed by ``pipeline.areas``);
- :mod:`.tables`, :mod:`.figures` — numbers and charts; :mod:`.sections` — the words.

Public estimator interface (``docs/methods_effects.md``; validated by ``make validate``)::

    from pipeline.analysis.effects import change_test, estimate_effect
    change_test(series, 2021, 2025)              # one area's change vs its own variation
    estimate_effect(panel, "4204", 2021)         # DiD / synthetic control with power first
"""

from pipeline.analysis.effects.estimate import EffectEstimate, estimate_effect
from pipeline.analysis.effects.statistics import (
    ChangeTest,
    NotEstimable,
    change_test,
    minimum_detectable_effect,
)
from pipeline.analysis.effects.tracking import Assessment, assess, assess_program

__all__ = ["Assessment", "summary_frame", "ChangeTest", "EffectEstimate", "NotEstimable", "assess",
           "assess_program", "change_test", "estimate_effect", "minimum_detectable_effect",
           "track"]


def track(ctx, panels) -> None:
    """Show the "Er vi på rett vei?" section (see :func:`.sections.track`)."""
    from pipeline.analysis.effects import sections

    sections.track(ctx, panels)


def summary_frame(assessments) -> "pd.DataFrame":  # noqa: F821 (pandas imported lazily)
    """One tidy row per assessed indicator (see :func:`.tables.summary`)."""
    from pipeline.analysis.effects import tables

    return tables.summary([a for a in assessments if isinstance(a, Assessment)])
