"""The competence-gap report: the only place that turns a :class:`GapResult` into words.

``sections(result, ctx)`` returns :class:`pipeline.analysis.display.Section` objects in report
order; :func:`pipeline.analysis.display.show` displays them. Texts live in
``pipeline/texts/competence_gap.yml``.
"""

from __future__ import annotations

import math

from pipeline import areas
from pipeline.analysis.competence_gap import demand as dm
from pipeline.analysis.competence_gap import figures as fg
from pipeline.analysis.competence_gap import skills as sk
from pipeline.analysis.competence_gap import tables as tb
from pipeline.analysis.competence_gap.compute import GapResult
from pipeline.analysis.display import Section, show  # noqa: F401  (re-exported for notebooks)
from pipeline.sources.tables import TECHNICAL_FIELD
from pipeline.sources.tables import table as table_spec

UNDER_COVERAGE = 85.0  # backtest coverage (%) below which the report warns about the interval


def problem_text(ctx, result: GapResult) -> str:
    """A plain statement of what is missing (for a notice)."""
    parts, missing = [], []
    for problem in result.problems:
        if problem.startswith("jobs:"):
            years = int(problem.split(":")[1])
            if years == 0:
                missing.append("13470")
            else:
                parts.append(ctx.t("cg_short_history", region=result.label, years=years,
                                   needed=dm.MIN_YEARS))
        elif problem == "population_projection_years":
            missing.append("14288")
        else:
            missing.append(table_spec(problem).table_id)
    if missing:
        parts.insert(0, ctx.t("cg_missing_data", region=result.label,
                              what=", ".join(sorted(set(missing)))))
    return " ".join(parts)


def overview(ctx, result: GapResult) -> Section:
    """Title, purpose and, when the gap cannot be computed, why."""
    sec = Section(heading=ctx.t("cg_title", horizon=result.horizon))
    sec.add("paragraph", text=ctx.t("cg_intro", region=result.label, horizon=result.horizon))
    if not result.ok:
        sec.add("notice", text=problem_text(ctx, result))
    return sec


def commuting(ctx, result: GapResult) -> Section:
    """Jobs in the area against employed residents, and the basis of the gap."""
    sec = Section(heading="cg_heading_commuting", level=3)
    table = tb.commuting_table(ctx, result)
    sec.add("table", df=table, caption=ctx.t("cg_table_commuting_caption"),
            counts=[ctx.t("cg_col_jobs"), ctx.t("cg_col_residents")],
            decimals={ctx.t("cg_col_ratio"): 2})
    row = result.commuting[result.commuting["year"] == result.base_year]
    net = float(row["net_in_commuting"].iloc[0]) if len(row) else math.nan
    sec.add("paragraph", text=ctx.t("cg_basis", region=result.label, commuting=ctx.num(net),
                                    base=result.base_year))
    if len(row):
        r = row.iloc[0]
        sec.add("finding", key="cg_commuting", rank=40,
                text=ctx.t("cg_finding_commuting", year=result.base_year,
                           jobs=ctx.num(r["jobs"]), residents=ctx.num(r["residents"]),
                           net=ctx.num(r["net_in_commuting"])))
    return sec


def balance(ctx, result: GapResult) -> Section:
    """The demand model, its measured accuracy and the fan chart."""
    sec = Section(heading="cg_heading_balance")
    sec.add("paragraph", text=ctx.t("cg_model", h=result.backtest_horizon,
                                    reported=result.reported_horizon,
                                    coverage=tb.coverage_label(ctx, result)))
    last = result.gap.iloc[-1]
    sec.add("figure", fig=fg.fan_chart(ctx, result),
            caption=ctx.t("cg_fig_fan_caption", region=result.label,
                          first=int(result.jobs["year"].min()), last=result.horizon),
            alt=ctx.t("cg_fig_fan_alt", region=result.label, last=result.horizon,
                      demand=ctx.num(last["demand"]),
                      supply=ctx.num(last["supply"] + result.gap["demand"].iloc[0]
                                     - result.gap["supply"].iloc[0])))
    return sec


