"""Young people outside work and education (NEET), upper-secondary completion and the 16–19 cohort.

The youth analysis behind ``notebooks/youth_dropout.ipynb`` (Flere i arbeid in Kristiansand:
fewer young people outside work and education, higher completion especially on vocational
programmes and among minority-language pupils; Buskerudplanen: "mer innenforskap" and fewer
16–19-year-olds, which cuts the county's income).

Data (all from :mod:`pipeline.sources.tables`):

- ``neet`` (SSB 13556): NEET persons 15–29 (``Bosatte``) and their share (``BosatteProsent``) by
  municipality and sex. The denominator (residents 15–29) is ``Bosatte / (BosatteProsent/100)``;
  where the share is 0 or suppressed it comes from ``population`` (07459, ages 15–29).
- ``neet_county`` (13563): NEET2 and everyone (TOT3) by county and age group (15–29, 30–61).
- ``completion`` (12960) and ``completion_background`` (14883): completion within five years by
  county, programme (general ``01`` / vocational ``02``), sex and immigrant background. County is
  the finest level SSB publishes; reports say so. The tidy ``year`` is the cohort's start year;
  the five-year status is measured in ``year + 5`` (:data:`COMPLETION_YEARS`), which is the year
  used on the effect-tracking time axis.
- ``population`` (07459) and ``population_projection`` (14288, alternatives MMMM/LLML/HHMH): the
  16–19 cohort now and to the programme's horizon.

Statistics use counts, not only rates: binomial GLMs (statsmodels, ``endog = [successes,
failures]``) give proportions with intervals (:func:`proportion_ci`), trends
(:func:`binomial_trend`, quasi-binomial: the dispersion is estimated and never taken below 1)
and group gaps
(:func:`group_gap`: vocational vs general, boys vs girls, immigrants vs the rest). A comparison
with the county or the country is made against the *rest* of the county or country (their counts
minus the region's), so the two groups are independent; "higher"/"lower" is said only when the
Wald test of the GLM coefficient rejects equality at 5 %, otherwise "no clear difference".
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from pipeline import datasets, i18n
from pipeline.analysis import effects

COMPLETION_YEARS = 5
COMPLETED = "1"  # FullforingVGO: completed and passed within five years
COHORT_AGES = (16, 19)
SPARSE_YOUTHS = 500  # fewer residents 15–29 than this: a yearly share moves ±2.5 pp by chance
ALPHA = 0.05

i18n.register({
    "yd_neet_heading": {"nb": "Unge utenfor arbeid og utdanning (NEET)",
                        "en": "Young people not in employment, education or training (NEET)"},
    "yd_completion_heading": {"nb": "Gjennomføring i videregående opplæring",
                              "en": "Completion of upper secondary education"},
    "yd_cohort_heading": {"nb": "Færre 16–19-åringer?", "en": "Fewer 16–19-year-olds?"},
    "yd_col_year": {"nb": "År", "en": "Year"},
    "yd_col_area": {"nb": "Område", "en": "Area"},
    "yd_col_neet": {"nb": "Unge utenfor (personer)", "en": "NEET (persons)"},
    "yd_col_youths": {"nb": "Bosatte 15–29 år", "en": "Residents aged 15–29"},
    "yd_col_share": {"nb": "Andel", "en": "Share"},
    "yd_col_interval": {"nb": "95 % intervall", "en": "95% interval"},
    "yd_col_men": {"nb": "Andel menn", "en": "Share, men"},
    "yd_col_women": {"nb": "Andel kvinner", "en": "Share, women"},
    "yd_col_age": {"nb": "Alder", "en": "Age"},
    "yd_col_group": {"nb": "Gruppe", "en": "Group"},
    "yd_col_completed": {"nb": "Fullført (personer)", "en": "Completed (persons)"},
    "yd_col_cohort": {"nb": "Startet (personer)", "en": "Started (persons)"},
    "yd_col_national": {"nb": "Hele landet", "en": "Norway"},
    "yd_col_vs_rest": {"nb": "Mot resten av landet", "en": "Versus the rest of Norway"},
    "yd_col_observed": {"nb": "Registrert", "en": "Registered"},
    "yd_col_main": {"nb": "Framskrevet (hovedalternativ)", "en": "Projected (main)"},
    "yd_col_low": {"nb": "Lavt alternativ", "en": "Low alternative"},
    "yd_col_high": {"nb": "Høyt alternativ", "en": "High alternative"},
    "yd_group_all": {"nb": "Alle", "en": "All"},
    "yd_group_general": {"nb": "Studieforberedende", "en": "General studies"},
    "yd_group_vocational": {"nb": "Yrkesfag", "en": "Vocational"},
    "yd_group_men": {"nb": "Gutter", "en": "Boys"},
    "yd_group_women": {"nb": "Jenter", "en": "Girls"},
    "yd_group_B": {"nb": "Innvandrere", "en": "Immigrants"},
    "yd_group_C": {"nb": "Norskfødte med innvandrerforeldre",
                   "en": "Norwegian-born to immigrant parents"},
    "yd_group_E": {"nb": "Befolkningen ellers", "en": "Rest of the population"},
    "yd_neet_caption": {"nb": "Unge 15–29 år utenfor arbeid og utdanning i {area}, etter år",
                        "en": "Young people aged 15–29 not in employment, education or training "
                              "in {area}, by year"},
    "yd_neet_fig_caption": {
        "nb": "Andel unge 15–29 år utenfor arbeid og utdanning: {area}, {county} og hele landet. "
              "Skyggen er 95 % intervall for {area}.",
        "en": "Share of young people aged 15–29 not in employment, education or training: "
              "{area}, {county} and Norway. The band is the 95% interval for {area}."},
    "yd_neet_fig_alt": {
        "nb": "Linjediagram over NEET-andelen 15–29 år {first}–{last}. {area} hadde {share} i "
              "{last} (95 % intervall {ci}); hele landet hadde {national}.",
        "en": "Line chart of the NEET share aged 15–29, {first}–{last}. {area} had {share} in "
              "{last} (95% interval {ci}); Norway had {national}."},
    "yd_neet_latest": {
        "nb": "I {year} var {share} av unge 15–29 år i {area} utenfor arbeid og utdanning "
              "(95 % intervall {ci}).",
        "en": "In {year}, {share} of young people aged 15–29 in {area} were not in employment, "
              "education or training (95% interval {ci})."},
    "yd_compare": {
        "nb": "Andelen i {area} ({share}) er {verdict} enn i {other} ({other_share}); forskjell "
              "{gap} prosentpoeng (95 % intervall {ci}).",
        "en": "The share in {area} ({share}) is {verdict} than in {other} ({other_share}); "
              "difference {gap} percentage points (95% interval {ci})."},
    "yd_compare_none": {
        "nb": "Ingen klar forskjell mellom andelen i {area} ({share}) og i {other} "
              "({other_share}); forskjell {gap} prosentpoeng (95 % intervall {ci}).",
        "en": "No clear difference between the share in {area} ({share}) and in {other} "
              "({other_share}); difference {gap} percentage points (95% interval {ci})."},
    "yd_rest_of": {"nb": "resten av {area}", "en": "the rest of {area}"},
    "yd_rest_of_country": {"nb": "resten av landet", "en": "the rest of Norway"},
    "yd_trend": {
        "nb": "Fra {first} til {last} har andelen i {area} {direction} med gjennomsnittlig "
              "{slope} prosentpoeng per år (95 % intervall {ci}).",
        "en": "From {first} to {last} the share in {area} has {direction} by on average {slope} "
              "percentage points a year (95% interval {ci})."},
    "yd_trend_up": {"nb": "økt", "en": "risen"},
    "yd_trend_down": {"nb": "falt", "en": "fallen"},
    "yd_trend_flat": {
        "nb": "Fra {first} til {last} har andelen i {area} ingen klar trend (gjennomsnittlig "
              "{slope} prosentpoeng per år, 95 % intervall {ci}).",
        "en": "From {first} to {last} the share in {area} shows no clear trend (on average "
              "{slope} percentage points a year, 95% interval {ci})."},
    "yd_sex_gap": {
        "nb": "I {year} var andelen for menn {men} og for kvinner {women} i {area}: menn har "
              "{verdict} andel (forskjell {gap} prosentpoeng, 95 % intervall {ci}).",
        "en": "In {year} the share was {men} for men and {women} for women in {area}: men have "
              "a {verdict} share (difference {gap} percentage points, 95% interval {ci})."},
    "yd_sex_gap_none": {
        "nb": "I {year} var andelen for menn {men} og for kvinner {women} i {area}: ingen klar "
              "forskjell (forskjell {gap} prosentpoeng, 95 % intervall {ci}).",
        "en": "In {year} the share was {men} for men and {women} for women in {area}: no clear "
              "difference (difference {gap} percentage points, 95% interval {ci})."},
    "yd_sparse": {
        "nb": "{area} har bare om lag {youths} unge 15–29 år. Andelen svinger derfor med omtrent "
              "±{noise} prosentpoeng fra år til år av tilfeldigheter alene; små endringer sier "
              "ingenting.",
        "en": "{area} has only about {youths} residents aged 15–29. The share therefore varies "
              "by about ±{noise} percentage points from year to year by chance alone; small "
              "changes say nothing."},
    "yd_suppressed": {
        "nb": "For {area} er {what} skjult («:») i {years} fordi tallene er svært små.",
        "en": "For {area}, {what} is suppressed (“:”) in {years} because the numbers are very "
              "small."},
    "yd_by_sex": {"nb": "tall etter kjønn", "en": "the breakdown by sex"},
    "yd_no_neet": {"nb": "NEET-tall", "en": "NEET figures"},
    "yd_county_caption": {
        "nb": "Utenfor arbeid, utdanning og opplæring etter aldersgruppe, {county} og hele landet "
              "({year})",
        "en": "Not in employment, education or training by age group, {county} and Norway "
              "({year})"},
    "yd_county_level": {
        "nb": "Gjennomføring i videregående publiseres av SSB bare per fylke (ikke per kommune). "
              "Tallene under gjelder derfor hele {county}. Et kull er elevene som startet på "
              "videregående et gitt år; status måles fem år etter start.",
        "en": "SSB publishes upper-secondary completion only by county (not by municipality). "
              "The figures below therefore cover all of {county}. A cohort is the pupils who "
              "started upper secondary in a given year; status is measured five years later."},
    "yd_completion_caption": {
        "nb": "Fullført og bestått innen fem år, kullet som startet i {year}, {county} "
              "(fylkesnivå)",
        "en": "Completed and passed within five years, cohort starting {year}, {county} "
              "(county level)"},
    "yd_completion_fig_caption": {
        "nb": "Andel som fullfører innen fem år etter startår, {county} (heltrukket) og hele "
              "landet (stiplet), studieforberedende og yrkesfag.",
        "en": "Share completing within five years by starting year, {county} (solid) and Norway "
              "(dashed), general and vocational programmes."},
    "yd_completion_fig_alt": {
        "nb": "Linjediagram over fullføring innen fem år for kull som startet {first}–{last}. I "
              "{county} fullførte {vocational} på yrkesfag og {general} på studieforberedende i "
              "kullet fra {last}.",
        "en": "Line chart of completion within five years for cohorts starting {first}–{last}. "
              "In {county}, {vocational} completed vocational and {general} general programmes "
              "in the {last} cohort."},
    "yd_gap": {
        "nb": "{county}, kullet fra {year}: {group} fullfører {rate} mot {ref_rate} for "
              "{ref_group}, {verdict} (forskjell {gap} prosentpoeng, 95 % intervall {ci}).",
        "en": "{county}, cohort starting {year}: {group} complete {rate} versus {ref_rate} for "
              "{ref_group}, {verdict} (difference {gap} percentage points, 95% interval {ci})."},
    "yd_gap_higher": {"nb": "klart høyere", "en": "clearly higher"},
    "yd_gap_lower": {"nb": "klart lavere", "en": "clearly lower"},
    "yd_gap_none": {"nb": "ingen klar forskjell", "en": "no clear difference"},
    "yd_cohort_caption": {
        "nb": "Bosatte 16–19 år i {area}: registrert og framskrevet til {horizon}",
        "en": "Residents aged 16–19 in {area}: registered and projected to {horizon}"},
    "yd_cohort_fig_alt": {
        "nb": "Linjediagram over antall 16–19-åringer i {area} {first}–{horizon}: {now} i {year},"
              " framskrevet {then} i {horizon} (lavt–høyt alternativ {low}–{high}).",
        "en": "Line chart of the number of 16–19-year-olds in {area}, {first}–{horizon}: {now} "
              "in {year}, projected {then} in {horizon} (low–high alternative {low}–{high})."},
    "yd_cohort_fig_caption": {
        "nb": "Antall 16–19-åringer i {area}. Etter {year}: SSBs framskriving (hovedalternativet, "
              "skygge = lavt til høyt alternativ).",
        "en": "Number of 16–19-year-olds in {area}. After {year}: SSB's projection (main "
              "alternative, band = low to high alternative)."},
    "yd_cohort_finding": {
        "nb": "Antallet 16–19-åringer i {area} går etter SSBs hovedalternativ fra {now} i {year} "
              "til {then} i {horizon} ({change} %; lavt til høyt alternativ {low} til {high}).",
        "en": "By SSB's main alternative, the number of 16–19-year-olds in {area} goes from "
              "{now} in {year} to {then} in {horizon} ({change}%; low to high alternative {low} "
              "to {high})."},
    "yd_cohort_income": {
        "nb": "Færre elever gir fylkeskommunen lavere frie inntekter, fordi inntektssystemet "
              "fordeler etter antall 16–18-åringer.",
        "en": "Fewer pupils mean less general-purpose income for the county authority, because "
              "the income system allocates by the number of 16–18-year-olds."},
    "yd_no_projection": {
        "nb": "Ingen befolkningsframskriving for {area} i dataene.",
        "en": "No population projection for {area} in the data."},
    "yd_axis_share": {"nb": "Andel (%)", "en": "Share (%)"},
    "yd_axis_persons": {"nb": "Personer", "en": "Persons"},
    "yd_axis_cohort": {"nb": "Startår", "en": "Starting year"},
})


# ---------------------------------------------------------------------------------------------
# Binomial GLMs (pure)
# ---------------------------------------------------------------------------------------------


def _counts_endog(successes, trials) -> np.ndarray:
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return np.column_stack([s, n - s])


def proportion_ci(successes: float, trials: float, alpha: float = ALPHA
                  ) -> tuple[float, float, float]:
    """A proportion with its interval from an intercept-only binomial GLM (logit link).

    Returns:
        (share, low, high) in percent. The interval is the Wald interval on the logit scale,
        transformed back (it stays inside 0–100 %). Degenerate counts (0 or all) give NaN.
    """
    if not trials or trials <= 0 or successes <= 0 or successes >= trials:
        share = 100 * successes / trials if trials else float("nan")
        return share, float("nan"), float("nan")
    with warnings.catch_warnings():  # one observation: statsmodels warns about df_resid = 0
        warnings.simplefilter("ignore")
        fit = sm.GLM(_counts_endog([successes], [trials]), np.ones((1, 1)),
                     family=sm.families.Binomial()).fit()
    low, high = fit.conf_int(alpha)[0]
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    return 100 * expit(fit.params[0]), 100 * expit(low), 100 * expit(high)


def group_gap(successes: tuple[float, float], trials: tuple[float, float],
              alpha: float = ALPHA) -> dict[str, float | str]:
    """Gap between two binomial groups from a GLM with a group indicator (logit link).

    Args:
        successes: (reference group, other group).
        trials: (reference group, other group).

    Returns:
        dict with ``rate_ref``, ``rate`` (percent), ``gap`` (other − reference, percentage
        points), ``ci_low``, ``ci_high`` (delta method on the GLM's covariance), ``odds_ratio``,
        ``p_value`` (Wald test of the group coefficient) and ``verdict``: ``higher``/``lower``
        when p < alpha, else ``no_clear_difference``.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if (n <= 0).any() or (s <= 0).any() or (s >= n).any():
        nan = float("nan")
        rate = 100 * s / np.where(n > 0, n, np.nan)
        return {"rate_ref": float(rate[0]), "rate": float(rate[1]),
                "gap": float(rate[1] - rate[0]), "ci_low": nan, "ci_high": nan,
                "odds_ratio": nan, "p_value": nan, "verdict": "no_clear_difference"}
    exog = np.column_stack([np.ones(2), np.array([0.0, 1.0])])
    with warnings.catch_warnings():  # saturated two-group model: df_resid = 0 by design
        warnings.simplefilter("ignore")
        fit = sm.GLM(_counts_endog(s, n), exog, family=sm.families.Binomial()).fit()
    b0, b1 = fit.params
    p0, p1 = 1 / (1 + math.exp(-b0)), 1 / (1 + math.exp(-(b0 + b1)))
    grad = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    se = math.sqrt(float(grad @ fit.cov_params() @ grad))
    z = stats.norm.ppf(1 - alpha / 2)
    gap = p1 - p0
    p_value = float(fit.pvalues[1])
    verdict = ("no_clear_difference" if not p_value < alpha
               else ("higher" if gap > 0 else "lower"))
    return {"rate_ref": 100 * p0, "rate": 100 * p1, "gap": 100 * gap,
            "ci_low": 100 * (gap - z * se), "ci_high": 100 * (gap + z * se),
            "odds_ratio": math.exp(b1), "p_value": p_value, "verdict": verdict}


def binomial_trend(frame: pd.DataFrame, alpha: float = ALPHA) -> dict[str, float | str]:
    """Linear trend on the logit scale over years: quasi-binomial GLM on counts.

    Args:
        frame: rows with ``year``, ``numerator``, ``denominator`` (one area).

    Returns:
        dict with ``slope_pp`` (average change in percentage points a year at the mean share:
        ``100 β p̄(1 − p̄)``), ``ci_low``, ``ci_high``, ``p_value``, ``dispersion`` (Pearson χ²/df,
        floored at 1 so year-to-year noise beyond the binomial widens, never narrows, the
        interval), ``first``, ``last`` and ``verdict`` (``up``/``down``/``flat``).
    """
    f = frame.dropna(subset=["numerator", "denominator"])
    f = f[f["denominator"] > 0]
    if len(f) < 3:
        raise effects.NotEstimable("fx_reason_few_pre", "fewer than three years with counts")
    x = f["year"].to_numpy(dtype=float) - f["year"].mean()
    exog = np.column_stack([np.ones(len(f)), x])
    endog = _counts_endog(f["numerator"], f["denominator"])
    fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
    dispersion = max(1.0, float(fit.pearson_chi2 / fit.df_resid)) if fit.df_resid > 0 else 1.0
    fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit(scale=dispersion)
    pbar = float(f["numerator"].sum() / f["denominator"].sum())
    factor = 100 * pbar * (1 - pbar)
    low, high = fit.conf_int(alpha)[1]
    p_value = float(fit.pvalues[1])
    slope = float(fit.params[1])
    verdict = "flat" if not p_value < alpha else ("up" if slope > 0 else "down")
    return {"slope_pp": factor * slope, "ci_low": factor * low, "ci_high": factor * high,
            "p_value": p_value, "dispersion": dispersion, "first": int(f["year"].min()),
            "last": int(f["year"].max()), "verdict": verdict}


# ---------------------------------------------------------------------------------------------
# Tidy data → analysis frames (pure)
# ---------------------------------------------------------------------------------------------


def neet_frame(neet: pd.DataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """NEET counts and shares by region, sex and year from the tidy 13556 table.

    Returns:
        ``region, sex, year, numerator`` (NEET persons), ``denominator`` (residents 15–29),
        ``value`` (share, %), ``suppressed`` (SSB ``:`` or missing value).
    """
    base = neet[(neet["labour_status"] == "NEET") & (neet["age_group"] == "15-29")]
    wide = base.pivot_table(index=["region", "sex", "year"], columns="measure", values="value",
                            aggfunc="first", dropna=False).reset_index()
    status = (base.assign(suppressed=base["status"].eq(":").fillna(False).astype(bool))
              .groupby(["region", "sex", "year"], as_index=False)["suppressed"].any())
    wide = wide.merge(status, on=["region", "sex", "year"], how="left")
    num = wide.get("Bosatte", pd.Series(np.nan, index=wide.index)).astype(float)
    pct = wide.get("BosatteProsent", pd.Series(np.nan, index=wide.index)).astype(float)
    den = (num / (pct / 100)).where(pct > 0)
    den = den.round()
    out = pd.DataFrame({"region": wide["region"].astype(str), "sex": wide["sex"].astype(str),
                        "year": wide["year"].astype(int), "numerator": num,
                        "denominator": den, "value": pct,
                        "suppressed": wide["suppressed"].fillna(False).astype(bool)})
    if population is not None and (out["denominator"].isna() & out["numerator"].notna()).any():
        young = youth_population(population, 15, 29)
        out = out.merge(young, on=["region", "sex", "year"], how="left")
        out["denominator"] = out["denominator"].fillna(out.pop("persons"))
    out["value"] = out["value"].fillna(100 * out["numerator"] / out["denominator"])
    out["suppressed"] = out["suppressed"] | out["value"].isna()
    return out.sort_values(["region", "sex", "year"]).reset_index(drop=True)


def youth_population(population: pd.DataFrame, first_age: int, last_age: int) -> pd.DataFrame:
    """Residents aged ``first_age``–``last_age`` by region, sex (``0`` = both) and year."""
    p = population[(population["age"] >= first_age) & (population["age"] <= last_age)]
    by_sex = p.groupby(["region", "sex", "year"], as_index=False)["value"].sum()
    both = by_sex.groupby(["region", "year"], as_index=False)["value"].sum().assign(sex="0")
    out = pd.concat([by_sex, both], ignore_index=True).rename(columns={"value": "persons"})
    out["region"] = out["region"].astype(str)
    out["sex"] = out["sex"].astype(str)
    return out


def completion_frame(completion: pd.DataFrame) -> pd.DataFrame:
    """Completion within five years by region, sex, programme and cohort (tidy 12960/14883).

    Returns:
        the key columns present (``region``, ``sex``, ``programme``, ``background``), ``year``
        (cohort start), ``measured_year``, ``completed``, ``cohort`` (sum of the four statuses)
        and ``value`` (percent completed).
    """
    persons = completion[completion["measure"] == "Personer"]
    keys = [c for c in ("region", "sex", "programme", "background") if c in persons.columns]
    grouped = persons.groupby(keys + ["year"], as_index=False)
    total = grouped["value"].sum(min_count=len(persons["completion_status"].unique()))
    done = (persons[persons["completion_status"] == COMPLETED]
            .groupby(keys + ["year"], as_index=False)["value"].sum(min_count=1))
    out = total.rename(columns={"value": "cohort"}).merge(
        done.rename(columns={"value": "completed"}), on=keys + ["year"], how="left")
    out["value"] = 100 * out["completed"] / out["cohort"]
    out["measured_year"] = out["year"] + COMPLETION_YEARS
    for k in keys:
        out[k] = out[k].astype(str)
    return out.sort_values(keys + ["year"]).reset_index(drop=True)


def _panel(frame: pd.DataFrame, year: str = "year") -> pd.DataFrame:
    out = frame
    return out.assign(year=out[year].astype(int))[["region", "year", "value", "numerator",
                                                    "denominator"]]


def neet_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``neet_share_15_29``: every region, both sexes (13556)."""
    frame = neet_frame(datasets.load("neet", source))
    frame = frame[frame["sex"] == "0"]
    panel = _panel(frame).reset_index(drop=True)
    panel.attrs["scale"] = "percent"
    return panel


def _completion_panel(source: str | None, programme: str) -> pd.DataFrame:
    frame = completion_frame(datasets.load("completion", source))
    frame = frame[(frame["sex"] == "0") & (frame["programme"] == programme)]
    panel = _panel(frame.rename(columns={"completed": "numerator", "cohort": "denominator"}),
                   year="measured_year").reset_index(drop=True)
    panel.attrs["scale"] = "percent"
    return panel


def completion_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_rate_5y`` (12960, all programmes; year = year measured)."""
    return _completion_panel(source, "00")


def completion_vocational_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_rate_vocational_5y`` (12960, vocational; year measured)."""
    return _completion_panel(source, "02")


def immigrant_gap_frame(background: pd.DataFrame) -> pd.DataFrame:
    """Completion gap rest of population (E) minus immigrants (B), pp, with its binomial SE."""
    frame = completion_frame(background)
    if "programme" in frame:
        frame = frame[frame["programme"] == "00"]
    b = frame[frame["background"] == "B"]
    e = frame[frame["background"] == "E"]
    both = b.merge(e, on=["region", "year"], suffixes=("_b", "_e"), how="inner")
    pb, pe = both["completed_b"] / both["cohort_b"], both["completed_e"] / both["cohort_e"]
    se = 100 * np.sqrt(pb * (1 - pb) / both["cohort_b"] + pe * (1 - pe) / both["cohort_e"])
    return pd.DataFrame({"region": both["region"], "year": both["year"],
                         "measured_year": both["year"] + COMPLETION_YEARS,
                         "value": 100 * (pe - pb), "se": se})


def immigrant_gap_panel(source: str | None = None) -> pd.DataFrame:
    """Indicator panel ``completion_gap_immigrants`` (14883; pp, year = year measured)."""
    gap = immigrant_gap_frame(datasets.load("completion_background", source))
    panel = gap.assign(year=gap["measured_year"])[["region", "year", "value", "se"]]
    panel = panel.reset_index(drop=True)
    panel.attrs["scale"] = "pp"
    return panel


INDICATORS = {
    "neet_share_15_29": neet_panel,
    "completion_rate_5y": completion_panel,
    "completion_rate_vocational_5y": completion_vocational_panel,
    "completion_gap_immigrants": immigrant_gap_panel,
}


def area_counts(frame: pd.DataFrame, codes: list[str], keys: list[str],
                num: str = "numerator", den: str = "denominator") -> pd.DataFrame:
    """Counts for an area made of ``codes`` (sums of counts, never of rates) by ``keys``.

    A code missing from ``frame`` (e.g. a county in a municipal table) is built from its
    municipalities. Rows with a suppressed count are left out of the sums.
    """
    codes = [str(c) for c in codes]
    present = set(frame["region"].astype(str))
    expanded: list[str] = []
    for code in codes:
        if code in present:
            expanded.append(code)
        elif len(code) == 2:
            expanded += [r for r in present if len(r) == 4 and effects._county_of(r) == code]
    rows = frame[frame["region"].isin(expanded)].dropna(subset=[num, den])
    out = rows.groupby(keys, as_index=False)[[num, den]].sum()
    out["value"] = 100 * out[num] / out[den]
    return out


def cohort_frame(population: pd.DataFrame, projection: pd.DataFrame, codes: list[str],
                 ages: tuple[int, int] = COHORT_AGES, horizon: int = 2040) -> pd.DataFrame:
    """Residents aged 16–19 in the area: registered (07459) and projected (14288) to ``horizon``.

    Returns:
        ``year, observed, main, low, high`` (persons; projection columns from the first year
        after the last registered year).
    """
    def area(frame: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
        f = frame[(frame["age"] >= ages[0]) & (frame["age"] <= ages[1])]
        f = f.assign(numerator=f["value"], denominator=1.0)
        return area_counts(f, codes, ["year"] + extra)

    observed = area(population, []).set_index("year")["numerator"].rename("observed")
    out = observed.to_frame()
    if projection is not None and len(projection):
        proj = area(projection, ["alternative"])
        proj = proj[(proj["year"] > observed.index.max()) & (proj["year"] <= horizon)]
        wide = proj.pivot_table(index="year", columns="alternative", values="numerator")
        names = {"MMMM": "main", "LLML": "low", "HHMH": "high"}
        wide = wide.rename(columns=names)[[c for c in names.values() if c in
                                           wide.rename(columns=names).columns]]
        out = out.join(wide, how="outer")
    for col in ("main", "low", "high"):
        if col not in out:
            out[col] = np.nan
    return out.reset_index().rename(columns={"index": "year"})[
        ["year", "observed", "main", "low", "high"]]


# ---------------------------------------------------------------------------------------------
# Notebook-facing: frames, figures and findings for the report context
# ---------------------------------------------------------------------------------------------


def _area(ctx) -> str:
    return ctx.region_label


def _county_code(ctx) -> str | None:
    if len(ctx.region_codes) == 1 and len(ctx.region_codes[0]) == 2:
        return ctx.region_codes[0]
    return ctx.county


def neet_overview(ctx) -> pd.DataFrame:
    """NEET 15–29 (both sexes) by year for the region, its county and Norway, with intervals.

    Returns:
        ``area`` (region, county, national), ``code``, ``year``, ``numerator``,
        ``denominator``, ``value``, ``ci_low``, ``ci_high``, ``suppressed``.
    """
    frame = neet_frame(datasets.load("neet", ctx.source))
    frame = frame[frame["sex"] == "0"]
    parts = []
    areas = [("region", ctx.region_codes)]
    county = _county_code(ctx)
    if county and [county] != list(ctx.region_codes):
        areas.append(("county", [county]))
    areas.append(("national", [effects.NATIONAL]))
    years = sorted(frame["year"].unique())
    for name, codes in areas:
        counts = area_counts(frame, codes, ["year"]).set_index("year").reindex(years)
        counts = counts.reset_index().rename(columns={"index": "year"})
        counts["area"] = name
        counts["code"] = "+".join(codes)
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    cis = [proportion_ci(n, d) if pd.notna(n) and pd.notna(d) else (np.nan,) * 3
           for n, d in zip(out["numerator"], out["denominator"], strict=True)]
    out["ci_low"] = [c[1] for c in cis]
    out["ci_high"] = [c[2] for c in cis]
    out["suppressed"] = out["numerator"].isna() | (out["numerator"] < ctx.threshold)
    return out[["area", "code", "year", "numerator", "denominator", "value", "ci_low", "ci_high",
                "suppressed"]]


def _fmt_ci(ctx, low: float, high: float, percent: bool = True, decimals: int = 1) -> str:
    if pd.isna(low) or pd.isna(high):
        return "–"
    return i18n.fmt_interval(low, high, ctx.language, decimals, percent=percent)


def neet_table(ctx, overview: pd.DataFrame) -> pd.DataFrame:
    """The region's NEET rows as a report table (counts suppressed by :func:`report.table`).

    The share is shown as ":" where the NEET count is below the disclosure threshold (the count
    could otherwise be derived from share × residents).
    """
    rows = overview[overview["area"] == "region"]
    hidden = rows["suppressed"]
    table = pd.DataFrame({
        ctx.t("yd_col_year"): rows["year"].astype(str),
        ctx.t("yd_col_neet"): rows["numerator"],
        ctx.t("yd_col_youths"): rows["denominator"],
        ctx.t("yd_col_share"): [":" if h else ctx.pct(v) for h, v in
                                zip(hidden, rows["value"], strict=True)],
        ctx.t("yd_col_interval"): [":" if h else _fmt_ci(ctx, lo, hi) for h, lo, hi in
                                   zip(hidden, rows["ci_low"], rows["ci_high"], strict=True)],
    })
    table.attrs["caption"] = ctx.t("yd_neet_caption", area=_area(ctx))
    table.attrs["counts"] = [ctx.t("yd_col_neet"), ctx.t("yd_col_youths")]
    return table


def neet_figure(ctx, overview: pd.DataFrame):
    """Line chart of the NEET share: region (with interval), county, Norway.

    Returns:
        (fig, alt, caption) for :func:`pipeline.report.figure`, or None if nothing to show.
    """
    from pipeline import figures

    reg = overview[(overview["area"] == "region") & ~overview["suppressed"]]
    if reg.empty:
        return None
    fig, ax = figures.new_figure()
    ax.fill_between(reg["year"], reg["ci_low"], reg["ci_high"], color=figures.REGION_COLOUR,
                    alpha=figures.INTERVAL_ALPHA, linewidth=0)
    ax.plot(reg["year"], reg["value"], marker="o", color=figures.REGION_COLOUR,
            label=_area(ctx))
    county = overview[overview["area"] == "county"]
    if not county.empty:
        ax.plot(county["year"], county["value"], color=figures.PALETTE[1],
                label=ctx.name(county["code"].iloc[0]))
    nat = overview[overview["area"] == "national"]
    ax.plot(nat["year"], nat["value"], color=figures.COMPARISON_COLOUR, linestyle="--",
            label=ctx.t("national"))
    ax.set_ylabel(ctx.t("yd_axis_share"))
    ax.set_xlabel(ctx.t("year"))
    ax.legend(fontsize=8)
    last = reg.iloc[-1]
    nat_last = nat[nat["year"] == last["year"]]["value"]
    county_name = ctx.name(county["code"].iloc[0]) if not county.empty else ctx.t("national")
    alt = ctx.t("yd_neet_fig_alt", first=int(reg["year"].min()), last=int(last["year"]),
                area=_area(ctx), share=ctx.pct(last["value"]),
                ci=_fmt_ci(ctx, last["ci_low"], last["ci_high"]),
                national=ctx.pct(nat_last.iloc[0] if len(nat_last) else np.nan))
    caption = ctx.t("yd_neet_fig_caption", area=_area(ctx), county=county_name)
    return fig, alt, caption


def _verdict_text(ctx, verdict: str) -> str:
    return ctx.t({"higher": "higher", "lower": "lower"}.get(verdict, "no_clear_difference"))


def neet_findings(ctx, overview: pd.DataFrame) -> list[dict]:
    """Key findings on NEET: latest share, comparison with county and country, trend, sex gap.

    Returns:
        list of dicts with ``key``, ``text`` (and ``value``) for :func:`pipeline.report.finding`.
    """
    out: list[dict] = []
    reg = overview[overview["area"] == "region"].dropna(subset=["numerator", "denominator"])
    if reg.empty or reg["suppressed"].iloc[-1]:
        return out
    last = reg.iloc[-1]
    year = int(last["year"])
    out.append({"key": "neet_latest", "value": ctx.pct(last["value"]),
                "text": ctx.t("yd_neet_latest", year=year, share=ctx.pct(last["value"]),
                              area=_area(ctx), ci=_fmt_ci(ctx, last["ci_low"],
                                                          last["ci_high"]))})
    for area in ("county", "national"):
        other = overview[(overview["area"] == area) & (overview["year"] == year)]
        if other.empty or pd.isna(other["numerator"].iloc[0]):
            continue
        o = other.iloc[0]
        rest_n = o["numerator"] - last["numerator"]
        rest_d = o["denominator"] - last["denominator"]
        if rest_d <= 0:
            continue
        gap = group_gap((rest_n, last["numerator"]), (rest_d, last["denominator"]))
        other_name = (ctx.t("yd_rest_of", area=ctx.name(o["code"])) if area == "county"
                      else ctx.t("yd_rest_of_country"))
        values = {"other": other_name, "other_share": ctx.pct(gap["rate_ref"]),
                  "area": _area(ctx), "share": ctx.pct(gap["rate"]), "gap": ctx.num(gap["gap"], 1),
                  "ci": _fmt_ci(ctx, gap["ci_low"], gap["ci_high"], False)}
        text = (ctx.t("yd_compare_none", **values) if gap["verdict"] == "no_clear_difference"
                else ctx.t("yd_compare", verdict=ctx.t(gap["verdict"]), **values))
        out.append({"key": f"neet_vs_{area}", "text": text})
    try:
        trend = binomial_trend(reg)
    except effects.NotEstimable:
        trend = None
    if trend is not None:
        # "has fallen by 0.23 a year (0.05 to 0.40)" reads better than "fallen by −0.23".
        sign = -1 if trend["verdict"] == "down" else 1
        low, high = sorted((sign * trend["ci_low"], sign * trend["ci_high"]))
        values = {"first": trend["first"], "last": trend["last"], "area": _area(ctx),
                  "slope": ctx.num(sign * trend["slope_pp"], 2),
                  "ci": _fmt_ci(ctx, low, high, False, 2)}
        if trend["verdict"] == "flat":
            text = ctx.t("yd_trend_flat", **values)
        else:
            text = ctx.t("yd_trend", direction=ctx.t(f"yd_trend_{trend['verdict']}"), **values)
        out.append({"key": "neet_trend", "text": text})
    sex = neet_sex(ctx)
    if sex is not None:
        out.append(sex)
    return out


def neet_sex(ctx) -> dict | None:
    """Men versus women in the latest year with both published (binomial GLM)."""
    frame = neet_frame(datasets.load("neet", ctx.source))
    men = area_counts(frame[frame["sex"] == "1"], ctx.region_codes, ["year"]).set_index("year")
    women = area_counts(frame[frame["sex"] == "2"], ctx.region_codes, ["year"]).set_index("year")
    both = men.merge(women, left_index=True, right_index=True, suffixes=("_m", "_w"),
                     how="inner")
    both = both[(both["numerator_m"] >= ctx.threshold) & (both["numerator_w"] >= ctx.threshold)]
    if both.empty:
        return None
    year = int(both.index.max())
    row = both.loc[year]
    gap = group_gap((row["numerator_w"], row["numerator_m"]),
                    (row["denominator_w"], row["denominator_m"]))
    values = {"year": year, "men": ctx.pct(gap["rate"]), "women": ctx.pct(gap["rate_ref"]),
              "area": _area(ctx), "gap": ctx.num(gap["gap"], 1),
              "ci": _fmt_ci(ctx, gap["ci_low"], gap["ci_high"], False)}
    if gap["verdict"] == "no_clear_difference":
        return {"key": "neet_sex", "text": ctx.t("yd_sex_gap_none", **values)}
    return {"key": "neet_sex", "text": ctx.t("yd_sex_gap", verdict=ctx.t(gap["verdict"]),
                                             **values)}


def neet_notices(ctx, overview: pd.DataFrame) -> list[str]:
    """Caveats: few youths (large chance variation), suppressed figures, missing data."""
    out = []
    reg = overview[overview["area"] == "region"]
    if reg["numerator"].isna().all():
        return [ctx.t("too_little_data", what=ctx.t("yd_no_neet"), region=_area(ctx))]
    youths = reg["denominator"].dropna()
    if len(youths) and youths.iloc[-1] < SPARSE_YOUTHS:
        p = float(reg["value"].dropna().mean()) / 100
        noise = 196 * math.sqrt(p * (1 - p) / youths.iloc[-1])
        out.append(ctx.t("yd_sparse", area=_area(ctx), youths=ctx.num(round(youths.iloc[-1], -1)),
                         noise=ctx.num(noise, 1)))
    hidden = reg.loc[reg["suppressed"], "year"].astype(int).tolist()
    if hidden:
        out.append(ctx.t("yd_suppressed", area=_area(ctx), what=ctx.t("yd_no_neet"),
                         years=", ".join(map(str, hidden))))
    frame = neet_frame(datasets.load("neet", ctx.source))
    by_sex = frame[frame["region"].isin(ctx.region_codes) & frame["sex"].isin(["1", "2"])]
    sex_hidden = sorted(by_sex.loc[by_sex["suppressed"], "year"].astype(int).unique())
    if sex_hidden:
        out.append(ctx.t("yd_suppressed", area=_area(ctx), what=ctx.t("yd_by_sex"),
                         years=", ".join(map(str, sex_hidden))))
    return out


def neet_county_table(ctx) -> pd.DataFrame:
    """NEET by age group (15–29, 30–61) for the county and Norway, latest year (13563)."""
    raw = datasets.load("neet_county", ctx.source)
    persons = raw[raw["measure"] == "Bosatte"]
    wide = persons.pivot_table(index=["region", "age_group", "year"], columns="labour_status",
                               values="value", aggfunc="first").reset_index()
    county = _county_code(ctx)
    year = int(wide["year"].max())
    rows = []
    for code in [c for c in (county, effects.NATIONAL) if c]:
        for _, r in wide[(wide["region"] == code) & (wide["year"] == year)].iterrows():
            share, low, high = proportion_ci(r["NEET2"], r["TOT3"])
            hidden = pd.isna(r["NEET2"]) or r["NEET2"] < ctx.threshold
            rows.append({ctx.t("yd_col_area"): ctx.name(code),
                         ctx.t("yd_col_age"): r["age_group"],
                         ctx.t("yd_col_neet"): r["NEET2"],
                         ctx.t("yd_col_share"): ":" if hidden else ctx.pct(share),
                         ctx.t("yd_col_interval"): ":" if hidden else _fmt_ci(ctx, low, high)})
    table = pd.DataFrame(rows)
    table.attrs["caption"] = ctx.t("yd_county_caption",
                                   county=ctx.name(county) if county else ctx.t("national"),
                                   year=year)
    table.attrs["counts"] = [ctx.t("yd_col_neet")]
    return table


def completion_overview(ctx) -> pd.DataFrame:
    """Completion within five years for the county and Norway by cohort, programme and sex."""
    frame = completion_frame(datasets.load("completion", ctx.source))
    county = _county_code(ctx)
    codes = [c for c in (county, effects.NATIONAL) if c]
    return frame[frame["region"].isin(codes)].reset_index(drop=True)


def completion_figure(ctx, overview: pd.DataFrame):
    """Completion by cohort: general and vocational, county solid and Norway dashed."""
    from pipeline import figures

    county = _county_code(ctx)
    sel = overview[(overview["sex"] == "0") & overview["programme"].isin(["01", "02"])]
    if sel.empty or county is None:
        return None
    fig, ax = figures.new_figure()
    colours = {"01": figures.PALETTE[0], "02": figures.PALETTE[1]}
    labels = {"01": ctx.t("yd_group_general"), "02": ctx.t("yd_group_vocational")}
    for prog in ("01", "02"):
        for code, style in ((county, "-"), (effects.NATIONAL, "--")):
            part = sel[(sel["programme"] == prog) & (sel["region"] == code)]
            label = f"{labels[prog]}, {ctx.name(code)}"
            ax.plot(part["year"], part["value"], linestyle=style, color=colours[prog],
                    marker="o" if style == "-" else None, label=label)
    ax.set_xlabel(ctx.t("yd_axis_cohort"))
    ax.set_ylabel(ctx.t("yd_axis_share"))
    ax.legend(fontsize=8)
    own = sel[sel["region"] == county]
    last = int(own["year"].max())
    rate = {p: own[(own["programme"] == p) & (own["year"] == last)]["value"] for p in ("01", "02")}
    alt = ctx.t("yd_completion_fig_alt", first=int(own["year"].min()), last=last,
                county=ctx.name(county), vocational=ctx.pct(rate["02"].iloc[0]),
                general=ctx.pct(rate["01"].iloc[0]))
    return fig, alt, ctx.t("yd_completion_fig_caption", county=ctx.name(county))


def _background_latest(ctx) -> pd.DataFrame:
    frame = completion_frame(datasets.load("completion_background", ctx.source))
    return frame


def completion_table(ctx, overview: pd.DataFrame) -> pd.DataFrame:
    """Latest cohort in the county by group, with interval and a test against the rest of Norway.

    Groups: all, general, vocational, boys, girls (12960) and immigrant background (14883).
    """
    county = _county_code(ctx)
    background = _background_latest(ctx)
    year = int(overview["year"].max())
    groups = [("yd_group_all", overview, {"sex": "0", "programme": "00"}),
              ("yd_group_general", overview, {"sex": "0", "programme": "01"}),
              ("yd_group_vocational", overview, {"sex": "0", "programme": "02"}),
              ("yd_group_men", overview, {"sex": "1", "programme": "00"}),
              ("yd_group_women", overview, {"sex": "2", "programme": "00"})]
    bg_year = int(background["year"].max()) if len(background) else year
    groups += [(f"yd_group_{g}", background, {"background": g}) for g in ("B", "C", "E")]
    rows = []
    for key, frame, sel in groups:
        mask = pd.Series(True, index=frame.index)
        for col, val in sel.items():
            mask &= frame[col] == val
        y = bg_year if frame is background else year
        own = frame[mask & (frame["region"] == county) & (frame["year"] == y)]
        nat = frame[mask & (frame["region"] == effects.NATIONAL) & (frame["year"] == y)]
        if own.empty:
            continue
        o = own.iloc[0]
        share, low, high = proportion_ci(o["completed"], o["cohort"])
        verdict = "–"
        nat_share = np.nan
        if not nat.empty:
            n = nat.iloc[0]
            nat_share = n["value"]
            gap = group_gap((n["completed"] - o["completed"], o["completed"]),
                            (n["cohort"] - o["cohort"], o["cohort"]))
            verdict = _verdict_text(ctx, gap["verdict"])
        hidden = pd.isna(o["completed"]) or o["completed"] < ctx.threshold
        rows.append({ctx.t("yd_col_group"): f"{ctx.t(key)} ({y})",
                     ctx.t("yd_col_completed"): o["completed"],
                     ctx.t("yd_col_cohort"): o["cohort"],
                     ctx.t("yd_col_share"): ":" if hidden else ctx.pct(share),
                     ctx.t("yd_col_interval"): ":" if hidden else _fmt_ci(ctx, low, high),
                     ctx.t("yd_col_national"): ctx.pct(nat_share),
                     ctx.t("yd_col_vs_rest"): verdict})
    table = pd.DataFrame(rows)
    table.attrs["caption"] = ctx.t("yd_completion_caption", year=year,
                                   county=ctx.name(county) if county else "–")
    table.attrs["counts"] = [ctx.t("yd_col_completed"), ctx.t("yd_col_cohort")]
    return table


def completion_findings(ctx, overview: pd.DataFrame) -> list[dict]:
    """Group gaps in the latest cohort: vocational vs general, boys vs girls, immigrants vs rest."""
    county = _county_code(ctx)
    out: list[dict] = []
    own = overview[overview["region"] == county]
    if own.empty:
        return out
    year = int(own["year"].max())
    last = own[own["year"] == year].set_index(["sex", "programme"])
    background = _background_latest(ctx)
    bg = background[background["region"] == county]
    pairs = [("completion_vocational_gap", last.loc[("0", "01")], last.loc[("0", "02")],
              "yd_group_general", "yd_group_vocational", year),
             ("completion_sex_gap", last.loc[("2", "00")], last.loc[("1", "00")],
              "yd_group_women", "yd_group_men", year)]
    if len(bg):
        bg_year = int(bg["year"].max())
        b = bg[bg["year"] == bg_year].set_index("background")
        if {"B", "E"} <= set(b.index):
            pairs.append(("completion_immigrant_gap", b.loc["E"], b.loc["B"], "yd_group_E",
                          "yd_group_B", bg_year))
    for key, ref, grp, ref_key, grp_key, y in pairs:
        gap = group_gap((ref["completed"], grp["completed"]), (ref["cohort"], grp["cohort"]))
        verdict = {"higher": "yd_gap_higher", "lower": "yd_gap_lower"}.get(gap["verdict"],
                                                                            "yd_gap_none")
        out.append({"key": key, "text": ctx.t(
            "yd_gap", county=ctx.name(county), year=y, group=ctx.t(grp_key),
            rate=ctx.pct(gap["rate"]), ref_rate=ctx.pct(gap["rate_ref"]),
            ref_group=ctx.t(ref_key).lower(),
            verdict=ctx.t(verdict), gap=ctx.num(gap["gap"], 1),
            ci=_fmt_ci(ctx, gap["ci_low"], gap["ci_high"], False))})
    return out


def cohort_overview(ctx) -> pd.DataFrame:
    """Residents 16–19 in the region, registered and projected to the programme's horizon."""
    population = datasets.load("population", ctx.source)
    try:
        projection = datasets.load("population_projection", ctx.source)
    except datasets.DataError:
        projection = None
    return cohort_frame(population, projection, ctx.region_codes,
                        horizon=ctx.program.horizon)


def cohort_table(ctx, cohort: pd.DataFrame) -> pd.DataFrame:
    """Every fifth year of :func:`cohort_overview` plus the last registered year and horizon."""
    last_obs = int(cohort.dropna(subset=["observed"])["year"].max())
    keep = cohort[(cohort["year"] % 5 == 0) | (cohort["year"] == last_obs)
                  | (cohort["year"] == cohort["year"].max())]
    table = pd.DataFrame({
        ctx.t("yd_col_year"): keep["year"].astype(str),
        ctx.t("yd_col_observed"): keep["observed"],
        ctx.t("yd_col_main"): keep["main"],
        ctx.t("yd_col_low"): keep["low"],
        ctx.t("yd_col_high"): keep["high"],
    })
    table.attrs["caption"] = ctx.t("yd_cohort_caption", area=_area(ctx),
                                   horizon=ctx.program.horizon)
    table.attrs["counts"] = [ctx.t("yd_col_observed"), ctx.t("yd_col_main"),
                             ctx.t("yd_col_low"), ctx.t("yd_col_high")]
    return table


def cohort_figure(ctx, cohort: pd.DataFrame):
    """Registered and projected 16–19-year-olds with the low–high band."""
    from pipeline import figures

    obs = cohort.dropna(subset=["observed"])
    proj = cohort.dropna(subset=["main"])
    if obs.empty:
        return None
    fig, ax = figures.new_figure()
    ax.plot(obs["year"], obs["observed"], color=figures.REGION_COLOUR,
            label=ctx.t("yd_col_observed"))
    if not proj.empty:
        ax.fill_between(proj["year"], proj["low"], proj["high"], color=figures.PALETTE[1],
                        alpha=figures.INTERVAL_ALPHA, linewidth=0)
        ax.plot(proj["year"], proj["main"], color=figures.PALETTE[1], linestyle="--",
                label=ctx.t("yd_col_main"))
    ax.set_ylabel(ctx.t("yd_axis_persons"))
    ax.set_xlabel(ctx.t("year"))
    ax.legend(fontsize=8)
    year = int(obs["year"].max())
    end = proj.iloc[-1] if not proj.empty else None
    alt = ctx.t("yd_cohort_fig_alt", area=_area(ctx), first=int(obs["year"].min()),
                horizon=int(end["year"]) if end is not None else year,
                now=ctx.num(obs["observed"].iloc[-1]), year=year,
                then=ctx.num(end["main"]) if end is not None else "–",
                low=ctx.num(end["low"]) if end is not None else "–",
                high=ctx.num(end["high"]) if end is not None else "–")
    return fig, alt, ctx.t("yd_cohort_fig_caption", area=_area(ctx), year=year)


def cohort_findings(ctx, cohort: pd.DataFrame) -> list[dict]:
    """How many 16–19-year-olds there will be at the horizon compared with now."""
    obs = cohort.dropna(subset=["observed"])
    proj = cohort.dropna(subset=["main"])
    if obs.empty or proj.empty:
        return []
    now, end = obs.iloc[-1], proj.iloc[-1]
    change = 100 * (end["main"] / now["observed"] - 1)
    text = ctx.t("yd_cohort_finding", area=_area(ctx), now=ctx.num(now["observed"]),
                 year=int(now["year"]), then=ctx.num(end["main"]), horizon=int(end["year"]),
                 change=ctx.num(change, 0), low=ctx.num(end["low"]), high=ctx.num(end["high"]))
    if end["high"] < now["observed"]:  # fewer even in the high alternative
        text += " " + ctx.t("yd_cohort_income")
    return [{"key": "cohort_16_19", "value": f"{ctx.num(change, 0)} %", "text": text}]


def cohort_notices(ctx, cohort: pd.DataFrame) -> list[str]:
    """A notice when there is no projection for the area."""
    if cohort["main"].notna().any():
        return []
    return [ctx.t("yd_no_projection", area=_area(ctx))]
