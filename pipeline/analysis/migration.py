"""Migration: components of change, age profile, flows, immigrants, attractiveness, projection.

The question for a growth programme is not only how many come, but who leaves, who stays, and
whether the place attracts more or fewer people than its jobs would predict. Each public function
takes tidy frames (see :mod:`pipeline.sources.tables`) or a report context and returns a
DataFrame or a figure; the notebook ``notebooks/migration.ipynb`` only calls them.

Conventions:

- ``population_change`` (06913): ``Folkemengde`` is the population on 1 January of ``year``; the
  other measures are events *during* ``year``. So ``population(t+1) = population(t) + growth(t)``
  and ``growth = births − deaths + immigration − emigration + in-migration − out-migration``.
- Rates are per 1 000 mean inhabitants of the year (1 January plus half the year's growth), as
  SSB computes them.
- Region totals over several municipalities are sums of counts, never sums of rates. A county
  given as region uses its own row when the data have it (moves between its municipalities are
  then not counted as migration), otherwise the sum of its municipalities.

Methods (each stated in the report in the programme's language):

- Age profile: cohort-change (residual) method on 07459, ``net = P(a+1, t+1) − P(a, t)·S(a, t)``
  with survival from a Gompertz schedule (:data:`GOMPERTZ_SLOPE`) calibrated each year to the
  country's registered deaths (06913), both sexes alike; newborns and ages above 89 left out.
- Immigrant outflow: ``stock(t) + immigration(t) − stock(t+1)`` per immigrant resident in the
  year (all immigration counted as immigrants; deaths not subtracted; moves between
  municipalities enter as a net), see :func:`implied_outflow`.
- Attractiveness (Telemarksforsking's model): OLS (HC3) over all municipalities of net
  domestic migration per 1 000 on annualised job growth (13470) and log population, per
  rolling window; the residual's interval adds the municipality's own year-to-year noise
  (:func:`noise_model`, fitted across municipalities) to the fitted value's variance.
- Projection: statsmodels ETS (damped additive trend for population, level for net
  migration) with prediction intervals, beside SSB's 14288 alternatives.

Notebook API: ``*_section(ctx, data)`` functions return a :class:`Section` (tables, figures,
findings, notices in order, plus ``frames``) and :func:`show` passes it to
:mod:`pipeline.report`. Tables built here pass :func:`protect` first, so derived numbers (nets,
shares, outflows) never reveal a suppressed count.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import i18n

NATIONAL = "0"

#: 06913 measure codes -> column names used here.
COMPONENTS = {
    "Folkemengde": "population",
    "Levendefodte": "births",
    "Dode": "deaths",
    "Innvandring": "immigration",
    "Utvandring": "emigration",
    "Innflytting": "in_migration",
    "Utflytting": "out_migration",
    "Folketilvekst": "growth",
}
FLOW_COMPONENTS = ["births", "deaths", "immigration", "emigration", "in_migration",
                   "out_migration"]
#: Signs of the components in the balancing equation of population change.
SIGNS = {"births": 1, "deaths": -1, "immigration": 1, "emigration": -1, "in_migration": 1,
         "out_migration": -1}

#: The regional centre of each county (2024 codes): the municipality a rural place most often
#: exchanges people with inside its county. Akershus has Oslo as its centre; a region that *is*
#: its county's centre (or contains it) is compared with Oslo instead (see :func:`centre_for`).
REGIONAL_CENTRES = {
    "03": "0301",  # Oslo
    "11": "1103",  # Rogaland: Stavanger
    "15": "1508",  # Møre og Romsdal: Ålesund
    "18": "1804",  # Nordland: Bodø
    "31": "3107",  # Østfold: Fredrikstad
    "32": "0301",  # Akershus: Oslo
    "33": "3301",  # Buskerud: Drammen
    "34": "3403",  # Innlandet: Hamar
    "39": "3905",  # Vestfold: Tønsberg
    "40": "4003",  # Telemark: Skien
    "42": "4204",  # Agder: Kristiansand
    "46": "4601",  # Vestland: Bergen
    "50": "5001",  # Trøndelag: Trondheim
    "55": "5501",  # Troms: Tromsø
    "56": "5601",  # Finnmark: Alta
}
CAPITAL = "0301"

#: Gompertz slope of adult mortality (per year of age). Norwegian life tables give a slope of
#: about 0.09–0.10 for ages 30–95; the level is calibrated each year to registered deaths.
GOMPERTZ_SLOPE = 0.095

#: Immigrant retention: share of a year's immigration (06913, all citizenships) assumed to be
#: immigrants (09817 category B). 1.0 counts every immigration; returning Norwegians then
#: inflate the inflow and the implied outflow by the same amount (an upper bound).
IMMIGRANT_SHARE_OF_IMMIGRATION = 1.0

SMALL_POPULATION = 5000


# --------------------------------------------------------------------------------------------
# Report text (bokmål and English)
# --------------------------------------------------------------------------------------------
i18n.register({
    "mig_heading": {"nb": "Flytting og befolkningsutvikling", "en": "Migration and population"},
    "mig_intro": {
        "nb": "Analysen viser hvordan folketallet i {region} endres: fødte og døde, flytting "
              "innenlands og til og fra utlandet, hvem som flytter hvor, hvor godt stedet holder "
              "på innvandrere, og om stedet tiltrekker flere eller færre enn arbeidsplassene "
              "tilsier.",
        "en": "This analysis shows how the population of {region} changes: births and deaths, "
              "domestic and international migration, who moves where, how well the place keeps "
              "its immigrants, and whether it attracts more or fewer people than its jobs "
              "predict.",
    },
    "mig_small_place": {
        "nb": "{region} har om lag {population} innbyggere. Tallene per år er små og svinger "
              "mye tilfeldig; små antall (under {threshold}) vises som «:», og flere tall er "
              "slått sammen over flere år.",
        "en": "{region} has about {population} inhabitants. Yearly figures are small and vary "
              "a lot by chance; counts below {threshold} are shown as “:”, and several figures "
              "are pooled over years.",
    },
    "mig_components_heading": {"nb": "Komponentene i befolkningsendringen",
                               "en": "Components of population change"},
    "births": {"nb": "Fødte", "en": "Births"},
    "deaths": {"nb": "Døde", "en": "Deaths"},
    "natural_increase": {"nb": "Fødselsoverskudd", "en": "Natural increase"},
    "immigration": {"nb": "Innvandring", "en": "Immigration"},
    "emigration": {"nb": "Utvandring", "en": "Emigration"},
    "in_migration": {"nb": "Innflytting (innenlands)", "en": "Domestic in-migration"},
    "out_migration": {"nb": "Utflytting (innenlands)", "en": "Domestic out-migration"},
    "net_domestic": {"nb": "Netto innenlands flytting", "en": "Net domestic migration"},
    "net_international": {"nb": "Nettoinnvandring", "en": "Net immigration"},
    "net_migration": {"nb": "Nettoinnflytting i alt", "en": "Net migration"},
    "growth": {"nb": "Folketilvekst", "en": "Population growth"},
    "population": {"nb": "Folkemengde 1. januar", "en": "Population 1 January"},
    "mig_period": {"nb": "Periode", "en": "Period"},
    "mig_persons_per": {"nb": "Personer per {period}", "en": "Persons per {period}"},
    "mig_components_caption": {
        "nb": "Komponentene i befolkningsendringen i {region}, personer per {period}",
        "en": "Components of population change in {region}, persons per {period}",
    },
    "mig_year_word": {"nb": "år", "en": "year"},
    "mig_periods_word": {"nb": "periode", "en": "period"},
    "mig_components_pooled": {
        "nb": "Årstallene er slått sammen til perioder på {years} år fordi enkelte komponenter "
              "ellers ville vært under {threshold} personer.",
        "en": "Years are pooled into {years}-year periods because some components would "
              "otherwise be below {threshold} persons.",
    },
    "mig_components_check": {
        "nb": "Kontroll: komponentene summerer seg til folketilveksten i {ok} av {n} år med "
              "fullstendige tall; største avvik {gap} personer.",
        "en": "Check: the components add up to the population growth in {ok} of {n} years with "
              "complete figures; largest gap {gap} persons.",
    },
    "mig_components_fig_caption": {
        "nb": "Tilvekst og avgang i {region}: fødte, innvandring og innflytting over null, døde, "
              "utvandring og utflytting under null; linjen er folketilveksten.",
        "en": "Additions and losses in {region}: births, immigration and in-migration above "
              "zero; deaths, emigration and out-migration below; the line is population growth.",
    },
    "mig_components_fig_alt": {
        "nb": "Stablede stolper for befolkningskomponentene i {region} {first}–{last}. Samlet "
              "folketilvekst i perioden: {growth} personer.",
        "en": "Stacked bars of population components in {region} {first}–{last}. Total growth "
              "over the period: {growth} persons.",
    },
    "mig_rates_caption": {
        "nb": "Rater per 1 000 innbyggere, gjennomsnitt {first}–{last}, sammenlignet med fylket "
              "og landet",
        "en": "Rates per 1,000 inhabitants, average {first}–{last}, compared with the county "
              "and the country",
    },
    "mig_finding_growth": {
        "nb": "Folketallet i {region} endret seg med {change} personer fra {first} til {last} "
              "({births} fødte, {deaths} døde, netto innenlands flytting {domestic}, "
              "nettoinnvandring {international}).",
        "en": "The population of {region} changed by {change} persons from {first} to {last} "
              "({births} births, {deaths} deaths, net domestic migration {domestic}, net "
              "immigration {international}).",
    },
    "mig_finding_domestic_rate": {
        "nb": "Netto innenlands flytting var {rate} per 1 000 innbyggere per år i {first}–{last} "
              "(95 % intervall {interval}), {comparison} enn {area} ({reference}).",
        "en": "Net domestic migration was {rate} per 1,000 inhabitants a year in {first}–{last} "
              "(95% interval {interval}), {comparison} than {area} ({reference}).",
    },
    "mig_finding_domestic_rate_same": {
        "nb": "Netto innenlands flytting var {rate} per 1 000 innbyggere per år i {first}–{last} "
              "(95 % intervall {interval}); ingen klar forskjell fra {area} ({reference}).",
        "en": "Net domestic migration was {rate} per 1,000 inhabitants a year in {first}–{last} "
              "(95% interval {interval}); no clear difference from {area} ({reference}).",
    },
    "mig_the_country": {"nb": "landet", "en": "the country"},
    "mig_age_heading": {"nb": "I hvilke aldre vinner og taper stedet folk?",
                        "en": "At which ages does the place gain or lose people?"},
    "mig_age_method": {
        "nb": "Metode: kohortendringsmetoden (restmetoden). For hvert kjønn og hver årskohort "
              "sammenlignes folketallet 1. januar med den samme kohorten ett år senere; "
              "forskjellen etter forventede dødsfall er nettoflytting. Forventede dødsfall "
              "bygger på en Gompertz-dødelighetskurve (stigning {slope} per år) kalibrert hvert "
              "år slik at den gir landets registrerte dødsfall, likt for begge kjønn. Barn født "
              "i løpet av året og aldre over {max_age} er utelatt. Tallene er anslag, ikke "
              "registrerte flyttinger.",
        "en": "Method: the cohort-change (residual) method. For each sex and one-year cohort, "
              "the population on 1 January is compared with the same cohort a year later; the "
              "difference after expected deaths is net migration. Expected deaths come from a "
              "Gompertz mortality curve (slope {slope} per year) calibrated each year to the "
              "country's registered deaths, the same for both sexes. Children born during the "
              "year and ages above {max_age} are left out. The figures are estimates, not "
              "registered moves.",
    },
    "mig_age_caption": {
        "nb": "Anslått nettoflytting etter alder ved årets slutt og kjønn, {region}, "
              "gjennomsnitt per år {first}–{last}",
        "en": "Estimated net migration by age at the end of the year and sex, {region}, average "
              "per year {first}–{last}",
    },
    "mig_age_fig_alt": {
        "nb": "Søyler for anslått nettoflytting per år etter aldersgruppe for menn og kvinner i "
              "{region}, {first}–{last}. Størst netto tap: {worst_group} år ({worst}); størst "
              "netto gevinst: {best_group} år ({best}).",
        "en": "Bars of estimated net migration a year by age group for men and women in "
              "{region}, {first}–{last}. Largest net loss: ages {worst_group} ({worst}); largest "
              "net gain: ages {best_group} ({best}).",
    },
    "mig_age_finding": {
        "nb": "I {first}–{last} tapte {region} flest folk i alderen {worst_group} år ({worst} "
              "per år, anslag) og vant flest i alderen {best_group} år ({best} per år).",
        "en": "In {first}–{last}, {region} lost most people aged {worst_group} ({worst} a year, "
              "estimated) and gained most at ages {best_group} ({best} a year).",
    },
    "mig_age_check": {
        "nb": "Kontroll mot registrert nettoflytting (06913): kohortmetoden gir {cohort} per år, "
              "registrert {registered} per år. Forskjellen skyldes barn født i løpet av året, "
              "aldre over {max_age} og dødelighetsantakelsen.",
        "en": "Check against registered net migration (06913): the cohort method gives "
              "{cohort} a year, the register {registered} a year. The gap comes from children "
              "born during the year, ages above {max_age} and the mortality assumption.",
    },
    "age_group": {"nb": "Alder", "en": "Age"},
    "men": {"nb": "Menn", "en": "Men"},
    "women": {"nb": "Kvinner", "en": "Women"},
    "mig_per_1000": {"nb": "per 1 000 i aldersgruppen", "en": "per 1,000 in the age group"},
    "mig_flows_heading": {"nb": "Hvor kommer de fra, og hvor drar de?",
                          "en": "Where do they come from, and where do they go?"},
    "mig_flows_caption": {
        "nb": "Flyttinger til og fra {region} etter kommune, sum {first}–{last}",
        "en": "Moves to and from {region} by municipality, total {first}–{last}",
    },
    "mig_municipality": {"nb": "Kommune", "en": "Municipality"},
    "mig_moves_in": {"nb": "Innflyttinger", "en": "Moves in"},
    "mig_moves_out": {"nb": "Utflyttinger", "en": "Moves out"},
    "mig_moves_net": {"nb": "Netto", "en": "Net"},
    "mig_other": {"nb": "Andre kommuner", "en": "Other municipalities"},
    "mig_flows_within": {
        "nb": "{share} av flyttingene til og fra {region} i {first}–{last} var innenfor {county} "
              "(95 % intervall {interval}).",
        "en": "{share} of the moves to and from {region} in {first}–{last} were within {county} "
              "(95% interval {interval}).",
    },
    "mig_flows_internal": {
        "nb": "{share} av flyttingene som berører kommunene i {region} i {first}–{last}, gikk "
              "mellom kommuner i {region} (95 % intervall {interval}).",
        "en": "{share} of the moves involving the municipalities of {region} in {first}–{last} "
              "were between municipalities of {region} (95% interval {interval}).",
    },
    "mig_centre_caption": {
        "nb": "Nettoflytting mellom {region} og {centre} per år (positivt = {region} vinner)",
        "en": "Net moves between {region} and {centre} a year (positive = {region} gains)",
    },
    "mig_centre_loss": {
        "nb": "I {first}–{last} tapte {region} netto {net} personer til {centre} "
              "(regionsenteret).",
        "en": "In {first}–{last}, {region} lost a net {net} persons to {centre} (the regional "
              "centre).",
    },
    "mig_centre_gain": {
        "nb": "I {first}–{last} vant {region} netto {net} personer fra {centre} "
              "(regionsenteret).",
        "en": "In {first}–{last}, {region} gained a net {net} persons from {centre} (the "
              "regional centre).",
    },
    "mig_no_flows": {"nb": "Flyttestrømmer", "en": "Migration flows"},
    "mig_immigrants_heading": {"nb": "Innvandrere: hvor mange blir?",
                               "en": "Immigrants: how many stay?"},
    "mig_immigrants_stock": {"nb": "Innvandrere 1. januar", "en": "Immigrants 1 January"},
    "mig_immigrants_share": {"nb": "Andel innvandrere (%)", "en": "Immigrant share (%)"},
    "mig_immigrants_inflow": {"nb": "Innvandring i året", "en": "Immigration in the year"},
    "mig_immigrants_outflow": {"nb": "Beregnet avgang i året", "en": "Implied outflow in the year"},
    "mig_immigrants_rate": {"nb": "Avgangsrate (%)", "en": "Outflow rate (%)"},
    "mig_immigrants_caption": {
        "nb": "Innvandrere i {region}: bestand, andel og beregnet årlig avgang",
        "en": "Immigrants in {region}: stock, share and implied annual outflow",
    },
    "mig_immigrants_method": {
        "nb": "Beregnet avgang = innvandrere 1. januar + innvandring i året − innvandrere 1. "
              "januar året etter. Antakelser: all innvandring i året (06913) regnes som "
              "innvandrere (returnerende nordmenn gjør avgangen for høy); dødsfall blant "
              "innvandrere er ikke trukket fra (de er få, fordi innvandrerne er unge); avgangen "
              "er netto, det vil si utvandring og utflytting til andre kommuner minus "
              "innflytting av innvandrere fra andre kommuner. Avgangsraten er avgangen delt på "
              "innvandrere bosatt i løpet av året (1. januar pluss halve årets innvandring).",
        "en": "Implied outflow = immigrants on 1 January + immigration in the year − immigrants "
              "on 1 January the next year. Assumptions: all immigration in the year (06913) is "
              "counted as immigrants (returning Norwegians make the outflow too high); deaths "
              "among immigrants are not subtracted (few, as immigrants are young); the outflow "
              "is net: emigration and moves to other municipalities minus immigrants moving in "
              "from other municipalities. The outflow rate is the outflow divided by immigrants "
              "resident during the year (1 January plus half the year's immigration).",
    },
    "mig_immigrants_finding": {
        "nb": "Den beregnede avgangen av innvandrere fra {region} var {after} per år i "
              "{after_period} mot {before} i {before_period}: endring {diff} prosentpoeng "
              "(95 % intervall {interval}).",
        "en": "The implied outflow of immigrants from {region} was {after} a year in "
              "{after_period} against {before} in {before_period}: a change of {diff} "
              "percentage points (95% interval {interval}).",
    },
    "mig_immigrants_share_finding": {
        "nb": "Innvandrere utgjorde {share} av befolkningen i {region} 1. januar {year} "
              "({stock} personer).",
        "en": "Immigrants made up {share} of the population of {region} on 1 January {year} "
              "({stock} persons).",
    },
    "mig_share_fig_caption": {
        "nb": "Andel innvandrere i befolkningen 1. januar (%)",
        "en": "Immigrants as a share of the population on 1 January (%)",
    },
    "mig_share_fig_alt": {
        "nb": "Linjer for andelen innvandrere i {areas} {first}–{last}; {region} {year}: "
              "{share}.",
        "en": "Lines of the immigrant share in {areas} {first}–{last}; {region} {year}: "
              "{share}.",
    },
    "mig_retention_caption": {
        "nb": "Indikatorer en tilflyttertjeneste kan følge med på, {region}",
        "en": "Indicators an in-mover service can track, {region}",
    },
    "mig_indicator": {"nb": "Indikator", "en": "Indicator"},
    "mig_before": {"nb": "Før start (snitt)", "en": "Before start (mean)"},
    "mig_after": {"nb": "Fra start (snitt)", "en": "From start (mean)"},
    "mig_caveat": {"nb": "Forbehold", "en": "Caveat"},
    "mig_ind_outflow": {"nb": "Avgangsrate innvandrere (%)",
                        "en": "Immigrant outflow rate (%)"},
    "mig_ind_outflow_cav": {
        "nb": "Netto og beregnet; svinger mye når bestanden er liten.",
        "en": "Net and implied; volatile when the stock is small.",
    },
    "mig_ind_stayers": {"nb": "Innvandrere som er igjen etter ett år (%)",
                        "en": "Immigrants still there after one year (%)"},
    "mig_ind_stayers_cav": {
        "nb": "100 minus avgangsraten; samme forbehold.",
        "en": "100 minus the outflow rate; same caveat.",
    },
    "mig_ind_share": {"nb": "Andel innvandrere (%)", "en": "Immigrant share (%)"},
    "mig_ind_share_cav": {
        "nb": "Påvirkes også av bosetting av flyktninger, som kommunen ikke styrer alene.",
        "en": "Also driven by refugee settlement, which the municipality does not steer alone.",
    },
    "mig_ind_domestic": {"nb": "Netto innenlands flytting per 1 000",
                         "en": "Net domestic migration per 1,000"},
    "mig_ind_domestic_cav": {
        "nb": "Gjelder alle, ikke bare tilflyttere; sterkt påvirket av arbeidsmarkedet.",
        "en": "Covers everyone, not only in-movers; strongly driven by the labour market.",
    },
    "mig_ind_young": {"nb": "20–39-åringene ett år senere (% av året før)",
                      "en": "The 20–39-year-olds a year later (% of the year before)"},
    "mig_ind_young_cav": {
        "nb": "Samme kohorter året etter; over 100 betyr netto tilflytting i disse aldrene.",
        "en": "Same cohorts a year later; above 100 means net in-migration at these ages.",
    },
    "mig_retention_note": {
        "nb": "Dette er indikatorer å følge med på, ikke mål på tjenestens effekt. Effekten "
              "vurderes mot sammenlignbare kommuner nedenfor.",
        "en": "These are indicators to track, not measures of the service's effect. The effect "
              "is assessed against comparable municipalities below.",
    },
    "mig_attr_heading": {"nb": "Bostedsattraktivitet: flere eller færre enn jobbene tilsier?",
                         "en": "Attractiveness: more or fewer than the jobs predict?"},
    "mig_attr_method": {
        "nb": "Metode etter Telemarksforskings attraktivitetsmodell: for alle kommuner og "
              "{window}-årsperioder forklares netto innenlands flytting per 1 000 innbyggere "
              "med arbeidsplassveksten (13470, alle næringer) og kommunestørrelsen (log "
              "folketall), med OLS og robuste standardfeil (HC3). Den delen av flyttingen som "
              "jobbveksten og størrelsen ikke forklarer – restleddet – er «bostedsattraktivitet». "
              "Intervallet tar med den tilfeldige år-til-år-variasjonen i kommunens flyttetall "
              "(anslått på tvers av alle kommuner, større for små kommuner) og usikkerheten i "
              "modellen. Modellen har ikke med nabokommunenes jobbvekst eller sentralitet, som "
              "Telemarksforsking også bruker.",
        "en": "Method after Telemarksforsking's attractiveness model: for all municipalities "
              "and {window}-year windows, net domestic migration per 1,000 inhabitants is "
              "explained by job growth (13470, all industries) and size (log population) with "
              "OLS and robust standard errors (HC3). The part of migration that job growth and "
              "size do not explain – the residual – is “attractiveness”. The interval covers "
              "the chance year-to-year variation of the municipality's migration (estimated "
              "across all municipalities, larger for small ones) and model uncertainty. The "
              "model leaves out neighbouring job growth and "
              "centrality, which Telemarksforsking also uses.",
    },
    "mig_attr_model_caption": {
        "nb": "Modellen for siste periode ({first}–{last}), {n} kommuner",
        "en": "The model for the latest window ({first}–{last}), {n} municipalities",
    },
    "mig_term": {"nb": "Forklaringsvariabel", "en": "Term"},
    "mig_coef": {"nb": "Koeffisient", "en": "Coefficient"},
    "mig_ci_low": {"nb": "Nedre 95 %", "en": "Lower 95%"},
    "mig_ci_high": {"nb": "Øvre 95 %", "en": "Upper 95%"},
    "mig_term_const": {"nb": "Konstant", "en": "Constant"},
    "mig_term_job": {"nb": "Jobbvekst (% per år)", "en": "Job growth (% a year)"},
    "mig_term_size": {"nb": "Log folketall", "en": "Log population"},
    "mig_attr_caption": {
        "nb": "Bostedsattraktivitet (restledd, nettoflytting per 1 000 per år) for {region} "
              "og sammenligningsområdene, siste periode {first}–{last}",
        "en": "Attractiveness (residual, net migration per 1,000 a year) for {region} and the "
              "comparison areas, latest window {first}–{last}",
    },
    "mig_attr_actual": {"nb": "Faktisk", "en": "Actual"},
    "mig_attr_expected": {"nb": "Ventet ut fra jobber", "en": "Expected from jobs"},
    "mig_attr_residual": {"nb": "Attraktivitet", "en": "Attractiveness"},
    "mig_attr_rank": {"nb": "Rangering", "en": "Rank"},
    "mig_attr_fig_caption": {
        "nb": "Bostedsattraktivitet for {region} over rullerende {window}-årsperioder med 95 % "
              "intervall (år = periodens siste år)",
        "en": "Attractiveness of {region} over rolling {window}-year windows with 95% "
              "interval (year = last year of the window)",
    },
    "mig_attr_fig_alt": {
        "nb": "Linje med intervallbånd for restleddet i {region}; siste periode {last}: "
              "{value} per 1 000 per år.",
        "en": "Line with interval band of the residual for {region}; latest window {last}: "
              "{value} per 1,000 a year.",
    },
    "mig_attr_finding": {
        "nb": "I {first}–{last} flyttet det {direction} til {region} enn jobbveksten og "
              "størrelsen tilsier: {value} per 1 000 per år (95 % intervall {interval}); "
              "rangering {rank} av {n} sammenlignede.",
        "en": "In {first}–{last}, {direction} people moved to {region} than job growth and size "
              "predict: {value} per 1,000 a year (95% interval {interval}); rank {rank} of {n} "
              "compared.",
    },
    "mig_attr_finding_same": {
        "nb": "I {first}–{last} flyttet det omtrent så mange til {region} som jobbveksten og "
              "størrelsen tilsier: restledd {value} per 1 000 per år (95 % intervall "
              "{interval}); rangering {rank} av {n} sammenlignede.",
        "en": "In {first}–{last}, about as many people moved to {region} as job growth and "
              "size predict: residual {value} per 1,000 a year (95% interval {interval}); rank "
              "{rank} of {n} compared.",
    },
    "mig_more": {"nb": "flere", "en": "more"},
    "mig_fewer": {"nb": "færre", "en": "fewer"},
    "mig_attr_none": {"nb": "Bostedsattraktivitet", "en": "Attractiveness"},
    "mig_proj_heading": {"nb": "Framskriving til {horizon}", "en": "Projection to {horizon}"},
    "mig_proj_method": {
        "nb": "Trendframskrivingen er en eksponentiell glatting (ETS med dempet trend, "
              "statsmodels) av folketallet 1. januar og av nettoinnflyttingen; båndene er 95 % "
              "prediksjonsintervall. Den viser hvor trenden fører hvis den fortsetter, og vises "
              "ved siden av SSBs befolkningsframskriving (2024), som bygger på forutsetninger om "
              "fruktbarhet, levealder og flytting.",
        "en": "The trend projection is exponential smoothing (ETS with damped trend, "
              "statsmodels) of the population on 1 January and of net migration; the bands are "
              "95% prediction intervals. It shows where the trend leads if it continues, beside "
              "SSB's population projection (2024), which rests on assumptions about fertility, "
              "life expectancy and migration.",
    },
    "mig_proj_caption": {
        "nb": "Folketall 1. januar: trendframskriving med 95 % intervall og SSBs alternativer",
        "en": "Population on 1 January: trend projection with 95% interval and SSB's "
              "alternatives",
    },
    "mig_proj_fig_alt": {
        "nb": "Linjediagram over folketallet i {region} med trendframskriving til {horizon}: "
              "{value} (95 % intervall {interval}); SSBs hovedalternativ: {ssb}.",
        "en": "Line chart of the population of {region} with a trend projection to {horizon}: "
              "{value} (95% interval {interval}); SSB main alternative: {ssb}.",
    },
    "mig_proj_finding": {
        "nb": "Fortsetter trenden, vil {region} ha om lag {value} innbyggere i {horizon} (95 % "
              "intervall {interval}); SSBs hovedalternativ gir {ssb}.",
        "en": "If the trend continues, {region} will have about {value} inhabitants in "
              "{horizon} (95% interval {interval}); SSB's main alternative gives {ssb}.",
    },
    "mig_proj_table_caption": {
        "nb": "Framskrevet folketall og nettoinnflytting, utvalgte år",
        "en": "Projected population and net migration, selected years",
    },
    "mig_proj_trend": {"nb": "Trend", "en": "Trend"},
    "mig_proj_low": {"nb": "Trend nedre 95 %", "en": "Trend lower 95%"},
    "mig_proj_high": {"nb": "Trend øvre 95 %", "en": "Trend upper 95%"},
    "mig_proj_net": {"nb": "Nettoinnflytting (trend)", "en": "Net migration (trend)"},
    "mig_proj_net_interval": {"nb": "Nettoinnflytting 95 %", "en": "Net migration 95%"},
    "mig_observed": {"nb": "Registrert", "en": "Registered"},
    "MMMM": {"nb": "SSB hovedalternativ", "en": "SSB main alternative"},
    "HHMH": {"nb": "SSB høy nasjonal vekst", "en": "SSB high national growth"},
    "LLML": {"nb": "SSB lav nasjonal vekst", "en": "SSB low national growth"},
    "mig_projection_none": {"nb": "Framskriving", "en": "Projection"},
})


# --------------------------------------------------------------------------------------------
# Data access
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _load_cached(dataset: str, source: str, stamp: float) -> pd.DataFrame:
    from pipeline import datasets

    return datasets.load(dataset, source)


def load(dataset: str, source: str) -> pd.DataFrame:
    """Load a processed dataset once per build (cached on the file's modification time)."""
    from pipeline import config
    from pipeline.sources.tables import table

    path = config.paths().processed_source(source) / f"{table(dataset).dataset}.parquet"
    stamp = path.stat().st_mtime if path.exists() else 0.0
    return _load_cached(dataset, source, stamp).copy()


def _members(code: str) -> list[str]:
    """Municipalities making up ``code`` (a county, or the country ``0``)."""
    from pipeline import geography

    if code == NATIONAL:
        return sorted(geography.municipality_names())
    return list(geography.municipalities_in_county(code))


def area_sum(df: pd.DataFrame, codes: Sequence[str], by: Sequence[str],
             region_col: str = "region") -> pd.DataFrame:
    """Sum ``value`` over the regions ``codes`` by the columns ``by``.

    A county or national code uses its own rows when ``df`` has them and otherwise the sum of
    its municipalities. ``n_missing`` counts cells that were NaN (an incomplete source).

    Args:
        df: tidy frame with ``region_col`` and ``value``.
        codes: municipality, county or national codes.
        by: columns to keep (e.g. ``["measure", "year"]``).

    Returns:
        Frame with ``by``, ``value`` and ``n_missing``.
    """
    present = set(df[region_col].unique())
    parts = []
    for code in codes:
        if code in present:
            parts.append(df[df[region_col] == code])
        elif len(code) <= 2:
            parts.append(df[df[region_col].isin(_members(code))])
    if not parts:
        return pd.DataFrame(columns=[*by, "value", "n_missing"])
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.assign(_missing=rows["value"].isna().astype(int))
    out = rows.groupby(list(by), as_index=False).agg(value=("value", lambda s: s.sum(min_count=1)),
                                                       n_missing=("_missing", "sum"))
    return out


# --------------------------------------------------------------------------------------------
# 1. Components of population change (06913)
# --------------------------------------------------------------------------------------------
def components(change: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Components of population change per year for an area (sum over ``codes``).

    Args:
        change: the tidy ``population_change`` dataset (06913).
        codes: the area's region codes.

    Returns:
        One row per year with ``population`` (1 January), the six flows, ``growth`` and the
        derived ``natural_increase``, ``net_domestic``, ``net_international``,
        ``net_migration``, ``population_next`` (1 January next year), ``balance_gap``
        (growth minus the sum of the components), ``stock_gap`` (population change minus
        growth) and ``complete`` (no component missing).
    """
    summed = area_sum(change, codes, ["measure", "year"])
    wide = summed.pivot(index="year", columns="measure", values="value")
    missing = summed.pivot(index="year", columns="measure", values="n_missing")
    wide = wide.rename(columns=COMPONENTS).reindex(columns=list(COMPONENTS.values()))
    missing = missing.rename(columns=COMPONENTS).reindex(columns=list(COMPONENTS.values()))
    out = wide.sort_index()
    out = out.assign(
        natural_increase=out["births"] - out["deaths"],
        net_domestic=out["in_migration"] - out["out_migration"],
        net_international=out["immigration"] - out["emigration"],
    )
    out = out.assign(net_migration=out["net_domestic"] + out["net_international"])
    next_year = out["population"].reindex(out.index + 1).to_numpy()
    out = out.assign(
        population_next=next_year,
        balance_gap=out["growth"] - (out["natural_increase"] + out["net_migration"]),
    )
    out = out.assign(stock_gap=out["population_next"] - out["population"] - out["growth"])
    complete = (missing.fillna(1).sum(axis=1) == 0) & out[FLOW_COMPONENTS + ["growth"]].notna().all(
        axis=1)
    out = out.assign(complete=complete.reindex(out.index).fillna(False).astype(bool))
    out.index.name = "year"
    return out.reset_index()


def mean_population(comp: pd.DataFrame) -> pd.Series:
    """Mean population of each year: 1 January plus half the year's growth."""
    return comp["population"] + comp["growth"].fillna(0) / 2


def component_rates(comp: pd.DataFrame, per: float = 1000.0) -> pd.DataFrame:
    """Components as rates per ``per`` mean inhabitants (one row per year)."""
    cols = FLOW_COMPONENTS + ["natural_increase", "net_domestic", "net_international",
                              "net_migration", "growth"]
    mean_pop = mean_population(comp)
    rates = comp[cols].div(mean_pop, axis=0) * per
    return pd.concat([comp[["year"]], rates.assign(mean_population=mean_pop)], axis=1)


def choose_pooling(comp: pd.DataFrame, threshold: int,
                   candidates: Sequence[int] = (1, 2, 3, 5)) -> int:
    """The shortest period (years) in which no component is a small count (1 … threshold−1)."""
    flows = comp.dropna(subset=FLOW_COMPONENTS)
    for years in candidates:
        pooled = pool_years(flows, years)
        small = pooled[FLOW_COMPONENTS].apply(lambda s: (s > 0) & (s < threshold))
        if not small.to_numpy().any():
            return years
    return candidates[-1]


def pool_years(comp: pd.DataFrame, years: int) -> pd.DataFrame:
    """Sum components over consecutive periods of ``years`` ending with the last year."""
    if years == 1 or comp.empty:
        return comp.assign(period=comp["year"].astype(str))
    last = int(comp["year"].max())
    block = (last - comp["year"]) // years
    cols = FLOW_COMPONENTS + ["natural_increase", "net_domestic", "net_international",
                              "net_migration", "growth"]
    grouped = comp.assign(_block=block).groupby("_block")
    out = grouped[cols].sum(min_count=1)
    first = grouped["year"].min()
    last_year = grouped["year"].max()
    out = out.assign(year=last_year, first_year=first,
                     period=[f"{a}–{b}" for a, b in zip(first, last_year, strict=True)])
    # Incomplete leading period: drop it unless it is the only one.
    full = (last_year - first + 1) == years
    out = out[full] if full.any() else out
    return out.sort_values("year").reset_index(drop=True)


def components_table(ctx, comp: pd.DataFrame, years: int = 1, last_n: int = 10) -> pd.DataFrame:
    """Components table with translated headers for the report (latest ``last_n`` periods)."""
    flows = comp.dropna(subset=FLOW_COMPONENTS)
    pooled = pool_years(flows, years).tail(last_n)
    cols = ["births", "deaths", "natural_increase", "immigration", "emigration",
            "in_migration", "out_migration", "net_migration", "growth"]
    table = pooled[["period", *cols]].rename(columns={"period": ctx.t("mig_period")})
    return table.rename(columns={c: ctx.t(c) for c in cols})


def components_check(comp: pd.DataFrame) -> dict[str, float]:
    """How well the components add up: years checked, years exact, largest gap."""
    done = comp[comp["complete"]]
    gaps = done["balance_gap"].abs()
    return {"n": int(len(done)), "ok": int((gaps < 0.5).sum()),
            "max_gap": float(gaps.max()) if len(done) else float("nan")}


def components_figure(ctx, comp: pd.DataFrame, years: int = 1):
    """Stacked bars of the components (additions up, losses down) with growth as a line."""
    from pipeline import figures

    flows = pool_years(comp.dropna(subset=FLOW_COMPONENTS), years)
    fig, ax = figures.new_figure()
    x = np.arange(len(flows))
    pos = np.zeros(len(flows))
    neg = np.zeros(len(flows))
    colours = dict(zip(FLOW_COMPONENTS, figures.PALETTE, strict=False))
    for comp_name in FLOW_COMPONENTS:
        values = flows[comp_name].fillna(0).to_numpy() * SIGNS[comp_name]
        base = pos if SIGNS[comp_name] > 0 else neg
        ax.bar(x, values, bottom=base, color=colours[comp_name], label=ctx.t(comp_name),
               width=0.8)
        if SIGNS[comp_name] > 0:
            pos = pos + values
        else:
            neg = neg + values
    ax.plot(x, flows["growth"], color="black", marker="o", linewidth=1.5, label=ctx.t("growth"))
    ax.axhline(0, color="black", linewidth=0.6)
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], flows["period"].iloc[::step])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    period = ctx.t("mig_periods_word") if years > 1 else ctx.t("mig_year_word")
    ax.set_ylabel(ctx.t("mig_persons_per", period=period))
    return fig


