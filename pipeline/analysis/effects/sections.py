"""Effect tracking in words: the "Er vi på rett vei?" section (texts in ``texts/effects.yml``).

The only module of the effects package that formats text. Sections are
:class:`~pipeline.analysis.display.Section` objects shown by
:func:`~pipeline.analysis.display.show` (tables pass disclosure control in
:mod:`pipeline.report`).

Rules the words follow (see ``docs/methods_effects.md``): "klar endring" only when
:func:`~pipeline.analysis.effects.change_test` rejects at 5 %; no verdict and no sentence about a
common development before the start when the minimum detectable effect exceeds the indicator's
plausible effect (a power statement instead); for cohort indicators the first cohort after the
start and the year it is measured are named.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from pipeline import i18n, indicators
from pipeline.analysis.display import Section, show  # noqa: F401  (shared; re-exported)
from pipeline.analysis.effects import tables, tracking
from pipeline.analysis.effects.estimate import effect_number
from pipeline.analysis.effects.tracking import Assessment

VERDICT_KEYS = {"right": "fx_verdict_right", "wrong": "fx_verdict_wrong",
                "unclear": "fx_verdict_unclear", "underpowered": "fx_verdict_underpowered",
                "not_estimable": "fx_verdict_na"}
FINDING_RANK = 60
# Sentences shown as findings (on the front page too): what moved, the effect, or why there is
# no effect yet (first post-start cohort not measured; the power statement).
FINDING_KINDS = ("change", "finding", "cohort", "power")


# ---------------------------------------------------------------------------------------------
# Number formatting in the indicator's units
# ---------------------------------------------------------------------------------------------


def fmt_p(ctx, p: float | None) -> str:
    """``= 0,034`` or ``< 0,001`` (``–`` when missing)."""
    if p is None or math.isnan(p):
        return "–"
    return ("< " + ctx.num(0.001, 3)) if p < 0.001 else "= " + ctx.num(p, 3)


def fmt_level(ctx, value: float | None, scale: str) -> str:
    """A level in the indicator's units."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if scale == "percent":
        return ctx.pct(value, 1)
    if scale == "count":
        return ctx.num(value, 0)
    if scale == "pp":
        return f"{ctx.num(value, 1)} {ctx.t('fx_pp')}"
    return f"{ctx.num(value, 1)} {ctx.t('fx_per_thousand')}"


def effect_unit(ctx, scale: str) -> str:
    """Unit of an effect: percentage points, percent (counts) or per thousand."""
    return {"percent": ctx.t("fx_pp"), "pp": ctx.t("fx_pp"), "count": ctx.t("fx_percent_change"),
            "per_thousand": ctx.t("fx_per_thousand")}[scale]


def _fmt_effect(ctx, value: float, log: bool) -> str:
    return ctx.num(effect_number(value, log), 1)


def _fmt_ci(ctx, low: float, high: float, log: bool) -> str:
    return i18n.fmt_interval(effect_number(low, log), effect_number(high, log), ctx.language, 1)


def _area(ctx, a: Assessment) -> str:
    return ctx.region_label if "+" in a.treated else ctx.name(a.treated, inline=True)


def _label(ctx, a: Assessment) -> str:
    return indicators.label(a.indicator, ctx.language)


# ---------------------------------------------------------------------------------------------
# The summary table
# ---------------------------------------------------------------------------------------------


def _change_verdict(a: Assessment) -> str:
    """The change test's own verdict (``right``/``wrong``/``unclear``): the "what moved"
    finding states it, not the effect estimate's, which answers another question."""
    if a.change is None or not a.change.significant:
        return "unclear"
    down = (a.latest or 0) < a.baseline
    return "right" if down == (a.direction == "down") else "wrong"


def _front_page_fields(ctx, a: Assessment, kind: str) -> dict[str, str | None]:
    """What the programme's front page states beside a finding (see ``report.finding``).

    ``kind`` is ``change`` (the level moved since the start, tested against the area's own
    year-to-year variation), ``finding`` (the effect against the comparison areas),
    ``cohort`` (no cohort has been measured since the start yet) or ``power`` (the data cannot
    show an effect of a plausible size): each carries its own verdict.
    """
    fields: dict[str, str | None] = {"question": a.indicator, "indicator": a.indicator}
    if kind == "change":
        fields["verdict"] = ctx.t(VERDICT_KEYS[_change_verdict(a)])
        fields["method"] = ctx.t("fx_method_change")
    elif kind == "cohort":
        fields["verdict"] = ctx.t("fx_verdict_not_yet", measured=a.first_post_measured)
    elif kind == "power":
        fields["verdict"] = ctx.t(VERDICT_KEYS["underpowered"])
    else:
        fields["verdict"] = ctx.t(VERDICT_KEYS[a.verdict])
        if a.effect is not None:
            fields["method"] = ctx.t(f"fx_method_{a.effect.method}")
    return fields