def _headline(ctx, result: GapResult) -> dict:
    last = result.gap.iloc[-1]
    # Say "lack" or "surplus" only when the whole 95 % interval is on one side of zero.
    if last["gap_low"] > 0:
        key, shown = "cg_finding_gap", last["gap"]
    elif last["gap_high"] < 0:
        key, shown = "cg_finding_surplus", -last["gap"]
    else:
        key, shown = "cg_finding_unclear", last["gap"]
    text = ctx.t(key, year=int(last["year"]), region=result.label, gap=ctx.num(shown),
                 interval=tb.interval_text(ctx, last["gap_low"], last["gap_high"]))
    text += " " + ctx.t("cg_finding_interval_scope", h=result.backtest_horizon,
                        coverage=tb.coverage_label(ctx, result))
    text += why_different(ctx, result, "gap", "cg_ours_gap")
    return {"key": "cg_gap_horizon", "rank": 10, "value": ctx.num(last["gap"]), "text": text,
            "reference": reference_label(result, "gap"), "question": "cg_question_gap"}


def reference_label(result: GapResult, measure: str) -> str | None:
    """Label of the programme's quoted figure that compares with ``measure`` (front page)."""
    return next((ref.label for ref in result.references
                 if getattr(ref, "compares_with", None) == measure), None)


def why_different(ctx, result: GapResult, measure: str, ours_key: str) -> str:
    """One sentence (with a leading space) on why the programme's quoted figure differs from
    ours, when the programme file says what its figure counts (``counts``); else ""."""
    ref = next((r for r in result.references
                if getattr(r, "compares_with", None) == measure), None)
    counts = ref.counts_for(ctx.language) if ref is not None else ""
    if not counts:
        return ""
    return " " + ctx.t("cg_reference_differs", label=ref.label, value=ctx.num(ref.value),
                       counts=counts, ours=ctx.t(ours_key, year=result.horizon))


def gap(ctx, result: GapResult) -> Section:
    """The gap with its interval and parts, findings, industries and age structure."""
    sec = Section(heading="cg_heading_gap")
    last = result.gap.iloc[-1]
    caption = ctx.t("cg_fig_gap_caption")
    if fg.plotted_references(result):
        caption += " " + ctx.t("cg_fig_gap_caption_references")
    sec.add("figure", fig=fg.gap_chart(ctx, result), caption=caption,
            alt=ctx.t("cg_fig_gap_alt", region=result.label, gap=ctx.num(last["gap"]),
                      last=result.horizon,
                      interval=tb.interval_text(ctx, last["gap_low"], last["gap_high"])))
    sec.add("table", df=tb.gap_table(ctx, result), decimals=0,
            caption=ctx.t("cg_table_gap_caption", region=result.label, base=result.base_year),
            note=ctx.t("cg_table_gap_note", reported=result.reported_horizon))
    sec.add("finding", **_headline(ctx, result))
    if result.backtest_coverage < UNDER_COVERAGE:
        sec.add("notice", text=ctx.t("cg_under_coverage", region=result.label,
                                     coverage=tb.coverage_label(ctx, result)))
    sec.add("finding", key="cg_gap_parts", rank=20,
            text=ctx.t("cg_finding_parts", region=result.label, year=int(last["year"]),
                       gap=ctx.num(last["gap"]), demand=ctx.num(last["demand_growth"]),
                       replacement=ctx.num(last["replacement"]),
                       entrants=ctx.num(-last["new_entrants"]),
                       migration=ctx.num(-last["migration_deaths"])))
    top = result.industries.iloc[result.industries["change"].abs().to_numpy().argmax()]
    sec.add("figure", fig=fg.industry_chart(ctx, result),
            caption=ctx.t("cg_fig_industry_caption", base=result.base_year, last=result.horizon),
            alt=ctx.t("cg_fig_industry_alt", industry=fg.industry_name(top["industry"],
                                                                        ctx.language),
                      change=ctx.num(top["change"])))
    sec.add("figure", fig=fg.age_chart(ctx, result), **_age_texts(ctx, result))
    return sec