def areas_for(ctx) -> list[tuple[str, list[str]]]:
    """The areas a report compares: the region, its county (if different) and the country."""
    areas: list[tuple[str, list[str]]] = [(ctx.region_label, list(ctx.region_codes))]
    if ctx.county and list(ctx.region_codes) != [ctx.county]:
        areas.append((ctx.name(ctx.county), [ctx.county]))
    areas.append((ctx.name(NATIONAL), [NATIONAL]))
    return areas


def rates_comparison(ctx, change: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Average rates per 1 000 over ``first``–``last`` for region, county and country.

    Averages are ratios of summed counts to summed mean population (never means of rates).
    """
    cols = ["births", "deaths", "natural_increase", "immigration", "emigration",
            "in_migration", "out_migration", "net_domestic", "net_migration", "growth"]
    rows = {}
    for label, codes in areas_for(ctx):
        comp = components(change, codes)
        comp = comp[(comp["year"] >= first) & (comp["year"] <= last)].dropna(subset=["growth"])
        if comp.empty:
            continue
        mean_pop = mean_population(comp).sum()
        rows[label] = {ctx.t(c): comp[c].sum() / mean_pop * 1000 for c in cols}
    out = pd.DataFrame(rows).T
    out.index.name = ctx.t("region")
    return out.reset_index()


def rate_interval(count_sum: float, gross: float, person_years: float,
                  per: float = 1000.0) -> tuple[float, float, float]:
    """A net rate with a Poisson 95 % interval (the net of two independent Poisson counts).

    Args:
        count_sum: the net count (in − out) summed over years.
        gross: in + out summed over the same years (variance of the net count).
        person_years: summed mean population.
    """
    rate = count_sum / person_years * per
    half = 1.96 * math.sqrt(max(gross, 0.0)) / person_years * per
    return rate, rate - half, rate + half


# --------------------------------------------------------------------------------------------
# 2. Age profile of net migration: cohort-change (residual) method (07459)
# --------------------------------------------------------------------------------------------
def gompertz_survival(national_population: pd.DataFrame, national_deaths: pd.Series,
                      slope: float = GOMPERTZ_SLOPE) -> pd.DataFrame:
    """One-year survival by age from a Gompertz schedule calibrated to registered deaths.

    The hazard at age ``a`` is ``A(t) · exp(slope · (a + 0.5))``; ``A(t)`` is chosen so that the
    national population (both sexes, 1 January) would have exactly the registered deaths of
    year ``t``. Survival is ``exp(−hazard)``.

    Args:
        national_population: columns ``year``, ``age``, ``value`` (both sexes summed).
        national_deaths: registered deaths indexed by year (06913 ``Dode`` for ``0``).
        slope: the Gompertz slope per year of age.

    Returns:
        Columns ``year``, ``age`` (age on 1 January), ``survival``.
    """
    pop = national_population.groupby(["year", "age"], as_index=False)["value"].sum()
    pop = pop.assign(shape=np.exp(slope * (pop["age"] + 0.5)))
    exposure = (pop["value"] * pop["shape"]).groupby(pop["year"]).sum()
    level = (national_deaths.reindex(exposure.index) / exposure).rename("level")
    out = pop.merge(level, left_on="year", right_index=True, how="inner")
    hazard = (out["level"] * out["shape"]).clip(upper=5.0)
    return out.assign(survival=np.exp(-hazard))[["year", "age", "survival"]].dropna()


def cohort_net_migration(population: pd.DataFrame, survival: pd.DataFrame | None = None,
                         max_age: int = 89) -> pd.DataFrame:
    """Net migration by sex and one-year cohort with the cohort-change (residual) method.

    For a cohort aged ``a`` on 1 January of year ``t``:
    ``net = P(a+1, t+1) − P(a, t) · S(a, t)``, where ``S`` is one-year survival
    (1 when ``survival`` is None, i.e. deaths ignored). Children born during ``t`` and cohorts
    older than ``max_age`` on 1 January are left out.

    Args:
        population: one area's population with columns ``sex``, ``age``, ``year``, ``value``
            (1 January).
        survival: columns ``year``, ``age``, ``survival`` (same for both sexes), or None.
        max_age: oldest age on 1 January included.

    Returns:
        Columns ``sex``, ``year`` (the year the moves happened), ``age`` (age at the end of the
        year, ``a + 1``), ``start`` (``P(a, t)``), ``end`` (``P(a+1, t+1)``), ``expected``
        (survivors), ``net_migration``.
    """
    pop = population[population["age"] <= max_age + 1][["sex", "age", "year", "value"]]
    start = pop[pop["age"] <= max_age].rename(columns={"value": "start"})
    end = pop.assign(age=pop["age"] - 1, year=pop["year"] - 1).rename(columns={"value": "end"})
    end = end[end["age"] >= 0]
    merged = start.merge(end, on=["sex", "age", "year"], how="inner")
    if survival is None:
        merged = merged.assign(survival=1.0)
    else:
        merged = merged.merge(survival, on=["year", "age"], how="left")
        merged = merged.assign(survival=merged["survival"].fillna(1.0))
    expected = merged["start"] * merged["survival"]
    out = merged.assign(expected=expected, net_migration=merged["end"] - expected,
                        age=merged["age"] + 1)
    return out[["sex", "year", "age", "start", "end", "expected", "net_migration"]].sort_values(
        ["sex", "year", "age"]).reset_index(drop=True)


def age_groups(ages: pd.Series, width: int = 5, top: int = 90) -> pd.Series:
    """Label ages with groups ``0-4``, ``5-9`` … (the last group open, e.g. ``85-90``)."""
    low = (ages.clip(upper=top) // width) * width
    low = low.where(low < top, top - width)
    return low.astype(int).astype(str) + "-" + (low + width - 1).clip(upper=top).astype(
        int).astype(str)


def area_population(population: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """One area's population by sex, age and year (sum over ``codes``)."""
    out = area_sum(population, codes, ["sex", "age", "year"])
    return out.drop(columns="n_missing")


def national_survival(population: pd.DataFrame, change: pd.DataFrame) -> pd.DataFrame:
    """Survival by year and age calibrated to the country's registered deaths."""
    nat = area_population(population, [NATIONAL])
    deaths = area_sum(change[change["measure"] == "Dode"], [NATIONAL], ["year"]).set_index(
        "year")["value"]
    return gompertz_survival(nat, deaths)


def age_profile(cohort: pd.DataFrame, first: int, last: int, width: int = 5) -> pd.DataFrame:
    """Average yearly net migration by sex and age group over ``first``–``last``.

    Returns:
        Columns ``sex``, ``age_group``, ``age_low``, ``net_migration`` (per year),
        ``rate`` (per 1 000 of the age group's start population).
    """
    sel = cohort[(cohort["year"] >= first) & (cohort["year"] <= last)]
    n_years = max(sel["year"].nunique(), 1)
    grouped = sel.assign(age_group=age_groups(sel["age"], width),
                         age_low=(sel["age"] // width) * width)
    grouped = grouped.groupby(["sex", "age_group"], as_index=False).agg(
        age_low=("age_low", "min"), net=("net_migration", "sum"), start=("start", "sum"))
    grouped = grouped.assign(net_migration=grouped["net"] / n_years,
                             rate=grouped["net"] / grouped["start"].where(grouped["start"] > 0)
                             * 1000)
    return grouped.drop(columns=["net", "start"]).sort_values(["sex", "age_low"]).reset_index(
        drop=True)


def age_profile_table(ctx, profile: pd.DataFrame) -> pd.DataFrame:
    """Wide table: age group × (men, women) net migration per year and per 1 000."""
    wide = profile.pivot(index=["age_low", "age_group"], columns="sex",
                         values=["net_migration", "rate"]).sort_index()
    out = pd.DataFrame({ctx.t("age_group"): wide.index.get_level_values("age_group")})
    for sex, key in (("1", "men"), ("2", "women")):
        if ("net_migration", sex) in wide.columns:
            out[ctx.t(key)] = wide[("net_migration", sex)].to_numpy()
            out[f"{ctx.t(key)}, {ctx.t('mig_per_1000')}"] = wide[("rate", sex)].to_numpy()
    return out


def age_profile_figure(ctx, profile: pd.DataFrame):
    """Bars of net migration per year by age group, men and women side by side."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    groups = profile.drop_duplicates("age_group").sort_values("age_low")["age_group"].tolist()
    x = np.arange(len(groups))
    for i, (sex, key) in enumerate((("1", "men"), ("2", "women"))):
        part = profile[profile["sex"] == sex].set_index("age_group").reindex(groups)
        ax.bar(x + (i - 0.5) * 0.4, part["net_migration"].fillna(0), width=0.4,
               color=figures.PALETTE[i], label=ctx.t(key))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x, groups, rotation=60, fontsize=8)
    ax.set_xlabel(ctx.t("age_group"))
    ax.legend()
    return fig


def extreme_groups(profile: pd.DataFrame) -> dict[str, object]:
    """Age groups (both sexes) with the largest net loss and the largest net gain."""
    both = profile.groupby(["age_group", "age_low"], as_index=False)["net_migration"].sum()
    worst = both.loc[both["net_migration"].idxmin()]
    best = both.loc[both["net_migration"].idxmax()]
    return {"worst_group": worst["age_group"], "worst": float(worst["net_migration"]),
            "best_group": best["age_group"], "best": float(best["net_migration"])}


# --------------------------------------------------------------------------------------------
# 3. Flows between municipalities (13864)
# --------------------------------------------------------------------------------------------
def expand(codes: Sequence[str]) -> list[str]:
    """Region codes as municipality codes (a county becomes its municipalities)."""
    out: list[str] = []
    for code in codes:
        out.extend(_members(code) if len(code) <= 2 else [code])
    return out


def centre_for(codes: Sequence[str], county: str | None) -> str | None:
    """The regional centre to compare a region with (documented in :data:`REGIONAL_CENTRES`).

    The county's centre, unless the region is or contains it; then Oslo; None when the region
    contains Oslo too.
    """
    members = set(expand(codes))
    centre = REGIONAL_CENTRES.get(county or "")
    if centre and centre not in members:
        return centre
    return CAPITAL if CAPITAL not in members else None


def flow_summary(flows: pd.DataFrame, codes: Sequence[str], first: int, last: int,
                 top: int = 10) -> pd.DataFrame:
    """Moves in, out and net by partner municipality over ``first``–``last``.

    Moves between the region's own municipalities are left out. The ``top`` partners by gross
    moves are listed; the rest are summed in one row with ``partner`` ``"other"``.
    """
    members = set(expand(codes))
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    inflow = sel[sel["destination"].isin(members) & ~sel["origin"].isin(members)]
    outflow = sel[sel["origin"].isin(members) & ~sel["destination"].isin(members)]
    moves_in = inflow.groupby("origin")["value"].sum().rename("moves_in")
    moves_out = outflow.groupby("destination")["value"].sum().rename("moves_out")
    out = pd.concat([moves_in, moves_out], axis=1).fillna(0.0)
    out.index.name = "partner"
    out = out.assign(net=out["moves_in"] - out["moves_out"],
                     gross=out["moves_in"] + out["moves_out"])
    out = out[out["gross"] > 0].sort_values(["gross", "net"], ascending=False).reset_index()
    head = out.head(top)
    rest = out.iloc[top:]
    if len(rest):
        other = pd.DataFrame([{"partner": "other", "moves_in": rest["moves_in"].sum(),
                               "moves_out": rest["moves_out"].sum(), "net": rest["net"].sum(),
                               "gross": rest["gross"].sum()}])
        head = pd.concat([head, other], ignore_index=True)
    return head


def flows_table(ctx, summary: pd.DataFrame) -> pd.DataFrame:
    """Translated flow table (partner names)."""
    names = [ctx.t("mig_other") if p == "other" else ctx.name(p) for p in summary["partner"]]
    return pd.DataFrame({
        ctx.t("mig_municipality"): names,
        ctx.t("mig_moves_in"): summary["moves_in"].to_numpy(),
        ctx.t("mig_moves_out"): summary["moves_out"].to_numpy(),
        ctx.t("mig_moves_net"): summary["net"].to_numpy(),
    })


def within_share(flows: pd.DataFrame, codes: Sequence[str], within: Sequence[str], first: int,
                 last: int) -> dict[str, float]:
    """Share of the region's moves (in + out) whose other end lies in ``within``.

    Returns:
        ``share`` (%), ``low``, ``high`` (Wilson 95 % interval), ``moves`` (gross).
    """
    from statsmodels.stats.proportion import proportion_confint

    members = set(expand(codes))
    area = set(expand(within)) - members
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    into = sel[sel["destination"].isin(members) & ~sel["origin"].isin(members)]
    out = sel[sel["origin"].isin(members) & ~sel["destination"].isin(members)]
    gross = into["value"].sum() + out["value"].sum()
    near = (into.loc[into["origin"].isin(area), "value"].sum()
            + out.loc[out["destination"].isin(area), "value"].sum())
    if gross <= 0:
        return {"share": float("nan"), "low": float("nan"), "high": float("nan"), "moves": 0.0}
    low, high = proportion_confint(int(round(near)), int(round(gross)), method="wilson")
    return {"share": near / gross * 100, "low": low * 100, "high": high * 100,
            "moves": float(gross)}


def internal_share(flows: pd.DataFrame, codes: Sequence[str], first: int,
                   last: int) -> dict[str, float]:
    """Share of the moves involving a multi-municipality region that stay inside it.

    Returns:
        ``share`` (%), ``low``, ``high`` (Wilson 95 % interval), ``moves`` (all moves with at
        least one end in the region).
    """
    from statsmodels.stats.proportion import proportion_confint

    members = set(expand(codes))
    sel = flows[(flows["year"] >= first) & (flows["year"] <= last)
                & (flows["origin"] != flows["destination"])]
    o, d = sel["origin"].isin(members), sel["destination"].isin(members)
    inside = sel.loc[o & d, "value"].sum()
    total = sel.loc[o | d, "value"].sum()
    if total <= 0:
        return {"share": float("nan"), "low": float("nan"), "high": float("nan"), "moves": 0.0}
    low, high = proportion_confint(int(round(inside)), int(round(total)), method="wilson")
    return {"share": inside / total * 100, "low": low * 100, "high": high * 100,
            "moves": float(total)}


def centre_exchange(flows: pd.DataFrame, codes: Sequence[str], centre: str) -> pd.DataFrame:
    """Moves between the region and ``centre`` per year: ``to_region``, ``to_centre``, ``net``."""
    members = set(expand(codes))
    to_region = flows[(flows["origin"] == centre) & flows["destination"].isin(members)]
    to_centre = flows[flows["origin"].isin(members) & (flows["destination"] == centre)]
    out = pd.concat([to_region.groupby("year")["value"].sum().rename("to_region"),
                     to_centre.groupby("year")["value"].sum().rename("to_centre")],
                    axis=1).fillna(0.0).sort_index()
    out = out.assign(net=out["to_region"] - out["to_centre"])
    out.index.name = "year"
    return out.reset_index()


def centre_table(ctx, exchange: pd.DataFrame, centre: str, last_n: int = 10) -> pd.DataFrame:
    """Translated table of the yearly exchange with the centre."""
    part = exchange.tail(last_n)
    return pd.DataFrame({
        ctx.t("year"): part["year"].astype(str).to_numpy(),
        f"{ctx.t('mig_moves_in')} ({ctx.name(centre)})": part["to_region"].to_numpy(),
        f"{ctx.t('mig_moves_out')} ({ctx.name(centre)})": part["to_centre"].to_numpy(),
        ctx.t("mig_moves_net"): part["net"].to_numpy(),
    })


# --------------------------------------------------------------------------------------------
# 4. Immigrants (09817): stock, share, implied outflow
# --------------------------------------------------------------------------------------------
def immigrant_stock(immigrants: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Immigrants (category B, all countries) on 1 January: ``year``, ``stock``."""
    sel = immigrants[(immigrants["category"] == "B") & (immigrants["measure"] == "Personer1")
                     & (immigrants["country_background"] == "999")]
    out = area_sum(sel, codes, ["year"]).rename(columns={"value": "stock"})
    return out[["year", "stock"]].sort_values("year").reset_index(drop=True)


def implied_outflow(stock: pd.DataFrame, comp: pd.DataFrame,
                    share_immigrants: float = IMMIGRANT_SHARE_OF_IMMIGRATION) -> pd.DataFrame:
    """Implied annual (net) outflow of immigrants from stock changes and immigration.

    ``outflow(t) = stock(t) + k · immigration(t) − stock(t+1)`` and
    ``rate(t) = outflow(t) / (stock(t) + k · immigration(t) / 2)``: the outflow per immigrant
    resident in the year (arrivals count for half a year, as in a mean population), where ``k``
    is the share of immigration assumed to be immigrants. Deaths of immigrants are not
    subtracted (they are counted in the outflow), and moves to and from other municipalities
    enter as a net.

    Args:
        stock: ``year``, ``stock`` (1 January).
        comp: :func:`components` of the same area (``year``, ``immigration``, ``population``).
        share_immigrants: ``k``.

    Returns:
        Columns ``year``, ``stock``, ``stock_next``, ``immigration``, ``at_risk``, ``outflow``,
        ``outflow_rate`` (%), ``share`` (% of the population on 1 January).
    """
    merged = stock.merge(comp[["year", "immigration", "population"]], on="year", how="left")
    nxt = stock.assign(year=stock["year"] - 1).rename(columns={"stock": "stock_next"})
    merged = merged.merge(nxt, on="year", how="left")
    inflow = share_immigrants * merged["immigration"]
    at_risk = merged["stock"] + inflow / 2
    outflow = merged["stock"] + inflow - merged["stock_next"]
    return merged.assign(
        at_risk=at_risk, outflow=outflow,
        outflow_rate=outflow / at_risk.where(at_risk > 0) * 100,
        share=merged["stock"] / merged["population"].where(merged["population"] > 0) * 100,
    )[["year", "stock", "stock_next", "immigration", "at_risk", "outflow", "outflow_rate",
       "share"]]


def outflow_change(out: pd.DataFrame, start_year: int) -> dict[str, float]:
    """Pooled outflow rate before and from ``start_year``, and their difference with a 95 % CI.

    Pooled rates are summed outflow over summed residents. The interval uses the larger of two
    standard errors: the binomial one (each resident an independent stay-or-leave trial) and
    one from the year-to-year variation of the yearly rates (Welch, t distribution), because
    the implied outflow is a net of several flows and varies more than a binomial count.

    Returns:
        ``before``, ``after``, ``diff`` (percentage points), ``low``, ``high``, ``first``,
        ``pre_last``, ``last``; empty when either period has no year.
    """
    from scipy import stats

    done = out.dropna(subset=["outflow", "at_risk"])
    done = done[done["at_risk"] > 0]
    before = done[done["year"] < start_year]
    after = done[done["year"] >= start_year]
    if before.empty or after.empty:
        return {}

    def pooled(part: pd.DataFrame) -> tuple[float, float]:
        p = part["outflow"].sum() / part["at_risk"].sum()
        return p, max(p * (1 - p), 0.0) / part["at_risk"].sum()

    p0, v0 = pooled(before)
    p1, v1 = pooled(after)
    se_binomial = math.sqrt(v0 + v1)
    r0 = before["outflow"] / before["at_risk"]
    r1 = after["outflow"] / after["at_risk"]
    se_yearly, dof = 0.0, float("inf")
    if len(r0) > 1 and len(r1) > 1:
        a, b = r0.var(ddof=1) / len(r0), r1.var(ddof=1) / len(r1)
        se_yearly = math.sqrt(a + b)
        if a + b > 0:
            dof = (a + b) ** 2 / (a**2 / (len(r0) - 1) + b**2 / (len(r1) - 1))
    se = max(se_binomial, se_yearly)
    q = float(stats.t.ppf(0.975, dof)) if se_yearly > se_binomial else 1.959963984540054
    diff = (p1 - p0) * 100
    return {"before": p0 * 100, "after": p1 * 100, "diff": diff, "low": diff - q * se * 100,
            "high": diff + q * se * 100, "first": int(before["year"].min()),
            "pre_last": int(before["year"].max()), "last": int(after["year"].max())}


def immigrants_table(ctx, out: pd.DataFrame, last_n: int = 10) -> pd.DataFrame:
    """Translated table of immigrant stock, share, inflow and implied outflow."""
    part = out.tail(last_n)
    return pd.DataFrame({
        ctx.t("year"): part["year"].astype(str).to_numpy(),
        ctx.t("mig_immigrants_stock"): part["stock"].to_numpy(),
        ctx.t("mig_immigrants_share"): part["share"].to_numpy(),
        ctx.t("mig_immigrants_inflow"): part["immigration"].to_numpy(),
        ctx.t("mig_immigrants_outflow"): part["outflow"].round().to_numpy(),
        ctx.t("mig_immigrants_rate"): part["outflow_rate"].to_numpy(),
    })


def immigrant_share_series(immigrants: pd.DataFrame, change: pd.DataFrame,
                           areas: list[tuple[str, list[str]]]) -> pd.DataFrame:
    """Immigrants as % of the population on 1 January for several areas: ``area, year, share``.

    Shares are recomputed from summed counts (09817 persons over 06913 population), so an area
    of several municipalities is weighted correctly.
    """
    parts = []
    for label, codes in areas:
        stock = immigrant_stock(immigrants, codes)
        pop = area_sum(change[change["measure"] == "Folkemengde"], codes, ["year"])
        merged = stock.merge(pop[["year", "value"]], on="year", how="inner")
        merged = merged[merged["value"] > 0]
        parts.append(pd.DataFrame({"area": label, "year": merged["year"],
                                   "share": merged["stock"] / merged["value"] * 100}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["area", "year", "share"])


def immigrant_share_figure(ctx, shares: pd.DataFrame):
    """Immigrant share over time: the region in colour, county and country in grey."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    styles = ["-", "--", ":"]
    for i, (area, part) in enumerate(shares.groupby("area", sort=False)):
        colour = figures.REGION_COLOUR if i == 0 else figures.COMPARISON_COLOUR
        ax.plot(part["year"], part["share"], color=colour, linestyle=styles[min(i, 2)],
                linewidth=2 if i == 0 else 1.5, label=area)
    ax.set_ylabel("%")
    ax.legend()
    return fig


def young_retention(population: pd.DataFrame, codes: Sequence[str], low: int = 20,
                    high: int = 39) -> pd.DataFrame:
    """Share of the cohorts aged ``low``–``high`` on 1 January still there a year later (%)."""
    pop = area_population(population, codes)
    pop = pop.groupby(["age", "year"], as_index=False)["value"].sum()
    start = pop[(pop["age"] >= low) & (pop["age"] <= high)].groupby("year")["value"].sum()
    end = pop[(pop["age"] >= low + 1) & (pop["age"] <= high + 1)].groupby("year")["value"].sum()
    end.index = end.index - 1
    ratio = (end / start).dropna() * 100
    return ratio.rename("kept").rename_axis("year").reset_index()


def retention_indicators(ctx, out: pd.DataFrame, comp: pd.DataFrame,
                         young: pd.DataFrame) -> pd.DataFrame:
    """Indicators an in-mover service can track: mean before vs from the programme start."""
    start = ctx.program.start_year
    rates = component_rates(comp)
    series = {
        "mig_ind_outflow": out.set_index("year")["outflow_rate"],
        "mig_ind_stayers": 100 - out.set_index("year")["outflow_rate"],
        "mig_ind_share": out.set_index("year")["share"],
        "mig_ind_domestic": rates.set_index("year")["net_domestic"],
        "mig_ind_young": young.set_index("year")["kept"],
    }
    rows = []
    for key, s in series.items():
        s = s.dropna()
        rows.append({
            ctx.t("mig_indicator"): ctx.t(key),
            ctx.t("mig_before"): s[s.index < start].tail(5).mean(),
            ctx.t("mig_after"): s[s.index >= start].mean(),
            ctx.t("mig_caveat"): ctx.t(f"{key}_cav"),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# 5. Attractiveness (Telemarksforsking's model): residual of migration on job growth and size
# --------------------------------------------------------------------------------------------
def jobs_total(employment: pd.DataFrame) -> pd.DataFrame:
    """Jobs by place of work summed over industries: ``region``, ``year``, ``jobs``."""
    out = employment.groupby(["region", "year"], as_index=False)["value"].sum(min_count=1)
    return out.rename(columns={"value": "jobs"})


def municipal_wide(change: pd.DataFrame) -> pd.DataFrame:
    """Municipal rows of 06913 as one row per (region, year) with the domestic-migration columns.

    Columns: ``region``, ``year``, ``mean_pop``, ``net`` (in − out), ``gross`` (in + out).
    """
    c = change[(change["region"].str.len() == 4)
               & change["measure"].isin(["Folkemengde", "Innflytting", "Utflytting",
                                         "Folketilvekst"])]
    wide = c.pivot_table(index=["region", "year"], columns="measure", values="value",
                         aggfunc="sum").reset_index()
    needed = ["Folkemengde", "Innflytting", "Utflytting", "Folketilvekst"]
    if any(m not in wide.columns for m in needed):
        return pd.DataFrame(columns=["region", "year", "mean_pop", "net", "gross"])
    wide = wide.dropna(subset=needed)
    return pd.DataFrame({"region": wide["region"], "year": wide["year"].astype(int),
                         "mean_pop": wide["Folkemengde"] + wide["Folketilvekst"] / 2,
                         "net": wide["Innflytting"] - wide["Utflytting"],
                         "gross": wide["Innflytting"] + wide["Utflytting"]})


def window_panel(change: pd.DataFrame, employment: pd.DataFrame, last: int,
                 window: int = 3, wide: pd.DataFrame | None = None,
                 jobs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per municipality for the window ``last−window+1``…``last``.

    Args:
        change: 06913 tidy frame (ignored when ``wide`` is given).
        employment: 13470 tidy frame (ignored when ``jobs`` is given).
        last: last year of the window.
        window: years in the window.
        wide: :func:`municipal_wide` of ``change``, precomputed (faster over many windows).
        jobs: :func:`jobs_total` of ``employment``, precomputed.

    Returns:
        Columns ``region``, ``net_rate`` (net domestic migration per 1 000 mean inhabitants a
        year), ``job_growth`` (% a year, jobs at the end of the window against the end of the
        year before it, annualised), ``log_pop``, ``population`` (mean), ``net``, ``gross``,
        ``person_years`` (summed counts), ``within_var`` (variance of the yearly rates inside the
        window) and ``poisson_var`` (mean yearly Poisson variance of the rate, ``gross/pop²``).
    """
    first = last - window + 1
    wide = municipal_wide(change) if wide is None else wide
    w = wide[(wide["year"] >= first) & (wide["year"] <= last)]
    w = w.assign(rate=w["net"] / w["mean_pop"] * 1000,
                 pv=w["gross"] / w["mean_pop"] ** 2 * 1e6)
    counts = w.groupby("region").agg(
        years=("year", "nunique"), person_years=("mean_pop", "sum"), net=("net", "sum"),
        gross=("gross", "sum"), within_var=("rate", "var"), poisson_var=("pv", "mean"))
    counts = counts[counts["years"] == window]
    jobs = jobs_total(employment[employment["region"].str.len() == 4]) if jobs is None else jobs
    j0 = jobs[jobs["year"] == first - 1].set_index("region")["jobs"]
    j1 = jobs[jobs["year"] == last].set_index("region")["jobs"]
    growth = ((j1 / j0) ** (1 / window) - 1) * 100
    out = counts.assign(job_growth=growth.reindex(counts.index)).dropna(subset=["job_growth"])
    out = out[np.isfinite(out["job_growth"]) & (out["person_years"] > 0)]
    out = out.assign(net_rate=out["net"] / out["person_years"] * 1000,
                     population=out["person_years"] / window)
    out = out.assign(log_pop=np.log(out["population"]), first=first, last=last)
    return out.reset_index()


def noise_model(panel: pd.DataFrame) -> tuple[float, float]:
    """Variance of a municipality's yearly net migration rate: ``sigma0² + phi · poisson_var``.

    Fitted across municipalities from the variation of the yearly rates inside the window
    (least squares of ``within_var`` on ``[1, poisson_var]``, both terms kept non-negative).
    ``phi`` > 1 is extra-Poisson variation (families move together); ``sigma0²`` is noise that
    does not shrink with size (e.g. the opening of an institution).

    Returns:
        ``(sigma0_sq, phi)``.
    """
    ok = panel.dropna(subset=["within_var", "poisson_var"])
    if len(ok) < 5:
        return 0.0, 1.0
    y = ok["within_var"].to_numpy(dtype=float)
    x = ok["poisson_var"].to_numpy(dtype=float)
    A = np.column_stack([np.ones_like(x), x])
    (s0, phi), *_ = np.linalg.lstsq(A, y, rcond=None)
    if phi < 0:
        return float(max(y.mean(), 0.0)), 0.0
    if s0 < 0:
        return 0.0, float((x * y).sum() / (x * x).sum())
    return float(s0), float(phi)


def fit_attractiveness(panel: pd.DataFrame, window: int, alpha: float = 0.05) -> tuple[
        pd.DataFrame, object]:
    """OLS of net domestic migration rate on job growth and log size, with HC3 errors.

    Returns:
        The panel with ``expected``, ``residual``, ``se`` and ``low``/``high`` (the
        ``1 − alpha`` interval) of the residual, and the fitted statsmodels results. The
        residual's variance is the municipality's own noise over the window
        (:func:`noise_model` divided by ``window``) plus the variance of the fitted value.
    """
    from scipy import stats
    from statsmodels.regression.linear_model import OLS

    X = np.column_stack([np.ones(len(panel)),
                         panel[["job_growth", "log_pop"]].to_numpy(dtype=float)])
    y = panel["net_rate"].to_numpy(dtype=float)
    res = OLS(y, X).fit(cov_type="HC3")
    fitted = X @ res.params
    cov = np.asarray(res.cov_params())
    mean_var = np.einsum("ij,jk,ik->i", X, cov, X)
    s0, phi = noise_model(panel)
    noise_var = (s0 + phi * panel["poisson_var"].to_numpy(dtype=float)) / window
    se = np.sqrt(noise_var + mean_var)
    z = float(stats.norm.ppf(1 - alpha / 2))
    residual = y - fitted
    out = panel.assign(expected=fitted, residual=residual, se=se, low=residual - z * se,
                       high=residual + z * se, noise_sigma0_sq=s0, noise_phi=phi)
    return out, res


def group_residual(fitted: pd.DataFrame, codes: Sequence[str]) -> dict[str, float]:
    """The residual of an area of several municipalities: summed counts, not mean rates."""
    members = set(expand(codes))
    part = fitted[fitted["region"].isin(members)]
    if part.empty:
        return {}
    py = part["person_years"].sum()
    actual = part["net"].sum() / py * 1000
    expected = (part["expected"] * part["person_years"]).sum() / py
    # Variances add over municipalities with weights person_years / py.
    se = math.sqrt(float(((part["se"] * part["person_years"] / py) ** 2).sum()))
    resid = actual - expected
    return {"actual": actual, "expected": expected, "residual": resid, "se": se,
            "low": resid - 1.96 * se, "high": resid + 1.96 * se}


def comparison_set(ctx, change: pd.DataFrame | None = None, n_similar: int = 6
                   ) -> list[list[str]]:
    """Areas the region is ranked among: the region itself plus its comparison units.

    - the programme's own region: the programme file's comparison municipalities;
    - a county (given or programme region without comparisons): the other counties;
    - any other municipality: the ``n_similar`` municipalities of its county closest in size
      (population on 1 January of the latest year in ``change``), or all of the county's
      municipalities when ``change`` is not given.
    """
    from pipeline import geography

    region = list(ctx.region_codes)
    own = region == list(ctx.program.region_codes)
    if own and ctx.comparison_codes:
        return [region, *[[c] for c in ctx.comparison_codes if c not in region]]
    if len(region) == 1 and len(region[0]) == 2:
        return [region, *[[c] for c in sorted(geography.county_names()) if c != region[0]]]
    county = ctx.county or geography.county_of(region[0])
    candidates = [c for c in geography.municipalities_in_county(county) if c not in region]
    if change is not None and len(change):
        pop = change[(change["measure"] == "Folkemengde") & change["region"].isin(
            candidates + region)]
        latest = pop[pop["year"] == pop["year"].max()].set_index("region")["value"]
        own_size = latest.reindex(region).sum()
        if own_size > 0:
            distance = (np.log(latest[latest > 0]) - math.log(own_size)).abs()
            distance = distance.drop(region, errors="ignore").sort_values(kind="stable")
            candidates = list(distance.index[:n_similar])
    return [region, *[[c] for c in candidates]]


def attractiveness(change: pd.DataFrame, employment: pd.DataFrame, areas: list[list[str]],
                   window: int = 3) -> pd.DataFrame:
    """Rolling-window attractiveness residuals for ``areas`` (the first is the region).

    Returns:
        One row per (window end, area): ``last``, ``first``, ``area`` (codes joined by ``+``),
        ``actual``, ``expected``, ``residual``, ``se``, ``low``, ``high``, ``rank`` (1 = most
        attractive among ``areas``), ``n_areas``, ``n_municipalities``, and the model's
        ``job_coef``, ``job_low``, ``job_high``.
    """
    jobs_years = sorted(employment["year"].unique())
    change_years = sorted(change.loc[change["measure"] == "Innflytting", "year"].unique())
    if not jobs_years or not change_years:
        return pd.DataFrame()
    first_end = max(int(jobs_years[0]) + window, int(change_years[0]) + window - 1)
    last_end = min(int(jobs_years[-1]), int(change_years[-1]))
    wide = municipal_wide(change)
    jobs = jobs_total(employment[employment["region"].str.len() == 4])
    rows = []
    for last in range(first_end, last_end + 1):
        panel = window_panel(change, employment, last, window, wide=wide, jobs=jobs)
        if len(panel) < 10:
            continue
        fitted, res = fit_attractiveness(panel, window)
        ci = np.asarray(res.conf_int())
        present = set(fitted["region"])
        for codes in areas:
            members = expand(codes)
            # A county stands for its municipalities only when nearly all are in the model.
            if len(members) > 1 and np.mean([m in present for m in members]) < 0.8:
                continue
            g = group_residual(fitted, codes)
            if g:
                rows.append({"last": last, "first": last - window + 1, "area": "+".join(codes),
                             **g, "n_municipalities": len(panel),
                             "job_coef": float(res.params[1]), "job_low": float(ci[1, 0]),
                             "job_high": float(ci[1, 1])})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.assign(rank=out.groupby("last")["residual"].rank(ascending=False, method="min")
                     .astype(int),
                     n_areas=out.groupby("last")["area"].transform("size"))
    return out


def latest_model(change: pd.DataFrame, employment: pd.DataFrame, window: int = 3):
    """The fitted model of the latest window (for the coefficient table), or None."""
    last = min(int(employment["year"].max()),
               int(change.loc[change["measure"] == "Innflytting", "year"].max()))
    panel = window_panel(change, employment, last, window)
    if len(panel) < 10:
        return None, panel
    return fit_attractiveness(panel, window)[::-1]


def model_table(ctx, res) -> pd.DataFrame:
    """Coefficients of the attractiveness model with 95 % intervals (translated)."""
    ci = np.asarray(res.conf_int())
    terms = [ctx.t("mig_term_const"), ctx.t("mig_term_job"), ctx.t("mig_term_size")]
    return pd.DataFrame({ctx.t("mig_term"): terms, ctx.t("mig_coef"): np.asarray(res.params),
                         ctx.t("mig_ci_low"): ci[:, 0], ctx.t("mig_ci_high"): ci[:, 1]})


def attractiveness_table(ctx, attr: pd.DataFrame) -> pd.DataFrame:
    """The latest window: each area's actual, expected, residual, interval and rank."""
    latest = attr[attr["last"] == attr["last"].max()].sort_values("rank")
    names = [ctx.region_label if a == "+".join(ctx.region_codes) else
             " + ".join(ctx.name(c) for c in a.split("+")) for a in latest["area"]]
    return pd.DataFrame({
        ctx.t("region"): names,
        ctx.t("mig_attr_actual"): latest["actual"].to_numpy(),
        ctx.t("mig_attr_expected"): latest["expected"].to_numpy(),
        ctx.t("mig_attr_residual"): latest["residual"].to_numpy(),
        ctx.t("mig_ci_low"): latest["low"].to_numpy(),
        ctx.t("mig_ci_high"): latest["high"].to_numpy(),
        ctx.t("mig_attr_rank"): latest["rank"].to_numpy(),
    })


def attractiveness_figure(ctx, attr: pd.DataFrame):
    """The region's residual over rolling windows with its interval, comparison units faint."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    region = "+".join(ctx.region_codes)
    for area, part in attr.groupby("area"):
        if area != region:
            ax.plot(part["last"], part["residual"], color=figures.COMPARISON_COLOUR,
                    linewidth=0.8, alpha=0.6)
    own = attr[attr["area"] == region]
    ax.fill_between(own["last"], own["low"], own["high"], color=figures.REGION_COLOUR,
                    alpha=figures.INTERVAL_ALPHA)
    ax.plot(own["last"], own["residual"], color=figures.REGION_COLOUR, marker="o",
            linewidth=2, label=ctx.region_label)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel(ctx.t("mig_attr_residual"))
    ax.legend()
    return fig


# --------------------------------------------------------------------------------------------
# 6. Projection (ETS) beside SSB's alternatives (14288)
# --------------------------------------------------------------------------------------------
def ets_forecast(series: pd.Series, horizon: int, trend: bool = True,
                 alpha: float = 0.05) -> pd.DataFrame:
    """Exponential-smoothing forecast with prediction intervals (statsmodels ETSModel).

    Args:
        series: values indexed by consecutive integer years.
        horizon: last year to forecast.
        trend: additive damped trend (population) or level only (net migration).

    Returns:
        Columns ``year``, ``mean``, ``low``, ``high`` for the years after the series.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    s = series.dropna().astype(float)
    years = s.index.astype(int)
    steps = int(horizon) - int(years.max())
    if steps <= 0 or len(s) < 6:
        return pd.DataFrame(columns=["year", "mean", "low", "high"])
    endog = pd.Series(s.to_numpy(), index=pd.RangeIndex(len(s)))
    model = ETSModel(endog, error="add", trend="add" if trend else None,
                     damped_trend=trend)
    res = model.fit(disp=False)
    pred = res.get_prediction(start=len(s), end=len(s) + steps - 1)
    frame = pred.summary_frame(alpha=alpha)
    return pd.DataFrame({"year": np.arange(years.max() + 1, years.max() + steps + 1),
                         "mean": frame["mean"].to_numpy(),
                         "low": frame["pi_lower"].to_numpy(),
                         "high": frame["pi_upper"].to_numpy()})


def ssb_projection(projection: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """SSB's projected population by year and alternative (sum over sex, age and codes)."""
    if projection.empty:
        return pd.DataFrame(columns=["year", "alternative", "value"])
    out = area_sum(projection, codes, ["alternative", "year"])
    return out[["year", "alternative", "value"]].sort_values(["alternative", "year"])


def projection_figure(ctx, observed: pd.Series, trend: pd.DataFrame, ssb: pd.DataFrame):
    """Observed population, the trend projection band and SSB's alternatives."""
    from pipeline import figures

    fig, ax = figures.new_figure()
    ax.plot(observed.index, observed.to_numpy(), color="black", linewidth=2,
            label=ctx.t("mig_observed"))
    if not trend.empty:
        ax.fill_between(trend["year"], trend["low"], trend["high"], color=figures.REGION_COLOUR,
                        alpha=figures.INTERVAL_ALPHA)
        ax.plot(trend["year"], trend["mean"], color=figures.REGION_COLOUR, linewidth=2,
                label=ctx.t("mig_proj_trend"))
    styles = {"MMMM": "-", "HHMH": "--", "LLML": ":"}
    for alt, part in ssb.groupby("alternative"):
        ax.plot(part["year"], part["value"], color=figures.PALETTE[1], linestyle=styles.get(
            alt, "-"), linewidth=1.5, label=ctx.t(alt) if alt in styles else alt)
    ax.legend(fontsize=8)
    return fig


def projection_table(ctx, trend: pd.DataFrame, net: pd.DataFrame, ssb: pd.DataFrame,
                     step: int = 5) -> pd.DataFrame:
    """Selected years of the trend projection, net migration and SSB's alternatives."""
    if trend.empty:
        return pd.DataFrame()
    horizon = int(trend["year"].max())
    years = sorted({y for y in trend["year"] if (horizon - y) % step == 0})
    out = trend.set_index("year").loc[years]
    table = pd.DataFrame({ctx.t("year"): [str(y) for y in years],
                          ctx.t("mig_proj_trend"): out["mean"].round().to_numpy(),
                          ctx.t("mig_proj_low"): out["low"].round().to_numpy(),
                          ctx.t("mig_proj_high"): out["high"].round().to_numpy()})
    if not net.empty:
        n = net.set_index("year").reindex(years)
        table[ctx.t("mig_proj_net")] = n["mean"].round().to_numpy()
        table[ctx.t("mig_proj_net_interval")] = [
            i18n.fmt_interval(lo, hi, ctx.language) for lo, hi in zip(n["low"], n["high"],
                                                                      strict=True)]
    for alt in ("MMMM", "HHMH", "LLML"):
        part = ssb[ssb["alternative"] == alt].set_index("year")["value"].reindex(years)
        if part.notna().any():
            table[ctx.t(alt)] = part.round().to_numpy()
    return table


# --------------------------------------------------------------------------------------------
# 7. Indicators for effect tracking (pipeline/analysis/effects.py)
# --------------------------------------------------------------------------------------------
def _municipal_components(source: str) -> pd.DataFrame:
    change = load("population_change", source)
    change = change[change["region"].str.len() == 4]
    wide = change.pivot_table(index=["region", "year"], columns="measure", values="value",
                              aggfunc="sum").reset_index()
    wide = wide.rename(columns=COMPONENTS)
    for col in COMPONENTS.values():
        if col not in wide.columns:
            wide[col] = np.nan
    return wide.assign(mean_population=wide["population"] + wide["growth"] / 2)


def population_panel(source: str) -> pd.DataFrame:
    """Population on 1 January for every municipality: ``region``, ``year``, ``value``."""
    wide = _municipal_components(source)
    return wide[["region", "year", "population"]].rename(columns={"population": "value"}).dropna()


def net_migration_panel(source: str) -> pd.DataFrame:
    """Net migration (domestic + international) per 1 000 mean inhabitants, all municipalities.

    ``value = 1000 · numerator / denominator`` with ``numerator`` net moves and ``denominator``
    the mean population.
    """
    w = _municipal_components(source)
    num = w["immigration"] - w["emigration"] + w["in_migration"] - w["out_migration"]
    out = pd.DataFrame({"region": w["region"], "year": w["year"], "numerator": num,
                        "denominator": w["mean_population"]}).dropna()
    return out.assign(value=out["numerator"] / out["denominator"] * 1000)[
        ["region", "year", "value", "numerator", "denominator"]]


def net_domestic_migration_panel(source: str) -> pd.DataFrame:
    """Net domestic migration per 1 000 mean inhabitants, all municipalities."""
    w = _municipal_components(source)
    num = w["in_migration"] - w["out_migration"]
    out = pd.DataFrame({"region": w["region"], "year": w["year"], "numerator": num,
                        "denominator": w["mean_population"]}).dropna()
    return out.assign(value=out["numerator"] / out["denominator"] * 1000)[
        ["region", "year", "value", "numerator", "denominator"]]


def _immigrant_panel(source: str) -> pd.DataFrame:
    imm = load("immigrants", source)
    imm = imm[(imm["category"] == "B") & (imm["measure"] == "Personer1")
              & (imm["country_background"] == "999") & (imm["region"].str.len() == 4)]
    stock = imm[["region", "year", "value"]].rename(columns={"value": "stock"})
    nxt = stock.assign(year=stock["year"] - 1).rename(columns={"stock": "stock_next"})
    w = _municipal_components(source)[["region", "year", "immigration", "population"]]
    out = stock.merge(nxt, on=["region", "year"], how="left").merge(w, on=["region", "year"],
                                                                     how="left")
    inflow = IMMIGRANT_SHARE_OF_IMMIGRATION * out["immigration"]
    return out.assign(at_risk=out["stock"] + inflow / 2,
                      outflow=out["stock"] + inflow - out["stock_next"])


def immigrant_outflow_panel(source: str) -> pd.DataFrame:
    """Implied annual outflow rate of immigrants (%), all municipalities (see
    :func:`implied_outflow` for the assumptions)."""
    p = _immigrant_panel(source).dropna(subset=["outflow", "at_risk"])
    p = p[p["at_risk"] > 0]
    return pd.DataFrame({"region": p["region"], "year": p["year"],
                         "value": p["outflow"] / p["at_risk"] * 100,
                         "numerator": p["outflow"], "denominator": p["at_risk"]})


def immigrant_share_panel(source: str) -> pd.DataFrame:
    """Immigrants as % of the population on 1 January, all municipalities."""
    p = _immigrant_panel(source).dropna(subset=["stock", "population"])
    p = p[p["population"] > 0]
    return pd.DataFrame({"region": p["region"], "year": p["year"],
                         "value": p["stock"] / p["population"] * 100,
                         "numerator": p["stock"], "denominator": p["population"]})


INDICATORS: dict[str, Callable[[str], pd.DataFrame]] = {
    "population": population_panel,
    "net_migration_rate": net_migration_panel,
    "net_domestic_migration_rate": net_domestic_migration_panel,
    "immigrant_outflow_rate": immigrant_outflow_panel,
    "immigrant_share": immigrant_share_panel,
}


# --------------------------------------------------------------------------------------------
# Report sections: what the notebook shows, built from the functions above
# --------------------------------------------------------------------------------------------
DATASETS = ("population_change", "population", "migration_flows", "immigrants",
            "employment_by_industry", "population_projection")


@dataclass
class Data:
    """The datasets of the analysis for one source; a dataset that is not built is empty."""

    change: pd.DataFrame
    population: pd.DataFrame
    flows: pd.DataFrame
    immigrants: pd.DataFrame
    employment: pd.DataFrame
    projection: pd.DataFrame
    missing: list[str] = field(default_factory=list)


def load_data(ctx) -> Data:
    """Load every dataset the analysis uses; record (not raise) those that are missing."""
    from pipeline.datasets import DataError

    frames, missing = {}, []
    for name in DATASETS:
        try:
            frames[name] = load(name, ctx.source)
        except DataError:
            frames[name] = pd.DataFrame(columns=["region", "year", "value"])
            missing.append(name)
    return Data(change=frames["population_change"], population=frames["population"],
                flows=frames["migration_flows"], immigrants=frames["immigrants"],
                employment=frames["employment_by_industry"],
                projection=frames["population_projection"], missing=missing)


@dataclass
class Section:
    """What one part of the report shows, in order, plus the frames behind it.

    ``items`` holds ``(kind, payload)`` with kind ``paragraph``, ``notice``, ``table``,
    ``figure`` or ``finding``; :func:`show` passes each to :mod:`pipeline.report`.
    """

    heading: str = ""
    items: list[tuple[str, dict]] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add(self, kind: str, **payload) -> None:
        self.items.append((kind, payload))


def show(ctx, section: Section) -> None:
    """Display a section through :mod:`pipeline.report` (tables pass disclosure control)."""
    from pipeline import report

    if section.heading:
        report.heading(ctx, section.heading)
    for kind, p in section.items:
        if kind == "paragraph":
            report.paragraph(ctx, p["text"])
        elif kind == "notice":
            report.notice(ctx, p["text"])
        elif kind == "table":
            report.table(ctx, p["df"], caption=p["caption"], counts=p.get("counts", ()),
                         decimals=p.get("decimals", 1), note=p.get("note", ""))
        elif kind == "figure":
            report.figure(ctx, p["fig"], alt=p["alt"], caption=p["caption"])
        elif kind == "finding":
            report.finding(ctx, p["key"], p["text"], value=p.get("value"),
                           rank=p.get("rank", 50))


def _count_text(ctx, value: float) -> str:
    """A count for running text: small counts (1 … threshold−1) are not shown."""
    if pd.isna(value):
        return "–"
    if 0 < abs(value) < ctx.threshold:
        return f"< {ctx.threshold}" if ctx.language == "en" else f"under {ctx.threshold}"
    return ctx.num(value)


def _span(first: int, last: int) -> str:
    """``2016–2020``, or ``2024`` when the period is one year."""
    return str(first) if first == last else f"{first}–{last}"


def _too_little(ctx, what: str) -> str:
    return ctx.t("too_little_data", what=what, region=ctx.region_label)


def protect(ctx, table: pd.DataFrame, counts: Sequence[str],
            derived: dict[str, Sequence[str]] | None = None,
            next_row: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Suppress small counts, then hide every derived number that would reveal one.

    :func:`pipeline.disclosure.suppress` protects the count columns; a net, a difference or a
    share computed from a suppressed count would give it away, so such cells become ":" too.
    :func:`pipeline.report.table` later keeps every ":" (it treats them as already suppressed).

    Args:
        table: the table to publish.
        counts: its columns of counts of persons.
        derived: derived column -> the count columns (same row) it is computed from.
        next_row: derived column -> count columns of the *next* row it depends on (e.g. an
            outflow from this year's and next year's stock).
    """
    from pipeline import disclosure

    out = disclosure.suppress(table, list(counts), threshold=ctx.threshold)
    hidden = {c: out[c].map(lambda v: isinstance(v, str) and v == ":").to_numpy(dtype=bool)
              for c in counts}
    masks: dict[str, np.ndarray] = {}
    for col, sources in (derived or {}).items():
        masks[col] = np.logical_or.reduce([hidden[c] for c in sources])
    for col, sources in (next_row or {}).items():
        ahead = np.logical_or.reduce([np.append(hidden[c][1:], False) for c in sources])
        masks[col] = masks.get(col, np.zeros(len(out), dtype=bool)) | ahead
    for col, mask in masks.items():
        out[col] = out[col].astype(object).where(~mask, ":")
    return out


def overview_section(ctx, data: Data) -> Section:
    """Purpose of the analysis, and a visible statement when the place is small."""
    sec = Section(heading="mig_heading")
    sec.add("paragraph", text=ctx.t("mig_intro", region=ctx.region_label))
    comp = components(data.change, ctx.region_codes) if not data.change.empty else pd.DataFrame()
    pop = comp["population"].dropna() if "population" in comp else pd.Series(dtype=float)
    if len(pop) and pop.iloc[-1] < SMALL_POPULATION:
        sec.add("notice", text=ctx.t("mig_small_place", region=ctx.region_label,
                                     population=ctx.num(round(pop.iloc[-1], -1)),
                                     threshold=ctx.threshold))
    for name in data.missing:
        sec.add("notice", text=_too_little(ctx, name))
    sec.frames["components"] = comp
    return sec


def components_section(ctx, data: Data, last_n_years: int = 10) -> Section:
    """Components of change: table, stacked chart, rates against county and country."""
    sec = Section(heading="mig_components_heading")
    comp = components(data.change, ctx.region_codes) if not data.change.empty else pd.DataFrame()
    flows = comp.dropna(subset=FLOW_COMPONENTS) if len(comp) else comp
    if flows.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_components_heading")))
        return sec
    recent = comp[comp["year"] > flows["year"].max() - last_n_years]
    years = choose_pooling(recent, ctx.threshold)
    if years > 1:
        sec.add("notice", text=ctx.t("mig_components_pooled", years=years,
                                     threshold=ctx.threshold))
    check = components_check(comp)
    gross = [ctx.t(c) for c in FLOW_COMPONENTS]
    table = protect(ctx, components_table(ctx, recent, years, last_n=last_n_years), gross,
                    derived={ctx.t("natural_increase"): [ctx.t("births"), ctx.t("deaths")],
                             ctx.t("net_migration"): gross[2:], ctx.t("growth"): gross})
    period_word = ctx.t("mig_periods_word") if years > 1 else ctx.t("mig_year_word")
    sec.add("table", df=table, counts=gross, decimals=0,
            caption=ctx.t("mig_components_caption", region=ctx.region_label, period=period_word),
            note=ctx.t("mig_components_check", ok=check["ok"], n=check["n"],
                       gap=ctx.num(check["max_gap"])))
    first, last = int(recent["year"].min()), int(flows["year"].max())
    sel = flows[flows["year"] >= first]
    sec.add("figure", fig=components_figure(ctx, recent, years),
            caption=ctx.t("mig_components_fig_caption", region=ctx.region_label),
            alt=ctx.t("mig_components_fig_alt", region=ctx.region_label, first=first,
                      last=last, growth=ctx.num(sel["growth"].sum())))
    rates = rates_comparison(ctx, data.change, first, last)
    sec.add("table", df=rates, decimals=1,
            caption=ctx.t("mig_rates_caption", first=first, last=last))
    sec.add("finding", key="mig_growth", rank=10, value=ctx.num(sel["growth"].sum()),
            text=ctx.t("mig_finding_growth", region=ctx.region_label,
                       change=ctx.num(sel["growth"].sum()), first=first, last=last + 1,
                       births=_count_text(ctx, sel["births"].sum()),
                       deaths=_count_text(ctx, sel["deaths"].sum()),
                       domestic=ctx.num(sel["net_domestic"].sum()),
                       international=ctx.num(sel["net_international"].sum())))
    person_years = mean_population(sel).sum()
    rate, low, high = rate_interval(sel["net_domestic"].sum(),
                                    (sel["in_migration"] + sel["out_migration"]).sum(),
                                    person_years)
    # Net domestic migration of the whole country is zero by definition: compare a
    # municipality with its county, a county with the country.
    reference = areas_for(ctx)[1] if list(ctx.region_codes) != [NATIONAL] else None
    ref = components(data.change, reference[1]) if reference else pd.DataFrame()
    if len(ref):
        ref = ref[(ref["year"] >= first) & (ref["year"] <= last)].dropna(subset=["growth"])
    values = {"region": ctx.region_label, "first": first, "last": last,
              "rate": ctx.num(rate, 1),
              "interval": i18n.fmt_interval(low, high, ctx.language, 1)}
    if reference and len(ref):
        ref_rate, ref_low, _ = rate_interval(ref["net_domestic"].sum(),
                                             (ref["in_migration"] + ref["out_migration"]).sum(),
                                             mean_population(ref).sum())
        se = math.hypot((rate - low) / 1.96, (ref_rate - ref_low) / 1.96)
        area = ctx.t("mig_the_country") if reference[1] == [NATIONAL] else reference[0]
        values.update(area=area, reference=ctx.num(ref_rate, 1))
        if se > 0 and abs(rate - ref_rate) / se > 1.959963984540054:
            text = ctx.t("mig_finding_domestic_rate", **values,
                         comparison=ctx.t("higher" if rate > ref_rate else "lower"))
        else:
            text = ctx.t("mig_finding_domestic_rate_same", **values)
        sec.add("paragraph", text=text)
    sec.frames.update(components=comp, rates=rates)
    return sec


def age_section(ctx, data: Data) -> Section:
    """Age profile of net migration by sex with the cohort-change method (method stated)."""
    sec = Section(heading="mig_age_heading")
    max_age = 89
    sec.add("paragraph", text=ctx.t("mig_age_method", slope=ctx.num(GOMPERTZ_SLOPE, 3),
                                    max_age=max_age))
    if data.population.empty or data.change.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_age_heading")))
        return sec
    pop = area_population(data.population, ctx.region_codes)
    total = pop.groupby("year")["value"].sum()
    small = len(total) and total.iloc[-1] < SMALL_POPULATION
    n_years, width = (10, 10) if small else (5, 5)
    survival = national_survival(data.population, data.change)
    cohort = cohort_net_migration(pop, survival, max_age=max_age)
    if cohort.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_age_heading")))
        return sec
    last = int(cohort["year"].max())
    first = max(int(cohort["year"].min()), last - n_years + 1)
    profile = age_profile(cohort, first, last, width=width)
    sec.add("table", df=age_profile_table(ctx, profile), decimals=1,
            caption=ctx.t("mig_age_caption", region=ctx.region_label, first=first, last=last))
    ext = extreme_groups(profile)
    fmt = {"worst": ctx.num(ext["worst"], 1), "best": ctx.num(ext["best"], 1),
           "worst_group": ext["worst_group"], "best_group": ext["best_group"]}
    sec.add("figure", fig=age_profile_figure(ctx, profile),
            caption=ctx.t("mig_age_caption", region=ctx.region_label, first=first, last=last),
            alt=ctx.t("mig_age_fig_alt", region=ctx.region_label, first=first, last=last, **fmt))
    sec.add("finding", key="mig_age_profile", rank=20, value=fmt["worst"],
            text=ctx.t("mig_age_finding", region=ctx.region_label, first=first, last=last,
                       **fmt))
    comp = components(data.change, ctx.region_codes)
    reg = comp[(comp["year"] >= first) & (comp["year"] <= last)]["net_migration"]
    coh = cohort[(cohort["year"] >= first)].groupby("year")["net_migration"].sum()
    sec.add("paragraph", text=ctx.t("mig_age_check", cohort=ctx.num(coh.mean(), 1),
                                    registered=ctx.num(reg.mean(), 1), max_age=max_age))
    sec.frames.update(cohort=cohort, profile=profile)
    return sec


def flows_section(ctx, data: Data, n_years: int = 5, top: int = 10) -> Section:
    """Top origins and destinations, share within the county, exchange with the centre."""
    sec = Section(heading="mig_flows_heading")
    if data.flows.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_no_flows")))
        return sec
    last = int(data.flows["year"].max())
    first = max(int(data.flows["year"].min()), last - n_years + 1)
    summary = flow_summary(data.flows, ctx.region_codes, first, last, top=top)
    if summary.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_no_flows")))
        return sec
    net_col = ctx.t("mig_moves_net")
    moves = [ctx.t("mig_moves_in"), ctx.t("mig_moves_out")]
    table = protect(ctx, flows_table(ctx, summary), moves, derived={net_col: moves})
    sec.add("table", df=table, decimals=0,
            counts=[ctx.t("mig_moves_in"), ctx.t("mig_moves_out")],
            caption=ctx.t("mig_flows_caption", region=ctx.region_label, first=first,
                          last=last))
    county = ctx.county if ctx.county and list(ctx.region_codes) != [ctx.county] else None
    if county:
        share = within_share(data.flows, ctx.region_codes, [county], first, last)
        if share["moves"] > 0:
            sec.add("paragraph", text=ctx.t(
                "mig_flows_within", share=ctx.pct(share["share"]), region=ctx.region_label,
                first=first, last=last, county=ctx.name(county),
                interval=i18n.fmt_interval(share["low"], share["high"], ctx.language, 1,
                                           percent=True)))
    if len(expand(ctx.region_codes)) > 1:
        share = internal_share(data.flows, ctx.region_codes, first, last)
        if share["moves"] > 0:
            sec.add("paragraph", text=ctx.t(
                "mig_flows_internal", share=ctx.pct(share["share"]), region=ctx.region_label,
                first=first, last=last,
                interval=i18n.fmt_interval(share["low"], share["high"], ctx.language, 1,
                                           percent=True)))
    centre = centre_for(ctx.region_codes, ctx.county)
    if centre:
        exchange = centre_exchange(data.flows, ctx.region_codes, centre)
        ctable = centre_table(ctx, exchange, centre)
        ctable = protect(ctx, ctable, list(ctable.columns[1:3]),
                         derived={net_col: list(ctable.columns[1:3])})
        sec.add("table", df=ctable, decimals=0, counts=list(ctable.columns[1:3]),
                caption=ctx.t("mig_centre_caption", region=ctx.region_label,
                              centre=ctx.name(centre)))
        recent = exchange[exchange["year"] >= first]
        net = float(recent["net"].sum())
        key = "mig_centre_gain" if net > 0 else "mig_centre_loss"
        sec.add("finding", key="mig_centre", rank=30, value=ctx.num(net),
                text=ctx.t(key, first=first, last=last, region=ctx.region_label,
                           centre=ctx.name(centre), net=ctx.num(abs(net))))
        sec.frames["centre"] = exchange
    sec.frames["flows"] = summary
    return sec


def immigrants_section(ctx, data: Data, pre_years: int = 5) -> Section:
    """Immigrant stock and share, implied outflow with its assumptions, retention indicators."""
    sec = Section(heading="mig_immigrants_heading")
    sec.add("paragraph", text=ctx.t("mig_immigrants_method"))
    if data.immigrants.empty or data.change.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_immigrants_heading")))
        return sec
    stock = immigrant_stock(data.immigrants, ctx.region_codes)
    comp = components(data.change, ctx.region_codes)
    out = implied_outflow(stock, comp)
    if out["stock"].dropna().empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_immigrants_heading")))
        return sec
    stock_col, inflow_col = ctx.t("mig_immigrants_stock"), ctx.t("mig_immigrants_inflow")
    outflow_col, rate_col = ctx.t("mig_immigrants_outflow"), ctx.t("mig_immigrants_rate")
    # The implied outflow is an estimate, but it reads as a number of persons: protect it as a
    # count, and hide it (and its rate) wherever a stock or inflow it comes from is hidden.
    counts = [stock_col, inflow_col, outflow_col]
    table = protect(ctx, immigrants_table(ctx, out), counts,
                    derived={ctx.t("mig_immigrants_share"): [stock_col],
                             outflow_col: [stock_col, inflow_col],
                             rate_col: [stock_col, inflow_col, outflow_col]},
                    next_row={outflow_col: [stock_col], rate_col: [stock_col]})
    sec.add("table", df=table, decimals={ctx.t("mig_immigrants_share"): 1,
                                         ctx.t("mig_immigrants_rate"): 1},
            counts=counts,
            caption=ctx.t("mig_immigrants_caption", region=ctx.region_label))
    latest = out.dropna(subset=["stock"]).iloc[-1]
    if pd.notna(latest["share"]):
        sec.add("paragraph", text=ctx.t(
            "mig_immigrants_share_finding", share=ctx.pct(latest["share"]),
            region=ctx.region_label, year=int(latest["year"]),
            stock=_count_text(ctx, latest["stock"])))
    shares = immigrant_share_series(data.immigrants, data.change, areas_for(ctx))
    if len(shares):
        sec.add("figure", fig=immigrant_share_figure(ctx, shares),
                caption=ctx.t("mig_share_fig_caption"),
                alt=ctx.t("mig_share_fig_alt", areas=", ".join(shares["area"].unique()),
                          first=int(shares["year"].min()), last=int(shares["year"].max()),
                          region=ctx.region_label, year=int(latest["year"]),
                          share=ctx.pct(latest["share"])))
    start = ctx.program.start_year
    window = out[out["year"] >= start - pre_years]
    change = outflow_change(window, start)
    if change:
        sec.add("finding", key="mig_immigrant_outflow", rank=41,
                value=ctx.num(change["diff"], 1),
                text=ctx.t("mig_immigrants_finding", region=ctx.region_label,
                           after=ctx.pct(change["after"]), before=ctx.pct(change["before"]),
                           after_period=_span(start, change["last"]),
                           before_period=_span(change["first"], change["pre_last"]),
                           diff=ctx.num(change["diff"], 1),
                           interval=i18n.fmt_interval(change["low"], change["high"],
                                                      ctx.language, 1)))
    young = young_retention(data.population, ctx.region_codes) if len(data.population) else \
        pd.DataFrame(columns=["year", "kept"])
    sec.add("table", df=retention_indicators(ctx, out, comp, young), decimals=1,
            caption=ctx.t("mig_retention_caption", region=ctx.region_label),
            note=ctx.t("mig_retention_note"))
    sec.frames.update(immigrants=out, young=young)
    return sec


def attractiveness_section(ctx, data: Data, window: int = 3) -> Section:
    """Residual attractiveness over rolling windows, with interval and rank."""
    sec = Section(heading="mig_attr_heading")
    sec.add("paragraph", text=ctx.t("mig_attr_method", window=window))
    if data.change.empty or data.employment.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_attr_none")))
        return sec
    areas = comparison_set(ctx, data.change)
    attr = attractiveness(data.change, data.employment, areas, window=window)
    region = "+".join(ctx.region_codes)
    if attr.empty or region not in set(attr["area"]):
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_attr_none")))
        return sec
    res, panel = latest_model(data.change, data.employment, window)
    latest = attr[attr["last"] == attr["last"].max()]
    first, last = int(latest["first"].iloc[0]), int(latest["last"].iloc[0])
    if res is not None:
        sec.add("table", df=model_table(ctx, res), decimals=2,
                caption=ctx.t("mig_attr_model_caption", first=first, last=last,
                              n=len(panel)))
    sec.add("table", df=attractiveness_table(ctx, attr), decimals=1,
            caption=ctx.t("mig_attr_caption", region=ctx.region_label, first=first, last=last))
    own = attr[attr["area"] == region].sort_values("last")
    row = own.iloc[-1]
    value = ctx.num(row["residual"], 1)
    sec.add("figure", fig=attractiveness_figure(ctx, attr),
            caption=ctx.t("mig_attr_fig_caption", region=ctx.region_label, window=window),
            alt=ctx.t("mig_attr_fig_alt", region=ctx.region_label, last=last, value=value))
    values = {"first": first, "last": last, "region": ctx.region_label, "value": value,
              "interval": i18n.fmt_interval(row["low"], row["high"], ctx.language, 1),
              "rank": int(row["rank"]), "n": int(row["n_areas"])}
    if row["low"] > 0 or row["high"] < 0:
        text = ctx.t("mig_attr_finding", **values,
                     direction=ctx.t("mig_more" if row["residual"] > 0 else "mig_fewer"))
    else:
        text = ctx.t("mig_attr_finding_same", **values)
    sec.add("finding", key="mig_attractiveness", text=text, value=value, rank=15)
    sec.frames["attractiveness"] = attr
    return sec


def projection_section(ctx, data: Data) -> Section:
    """Trend projection of population and net migration beside SSB's alternatives."""
    horizon = ctx.program.horizon
    sec = Section(heading=ctx.t("mig_proj_heading", horizon=horizon))
    sec.add("paragraph", text=ctx.t("mig_proj_method"))
    comp = components(data.change, ctx.region_codes) if not data.change.empty else pd.DataFrame()
    observed = comp.set_index("year")["population"].dropna() if len(comp) else pd.Series(
        dtype=float)
    trend = ets_forecast(observed, horizon) if len(observed) else pd.DataFrame()
    if trend.empty:
        sec.add("notice", text=_too_little(ctx, ctx.t("mig_projection_none")))
        return sec
    net_series = comp.set_index("year")["net_migration"].dropna()
    net = ets_forecast(net_series, horizon, trend=False)
    ssb = ssb_projection(data.projection, ctx.region_codes) if len(data.projection) else \
        pd.DataFrame(columns=["year", "alternative", "value"])
    ssb = ssb[ssb["year"] <= horizon]
    end = trend.iloc[-1]
    main = ssb[(ssb["alternative"] == "MMMM") & (ssb["year"] == horizon)]["value"]
    ssb_text = ctx.num(main.iloc[0]) if len(main) else "–"
    interval = i18n.fmt_interval(end["low"], end["high"], ctx.language)
    sec.add("figure", fig=projection_figure(ctx, observed, trend, ssb),
            caption=ctx.t("mig_proj_caption"),
            alt=ctx.t("mig_proj_fig_alt", region=ctx.region_label, horizon=horizon,
                      value=ctx.num(end["mean"]), interval=interval, ssb=ssb_text))
    sec.add("table", df=projection_table(ctx, trend, net, ssb), decimals=0,
            caption=ctx.t("mig_proj_table_caption"))
    sec.add("finding", key="mig_projection", rank=50, value=ctx.num(end["mean"]),
            text=ctx.t("mig_proj_finding", region=ctx.region_label, horizon=horizon,
                       value=ctx.num(end["mean"]), interval=interval, ssb=ssb_text))
    sec.frames.update(trend=trend, net=net, ssb=ssb)
    return sec
