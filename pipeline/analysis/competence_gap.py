"""Competence gap: labour supply and demand to the programme's horizon, with uncertainty.

The analysis answers "how many workers will the region lack, how sure are we, what drives it and
what changes it" (issue 4). All logic lives here; ``notebooks/competence_gap.ipynb`` only calls it.

Method in brief (the notebook states the same in the report's language):

- **Supply** (employed residents, *bosted*): SSB's population projection (14288; main ``MMMM``,
  low ``LLML``, high ``HHMH``) by one-year age and sex, times the region's age- and sex-specific
  employment rates of the base year (06445, computed from counts). Scenario levers raise rates in
  chosen age groups (``employment_rate_pp``) or add net in-migrants of working age
  (``net_in_migration_per_year``, spread evenly over ages 20–39 at arrival, half women; they age
  with the projection years and work at the region's rates).
- **Demand** (jobs located in the region, *arbeidssted*): employment by industry (13470), one
  model per industry, either a linear trend with AR(1) errors (feasible GLS, ``GLSAR``, AR
  coefficient bias-corrected) or a random walk with drift (OLS on yearly changes). The model class
  is chosen by rolling-origin out-of-sample error of the region's total. Damped-trend exponential
  smoothing (``ETSModel``) was tried and rejected: its intervals ignore parameter uncertainty and
  covered only about 85 % of outcomes for a nominal 95 % on 18-year series (both candidates here
  cover 91–97 %), and it was 30 times slower to fit. Intervals come from simulating every
  industry jointly (shocks correlated across industries, parameters drawn from their sampling
  distribution) and summing the paths; bounds are never added.
- **Replacement** (07984, workplace): workers of the base year leave the year they turn 67;
  those already 67 or older leave in the first projection year. Ages are spread evenly inside
  each five-year group.
- **Gap** on the workplace basis: ``gap(t) = [D(t) − D0] − [S(t) − S0]``: new jobs minus the
  change in employed residents, holding today's net in-commuting fixed, so the gap is zero in
  the base year ("workers lacking compared with today's balance"). It is decomposed exactly as
  ``gap = demand growth + replacement + demography`` where ``demography = −(S(t) − S0) − R(t)``
  is the net inflow of new workers from new cohorts, migration and mortality beyond replacing
  retirees (negative when it closes part of the gap).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from pipeline import i18n
from pipeline.sources.tables import (
    EDUCATION_LEVELS,
    EMPLOYMENT_AGE_GROUPS,
    education_level_name,
    industry_name,
)

RETIREMENT_AGE = 67
WORKING_AGES = (15, 74)  # ages covered by the employment tables
MIGRANT_AGES = (20, 39)  # age at arrival of scenario in-migrants (evenly spread)
MIN_YEARS = 8  # fewer years of job history than this: no demand model
N_SIMULATIONS = 2000
CORRELATION_SHRINKAGE = 0.5  # halfway to independence: 17 industries, ~17 years of residuals
HIGHER_EDUCATION = ("03a", "04a")
MODELS = ("trend_ar", "drift")
TABLE_YEARS = (2025, 2030, 2035, 2040)
ALTERNATIVES = {"baseline": "MMMM", "low": "LLML", "high": "HHMH"}
# Used when a programme has no scenario called ``everything_right``: the levers of
# Buskerudplanen's «alt går riktig» together with SSB's high population alternative.
DEFAULT_EVERYTHING_RIGHT = {"employment_rate_pp": {"20-24": 3.0, "25-29": 2.0, "60-64": 3.0,
                                                   "65-69": 3.0},
                            "net_in_migration_per_year": 0, "alternative": "HHMH"}
DATASETS = ["population_projection", "employment_rate", "employment_by_industry",
            "employment_by_age", "education"]

i18n.register({
    "cg_title": {"nb": "Kompetansegap: arbeidskraft fram mot {horizon}",
                 "en": "Competence gap: labour to {horizon}"},
    "cg_intro": {
        "nb": "Vi sammenligner hvor mange jobber {region} trolig vil ha (etterspørsel) med hvor "
              "mange bosatte som vil være i arbeid (tilbud), fra i dag til {horizon}. Tilbudet er "
              "SSBs befolkningsframskriving ganget med dagens sysselsettingsandeler etter alder og "
              "kjønn. Etterspørselen er en statistisk fremskriving av sysselsatte etter "
              "arbeidssted, næring for næring, med 95 % usikkerhetsintervall.",
        "en": "We compare how many jobs {region} is likely to have (demand) with how many "
              "residents will be in work (supply), from today to {horizon}. Supply is Statistics "
              "Norway's population projection times today's employment rates by age and sex. "
              "Demand is a statistical projection of employment by place of work, industry by "
              "industry, with 95% uncertainty intervals."},
    "cg_basis": {
        "nb": "Gapet er regnet på arbeidsstedsbasis: jobber i {region} minus dem som kan fylle "
              "dem, det vil si bosatte i arbeid pluss dagens netto innpendling ({commuting}), som "
              "holdes fast. Vi velger arbeidssted fordi etterspørselen og programmets "
              "jobbsatsinger gjelder jobber som ligger i regionen. Gapet er null i {base}: tallene "
              "viser hvor mange flere arbeidstakere som trengs enn i dag.",
        "en": "The gap is measured where the jobs are: jobs in {region} minus the people who can "
              "fill them, i.e. employed residents plus today's net in-commuting ({commuting}), "
              "held fixed. We use the place of work because demand and the programme's job "
              "initiatives concern jobs located in the region. The gap is zero in {base}: the "
              "figures show how many more workers are needed than today."},
    "cg_model_choice": {
        "nb": "Etterspørselsmodell: {model}. Den ga minst feil da vi fremskrev totalen fra "
              "tidligere år og sammenlignet med faktiske tall (gjennomsnittlig bom {mae_chosen} "
              "jobber mot {mae_other} for {other}).",
        "en": "Demand model: {model}. It had the smaller error when we projected the total from "
              "earlier years and compared with actual figures (mean miss {mae_chosen} jobs versus "
              "{mae_other} for {other})."},
    "cg_model_drift": {"nb": "tilfeldig gange med drift (fast årlig vekst pluss støt som varer)",
                       "en": "random walk with drift (steady yearly growth plus lasting shocks)"},
    "cg_model_trend_ar": {"nb": "lineær trend med autokorrelerte avvik (AR(1))",
                          "en": "linear trend with autocorrelated errors (AR(1))"},
    "cg_missing_data": {
        "nb": "Arbeidskraftbehovet kan ikke fremskrives for {region}: det mangler tall i "
              "SSB-tabell {what}.",
        "en": "Labour demand cannot be projected for {region}: figures are missing in Statistics "
              "Norway table {what}."},
    "cg_short_history": {
        "nb": "Arbeidskraftbehovet kan ikke fremskrives for {region}: det finnes bare {years} års "
              "tall for sysselsatte etter arbeidssted, og modellen trenger minst {needed}.",
        "en": "Labour demand cannot be projected for {region}: there are only {years} years of "
              "employment by place of work, and the model needs at least {needed}."},
    "cg_col_year": {"nb": "År", "en": "Year"},
    "cg_col_demand": {"nb": "Jobber (etterspørsel)", "en": "Jobs (demand)"},
    "cg_col_supply": {"nb": "Bosatte i arbeid (tilbud)", "en": "Employed residents (supply)"},
    "cg_col_gap": {"nb": "Gap (mangel på arbeidstakere)", "en": "Gap (workers lacking)"},
    "cg_col_interval": {"nb": "95 % intervall", "en": "95% interval"},
    "cg_col_demand_growth": {"nb": "Vekst i etterspørsel", "en": "Demand growth"},
    "cg_col_replacement": {"nb": "Erstatningsbehov (avgang)", "en": "Replacement (retirements)"},
    "cg_col_demography": {"nb": "Demografi (nye årskull, flytting)",
                          "en": "Demography (new cohorts, migration)"},
    "cg_col_scenario": {"nb": "Scenario", "en": "Scenario"},
    "cg_col_vs_baseline": {"nb": "Endring mot basis", "en": "Change from baseline"},
    "cg_col_jobs": {"nb": "Jobber i regionen", "en": "Jobs in the region"},
    "cg_col_residents": {"nb": "Bosatte i arbeid", "en": "Employed residents"},
    "cg_col_net_commuting": {"nb": "Netto innpendling", "en": "Net in-commuting"},
    "cg_col_ratio": {"nb": "Jobber per bosatt i arbeid", "en": "Jobs per employed resident"},
    "cg_col_retiring": {"nb": "Når 67 år dette året", "en": "Turning 67 this year"},
    "cg_col_cumulative": {"nb": "Samlet siden {base}", "en": "Total since {base}"},
    "cg_col_model": {"nb": "Modell", "en": "Model"},
    "cg_col_mae": {"nb": "Gj.sn. bom (jobber)", "en": "Mean miss (jobs)"},
    "cg_col_mape": {"nb": "Gj.sn. bom (%)", "en": "Mean miss (%)"},
    "cg_col_actual": {"nb": "Faktisk", "en": "Actual"},
    "cg_col_forecast": {"nb": "Fremskrevet", "en": "Forecast"},
    "cg_col_error": {"nb": "Bom", "en": "Error"},
    "cg_col_level": {"nb": "Utdanningsnivå", "en": "Education level"},
    "cg_col_reference": {"nb": "Eksternt tall", "en": "External figure"},
    "cg_col_source": {"nb": "Kilde", "en": "Source"},
    "cg_col_value": {"nb": "Verdi", "en": "Value"},
    "cg_scenario_baseline": {"nb": "Basis (hovedalternativet)",
                             "en": "Baseline (main alternative)"},
    "cg_scenario_low": {"nb": "Lav befolkningsvekst (LLML)", "en": "Low population growth (LLML)"},
    "cg_scenario_high": {"nb": "Høy befolkningsvekst (HHMH)",
                         "en": "High population growth (HHMH)"},
    "cg_scenario_everything_right": {
        "nb": "«Alt går riktig» (standard: høyere sysselsetting 20–29 og 60–69 år, høy "
              "befolkningsvekst)",
        "en": "“Everything goes right” (default: higher employment at 20–29 and 60–69, high "
              "population growth)"},
    "cg_fig_fan_caption": {
        "nb": "Jobber i {region} (etterspørsel, med 80 og 95 % intervall) og bosatte i arbeid "
              "pluss dagens netto innpendling (tilbud), {first}–{last}.",
        "en": "Jobs in {region} (demand, with 80% and 95% intervals) and employed residents plus "
              "today's net in-commuting (supply), {first}–{last}."},
    "cg_fig_fan_alt": {
        "nb": "Linjediagram: etterspørsel og tilbud av arbeidskraft i {region} til {last}. I "
              "{last} ventes {demand} jobber og {supply} tilgjengelige arbeidstakere.",
        "en": "Line chart: labour demand and supply in {region} to {last}. In {last}, "
              "{demand} jobs and {supply} available workers are expected."},
    "cg_fig_gap_caption": {
        "nb": "Mangel på arbeidstakere sammenlignet med i dag, med 95 % intervall. Eksterne tall "
              "er vist som merkede punkter og er ikke brukt i beregningen.",
        "en": "Workers lacking compared with today, with 95% interval. External figures are shown "
              "as labelled points and are not used in the calculation."},
    "cg_fig_gap_alt": {
        "nb": "Linjediagram: gapet i {region} er {gap} i {last} (95 % intervall {interval}).",
        "en": "Line chart: the gap in {region} is {gap} in {last} (95% interval {interval})."},
    "cg_fig_industry_caption": {
        "nb": "Endring i antall jobber etter næring, {base}–{last} (fremskrevet, med 95 % "
              "intervall).",
        "en": "Change in jobs by industry, {base}–{last} (projected, with 95% interval)."},
    "cg_fig_industry_alt": {
        "nb": "Liggende søylediagram: størst ventet endring i {industry} ({change} jobber).",
        "en": "Horizontal bar chart: the largest expected change is in {industry} "
              "({change} jobs)."},
    "cg_fig_age_caption": {
        "nb": "Befolkningen i {region} etter alder, {base} og {last} (SSBs hovedalternativ).",
        "en": "Population of {region} by age, {base} and {last} (Statistics Norway's main "
              "alternative)."},
    "cg_fig_age_alt": {
        "nb": "Søylediagram: personer 20–66 år endres fra {now} til {then}; 67 år og eldre fra "
              "{old_now} til {old_then}.",
        "en": "Bar chart: people aged 20–66 change from {now} to {then}; aged 67 and over from "
              "{old_now} to {old_then}."},
    "cg_fig_edu_caption": {
        "nb": "Andel med høyere utdanning (universitet og høgskole), befolkningen 16 år og over.",
        "en": "Share with higher education (university and college), population aged 16 and "
              "over."},
    "cg_fig_edu_alt": {
        "nb": "Linjediagram: andelen med høyere utdanning i {region} var {share} i {year}.",
        "en": "Line chart: the share with higher education in {region} was {share} in {year}."},
    "cg_table_gap_caption": {
        "nb": "Mangel på arbeidstakere i {region} sammenlignet med {base}, og hva som driver den "
              "(basis).",
        "en": "Workers lacking in {region} compared with {base}, and what drives it (baseline)."},
    "cg_table_gap_note": {
        "nb": "Vekst i etterspørsel + erstatningsbehov + demografi = gap. Intervallet gjelder "
              "usikkerheten i etterspørselen; befolkningsalternativene er vist som scenarioer.",
        "en": "Demand growth + replacement + demography = gap. The interval covers the "
              "uncertainty of demand; population alternatives are shown as scenarios."},
    "cg_table_scen_caption": {
        "nb": "Gapet i {last} etter scenario.",
        "en": "The gap in {last} by scenario."},
    "cg_table_commuting_caption": {
        "nb": "Jobber i regionen og bosatte i arbeid (pendling).",
        "en": "Jobs in the region and employed residents (commuting)."},
    "cg_table_replacement_caption": {
        "nb": "Erstatningsbehov: sysselsatte i {region} i {base} som når 67 år (antatt avgang ved "
              "67; de som alt er 67 eller eldre går av første år).",
        "en": "Replacement demand: people working in {region} in {base} who reach 67 (assumed "
              "exit at 67; those already 67 or older leave in the first year)."},
    "cg_table_models_caption": {
        "nb": "Treffsikkerhet for de to etterspørselsmodellene (rullerende fremskrivinger av "
              "totalen, 1–{h} år fram).",
        "en": "Accuracy of the two demand models (rolling projections of the total, 1–{h} years "
              "ahead)."},
    "cg_table_backtest_caption": {
        "nb": "Etterprøving: modellen tilpasset data til {origin}, sammenlignet med faktiske tall.",
        "en": "Backtest: the model fitted to data up to {origin}, compared with actual figures."},
    "cg_table_edu_caption": {
        "nb": "Utdanningsnivå i befolkningen 16 år og over, {year} (prosent).",
        "en": "Education level of the population aged 16 and over, {year} (percent)."},
    "cg_table_refs_caption": {
        "nb": "Eksterne tall sitert av programmet (vist til sammenligning, ikke brukt i "
              "beregningen).",
        "en": "External figures cited by the programme (shown for comparison, not used in the "
              "calculation)."},
    "cg_backtest_text": {
        "nb": "Etterprøving: Da vi bare brukte tall til og med {origin}, anslo modellen {forecast} "
              "jobber i {year}. Faktisk var det {actual}, en bom på {error} ({error_pct}). Det "
              "faktiske tallet lå {inside} 95 %-intervallet ({interval}).",
        "en": "Backtest: using only figures up to {origin}, the model projected {forecast} jobs "
              "in {year}. The actual number was {actual}, a miss of {error} ({error_pct}). The "
              "actual figure was {inside} the 95% interval ({interval})."},
    "cg_inside": {"nb": "innenfor", "en": "inside"},
    "cg_outside": {"nb": "utenfor", "en": "outside"},
    "cg_finding_gap": {
        "nb": "I {year} vil {region} mangle om lag {gap} arbeidstakere sammenlignet med i dag "
              "(95 % intervall {interval}).",
        "en": "By {year}, {region} will lack about {gap} workers compared with today (95% "
              "interval {interval})."},
    "cg_finding_surplus": {
        "nb": "I {year} vil {region} ha om lag {gap} flere arbeidstakere enn jobbene krever, "
              "sammenlignet med i dag (95 % intervall for gapet {interval}).",
        "en": "By {year}, {region} will have about {gap} more workers than its jobs need, "
              "compared with today (95% interval of the gap {interval})."},
    "cg_finding_unclear": {
        "nb": "Gapet i {region} i {year} anslås til {gap} arbeidstakere (95 % intervall "
              "{interval}). Intervallet omfatter null, så vi kan ikke si sikkert om det blir "
              "mangel eller overskudd.",
        "en": "The gap in {region} in {year} is estimated at {gap} workers (95% interval "
              "{interval}). The interval includes zero, so we cannot say for sure whether there "
              "will be a shortage or a surplus."},
    "cg_finding_parts": {
        "nb": "Av dette skyldes {demand} vekst i antall jobber og {replacement} at sysselsatte "
              "når 67 år; nye årskull og flytting gir {demography}.",
        "en": "Of this, {demand} comes from job growth and {replacement} from workers reaching "
              "67; new cohorts and migration contribute {demography}."},
    "cg_finding_scenario": {
        "nb": "Scenarioet {label} endrer gapet i {year} med {change} arbeidstakere.",
        "en": "The scenario {label} changes the gap in {year} by {change} workers."},
    "cg_finding_commuting": {
        "nb": "I {year} var det {jobs} jobber i regionen og {residents} bosatte i arbeid: netto "
              "innpendling på {net}.",
        "en": "In {year} there were {jobs} jobs in the region and {residents} employed "
              "residents: net in-commuting of {net}."},
    "cg_finding_edu": {
        "nb": "Andelen med høyere utdanning var {share} i {year}; trenden er {slope} "
              "prosentpoeng per år (95 % intervall {interval}).",
        "en": "The share with higher education was {share} in {year}; the trend is {slope} "
              "percentage points per year (95% interval {interval})."},
    "cg_finding_edu_vs": {
        "nb": "{region} har {direction} andel med høyere utdanning enn {other} ({a} mot {b}).",
        "en": "{region} has a {direction} share with higher education than {other} ({a} versus "
              "{b})."},
    "cg_supply": {"nb": "Tilbud", "en": "Supply"},
    "cg_demand": {"nb": "Etterspørsel", "en": "Demand"},
    "cg_gap": {"nb": "Gap", "en": "Gap"},
    "cg_observed": {"nb": "Observert", "en": "Observed"},
    "cg_persons": {"nb": "Personer", "en": "Persons"},
    "cg_jobs": {"nb": "Jobber", "en": "Jobs"},
    "cg_age": {"nb": "Alder", "en": "Age"},
    "cg_percent": {"nb": "Prosent", "en": "Percent"},
    "cg_heading_balance": {"nb": "Tilbud og etterspørsel", "en": "Supply and demand"},
    "cg_heading_gap": {"nb": "Gapet og hva som driver det", "en": "The gap and what drives it"},
    "cg_heading_scenarios": {"nb": "Scenarioer", "en": "Scenarios"},
    "cg_heading_commuting": {"nb": "Pendling", "en": "Commuting"},
    "cg_heading_education": {"nb": "Utdanning og kompetanse", "en": "Education and competence"},
    "cg_heading_accuracy": {"nb": "Hvor treffsikker er fremskrivingen?",
                            "en": "How accurate is the projection?"},
    "cg_heading_effects": {"nb": "Er vi på rett vei?", "en": "Are we on the right track?"},
    "cg_scenario_note": {
        "nb": "Jobbsatsinger legges oppå trenden. Flere i arbeid gjelder fra året etter {base}; "
              "tilflyttere er 20–39 år ved ankomst og jobber like mye som andre på samme alder.",
        "en": "Job initiatives are added on top of the trend. Higher employment rates apply from "
              "the year after {base}; in-migrants are 20–39 on arrival and work as much as others "
              "of the same age."},
})


# ---------------------------------------------------------------------------------------------
# Data access and region selection
# ---------------------------------------------------------------------------------------------

def _load(dataset: str, source: str) -> pd.DataFrame:
    from pipeline import config

    # The processed folder is part of the cache key: tests and runs may switch INNSIKT_ROOT.
    return _load_cached(dataset, source, str(config.paths().processed_source(source)))


@lru_cache(maxsize=32)
def _load_cached(dataset: str, source: str, folder: str) -> pd.DataFrame:
    from pipeline import datasets

    return datasets.load(dataset, source)


def _municipalities_in_county(county: str) -> list[str]:
    try:
        from pipeline import geography
    except ImportError:  # geography is written in parallel; without it counties need own rows
        return []
    return list(geography.municipalities_in_county(county))


def region_rows(df: pd.DataFrame, codes: Sequence[str], column: str = "region") -> pd.DataFrame:
    """Rows of ``df`` belonging to ``codes``; a county without own rows is its municipalities.

    Args:
        df: a tidy frame with a region column.
        codes: municipality (4 digits), county (2 digits) or "0" codes.
        column: the region column.

    Returns:
        The matching rows (may be empty).
    """
    present = set(df[column].astype(str).unique())
    wanted: list[str] = []
    for code in codes:
        if code in present:
            wanted.append(code)
        elif len(code) == 2:
            wanted.extend(m for m in _municipalities_in_county(code) if m in present)
    return df[df[column].isin(wanted)]


def region_sum(df: pd.DataFrame, codes: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """Sum ``value`` over the region's rows by ``by`` (sums of counts, never of rates)."""
    rows = region_rows(df, codes)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "value"])
    return rows.groupby(list(by), as_index=False, observed=True)["value"].sum(min_count=1)


