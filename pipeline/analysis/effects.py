"""Effect tracking for every programme: "Er vi på rett vei?" (are we on the right track?).

For each indicator a programme promises to move (``programs/<id>.yml``: ``indicators``) this
module reports the baseline at the start year, the latest value, the target and the distance to
it, and an effect estimate against comparison areas. Every analysis module exposes
``INDICATORS: dict[str, Callable[[str], DataFrame]]`` (indicator id → function of the data source
returning a panel with columns ``region, year, value`` and, for rates built from counts,
``numerator, denominator``; optionally ``se`` and ``status``) and calls
``effects.track(ctx, INDICATORS)`` near the end of its notebook.

Method (all pure functions below, tested against planted truths and hand computations):

- **Difference-in-differences** (:func:`did`): ``value ~ unit FE + year FE + treated×post``
  fitted with statsmodels OLS, standard errors clustered by unit (municipality). The point
  estimate equals ``(post − pre mean of the treated) − (post − pre mean of the comparisons)``.
- **Why the interval is not the clustered one when one area is treated.** With a single treated
  cluster the clustered (CRVE) standard error is far too small: the treated unit's own residuals
  sum to zero in the pre- and post-period, so its score vanishes and only the comparison units'
  noise (divided by their number) enters (Conley & Taber 2011, MacKinnon & Webb 2017). The
  wild-cluster bootstrap fails for the same reason. With fewer than :data:`MIN_TREATED_FOR_CRVE`
  treated units the reported interval therefore uses each comparison unit's own pre/post change
  ``d_j`` as a draw of what the treated unit could have done by chance:
  ``SE = sd(d_j) × sqrt(1/N_treated + 1/N_comparison)``, with a t distribution on
  ``N_comparison − 1`` degrees of freedom (exact under normal, exchangeable unit noise; a
  Conley–Taber-type interval). The clustered SE is still computed and stored (``se_cluster``).
  A placebo-in-space p-value (each comparison unit "treated" in turn) is reported as well; with
  few comparison units it cannot be small (its minimum is ``1/(N+1)``), which the report says.
- **Event study** (:func:`event_study`): leads and lags ``treated×year`` relative to the
  reference year ``start_year − 1`` (statsmodels OLS with unit and year FE), with the same
  unit-based standard errors per year, so pre-trends are visible.
- **Joint pre-trend test** (:func:`pretrend_test`): Hotelling's T² on the lead coefficients with
  their covariance estimated from the comparison units (F test); when there are too few comparison
  units for that (``N_comparison < leads + 3``), a one-degree-of-freedom test of a linear
  pre-period slope difference instead. The method used is stated.
- **Minimum detectable effect** (:func:`minimum_detectable_effect`):
  ``MDE = (t_{1−α/2, df} + t_{power, df}) × SE``; with a normal reference and the defaults
  (α = 5 %, power = 80 %) this is ``(1.96 + 0.84) × SE ≈ 2.8 × SE``.
- **Comparison units**: the programme file's ``comparison.municipalities`` when it names some and
  the report is about the programme's own region; otherwise :func:`choose_comparison` picks the
  municipalities most similar in pre-period level, pre-period linear trend and size (log mean
  denominator), each standardised (z-score over the candidates), by Euclidean distance with equal
  weights (ties broken by code).
- **Counties.** When the region is a county (Buskerudplanen), or an indicator exists only at
  county level (upper-secondary completion), the treated unit is the county and the comparison
  units are the other counties (county figures summed from municipalities when the panel has only
  municipalities). This is still a difference-in-differences, but with about 14 comparison units
  and, for a municipal programme, a treated unit much larger than the programme: the report says
  so. A trend alone is never presented as an effect.
- **Small numbers.** Rates whose numerator is below the disclosure threshold are shown as ":";
  when the treated area is so small that a rate's sampling standard error exceeds
  :data:`SPARSE_SE_PP` percentage points, no effect estimate is shown, only the size of change
  the data could detect.

Indicators measured as counts (``population``, ``employed_by_workplace``) are analysed as
``100 × log(value)``, so effects are approximately percent changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from pipeline import i18n
from pipeline.programs import INDICATORS as INDICATOR_LABELS_NB

NATIONAL = "0"
MIN_TREATED_FOR_CRVE = 10  # below this many treated clusters the clustered SE is not trusted
MIN_COMPARISON = 3
MIN_PRE_YEARS = 2
SPARSE_SE_PP = 2.0  # sampling SE of the baseline rate (pp) above which no effect is shown
AUTO_COMPARISON_N = 8

# How each indicator is measured: percent (rate × 100), per_thousand, pp (a difference of
# percentages, e.g. a gap) or count (analysed on the log scale).
SCALES: dict[str, str] = {
    "neet_share_15_29": "percent",
    "completion_rate_5y": "percent",
    "completion_rate_vocational_5y": "percent",
    "completion_gap_immigrants": "pp",
    "employment_rate_20_66": "percent",
    "employed_by_workplace": "count",
    "population": "count",
    "net_migration_rate": "per_thousand",
    "net_domestic_migration_rate": "per_thousand",
    "immigrant_outflow_rate": "percent",
    "immigrant_share": "percent",
    "higher_education_share": "percent",
}
MULTIPLIER = {"percent": 100.0, "per_thousand": 1000.0}

INDICATOR_LABELS_EN = {
    "neet_share_15_29": "Share of young people aged 15–29 not in employment, education or "
                        "training (NEET)",
    "completion_rate_5y": "Share completing upper secondary within 5 years (county)",
    "completion_rate_vocational_5y": "Share completing vocational upper secondary within 5 years "
                                     "(county)",
    "completion_gap_immigrants": "Completion gap, immigrants versus the rest of the population "
                                 "(county)",
    "employment_rate_20_66": "Employment rate 20–66 (place of residence)",
    "employed_by_workplace": "Employed persons by place of work",
    "population": "Population",
    "net_migration_rate": "Net in-migration per 1,000 inhabitants",
    "net_domestic_migration_rate": "Net domestic in-migration per 1,000 inhabitants",
    "immigrant_outflow_rate": "Annual out-migration rate of immigrants",
    "immigrant_share": "Immigrants' share of the population",
    "higher_education_share": "Share with higher education (16 and over)",
}

i18n.register({
    "fx_heading": {"nb": "Er vi på rett vei?", "en": "Are we on the right track?"},
    "fx_intro": {
        "nb": "For hver indikator programmet skal flytte: utgangspunkt ved programstart, siste "
              "tall, mål og avstand til målet, og en sammenligning med områder uten programmet "
              "(forskjell-i-forskjeller).",
        "en": "For each indicator the programme aims to move: the baseline at programme start, "
              "the latest figure, the target and the distance to it, and a comparison with "
              "areas without the programme (difference-in-differences).",
    },
    "fx_none": {
        "nb": "Programmet har ingen mål for indikatorene i denne analysen.",
        "en": "The programme sets no targets for the indicators of this analysis.",
    },
    "fx_col_indicator": {"nb": "Indikator", "en": "Indicator"},
    "fx_col_area": {"nb": "Område", "en": "Area"},
    "fx_col_baseline": {"nb": "Utgangspunkt", "en": "Baseline"},
    "fx_col_latest": {"nb": "Siste", "en": "Latest"},
    "fx_col_target": {"nb": "Mål", "en": "Target"},
    "fx_col_distance": {"nb": "Avstand til mål", "en": "Distance to target"},
    "fx_col_effect": {"nb": "Forskjell mot sammenligning (95 % intervall)",
                      "en": "Difference from comparison (95% interval)"},
    "fx_col_verdict": {"nb": "Vurdering", "en": "Verdict"},
    "fx_table_caption": {
        "nb": "Er vi på rett vei? Utgangspunkt, siste tall, mål og forskjell mot sammenligningen",
        "en": "Are we on the right track? Baseline, latest figure, target and difference from "
              "the comparison",
    },
    "fx_year_value": {"nb": "{value} ({year})", "en": "{value} ({year})"},
    "fx_verdict_right": {"nb": "klar endring i ønsket retning",
                         "en": "clear change in the desired direction"},
    "fx_verdict_wrong": {"nb": "klar endring i motsatt retning",
                         "en": "clear change in the opposite direction"},
    "fx_verdict_unclear": {"nb": "kan ikke skilles fra tilfeldig variasjon",
                           "en": "cannot be told apart from chance"},
    "fx_verdict_na": {"nb": "kan ikke beregnes", "en": "cannot be estimated"},
    "fx_pp": {"nb": "prosentpoeng", "en": "percentage points"},
    "fx_reached": {"nb": "nådd", "en": "met"},
    "fx_per_thousand": {"nb": "per 1 000", "en": "per 1,000"},
    "fx_percent_change": {"nb": "prosent", "en": "percent"},
    "fx_moved": {
        "nb": "{label}, {area}: fra {baseline} i {baseline_year} til {latest} i {latest_year} "
              "(endring {change} {unit}{change_ci}).",
        "en": "{label}, {area}: from {baseline} in {baseline_year} to {latest} in {latest_year} "
              "(change {change} {unit}{change_ci}).",
    },
    "fx_change_ci": {"nb": ", 95 % intervall {ci}", "en": ", 95% interval {ci}"},
    "fx_noise_yes": {
        "nb": "Endringen er større enn det tilfeldig variasjon alene gir (p {p}).",
        "en": "The change is larger than chance variation alone would give (p {p}).",
    },
    "fx_noise_no": {
        "nb": "Endringen kan ikke skilles fra tilfeldig variasjon (p {p}).",
        "en": "The change cannot be told apart from chance variation (p {p}).",
    },
    "fx_did": {
        "nb": "Sammenlignet med {comparison} er utviklingen {effect} {unit} (95 % intervall "
              "{ci}): {verdict}.",
        "en": "Compared with {comparison}, the change is {effect} {unit} (95% interval {ci}): "
              "{verdict}.",
    },
    "fx_comparison_programme": {"nb": "sammenligningskommunene i programfilen ({names})",
                                "en": "the comparison municipalities in the programme file "
                                      "({names})"},
    "fx_comparison_auto": {"nb": "de mest like kommunene før start ({names})",
                           "en": "the municipalities most similar before the start ({names})"},
    "fx_comparison_counties": {"nb": "de andre fylkene", "en": "the other counties"},
    "fx_target": {
        "nb": "Målet er {target} innen {by}; siste tall er {distance} {unit} unna.",
        "en": "The target is {target} by {by}; the latest figure is {distance} {unit} away.",
    },
    "fx_target_reached": {
        "nb": "Målet på {target} innen {by} er nådd i siste tall.",
        "en": "The target of {target} by {by} is met by the latest figure.",
    },
    "fx_mde": {
        "nb": "Med den variasjonen som finnes mellom sammenligningsområdene kan en bare regne med "
              "å oppdage effekter større enn omtrent {mde} {unit} (80 % styrke, 5 % nivå).",
        "en": "Given the variation among the comparison areas, only effects larger than about "
              "{mde} {unit} can be expected to be detected (80% power, 5% level).",
    },
    "fx_pretrend_ok": {
        "nb": "Før start fulgte {area} sammenligningsgruppen uten klart avvik (test av "
              "førtrender, p {p}).",
        "en": "Before the start, {area} moved with the comparison group without a clear "
              "departure (pre-trend test, p {p}).",
    },
    "fx_pretrend_bad": {
        "nb": "Advarsel: allerede før start utviklet {area} seg annerledes enn "
              "sammenligningsgruppen (test av førtrender, p {p}). Forskjellen etter start kan "
              "derfor skyldes en utvikling som var i gang fra før.",
        "en": "Warning: already before the start, {area} moved differently from the comparison "
              "group (pre-trend test, p {p}). The difference after the start may therefore "
              "reflect a development that was already under way.",
    },
    "fx_few_units": {
        "nb": "Sammenligningen bygger på bare {n} områder. Intervallet er derfor bredt, og det "
              "forutsetter at {area} uten programmet ville variert omtrent som dem. En "
              "placebotest der hvert sammenligningsområde i tur og orden behandles som om det "
              "hadde programmet gir p {p} (minste mulige p er {pmin}).",
        "en": "The comparison rests on only {n} areas. The interval is therefore wide, and it "
              "assumes that {area} would have varied like them without the programme. A "
              "placebo test treating each comparison area in turn as if it had the programme "
              "gives p {p} (the smallest possible p is {pmin}).",
    },
    "fx_county_level": {
        "nb": "{label} finnes bare på fylkesnivå (det fineste nivået SSB publiserer). Tallene "
              "gjelder derfor hele {county}, ikke bare programområdet, og en effekt av "
              "programmet vil bli tynnet ut.",
        "en": "{label} exists only at county level (the finest level SSB publishes). The figures "
              "therefore cover all of {county}, not only the programme area, and any effect of "
              "the programme is diluted.",
    },
    "fx_county_region": {
        "nb": "{area} er et fylke, så sammenligningen er mot de andre fylkene.",
        "en": "{area} is a county, so the comparison is with the other counties.",
    },
    "fx_no_post": {
        "nb": "{label}: ingen tall etter programstart ({start}) ennå; bare utviklingen før start "
              "kan vises.",
        "en": "{label}: no figures after the programme start ({start}) yet; only the development "
              "before the start can be shown.",
    },
    "fx_not_estimable": {
        "nb": "{label}: en sammenligning mot andre områder kan ikke beregnes for {area} "
              "({reason}).",
        "en": "{label}: a comparison with other areas cannot be estimated for {area} "
              "({reason}).",
    },
    "fx_reason_few_pre": {"nb": "for få år med tall før start",
                          "en": "too few years with figures before the start"},
    "fx_reason_few_comparison": {"nb": "for få sammenligningsområder med fullstendige tall",
                                 "en": "too few comparison areas with complete figures"},
    "fx_reason_no_data": {"nb": "ingen publiserte tall", "en": "no published figures"},
    "fx_reason_cannot_combine": {
        "nb": "indikatoren kan ikke legges sammen over flere kommuner",
        "en": "the indicator cannot be combined over several municipalities"},
    "fx_sparse": {
        "nb": "{label}: {area} har så få personer at andelen svinger med omtrent ±{noise} "
              "prosentpoeng fra år til år av tilfeldigheter alene. En effektberegning ville gi et "
              "misvisende tall og vises ikke; bare endringer større enn omtrent {mde} prosentpoeng "
              "kunne ha blitt oppdaget.",
        "en": "{label}: {area} has so few people that the share varies by about ±{noise} "
              "percentage points from year to year by chance alone. An effect estimate would be "
              "misleading and is not shown; only changes larger than about {mde} percentage "
              "points could have been detected.",
    },
    "fx_suppressed": {
        "nb": "{label}: tall for {area} er skjult («:») for {years} fordi de bygger på svært små "
              "tall.",
        "en": "{label}: figures for {area} are suppressed (“:”) for {years} because they rest on "
              "very small numbers.",
    },
    "fx_cannot_say": {
        "nb": "Hva tallene ikke kan si: en bedring er ikke bevis for at programmet virket. Andre "
              "ting skjer samtidig (konjunkturer, pandemien, endringer i skole, NAV og "
              "arbeidsmarked), og sammenligningsområdene kan ha hatt egne tiltak. Forskjell-i-"
              "forskjeller forutsetter at området ville fulgt sammenligningsgruppen uten "
              "programmet; det kan ikke testes etter start. Å skille programmets effekt fra "
              "resten krever data om deltakerne selv (for eksempel i samarbeid med forskere).",
        "en": "What the numbers cannot say: an improvement is not proof that the programme "
              "worked. Other things happen at the same time (the business cycle, the pandemic, "
              "changes in schools, the welfare service and the labour market), and comparison "
              "areas may have had their own measures. Difference-in-differences assumes the area "
              "would have moved with the comparison group without the programme; that cannot be "
              "tested after the start. Separating the programme's effect from everything else "
              "needs data on the participants themselves (for example with researchers).",
    },
    "fx_fig_caption": {
        "nb": "{label}: {area} (skygge: 95 % intervall for tilfeldig variasjon der tall finnes) og "
              "gjennomsnittet av sammenligningsområdene (venstre), og "
              "forskjellen år for år målt mot {ref} med 95 % intervall (høyre). Stiplet linje = "
              "programstart.",
        "en": "{label}: {area} (band: 95% interval for chance variation where counts exist) and "
              "the average of the comparison areas (left), and the "
              "difference year by year relative to {ref} with 95% intervals (right). Dashed "
              "line = programme start.",
    },
    "fx_fig_alt": {
        "nb": "To diagrammer for {label}. Venstre: {area} og sammenligningsgruppen {first}–{last}."
              " Høyre: forskjell mot sammenligningsgruppen før og etter start i {start}; "
              "gjennomsnittlig forskjell etter start {effect} {unit} (95 % intervall {ci}).",
        "en": "Two charts for {label}. Left: {area} and the comparison group {first}–{last}. "
              "Right: difference from the comparison group before and after the start in "
              "{start}; average difference after the start {effect} {unit} (95% interval {ci}).",
    },
    "fx_fig_trend_alt": {
        "nb": "Diagram for {label}: {area} og sammenligningsgruppen {first}–{last}; siste verdi "
              "for {area} er {latest}.",
        "en": "Chart for {label}: {area} and the comparison group {first}–{last}; the latest "
              "value for {area} is {latest}.",
    },
    "fx_fig_trend_caption": {
        "nb": "{label}: {area} (skygge: 95 % intervall for tilfeldig variasjon der tall finnes) og "
              "gjennomsnittet av sammenligningsområdene. Stiplet linje = programstart.",
        "en": "{label}: {area} (band: 95% interval for chance variation where counts exist) and "
              "the average of the comparison areas. Dashed line = programme start.",
    },
    "fx_legend_comparison": {"nb": "Sammenligning (snitt)", "en": "Comparison (average)"},
    "fx_axis_difference": {"nb": "Forskjell mot sammenligning", "en": "Difference from comparison"},
    "fx_data_error": {
        "nb": "{label}: dataene mangler ({error}).",
        "en": "{label}: the data are missing ({error}).",
    },
})


class NotEstimable(ValueError):
    """The design cannot be estimated; ``reason`` is an i18n key (``fx_reason_*``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class DidResult:
    """A difference-in-differences estimate.

    Attributes:
        estimate: effect in the panel's units (percentage points for rates).
        se: standard error used for the interval (see ``method``).
        ci_low, ci_high: confidence interval at ``1 − alpha``.
        p_value: two-sided p-value for "no effect".
        df: degrees of freedom of the t reference (``None`` = normal).
        n_clusters: number of units (clusters) in the estimation.
        n_treated, n_comparison: treated and comparison units.
        pre_years, post_years: years before and from the start.
        method: ``unit_contrast`` (few treated units) or ``cluster`` (CRVE).
        se_cluster: statsmodels' cluster-robust SE (by unit) of the same coefficient.
        placebo_p: placebo-in-space p-value (rank of |estimate| among placebo estimates).
        alpha: significance level of the interval.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int | None
    n_clusters: int
    n_treated: int
    n_comparison: int
    pre_years: tuple[int, ...]
    post_years: tuple[int, ...]
    method: str
    se_cluster: float
    placebo_p: float
    alpha: float = 0.05

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    @property
    def significant(self) -> bool:
        """True when the test at level ``alpha`` rejects "no effect"."""
        return bool(self.p_value < self.alpha)


@dataclass(frozen=True)
class PretrendTest:
    """A joint test that the treated unit followed the comparisons before the start."""

    statistic: float
    df1: int
    df2: int
    p_value: float
    method: str  # "hotelling" (joint F on all leads) or "slope" (linear pre-trend difference)
    n_leads: int


# ---------------------------------------------------------------------------------------------
# Pure statistics
# ---------------------------------------------------------------------------------------------


def _codes(units: str | list[str] | tuple[str, ...]) -> list[str]:
    return [units] if isinstance(units, str) else list(units)


def _wide(panel: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    """Units × years matrix of ``value`` (NaN where missing)."""
    return (panel.assign(region=panel["region"].astype(str))
            .pivot_table(index="region", columns="year", values=value, aggfunc="first",
                         dropna=False)
            .sort_index())


def _balanced(panel: pd.DataFrame, treated: list[str], comparison: list[str] | None,
              value: str = "value") -> tuple[pd.DataFrame, list[str], list[str]]:
    """The balanced block: years where every treated unit has a value, comparison units complete
    in those years."""
    wide = _wide(panel, value)
    missing = [c for c in treated if c not in wide.index]
    if missing:
        raise NotEstimable("fx_reason_no_data", f"treated units {missing} not in the panel")
    comp = [c for c in (comparison if comparison is not None else wide.index)
            if c not in treated and c in wide.index]
    years = list(wide.columns[wide.loc[treated].notna().all(axis=0).to_numpy()])
    if not years:
        raise NotEstimable("fx_reason_no_data", "treated units have no values")
    block = wide.loc[treated + comp, years]
    complete = block.notna().all(axis=1)
    comp = [c for c in comp if complete[c]]
    return block.loc[treated + comp], treated, comp


def _t_quantile(q: float, df: int | None) -> float:
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def _cluster_se(block: pd.DataFrame, treated: list[str], start_year: int) -> tuple[float, float]:
    """TWFE OLS (statsmodels) with SE clustered by unit: (coefficient, clustered SE)."""
    long = block.stack().rename("y").reset_index()
    long.columns = ["region", "year", "y"]
    long["d"] = (long["region"].isin(treated) & (long["year"] >= start_year)).astype(float)
    exog = pd.concat([long[["d"]],
                      pd.get_dummies(long["region"], prefix="u", drop_first=True, dtype=float),
                      pd.get_dummies(long["year"], prefix="t", drop_first=True, dtype=float)],
                     axis=1)
    exog = sm.add_constant(exog, has_constant="add")
    groups = pd.factorize(long["region"])[0]
    fit = sm.OLS(long["y"].to_numpy(), exog).fit(cov_type="cluster",
                                                  cov_kwds={"groups": groups})
    return float(fit.params["d"]), float(fit.bse["d"])


def did(panel: pd.DataFrame, treated: str | list[str], start_year: int,
        comparison: list[str] | None = None, alpha: float = 0.05,
        value: str = "value") -> DidResult:
    """Difference-in-differences with unit and year fixed effects.

    Args:
        panel: long frame with ``region``, ``year`` and ``value``.
        treated: the treated unit code (or several).
        start_year: first year the programme could act (years ≥ it are "post").
        comparison: comparison unit codes; default every other unit in the panel.
        alpha: 1 − confidence level.
        value: the column to analyse.

    Returns:
        DidResult. The point estimate is the TWFE OLS coefficient (statsmodels, SE clustered by
        unit in ``se_cluster``); the interval uses the unit-contrast t method when there are
        fewer than :data:`MIN_TREATED_FOR_CRVE` treated units (see module docstring).

    Raises:
        NotEstimable: too few pre years, no post years or too few complete comparison units.
    """
    block, tr, comp = _balanced(panel, _codes(treated), comparison, value)
    years = np.asarray(block.columns)
    pre, post = years[years < start_year], years[years >= start_year]
    if len(pre) < 1:
        raise NotEstimable("fx_reason_few_pre")
    if len(post) < 1:
        raise NotEstimable("fx_no_post")
    if len(comp) < MIN_COMPARISON:
        raise NotEstimable("fx_reason_few_comparison", f"{len(comp)} complete comparison units")
    change = block[post].mean(axis=1) - block[pre].mean(axis=1)
    n_t, n_c = len(tr), len(comp)
    estimate = float(change[tr].mean() - change[comp].mean())
    coef, se_cluster = _cluster_se(block, tr, start_year)
    if not math.isclose(coef, estimate, rel_tol=1e-6, abs_tol=1e-9):
        raise AssertionError(f"TWFE coefficient {coef} differs from the contrast {estimate}")
    if n_t >= MIN_TREATED_FOR_CRVE and n_c >= MIN_TREATED_FOR_CRVE:
        method, se, df = "cluster", se_cluster, n_t + n_c - 1
    else:
        method, df = "unit_contrast", n_c - 1
        se = float(change[comp].std(ddof=1) * math.sqrt(1 / n_t + 1 / n_c))
    crit = _t_quantile(1 - alpha / 2, df)
    p = float(2 * stats.t.sf(abs(estimate / se), df)) if se > 0 else float("nan")
    d_c = change[comp].to_numpy()
    placebo = d_c - (d_c.sum() - d_c) / (n_c - 1)  # each comparison unit against the others
    placebo_p = float((1 + np.sum(np.abs(placebo) >= abs(estimate) - 1e-12)) / (n_c + 1))
    return DidResult(estimate=estimate, se=se, ci_low=estimate - crit * se,
                     ci_high=estimate + crit * se, p_value=p, df=df,
                     n_clusters=n_t + n_c, n_treated=n_t, n_comparison=n_c,
                     pre_years=tuple(int(y) for y in pre), post_years=tuple(int(y) for y in post),
                     method=method, se_cluster=se_cluster, placebo_p=placebo_p, alpha=alpha)


def _reference_year(years: np.ndarray, start_year: int) -> int:
    pre = years[years < start_year]
    if len(pre) == 0:
        raise NotEstimable("fx_reason_few_pre")
    return int(start_year - 1) if (start_year - 1) in pre else int(pre.max())


def event_study(panel: pd.DataFrame, treated: str | list[str], start_year: int,
                comparison: list[str] | None = None, alpha: float = 0.05,
                value: str = "value") -> pd.DataFrame:
    """Leads and lags of the treated–comparison difference relative to ``start_year − 1``.

    Fitted with statsmodels OLS (unit FE, year FE, treated×year dummies except the reference
    year); standard errors from the comparison units' own changes relative to the reference year
    (``sd × sqrt(1/N_t + 1/N_c)``, t on ``N_c − 1`` df), as in :func:`did`.

    Returns:
        Frame with ``year, relative_year, estimate, se, ci_low, ci_high, period`` (``pre``,
        ``reference`` or ``post``); the reference year has estimate 0 and no SE.
    """
    block, tr, comp = _balanced(panel, _codes(treated), comparison, value)
    if len(comp) < MIN_COMPARISON:
        raise NotEstimable("fx_reason_few_comparison")
    years = np.asarray(block.columns)
    ref = _reference_year(years, start_year)
    others = [int(y) for y in years if y != ref]
    long = block.stack().rename("y").reset_index()
    long.columns = ["region", "year", "y"]
    is_t = long["region"].isin(tr)
    dummies = pd.DataFrame({f"e{y}": (is_t & (long["year"] == y)).astype(float) for y in others})
    exog = pd.concat([dummies,
                      pd.get_dummies(long["region"], prefix="u", drop_first=True, dtype=float),
                      pd.get_dummies(long["year"], prefix="t", drop_first=True, dtype=float)],
                     axis=1)
    fit = sm.OLS(long["y"].to_numpy(), sm.add_constant(exog, has_constant="add")).fit()
    relative = block.sub(block[ref], axis=0)
    n_t, n_c = len(tr), len(comp)
    se = relative.loc[comp].std(ddof=1) * math.sqrt(1 / n_t + 1 / n_c)
    crit = _t_quantile(1 - alpha / 2, n_c - 1)
    rows = []
    for y in years:
        y = int(y)
        est = 0.0 if y == ref else float(fit.params[f"e{y}"])
        s = float("nan") if y == ref else float(se[y])
        period = "reference" if y == ref else ("pre" if y < start_year else "post")
        rows.append({"year": y, "relative_year": y - start_year, "estimate": est, "se": s,
                     "ci_low": est - crit * s, "ci_high": est + crit * s, "period": period})
    return pd.DataFrame(rows)


def pretrend_test(panel: pd.DataFrame, treated: str | list[str], start_year: int,
                  comparison: list[str] | None = None, value: str = "value") -> PretrendTest:
    """Joint test of "no difference in pre-trends" between treated and comparison units.

    Hotelling's T² on the lead coefficients (years before ``start_year − 1``), with their
    covariance ``Cov(comparison changes) × (1/N_t + 1/N_c)``; ``F = T² (ν − k + 1)/(ν k)`` on
    ``(k, ν − k + 1)`` df with ``ν = N_c − 1``. When ``N_c < k + 3`` the covariance cannot be
    estimated usefully and a one-df test of the difference in linear pre-period slopes is used
    (``F = t²`` on ``(1, N_c − 1)`` df).

    Raises:
        NotEstimable: fewer than two pre-period years or too few comparison units.
    """
    block, tr, comp = _balanced(panel, _codes(treated), comparison, value)
    years = np.asarray(block.columns)
    ref = _reference_year(years, start_year)
    pre = years[years < start_year]
    leads = [y for y in pre if y != ref]
    n_t, n_c = len(tr), len(comp)
    if len(leads) < 1:
        raise NotEstimable("fx_reason_few_pre")
    if n_c < MIN_COMPARISON:
        raise NotEstimable("fx_reason_few_comparison")
    relative = block.sub(block[ref], axis=0)[leads]
    scale = 1 / n_t + 1 / n_c
    k, nu = len(leads), n_c - 1
    if n_c >= k + 3:
        b = (relative.loc[tr].mean() - relative.loc[comp].mean()).to_numpy()
        cov = np.cov(relative.loc[comp].to_numpy(), rowvar=False, ddof=1).reshape(k, k) * scale
        t2 = float(b @ np.linalg.pinv(cov) @ b)
        f = t2 * (nu - k + 1) / (nu * k)
        return PretrendTest(f, k, nu - k + 1, float(stats.f.sf(f, k, nu - k + 1)), "hotelling", k)
    if len(pre) < 3:
        raise NotEstimable("fx_reason_few_pre")
    x = pre - pre.mean()
    slopes = block[pre].to_numpy() @ x / float(x @ x)
    slopes = pd.Series(slopes, index=block.index)
    diff = slopes[tr].mean() - slopes[comp].mean()
    se = slopes[comp].std(ddof=1) * math.sqrt(scale)
    t = float(diff / se) if se > 0 else 0.0
    return PretrendTest(t * t, 1, nu, float(stats.f.sf(t * t, 1, nu)), "slope", k)


def minimum_detectable_effect(se: float, df: int | None = None, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """Smallest true effect a two-sided test at ``alpha`` detects with probability ``power``.

    ``MDE = (t_{1−α/2, df} + t_{power, df}) × SE``; with ``df=None`` (normal) and the defaults this
    is ``(1.960 + 0.842) × SE = 2.80 × SE``.
    """
    return (_t_quantile(1 - alpha / 2, df) + _t_quantile(power, df)) * se


def choose_comparison(panel: pd.DataFrame, treated: str, start_year: int,
                      n: int = AUTO_COMPARISON_N, exclude: tuple[str, ...] = (),
                      value: str = "value") -> list[str]:
    """Municipalities (or counties) most similar to ``treated`` before ``start_year``.

    Candidates are units of the same level (same code length, never Norway ``0``) with a value in
    every year the treated unit has one. Features: pre-period mean level, pre-period linear slope
    and size (log mean ``denominator`` when the panel has one); each standardised over the
    candidates and the treated unit; Euclidean distance with equal weights; ties broken by code.

    Returns:
        Up to ``n`` unit codes, most similar first.
    """
    wide = _wide(panel, value)
    if treated not in wide.index:
        raise NotEstimable("fx_reason_no_data", f"{treated} not in the panel")
    years = [y for y in wide.columns if pd.notna(wide.loc[treated, y])]
    pre = [y for y in years if y < start_year]
    if len(pre) < MIN_PRE_YEARS:
        raise NotEstimable("fx_reason_few_pre")
    units = [u for u in wide.index if len(u) == len(treated) and u not in (treated, NATIONAL)
             and u not in exclude and wide.loc[u, years].notna().all()]
    block = wide.loc[[treated] + units, pre]
    x = np.asarray(pre, dtype=float) - np.mean(pre)
    features = pd.DataFrame({"level": block.mean(axis=1),
                             "trend": block.to_numpy() @ x / float(x @ x)}, index=block.index)
    if "denominator" in panel.columns and panel["denominator"].notna().any():
        size = _wide(panel, "denominator").reindex(block.index)[pre].mean(axis=1)
        features["size"] = np.log(size.clip(lower=1))
    features = features.dropna(axis=1, how="any")
    spread = features.std(ddof=0).replace(0, np.nan)
    z = ((features - features.mean()) / spread).dropna(axis=1, how="all").fillna(0.0)
    distance = np.sqrt(((z.loc[units] - z.loc[treated]) ** 2).sum(axis=1))
    ranked = pd.DataFrame({"d": distance, "code": distance.index}).sort_values(["d", "code"])
    return list(ranked["code"].iloc[:n])


def proportion_change(num0: float, den0: float, num1: float, den1: float,
                      multiplier: float = 100.0) -> tuple[float, float, float, float]:
    """Change between two binomial proportions: (change, ci_low, ci_high, p) on the rate scale.

    Wald interval ``Δ ± 1.96 sqrt(p0 q0/n0 + p1 q1/n1)``; p from the two-proportion z test.
    """
    p0, p1 = num0 / den0, num1 / den1
    se = math.sqrt(p0 * (1 - p0) / den0 + p1 * (1 - p1) / den1)
    delta = p1 - p0
    z = delta / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan")
    return (delta * multiplier, (delta - 1.96 * se) * multiplier,
            (delta + 1.96 * se) * multiplier, p)


# ---------------------------------------------------------------------------------------------
# Assembling the treated unit and its comparison
# ---------------------------------------------------------------------------------------------


def _county_of(code: str) -> str:
    try:
        from pipeline import geography

        return geography.county_of(code)
    except Exception:  # geography not importable: 2024 codes start with the county number
        return code[:2]


def combine(panel: pd.DataFrame, codes: list[str], label: str, scale: str) -> pd.DataFrame:
    """One unit ``label`` from several regions: sums of counts, never sums of rates.

    Rates are recomputed from summed numerators and denominators (over the regions with both
    published in a year); counts are summed (a year with a missing region is missing).

    Raises:
        NotEstimable: a rate without numerator/denominator cannot be combined.
    """
    rows = panel[panel["region"].isin(codes)]
    if scale == "count":
        out = (rows.groupby("year")["value"].agg(lambda s: s.sum() if s.notna().all()
                                                 and len(s) == len(codes) else np.nan)
               .reset_index())
        return out.assign(region=label)[["region", "year", "value"]]
    if not {"numerator", "denominator"} <= set(panel.columns):
        raise NotEstimable("fx_reason_cannot_combine")
    ok = rows[rows["numerator"].notna() & rows["denominator"].notna()]
    sums = ok.groupby("year")[["numerator", "denominator"]].sum().reset_index()
    sums["value"] = MULTIPLIER.get(scale, 100.0) * sums["numerator"] / sums["denominator"]
    return sums.assign(region=label)[["region", "year", "value", "numerator", "denominator"]]


def with_counties(panel: pd.DataFrame, scale: str) -> pd.DataFrame:
    """Add county rows summed from municipalities for counties the panel lacks."""
    codes = panel["region"].astype(str)
    have = set(codes[codes.str.len() == 2])
    munis = sorted(set(codes[codes.str.len() == 4]))
    by_county: dict[str, list[str]] = {}
    for m in munis:
        by_county.setdefault(_county_of(m), []).append(m)
    extra = [combine(panel, ms, county, scale) for county, ms in sorted(by_county.items())
             if county not in have]
    if not extra:
        return panel
    return pd.concat([panel, *extra], ignore_index=True)


@dataclass
class Assessment:
    """Everything :func:`track` shows for one indicator (computed by :func:`assess`)."""

    indicator: str
    scale: str
    direction: str
    treated: str
    start_year: int
    comparison: list[str]
    comparison_rule: str  # programme | automatic | counties
    series: pd.DataFrame  # year, treated, comparison_mean (+ numerator, denominator)
    level: str  # municipality | county_level | county_region
    target: float | None = None
    by: int | None = None
    baseline_year: int | None = None
    baseline: float | None = None
    latest_year: int | None = None
    latest: float | None = None
    change: tuple[float, float, float, float] | None = None  # change, low, high, p
    masked: bool = False
    suppressed_years: list[int] = field(default_factory=list)
    sparse_noise: float | None = None
    did: DidResult | None = None
    event: pd.DataFrame | None = None
    pretrend: PretrendTest | None = None
    mde: float | None = None
    problem: str | None = None  # i18n key of why no effect estimate


def _transform(panel: pd.DataFrame, scale: str) -> pd.DataFrame:
    if scale != "count":
        return panel
    return panel.assign(value=100 * np.log(panel["value"].where(panel["value"] > 0)))


def assess(panel: pd.DataFrame, region_codes: list[str], start_year: int, indicator: str,
           direction: str = "down", target: float | None = None, by: int | None = None,
           comparison: list[str] | None = None, scale: str | None = None,
           threshold: int = 5, county: str | None = None) -> Assessment:
    """Compute baseline, latest, target distance and the effect design for one indicator.

    Args:
        panel: indicator panel for all available regions (see module docstring).
        region_codes: the programme's municipalities, or ``[county]``.
        start_year: programme start.
        indicator: indicator id (decides the scale unless ``scale`` is given).
        comparison: comparison municipalities named by the programme (None/empty: automatic).
        threshold: disclosure threshold; rates with a numerator below it are masked.
        county: the region's county (used for county-level indicators).

    Returns:
        Assessment (``problem`` says why no effect estimate is available, if so).
    """
    scale = scale or panel.attrs.get("scale") or SCALES.get(indicator, "percent")
    panel = panel.assign(region=panel["region"].astype(str)).reset_index(drop=True)
    codes = [str(c) for c in region_codes]
    has_munis = panel["region"].str.len().eq(4).any()
    level, rule = "municipality", "programme" if comparison else "automatic"
    if all(len(c) == 2 for c in codes) or not has_munis:
        target_county = codes[0] if len(codes[0]) == 2 else (county or _county_of(codes[0]))
        level = "county_region" if len(codes[0]) == 2 else "county_level"
        panel = with_counties(panel, scale) if has_munis else panel
        treated = target_county
        comp = sorted(c for c in panel["region"].unique() if len(c) == 2 and c != treated)
        rule = "counties"
    elif len(codes) == 1:
        treated = codes[0]
        comp = None
    else:
        treated = "+".join(codes)
        panel = pd.concat([panel[~panel["region"].isin(codes)],
                           combine(panel, codes, treated, scale)], ignore_index=True)
        comp = None
    own = panel[panel["region"] == treated].sort_values("year")
    result = Assessment(indicator=indicator, scale=scale, direction=direction, treated=treated,
                        start_year=start_year, comparison=[], comparison_rule=rule,
                        series=pd.DataFrame(), level=level, target=target, by=by)
    if own.empty or own["value"].notna().sum() == 0:
        result.problem = "fx_reason_no_data"
        return result
    result.suppressed_years = [int(y) for y in own.loc[own["value"].isna(), "year"]]
    valued = own[own["value"].notna()]
    base_rows = valued[valued["year"] <= start_year]
    base = base_rows.iloc[-1] if len(base_rows) else valued.iloc[0]
    last = valued.iloc[-1]
    result.baseline_year, result.baseline = int(base["year"]), float(base["value"])
    result.latest_year, result.latest = int(last["year"]), float(last["value"])
    counts = {"numerator", "denominator"} <= set(own.columns)
    if counts:
        nums = [base.get("numerator"), last.get("numerator")]
        # The binomial interval needs 0 <= numerator <= denominator (an outflow rate
        # estimated from stock changes can fall outside it; it then gets no such interval).
        binomial = all(pd.notna(row.get("numerator")) and pd.notna(row.get("denominator"))
                       and 0 <= row["numerator"] <= row["denominator"] and row["denominator"] > 0
                       for row in (base, last))
        # Small counts of persons are hidden; a net (in minus out) is a difference, not a
        # count of persons, and is not masked by this rule.
        result.masked = any(pd.notna(v) and 0 < v < threshold for v in nums) and all(
            pd.isna(v) or v >= 0 for v in nums)
        if binomial and last["year"] != base["year"]:
            result.change = proportion_change(base["numerator"], base["denominator"],
                                              last["numerator"], last["denominator"],
                                              MULTIPLIER.get(scale, 100.0))
        if pd.notna(base.get("denominator")) and base["denominator"] > 0:
            p = base["value"] / MULTIPLIER.get(scale, 100.0)
            noise = 100 * math.sqrt(max(p * (1 - p), 1e-12) / base["denominator"])
            if scale == "percent" and noise > SPARSE_SE_PP:
                result.sparse_noise = noise
    if (result.change is None and "se" in own.columns and pd.notna(base.get("se"))
            and pd.notna(last.get("se")) and last["year"] != base["year"]):
        # A value-only indicator with its own standard error (e.g. a gap between two rates).
        delta = result.latest - result.baseline
        se = math.sqrt(base["se"] ** 2 + last["se"] ** 2)
        p = float(2 * stats.norm.sf(abs(delta / se))) if se > 0 else float("nan")
        result.change = (delta, delta - 1.96 * se, delta + 1.96 * se, p)
    # Comparison units.
    analysed = _transform(panel, scale)
    if comp is None:
        if comparison:
            comp = [c for c in comparison if c != treated]
        else:
            try:
                comp = choose_comparison(analysed, treated, start_year)
            except NotEstimable as exc:
                result.problem = exc.reason
                comp = []
    result.comparison = list(comp)
    wide = _wide(analysed)
    series = pd.DataFrame({"year": wide.columns.astype(int),
                           "treated": wide.loc[treated].to_numpy() if treated in wide.index
                           else np.nan})
    present = [c for c in comp if c in wide.index]
    series["comparison_mean"] = (wide.loc[present].mean(axis=0).to_numpy() if present
                                 else np.nan)
    if scale == "count":
        series[["treated", "comparison_mean"]] = np.exp(series[["treated", "comparison_mean"]]
                                                        / 100)
    if counts and scale in MULTIPLIER:
        # Wilson 95 % interval of the treated unit's yearly rate: how much chance alone moves it.
        ok = own.dropna(subset=["numerator", "denominator"])
        ok = ok[ok["denominator"] > 0]
        low, high = proportion_confint(ok["numerator"].round(), ok["denominator"].round(),
                                       alpha=0.05, method="wilson")
        band = pd.DataFrame({"year": ok["year"].astype(int).to_numpy(),
                             "ci_low": MULTIPLIER[scale] * np.asarray(low),
                             "ci_high": MULTIPLIER[scale] * np.asarray(high)})
        series = series.merge(band, on="year", how="left")
    result.series = series
    if result.problem:
        return result
    try:
        result.did = did(analysed, treated, start_year, comp)
        result.event = event_study(analysed, treated, start_year, comp)
        result.mde = minimum_detectable_effect(result.did.se, result.did.df)
        try:
            result.pretrend = pretrend_test(analysed, treated, start_year, comp)
        except NotEstimable:
            result.pretrend = None
    except NotEstimable as exc:
        result.problem = exc.reason
    if result.sparse_noise is not None:
        # Binomial noise alone: the mean of the post years minus the mean of the pre years.
        n_pre = len(result.did.pre_years) if result.did else 1
        n_post = len(result.did.post_years) if result.did else 1
        binomial_mde = minimum_detectable_effect(
            result.sparse_noise * math.sqrt(1 / n_pre + 1 / n_post))
        result.mde = max(result.mde or 0.0, binomial_mde)
    return result


# ---------------------------------------------------------------------------------------------
# Showing it (notebook-facing)
# ---------------------------------------------------------------------------------------------


def indicator_label(indicator: str, language: str) -> str:
    """The indicator's name in the report language."""
    if language == "en" and indicator in INDICATOR_LABELS_EN:
        return INDICATOR_LABELS_EN[indicator]
    return INDICATOR_LABELS_NB.get(indicator, indicator)


def _fmt_level(ctx, value: float | None, scale: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if scale == "percent":
        return ctx.pct(value, 1)
    if scale == "count":
        return ctx.num(value, 0)
    if scale == "pp":
        return f"{ctx.num(value, 1)} {ctx.t('fx_pp')}"
    return f"{ctx.num(value, 1)} {ctx.t('fx_per_thousand')}"


def _effect_unit(ctx, scale: str) -> str:
    return {"percent": ctx.t("fx_pp"), "pp": ctx.t("fx_pp"), "count": ctx.t("fx_percent_change"),
            "per_thousand": ctx.t("fx_per_thousand")}[scale]


def _effect_number(value: float, scale: str) -> float:
    """Effects on counts are estimated on 100 × log: shown as percent change."""
    return 100 * (math.exp(value / 100) - 1) if scale == "count" else value


def _fmt_effect(ctx, value: float, scale: str) -> str:
    return ctx.num(_effect_number(value, scale), 1)


def _fmt_ci(ctx, low: float, high: float, scale: str) -> str:
    return i18n.fmt_interval(_effect_number(low, scale), _effect_number(high, scale),
                             ctx.language, 1)


def _fmt_p(ctx, p: float) -> str:
    if p is None or math.isnan(p):
        return "–"
    return ("< " + ctx.num(0.001, 3)) if p < 0.001 else "= " + ctx.num(p, 3)


def _area_name(ctx, a: Assessment) -> str:
    if "+" in a.treated:
        return ctx.region_label
    return ctx.name(a.treated)


def verdict(a: Assessment) -> str:
    """i18n key of the effect verdict: right/wrong direction when significant, else unclear."""
    if a.did is None or a.sparse_noise is not None:
        return "fx_verdict_na"
    if not a.did.significant:
        return "fx_verdict_unclear"
    good = a.did.estimate < 0 if a.direction == "down" else a.did.estimate > 0
    return "fx_verdict_right" if good else "fx_verdict_wrong"


def summary_table(ctx, assessments: list[Assessment]) -> pd.DataFrame:
    """One row per indicator: baseline, latest, target, distance, effect and verdict."""
    rows = []
    for a in assessments:
        shown = not a.masked
        baseline = (ctx.t("fx_year_value", value=_fmt_level(ctx, a.baseline, a.scale),
                          year=a.baseline_year) if shown and a.baseline is not None else ":"
                    if a.masked else "–")
        latest = (ctx.t("fx_year_value", value=_fmt_level(ctx, a.latest, a.scale),
                        year=a.latest_year) if shown and a.latest is not None else ":"
                  if a.masked else "–")
        target = (ctx.t("fx_year_value", value=_fmt_level(ctx, a.target, a.scale), year=a.by)
                  if a.target is not None else "–")
        distance = "–"
        if a.target is not None and shown and a.latest is not None:
            reached = a.latest <= a.target if a.direction == "down" else a.latest >= a.target
            distance = (ctx.t("fx_reached") if reached else
                        f"{ctx.num(abs(a.target - a.latest), 1)} {_effect_unit(ctx, a.scale)}")
        effect = "–"
        if a.did is not None and a.sparse_noise is None:
            effect = (f"{_fmt_effect(ctx, a.did.estimate, a.scale)} "
                      f"({_fmt_ci(ctx, a.did.ci_low, a.did.ci_high, a.scale)})")
        rows.append({ctx.t("fx_col_indicator"): indicator_label(a.indicator, ctx.language),
                     ctx.t("fx_col_area"): _area_name(ctx, a),
                     ctx.t("fx_col_baseline"): baseline, ctx.t("fx_col_latest"): latest,
                     ctx.t("fx_col_target"): target, ctx.t("fx_col_distance"): distance,
                     ctx.t("fx_col_effect"): effect, ctx.t("fx_col_verdict"): ctx.t(verdict(a))})
    return pd.DataFrame(rows)


def _comparison_text(ctx, a: Assessment) -> str:
    if a.comparison_rule == "counties":
        return ctx.t("fx_comparison_counties")
    names = ", ".join(ctx.name(c) for c in a.comparison)
    key = "fx_comparison_programme" if a.comparison_rule == "programme" else "fx_comparison_auto"
    return ctx.t(key, names=names)


def sentences(ctx, a: Assessment) -> list[tuple[str, str]]:
    """Plain-language statements as (kind, text): kind is ``finding``, ``notice`` or ``text``."""
    label = indicator_label(a.indicator, ctx.language)
    area = _area_name(ctx, a)
    out: list[tuple[str, str]] = []
    if a.level == "county_level":
        out.append(("text", ctx.t("fx_county_level", label=label, county=area)))
    elif a.level == "county_region":
        out.append(("text", ctx.t("fx_county_region", area=area)))
    if a.problem == "fx_reason_no_data" and a.baseline is None:
        out.append(("notice", ctx.t("fx_not_estimable", label=label, area=area,
                                    reason=ctx.t("fx_reason_no_data"))))
        return out
    if a.suppressed_years:
        years = ", ".join(str(y) for y in a.suppressed_years)
        out.append(("notice", ctx.t("fx_suppressed", label=label, area=area, years=years)))
    if not a.masked and a.baseline is not None:
        change = ctx.num((a.latest or 0) - a.baseline, 1)
        change_ci = ""
        if a.change is not None:
            change_ci = ctx.t("fx_change_ci", ci=_fmt_ci(ctx, a.change[1], a.change[2], "pp"))
        if a.scale == "count":
            change = ctx.num(100 * ((a.latest or 0) / a.baseline - 1), 1)
        text = ctx.t("fx_moved", label=label, area=area, unit=_effect_unit(ctx, a.scale),
                     baseline=_fmt_level(ctx, a.baseline, a.scale), baseline_year=a.baseline_year,
                     latest=_fmt_level(ctx, a.latest, a.scale), latest_year=a.latest_year,
                     change=change, change_ci=change_ci)
        if a.change is not None and a.sparse_noise is None:
            key = "fx_noise_yes" if a.change[3] < 0.05 else "fx_noise_no"
            text += " " + ctx.t(key, p=_fmt_p(ctx, a.change[3]))
        out.append(("finding", text))
    if a.target is not None and not a.masked and a.latest is not None:
        reached = a.latest <= a.target if a.direction == "down" else a.latest >= a.target
        if reached:
            out.append(("text", ctx.t("fx_target_reached",
                                      target=_fmt_level(ctx, a.target, a.scale), by=a.by)))
        else:
            out.append(("text", ctx.t("fx_target", target=_fmt_level(ctx, a.target, a.scale),
                                      by=a.by, distance=ctx.num(abs(a.target - a.latest), 1),
                                      unit=_effect_unit(ctx, a.scale))))
    if a.sparse_noise is not None:
        out.append(("notice", ctx.t("fx_sparse", label=label, area=area,
                                    noise=ctx.num(1.96 * a.sparse_noise, 1),
                                    mde=ctx.num(a.mde or float("nan"), 1))))
        return out
    if a.problem == "fx_no_post":
        out.append(("notice", ctx.t("fx_no_post", label=label, start=a.start_year)))
        return out
    if a.problem:
        out.append(("notice", ctx.t("fx_not_estimable", label=label, area=area,
                                    reason=ctx.t(a.problem) if a.problem in i18n.TEXTS
                                    else a.problem)))
        return out
    d = a.did
    assert d is not None
    unit = _effect_unit(ctx, a.scale)
    out.append(("finding", ctx.t("fx_did", comparison=_comparison_text(ctx, a),
                                 effect=_fmt_effect(ctx, d.estimate, a.scale), unit=unit,
                                 ci=_fmt_ci(ctx, d.ci_low, d.ci_high, a.scale),
                                 verdict=ctx.t(verdict(a)))))
    if a.pretrend is not None:
        key = "fx_pretrend_bad" if a.pretrend.p_value < 0.05 else "fx_pretrend_ok"
        out.append(("notice" if a.pretrend.p_value < 0.05 else "text",
                    ctx.t(key, area=area, p=_fmt_p(ctx, a.pretrend.p_value))))
    if a.mde is not None:
        out.append(("text", ctx.t("fx_mde", mde=ctx.num(_effect_number(a.mde, a.scale), 1),
                                  unit=unit)))
    if d.n_comparison < 10:
        out.append(("notice", ctx.t("fx_few_units", n=d.n_comparison, area=area,
                                    p="= " + ctx.num(d.placebo_p, 2),
                                    pmin=ctx.num(1 / (d.n_comparison + 1), 2))))
    return out


def figure(ctx, a: Assessment):
    """Levels (treated vs comparison mean) and, when estimable, the event study.

    Returns:
        (fig, alt, caption) for :func:`pipeline.report.figure`, or None when nothing to plot.
    """
    from matplotlib.ticker import MaxNLocator

    from pipeline import figures

    if a.series.empty or a.series["treated"].notna().sum() == 0 or a.masked:
        return None
    label = indicator_label(a.indicator, ctx.language)
    area = _area_name(ctx, a)
    show_event = a.event is not None and a.sparse_noise is None and a.did is not None
    fig, axes = figures.new_figure(ncols=2 if show_event else 1)
    ax = axes[0] if show_event else axes
    s = a.series
    if "ci_low" in s.columns and s["ci_low"].notna().any():
        ax.fill_between(s["year"], s["ci_low"], s["ci_high"], color=figures.REGION_COLOUR,
                        alpha=figures.INTERVAL_ALPHA, linewidth=0)
    ax.plot(s["year"], s["treated"], marker="o", color=figures.REGION_COLOUR, label=area)
    if s["comparison_mean"].notna().any():
        ax.plot(s["year"], s["comparison_mean"], marker="s", color=figures.COMPARISON_COLOUR,
                label=ctx.t("fx_legend_comparison"))
    ax.axvline(a.start_year - 0.5, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel(ctx.t("year"))
    # Above the axes, so it never covers the lines; few year ticks in half-width panels.
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    first, last = int(s["year"].min()), int(s["year"].max())
    if not show_event:
        alt = ctx.t("fx_fig_trend_alt", label=label, area=area, first=first, last=last,
                    latest=_fmt_level(ctx, a.latest, a.scale))
        return fig, alt, ctx.t("fx_fig_trend_caption", label=label, area=area)
    ev = a.event
    ax2 = axes[1]
    colours = [figures.COMPARISON_COLOUR if p != "post" else figures.REGION_COLOUR
               for p in ev["period"]]
    for (_, row), colour in zip(ev.iterrows(), colours, strict=True):
        if row["period"] == "reference":
            ax2.plot(row["year"], 0, marker="D", color="black")
            continue
        ax2.errorbar(row["year"], row["estimate"], yerr=[[row["estimate"] - row["ci_low"]],
                                                         [row["ci_high"] - row["estimate"]]],
                     fmt="o", color=colour, capsize=3)
    ax2.axhline(0, color="black", linewidth=0.8)
    ax2.axvline(a.start_year - 0.5, color="black", linestyle="--", linewidth=1)
    ax2.set_xlabel(ctx.t("year"))
    ax2.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax2.set_ylabel(f"{ctx.t('fx_axis_difference')} ({_effect_unit(ctx, a.scale)})", fontsize=8)
    ref = int(ev.loc[ev["period"] == "reference", "year"].iloc[0])
    alt = ctx.t("fx_fig_alt", label=label, area=area, first=first, last=last,
                start=a.start_year, effect=_fmt_effect(ctx, a.did.estimate, a.scale),
                unit=_effect_unit(ctx, a.scale),
                ci=_fmt_ci(ctx, a.did.ci_low, a.did.ci_high, a.scale))
    return fig, alt, ctx.t("fx_fig_caption", label=label, area=area, ref=ref)


def assess_program(ctx, indicators: dict[str, Callable[[str], pd.DataFrame]]
                   ) -> list[Assessment | tuple[str, str]]:
    """Assess every programme indicator found in ``indicators`` (data errors become notices)."""
    from pipeline.datasets import DataError

    own_region = list(ctx.region_codes) == list(ctx.program.region_codes)
    comparison = list(ctx.comparison_codes) if own_region else []
    out: list[Assessment | tuple[str, str]] = []
    for ind in ctx.program.indicators:
        if ind.id not in indicators:
            continue
        try:
            panel = indicators[ind.id](ctx.source)
        except (DataError, FileNotFoundError, KeyError) as exc:
            out.append((ind.id, ctx.t("fx_data_error",
                                      label=indicator_label(ind.id, ctx.language), error=exc)))
            continue
        out.append(assess(panel, ctx.region_codes, ctx.program.start_year, ind.id,
                          direction=ind.direction, target=ind.target, by=ind.by,
                          comparison=comparison, threshold=ctx.threshold, county=ctx.county))
    return out


def track(ctx, indicators: dict[str, Callable[[str], pd.DataFrame]]) -> None:
    """Show the "Er vi på rett vei?" section for the programme's indicators in ``indicators``.

    For each indicator: baseline, latest, target and distance (summary table), what moved and
    whether it can be told apart from chance, the difference-in-differences against the
    comparison with its interval, the event-study chart, the pre-trend test, the minimum
    detectable effect, small-number caveats, and what the numbers cannot say.
    """
    from pipeline import report

    report.heading(ctx, "fx_heading")
    results = assess_program(ctx, indicators)
    if not results:
        report.paragraph(ctx, ctx.t("fx_none"))
        return
    report.paragraph(ctx, ctx.t("fx_intro"))
    assessments = [r for r in results if isinstance(r, Assessment)]
    for r in results:
        if not isinstance(r, Assessment):
            report.notice(ctx, r[1])
    if assessments:
        report.table(ctx, summary_table(ctx, assessments), caption=ctx.t("fx_table_caption"))
    for rank, a in enumerate(assessments):
        report.heading(ctx, indicator_label(a.indicator, ctx.language), level=3)
        shown = 0
        for kind, text in sentences(ctx, a):
            if kind == "finding" and shown < 2:
                report.finding(ctx, f"effect_{a.indicator}_{shown}", text, rank=60 + rank)
                shown += 1
            elif kind == "notice":
                report.notice(ctx, text)
            else:
                report.paragraph(ctx, text)
        drawn = figure(ctx, a)
        if drawn is not None:
            report.figure(ctx, *drawn)
    report.paragraph(ctx, ctx.t("fx_cannot_say"))
