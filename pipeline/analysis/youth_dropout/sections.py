"""The youth analysis in words: report sections from a :class:`YouthResult`.

The only module of the package that formats text (keys in ``texts/youth_dropout.yml``).
"""

from __future__ import annotations

import pandas as pd

from pipeline import i18n
from pipeline.analysis.effects.sections import Section, effect_section
from pipeline.analysis.youth_dropout import figures, tables
from pipeline.analysis.youth_dropout.results import YouthResult


def _ci(ctx, low: float, high: float, percent: bool = True, decimals: int = 1) -> str:
    if pd.isna(low) or pd.isna(high):
        return "–"
    return i18n.fmt_interval(low, high, ctx.language, decimals, percent=percent)


def _area(ctx) -> str:
    return ctx.region_label


def _verdict(ctx, verdict: str) -> str:
    return ctx.t({"higher": "higher", "lower": "lower"}.get(verdict, "no_clear_difference"))


def _neet_notices(ctx, result: YouthResult) -> list[str]:
    out = []
    own = result.neet[result.neet["area"] == "region"]
    if own["numerator"].isna().all():
        return [ctx.t("too_little_data", what=ctx.t("yd_no_neet"), region=_area(ctx))]
    sparse = tables.sparse_noise(result.neet)
    if sparse is not None:
        out.append(ctx.t("yd_sparse", area=_area(ctx), youths=ctx.num(round(sparse[0], -1)),
                         noise=ctx.num(sparse[1], 1)))
    hidden = tables.hidden_years(result.neet)
    if hidden:
        out.append(ctx.t("yd_suppressed", area=_area(ctx), what=ctx.t("yd_no_neet"),
                         years=", ".join(map(str, hidden))))
    sex_hidden = sorted(set(result.neet_sex.loc[result.neet_sex["numerator"].isna(), "year"]))
    if sex_hidden:
        out.append(ctx.t("yd_suppressed", area=_area(ctx), what=ctx.t("yd_by_sex"),
                         years=", ".join(map(str, sex_hidden))))
    return out


def _neet_table(ctx, rows: pd.DataFrame) -> dict:
    df = pd.DataFrame({
        ctx.t("yd_col_year"): rows["year"].astype(str),
        ctx.t("yd_col_neet"): rows["numerator"],
        ctx.t("yd_col_youths"): rows["denominator"],
        ctx.t("yd_col_share"): [":" if h else ctx.pct(v) for h, v in
                                zip(rows["hidden"], rows["value"], strict=True)],
        ctx.t("yd_col_interval"): [":" if h else _ci(ctx, lo, hi) for h, lo, hi in
                                   zip(rows["hidden"], rows["ci_low"], rows["ci_high"],
                                       strict=True)]})
    return {"df": df, "caption": ctx.t("yd_neet_caption", area=_area(ctx)), "decimals": 0,
            "counts": [ctx.t("yd_col_neet"), ctx.t("yd_col_youths")]}