def summary_table(ctx, assessments: list[Assessment]) -> pd.DataFrame:
    """One row per indicator with translated headers and formatted values."""
    frame = tables.summary(assessments)
    rows = []
    for a, (_, r) in zip(assessments, frame.iterrows(), strict=True):
        scale, shown = a.spec.scale, not a.masked

        def year_value(value, year, _scale=scale):
            return ctx.t("fx_year_value", value=fmt_level(ctx, value, _scale), year=year)

        effect = "–"
        if a.effect is not None and a.verdict != "underpowered":
            effect = (f"{ctx.num(r['effect'], 1)} "
                      f"({i18n.fmt_interval(r['ci_low'], r['ci_high'], ctx.language, 1)})")
        distance = "–"
        if a.target_reached is not None and shown:
            distance = ctx.t("fx_reached") if a.target_reached else (
                f"{ctx.num(r['distance'], 1)} {effect_unit(ctx, scale)}")
        rows.append({
            ctx.t("fx_col_indicator"): _label(ctx, a), ctx.t("fx_col_area"): _area(ctx, a),
            ctx.t("fx_col_baseline"): year_value(a.baseline, a.baseline_year)
            if shown and a.baseline is not None else (":" if a.masked else "–"),
            ctx.t("fx_col_latest"): year_value(a.latest, a.latest_year)
            if shown and a.latest is not None else (":" if a.masked else "–"),
            ctx.t("fx_col_target"): year_value(a.target, a.by) if a.target is not None else "–",
            ctx.t("fx_col_distance"): distance, ctx.t("fx_col_effect"): effect,
            ctx.t("fx_col_mde"): "–" if a.effect is None else
            f"{ctx.num(r['mde'], 1)} {effect_unit(ctx, scale)}",
            ctx.t("fx_col_verdict"): ctx.t(VERDICT_KEYS[a.verdict])})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Sentences for one indicator
# ---------------------------------------------------------------------------------------------


def _comparison_text(ctx, a: Assessment) -> str:
    e = a.effect
    if a.level in ("county_level", "county_region"):
        return ctx.t("fx_comparison_counties")
    names = ", ".join(ctx.name(c, inline=True) for c in e.comparison)
    key = "fx_comparison_programme" if e.comparison_rule == "given" else "fx_comparison_auto"
    return ctx.t(key, names=names)


def _years(years) -> str:
    return f"{min(years)}–{max(years)}" if len(years) > 1 else str(years[0])


def _moved(ctx, a: Assessment) -> list[tuple[str, str]]:
    """What moved, and whether it is more than the area's own year-to-year variation."""
    scale, log = a.spec.scale, a.spec.log_scale
    change = ctx.num((a.latest or 0) - a.baseline, 1)
    if log:
        change = ctx.num(100 * ((a.latest or 0) / a.baseline - 1), 1)
    change_ci = ""
    if a.change is not None and not log:
        change_ci = ctx.t("fx_change_ci", ci=i18n.fmt_interval(
            a.change.ci_low, a.change.ci_high, ctx.language, 1))
    text = ctx.t("fx_moved", label=_label(ctx, a), area=_area(ctx, a),
                 unit=effect_unit(ctx, scale), baseline=fmt_level(ctx, a.baseline, scale),
                 baseline_year=a.baseline_year, latest=fmt_level(ctx, a.latest, scale),
                 latest_year=a.latest_year, change=change, change_ci=change_ci)
    if a.change is not None:
        key = "fx_change_yes" if a.change.significant else "fx_change_no"
        text += " " + ctx.t(key, p=fmt_p(ctx, a.change.p_value))
    out = [("change", text)]
    if a.target_reached is not None:
        target = fmt_level(ctx, a.target, scale)
        out.append(("text", ctx.t("fx_target_reached", target=target, by=a.by)
                    if a.target_reached else
                    ctx.t("fx_target", target=target, by=a.by, unit=effect_unit(ctx, scale),
                          distance=ctx.num(abs(a.target - a.latest), 1))))
    return out