# ---------------------------------------------------------------------------------------------
# Supply
# ---------------------------------------------------------------------------------------------

def parse_age_group(group: str) -> tuple[int, int]:
    """``"20-29"`` → ``(20, 29)``; ``"25"`` → ``(25, 25)``.

    Raises:
        ValueError: when the group is not ``a-b`` within the employment tables' ages 15–74.
    """
    text = str(group).replace("–", "-").strip()
    try:
        low, high = (int(p) for p in text.split("-")) if "-" in text else (int(text),) * 2
    except ValueError:
        raise ValueError(f"age group {group!r}: write it as 'from-to' in years, e.g. '20-29'"
                         ) from None
    if not WORKING_AGES[0] <= low <= high <= WORKING_AGES[1]:
        raise ValueError(f"age group {group!r}: must lie within {WORKING_AGES[0]}-"
                         f"{WORKING_AGES[1]} (the ages of the employment tables)")
    return low, high


def group_employment_rates(rate_df: pd.DataFrame, codes: Sequence[str],
                           year: int | None = None) -> tuple[pd.DataFrame, int]:
    """Employment rates by sex and age group in one year, built from counts (06445).

    The population of each cell is recovered as employed / share; a region of several
    municipalities gets the rate Σ employed / Σ population.

    Args:
        rate_df: the tidy ``employment_rate`` dataset.
        codes: the region's codes.
        year: the base year; default the latest year with data for the region.

    Returns:
        (frame with sex, age_group, employed, population, rate; the year used).
    """
    rows = region_rows(rate_df, codes)
    wide = rows.pivot_table(index=["region", "sex", "age_group", "year"], columns="measure",
                            values="value", aggfunc="sum", observed=True).reset_index()
    if wide.empty or "Sysselsatte" not in wide or "SysselsatteProsent" not in wide:
        return pd.DataFrame(columns=["sex", "age_group", "employed", "population", "rate"]), -1
    wide = wide.dropna(subset=["Sysselsatte"])
    year = int(wide["year"].max()) if year is None else year
    wide = wide[wide["year"] == year]
    share = wide["SysselsatteProsent"] / 100.0
    wide = wide.assign(population=(wide["Sysselsatte"] / share).where(share > 0, 0.0))
    out = (wide.groupby(["sex", "age_group"], as_index=False)
           .agg(employed=("Sysselsatte", "sum"), population=("population", "sum")))
    out["rate"] = (out["employed"] / out["population"]).where(out["population"] > 0, 0.0)
    return out, year