def _neet_findings(ctx, result: YouthResult, rows: pd.DataFrame) -> list[dict]:
    out: list[dict] = []
    valued = rows.dropna(subset=["numerator", "denominator"])
    if valued.empty or valued["hidden"].iloc[-1]:
        return out
    last = valued.iloc[-1]
    out.append({"key": "neet_latest", "value": ctx.pct(last["value"]),
                "text": ctx.t("yd_neet_latest", year=int(last["year"]),
                              share=ctx.pct(last["value"]), area=_area(ctx),
                              ci=_ci(ctx, last["ci_low"], last["ci_high"]))})
    for _, c in result.neet_comparisons.iterrows():
        other = (ctx.t("yd_rest_of", area=ctx.name(c["other_code"], inline=True))
                 if c["other"] == "county" else ctx.t("yd_rest_of_country"))
        values = {"other": other, "other_share": ctx.pct(c["other_share"]), "area": _area(ctx),
                  "share": ctx.pct(c["share"]), "gap": ctx.num(c["gap"], 1),
                  "ci": _ci(ctx, c["ci_low"], c["ci_high"], False)}
        text = (ctx.t("yd_compare_none", **values) if c["verdict"] == "no_clear_difference"
                else ctx.t("yd_compare", verdict=ctx.t(c["verdict"]), **values))
        out.append({"key": f"neet_vs_{c['other']}", "text": text})
    if len(result.neet_trend):
        tr = result.neet_trend.iloc[0]
        # "has fallen by 0.23 a year (0.05 to 0.40)" reads better than "fallen by −0.23".
        sign = -1 if tr["verdict"] == "down" else 1
        low, high = sorted((sign * tr["ci_low"], sign * tr["ci_high"]))
        values = {"first": int(tr["first"]), "last": int(tr["last"]), "area": _area(ctx),
                  "slope": ctx.num(sign * tr["slope_pp"], 2), "ci": _ci(ctx, low, high, False, 2)}
        text = (ctx.t("yd_trend_flat", **values) if tr["verdict"] == "flat" else
                ctx.t("yd_trend", direction=ctx.t(f"yd_trend_{tr['verdict']}"), **values))
        out.append({"key": "neet_trend", "text": text})
    if len(result.neet_sex_gap):
        g = result.neet_sex_gap.iloc[0]
        values = {"year": int(g["year"]), "men": ctx.pct(g["men"]), "women": ctx.pct(g["women"]),
                  "area": _area(ctx), "gap": ctx.num(-g["gap"], 1),
                  "ci": _ci(ctx, -g["ci_high"], -g["ci_low"], False)}
        # gap is women − men; the sentence is about men, so "higher" when women are lower.
        men_verdict = {"lower": "higher", "higher": "lower"}.get(g["verdict"], g["verdict"])
        text = (ctx.t("yd_sex_gap_none", **values) if men_verdict == "no_clear_difference"
                else ctx.t("yd_sex_gap", verdict=ctx.t(men_verdict), **values))
        out.append({"key": "neet_sex", "text": text})
    return out


def neet_section(ctx, result: YouthResult) -> Section:
    """NEET 15–29: notices, chart, table, findings, and NEET by age group in the county."""
    section = Section(heading=ctx.t("yd_neet_heading"))
    for text in _neet_notices(ctx, result):
        section.add("notice", text=text)
    rows = tables.neet_rows(result.neet, ctx.threshold)
    shown = result.neet.assign(hidden=result.neet["numerator"].isna()
                               | (result.neet["numerator"] < ctx.threshold))
    if not rows[~rows["hidden"]].empty:
        county = shown[shown["area"] == "county"]
        county_name = ctx.name(county["code"].iloc[0], inline=True) if not county.empty else ""
        fig = figures.neet_figure(shown, {"region": _area(ctx), "county": county_name,
                                          "national": ctx.t("national"), "x": ctx.t("year"),
                                          "y": ctx.t("yd_axis_share")})
        last = rows[~rows["hidden"]].iloc[-1]
        nat = shown[(shown["area"] == "national") & (shown["year"] == last["year"])]["value"]
        alt = ctx.t("yd_neet_fig_alt", first=int(rows["year"].min()), last=int(last["year"]),
                    area=_area(ctx), share=ctx.pct(last["value"]),
                    ci=_ci(ctx, last["ci_low"], last["ci_high"]),
                    national=ctx.pct(nat.iloc[0] if len(nat) else float("nan")))
        # A county's own report has no county line: the caption names the country once.
        key = "yd_neet_fig_caption" if county_name else "yd_neet_fig_caption_national"
        section.add("figure", fig=fig, alt=alt,
                    caption=ctx.t(key, area=_area(ctx), county=county_name))
    section.add("table", **_neet_table(ctx, rows))
    for item in _neet_findings(ctx, result, rows):
        section.add("finding", **item)
    section.add("table", **_neet_county_table(ctx, result))
    return section