def _age_texts(ctx, result: GapResult) -> dict:
    ages = result.age_structure

    def count(year: int, low: int, high: int) -> str:
        sel = ages[(ages["year"] == year) & ages["age_low"].between(low, high)]
        return ctx.num(float(sel["value"].sum()))

    return {"caption": ctx.t("cg_fig_age_caption", region=result.label, base=result.base_year,
                             last=result.horizon),
            "alt": ctx.t("cg_fig_age_alt", now=count(result.base_year, 20, 64),
                         then=count(result.horizon, 20, 64),
                         old_now=count(result.base_year, 65, 200),
                         old_then=count(result.horizon, 65, 200))}


def scenarios(ctx, result: GapResult) -> Section:
    """The gap at the horizon by scenario, the programme's own scenarios as findings."""
    sec = Section(heading="cg_heading_scenarios")
    sec.add("table", df=tb.scenario_table(ctx, result), decimals=0,
            caption=ctx.t("cg_table_scen_caption", last=result.horizon),
            note=ctx.t("cg_scenario_note", base=result.base_year))
    for rec in result.scenarios.itertuples(index=False):
        if rec.label:
            label = rec.label
            if not label.startswith(("«", "“", '"')):
                label = f"«{label}»" if ctx.language == "nb" else f"“{label}”"
            text = ctx.t("cg_finding_scenario", label=label, year=result.horizon,
                         change=ctx.num(rec.vs_baseline), gap=ctx.num(rec.gap))
            text += why_different(ctx, result, f"scenario:{rec.key}", "cg_ours_scenario")
            sec.add("finding", key=f"cg_scenario_{rec.key}", rank=30, text=text,
                    value=ctx.num(rec.gap), question="cg_question_gap",
                    reference=reference_label(result, f"scenario:{rec.key}"))
    if tb.own_references(result.references):
        sec.add("table", df=tb.references_table(ctx, result), decimals=0,
                caption=ctx.t("cg_table_refs_caption"))
    return sec


def education(ctx, result: GapResult) -> Section:
    """Education levels against county and country; trend and a tested comparison."""
    sec = Section(heading="cg_heading_education")
    own = result.higher_education[result.higher_education["area"] == result.area]
    if own.empty:
        sec.add("notice", text=ctx.t("too_little_data", what=ctx.t("cg_heading_education"),
                                     region=result.label))
        return sec
    table, year = tb.education_table(ctx, result)
    # The levels in full are detail (the chart and the findings carry the message), which
    # keeps the combined PDF within its page budget.
    sec.add("table", df=table, caption=ctx.t("cg_table_edu_caption", year=year), kind="detail")
    last = own.iloc[-1]
    sec.add("figure", fig=fg.education_chart(ctx, result), caption=ctx.t("cg_fig_edu_caption"),
            alt=ctx.t("cg_fig_edu_alt", region=result.label, share=ctx.pct(last["value"]),
                      year=int(last["year"])))
    trend = result.education_trend
    sec.add("finding", key="cg_higher_education", rank=50, value=ctx.pct(last["value"]),
            text=ctx.t("cg_finding_edu", share=ctx.pct(last["value"]), year=int(last["year"]),
                       slope=ctx.num(trend["slope"], 2),
                       interval=tb.interval_text(ctx, trend["low"], trend["high"], 2)))
    p = result.education_p_national
    if not math.isnan(p):
        nat = result.higher_education[(result.higher_education["area"] == "0")
                                      & (result.higher_education["year"] == last["year"])]
        n_value = float(nat["value"].iloc[0])
        direction = (ctx.t("higher" if last["value"] > n_value else "lower") if p < 0.05
                     else ctx.t("no_clear_difference"))
        sec.add("finding", key="cg_higher_education_vs_national", rank=55,
                text=ctx.t("cg_finding_edu_vs", region=result.label, direction=direction,
                           other=ctx.name(areas.NATIONAL, inline=True), a=ctx.pct(last["value"]),
                           b=ctx.pct(n_value)))
    return sec