def one_year_rates(group_rates: pd.DataFrame, rate_pp: Mapping[str, float] | None = None
                   ) -> pd.DataFrame:
    """Rates by sex and one-year age 15–74 from five-year groups, plus optional levers.

    Args:
        group_rates: sex, age_group ("20-24"), rate (fraction).
        rate_pp: age group ("20-29" or a table group) → extra percentage points.

    Returns:
        Frame with sex, age, rate (capped at 1).
    """
    rows = []
    for rec in group_rates.itertuples(index=False):
        low, high = parse_age_group(rec.age_group)
        rows.extend((rec.sex, age, float(rec.rate)) for age in range(low, high + 1))
    out = pd.DataFrame(rows, columns=["sex", "age", "rate"])
    for group, pp in (rate_pp or {}).items():
        low, high = parse_age_group(group)
        hit = out["age"].between(low, high)
        out.loc[hit, "rate"] = (out.loc[hit, "rate"] + pp / 100.0).clip(upper=1.0)
    return out


def migrant_stock(per_year: float, base_year: int, years: Sequence[int],
                  ages: tuple[int, int] = MIGRANT_AGES) -> pd.DataFrame:
    """Extra residents from scenario net in-migration, by year, sex and age.

    ``per_year`` people arrive every year after ``base_year``, spread evenly over ``ages`` and
    equally over the sexes; they age one year per year and nobody dies or leaves again.

    Returns:
        Frame with year, sex, age, persons (empty when ``per_year`` is 0).
    """
    if not per_year:
        return pd.DataFrame(columns=["year", "sex", "age", "persons"])
    span = ages[1] - ages[0] + 1
    rows = []
    for year in years:
        for arrival in range(base_year + 1, year + 1):
            for age0 in range(ages[0], ages[1] + 1):
                for sex in ("1", "2"):
                    rows.append((year, sex, age0 + year - arrival, per_year / span / 2))
    out = pd.DataFrame(rows, columns=["year", "sex", "age", "persons"])
    return out.groupby(["year", "sex", "age"], as_index=False)["persons"].sum()


def labour_supply(projection: pd.DataFrame, group_rates: pd.DataFrame, base_year: int,
                  rate_pp: Mapping[str, float] | None = None,
                  net_in_migration_per_year: float = 0) -> pd.Series:
    """Employed residents per year: projected population × base-year employment rates.

    Args:
        projection: year, sex, age, value (persons) for one alternative.
        group_rates: base-year rates by sex and age group (see :func:`group_employment_rates`).
        base_year: levers and extra migration apply to the years after it.
        rate_pp: age group → extra percentage points of employment.
        net_in_migration_per_year: extra net in-migrants per year (see :func:`migrant_stock`).

    Returns:
        Series year → employed residents (float).
    """
    years = sorted(int(y) for y in projection["year"].unique())
    base = one_year_rates(group_rates)
    lifted = one_year_rates(group_rates, rate_pp) if rate_pp else base
    pop = projection[["year", "sex", "age", "value"]].rename(columns={"value": "persons"})
    extra = migrant_stock(net_in_migration_per_year, base_year, years)
    if not extra.empty:
        pop = pd.concat([pop, extra], ignore_index=True)
    pop = pop.assign(lever=pop["year"] > base_year)
    merged = pd.concat([
        pop[~pop["lever"]].merge(base, on=["sex", "age"], how="left"),
        pop[pop["lever"]].merge(lifted, on=["sex", "age"], how="left"),
    ], ignore_index=True)
    merged["employed"] = merged["persons"] * merged["rate"].fillna(0.0)
    return merged.groupby("year")["employed"].sum().reindex(years, fill_value=0.0)


# ---------------------------------------------------------------------------------------------
# Replacement demand
# ---------------------------------------------------------------------------------------------

def replacement_demand(employed_by_age: pd.DataFrame, base_year: int, years: Sequence[int],
                       retirement_age: int = RETIREMENT_AGE) -> pd.DataFrame:
    """Workers of the base year who reach retirement age, per year and cumulated.

    Each worker leaves in the year they turn ``retirement_age``; those already at or above it in
    the base year leave in the first projection year. Ages are spread evenly within each group.

    Args:
        employed_by_age: age_group, value (employed persons in the base year, any sex split).
        base_year: the year of the age structure.
        years: the years to report (those after ``base_year`` count).

    Returns:
        Frame with year, retiring (that year), cumulative (since the base year).
    """
    per_age: dict[int, float] = {}
    for rec in employed_by_age.groupby("age_group", as_index=False)["value"].sum().itertuples():
        low, high = parse_age_group(rec.age_group)
        for age in range(low, high + 1):
            per_age[age] = per_age.get(age, 0.0) + float(rec.value) / (high - low + 1)
    rows = []
    cumulative = 0.0
    for year in sorted(years):
        step = year - base_year
        if step <= 0:
            retiring = 0.0
        elif step == 1:
            retiring = sum(v for a, v in per_age.items() if a + 1 >= retirement_age)
        else:
            retiring = sum(v for a, v in per_age.items() if a + step == retirement_age)
        cumulative += retiring
        rows.append((year, retiring, cumulative))
    return pd.DataFrame(rows, columns=["year", "retiring", "cumulative"])