def _neet_county_table(ctx, result: YouthResult) -> dict:
    c = result.neet_county
    hidden = c["numerator"].isna() | (c["numerator"] < ctx.threshold)
    df = pd.DataFrame({
        ctx.t("yd_col_area"): [ctx.name(code) for code in c["code"]],
        ctx.t("yd_col_age"): c["age_group"], ctx.t("yd_col_neet"): c["numerator"],
        ctx.t("yd_col_share"): [":" if h else ctx.pct(v) for h, v in
                                zip(hidden, c["value"], strict=True)],
        ctx.t("yd_col_interval"): [":" if h else _ci(ctx, lo, hi) for h, lo, hi in
                                   zip(hidden, c["ci_low"], c["ci_high"], strict=True)]})
    year = int(c["year"].max()) if len(c) else ""
    county = ctx.name(result.county, inline=True) if result.county else ctx.t("national")
    caption = ctx.t("yd_county_caption", county=county, year=year)
    return {"df": df, "caption": caption, "decimals": 0, "counts": [ctx.t("yd_col_neet")]}


def _group_key(group: str) -> str:
    return f"yd_group_{group.removeprefix('background_')}"


def completion_section(ctx, result: YouthResult) -> Section:
    """Completion within five years (county level): chart, latest cohort by group, gaps."""
    section = Section(heading=ctx.t("yd_completion_heading"))
    county = result.county or "0"
    section.add("paragraph", text=ctx.t("yd_county_level", county=ctx.name(county, inline=True)))
    own = result.completion[(result.completion["region"] == county)
                            & (result.completion["sex"] == "0")]
    if own.empty:
        return section
    labels = {"general": ctx.t("yd_group_general"), "vocational": ctx.t("yd_group_vocational"),
              "county": ctx.name(county), "national": ctx.name("0"),
              "x": ctx.t("yd_axis_cohort"), "y": ctx.t("yd_axis_share")}
    last = int(own["year"].max())
    rate = {p: own[(own["programme"] == p) & (own["year"] == last)]["value"]
            for p in ("01", "02")}
    alt = ctx.t("yd_completion_fig_alt", first=int(own["year"].min()), last=last,
                county=ctx.name(county, inline=True), vocational=ctx.pct(rate["02"].iloc[0]),
                general=ctx.pct(rate["01"].iloc[0]))
    section.add("figure", fig=figures.completion_figure(result.completion, county, labels),
                alt=alt, caption=ctx.t("yd_completion_fig_caption",
                                       county=ctx.name(county, inline=True)))
    g = result.completion_groups
    hidden = g["completed"].isna() | (g["completed"] < ctx.threshold)
    df = pd.DataFrame({
        ctx.t("yd_col_group"): [f"{ctx.t(_group_key(n))} ({y})" for n, y in
                                zip(g["group"], g["year"], strict=True)],
        ctx.t("yd_col_completed"): g["completed"], ctx.t("yd_col_cohort"): g["cohort"],
        ctx.t("yd_col_share"): [":" if h else ctx.pct(v) for h, v in
                                zip(hidden, g["value"], strict=True)],
        ctx.t("yd_col_interval"): [":" if h else _ci(ctx, lo, hi) for h, lo, hi in
                                   zip(hidden, g["ci_low"], g["ci_high"], strict=True)],
        ctx.t("yd_col_national"): [ctx.pct(v) for v in g["national"]],
        ctx.t("yd_col_vs_rest"): [_verdict(ctx, v) if v else "–" for v in g["verdict"]]})
    section.add("table", df=df, decimals=0,
                caption=ctx.t("yd_completion_caption", year=last,
                              county=ctx.name(county, inline=True)),
                counts=[ctx.t("yd_col_completed"), ctx.t("yd_col_cohort")])
    words = {"higher": "yd_gap_higher", "lower": "yd_gap_lower"}
    for _, row in result.completion_gaps.iterrows():
        text = ctx.t("yd_gap", county=ctx.name(county, inline=True), year=int(row["year"]),
                     group=ctx.t(_group_key(row["group"])), rate=ctx.pct(row["rate"]),
                     ref_rate=ctx.pct(row["rate_ref"]),
                     ref_group=ctx.t(_group_key(row["reference"])).lower(),
                     verdict=ctx.t(words.get(row["verdict"], "yd_gap_none")),
                     gap=ctx.num(row["gap"], 1),
                     ci=_ci(ctx, row["ci_low"], row["ci_high"], False))
        section.add("finding", key=row["key"], text=text)
    return section