def _diluted(ctx, a: Assessment, unit: str) -> list[tuple[str, str]]:
    """Why the plausible effect is smaller on a county statistic (empty when it is not)."""
    full = a.spec.plausible_effect
    if not full or a.plausible >= full - 1e-9:
        return []
    return [("text", ctx.t("fx_plausible_diluted", share=ctx.pct(100 * a.plausible / full, 0),
                           full=ctx.num(full, 1), unit=unit))]


def _effect(ctx, a: Assessment) -> list[tuple[str, str]]:
    """The effect estimate: a power statement, or the estimate with its design and checks."""
    e, log, scale = a.effect, a.spec.log_scale, a.spec.scale
    unit, area, label = effect_unit(ctx, scale), _area(ctx, a), _label(ctx, a)
    mde = ctx.num(effect_number(e.mde, log), 1)
    plausible = ctx.num(a.plausible, 1)
    diluted = _diluted(ctx, a, unit)
    if a.verdict == "underpowered":
        return [("power", ctx.t("fx_power", label=label, area=area, mde=mde, unit=unit,
                                plausible=plausible)), *diluted]
    out = [("finding", ctx.t("fx_effect", comparison=_comparison_text(ctx, a),
                             effect=_fmt_effect(ctx, e.estimate, log), unit=unit,
                             ci=_fmt_ci(ctx, e.ci_low, e.ci_high, log),
                             method=ctx.t(f"fx_method_{e.method}"),
                             verdict=ctx.t(VERDICT_KEYS[a.verdict]))),
           ("text", ctx.t(f"fx_why_{e.reason}"))]
    if e.comparison_rule == "automatic" and a.level in ("municipality", "area"):
        out.append(("text", ctx.t("fx_selection", selection=_years(e.selection_years))))
    if e.pretrend is not None:
        bad = e.pretrend.p_value < 0.05
        out.append(("notice" if bad else "text",
                    ctx.t("fx_pretrend_bad" if bad else "fx_pretrend_ok", area=area,
                          years=_years(e.pretrend.years), p=fmt_p(ctx, e.pretrend.p_value))))
    out.append(("text", ctx.t("fx_mde", mde=mde, unit=unit, plausible=plausible)))
    out.extend(diluted)
    if e.synth is not None:
        s = e.synth
        top = sorted(s.weights.items(), key=lambda kv: -kv[1])[:3]
        weights = ", ".join(f"{ctx.name(c, inline=True)} {ctx.num(w, 2)}"
                            for c, w in top if w >= 0.005)
        n = len(s.weights) + 1
        out.append(("text", ctx.t(
            "fx_synth", weights=weights, effect=_fmt_effect(ctx, s.estimate, log), unit=unit,
            ci=_fmt_ci(ctx, s.ci_low, s.ci_high, log), rmspe=ctx.num(s.pre_rmspe, 2),
            rank=s.placebo_rank if s.placebo_rank is not None else "–", n=n,
            p=ctx.num(s.placebo_p, 2) if s.placebo_p is not None else "–",
            pmin=ctx.num(1 / n, 2))))
    return out


def sentences(ctx, a: Assessment) -> list[tuple[str, str]]:
    """Plain-language statements as (kind, text): kind is ``change`` (what moved since the
    start), ``finding`` (the effect), ``cohort`` (when the first post-start cohort is
    measured), ``power`` (no effect of a plausible size can be shown), ``notice`` or ``text``."""
    label, area = _label(ctx, a), _area(ctx, a)
    out: list[tuple[str, str]] = []
    if a.level == "county_level":
        out.append(("text", ctx.t("fx_county_level", label=label, county=area)))
    elif a.level == "county_region":
        out.append(("text", ctx.t("fx_county_region", area=area)))
    if a.problem in ("no_data", "cannot_combine") or a.baseline is None:
        reason = f"fx_reason_{a.problem}" if a.problem else "fx_reason_no_data"
        out.append(("notice", ctx.t("fx_not_estimable", label=label, area=area,
                                    reason=ctx.t(reason))))
        return out
    if a.suppressed_years:
        years = ", ".join(str(y) for y in a.suppressed_years)
        out.append(("notice", ctx.t("fx_suppressed", label=label, area=area, years=years)))
    if not a.masked and a.latest_year != a.baseline_year:
        out += _moved(ctx, a)
    if a.first_post_cohort is not None:
        if a.problem == "no_post_cohort":
            # A finding, not a notice: "when will we know?" is this question's answer today.
            out.append(("cohort", ctx.t("fx_cohort_none", label=label, cohort=a.first_post_cohort,
                                        measured=a.first_post_measured, latest=a.latest_year)))
            return out
        out.append(("text", ctx.t("fx_cohort_note", cohort=a.first_post_cohort,
                                  measured=a.first_post_measured)))
    if a.problem == "no_post":
        out.append(("notice", ctx.t("fx_no_post", label=label, start=a.start_year)))
        return out
    if a.problem:
        key = f"fx_reason_{a.problem}"
        reason = ctx.t(key) if key in i18n.TEXTS else a.problem
        out.append(("notice", ctx.t("fx_not_estimable", label=label, area=area, reason=reason)))
        return out
    return out + _effect(ctx, a)