def skills(ctx, result: GapResult) -> Section:
    """Skills by field of study: the area against county and country, and the technical field.

    The finding answers the programme question ``cg_q_skills`` (front page): the share of
    adults whose highest education is in natural science, technical and craft subjects, where
    ICT, engineering and production belong.
    """
    sec = Section(heading="cg_heading_skills", level=3)
    comp = result.field_comparison
    if comp.empty:
        sec.add("notice", text=ctx.t("too_little_data", what=ctx.t("cg_heading_skills"),
                                     region=result.label))
        return sec
    table, year = tb.fields_table(ctx, result)
    sec.add("table", df=table, caption=ctx.t("cg_table_fields_caption", year=year),
            note=ctx.t("cg_table_fields_note"))
    tech = comp[comp["field"] == TECHNICAL_FIELD]
    if tech.empty:
        return sec
    rec = tech.iloc[0]
    if result.area == areas.NATIONAL:
        text = ctx.t("cg_finding_fields_national", share=ctx.pct(rec["share"]), year=year)
    elif math.isnan(rec["share_national"]):  # no national figure to compare with
        text = ctx.t("cg_finding_fields_alone", region=result.label, year=year,
                     share=ctx.pct(rec["share"]), persons=ctx.num(rec["persons"]))
    else:
        p = rec["p_national"]
        verdict = ("cg_fields_higher" if rec["diff_national"] > 0 else "cg_fields_lower") \
            if p < 0.05 else "cg_fields_same"
        direction = ctx.t(verdict)
        text = ctx.t("cg_finding_fields", region=result.label, year=year,
                     share=ctx.pct(rec["share"]), national=ctx.pct(rec["share_national"]),
                     direction=direction, persons=ctx.num(rec["persons"]))
    # Fields of study answer the skills question on the front page (one answer per question
    # keeps page 1 to one page); the ICT and engineering occupations follow in the section.
    sec.add("finding", key="cg_skills_technical", rank=45, value=ctx.pct(rec["share"]),
            text=text, question="cg_q_skills")
    return sec


def occupations(ctx, result: GapResult) -> Section | None:
    """Employed residents by occupation: ICT and engineering groups in the main part, every
    major group in the detail part, and a tested finding on ICT and engineering occupations.

    None when SSB's occupation table is not there (it is optional): the report then says
    nothing about occupations rather than printing an empty section.
    """
    comp = result.occupation_comparison
    if comp.empty:
        return None
    year = int(comp["year"].iloc[0])
    sec = Section(heading="cg_heading_occupations", level=3)
    counts = [ctx.t("cg_col_employed")]
    region = ctx.name(result.area, inline=True)
    has_subs = (comp["level"] == sk.SUB).any()
    main = sk.SUB if has_subs else sk.MAJOR
    table = tb.occupations_table(ctx, result, main)
    # Shares and differences with one decimal; the count column (the second) with none.
    decimals = {col: 1 for col in table.columns[2:]}
    sec.add("table", df=table, counts=counts, decimals=decimals,
            caption=ctx.t("cg_table_occ_tech_caption" if has_subs else "cg_table_occ_caption",
                          region=region, year=year),
            note=ctx.t("cg_table_occ_note"))
    if has_subs:
        sec.add("table", df=tb.occupations_table(ctx, result, sk.MAJOR), counts=counts,
                decimals=decimals, kind="detail",
                caption=ctx.t("cg_table_occ_caption", region=region, year=year),
                note=ctx.t("cg_table_occ_detail_note"))
    rec = _ict_row(result)
    if rec is None:
        return sec
    sec.add("finding", key="cg_skills_occupations", rank=46, value=ctx.pct(rec["share"]),
            text=_occupation_text(ctx, result, rec))
    return sec