def cohort_section(ctx, result: YouthResult) -> Section:
    """The 16–19 cohort to the horizon: chart, table and the change by the horizon."""
    section = Section(heading=ctx.t("yd_cohort_heading"))
    c = result.cohorts
    obs, proj = c.dropna(subset=["observed"]), c.dropna(subset=["main"])
    if proj.empty:
        section.add("notice", text=ctx.t("yd_no_projection", area=_area(ctx)))
    if obs.empty:
        return section
    year = int(obs["year"].max())
    end = proj.iloc[-1] if not proj.empty else None
    fig = figures.cohort_figure(c, {"observed": ctx.t("yd_col_observed"),
                                    "main": ctx.t("yd_col_main"), "x": ctx.t("year"),
                                    "y": ctx.t("yd_axis_persons")})
    alt = ctx.t("yd_cohort_fig_alt", area=_area(ctx), first=int(obs["year"].min()),
                horizon=int(end["year"]) if end is not None else year,
                now=ctx.num(obs["observed"].iloc[-1]), year=year,
                then=ctx.num(end["main"]) if end is not None else "–",
                low=ctx.num(end["low"]) if end is not None else "–",
                high=ctx.num(end["high"]) if end is not None else "–")
    section.add("figure", fig=fig, alt=alt,
                caption=ctx.t("yd_cohort_fig_caption", area=_area(ctx), year=year))
    rows = tables.cohort_rows(c)
    cols = {"observed": "yd_col_observed", "main": "yd_col_main", "low": "yd_col_low",
            "high": "yd_col_high"}
    df = pd.DataFrame({ctx.t("yd_col_year"): rows["year"].astype(str),
                       **{ctx.t(key): rows[col] for col, key in cols.items()}})
    section.add("table", df=df, decimals=0, row_relations=False,
                caption=ctx.t("yd_cohort_caption", area=_area(ctx), horizon=result.horizon),
                counts=[ctx.t(key) for key in cols.values()])
    if end is not None:
        now = obs.iloc[-1]
        change = 100 * (end["main"] / now["observed"] - 1)
        text = ctx.t("yd_cohort_finding", area=_area(ctx), now=ctx.num(now["observed"]),
                     year=int(now["year"]), then=ctx.num(end["main"]), horizon=int(end["year"]),
                     change=ctx.num(change, 0), low=ctx.num(end["low"]),
                     high=ctx.num(end["high"]))
        if end["high"] < now["observed"]:  # fewer even in the high alternative
            text += " " + ctx.t("yd_cohort_income")
        # With kroner of county income for the cohort, the front page holds both in one block.
        question = "yd_q_cohort_income" if len(result.county_income.get("kroner", ())) else None
        section.add("finding", key="cohort_16_19", value=f"{ctx.num(change, 0)} %", text=text,
                    **({"question": question} if question else {}))
    return section


def sections(result: YouthResult, ctx) -> list[Section]:
    """Every section of the youth report, in order (effect tracking only with a programme)."""
    out = [neet_section(ctx, result), completion_section(ctx, result),
           cohort_section(ctx, result)]
    if result.effects:
        out.append(effect_section(ctx, result.effects))
    from pipeline.analysis.youth_dropout.value_sections import worth_section

    worth = worth_section(ctx, result)
    return out + ([worth] if worth is not None else [])
