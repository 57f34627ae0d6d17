""""What it is worth": the youth results in kroner, in words (an illustration, labelled so).

Turns :attr:`YouthResult.worth` and :attr:`YouthResult.county_income` (computed in
:mod:`.value`) into a section; texts in ``texts/youth_dropout.yml`` (``yd_worth_*``). The
programme's own figures (its unit values' sources and quotes, its published schedule) are
shown beside ours.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline import i18n
from pipeline.analysis.effects.sections import Section
from pipeline.analysis.youth_dropout.results import YouthResult

WORTH_REFERENCE = "worth"  # a programme reference with compares_with: worth sits beside it


def _mill(ctx, kroner: float) -> str:
    return ctx.num(kroner / 1e6, 1 if abs(kroner) < 1e7 else 0)


def _mill_interval(ctx, low: float, high: float) -> str:
    decimals = 1 if max(abs(low), abs(high)) < 1e7 else 0
    return i18n.fmt_interval(low / 1e6, high / 1e6, ctx.language, decimals)


def _rough_mill(ctx, kroner: float) -> str:
    """Kroner as "ca. −5 700" million, two significant digits: the lifetime row's interval is
    very wide, so more digits would look like a precision it does not have."""
    mill = kroner / 1e6
    if mill == 0 or not math.isfinite(mill):
        return ctx.num(mill, 0)
    digits = 1 - math.floor(math.log10(abs(mill)))
    return ctx.t("yd_worth_about", value=ctx.num(round(mill, digits), max(digits, 0)))


def _reference(ctx) -> str | None:
    program = getattr(ctx, "program", None)
    refs = getattr(program, "references", ()) or ()
    return next((r.label for r in refs if r.compares_with == WORTH_REFERENCE), None)


def origin(source: str) -> str:
    """The short name of a source ("Buskerudplanen" of "Buskerudplanen, høringsutkast (…)")."""
    return source.split(",")[0].split("(")[0].strip() or source


def _sources(ctx, result: YouthResult) -> str:
    parts = []
    for key in ("work_year", "benefits_lifetime", "county_income_16_18"):
        unit = result.unit_values.get(key)
        if unit is not None:
            quote = f" («{unit.quote}»)" if unit.quote else ""
            parts.append(ctx.t(f"yd_worth_unit_{key}") + f": {unit.source}{quote}")
    return "; ".join(parts)


def _effect_table(ctx, row: pd.Series) -> pd.DataFrame:
    # Persons as text (whole people); the kroner rows are numbers with one decimal.
    rows = [(ctx.t("yd_worth_row_persons"), ctx.num(row["persons"]), ctx.num(row["persons_low"]),
             ctx.num(row["persons_high"])),
            (ctx.t("yd_worth_row_year"), row["persons_kr"] / 1e6, row["persons_low_kr"] / 1e6,
             row["persons_high_kr"] / 1e6)]
    if "persons_lifetime_kr" in row.index:
        rows.append((ctx.t("yd_worth_row_lifetime"), _rough_mill(ctx, row["persons_lifetime_kr"]),
                     _rough_mill(ctx, row["persons_low_lifetime_kr"]),
                     _rough_mill(ctx, row["persons_high_lifetime_kr"])))
    return pd.DataFrame(rows, columns=[ctx.t("yd_worth_col_what"), ctx.t("yd_worth_col_ours"),
                                       ctx.t("yd_worth_col_low"), ctx.t("yd_worth_col_high")])


def _effect_part(ctx, result: YouthResult, section: Section) -> None:
    row = result.worth.iloc[0]
    unit = result.unit_values["work_year"]
    common = {"area": ctx.region_label, "origin": origin(unit.source),
              "population": ctx.num(row["population"]),
              "year": int(row["year"]), "unit": ctx.num(unit.value),
              "persons": ctx.num(row["persons"]), "kr": _mill(ctx, row["persons_kr"])}
    if row["kind"] == "effect":
        # "N fewer" only when the whole interval lies in the programme's direction.
        clear = row["persons_low"] > 0
        text = ctx.t("yd_worth_effect" if clear else "yd_worth_effect_unclear", **common,
                     estimate=ctx.num(row["estimate"], 2),
                     ci=i18n.fmt_interval(row["ci_low"], row["ci_high"], ctx.language, 2),
                     persons_ci=i18n.fmt_interval(row["persons_low"], row["persons_high"],
                                                  ctx.language, 0),
                     kr_low=_mill(ctx, row["persons_low_kr"]),
                     kr_high=_mill(ctx, row["persons_high_kr"]),
                     kr_ci=_mill_interval(ctx, row["persons_low_kr"], row["persons_high_kr"]))
    else:
        text = ctx.t("yd_worth_per_pp", **common)
    reference = _reference(ctx)
    method = ctx.t(f"fx_method_{row['method']}") if row["method"] else ctx.t("yd_worth_per_pp_word")
    section.add("finding", key="worth_neet", rank=35, text=text,
                value=f"{common['kr']} {ctx.t('yd_worth_mill')}",
                method=ctx.t("yd_worth_method", effect=method, unit=common["unit"],
                             origin=common["origin"]),
                **({"reference": reference} if reference else {"question": "yd_q_worth"}))
    # The kroner are on the front page and in the finding; the table is detail.
    section.add("table", df=_effect_table(ctx, row), decimals=1, row_relations=False,
                kind="detail",
                caption=ctx.t("yd_worth_table_caption", area=ctx.region_label),
                note=ctx.t("yd_worth_table_note"))


def _income_table(ctx, kroner: pd.DataFrame, fit: pd.DataFrame) -> pd.DataFrame:
    years = sorted(set(fit["year"]) if len(fit) else set())
    years = years or [int(kroner["year"].iloc[-1])]
    k = kroner.set_index("year").loc[years]
    published = fit.set_index("year")["published"] if len(fit) else pd.Series(dtype=float)
    return pd.DataFrame({
        ctx.t("yd_col_year"): [str(y) for y in years],
        ctx.t("yd_worth_col_shortfall"): k["shortfall"].to_numpy(),
        ctx.t("yd_worth_col_ours"): (k["kr"] / 1e6).to_numpy(),
        ctx.t("yd_worth_col_low"): (k["kr_low"] / 1e6).to_numpy(),
        ctx.t("yd_worth_col_high"): (k["kr_high"] / 1e6).to_numpy(),
        ctx.t("yd_worth_col_published"): [published.get(y, math.nan) / 1e6 for y in years]})


def _income_part(ctx, result: YouthResult, section: Section) -> None:
    ci = result.county_income
    kroner, fit = ci["kroner"], ci["fit"]
    unit = result.unit_values["county_income_16_18"]
    year = int(fit["year"].max()) if len(fit) else int(kroner["year"].max())
    k = kroner.set_index("year").loc[year]
    published = fit.set_index("year")["published"].get(year) if len(fit) else None
    how = ctx.t("yd_worth_income_derived") if unit.value is None else ctx.t(
        "yd_worth_income_given")
    text = ctx.t("yd_worth_income", area=ctx.region_label, base=ci["base_year"], year=year,
                 shortfall=ctx.num(k["shortfall"]), low=ctx.num(k["shortfall_low"]),
                 high=ctx.num(k["shortfall_high"]), per=ctx.num(round(ci["per_person"], -3)),
                 how=how, kr=_mill(ctx, k["kr"]),
                 kr_ci=_mill_interval(ctx, k["kr_low"], k["kr_high"]))
    if published is not None:
        text += " " + ctx.t("yd_worth_income_published", published=_mill(ctx, published),
                            year=year)
    section.add("finding", key="worth_county_income", rank=36, text=text,
                value=f"{_mill(ctx, k['kr'])} {ctx.t('yd_worth_mill')}",
                method=ctx.t("yd_worth_income_method"),
                question="yd_q_cohort_income")
    section.add("table", df=_income_table(ctx, kroner, fit), decimals=0, row_relations=False,
                kind="detail",
                caption=ctx.t("yd_worth_income_caption", area=ctx.region_label,
                              base=ci["base_year"]),
                note=ctx.t("yd_worth_income_note"))


def worth_section(ctx, result: YouthResult) -> Section | None:
    """The section, or None when the programme gives no unit values that apply."""
    has_effect = len(result.worth) > 0
    has_income = len(result.county_income.get("kroner", ())) > 0
    if not (has_effect or has_income):
        return None
    section = Section(heading=ctx.t("yd_worth_heading"))
    section.add("paragraph", text=ctx.t("yd_worth_intro", sources=_sources(ctx, result)))
    if has_effect:
        _effect_part(ctx, result, section)
    if has_income:
        _income_part(ctx, result, section)
    return section