def _ict_row(result: GapResult):
    """The area's published ICT and engineering row of the comparison, or None."""
    comp = result.occupation_comparison
    tech = comp[comp["occupation"] == sk.TECH_TOTAL] if len(comp) else comp
    if tech.empty or bool(tech["suppressed"].iloc[0]):
        return None
    return tech.iloc[0]


def _occupation_text(ctx, result: GapResult, rec) -> str:
    """The ICT and engineering finding: share, comparison with a test, and the first year."""
    own = result.occupations[(result.occupations["region"] == result.area)
                             & (result.occupations["occupation"] == sk.TECH_TOTAL)
                             & ~result.occupations["suppressed"].astype(bool)]
    first = own.iloc[0]  # the latest year is among these (its cell is not suppressed)
    values = {"region": ctx.name(result.area, inline=True), "year": int(rec["year"]),
              "share": ctx.pct(rec["share"]), "persons": ctx.num(rec["employed"]),
              "first_year": int(first["year"]), "first_share": ctx.pct(first["share"])}
    # The direction since the first published year, when there is more than one.
    since = "" if values["first_year"] == values["year"] else " " + ctx.t(
        "cg_finding_occ_first", **values)
    if result.area == areas.NATIONAL or math.isnan(rec["share_national"]):
        return ctx.t("cg_finding_occ_alone", **values) + since
    p = rec["p_national"]
    verdict = ("cg_fields_higher" if rec["diff_national"] > 0 else "cg_fields_lower") \
        if p < 0.05 else "cg_fields_same"
    return ctx.t("cg_finding_occ", national=ctx.pct(rec["share_national"]),
                 direction=ctx.t(verdict), **values) + since


def accuracy(ctx, result: GapResult) -> Section:
    """The rolling-origin backtest: coverage by horizon and the earliest origin in detail."""
    sec = Section(heading="cg_heading_accuracy")
    if result.backtest.empty:
        sec.add("notice", text=ctx.t("too_little_data", what=ctx.t("cg_heading_accuracy"),
                                     region=result.label))
        return sec
    sec.add("paragraph", text=ctx.t("cg_backtest_text", h=result.backtest_horizon,
                                    reported=result.reported_horizon,
                                    first=int(result.backtest["origin"].min()),
                                    last=int(result.backtest["origin"].max()),
                                    coverage=tb.coverage_label(ctx, result)))
    sec.add("table", df=tb.coverage_table(ctx, result), decimals=0,
            caption=ctx.t("cg_table_coverage_caption", region=result.label))
    sec.add("table", df=tb.backtest_table(ctx, result), decimals=0,
            caption=ctx.t("cg_table_backtest_caption",
                          origin=int(result.backtest["origin"].min())))
    return sec


def sections(result: GapResult, ctx) -> list[Section]:
    """Every section of the report, in order (only the overview, education and skills when the
    gap cannot be computed; occupations only when SSB's table is there)."""
    competence = skills_and_occupations(ctx, result)
    if not result.ok:
        return [overview(ctx, result), education(ctx, result), competence]
    return [overview(ctx, result), commuting(ctx, result), balance(ctx, result),
            gap(ctx, result), scenarios(ctx, result), education(ctx, result),
            competence, accuracy(ctx, result)]


def skills_and_occupations(ctx, result: GapResult) -> Section:
    """Fields of study and, when SSB's occupation table is there, occupations under one
    heading (one heading fewer in the page budget of the combined PDF)."""
    sec = skills(ctx, result)
    occ = occupations(ctx, result)
    if occ is not None:
        sec.heading = "cg_heading_skills_occupations"
        sec.items.extend(occ.items)
    return sec