def figure(ctx, a: Assessment):
    """(fig, alt, caption) of the levels and, when there is a verdict, the event study."""
    from pipeline.analysis.effects import figures

    s = a.series
    if s.empty or s["treated"].notna().sum() == 0 or a.masked:
        return None
    label, area, scale = _label(ctx, a), _area(ctx, a), a.spec.scale
    e = a.effect
    event = e is not None and a.verdict != "underpowered" and not e.event.empty
    synthetic = e is not None and e.method == "synth"
    labels = {"area": area, "x": ctx.t("year"),
              "comparison": ctx.t("fx_legend_synthetic" if synthetic else "fx_legend_comparison"),
              "difference": f"{ctx.t('fx_axis_difference')} ({effect_unit(ctx, scale)})"}
    fig = figures.effect_figure(a, labels, event)
    first, last = int(s["year"].min()), int(s["year"].max())
    if not event:
        alt = ctx.t("fx_fig_trend_alt", label=label, area=area, first=first, last=last,
                    latest=fmt_level(ctx, a.latest, scale))
        return fig, alt, ctx.t("fx_fig_trend_caption", label=label, area=area)
    log = a.spec.log_scale
    ref = int(e.event.loc[e.event["period"] == "reference", "year"].iloc[0])
    alt = ctx.t("fx_fig_alt", label=label, area=area, first=first, last=last,
                start=a.start_year, effect=_fmt_effect(ctx, e.estimate, log),
                unit=effect_unit(ctx, scale), ci=_fmt_ci(ctx, e.ci_low, e.ci_high, log))
    return fig, alt, ctx.t("fx_fig_caption", label=label, area=area, ref=ref)


# ---------------------------------------------------------------------------------------------
# The section and the notebook call
# ---------------------------------------------------------------------------------------------


def effect_section(ctx, results: tuple) -> Section:
    """The "Er vi på rett vei?" section of a programme's assessments (see :func:`track`)."""
    section = Section(heading=ctx.t("fx_heading"))
    if not results:
        section.add("paragraph", text=ctx.t("fx_none"))
        return section
    section.add("paragraph", text=ctx.t("fx_intro"))
    assessments = [r for r in results if isinstance(r, Assessment)]
    for r in results:
        if not isinstance(r, Assessment):
            section.add("notice", text=ctx.t("fx_data_error",
                                             label=indicators.label(r[0], ctx.language),
                                             error=r[1]))
    if assessments:
        section.add("table", df=summary_table(ctx, assessments),
                    caption=ctx.t("fx_table_caption"))
    for rank, a in enumerate(assessments):
        section.add("heading", text=_label(ctx, a), level=3)
        shown = 0
        for kind, text in sentences(ctx, a):
            if kind in FINDING_KINDS and shown < 2:
                section.add("finding", key=f"effect_{a.indicator}_{shown}", text=text,
                            rank=FINDING_RANK + rank, **_front_page_fields(ctx, a, kind))
                shown += 1
            else:
                section.add("notice" if kind == "notice" else "paragraph", text=text)
        # Before its first post-start cohort an indicator has nothing to track yet; its history
        # is the analysis's own chart (completion by cohort), so it is not drawn twice.
        drawn = None if a.problem == "no_post_cohort" else figure(ctx, a)
        if drawn is not None:
            section.add("figure", fig=drawn[0], alt=drawn[1], caption=drawn[2])
    section.add("paragraph", text=ctx.t("fx_cannot_say"))
    return section


def track(ctx, panels: dict[str, Callable[[str], pd.DataFrame]]) -> None:
    """Show the "Er vi på rett vei?" section for the programme's indicators in ``panels``.

    The notebook call of every analysis: ``effects.track(ctx, analysis.INDICATORS)``. It
    assesses (:func:`tracking.assess_program`) and shows (:func:`effect_section`).
    """
    if getattr(ctx, "profile", False):
        return  # an area profile has no programme: nothing to track
    results = tracking.assess_program(panels, ctx.program, ctx.region_codes, ctx.source,
                                      county=ctx.county, threshold=ctx.threshold)
    show(ctx, effect_section(ctx, results))