# ---------------------------------------------------------------------------------------------
# Demand: one model per industry, joint simulation
# ---------------------------------------------------------------------------------------------

@dataclass
class SeriesFit:
    """A fitted demand model for one series, with what simulation needs."""

    model: str  # "trend_ar", "drift" or "constant"
    y: np.ndarray
    params: dict[str, float]
    cov: np.ndarray | None = None
    resid: np.ndarray | None = None

    @property
    def sigma(self) -> float:
        return float(self.params.get("sigma", 0.0))


def fit_series(y: np.ndarray | Sequence[float], model: str) -> SeriesFit:
    """Fit one demand model to an annual series (statsmodels).

    Args:
        y: the series, oldest first, no missing values.
        model: ``"trend_ar"`` (linear trend with AR(1) errors, feasible GLS ``GLSAR``) or
            ``"drift"`` (random walk with drift, OLS on yearly changes).

    Returns:
        A :class:`SeriesFit`; a constant model when the series does not vary or a fit fails.
    """
    if model not in MODELS:
        raise ValueError(f"unknown demand model {model!r}; use one of {', '.join(MODELS)}")
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < 4 or np.ptp(y) == 0:
        return SeriesFit("constant", y, {"mean": float(y[-1]) if n else 0.0,
                                         "sigma": float(np.std(y, ddof=1)) if n > 1 else 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if model == "drift":
                return _fit_drift(y)
            if model == "trend_ar":
                return _fit_trend_ar(y)
        except (ValueError, np.linalg.LinAlgError):
            pass
    return SeriesFit("constant", y, {"mean": float(y[-1]), "sigma": float(np.std(y, ddof=1))})


def _fit_trend_ar(y: np.ndarray) -> SeriesFit:
    """Linear trend with AR(1) errors by feasible GLS (statsmodels ``GLSAR``, iterated).

    GLSAR is used rather than ARIMA's exact likelihood because it is ~30 times faster (the
    rolling-origin comparison fits hundreds of series) and gives the small-sample quantities the
    simulation needs: the coefficient covariance and the residual degrees of freedom.
    """
    import statsmodels.api as sm

    n = len(y)
    x = sm.add_constant(np.arange(n, dtype=float))
    first = sm.GLSAR(y, x, rho=1)
    first.iterative_fit(maxiter=20)
    raw = float(np.asarray(first.rho).ravel()[0])
    # The AR coefficient of detrended residuals is biased towards −1 in short series
    # (E[ρ̂] ≈ ρ − (2 + 4ρ)/n); invert that approximation before using it.
    rho = float(np.clip((raw + 2 / n) / (1 - 4 / n), -0.95, 0.95))
    res = sm.GLSAR(y, x, rho=rho).fit()
    const, slope = (float(v) for v in res.params)
    u = y - const - slope * np.arange(n)
    innovations = u[1:] - rho * u[:-1]
    dof = max(int(res.df_resid), 1)
    sigma2 = float(np.sum(innovations ** 2) / dof)
    cov = np.asarray(res.cov_params(), dtype=float)
    if not np.all(np.isfinite(cov)):
        cov = None
    return SeriesFit("trend_ar", y, {"const": const, "slope": slope, "phi": rho,
                                     "sigma2": sigma2, "sigma": math.sqrt(sigma2),
                                     "dof": float(dof)},
                     cov=cov, resid=innovations)


def _fit_drift(y: np.ndarray) -> SeriesFit:
    """Random walk with drift: OLS of the yearly change on a constant (statsmodels)."""
    import statsmodels.api as sm

    diff = np.diff(y)
    res = sm.OLS(diff, np.ones((len(diff), 1))).fit()
    drift = float(res.params[0])
    dof = max(int(res.df_resid), 1)
    innovations = diff - drift
    sigma2 = float(np.sum(innovations ** 2) / dof)
    return SeriesFit("drift", y, {"drift": drift, "sigma2": sigma2, "sigma": math.sqrt(sigma2),
                                  "dof": float(dof)}, resid=innovations)


def point_forecast(fit: SeriesFit, steps: int) -> np.ndarray:
    """The model's mean forecast 1…``steps`` ahead (analytic, no simulation)."""
    h = np.arange(1, steps + 1, dtype=float)
    p = fit.params
    if fit.model == "drift":
        return fit.y[-1] + h * p["drift"]
    if fit.model == "trend_ar":
        t_last = len(fit.y) - 1
        u_last = fit.y[-1] - p["const"] - p["slope"] * t_last
        return p["const"] + p["slope"] * (t_last + h) + p["phi"] ** h * u_last
    return np.full(steps, p["mean"])


def simulate_series(fit: SeriesFit, shocks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Simulated future paths of one series.

    Args:
        fit: the fitted model.
        shocks: standard-normal innovations, shape (repetitions, steps) (may be correlated
            across series by the caller).
        rng: random generator for parameter draws (trend model only).

    Returns:
        Paths of shape (repetitions, steps).
    """
    reps, steps = shocks.shape
    p = fit.params
    if fit.model == "drift":
        # Predictive distribution with the drift and the innovation variance unknown: variance
        # drawn as scaled inverse chi-square, drift normal given it (exact under the model).
        sigma = np.sqrt(p["sigma2"] * p["dof"] / rng.chisquare(p["dof"], size=reps))
        drift = p["drift"] + sigma * rng.standard_normal(reps) / math.sqrt(len(fit.y) - 1)
        steps_ahead = np.arange(1, steps + 1)[None, :]
        return (fit.y[-1] + drift[:, None] * steps_ahead
                + np.cumsum(sigma[:, None] * shocks, axis=1))
    if fit.model == "trend_ar":
        # Parameter uncertainty matters with ~15 years of data: every path draws its own
        # trend (normal, GLS covariance), AR coefficient (normal, var (1 − ρ²)/n) and
        # innovation variance (scaled inverse chi-square on the residual degrees of freedom).
        coef = np.array([p["const"], p["slope"]])
        draws = (rng.multivariate_normal(coef, fit.cov, size=reps, method="eigh")
                 if fit.cov is not None else np.tile(coef, (reps, 1)))
        const, slope = draws[:, 0], draws[:, 1]
        n = len(fit.y)
        phi_sd = math.sqrt((1 - p["phi"] ** 2) / n) / (1 - 4 / n)
        phi = np.clip(p["phi"] + rng.standard_normal(reps) * phi_sd, -0.98, 0.98)
        sigma = np.sqrt(p["sigma2"] * p["dof"] / rng.chisquare(p["dof"], size=reps))
        t_last = len(fit.y) - 1
        u = fit.y[-1] - const - slope * t_last
        out = np.empty((reps, steps))
        for h in range(steps):
            u = phi * u + sigma * shocks[:, h]
            out[:, h] = const + slope * (t_last + h + 1) + u
        return out
    return p["mean"] + p["sigma"] * shocks


def shock_correlation(fits: Sequence[SeriesFit], shrinkage: float = CORRELATION_SHRINKAGE
                      ) -> np.ndarray:
    """Correlation of standardised residuals across series, shrunk towards independence."""
    k = len(fits)
    resid = [f.resid / f.sigma if f.resid is not None and f.sigma > 0 else None
             for f in fits]
    length = min((len(r) for r in resid if r is not None), default=0)
    corr = np.eye(k)
    if length >= 5:
        usable = [i for i, r in enumerate(resid) if r is not None and np.std(r[-length:]) > 0]
        if len(usable) > 1:
            mat = np.vstack([resid[i][-length:] for i in usable])
            sub = np.corrcoef(mat)
            for a, i in enumerate(usable):
                for b, j in enumerate(usable):
                    corr[i, j] = sub[a, b]
    return (1 - shrinkage) * corr + shrinkage * np.eye(k)


def simulate_demand(fits: Sequence[SeriesFit], steps: int, repetitions: int = N_SIMULATIONS,
                    seed: int = 2024) -> np.ndarray:
    """Joint simulation of every industry: paths of shape (repetitions, steps, industries).

    Industry shocks in the same year are correlated (a downturn hits many industries), with the
    correlation estimated from the residuals; negative jobs are cut at zero.
    """
    rng = np.random.default_rng(seed)
    k = len(fits)
    chol = np.linalg.cholesky(shock_correlation(fits) + 1e-9 * np.eye(k))
    z = rng.standard_normal((repetitions, steps, k)) @ chol.T
    paths = np.stack([simulate_series(f, z[:, :, i], rng) for i, f in enumerate(fits)], axis=2)
    return np.clip(paths, 0.0, None)


def job_shock_path(shocks: Sequence[object], years: Sequence[int]) -> pd.Series:
    """Cumulative extra jobs per year from scenario job shocks (spread evenly over years).

    Each shock (attributes jobs, from_year, to_year) adds ``jobs × k / n`` in the k-th of its
    n years and all of ``jobs`` after ``to_year``.
    """
    total = pd.Series(0.0, index=list(years))
    for shock in shocks:
        n = shock.to_year - shock.from_year + 1
        for year in years:
            share = min(max((year - shock.from_year + 1) / n, 0.0), 1.0)
            total[year] += shock.jobs * share
    return total


def rolling_origin_errors(jobs: pd.DataFrame, model: str, max_horizon: int = 5,
                          origins: int = 5, min_train: int = MIN_YEARS) -> pd.DataFrame:
    """Out-of-sample errors of the region's total from forecasts made at earlier origins.

    Args:
        jobs: wide frame, index year, one column per industry.
        model: the model fitted to every industry.

    Returns:
        Frame with origin, horizon, actual, forecast, error (forecast − actual).
    """
    years = list(jobs.index)
    rows = []
    for end in range(len(years) - origins, len(years)):
        if end < min_train:
            continue
        train = jobs.iloc[:end]
        steps = min(max_horizon, len(years) - end)
        forecast = sum(point_forecast(fit_series(train[c].to_numpy(), model), steps)
                       for c in jobs.columns)
        actual = jobs.iloc[end:end + steps].sum(axis=1).to_numpy()
        for h in range(steps):
            rows.append((years[end - 1], h + 1, actual[h], forecast[h], forecast[h] - actual[h]))
    return pd.DataFrame(rows, columns=["origin", "horizon", "actual", "forecast", "error"])


def compare_models(jobs: pd.DataFrame, max_horizon: int = 5) -> pd.DataFrame:
    """Mean absolute (and percentage) error of each model class; the first row is chosen."""
    rows = []
    for model in MODELS:
        err = rolling_origin_errors(jobs, model, max_horizon)
        mae = float(err["error"].abs().mean()) if len(err) else math.nan
        mape = float((err["error"].abs() / err["actual"]).mean() * 100) if len(err) else math.nan
        rows.append((model, mae, mape, len(err)))
    out = pd.DataFrame(rows, columns=["model", "mae", "mape", "n"])
    return out.sort_values("mae", kind="stable", na_position="last").reset_index(drop=True)


def estimate_job_shock(series: pd.Series, from_year: int, to_year: int, alpha: float = 0.05
                       ) -> dict[str, float]:
    """Estimate a ramped step in a jobs series (trend + AR(1) errors + intervention regressor).

    The regressor is 0 before ``from_year``, rises evenly to 1 in ``to_year`` and stays there, so
    its coefficient is the size of the shock in jobs (same shape as programme job shocks).

    Args:
        series: jobs indexed by year.

    Returns:
        dict with estimate, low, high (``1 − alpha`` interval) and se.
    """
    from statsmodels.tsa.arima.model import ARIMA

    years = np.asarray(series.index, dtype=int)
    n_ramp = to_year - from_year + 1
    ramp = np.clip((years - from_year + 1) / n_ramp, 0.0, 1.0)
    exog = np.column_stack([np.arange(len(years), dtype=float), ramp])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(series.to_numpy(dtype=float), exog=exog, order=(1, 0, 0), trend="c").fit()
    ci = np.asarray(res.conf_int(alpha=alpha))[2]
    return {"estimate": float(res.params[2]), "low": float(ci[0]), "high": float(ci[1]),
            "se": float(np.sqrt(np.asarray(res.cov_params())[2, 2]))}


# ---------------------------------------------------------------------------------------------
# The gap
# ---------------------------------------------------------------------------------------------

def gap_decomposition(demand_draws: np.ndarray, demand_base: float, supply: pd.Series,
                      replacement: pd.DataFrame, base_year: int,
                      extra_jobs: pd.Series | None = None, level: float = 0.95) -> pd.DataFrame:
    """The gap per year, its interval and its exact decomposition.

    Args:
        demand_draws: simulated jobs, shape (repetitions, years) for the years after the base.
        demand_base: jobs in the base year (observed).
        supply: employed residents by year, including the base year.
        replacement: output of :func:`replacement_demand`.
        base_year: the base year (gap 0).
        extra_jobs: scenario job shocks by year (added to every draw).

    Returns:
        Frame with year, demand, demand_low, demand_high, supply, demand_growth, replacement,
        demography, gap, gap_low, gap_high; ``demand_growth + replacement + demography == gap``.
    """
    years = [y for y in supply.index if y >= base_year]
    future = [y for y in years if y > base_year]
    draws = np.column_stack([np.full(demand_draws.shape[0], demand_base),
                             demand_draws[:, :len(future)]])
    if extra_jobs is not None:
        draws = draws + extra_jobs.reindex(years, fill_value=0.0).to_numpy()[None, :]
    tail = (1 - level) / 2
    supply_change = supply.reindex(years).to_numpy() - float(supply[base_year])
    repl = replacement.set_index("year")["cumulative"].reindex(years, fill_value=0.0).to_numpy()
    gap_draws = draws - demand_base - supply_change[None, :]
    demand = draws.mean(axis=0)
    demand_growth = demand - demand_base
    demography = -supply_change - repl
    return pd.DataFrame({
        "year": years,
        "demand": demand,
        "demand_low": np.quantile(draws, tail, axis=0),
        "demand_high": np.quantile(draws, 1 - tail, axis=0),
        "supply": supply.reindex(years).to_numpy(),
        "demand_growth": demand_growth,
        "replacement": repl,
        "demography": demography,
        "gap": demand_growth + repl + demography,
        "gap_low": np.quantile(gap_draws, tail, axis=0),
        "gap_high": np.quantile(gap_draws, 1 - tail, axis=0),
    })


@dataclass
class GapResult:
    """Everything the notebook shows; ``problems`` lists what could not be computed."""

    region: list[str]
    label: str
    horizon: int
    base_year: int = -1
    problems: list[str] = field(default_factory=list)
    jobs: pd.DataFrame | None = None  # wide: year × industry (observed)
    residents: pd.Series | None = None  # employed residents by year (observed, 06445)
    model_choice: pd.DataFrame | None = None
    chosen_model: str = ""
    fits: list[SeriesFit] = field(default_factory=list)
    draws: np.ndarray | None = None  # (reps, steps, industries)
    supply: dict[str, pd.Series] = field(default_factory=dict)  # alternative → series
    replacement: pd.DataFrame | None = None
    baseline: pd.DataFrame | None = None
    scenarios: pd.DataFrame | None = None
    scenario_gaps: dict[str, pd.DataFrame] = field(default_factory=dict)
    backtest: pd.DataFrame | None = None
    projection: pd.DataFrame | None = None
    rates: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.baseline is not None


def _scenario_specs(scenarios: Mapping[str, object]) -> list[tuple[str, str, dict]]:
    specs = [("baseline", "", {"alternative": "MMMM"})]
    for key, sc in scenarios.items():
        specs.append((key, sc.label, {"alternative": "MMMM", "job_shocks": sc.job_shocks,
                                      "employment_rate_pp": dict(sc.employment_rate_pp),
                                      "net_in_migration_per_year": sc.net_in_migration_per_year}))
    if "everything_right" not in scenarios:
        specs.append(("everything_right", "", dict(DEFAULT_EVERYTHING_RIGHT)))
    specs.append(("low", "", {"alternative": "LLML"}))
    specs.append(("high", "", {"alternative": "HHMH"}))
    return specs


def analyse(codes: Sequence[str], program, source: str, label: str = "",
            repetitions: int = N_SIMULATIONS, seed: int = 2024,
            scenarios: Mapping[str, object] | None = None) -> GapResult:
    """Run the whole competence-gap analysis for a region.

    Args:
        codes: the region's municipality codes or ``[county]``.
        program: the :class:`pipeline.programs.Program` (horizon, scenarios).
        source: ``demo`` or ``ssb``.
        label: the region's display name.
        scenarios: the what-ifs to run (default: the programme's own).

    Returns:
        A :class:`GapResult`; when data are missing or too short, ``problems`` says what.
    """
    result = GapResult(region=list(codes), label=label, horizon=program.horizon)
    industry = _load("employment_by_industry", source)
    jobs_long = region_sum(industry, codes, ["industry", "year"])
    jobs = jobs_long.pivot_table(index="year", columns="industry", values="value",
                                 aggfunc="sum").sort_index() if len(jobs_long) else pd.DataFrame()
    jobs = jobs.dropna(how="all").fillna(0.0)
    jobs = jobs.loc[:, (jobs > 0).any()] if len(jobs) else jobs
    rates, rate_year = group_employment_rates(_load("employment_rate", source), codes)
    projection = region_sum(_load("population_projection", source), codes,
                            ["alternative", "year", "sex", "age"])
    by_age = region_sum(_load("employment_by_age", source), codes, ["year", "age_group"])
    if len(jobs) < MIN_YEARS:
        result.problems.append(f"jobs:{len(jobs)}")
    if rates.empty:
        result.problems.append("employment_rate")
    if projection.empty:
        result.problems.append("population_projection")
    if by_age.empty:
        result.problems.append("employment_by_age")
    if result.problems:
        return result
    base_year = int(min(jobs.index.max(), rate_year))
    result.base_year = base_year
    jobs = jobs.loc[:base_year]
    result.jobs = jobs
    result.rates = rates
    result.projection = projection
    emp = region_rows(_load("employment_rate", source), codes)
    emp = emp[emp["measure"] == "Sysselsatte"]
    result.residents = emp.groupby("year")["value"].sum(min_count=1).dropna()
    years = list(range(base_year, program.horizon + 1))
    proj_years = set(projection["year"].unique())
    if not set(years) <= proj_years:
        result.problems.append("population_projection_years")
        return result
    steps = program.horizon - base_year
    result.model_choice = compare_models(jobs)
    result.chosen_model = str(result.model_choice["model"].iloc[0])
    result.fits = [fit_series(jobs[c].to_numpy(), result.chosen_model) for c in jobs.columns]
    result.draws = simulate_demand(result.fits, steps, repetitions, seed)
    total_draws = result.draws.sum(axis=2)
    age_year = int(by_age["year"].max()) if base_year not in set(by_age["year"]) else base_year
    result.replacement = replacement_demand(by_age[by_age["year"] == age_year], base_year, years)
    demand_base = float(jobs.loc[base_year].sum())
    rows = []
    own = program.scenarios if scenarios is None else scenarios
    for key, text, spec in _scenario_specs(own):
        proj = projection[(projection["alternative"] == spec["alternative"])
                          & projection["year"].isin(years)]
        if proj.empty:
            continue
        supply = labour_supply(proj, rates, base_year, spec.get("employment_rate_pp"),
                               spec.get("net_in_migration_per_year", 0))
        if key in ("baseline", "low", "high"):
            result.supply[spec["alternative"]] = supply
        extra = job_shock_path(spec.get("job_shocks", []), years)
        gaps = gap_decomposition(total_draws, demand_base, supply, result.replacement,
                                 base_year, extra)
        result.scenario_gaps[key] = gaps
        last = gaps.iloc[-1]
        rows.append({"key": key, "label": text, "gap": last["gap"], "gap_low": last["gap_low"],
                     "gap_high": last["gap_high"], "demand_growth": last["demand_growth"],
                     "replacement": last["replacement"], "demography": last["demography"]})
    result.baseline = result.scenario_gaps.get("baseline")
    scen = pd.DataFrame(rows)
    if len(scen) and result.baseline is not None:
        scen["vs_baseline"] = scen["gap"] - float(result.baseline["gap"].iloc[-1])
    result.scenarios = scen
    result.backtest = backtest(jobs, result.chosen_model, repetitions=min(repetitions, 1000),
                               seed=seed)
    return result


def backtest(jobs: pd.DataFrame, model: str, holdout: int = 5, repetitions: int = 1000,
             seed: int = 7) -> pd.DataFrame:
    """Fit on data up to ``holdout`` years before the last, forecast the years since.

    Returns:
        Frame with origin, year, actual, forecast, low, high, error, error_pct (empty when
        fewer than :data:`MIN_YEARS` years remain for fitting).
    """
    holdout = min(holdout, len(jobs) - MIN_YEARS)
    if holdout < 1:
        return pd.DataFrame(columns=["origin", "year", "actual", "forecast", "low", "high",
                                     "error", "error_pct"])
    train, test = jobs.iloc[:-holdout], jobs.iloc[-holdout:]
    fits = [fit_series(train[c].to_numpy(), model) for c in jobs.columns]
    draws = simulate_demand(fits, holdout, repetitions, seed).sum(axis=2)
    actual = test.sum(axis=1).to_numpy()
    forecast = draws.mean(axis=0)
    return pd.DataFrame({
        "origin": int(train.index[-1]), "year": test.index.astype(int), "actual": actual,
        "forecast": forecast, "low": np.quantile(draws, 0.025, axis=0),
        "high": np.quantile(draws, 0.975, axis=0), "error": forecast - actual,
        "error_pct": (forecast - actual) / actual * 100,
    })


def run(ctx) -> GapResult:
    """:func:`analyse` for a report context (``report.setup``).

    The programme's scenarios (e.g. defence jobs in Kongsberg) belong to its own region; when the
    report is run for another region only the generic scenarios are shown.
    """
    scenarios = ctx.program.scenarios if own_region(ctx) else {}
    return analyse(ctx.region_codes, ctx.program, ctx.source, ctx.region_label,
                   scenarios=scenarios)


def problem_text(ctx, result: GapResult) -> str:
    """A plain statement of what is missing (for ``report.notice``)."""
    from pipeline.sources.tables import table as spec

    parts, missing = [], []
    for problem in result.problems:
        if problem.startswith("jobs:"):
            years = int(problem.split(":")[1])
            if years == 0:
                missing.append("13470")
            else:
                parts.append(ctx.t("cg_short_history", region=result.label, years=years,
                                   needed=MIN_YEARS))
        elif problem == "population_projection_years":
            missing.append("14288")
        else:
            missing.append(spec(problem).table_id)
    if missing:
        parts.insert(0, ctx.t("cg_missing_data", region=result.label,
                              what=", ".join(sorted(set(missing)))))
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Tables for the report
# ---------------------------------------------------------------------------------------------

def _interval(ctx, low: float, high: float, decimals: int = 0) -> str:
    return i18n.fmt_interval(low, high, ctx.language, decimals)


def gap_table(ctx, result: GapResult) -> pd.DataFrame:
    """Gap at 2025/2030/2035/2040 (and the horizon) with intervals and its decomposition."""
    gaps = result.baseline
    years = sorted({y for y in (*TABLE_YEARS, result.horizon) if y in set(gaps["year"])})
    rows = gaps[gaps["year"].isin(years)]
    return pd.DataFrame({
        ctx.t("cg_col_year"): rows["year"].astype(str),
        ctx.t("cg_col_demand_growth"): rows["demand_growth"].round(),
        ctx.t("cg_col_replacement"): rows["replacement"].round(),
        ctx.t("cg_col_demography"): rows["demography"].round(),
        ctx.t("cg_col_gap"): rows["gap"].round(),
        ctx.t("cg_col_interval"): [_interval(ctx, lo, hi) for lo, hi in
                                   zip(rows["gap_low"], rows["gap_high"], strict=True)],
    })


def scenario_label(ctx, key: str, label: str) -> str:
    """The display name of a scenario (programme label or a built-in one)."""
    if label:
        return label
    return ctx.t(f"cg_scenario_{key}")


def scenario_table(ctx, result: GapResult) -> pd.DataFrame:
    """The gap at the horizon for every scenario, with interval and change from baseline."""
    sc = result.scenarios
    return pd.DataFrame({
        ctx.t("cg_col_scenario"): [scenario_label(ctx, k, lab)
                                   for k, lab in zip(sc["key"], sc["label"], strict=True)],
        ctx.t("cg_col_gap"): sc["gap"].round(),
        ctx.t("cg_col_interval"): [_interval(ctx, lo, hi) for lo, hi in
                                   zip(sc["gap_low"], sc["gap_high"], strict=True)],
        ctx.t("cg_col_vs_baseline"): sc["vs_baseline"].round(),
    })


def commuting_frame(result: GapResult) -> pd.DataFrame:
    """Jobs in the region vs employed residents per year (both observed)."""
    jobs = result.jobs.sum(axis=1)
    both = pd.DataFrame({"jobs": jobs, "residents": result.residents}).dropna()
    both["net_in_commuting"] = both["jobs"] - both["residents"]
    both["ratio"] = both["jobs"] / both["residents"]
    return both.rename_axis("year").reset_index()


def commuting_table(ctx, result: GapResult, last: int = 6) -> pd.DataFrame:
    """The commuting balance for the last years (counts go through disclosure control)."""
    frame = commuting_frame(result).tail(last)
    return pd.DataFrame({
        ctx.t("cg_col_year"): frame["year"].astype(int).astype(str),
        ctx.t("cg_col_jobs"): frame["jobs"].round(),
        ctx.t("cg_col_residents"): frame["residents"].round(),
        ctx.t("cg_col_net_commuting"): frame["net_in_commuting"].round(),
        ctx.t("cg_col_ratio"): frame["ratio"].round(2),
    })


def replacement_table(ctx, result: GapResult, every: int = 5) -> pd.DataFrame:
    """Retirements per year and cumulated, for every ``every``-th year and the horizon."""
    rep = result.replacement
    keep = [y for y in rep["year"] if y > result.base_year
            and ((y - result.base_year) % every == 0 or y == result.horizon
                 or y == result.base_year + 1)]
    rows = rep[rep["year"].isin(keep)]
    return pd.DataFrame({
        ctx.t("cg_col_year"): rows["year"].astype(str),
        ctx.t("cg_col_retiring"): rows["retiring"].round(),
        ctx.t("cg_col_cumulative", base=result.base_year): rows["cumulative"].round(),
    })


def model_table(ctx, result: GapResult) -> pd.DataFrame:
    """Rolling-origin accuracy of the two model classes."""
    mc = result.model_choice
    return pd.DataFrame({
        ctx.t("cg_col_model"): [ctx.t(f"cg_model_{m}") for m in mc["model"]],
        ctx.t("cg_col_mae"): mc["mae"].round(),
        ctx.t("cg_col_mape"): mc["mape"].round(1),
    })


def model_text(ctx, result: GapResult) -> str:
    """One sentence naming the chosen model and why."""
    mc = result.model_choice
    other = mc.iloc[1] if len(mc) > 1 else mc.iloc[0]
    return ctx.t("cg_model_choice", model=ctx.t(f"cg_model_{result.chosen_model}"),
                 mae_chosen=ctx.num(mc["mae"].iloc[0]), mae_other=ctx.num(other["mae"]),
                 other=ctx.t(f"cg_model_{other['model']}"))


def basis_text(ctx, result: GapResult) -> str:
    """Which basis the gap is stated on, and why."""
    com = commuting_frame(result)
    row = com[com["year"] == result.base_year]
    net = float(row["net_in_commuting"].iloc[0]) if len(row) else math.nan
    return ctx.t("cg_basis", region=result.label, commuting=ctx.num(net), base=result.base_year)


def backtest_table(ctx, result: GapResult) -> pd.DataFrame:
    """Backtest: forecast vs actual per held-out year."""
    bt = result.backtest
    return pd.DataFrame({
        ctx.t("cg_col_year"): bt["year"].astype(str),
        ctx.t("cg_col_actual"): bt["actual"].round(),
        ctx.t("cg_col_forecast"): bt["forecast"].round(),
        ctx.t("cg_col_interval"): [_interval(ctx, lo, hi) for lo, hi in
                                   zip(bt["low"], bt["high"], strict=True)],
        ctx.t("cg_col_error"): bt["error"].round(),
    })


def backtest_text(ctx, result: GapResult) -> str:
    """The backtest in plain words (last held-out year)."""
    bt = result.backtest
    if bt is None or bt.empty:
        return ctx.t("too_little_data", what=ctx.t("cg_heading_accuracy"), region=result.label)
    last = bt.iloc[-1]
    inside = last["low"] <= last["actual"] <= last["high"]
    return ctx.t("cg_backtest_text", origin=int(last["origin"]), year=int(last["year"]),
                 forecast=ctx.num(last["forecast"]), actual=ctx.num(last["actual"]),
                 error=ctx.num(last["error"]), error_pct=ctx.pct(last["error_pct"]),
                 inside=ctx.t("cg_inside" if inside else "cg_outside"),
                 interval=_interval(ctx, last["low"], last["high"]))


def references_table(ctx) -> pd.DataFrame:
    """External figures cited by the programme (context only, never inputs)."""
    refs = ctx.program.references
    return pd.DataFrame({
        ctx.t("cg_col_reference"): [r.label for r in refs],
        ctx.t("cg_col_year"): [str(r.year) for r in refs],
        ctx.t("cg_col_value"): [float(r.value) for r in refs],
        ctx.t("cg_col_source"): [r.source for r in refs],
    })


def own_region(ctx) -> bool:
    """True when the report is about the programme's own region (its references apply)."""
    return list(ctx.region_codes) == list(ctx.program.region_codes)


def findings(ctx, result: GapResult) -> list[dict[str, object]]:
    """Key findings (text and headline value) for ``report.finding``."""
    out: list[dict[str, object]] = []
    last = result.baseline.iloc[-1]
    # Say "lack" or "surplus" only when the whole 95 % interval is on one side of zero.
    if last["gap_low"] > 0:
        key, shown = "cg_finding_gap", last["gap"]
    elif last["gap_high"] < 0:
        key, shown = "cg_finding_surplus", -last["gap"]
    else:
        key, shown = "cg_finding_unclear", last["gap"]
    out.append({"key": "cg_gap_horizon", "rank": 10, "value": ctx.num(last["gap"]),
                "text": ctx.t(key, year=int(last["year"]), region=result.label,
                              gap=ctx.num(shown),
                              interval=_interval(ctx, last["gap_low"], last["gap_high"]))})
    out.append({"key": "cg_gap_parts", "rank": 20, "value": None,
                "text": ctx.t("cg_finding_parts", demand=ctx.num(last["demand_growth"]),
                              replacement=ctx.num(last["replacement"]),
                              demography=ctx.num(last["demography"]))})
    for rec in result.scenarios.itertuples(index=False):
        if rec.key in ctx.program.scenarios and rec.label:
            label = rec.label
            if not label.startswith(("«", "“", '"')):
                label = f"«{label}»" if ctx.language == "nb" else f"“{label}”"
            out.append({"key": f"cg_scenario_{rec.key}", "rank": 30, "value": None,
                        "text": ctx.t("cg_finding_scenario", label=label,
                                      year=result.horizon, change=ctx.num(rec.vs_baseline))})
    com = commuting_frame(result)
    row = com[com["year"] == result.base_year]
    if len(row):
        r = row.iloc[0]
        out.append({"key": "cg_commuting", "rank": 40, "value": None,
                    "text": ctx.t("cg_finding_commuting", year=result.base_year,
                                  jobs=ctx.num(r["jobs"]), residents=ctx.num(r["residents"]),
                                  net=ctx.num(r["net_in_commuting"]))})
    return out


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------

def _format_axis(ctx, axis) -> None:
    """Tick labels in the report's number format (thousands separators, minus sign)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: ctx.num(value)))


def fan_chart(ctx, result: GapResult):
    """Supply vs demand: observed jobs, projected demand with 80/95 % bands, supply line."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    base = result.base_year
    total = np.column_stack([np.full(result.draws.shape[0], result.jobs.loc[base].sum()),
                             result.draws.sum(axis=2)])
    years = np.arange(base, base + total.shape[1])
    for level, alpha in ((0.95, figures.INTERVAL_ALPHA), (0.80, figures.INTERVAL_ALPHA * 1.6)):
        lo, hi = np.quantile(total, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
        ax.fill_between(years, lo, hi, color=figures.PALETTE[0], alpha=alpha, linewidth=0)
    observed = result.jobs.sum(axis=1)
    ax.plot(observed.index, observed.to_numpy(), color=figures.PALETTE[0], linewidth=2,
            label=f"{ctx.t('cg_demand')} ({ctx.t('cg_observed').lower()})")
    ax.plot(years, total.mean(axis=0), color=figures.PALETTE[0], linestyle="--",
            label=ctx.t("cg_demand"))
    supply = result.supply["MMMM"]
    offset = float(result.jobs.loc[base].sum()) - float(supply[base])
    ax.plot(supply.index, supply.to_numpy() + offset, color=figures.PALETTE[1], linewidth=2,
            label=ctx.t("cg_supply"))
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_jobs"))
    _format_axis(ctx, ax.yaxis)
    ax.legend(loc="upper left")
    last_demand = total.mean(axis=0)[-1]
    last_supply = float(supply.iloc[-1]) + offset
    alt = ctx.t("cg_fig_fan_alt", region=result.label, last=int(years[-1]),
                demand=ctx.num(last_demand), supply=ctx.num(last_supply))
    cap = ctx.t("cg_fig_fan_caption", region=result.label, first=int(observed.index[0]),
                last=int(years[-1]))
    return fig, alt, cap


def gap_chart(ctx, result: GapResult):
    """The gap by year with its 95 % interval; future external references as labelled points."""
    from pipeline import figures

    g = result.baseline
    fig, ax = figures.new_figure()
    ax.fill_between(g["year"], g["gap_low"], g["gap_high"], color=figures.PALETTE[5],
                    alpha=figures.INTERVAL_ALPHA, linewidth=0, label=ctx.t("interval"))
    ax.plot(g["year"], g["gap"], color=figures.PALETTE[5], linewidth=2, label=ctx.t("cg_gap"))
    ax.axhline(0, color="#444444", linewidth=0.8)
    if own_region(ctx):
        styles = [("D", figures.PALETTE[7]), ("s", figures.PALETTE[3]), ("^", figures.PALETTE[2])]
        future = [r for r in ctx.program.references if r.year > result.base_year]
        for i, ref in enumerate(future):
            marker, colour = styles[i % len(styles)]
            ax.plot([ref.year], [ref.value], marker=marker, color=colour, linestyle="none",
                    label=f"{ref.label} ({ref.source.split(',')[0]})")
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_persons"))
    _format_axis(ctx, ax.yaxis)
    ax.legend(loc="upper left", fontsize=8)
    last = g.iloc[-1]
    alt = ctx.t("cg_fig_gap_alt", region=result.label, gap=ctx.num(last["gap"]),
                last=int(last["year"]), interval=_interval(ctx, last["gap_low"], last["gap_high"]))
    return fig, alt, ctx.t("cg_fig_gap_caption")


def industry_contributions(result: GapResult, language: str = "nb") -> pd.DataFrame:
    """Projected change in jobs per industry from the base year to the horizon, with interval."""
    base = result.jobs.loc[result.base_year]
    change = result.draws[:, -1, :] - base.to_numpy()[None, :]
    return pd.DataFrame({
        "industry": list(result.jobs.columns),
        "name": [industry_name(c, language) for c in result.jobs.columns],
        "change": change.mean(axis=0),
        "low": np.quantile(change, 0.025, axis=0),
        "high": np.quantile(change, 0.975, axis=0),
    }).sort_values("change", kind="stable").reset_index(drop=True)


def industry_chart(ctx, result: GapResult):
    """Horizontal bars: change in jobs by industry to the horizon, with 95 % interval."""
    from pipeline import figures

    data = industry_contributions(result, ctx.language)
    fig, ax = figures.new_figure(height=max(3.0, 0.28 * len(data) + 1.0))
    pos = np.arange(len(data))
    ax.barh(pos, data["change"], color=figures.PALETTE[0],
            xerr=[data["change"] - data["low"], data["high"] - data["change"]],
            error_kw={"elinewidth": 0.8, "ecolor": "#555555"})
    ax.set_yticks(pos, data["name"], fontsize=8)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel(ctx.t("cg_jobs"))
    _format_axis(ctx, ax.xaxis)
    top = data.iloc[data["change"].abs().idxmax()]
    alt = ctx.t("cg_fig_industry_alt", industry=top["name"], change=ctx.num(top["change"]))
    cap = ctx.t("cg_fig_industry_caption", base=result.base_year, last=result.horizon)
    return fig, alt, cap


def age_structure(result: GapResult, alternative: str = "MMMM") -> pd.DataFrame:
    """Population by five-year age group in the base year and at the horizon."""
    proj = result.projection[result.projection["alternative"] == alternative]
    proj = proj[proj["year"].isin([result.base_year, result.horizon])]
    groups = (proj["age"].clip(upper=90) // 5 * 5).astype(int)
    out = (proj.assign(group=groups).groupby(["group", "year"])["value"].sum()
           .unstack("year").fillna(0.0))
    return out.rename_axis(columns=None).reset_index()


def age_chart(ctx, result: GapResult):
    """Grouped bars: population by age now vs at the horizon."""
    from pipeline import figures

    data = age_structure(result)
    fig, ax = figures.new_figure()
    width = 2.0
    ax.bar(data["group"] - width / 2, data[result.base_year], width=width,
           color=figures.PALETTE[4], label=str(result.base_year))
    ax.bar(data["group"] + width / 2, data[result.horizon], width=width,
           color=figures.PALETTE[1], label=str(result.horizon))
    ax.set_xticks(data["group"], [f"{g}–{g + 4}" if g < 90 else "90+" for g in data["group"]],
                  fontsize=7, rotation=45)
    ax.set_xlabel(ctx.t("cg_age"))
    ax.set_ylabel(ctx.t("cg_persons"))
    _format_axis(ctx, ax.yaxis)
    ax.legend()
    proj = result.projection[result.projection["alternative"] == "MMMM"]

    def _count(year: int, low: int, high: int) -> float:
        sel = proj[(proj["year"] == year) & proj["age"].between(low, high)]
        return float(sel["value"].sum())

    alt = ctx.t("cg_fig_age_alt", now=ctx.num(_count(result.base_year, 20, 66)),
                then=ctx.num(_count(result.horizon, 20, 66)),
                old_now=ctx.num(_count(result.base_year, 67, 200)),
                old_then=ctx.num(_count(result.horizon, 67, 200)))
    cap = ctx.t("cg_fig_age_caption", region=result.label, base=result.base_year,
                last=result.horizon)
    return fig, alt, cap


# ---------------------------------------------------------------------------------------------
# Education (09429)
# ---------------------------------------------------------------------------------------------

def education_shares(education: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Education levels of the population 16+ as shares (percent), built from counts.

    Returns:
        Frame with year, level, persons, share; empty when the region has no rows.
    """
    rows = education[(education["measure"] == "Personer") & (education["sex"] == "0")]
    counts = region_sum(rows, codes, ["year", "level"])
    if counts.empty:
        return pd.DataFrame(columns=["year", "level", "persons", "share"])
    # A year not yet published (status "..") has no counts at all: leave it out.
    counts = counts.dropna(subset=["value"]).rename(columns={"value": "persons"})
    totals = counts.groupby("year")["persons"].transform("sum")
    return counts.assign(share=counts["persons"] / totals * 100)


def higher_education_share(shares: pd.DataFrame) -> pd.DataFrame:
    """Share with higher education (levels 03a + 04a) per year, with numerator and denominator."""
    total = shares.groupby("year")["persons"].sum()
    higher = shares[shares["level"].isin(HIGHER_EDUCATION)].groupby("year")["persons"].sum()
    out = pd.DataFrame({"numerator": higher.reindex(total.index, fill_value=0.0),
                        "denominator": total})
    out["value"] = out["numerator"] / out["denominator"] * 100
    return out.rename_axis("year").reset_index()


def share_trend(series: pd.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """Linear trend of a share (percentage points per year), OLS with HAC standard errors.

    Args:
        series: year, value.

    Returns:
        dict slope, low, high, p (nan when fewer than 4 years).
    """
    import statsmodels.api as sm

    data = series.dropna(subset=["value"])
    if len(data) < 4:
        return {"slope": math.nan, "low": math.nan, "high": math.nan, "p": math.nan}
    x = sm.add_constant(data["year"].to_numpy(dtype=float) - float(data["year"].min()))
    res = sm.OLS(data["value"].to_numpy(dtype=float), x).fit(cov_type="HAC",
                                                             cov_kwds={"maxlags": 2})
    low, high = np.asarray(res.conf_int(alpha))[1]
    return {"slope": float(res.params[1]), "low": float(low), "high": float(high),
            "p": float(res.pvalues[1])}


def education_compare(ctx) -> dict[str, pd.DataFrame]:
    """Higher-education share over time for the region, its county and Norway."""
    edu = _load("education", ctx.source)
    areas: dict[str, Sequence[str]] = {ctx.region_label: ctx.region_codes}
    if ctx.county and [ctx.county] != list(ctx.region_codes):
        areas[ctx.name(ctx.county)] = [ctx.county]
    areas[ctx.t("national")] = ["0"]
    out = {}
    for name, codes in areas.items():
        shares = education_shares(edu, codes)
        if len(shares):
            out[name] = higher_education_share(shares)
    return out


def education_table(ctx) -> pd.DataFrame:
    """Latest shares by education level: region, county, Norway (percent)."""
    edu = _load("education", ctx.source)
    areas: dict[str, Sequence[str]] = {ctx.region_label: ctx.region_codes}
    if ctx.county and [ctx.county] != list(ctx.region_codes):
        areas[ctx.name(ctx.county)] = [ctx.county]
    areas[ctx.t("national")] = ["0"]
    columns = {}
    year = None
    for name, codes in areas.items():
        shares = education_shares(edu, codes)
        if shares.empty:
            continue
        year = int(shares["year"].max()) if year is None else year
        latest = shares[shares["year"] == year].set_index("level")["share"]
        columns[name] = [float(latest.get(code, math.nan)) for code in EDUCATION_LEVELS]
    levels = [education_level_name(code, ctx.language) for code in EDUCATION_LEVELS]
    table = pd.DataFrame({ctx.t("cg_col_level"): levels, **columns})
    table.attrs["year"] = year
    return table


def education_chart(ctx, series: dict[str, pd.DataFrame]):
    """Lines: higher-education share over time for region, county and Norway."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    colours = [figures.REGION_COLOUR, figures.PALETTE[1], figures.COMPARISON_COLOUR]
    for (name, data), colour in zip(series.items(), colours, strict=False):
        ax.plot(data["year"], data["value"], color=colour, linewidth=2 if colour ==
                figures.REGION_COLOUR else 1.4, label=name)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(ctx.t("year"))
    ax.set_ylabel(ctx.t("cg_percent"))
    ax.legend()
    first = next(iter(series.values()))
    last = first.iloc[-1]
    alt = ctx.t("cg_fig_edu_alt", region=ctx.region_label, share=ctx.pct(last["value"]),
                year=int(last["year"]))
    return fig, alt, ctx.t("cg_fig_edu_caption")


def education_findings(ctx, series: dict[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Trend of the region's higher-education share, and a tested comparison with Norway."""
    if ctx.region_label not in series:
        return []
    own = series[ctx.region_label]
    trend = share_trend(own)
    last = own.iloc[-1]
    out: list[dict[str, object]] = [{
        "key": "cg_higher_education", "rank": 50, "value": ctx.pct(last["value"]),
        "text": ctx.t("cg_finding_edu", share=ctx.pct(last["value"]), year=int(last["year"]),
                      slope=ctx.num(trend["slope"], 2),
                      interval=_interval(ctx, trend["low"], trend["high"], 2))}]
    nat_name = ctx.t("national")
    if nat_name in series and nat_name != ctx.region_label:
        from statsmodels.stats.proportion import test_proportions_2indep

        nat = series[nat_name]
        nat_last = nat[nat["year"] == last["year"]]
        if len(nat_last):
            n = nat_last.iloc[0]
            test = test_proportions_2indep(last["numerator"], last["denominator"],
                                           n["numerator"], n["denominator"])
            if test.pvalue < 0.05:
                direction = ctx.t("higher" if last["value"] > n["value"] else "lower")
            else:
                direction = ctx.t("no_clear_difference")
            text = ctx.t("cg_finding_edu_vs", region=ctx.region_label, direction=direction,
                         other=nat_name, a=ctx.pct(last["value"]), b=ctx.pct(n["value"]))
            out.append({"key": "cg_higher_education_vs_national", "rank": 55, "value": None,
                        "text": text})
    return out


# ---------------------------------------------------------------------------------------------
# Indicators for effect tracking
# ---------------------------------------------------------------------------------------------

def employment_rate_20_66(source: str) -> pd.DataFrame:
    """Employment rate 20–66 (residence), every region, built from counts.

    06445 has five-year groups, so ages 65–66 are taken as 2/5 of the 65–69 group (employed and
    population alike); the rate is Σ employed / Σ population × 100.
    """
    df = _load("employment_rate", source)
    wide = df.pivot_table(index=["region", "sex", "age_group", "year"], columns="measure",
                          values="value", aggfunc="sum", observed=True).reset_index()
    wide = wide.dropna(subset=["Sysselsatte", "SysselsatteProsent"])
    ages = wide["age_group"].map(parse_age_group)
    weight = ages.map(lambda lh: 1.0 if 20 <= lh[0] and lh[1] <= 64 else
                      (2 / 5 if lh == (65, 69) else 0.0))
    share = wide["SysselsatteProsent"] / 100
    pop = (wide["Sysselsatte"] / share).where(share > 0, 0.0)
    wide = wide.assign(numerator=wide["Sysselsatte"] * weight, denominator=pop * weight)
    out = wide.groupby(["region", "year"], as_index=False)[["numerator", "denominator"]].sum()
    out = out[out["denominator"] > 0]
    return out.assign(value=out["numerator"] / out["denominator"] * 100)[
        ["region", "year", "value", "numerator", "denominator"]]


def employed_by_workplace(source: str) -> pd.DataFrame:
    """Employed persons by place of work (all industries), every region and year."""
    df = _load("employment_by_industry", source)
    out = df.groupby(["region", "year"], as_index=False)["value"].sum(min_count=1)
    return out.dropna(subset=["value"])[["region", "year", "value"]]


def higher_education_share_panel(source: str) -> pd.DataFrame:
    """Share with higher education (03a + 04a) of the population 16+, every region and year."""
    df = _load("education", source)
    rows = df[(df["measure"] == "Personer") & (df["sex"] == "0")]
    total = rows.groupby(["region", "year"])["value"].sum()
    higher = rows[rows["level"].isin(HIGHER_EDUCATION)].groupby(["region", "year"])["value"].sum()
    out = pd.DataFrame({"numerator": higher, "denominator": total}).dropna()
    out = out[out["denominator"] > 0]
    out["value"] = out["numerator"] / out["denominator"] * 100
    return out.reset_index()[["region", "year", "value", "numerator", "denominator"]]


INDICATORS: dict[str, Callable[[str], pd.DataFrame]] = {
    "employment_rate_20_66": employment_rate_20_66,
    "employed_by_workplace": employed_by_workplace,
    "higher_education_share": higher_education_share_panel,
}

__all__ = [
    "EMPLOYMENT_AGE_GROUPS", "INDICATORS", "GapResult", "SeriesFit", "analyse", "run",
    "labour_supply", "replacement_demand", "gap_decomposition", "fit_series", "simulate_demand",
    "estimate_job_shock", "compare_models", "backtest", "job_shock_path", "education_shares",
    "higher_education_share", "share_trend",
]
